"""reconciliation exceptions: what each check date's reconciliation found, so the next says "open since"

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_exception",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("exception_type", sa.String(length=40), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=True),
        sa.Column("subject_key", sa.String(length=200), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_exception")),
        sa.UniqueConstraint("check_date", "exception_type", "subject_key",
                            name=op.f("uq_reconciliation_exception_check_date_exception_type_subject_key")),
    )
    op.create_index(op.f("ix_reconciliation_exception_check_date"), "reconciliation_exception", ["check_date"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reconciliation_exception_check_date"), table_name="reconciliation_exception")
    op.drop_table("reconciliation_exception")
