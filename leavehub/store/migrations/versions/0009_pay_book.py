"""pay book: the LedgerPay pay-data batches, their lines and receivables, in the store (not a worker's disk)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _exact(precision: int, scale: int) -> sa.types.TypeEngine:
    """Exact decimals: NUMERIC on PostgreSQL, the decimal's text on SQLite (as ``ExactDecimal`` stores it)."""
    return sa.Numeric(precision, scale).with_variant(sa.Text(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pay_batch",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("company", sa.String(length=16), nullable=False),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_pay_batch")),
    )
    op.create_index(op.f("ix_pay_batch_company_check_date"), "pay_batch", ["company", "check_date"])
    op.create_table(
        "pay_batch_line",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("payroll_company_code", sa.String(length=16), nullable=True),
        sa.Column("pay_period_start", sa.Date(), nullable=True),
        sa.Column("pay_period_end", sa.Date(), nullable=True),
        sa.Column("check_date", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("pay_code", sa.String(length=40), nullable=True),
        sa.Column("deduction_code", sa.String(length=40), nullable=True),
        sa.Column("hours", _exact(9, 2), nullable=True),
        sa.Column("amount", _exact(14, 2), nullable=True),
        sa.Column("original_period_start", sa.Date(), nullable=True),
        sa.Column("original_period_end", sa.Date(), nullable=True),
        sa.Column("case_number", sa.String(length=120), nullable=True),
        sa.Column("absence_period_key", sa.String(length=120), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("rule_version", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["pay_batch.batch_id"],
                                name=op.f("fk_pay_batch_line_batch_id_pay_batch")),
        sa.PrimaryKeyConstraint("batch_id", "line_no", name=op.f("pk_pay_batch_line")),
    )
    op.create_index(op.f("ix_pay_batch_line_employee_id"), "pay_batch_line", ["employee_id"])
    op.create_table(
        "pay_batch_receivable",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("case_number", sa.String(length=120), nullable=True),
        sa.Column("original_period_start", sa.Date(), nullable=True),
        sa.Column("original_period_end", sa.Date(), nullable=True),
        sa.Column("corrects", sa.String(length=120), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("recovery", sa.String(length=12), nullable=True),
        sa.Column("cap_percent", _exact(7, 4), nullable=True),
        sa.Column("work_state", sa.String(length=8), nullable=True),
        sa.Column("rule_version", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["pay_batch.batch_id"],
                                name=op.f("fk_pay_batch_receivable_batch_id_pay_batch")),
        sa.PrimaryKeyConstraint("batch_id", "line_no", name=op.f("pk_pay_batch_receivable")),
    )


def downgrade() -> None:
    op.drop_table("pay_batch_receivable")
    op.drop_index(op.f("ix_pay_batch_line_employee_id"), table_name="pay_batch_line")
    op.drop_table("pay_batch_line")
    op.drop_index(op.f("ix_pay_batch_company_check_date"), table_name="pay_batch")
    op.drop_table("pay_batch")
