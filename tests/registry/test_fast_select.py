"""The hot lookup path: ``canonical_code``, ``db.FastSelect`` and PostgreSQL's idle-connection ping."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, select, text
from sqlalchemy.exc import DBAPIError

from trace_std.errors import TraceStdError
from trace_std.registry import Registry, db
from trace_std.registry._codes import canonical_code, resolve_code
from trace_std.registry.core import _CODE_FULL


def _all_codes(registry: Registry) -> list[str]:
    with registry.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT code FROM codes ORDER BY code"))]


def test_canonical_code_agrees_with_resolve_code(sample_registry: Registry) -> None:
    codes = _all_codes(sample_registry)
    spellings = [
        variant
        for code in codes
        for variant in (code, code.lower(), code.replace("-", " - "), f" {code} ", code.replace("-", "–"))
    ]
    assert len(spellings) > 1000
    for spelling in spellings:
        assert canonical_code(spelling) == resolve_code(spelling).canonical, spelling


@pytest.mark.parametrize(
    ("text_", "code"),
    [
        ("VN-SLOR-12", "code.segment.length"),
        ("xx", "code.country.invalid"),
        ("VN-08-075-02527-04-29", "puc.year.future"),
    ],
)
def test_canonical_code_raises_as_resolve_code(text_: str, code: str) -> None:
    for fn in (canonical_code, lambda t: resolve_code(t).canonical):
        with pytest.raises(TraceStdError) as err:
            fn(text_)
        assert err.value.code == code


def test_fast_select_gives_the_rows_of_a_core_execution(sample_registry: Registry) -> None:
    """Same values and Python types (dates, JSON, UTC datetimes) as ``Connection.execute``."""
    fast = db.FastSelect(sample_registry.engine, _CODE_FULL)
    compared = 0
    for code in [*_all_codes(sample_registry), "VN-SLOR-0999"]:
        with sample_registry.connect() as conn:
            core = [tuple(r) for r in conn.execute(_CODE_FULL, {"code": code})]
        rows = fast.all({"code": code})
        assert rows == core, code
        assert [[type(v) for v in r] for r in rows] == [[type(v) for v in r] for r in core], code
        compared += len(rows)
    assert compared > 224


def test_fast_select_raises_sqlalchemy_errors_and_keeps_the_connection(registry: Registry) -> None:
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    fast = db.FastSelect(registry.engine, select(missing.c.id))
    with pytest.raises(DBAPIError) as err:
        fast.all({})
    assert not err.value.connection_invalidated
    assert registry.get_code("VN-SLOR-0001") is None  # the pool still serves


@pytest.mark.postgres
def test_fast_select_leaves_pooled_connections_transactional(pg_url: str) -> None:
    """The lookup switches its connection to autocommit and back, so a Session's transaction on the
    same pooled connection still rolls back."""
    registry = Registry(pg_url, pool_size=1)
    try:
        assert registry.get_code("VN-SLOR-0001") is None
        fairy = registry.engine.raw_connection()
        try:
            assert fairy.dbapi_connection is not None and fairy.dbapi_connection.autocommit is False
        finally:
            fairy.close()
    finally:
        registry.close()


def _terminate_other_backends(url: str) -> int:
    """Kill every other session of the database (what a server restart does to pooled connections)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            )
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_lookup_retries_once_when_its_pooled_connection_died(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ping before a connection in steady use: a lookup that finds it dead runs again on a new one
    instead of answering 'unavailable'."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    registry = Registry(pg_url)
    try:
        assert registry.get_code("VN-SLOR-0001") is None  # a pooled connection now exists
        assert _terminate_other_backends(pg_url) >= 1
        time.sleep(0.2)
        assert registry.get_code("VN-SLOR-0001") is None
    finally:
        registry.close()


@pytest.mark.postgres
def test_only_idle_connections_are_pinged(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's pool and the lookup's own connections alike: one in steady use is not pinged, one
    that sat idle is, and a dead one is replaced."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.3)
    registry = Registry(pg_url, pool_size=1)
    pings: list[object] = []
    dialect = registry.engine.dialect
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    try:
        for _ in range(5):
            registry.get_code("VN-SLOR-0001")
        assert registry.count() == 0  # a pooled connection for the ORM reads
        assert pings == []  # a connection in steady use is not pinged
        time.sleep(0.5)
        assert _terminate_other_backends(pg_url) >= 2  # the lookup's and the pool's
        assert registry.count() == 0  # an ORM read: the idle connection is pinged, found dead, replaced
        assert len(pings) == 1
        assert registry.get_code("VN-SLOR-0001") is None  # the lookup's, the same way
        assert len(pings) == 2
    finally:
        registry.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_lookups_keep_their_connection_out_of_the_pool(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """After the first lookup, lookups check nothing out of the engine's pool (no checkout, no reset on
    return), and the connection they keep is in autocommit on PostgreSQL."""
    url = str(tmp_path / "r.sqlite3") if backend == "sqlite" else request.getfixturevalue("pg_url")
    registry = Registry(url)
    try:
        registry.init()
        assert registry.get_code("VN-SLOR-0001") is None
        checkouts: list[object] = []
        event.listen(registry.engine, "checkout", lambda *args: checkouts.append(args))
        for _ in range(5):
            assert registry.get_code("VN-SLOR-0001") is None
        assert checkouts == []
        idle = registry._code_query._idle
        assert len(idle) == 1
        if backend == "postgresql":
            assert idle[0][0].autocommit is True
            assert idle[0][1].connection is idle[0][0]  # its cursor, kept with it
        assert registry.count() == 0  # the ORM's reads still go through the pool
        assert len(checkouts) == 1
    finally:
        registry.close()
    assert registry._code_query._idle == []
