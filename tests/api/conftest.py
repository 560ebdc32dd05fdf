"""Fixtures of the API tests: the same suite runs against SQLite and PostgreSQL.

* ``database_url``: a registry loaded with the synthetic sample, per backend (session scope,
  read-only tests); ``fresh_database_url``: an empty, migrated registry per test (writes).
* ``app`` / ``client``: ``create_app`` over that registry, rate limits and the response cache off.
* ``validate(response, schema)``: the body validates against ``schemas/v1/<schema>.schema.json``.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry as RefRegistry
from referencing import Resource

from tests.conftest import require_service

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "v1"
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# -- schemas ------------------------------------------------------------------------------------
def _schema_registry() -> tuple[RefRegistry, dict[str, dict[str, Any]]]:
    by_name: dict[str, dict[str, Any]] = {}
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        doc = json.loads(path.read_text("utf-8"))
        by_name[path.name.removesuffix(".schema.json")] = doc
        if "$id" in doc:
            resources.append((doc["$id"], Resource.from_contents(doc)))
    return RefRegistry().with_resources(resources), by_name


_REGISTRY, _SCHEMAS = _schema_registry()


def schema_errors(body: Any, name: str) -> list[str]:
    schema = _SCHEMAS.get(name)
    assert schema is not None, f"schemas/v1/{name}.schema.json is not published"
    validator = Draft202012Validator(schema, registry=_REGISTRY, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


@pytest.fixture(scope="session")
def validate() -> Callable[[Any, str], Any]:
    """``validate(response, "code-record")`` → the parsed body, after schema validation."""

    def check(response: Any, name: str) -> Any:
        body = response.get_json(force=True)
        errors = schema_errors(body, name)
        assert not errors, f"{name}: {errors[:5]}"
        return body

    return check


@pytest.fixture(scope="session")
def problem(validate: Callable[[Any, str], Any]) -> Callable[..., dict[str, Any]]:
    """``problem(response, 404, "registry.code.not_found")`` asserts a valid problem document."""

    def check(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/problem+json"
        body: dict[str, Any] = validate(response, "problem")
        assert body["status"] == status
        if code is not None:
            assert body["code"] == code, body
        return body

    return check


# -- databases ----------------------------------------------------------------------------------
def _pg_admin_url() -> str:
    return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"


def create_pg_database() -> str:
    """A new, empty PostgreSQL database; returns its name."""
    import psycopg

    if not port_open(PG_HOST, PG_PORT):
        require_service("PostgreSQL", f"nothing listens on {PG_HOST}:{PG_PORT}")
    name = f"trace_std_api_{secrets.token_hex(4)}"
    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(name: str, port: int = PG_PORT) -> str:
    return f"postgresql+psycopg://postgres@{PG_HOST}:{port}/{name}"


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _new_database(backend: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        path = tmp / f"registry-{secrets.token_hex(4)}.sqlite3"
        return f"sqlite:///{path}", lambda: None
    name = create_pg_database()
    return pg_url(name), lambda: drop_pg_database(name)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry with the synthetic sample loaded (shared: tests must not write to it)."""
    from trace_std.registry import Registry

    url, drop = _new_database(backend, tmp_path_factory.mktemp("db"))
    with Registry(url) as registry:
        registry.ensure_sample()
    yield url
    drop()


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A registry of its own with the sample loaded (for tests that write)."""
    from trace_std.registry import Registry

    url, drop = _new_database(backend, tmp_path)
    with Registry(url) as registry:
        registry.ensure_sample()
    yield url
    drop()


def make_app(database_url: str, **config: Any) -> Flask:
    from api import create_app

    settings: dict[str, Any] = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": False,
        "RESPONSE_CACHE_TTL": 0,
    }
    settings.update(config)
    return create_app(settings)


def close_app(app: Flask) -> None:
    registry = app.extensions.get("trace_std.registry")
    if registry is not None:
        registry.close()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = make_app(database_url)
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def write_app(fresh_database_url: str) -> Iterator[Flask]:
    application = make_app(fresh_database_url)
    yield application
    close_app(application)


# -- sample facts, looked up rather than hard-coded ------------------------------------------------
@pytest.fixture(scope="session")
def sample(app: Flask) -> dict[str, Any]:
    """Codes, products and lots of the loaded sample, found through the registry facade."""
    from api import store

    with app.app_context():
        registry = store.registry()
    facts: dict[str, Any] = {}
    for status in ("active", "suspended", "revoked"):
        page = registry.search(status=status, kind="puc", per_page=5)
        facts[status] = [c.code for c in page.items]
    facts["export"] = [
        c.code for c in registry.search(status="active", kind="puc", market="CN", per_page=5).items
    ]
    facts["phc"] = [c.code for c in registry.search(kind="phc", per_page=5).items]
    lots = []
    for record in registry.search(kind="phc", status="active", per_page=10).items:
        lots.extend(registry.lots_for_code(record.code, limit=20))
    facts["lots"] = lots
    return facts
