"""bounded text: the last unbounded canonical text columns get the canonical maximum length

Every canonical text field now has a maximum length (issue 12: a 50 MB value is refused, not stored); the store
columns follow the models: ``union_code`` and ``rule_version`` (a Label, 200 characters) and ``work_state``
(a state code, 2) go from TEXT to VARCHAR. PII text has no plaintext column, so nothing else changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOUNDED = {
    "employment": {"work_state": 2, "union_code": 200},
    "pay_instruction": {"rule_version": 200},
    "premium_ledger_entry": {"rule_version": 200},
}


def _alter(to_bounded: bool) -> None:
    for entity, columns in BOUNDED.items():
        for table in (f"{entity}_versions", f"{entity}_staging"):
            with op.batch_alter_table(table) as batch:
                for column, length in columns.items():
                    old, new = (sa.Text(), sa.String(length=length)) if to_bounded else \
                        (sa.String(length=length), sa.Text())
                    batch.alter_column(column, existing_type=old, type_=new, existing_nullable=True)


def upgrade() -> None:
    _alter(to_bounded=True)


def downgrade() -> None:
    _alter(to_bounded=False)
