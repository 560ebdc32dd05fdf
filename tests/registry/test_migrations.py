"""The Alembic migrations build exactly the models' schema, and the history tables are append-only."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import trace_std.audit.models
import trace_std.events.repository.schema  # noqa: F401 - the repository's tables are on the same metadata
from trace_std.registry import Registry
from trace_std.registry.migrations import head_revision
from trace_std.registry.models import Base

search_migration = importlib.import_module("trace_std.registry.migrations.versions.0007_code_search")


def _not_search_index(name: str | None, type_: str, parent: object) -> bool:
    """The search indexes of migration 0007 are SQL the models do not declare: the FTS5 table
    ``codes_search`` (and its shadow tables) on SQLite, the ``pg_trgm`` GIN index on PostgreSQL."""
    return not (name or "").startswith((search_migration.FTS_TABLE, search_migration.TRGM_INDEX))


def test_migration_matches_models(registry: Registry) -> None:
    with registry.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_search_index}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert registry.revision() == head_revision()


def test_init_is_idempotent(registry: Registry) -> None:
    assert registry.init() == head_revision()
    assert registry.init() == head_revision()
    assert registry.health()["ok"] is True


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE status_history SET reason = 'rewritten'",
        "DELETE FROM status_history",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ],
)
def test_history_and_audit_are_append_only_in_the_database(registry: Registry, statement: str) -> None:
    registry.upsert_code({"code": "VN-SLOR-0001", "crops": ["longan"], "issued": "2024-01-02"}, actor="t")
    registry.set_status("VN-SLOR-0001", "suspended", reason="r", actor="t", on=dt.date(2025, 1, 1))
    with pytest.raises(DBAPIError), registry.engine.begin() as conn:
        conn.execute(text(statement))
    record = registry.get_code("VN-SLOR-0001")
    assert record is not None
    assert [(h.from_status, h.to_status) for h in record.history] == [
        (None, "active"),
        ("active", "suspended"),
    ]
    assert len(registry.audit_log()) == 2
