"""The EPCIS event repository (trace_std.events.repository): events, their keys, capture jobs.

On PostgreSQL ``epcis_events`` and ``epcis_event_keys`` are declaratively partitioned by month of
``event_time`` (the repository creates a month's partitions on first use); events and keys are
immutable (triggers refuse UPDATE and DELETE) on both backends.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

IMMUTABLE = ("epcis_events", "epcis_event_keys")


def _events_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_hash", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=500), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=True),
        sa.Column("biz_step", sa.String(length=300), nullable=True),
        sa.Column("disposition", sa.String(length=300), nullable=True),
        sa.Column("biz_location", sa.String(length=500), nullable=True),
        sa.Column("read_point", sa.String(length=500), nullable=True),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", "event_time", name="pk_epcis_events"),
        sa.UniqueConstraint("event_hash", "event_time", name="uq_epcis_events_event_hash"),
    ]


def _keys_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("event", sa.BigInteger(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=600), nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    partitioned: dict[str, Any] = (
        {"postgresql_partition_by": "RANGE (event_time)"} if dialect == "postgresql" else {}
    )
    op.create_table("epcis_events", *_events_columns(), **partitioned)
    op.create_index("ix_epcis_events_event_time", "epcis_events", ["event_time"])
    op.create_index("ix_epcis_events_record_time", "epcis_events", ["record_time"])
    op.create_index("ix_epcis_events_event_id", "epcis_events", ["event_id"])
    op.create_index("ix_epcis_events_biz_step", "epcis_events", ["biz_step", "event_time"])
    op.create_index("ix_epcis_events_biz_location", "epcis_events", ["biz_location", "event_time"])
    op.create_index("ix_epcis_events_party", "epcis_events", ["party", "event_time"])
    op.create_table("epcis_event_keys", *_keys_columns(), **partitioned)
    op.create_index("ix_epcis_event_keys_value", "epcis_event_keys", ["value", "role"])
    op.create_index("ix_epcis_event_keys_event", "epcis_event_keys", ["event"])
    op.create_table(
        "epcis_capture_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("behaviour", sa.String(length=8), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_epcis_capture_jobs"),
    )
    op.create_index("ix_epcis_capture_jobs_party", "epcis_capture_jobs", ["party"])
    for table in IMMUTABLE:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is immutable'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is immutable' USING ERRCODE = 'restrict_violation'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_immutable()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in IMMUTABLE:
        if dialect == "sqlite":
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_immutable()")
    op.drop_table("epcis_capture_jobs")
    op.drop_table("epcis_event_keys")  # drops its partitions too (PostgreSQL)
    op.drop_table("epcis_events")
