"""Indexed free-text search and province names: ``codes.search_text`` and ``codes.province_key``.

Both columns are folded by :mod:`trace_std.registry.search` (one Python function, on every write);
this migration fills them for the codes already stored. ``province_code`` and ``province_key`` are
indexed with ``code`` (a province's page comes in order from the index).
``search_text`` is indexed by an FTS5 ``trigram`` table on SQLite (``codes_search``, external
content, kept by three triggers) and by a ``pg_trgm`` GIN index on PostgreSQL (the extension is
created when the database allows it; without it the search still answers, by reading every code).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_log = logging.getLogger("trace_std.registry")
_BATCH = 5000
#: Database objects of this migration that the models do not declare (FTS5 table, GIN index).
FTS_TABLE = "codes_search"
TRGM_INDEX = "ix_codes_search_text_trgm"

_ADD = "INSERT INTO codes_search (rowid, search_text) VALUES (new.id, new.search_text);"
_REMOVE = (
    "INSERT INTO codes_search (codes_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
)
_SQLITE_TRIGGERS = {
    "codes_search_insert": f"AFTER INSERT ON codes BEGIN {_ADD} END",
    "codes_search_delete": f"AFTER DELETE ON codes BEGIN {_REMOVE} END",
    "codes_search_update": (
        "AFTER UPDATE OF search_text ON codes WHEN old.search_text IS NOT new.search_text "
        f"BEGIN {_REMOVE} {_ADD} END"
    ),
}


def _backfill(bind: sa.engine.Connection) -> None:
    from trace_std.registry.search import FIELDS, derive

    cols = ", ".join(FIELDS)
    last = 0
    while True:
        rows = bind.execute(
            sa.text(f"SELECT id, province_name, {cols} FROM codes WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            return
        updates = [
            {"id": r[0], **derive(dict(zip(("province_name", *FIELDS), r[1:], strict=True)))} for r in rows
        ]
        bind.execute(
            sa.text(
                "UPDATE codes SET search_text = :search_text, province_key = :province_key WHERE id = :id"
            ),
            updates,
        )
        last = rows[-1][0]


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("codes", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("codes", sa.Column("province_key", sa.String(length=100), nullable=True))
    _backfill(bind)
    # a province's codes in code order straight from an index: the pages of province=
    op.drop_index(op.f("ix_codes_province_code"), table_name="codes")
    op.create_index(op.f("ix_codes_province_code_code"), "codes", ["province_code", "code"], unique=False)
    op.create_index(op.f("ix_codes_province_key_code"), "codes", ["province_key", "code"], unique=False)
    if dialect == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='codes', "
            "content_rowid='id', tokenize='trigram case_sensitive 1')"
        )
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError as exc:  # not installed, or not allowed: the search reads every code
            _log.warning("pg_trgm is not available (%s): the free-text search is not indexed", exc.orig)
            return
        op.execute(f"CREATE INDEX {TRGM_INDEX} ON codes USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")  # the extension may serve others: it stays
    op.drop_index(op.f("ix_codes_province_key_code"), table_name="codes")
    op.drop_index(op.f("ix_codes_province_code_code"), table_name="codes")
    op.create_index(op.f("ix_codes_province_code"), "codes", ["province_code"], unique=False)
    with op.batch_alter_table("codes") as batch:
        batch.drop_column("province_key")
        batch.drop_column("search_text")
