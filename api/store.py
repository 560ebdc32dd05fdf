"""The registry behind the service: one :class:`trace_std.registry.Registry` per app (its engine
holds the connection pool), created on first use so the app starts even while the database is down.

:func:`problem_for` maps registry and database failures onto problem documents: the database being
unreachable is ``503`` with ``Retry-After`` (the pool reconnects by itself once it is back).

A database that accepts connections but never answers must not hold every worker: PostgreSQL
connections get ``DATABASE_CONNECT_TIMEOUT`` and ``DATABASE_STATEMENT_TIMEOUT_MS``, and a
:class:`Breaker` opens at the first unavailability. While it is open, requests that need the
database get their ``503`` at once, without waiting on it; a background thread probes the database
every ``DATABASE_BREAKER_SECONDS`` and closes the breaker when it answers. One warning is logged
when the database becomes unavailable and one when it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app

from api.problems import ProblemCode, problem_response
from trace_std.errors import TraceStdError

log = logging.getLogger("trace_std.api")

_KEY = "trace_std.registry"
_BREAKER = "trace_std.registry_breaker"
_LOCK = threading.Lock()


class Breaker:
    """A per-process circuit breaker in front of the database (see the module docstring).

    :meth:`trip` opens it and starts one probe thread; the thread calls ``probe`` every ``seconds``
    until it returns without raising, then closes the breaker.
    """

    def __init__(self, seconds: float, probe: Callable[[], Any]) -> None:
        self.seconds = seconds
        self.probe = probe
        self._open = False
        self._lock = threading.Lock()
        self.outages = 0  # times it opened (for tests and logs)

    @property
    def is_open(self) -> bool:
        return self._open

    def trip(self, reason: str) -> None:
        with self._lock:
            if self._open:
                return
            self._open = True
            self.outages += 1
        log.warning("registry database unavailable (%s); answering 503 until it is back", reason)
        threading.Thread(target=self._probe_until_back, name="trace-std-db-probe", daemon=True).start()

    def _probe_until_back(self) -> None:
        started = time.monotonic()
        while True:
            time.sleep(self.seconds)
            try:
                self.probe()
            except Exception as exc:  # still down (any failure: the probe's only job is to notice)
                log.debug("registry database still unavailable: %s", type(exc).__name__)
                continue
            with self._lock:
                self._open = False
            log.warning("registry database available again after %.1f s", time.monotonic() - started)
            return


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = None
    app.extensions[_BREAKER] = Breaker(float(app.config["DATABASE_BREAKER_SECONDS"]), lambda: _probe(app))


def _probe(app: Flask) -> None:
    reg = app.extensions.get(_KEY)
    if reg is None:
        with app.app_context():
            reg = _open(app)
    with reg.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


def breaker() -> Breaker:
    found: Breaker = current_app.extensions[_BREAKER]
    return found


def registry() -> Any:
    """The app's registry, opened (and, with ``ENSURE_SAMPLE``, seeded) on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.extensions[_BREAKER].is_open:  # fail fast: never wait on a database known to be down
        from trace_std.registry.db import RegistryUnavailable

        raise RegistryUnavailable("registry.unavailable", "the registry database is unavailable")
    reg = app.extensions.get(_KEY)
    if reg is not None:
        return reg
    return _open(app)


def _open(app: Flask) -> Any:
    with _LOCK:
        reg = app.extensions.get(_KEY)
        if reg is None:
            from trace_std.registry import Registry
            from trace_std.registry.db import make_engine

            url = app.config["DATABASE_URL"]
            engine = make_engine(
                url or None,
                connect_timeout=float(app.config["DATABASE_CONNECT_TIMEOUT"]),
                statement_timeout_ms=int(app.config["DATABASE_STATEMENT_TIMEOUT_MS"]) or None,
            )
            reg = Registry(engine=engine, write_lock_timeout_ms=int(app.config["WRITE_LOCK_TIMEOUT_MS"]))
            if app.config["ENSURE_SAMPLE"]:
                reg.ensure_sample()
            app.extensions[_KEY] = reg
    return reg


def _unavailable(detail: str, code: str = ProblemCode.REGISTRY_UNAVAILABLE) -> Response:
    return problem_response(
        503,
        code,
        detail,
        headers={"Retry-After": str(int(current_app.config["RETRY_AFTER"]))},
    )


def problem_for(exc: BaseException) -> Response | None:
    """A problem response for a registry/database failure, or ``None`` if ``exc`` is something else."""
    if isinstance(exc, TraceStdError):
        if exc.code == "registry.busy":  # the database answers; another write holds the lock
            return _unavailable("Another write (an import?) holds the registry; retry later.", exc.code)
        if exc.code == "registry.unavailable":
            breaker().trip(str(exc.context.get("reason", exc.code)) if exc.context else exc.code)
            return _unavailable("The registry database is unavailable; retry later.")
        if exc.code.endswith(".not_found"):
            status = 404
        elif exc.code == "registry.status.unchanged":
            status = 409
        elif exc.code == "registry.search.query_too_short":  # a parameter no index can answer
            status = 400
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
        breaker().trip(type(exc).__name__)
        return _unavailable("The registry database is unavailable; retry later.")
    return None
