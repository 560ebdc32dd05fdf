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
