"""Repository fixtures: each test gets an empty, initialised registry on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.registry.conftest import create_pg_database, drop_pg_database
from trace_std.registry import Registry

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
EVENT_TABLES = "epcis_events, epcis_event_keys, epcis_capture_jobs"


@pytest.fixture(scope="session")
def events_pg_url() -> Iterator[str]:
    url = create_pg_database()
    Registry(url).init()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=BACKENDS)
def events_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        Registry(url).init()
        return url
    url = str(request.getfixturevalue("events_pg_url"))
    engine = create_engine(url)
    with engine.begin() as conn:  # TRUNCATE fires no row triggers: the tables stay immutable otherwise
        conn.execute(text(f"TRUNCATE {EVENT_TABLES}"))
    engine.dispose()
    return url


@pytest.fixture
def repo(events_db_url: str) -> Iterator[Registry]:
    reg = Registry(events_db_url)
    yield reg
    reg.close()
