"""Rate limits on the public endpoints: in memory, in Redis, and Redis down (fail open to memory)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest

from tests.api.conftest import REDIS_HOST, REDIS_PORT, close_app, make_app, port_open
from tests.conftest import require_service


def _limited_app(database_url: str, **config: Any) -> Any:
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_PUBLIC": "3 per minute"}
    settings.update(config)
    return make_app(database_url, **settings)


def test_memory_limit_answers_429_with_retry_after(database_url: str, problem: Any) -> None:
    app = _limited_app(database_url)
    try:
        client = app.test_client()
        for _ in range(3):
            assert client.get("/v1/ping").status_code == 200
        response = client.get("/v1/ping")
        problem(response, 429, "http.rate_limited")
        assert int(response.headers["Retry-After"]) > 0
        # probes and admin are not rate limited
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))
        assert all(client.get("/v1/admin/audit").status_code == 401 for _ in range(5))
        # another client address has its own budget
        other = client.get("/v1/ping", environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert other.status_code == 200
    finally:
        close_app(app)


def test_limits_are_per_public_endpoint_group(database_url: str) -> None:
    app = _limited_app(database_url)
    try:
        client = app.test_client()
        codes = [client.get("/v1/codes?per_page=1").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
    finally:
        close_app(app)


@pytest.mark.redis
def test_redis_storage_is_shared_between_workers(database_url: str, problem: Any) -> None:
    if not port_open(REDIS_HOST, REDIS_PORT):
        require_service("Redis", f"nothing listens on {REDIS_HOST}:{REDIS_PORT}")
    config = {
        "RATELIMIT_STORAGE": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        "RATELIMIT_KEY_PREFIX": f"trace-std-test-{secrets.token_hex(4)}",
    }
    first, second = _limited_app(database_url, **config), _limited_app(database_url, **config)
    try:
        a, b = first.test_client(), second.test_client()
        assert [
            a.get("/v1/ping").status_code,
            b.get("/v1/ping").status_code,
            a.get("/v1/ping").status_code,
        ] == [
            200,
            200,
            200,
        ]
        problem(b.get("/v1/ping"), 429, "http.rate_limited")  # the 4th hit, counted across both apps
    finally:
        close_app(first)
        close_app(second)


def test_redis_down_fails_open_to_memory(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = _limited_app(database_url, RATELIMIT_STORAGE=f"redis://127.0.0.1:{port}/0")
    try:
        client = app.test_client()
        with caplog.at_level(logging.WARNING):
            statuses = [client.get("/v1/ping").status_code for _ in range(4)]
        assert 500 not in statuses and statuses[:3] == [200, 200, 200]
        assert statuses[3] == 429  # the in-memory fallback still limits
        assert any(
            "flask-limiter" in r.name or "rate limit" in r.getMessage().lower() for r in caplog.records
        )
    finally:
        close_app(app)


def test_cached_answers_still_count_against_the_limit(database_url: str, problem: Any) -> None:
    app = _limited_app(database_url, RESPONSE_CACHE_TTL=60)
    try:
        client = app.test_client()
        assert [client.get("/v1/meta").status_code for _ in range(3)] == [200, 200, 200]
        problem(client.get("/v1/meta"), 429, "http.rate_limited")
    finally:
        close_app(app)


def test_default_memory_storage_expires_without_timer_threads(database_url: str) -> None:
    import threading
    import time

    from api.limits import SweepingMemoryStorage

    app = _limited_app(database_url, RATELIMIT_PUBLIC="2 per second")
    try:
        assert isinstance(app.extensions["trace_std.limiter"]._storage, SweepingMemoryStorage)
        client = app.test_client()
        threads_before = threading.active_count()
        assert [client.get("/v1/ping").status_code for _ in range(3)] == [200, 200, 429]
        time.sleep(1.1)
        assert client.get("/v1/ping").status_code == 200  # the window expired
        assert threading.active_count() <= threads_before  # no expiry timer thread per request
    finally:
        close_app(app)


# -- issue 17 items 7 and 8: shared group budgets; one warning per Redis outage and one at recovery --


def _group_budget(app: Any) -> list[int]:
    """Four requests to different endpoints of the ``codes`` group, then one of another group."""
    client = app.test_client()
    statuses = [
        client.get("/v1/codes?per_page=1").status_code,
        client.get("/v1/codes/VN-SLOR-0001").status_code,
        client.get("/v1/codes?province=14").status_code,
        client.get("/v1/codes/VN-SLOR-0002").status_code,
    ]
    verify = client.get("/v1/verify?q=VN-SLOR-0001").status_code  # another group, its own budget
    return [*statuses, verify]


def test_endpoints_of_a_group_share_one_budget_in_memory(database_url: str) -> None:
    app = _limited_app(database_url)
    try:
        statuses = _group_budget(app)
        assert statuses[:3] == [200, 200, 200] and statuses[3] == 429, statuses
        assert statuses[4] == 200
        # GET and POST of /v1/verify are one group too
        client = app.test_client()
        more = [client.post("/v1/verify", json={"q": "VN-SLOR-0001"}).status_code for _ in range(3)]
        assert more == [200, 200, 429]
    finally:
        close_app(app)


@pytest.mark.redis
def test_endpoints_of_a_group_share_one_budget_in_redis(database_url: str) -> None:
    if not port_open(REDIS_HOST, REDIS_PORT):
        require_service("Redis", f"nothing listens on {REDIS_HOST}:{REDIS_PORT}")
    app = _limited_app(
        database_url,
        RATELIMIT_STORAGE=f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        RATELIMIT_KEY_PREFIX=f"trace-std-test-{secrets.token_hex(4)}",
    )
    try:
        statuses = _group_budget(app)
        assert statuses[:3] == [200, 200, 200] and statuses[3] == 429, statuses
        assert statuses[4] == 200
    finally:
        close_app(app)


def _outage_messages(caplog: pytest.LogCaptureFixture) -> tuple[list[str], list[str]]:
    ours = [
        r.getMessage() for r in caplog.records if r.name == "trace_std.api" and "rate-limit" in r.getMessage()
    ]
    return [m for m in ours if "unreachable" in m], [m for m in ours if "reachable again" in m]


def test_a_closed_redis_port_is_logged_once(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = _limited_app(
        database_url, RATELIMIT_STORAGE=f"redis://:secret@127.0.0.1:{port}/0", RATELIMIT_PUBLIC="1000/minute"
    )
    try:
        client = app.test_client()
        with caplog.at_level(logging.WARNING, logger="trace_std.api"):
            assert all(client.get("/v1/ping").status_code == 200 for _ in range(30))
        down, up = _outage_messages(caplog)
        assert len(down) == 1 and not up, down + up
        assert "secret" not in down[0] and f"127.0.0.1:{port}" in down[0]
    finally:
        close_app(app)


@pytest.mark.redis
@pytest.mark.slow
def test_a_redis_outage_is_logged_once_and_its_recovery_once(
    database_url: str, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A private redis-server on its own port (never the shared one) is stopped and started again."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        require_service("redis-server", "not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port):
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)
        return proc

    redis_proc = start()
    app = _limited_app(
        database_url, RATELIMIT_STORAGE=f"redis://127.0.0.1:{port}/0", RATELIMIT_PUBLIC="100000/minute"
    )
    try:
        client = app.test_client()
        with caplog.at_level(logging.WARNING, logger="trace_std.api"):
            assert client.get("/v1/ping").status_code == 200
            redis_proc.terminate()
            redis_proc.wait(10)
            for _ in range(20):  # the outage: every request still answered, one warning
                assert client.get("/v1/ping").status_code == 200
            assert len(_outage_messages(caplog)[0]) == 1
            redis_proc = start()
            deadline = time.monotonic() + 90  # flask-limiter re-probes with a backoff (up to 32 s)
            while not _outage_messages(caplog)[1] and time.monotonic() < deadline:
                assert client.get("/v1/ping").status_code == 200
                time.sleep(0.2)
            for _ in range(10):
                assert client.get("/v1/ping").status_code == 200
        down, up = _outage_messages(caplog)
        assert len(down) == 1 and len(up) == 1, down + up
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
        close_app(app)
