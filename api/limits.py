"""Rate limits on the public endpoints (flask-limiter).

Limits are per client address and per **endpoint group**: every endpoint of a group draws on one
shared budget of ``RATELIMIT_PUBLIC`` (a group is a blueprint whose module sets
``RATE_LIMITED = True``, named by its ``RATE_LIMIT_GROUP``, default the blueprint's name: ``codes``,
``verify``, ``labels``, ``symbols``, ``meta``, ``resolver``, ``web``). Before, each of the ~18 public
endpoints had its own budget, so one client could make 18 times the documented rate.

Storage is in memory by default; ``TRACE_STD_RATELIMIT_STORAGE=redis://host:6379/0`` shares the
counters between workers and hosts. When Redis is unreachable the limiter falls back to per-process
in-memory counters (``swallow_errors`` + ``in_memory_fallback_enabled``): the service keeps answering,
it never fails closed because of the limiter. :class:`StorageWatch` logs one warning
(``trace_std.api``) when the storage becomes unreachable and one when it is back (flask-limiter's
own messages go to a logger with only a ``NullHandler``, so nothing reached the logs).
"""

from __future__ import annotations

import logging
import threading
import time
from types import ModuleType

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage


class SweepingMemoryStorage(MemoryStorage):
    """``memory://`` counters that expire old keys inline, at most once a second.

    limits' own memory storage starts a timer thread every 10 ms of traffic to drop expired keys;
    on a busy worker that thread start costs more than the rest of the rate-limit check. Counters
    still expire exactly (``get`` checks the expiry of the key it reads); only the clean-up of keys
    nobody reads any more is batched. Selected by the default ``RATELIMIT_STORAGE = "memory://"``.
    """

    STORAGE_SCHEME = ["trace-std-memory"]  # noqa: RUF012 - limits' registry reads this class attribute
    SWEEP_EVERY = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer thread
        now = time.monotonic()
        if now >= self._next_sweep and self._sweep_lock.acquire(blocking=False):
            try:
                self._next_sweep = now + self.SWEEP_EVERY
                self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
            finally:
                self._sweep_lock.release()


log = logging.getLogger("trace_std.api")


class StorageWatch:
    """One warning when the rate-limit storage becomes unreachable, one when it is back.

    flask-limiter marks its storage dead (and counts in memory) on the first failure and probes it
    again with a backoff; this watches that flag after each limited request (one attribute read).
    """

    def __init__(self, limiter: Limiter, where: str) -> None:
        self.limiter = limiter
        self.where = where
        self.down_since: float | None = None

    def after_request(self, response: Response) -> Response:
        dead = bool(getattr(self.limiter, "_storage_dead", False))
        if dead and self.down_since is None:
            self.down_since = time.monotonic()
            log.warning(
                "rate-limit storage %s unreachable: counting in this worker's memory until it is back",
                self.where,
            )
        elif not dead and self.down_since is not None:
            log.warning(
                "rate-limit storage %s reachable again after %.0f s",
                self.where,
                time.monotonic() - self.down_since,
            )
            self.down_since = None
        return response


def _redacted(uri: str) -> str:
    """The storage URI without a password (for logs)."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


def _storage_uri(configured: str) -> str:
    return "trace-std-memory://" if configured in ("memory://", "memory") else configured


def init_app(app: Flask, blueprint_modules: list[ModuleType]) -> Limiter:
    """One limiter per app; blueprints whose module sets ``RATE_LIMITED = True`` get the public limit."""
    limiter = Limiter(
        get_remote_address,
        storage_uri=_storage_uri(str(app.config["RATELIMIT_STORAGE"])),
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1}
        if str(app.config["RATELIMIT_STORAGE"]).startswith(("redis://", "rediss://"))
        else {},
        headers_enabled=True,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        retry_after="delta-seconds",
        key_prefix=str(app.config["RATELIMIT_KEY_PREFIX"]),
        enabled=bool(app.config["RATELIMIT_ENABLED"]),
    )
    limited = frozenset(m.bp.name for m in blueprint_modules if getattr(m, "RATE_LIMITED", False))
    public_limit = str(app.config["RATELIMIT_PUBLIC"])
    for module in blueprint_modules:
        if module.bp.name in limited:  # one budget shared by every endpoint of the group
            group = str(getattr(module, "RATE_LIMIT_GROUP", module.bp.name))
            # a group may draw on its own configured budget (EPCIS capture: RATELIMIT_CAPTURE)
            limit = (
                str(app.config[module.RATE_LIMIT_CONFIG])
                if hasattr(module, "RATE_LIMIT_CONFIG")
                else public_limit
            )
            limiter.shared_limit(limit, scope=f"group:{group}")(module.bp)

    # Requests outside the limited blueprints (probes, admin, docs, unknown paths) skip the limiter's
    # per-request resolution of limits and exemptions altogether.
    @limiter.request_filter
    def _unlimited() -> bool:
        return request.blueprint not in limited

    limiter.init_app(app)
    app.extensions["trace_std.limiter"] = limiter
    watch = StorageWatch(limiter, _redacted(str(app.config["RATELIMIT_STORAGE"])))
    app.extensions["trace_std.limiter_watch"] = watch
    app.after_request(watch.after_request)
    return limiter
