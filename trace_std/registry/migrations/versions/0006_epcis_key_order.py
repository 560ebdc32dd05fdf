"""EPCIS keys in event-time order: ``ix_epcis_event_keys_value`` becomes
``(value, event_time, event, role)``.

A query by identifier or planting area reads its first page straight from this index, oldest
first, and stops after the page (before: every matching event was fetched and sorted, so a
planting area with 2,500 harvests cost 2,500 event look-ups per page). The index covers the
genealogy's identifier -> event look-up too. On PostgreSQL the index is created on the partitioned
table, hence on every monthly partition.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_epcis_event_keys_value", table_name="epcis_event_keys")
    op.create_index("ix_epcis_event_keys_value", "epcis_event_keys", ["value", "event_time", "event", "role"])


def downgrade() -> None:
    op.drop_index("ix_epcis_event_keys_value", table_name="epcis_event_keys")
    op.create_index("ix_epcis_event_keys_value", "epcis_event_keys", ["value", "role"])
