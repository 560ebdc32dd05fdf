"""Engines, the default database location and the ``RegistryUnavailable`` exception.

* ``TRACE_STD_DATABASE_URL`` (an SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``, or a
  plain file path for SQLite) overrides the default.
* The default is the SQLite file ``./trace_std.sqlite3`` in the current directory.

SQLite engines run in WAL mode with ``busy_timeout`` so that many reader processes and one writer
can share the file; a write transaction starts with ``BEGIN IMMEDIATE`` so writers queue instead of
dead-locking. PostgreSQL engines ping a pooled connection before handing it out when it has been idle
for more than :data:`PING_AFTER_IDLE_S` (a server restart or an idle timeout kills idle
connections); one in steady use is not pinged, and the hot reads (:class:`FastSelect`) retry once on
a new connection when a pooled one turns out to be dead. SQLite files cannot go stale. The fast Core
reads run in autocommit on PostgreSQL (``Registry.connect``).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import Pool, QueuePool
from sqlalchemy.sql import Select

from trace_std.errors import ErrorCode, RegistryError

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "PING_AFTER_IDLE_S",
    "WRITE_LOCK_TIMEOUT_MS",
    "FastSelect",
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
#: A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "trace_std_idle_since"


def _ping_idle_connections(engine: Engine) -> None:
    """Pessimistic disconnect handling for connections that sat idle in the pool.

    ``pool_pre_ping`` costs a round trip on every checkout, a third of a lookup's database time; a
    connection handed back less than :data:`PING_AFTER_IDLE_S` ago is almost always alive, and the
    hot reads retry once when it is not (:class:`FastSelect`). An idle one that fails its ping makes
    the pool discard every connection older than now and open a new one (``InvalidatePoolError``).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
            return  # a new connection, or one in steady use
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                raise InvalidatePoolError() from exc
            raise


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
    # no "SELECT 1" before every checkout (a third of a lookup's statements): a connection to a local
    # SQLite file cannot go stale, and PostgreSQL pings only connections that sat idle (above)
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": False}
    if parsed.get_backend_name() == "sqlite":
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
    else:
        _ping_idle_connections(engine)
    return engine


#: A statement that failed on a dead pooled connection within this many seconds is retried once on a
#: new connection; a slower failure (a stalled server, cut by ``tcp_user_timeout``) is not.
RETRY_WITHIN_S = 1.0


