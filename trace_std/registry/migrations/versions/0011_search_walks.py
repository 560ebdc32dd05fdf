"""PostgreSQL: the search text in the primary key and the province indexes (``INCLUDE``).

A text search with more than 1,000 matches walks codes in registration order for its page, and a
common query proves "more than 1,000" by walking codes rather than building the trigram index's
bitmap of every candidate (``Registry._dense_walk``). A walk reads a row per code: through the
primary key that was a table page per row (22,000 rows for a page of ``vn-14-116`` at 1,000,000
codes: 47 ms); with the search text in the key, an index-only scan reads the key's leaf pages in
order (7 ms). The province indexes carry ``id`` and the search text for the same reason (a text
search within a province). They grow: at 1,000,000 codes the primary key from 21 MB to 169 MB and
each province index to about 210 MB.

The primary key is rebuilt under its name: the foreign keys that reference it are dropped and made
again with their own definitions, in the migration's one transaction: the tables are locked
while it runs (about 4 s at 1,000,000 codes on the 2-core development machine, most of it
checking the foreign keys again). SQLite needs nothing (a rowid table's key is the row).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_PROVINCE_INDEXES = {
    "ix_codes_province_code_code": "province_code",
    "ix_codes_province_key_code": "province_key",
}


def _rebuild(include_pk: str, include_province: str) -> None:
    bind = op.get_bind()
    fks = bind.execute(
        sa.text(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE confrelid = 'codes'::regclass AND contype = 'f' ORDER BY conname"
        )
    ).all()
    op.execute(f"CREATE UNIQUE INDEX pk_codes_next ON codes (id){include_pk}")
    for name, table, _ in fks:
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    op.execute("ALTER TABLE codes DROP CONSTRAINT pk_codes")
    op.execute("ALTER TABLE codes ADD CONSTRAINT pk_codes PRIMARY KEY USING INDEX pk_codes_next")
    for name, table, definition in fks:
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for index, column in _PROVINCE_INDEXES.items():
        op.execute(f"DROP INDEX {index}")
        op.execute(f"CREATE INDEX {index} ON codes ({column}, code){include_province}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(" INCLUDE (search_text)", " INCLUDE (id, search_text)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild("", "")
