"""Stored audit findings (``trace-std audit --store``): open or closed, read by public verification.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("puc", sa.String(length=64), nullable=True),
        sa.Column("season", sa.String(length=8), nullable=True),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_audit_findings_fingerprint")),
    )
    op.create_index(op.f("ix_audit_findings_puc_status"), "audit_findings", ["puc", "status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_findings_puc_status"), table_name="audit_findings")
    op.drop_table("audit_findings")
