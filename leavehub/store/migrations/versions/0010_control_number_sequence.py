"""control number sequences: one locked row per sender>receiver (or vendor/feed) hands out each number once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows are created on first use, seeded with the highest control number already used
    op.create_table(
        "control_number_sequence",
        sa.Column("sequence_key", sa.String(length=200), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sequence_key", name=op.f("pk_control_number_sequence")),
    )


def downgrade() -> None:
    op.drop_table("control_number_sequence")
