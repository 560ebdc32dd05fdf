"""The registry behind the service: one :class:`trace_std.registry.Registry` per app (its engine
holds the connection pool), created on first use so the app starts even while the database is down.

:func:`problem_for` maps registry and database failures onto problem documents: the database being
unreachable is ``503`` with ``Retry-After`` (the pool reconnects by itself once it is back).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, Response, current_app

from api.problems import ProblemCode, problem_response
from trace_std.errors import TraceStdError

log = logging.getLogger("trace_std.api")

_KEY = "trace_std.registry"
_LOCK = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = None


def registry() -> Any:
    """The app's registry, opened (and, with ``ENSURE_SAMPLE``, seeded) on first use."""
    app = current_app
    reg = app.extensions.get(_KEY)
    if reg is not None:
        return reg
    with _LOCK:
        reg = app.extensions.get(_KEY)
        if reg is None:
            from trace_std.registry import Registry

            url = app.config["DATABASE_URL"]
            reg = Registry(url) if url else Registry()
            if app.config["ENSURE_SAMPLE"]:
                reg.ensure_sample()
            app.extensions[_KEY] = reg
    return reg


def _unavailable(detail: str) -> Response:
    return problem_response(
        503,
        ProblemCode.REGISTRY_UNAVAILABLE,
        detail,
        headers={"Retry-After": str(int(current_app.config["RETRY_AFTER"]))},
    )


def problem_for(exc: BaseException) -> Response | None:
    """A problem response for a registry/database failure, or ``None`` if ``exc`` is something else."""
    if isinstance(exc, TraceStdError):
        if exc.code == "registry.unavailable":
            log.warning("registry unavailable: %s", exc)
            return _unavailable("The registry database is unavailable; retry later.")
        if exc.code.endswith(".not_found"):
            status = 404
        elif exc.code == "registry.status.unchanged":
            status = 409
        elif exc.code.startswith("registry."):
            status = 422
        else:  # the input itself is malformed (puc.*, phc.*, gs1.*...)
            status = 400
        return problem_response(status, exc.code, exc.message, errors=[exc.to_issue().to_dict()])
    try:
        from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError
    except ImportError:  # pragma: no cover - the api extra always installs SQLAlchemy
        return None
    if isinstance(exc, (OperationalError, TimeoutError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        log.warning("database unavailable: %s", type(exc).__name__)
        return _unavailable("The registry database is unavailable; retry later.")
    return None
