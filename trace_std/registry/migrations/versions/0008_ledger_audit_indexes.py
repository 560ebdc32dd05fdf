"""Ledger indexes for the whole-season audit (issue 15's performance targets).

* ``ix_ledger_audit`` (puc, phc, exporter, crop, market, pack_date, ship_date, quantity_kg, id):
  the audit's one pass sums lines per key in index order without reading the table, and a rule that
  must look at one key's lines again finds them by PUC, from the index alone (PostgreSQL's
  index-only scans need ``id`` in it; SQLite's rowid is in every index anyway); it replaces
  ``ix_ledger_puc`` (its first column);
* ``ix_ledger_lot_gtin_puc`` (lot, gtin, puc): lots declared from several PUCs are found from the
  index alone; it replaces ``ix_ledger_lot``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AUDIT = ["puc", "phc", "exporter", "crop", "market", "pack_date", "ship_date", "quantity_kg", "id"]


def upgrade() -> None:
    op.create_index("ix_ledger_audit", "ledger", AUDIT, unique=False)
    op.create_index("ix_ledger_lot_gtin_puc", "ledger", ["lot", "gtin", "puc"], unique=False)
    op.drop_index("ix_ledger_puc", table_name="ledger")
    op.drop_index("ix_ledger_lot", table_name="ledger")


def downgrade() -> None:
    op.create_index("ix_ledger_lot", "ledger", ["lot"], unique=False)
    op.create_index("ix_ledger_puc", "ledger", ["puc"], unique=False)
    op.drop_index("ix_ledger_lot_gtin_puc", table_name="ledger")
    op.drop_index("ix_ledger_audit", table_name="ledger")
