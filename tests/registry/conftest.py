"""Registry fixtures: the same tests run on SQLite and on PostgreSQL (throwaway databases)."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import require_service
from trace_std.registry import Registry

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_JSON = ROOT / "examples/registry/sonla-synthetic.registry.json"
SAMPLE_CSV = ROOT / "examples/registry/sonla-synthetic.registry.csv"
TABLES = (
    "codes, market_approvals, status_history, products, lots, api_tokens, audit_log, "
    "authorisations, authorisation_history, market_registers, ledger, audit_findings"
)


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def create_pg_database() -> str:
    """A new empty database; returns its URL."""
    if not _pg_available():
        require_service("PostgreSQL", "127.0.0.1:5432 is not accepting connections")
    name = f"trace_std_test_{secrets.token_hex(6)}"
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    Registry(url).init()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """URL of an empty, initialised registry database for one test."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        reg = Registry(url)
        reg.init()
        reg.close()
        return url
    url = str(request.getfixturevalue("pg_url"))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    reg = Registry(db_url)
    yield reg
    reg.close()


@pytest.fixture(scope="module", params=BACKENDS)
def sample_registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """A registry holding the synthetic Sơn La sample (shared by a module's read-only tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sample') / 'sample.sqlite3'}"
    else:
        url = create_pg_database()
    reg = Registry(url)
    assert reg.ensure_sample() is True
    yield reg
    reg.close()
    if request.param == "postgresql":
        drop_pg_database(url)


@contextmanager
def holding_write_lock(db_url: str) -> Iterator[None]:
    """Inside the block another writer holds the registry's one write lock, as a long import does."""
    from trace_std.registry.core import _PG_WRITE_LOCK

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        if db_url.startswith("sqlite"):
            lite = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
            lite.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(60)
            lite.execute("ROLLBACK")
            lite.close()
            return
        engine = create_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
            held.set()
            release.wait(60)
        engine.dispose()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(30)
        yield
    finally:
        release.set()
        thread.join(60)
