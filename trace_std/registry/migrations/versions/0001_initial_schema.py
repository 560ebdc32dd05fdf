"""Initial registry schema, with append-only triggers on status_history and audit_log.

Revision ID: 0001
Revises: none
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_table(
        "codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("province_name", sa.String(length=100), nullable=True),
        sa.Column("commune_code", sa.String(length=8), nullable=True),
        sa.Column("commune_name", sa.String(length=100), nullable=True),
        sa.Column("crops", sa.JSON(), nullable=False),
        sa.Column("varieties", sa.JSON(), nullable=False),
        sa.Column("area_ha", sa.Float(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_codes_code")),
    )
    op.create_index(op.f("ix_codes_kind"), "codes", ["kind"], unique=False)
    op.create_index(op.f("ix_codes_province_code"), "codes", ["province_code"], unique=False)
    op.create_index(op.f("ix_codes_status"), "codes", ["status"], unique=False)
    op.create_table(
        "products",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("crop", sa.String(length=64), nullable=False),
        sa.Column("variety", sa.String(length=100), nullable=True),
        sa.Column("exporter", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("gtin", name=op.f("pk_products")),
    )
    op.create_index(op.f("ix_products_crop"), "products", ["crop"], unique=False)
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("puc_id", sa.Integer(), nullable=False),
        sa.Column("phc_id", sa.Integer(), nullable=True),
        sa.Column("harvest_date", sa.Date(), nullable=True),
        sa.Column("pack_date", sa.Date(), nullable=True),
        sa.Column("market", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["gtin"], ["products.gtin"], name=op.f("fk_lots_gtin_products")),
        sa.ForeignKeyConstraint(["phc_id"], ["codes.id"], name=op.f("fk_lots_phc_id_codes")),
        sa.ForeignKeyConstraint(["puc_id"], ["codes.id"], name=op.f("fk_lots_puc_id_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("gtin", "lot", name=op.f("uq_lots_gtin_lot")),
    )
    op.create_index(op.f("ix_lots_phc_id"), "lots", ["phc_id"], unique=False)
    op.create_index(op.f("ix_lots_puc_id"), "lots", ["puc_id"], unique=False)
    op.create_table(
        "market_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("approved", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("registration_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"], ["codes.id"], name=op.f("fk_market_approvals_code_id_codes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_approvals")),
        sa.UniqueConstraint("code_id", "market", name=op.f("uq_market_approvals_code_id_market")),
    )
    op.create_index(op.f("ix_market_approvals_market"), "market_approvals", ["market"], unique=False)
    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("legal_doc", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], name=op.f("fk_status_history_code_id_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_history")),
    )
    op.create_index(op.f("ix_status_history_code_id"), "status_history", ["code_id"], unique=False)
    _append_only_triggers()


APPEND_ONLY = ("status_history", "audit_log")


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the append-only tables, whatever client writes to them."""
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


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_index(op.f("ix_status_history_code_id"), table_name="status_history")
    op.drop_table("status_history")
    op.drop_index(op.f("ix_market_approvals_market"), table_name="market_approvals")
    op.drop_table("market_approvals")
    op.drop_index(op.f("ix_lots_puc_id"), table_name="lots")
    op.drop_index(op.f("ix_lots_phc_id"), table_name="lots")
    op.drop_table("lots")
    op.drop_index(op.f("ix_products_crop"), table_name="products")
    op.drop_table("products")
    op.drop_index(op.f("ix_codes_status"), table_name="codes")
    op.drop_index(op.f("ix_codes_province_code"), table_name="codes")
    op.drop_index(op.f("ix_codes_kind"), table_name="codes")
    op.drop_table("codes")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("api_tokens")
