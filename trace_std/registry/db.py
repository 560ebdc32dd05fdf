"""Engines, the default database location and the ``RegistryUnavailable`` exception.

* ``TRACE_STD_DATABASE_URL`` (an SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``, or a
  plain file path for SQLite) overrides the default.
* The default is the SQLite file ``./trace_std.sqlite3`` in the current directory.

SQLite engines run in WAL mode with ``busy_timeout`` so that many reader processes and one writer
can share the file; a write transaction starts with ``BEGIN IMMEDIATE`` so writers queue instead of
dead-locking. PostgreSQL engines use ``pool_pre_ping`` (SQLite files cannot go stale); the fast Core
reads run in autocommit on PostgreSQL (``Registry.connect``).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from trace_std.errors import ErrorCode, RegistryError

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "WRITE_LOCK_TIMEOUT_MS",
    "RegistryBusy",
    "RegistryUnavailable",
    "default_url",
    "make_engine",
    "normalise_url",
    "unavailable_guard",
]

ENV_VAR = "TRACE_STD_DATABASE_URL"
DEFAULT_PATH = "trace_std.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How long a write waits for the one writer before it (an import, say): below gunicorn's 30 s
#: worker timeout, so that a waiting admin write answers 503 with Retry-After instead of being killed.
WRITE_LOCK_TIMEOUT_MS = 10_000


class RegistryUnavailable(RegistryError):
    """The database cannot be reached (the API answers 503 with ``Retry-After``)."""

    default_code = ErrorCode.REGISTRY_UNAVAILABLE


class RegistryBusy(RegistryError):
    """Another write holds the registry longer than the write lock timeout (the API answers 503 with
    ``Retry-After``); the registry itself is reachable."""

    default_code = ErrorCode.REGISTRY_BUSY


def busy(waited_ms: int) -> RegistryBusy:
    return RegistryBusy(
        ErrorCode.REGISTRY_BUSY,
        "another write (an import?) holds the registry; retry later",
        context={"waited_ms": waited_ms},
    )


def normalise_url(url: str | os.PathLike[str] | URL) -> URL:
    """An SQLAlchemy URL from a URL or a plain file path (→ SQLite).

    >>> str(normalise_url("/tmp/r.sqlite3"))
    'sqlite:////tmp/r.sqlite3'
    >>> str(normalise_url("postgresql://u@h/db"))
    'postgresql+psycopg://u@h/db'
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if isinstance(url, URL):
        parsed = url
    elif "://" in url:
        parsed = make_url(url)
    else:
        parsed = make_url("sqlite:///" + str(Path(url).expanduser().absolute()))
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def default_url() -> URL:
    """``$TRACE_STD_DATABASE_URL`` or ``sqlite:///<cwd>/trace_std.sqlite3``."""
    return normalise_url(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if not options.get("trace_std_write", False):
            conn.exec_driver_sql("BEGIN")
            return
        wait = int(options.get("trace_std_lock_timeout_ms", WRITE_LOCK_TIMEOUT_MS))
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
                raise busy(wait) from exc
            raise
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


#: Seconds to wait for a PostgreSQL connection (libpq and psycopg never wait less than 2).
DEFAULT_CONNECT_TIMEOUT = 5


def make_engine(
    url: str | os.PathLike[str] | URL | None = None,
    *,
    echo: bool = False,
    pool_size: int = 5,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    statement_timeout_ms: int | None = None,
) -> Engine:
    """An engine configured for many workers (see the module docstring).

    On PostgreSQL ``connect_timeout`` (seconds, at least 2) bounds a connection attempt and, with
    ``statement_timeout_ms``, the server cancels any statement running longer; the kernel drops a
    connection whose data goes unacknowledged that long (``tcp_user_timeout``). The HTTP service sets
    both for its latency target (``api.store``); the CLI keeps no statement limit for big imports.
    """
    parsed = normalise_url(url) if url is not None else default_url()
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        # a connection to a local file cannot go stale: no "SELECT 1" before every checkout (a third
        # of a lookup's statements); errors still surface through unavailable_guard
        kwargs["pool_pre_ping"] = False
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if parsed.database not in (None, "", ":memory:"):
            with contextlib.suppress(OSError):  # an unusable path surfaces as RegistryUnavailable
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
        seconds = max(2, math.ceil(connect_timeout))
        kwargs["pool_timeout"] = seconds
        connect_args: dict[str, Any] = {"connect_timeout": seconds}
        if statement_timeout_ms:
            connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
            connect_args["tcp_user_timeout"] = int(statement_timeout_ms)
        kwargs["connect_args"] = connect_args
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_events(engine)
    return engine


_UNAVAILABLE_SQLSTATES = ("08", "57P")  # connection exceptions; admin shutdown / cannot connect now


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        orig = exc.orig
        sqlstate = getattr(orig, "sqlstate", None)
        if isinstance(sqlstate, str):
            return sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
        text = str(orig).lower()
        # psycopg connection failures carry no sqlstate; SQLite: file unreachable or locked too long
        return any(
            s in text
            for s in ("connection", "could not connect", "unable to open", "database is locked", "server")
        )
    return False


@contextmanager
def unavailable_guard() -> Iterator[None]:
    """Turn connection failures into :class:`RegistryUnavailable`."""
    try:
        yield
    except (OperationalError, DBAPIError, PoolTimeout) as exc:
        if _is_unavailable(exc):
            raise RegistryUnavailable(
                ErrorCode.REGISTRY_UNAVAILABLE,
                "the registry database is unavailable",
                context={"reason": type(exc.__cause__ or exc).__name__},
            ) from exc
        raise
