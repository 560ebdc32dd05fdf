"""Database down → 503 with Retry-After, and recovery when it comes back."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import (
    PG_HOST,
    PG_PORT,
    close_app,
    create_pg_database,
    drop_pg_database,
    make_app,
    pg_url,
)


class TcpProxy:
    """A loopback TCP proxy we can cut and restore (the database 'goes away' and 'comes back').

    With ``stalled = True`` it accepts connections and never answers: the database that accepts
    connections but never replies (``accepted`` counts the connections it took)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.stalled = False
        self.accepted = 0
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(32)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            self.accepted += 1
            if self.stalled:
                with self._lock:
                    self._conns.append(client)  # held open, never read, never answered
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self._server.close()
            self._server = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()


def _assert_unavailable(response: Any, problem: Any) -> None:
    problem(response, 503, "registry.unavailable")
    assert int(response.headers["Retry-After"]) > 0


def _recovered(client: Any, path: str, seconds: float = 20.0) -> Any:
    """The first non-503 answer of ``path`` (the breaker's probe notices the database is back)."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(path)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def _proxied_sample() -> tuple[str, TcpProxy, str, str]:
    """A new PostgreSQL database with the sample, reached through a :class:`TcpProxy`; returns
    ``(database name, proxy, URL through the proxy, an export code)``."""
    from trace_std.registry import Registry

    name = create_pg_database()
    proxy = TcpProxy((PG_HOST, PG_PORT))
    proxy.start()
    url = pg_url(name, proxy.port)
    with Registry(url) as registry:
        registry.ensure_sample()
        code = registry.search(kind="puc", market="CN", per_page=1).items[0].code
    return name, proxy, url, code


@pytest.mark.postgres
def test_postgres_down_is_503_and_recovers(problem: Any, validate: Any) -> None:
    name, proxy, url, code = _proxied_sample()
    app = make_app(url, DATABASE_BREAKER_SECONDS=0.1)
    try:
        client = app.test_client()
        assert client.get(f"/v1/codes/{code}").status_code == 200
        assert client.get("/readyz").status_code == 200
        proxy.stop()
        for path in (f"/v1/codes/{code}", f"/v1/verify?q={code}", "/readyz", "/v1/codes?q=x"):
            _assert_unavailable(client.get(path), problem)
        assert client.get("/healthz").status_code == 200  # the process itself is alive
        proxy.start()
        validate(_recovered(client, f"/v1/codes/{code}"), "code-record")
        assert client.get("/readyz").status_code == 200
    finally:
        proxy.stop()
        close_app(app)
        drop_pg_database(name)


def test_sqlite_unreachable_is_503_and_recovers(tmp_path: Path, problem: Any, validate: Any) -> None:
    from trace_std.registry import Registry

    real = tmp_path / "real.sqlite3"
    with Registry(f"sqlite:///{real}") as registry:
        registry.ensure_sample()
        code = registry.search(kind="puc", market="CN", per_page=1).items[0].code
    served = tmp_path / "served.sqlite3"
    served.mkdir()  # a directory where the database file should be: SQLite cannot open it
    app = make_app(f"sqlite:///{served}", DATABASE_BREAKER_SECONDS=0.1)
    try:
        client = app.test_client()
        _assert_unavailable(client.get(f"/v1/codes/{code}"), problem)
        _assert_unavailable(client.get("/readyz"), problem)
        served.rmdir()
        real.rename(served)  # the database comes back
        validate(_recovered(client, f"/v1/codes/{code}"), "code-record")
        assert client.get("/readyz").status_code == 200
    finally:
        close_app(app)


@pytest.mark.postgres
def test_a_database_that_never_answers_fails_fast_and_recovers(
    problem: Any, validate: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17 item 4: a listener that accepts and never replies. Only the first request waits for
    the connect timeout; the breaker answers the rest at once without touching the database;
    /healthz never touches it; one warning at the outage and one at recovery."""
    import logging

    name, proxy, url, code = _proxied_sample()
    proxy.stalled = True
    app = make_app(url, DATABASE_BREAKER_SECONDS=0.5)
    caplog.set_level(logging.WARNING, logger="trace_std.api")
    try:
        client = app.test_client()
        for _ in range(8):
            _assert_unavailable(client.get(f"/v1/codes/{code}"), problem)
        assert proxy.accepted <= 2  # the first lookup (and at most one probe), not one per request
        _assert_unavailable(client.get("/readyz"), problem)  # readiness depends on the database
        before = proxy.accepted
        assert client.get("/healthz").status_code == 200  # liveness does not
        assert proxy.accepted == before
        proxy.stalled = False
        validate(_recovered(client, f"/v1/codes/{code}"), "code-record")
        assert client.get("/readyz").status_code == 200
        warnings = [r.getMessage() for r in caplog.records if r.name == "trace_std.api"]
        assert len([w for w in warnings if "unavailable" in w]) == 1, warnings
        assert len([w for w in warnings if "available again" in w]) == 1, warnings
    finally:
        proxy.stop()
        close_app(app)
        drop_pg_database(name)
