"""Code-use audit: authorisations (+ append-only history), importing-country registers, the ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("authorisation_history",)


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("puc", sa.String(length=64), nullable=False),
        sa.Column("phc", sa.String(length=64), nullable=True),
        sa.Column("exporter", sa.String(length=300), nullable=True),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column("crop", sa.String(length=64), nullable=True),
        sa.Column("market", sa.String(length=8), nullable=True),
        sa.Column("harvest_date", sa.Date(), nullable=True),
        sa.Column("pack_date", sa.Date(), nullable=True),
        sa.Column("ship_date", sa.Date(), nullable=True),
        sa.Column("cartons", sa.Integer(), nullable=False),
        sa.Column("quantity_kg", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger")),
        sa.UniqueConstraint(
            "source", "source_sha256", "source_row", name=op.f("uq_ledger_source_source_sha256_source_row")
        ),
    )
    op.create_index(op.f("ix_ledger_lot"), "ledger", ["lot"], unique=False)
    op.create_index(op.f("ix_ledger_phc"), "ledger", ["phc"], unique=False)
    op.create_index(op.f("ix_ledger_puc"), "ledger", ["puc"], unique=False)
    op.create_table(
        "market_registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("code_as_listed", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("registration_number", sa.String(length=64), nullable=True),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column("product_as_listed", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("province", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_registers")),
    )
    op.create_index(
        op.f("ix_market_registers_market_code"), "market_registers", ["market", "code"], unique=False
    )
    op.create_table(
        "authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("puc_id", sa.Integer(), nullable=False),
        sa.Column("phc_id", sa.Integer(), nullable=True),
        sa.Column("exporter", sa.String(length=300), nullable=True),
        sa.Column("crops", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("volume_cap_kg", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["phc_id"], ["codes.id"], name=op.f("fk_authorisations_phc_id_codes")),
        sa.ForeignKeyConstraint(["puc_id"], ["codes.id"], name=op.f("fk_authorisations_puc_id_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorisations")),
        sa.UniqueConstraint("ref", name=op.f("uq_authorisations_ref")),
    )
    op.create_index(op.f("ix_authorisations_phc_id"), "authorisations", ["phc_id"], unique=False)
    op.create_index(op.f("ix_authorisations_puc_id"), "authorisations", ["puc_id"], unique=False)
    op.create_table(
        "authorisation_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authorisation_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorisation_id"],
            ["authorisations.id"],
            name=op.f("fk_authorisation_history_authorisation_id_authorisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorisation_history")),
    )
    op.create_index(
        op.f("ix_authorisation_history_authorisation_id"),
        "authorisation_history",
        ["authorisation_id"],
        unique=False,
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the authorisation history, as on the code history (0001)."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only' USING ERRCODE = 'restrict_violation'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_index(op.f("ix_authorisation_history_authorisation_id"), table_name="authorisation_history")
    op.drop_table("authorisation_history")
    op.drop_index(op.f("ix_authorisations_puc_id"), table_name="authorisations")
    op.drop_index(op.f("ix_authorisations_phc_id"), table_name="authorisations")
    op.drop_table("authorisations")
    op.drop_index(op.f("ix_market_registers_market_code"), table_name="market_registers")
    op.drop_table("market_registers")
    op.drop_index(op.f("ix_ledger_puc"), table_name="ledger")
    op.drop_index(op.f("ix_ledger_phc"), table_name="ledger")
    op.drop_index(op.f("ix_ledger_lot"), table_name="ledger")
    op.drop_table("ledger")
