"""writeback_update: each update an outbound API feed built (its Idempotency-Key fixed) and the vendor's answer

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "writeback_update",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("vendor", sa.String(length=64), nullable=False),
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("vendor_ref", sa.String(length=120), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_writeback_update")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_writeback_update_idempotency_key")),
    )
    op.create_index(op.f("ix_writeback_update_vendor_feed_employee_id"), "writeback_update",
                    ["vendor", "feed", "employee_id"])
    op.create_index(op.f("ix_writeback_update_vendor_feed_status"), "writeback_update",
                    ["vendor", "feed", "status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_writeback_update_vendor_feed_status"), table_name="writeback_update")
    op.drop_index(op.f("ix_writeback_update_vendor_feed_employee_id"), table_name="writeback_update")
    op.drop_table("writeback_update")
