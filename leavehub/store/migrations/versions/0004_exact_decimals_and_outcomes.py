"""exact decimals on SQLite, per-record outcomes, staging row lines

SQLite's NUMERIC affinity stores 0.10 as a binary float (and rounds 15+ significant digits); money and hours
become TEXT holding the exact decimal there (PostgreSQL keeps NUMERIC; nothing changes on it). The file
ledger records per-entity record outcomes (applied, tie_applied, unchanged, stale, overridden, duplicate);
staging rows carry their physical line (so a repeated record key names both lines) and the merge's outcome.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGING_TABLES = (
    "absence_staging",
    "benefit_payment_staging",
    "eligibility_snapshot_staging",
    "employee_staging",
    "employment_staging",
    "enrollment_staging",
    "hours_worked_staging",
    "identity_link_staging",
    "leave_case_staging",
    "leave_period_staging",
    "leave_status_update_staging",
    "pay_instruction_staging",
    "pay_period_staging",
    "payroll_register_line_staging",
    "premium_bill_line_staging",
    "premium_ledger_entry_staging",
    "time_off_balance_staging",
)

# table -> ((column, precision, scale), ...): every Decimal column of the canonical models
DECIMAL_COLUMNS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "absence_staging": (("hours", 9, 2),),
    "absence_versions": (("hours", 9, 2),),
    "benefit_payment_staging": (
        ("gross", 14, 2),
        ("federal_tax_withheld", 14, 2),
        ("state_tax_withheld", 14, 2),
        ("social_security_withheld", 14, 2),
        ("medicare_withheld", 14, 2),
        ("net", 14, 2),
        ("taxable_percent", 7, 4),
        ("nontaxable_amount", 14, 2),
    ),
    "benefit_payment_versions": (
        ("gross", 14, 2),
        ("federal_tax_withheld", 14, 2),
        ("state_tax_withheld", 14, 2),
        ("social_security_withheld", 14, 2),
        ("medicare_withheld", 14, 2),
        ("net", 14, 2),
        ("taxable_percent", 7, 4),
        ("nontaxable_amount", 14, 2),
    ),
    "eligibility_snapshot_staging": (
        ("months_of_service", 7, 2),
        ("hours_worked_12m", 9, 2),
        ("entitlement_hours", 9, 2),
    ),
    "eligibility_snapshot_versions": (
        ("months_of_service", 7, 2),
        ("hours_worked_12m", 9, 2),
        ("entitlement_hours", 9, 2),
    ),
    "employment_staging": (("scheduled_hours_per_week", 9, 2), ("pay_rate", 14, 2)),
    "employment_versions": (("scheduled_hours_per_week", 9, 2), ("pay_rate", 14, 2)),
    "enrollment_staging": (
        ("coverage_amount", 14, 2),
        ("benefit_salary", 14, 2),
        ("employee_premium_per_period", 14, 2),
        ("employer_premium_per_period", 14, 2),
    ),
    "enrollment_versions": (
        ("coverage_amount", 14, 2),
        ("benefit_salary", 14, 2),
        ("employee_premium_per_period", 14, 2),
        ("employer_premium_per_period", 14, 2),
    ),
    "hours_worked_staging": (("hours", 9, 2),),
    "hours_worked_versions": (("hours", 9, 2),),
    "leave_period_staging": (("reduced_hours_per_week", 9, 2), ("weekly_benefit", 14, 2)),
    "leave_period_versions": (("reduced_hours_per_week", 9, 2), ("weekly_benefit", 14, 2)),
    "pay_instruction_staging": (("hours", 9, 2), ("amount", 14, 2)),
    "pay_instruction_versions": (("hours", 9, 2), ("amount", 14, 2)),
    "payroll_register_line_staging": (("hours", 9, 2), ("amount", 14, 2)),
    "payroll_register_line_versions": (("hours", 9, 2), ("amount", 14, 2)),
    "premium_bill_line_staging": (
        ("volume", 14, 2),
        ("rate", 14, 4),
        ("premium", 14, 2),
        ("employee_share", 14, 2),
        ("employer_share", 14, 2),
    ),
    "premium_bill_line_versions": (
        ("volume", 14, 2),
        ("rate", 14, 4),
        ("premium", 14, 2),
        ("employee_share", 14, 2),
        ("employer_share", 14, 2),
    ),
    "premium_ledger_entry_staging": (("amount", 14, 2),),
    "premium_ledger_entry_versions": (("amount", 14, 2),),
    "time_off_balance_staging": (("balance_hours", 9, 2),),
    "time_off_balance_versions": (("balance_hours", 9, 2),),
}


def upgrade() -> None:
    op.add_column("file_ledger", sa.Column("outcomes", sa.JSON(), nullable=True))
    for table in STAGING_TABLES:
        op.add_column(table, sa.Column("source_line", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("outcome", sa.String(length=12), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in DECIMAL_COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, precision, scale in columns:
                batch_op.alter_column(
                    name, type_=sa.Text(), existing_type=sa.Numeric(precision, scale), existing_nullable=True
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in DECIMAL_COLUMNS.items():
            with op.batch_alter_table(table) as batch_op:
                for name, precision, scale in columns:
                    batch_op.alter_column(
                        name, type_=sa.Numeric(precision, scale), existing_type=sa.Text(), existing_nullable=True
                    )
    for table in STAGING_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("outcome")
            batch_op.drop_column("source_line")
    with op.batch_alter_table("file_ledger") as batch_op:
        batch_op.drop_column("outcomes")