class FastSelect:
    """One Core ``SELECT`` for the hot reads (a lookup): compiled once for the engine's dialect and
    run straight on a DBAPI connection of its own.

    A lookup is one indexed statement returning a few rows, and SQLAlchemy's ``Connection`` spent
    more CPU around it than the database did: an execution context, events, the ``BEGIN`` of a read
    transaction (SQLite) or the switch to and from autocommit (PostgreSQL), and result metadata.
    Here the statement runs on the DBAPI cursor, as one statement outside any explicit transaction (it
    reads one snapshot on both backends), and each value goes through the column type's own result
    processor, so the rows hold the same Python values as ``Connection.execute`` gives.

    The connections are opened like the engine's (a copy of its pool: same connect arguments and
    events), then detached and kept in a small stack of this object: a pool checkout and check-in,
    with their events and the reset (a ``ROLLBACK``) on every return, cost a lookup more than its
    query, and PostgreSQL's switch to and from autocommit went with them (these connections stay in
    autocommit, and no Session ever gets one). As the engine's pool does, a connection that sat idle
    for more than :data:`PING_AFTER_IDLE_S` is pinged before use (PostgreSQL); a dead one, and every
    other idle one with it, is dropped. After a fork the child opens its own. An engine whose pool is
    not a ``QueuePool`` (an in-memory SQLite database lives in its one connection) is used through
    its pool as before.

    Failures look the same as SQLAlchemy's: DBAPI errors are raised as ``sqlalchemy.exc.DBAPIError``
    subclasses (``connection_invalidated`` on a disconnect), for :func:`unavailable_guard`. A
    statement that found its connection dead within :data:`RETRY_WITHIN_S` runs once more on a new
    connection. Any other failure closes the connection it ran on.
    """

    #: Idle connections kept (a sync worker uses one; gthread workers up to their thread count).
    MAX_IDLE = 8

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.engine = engine
        self.sql = compiled.string
        #: bind names in order for positional paramstyles (SQLite's ``?``); ``None``: named (psycopg)
        self._names: Sequence[str] | None = compiled.positiontup
        self._columns = list(statement.selected_columns)
        self._processors: list[tuple[int, Any]] | None = None
        self._error: type[Any] = engine.dialect.loaded_dbapi.Error
        self._autocommit = engine.url.get_backend_name() == "postgresql"
        self._ping_idle = self._autocommit  # a local SQLite file cannot go stale
        #: (DBAPI connection, its cursor, last returned at), LIFO: a psycopg cursor costs a lookup
        #: about 20 us to create, and both drivers let one run statement after statement
        self._idle: list[tuple[Any, Any, float]] = []
        self._pool: Pool | None = engine.pool.recreate() if isinstance(engine.pool, QueuePool) else None
        self._pid = os.getpid()
        self._forked: list[Any] = []  # the parent's connections: kept, never used nor closed here

    def all(self, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, as tuples in the statement's column order."""
        args: Any = params if self._names is None else tuple(params[name] for name in self._names)
        started = time.monotonic()
        try:
            return self._run(args)
        except _Dead as dead:
            if time.monotonic() - started > RETRY_WITHIN_S:
                raise self._wrap(dead.orig, args, True) from dead.orig
        try:  # the server dropped the connection (a restart): once more, on a new one
            return self._run(args)
        except _Dead as dead:
            raise self._wrap(dead.orig, args, True) from dead.orig

    def close(self) -> None:
        """Close the idle connections (one in use is closed when it comes back)."""
        idle, self._idle = self._idle, []
        for conn, _cursor, _since in idle:
            self._discard(conn)

    def _wrap(self, exc: Exception, args: Any, disconnect: bool) -> Exception:
        return DBAPIError.instance(
            self.sql, args, exc, self._error, connection_invalidated=disconnect, dialect=self.engine.dialect
        )

    def _checkout(self) -> tuple[Any, Any]:
        """A DBAPI connection and its cursor, or the engine's pooled connection (a fairy) and a new
        cursor without a pool of ours."""
        if self._pool is None:
            fairy = self._connect()
            return fairy, None
        if self._pid != os.getpid():  # a forked child: never share the parent's sockets
            self._forked.extend(self._idle)
            self._idle = []
            self._pid = os.getpid()
        while True:
            try:
                conn, cursor, since = self._idle.pop()
            except IndexError:
                conn = self._connect()
                return conn, None
            if not self._ping_idle or time.monotonic() - since <= PING_AFTER_IDLE_S:
                return conn, cursor
            try:
                self.engine.dialect.do_ping(conn)
            except self._error:  # dead: so are the others that sat idle as long
                self._discard(conn)
                self.close()
                continue
            return conn, cursor

    def _connect(self) -> Any:
        dialect = self.engine.dialect
        try:
            fairy = self._pool.connect() if self._pool is not None else self.engine.raw_connection()
        except self._error as exc:  # could not connect (Connection wraps this the same way)
            disconnect = dialect.is_disconnect(exc, None, None)
            raise DBAPIError.instance(
                None, None, exc, self._error, connection_invalidated=disconnect, dialect=dialect
            ) from exc
        if self._pool is None:
            return fairy
        conn: Any = fairy.dbapi_connection
        fairy.detach()
        if self._autocommit:
            try:
                conn.autocommit = True  # one statement at a time, no BEGIN/ROLLBACK round trips
            except Exception:
                self._discard(conn)
                raise
        return conn

    @staticmethod
    def _discard(conn: Any) -> None:
        with contextlib.suppress(Exception):
            conn.close()

    def _checkin(self, conn: Any, cursor: Any) -> None:
        if self._pool is None:
            cursor.close()
            conn.close()  # the fairy: back to the engine's pool
        elif len(self._idle) < self.MAX_IDLE and self._pid == os.getpid():
            self._idle.append((conn, cursor, time.monotonic()))
        else:
            self._discard(conn)

    def _run(self, args: Any) -> list[tuple[Any, ...]]:
        dialect = self.engine.dialect
        conn, cursor = self._checkout()
        try:
            if cursor is None:
                cursor = conn.cursor()
            cursor.execute(self.sql, args)
            rows = cursor.fetchall()
            processors = self._processors
            if processors is None:
                processors = self._processors = self._result_processors(cursor.description)
        except self._error as exc:
            disconnect = dialect.is_disconnect(exc, conn, cursor)
            self._discard(conn)
            if not disconnect:
                raise self._wrap(exc, args, False) from exc
            self.close()  # as the pool does on a disconnect: the idle ones are as dead
            raise _Dead(exc) from exc
        except BaseException:
            self._discard(conn)
            raise
        self._checkin(conn, cursor)
        if not processors:
            return [tuple(row) for row in rows]
        out = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out

    def _result_processors(self, description: Sequence[Any]) -> list[tuple[int, Any]]:
        """``(position, processor)`` of the columns whose values need one."""
        dialect = self.engine.dialect
        found = [
            column.type.dialect_impl(dialect).result_processor(dialect, desc[1])
            for column, desc in zip(self._columns, description, strict=True)
        ]
        return [(i, p) for i, p in enumerate(found) if p is not None]


class _Dead(Exception):
    """A pooled connection found dead by :class:`FastSelect` (invalidated; may be retried)."""

    def __init__(self, orig: Exception) -> None:
        super().__init__(str(orig))
        self.orig = orig


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
