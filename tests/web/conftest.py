"""Fixtures of the website tests: one app on a temporary SQLite registry loaded with the sample."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Sample:
    """Codes of the synthetic Sơn La sample, found by querying the registry (never hard-coded)."""

    genuine_puc: str
    revoked_puc: str
    suspended_puc: str
    gtin: str
    lot: str

    @property
    def digital_link_path(self) -> str:
        return f"/01/{self.gtin}/10/{self.lot}"


def _make_app(tmp_dir: Any, **extra: Any) -> Any:
    from api import create_app

    config = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_dir}/registry.sqlite3",
        "ENSURE_SAMPLE": True,
        "RATELIMIT_ENABLED": False,
        "RESPONSE_CACHE_TTL": 0,
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session")
def make_app() -> Any:
    """The app factory with the test defaults (temporary SQLite file in ``tmp_dir``)."""
    return _make_app


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = _make_app(tmp_path_factory.mktemp("web-registry"))
    with app.app_context():
        from api import store

        store.registry()  # create the file and load the sample once
    return app


@pytest.fixture()
def client(web_app: Any) -> Any:
    return web_app.test_client()


@pytest.fixture(scope="session")
def sample(web_app: Any) -> Sample:
    with web_app.app_context():
        from api import store

        reg = store.registry()
        revoked = reg.search(status="revoked", kind="puc").items[0].code
        suspended = reg.search(status="suspended", kind="puc").items[0].code
        for rec in reg.search(status="active", kind="puc", per_page=100).items:
            for lot in reg.lots_for_code(rec.code):
                phc = reg.get_code(lot.phc) if lot.phc else None
                if phc is not None and phc.status == "active":
                    return Sample(rec.code, revoked, suspended, lot.gtin, lot.lot)
    raise AssertionError("the sample registry has no active PUC with a lot")


@pytest.fixture(scope="session")
def live_server(web_app: Any) -> Iterator[str]:
    """The app served by a real HTTP server on 127.0.0.1 in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def _load_photos() -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("photos.py")
    spec = importlib.util.spec_from_file_location("trace_std_web_test_photos", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def photos() -> Any:
    """Helpers that render a label with ``trace_std.render`` and photograph it (tests/web/photos.py)."""
    return _load_photos()


def playwright_and_chromium() -> tuple[Any, str]:
    """Playwright's sync API and Debian's chromium (never a downloaded browser); loud when missing."""
    import shutil
    from pathlib import Path

    from tests.conftest import require_service

    try:
        from playwright import sync_api
    except ImportError:
        require_service("playwright", "pip install -e '.[test]'")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        require_service("chromium", "apt-get install chromium")
    return sync_api, executable
