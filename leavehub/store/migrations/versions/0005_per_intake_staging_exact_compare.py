"""per-intake staging, exact content comparison: drop the shared staging tables and the row hash

An intake now stages its rows in a TEMPORARY table of its own connection (COPY on PostgreSQL, no indexes, no
WAL, dropped by the merge), so the shared ``<entity>_staging`` tables go. "Same content" is decided by
comparing every canonical value (PII by its match hash) instead of a 64-bit row hash that two different rows
could share, so ``row_hash`` goes from every versions table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITIES = (
    "absence",
    "benefit_payment",
    "eligibility_snapshot",
    "employee",
    "employment",
    "enrollment",
    "hours_worked",
    "identity_link",
    "leave_case",
    "leave_period",
    "leave_status_update",
    "pay_instruction",
    "pay_period",
    "payroll_register_line",
    "premium_bill_line",
    "premium_ledger_entry",
    "time_off_balance",
)


def upgrade() -> None:
    for entity in ENTITIES:
        op.drop_table(f"{entity}_staging")
        with op.batch_alter_table(f"{entity}_versions") as batch_op:
            batch_op.drop_column("row_hash")


def downgrade() -> None:
    raise NotImplementedError("0005 drops the shared staging tables; restore from a backup taken before it")
