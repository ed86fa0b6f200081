"""open versions by employee: a partial index on employee_id of every versioned entity that has one

A pay run reads the current versions of the few employees its period is about (``employee_id IN (...)``);
without an index that is a scan of every open version of the entity.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITIES = ("employee", "employment", "identity_link", "eligibility_snapshot", "hours_worked", "time_off_balance",
            "leave_case", "leave_period", "absence", "benefit_payment", "leave_status_update", "enrollment",
            "premium_ledger_entry", "premium_bill_line", "pay_instruction")
OPEN = "superseded_at IS NULL AND valid_to IS NULL"


def upgrade() -> None:
    for entity in ENTITIES:
        op.create_index(f"ix_{entity}_versions_open_employee", f"{entity}_versions", ["employee_id"],
                        sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    for entity in ENTITIES:
        op.drop_index(f"ix_{entity}_versions_open_employee", table_name=f"{entity}_versions")
