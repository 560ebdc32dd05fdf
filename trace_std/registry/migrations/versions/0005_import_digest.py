"""Import digests: ``codes.import_digest`` (NULL: none; existing codes take the full path once).

The digest of the file record that an import last applied to the code (with the import rules'
version), cleared by every other write to the code, its approvals or its history: a re-import of
the same record skips validation and the write (``docs/registry.md``, "Import semantics").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("codes") as batch:
        batch.add_column(sa.Column("import_digest", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("codes") as batch:
        batch.drop_column("import_digest")
