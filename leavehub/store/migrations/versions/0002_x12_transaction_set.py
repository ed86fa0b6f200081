"""x12 transaction sets: each 834 set sent and the TA1/999 status the carrier gave it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "x12_transaction_set",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("vendor", sa.String(length=64), nullable=False),
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=True),
        sa.Column("control_number", sa.Integer(), nullable=False),
        sa.Column("set_control", sa.String(length=9), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("interchange_status", sa.String(length=1), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("ack_file_id", sa.BigInteger(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ack_file_id"], ["file_ledger.id"],
                                name=op.f("fk_x12_transaction_set_ack_file_id_file_ledger")),
        sa.ForeignKeyConstraint(["file_id"], ["file_ledger.id"],
                                name=op.f("fk_x12_transaction_set_file_id_file_ledger")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x12_transaction_set")),
        sa.UniqueConstraint("vendor", "control_number", "set_control",
                            name=op.f("uq_x12_transaction_set_vendor_control_number_set_control")),
    )


def downgrade() -> None:
    op.drop_table("x12_transaction_set")
