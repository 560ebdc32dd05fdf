"""Rate limits on the public endpoints (flask-limiter).

Storage is in memory by default; ``TRACE_STD_RATELIMIT_STORAGE=redis://host:6379/0`` shares the
counters between workers and hosts. When Redis is unreachable the limiter logs a warning and falls
back to per-process in-memory counters (``swallow_errors`` + ``in_memory_fallback_enabled``): the
service keeps answering, it never fails closed because of the limiter.
"""

from __future__ import annotations

from types import ModuleType

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def _public_limit() -> str:
    return str(current_app.config["RATELIMIT_PUBLIC"])


def init_app(app: Flask, blueprint_modules: list[ModuleType]) -> Limiter:
    """One limiter per app; blueprints whose module sets ``RATE_LIMITED = True`` get the public limit."""
    limiter = Limiter(
        get_remote_address,
        storage_uri=str(app.config["RATELIMIT_STORAGE"]),
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
    for module in blueprint_modules:
        if getattr(module, "RATE_LIMITED", False):
            limiter.limit(_public_limit)(module.bp)
    limiter.init_app(app)
    app.extensions["trace_std.limiter"] = limiter
    return limiter
