"""outbound artifacts: a built batch's file is kept in the store (not a worker's disk) until it is SENT

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_artifact",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("sha256_sent", sa.String(length=64), nullable=False),
        sa.Column("sha256_plaintext", sa.String(length=64), nullable=False),
        sa.Column("x12_control_number", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_outbound_artifact")),
    )


def downgrade() -> None:
    op.drop_table("outbound_artifact")
