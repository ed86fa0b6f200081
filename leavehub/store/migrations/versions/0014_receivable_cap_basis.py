"""receivable cap basis: whether an overpayment's per-check cap is a percent of gross or of disposable earnings

A receivable deducted from later pay is capped per check by the work state's wage-deduction row: New York caps
at a percent of the check's gross, Washington at a percent of disposable earnings (gross less the taxes payroll
withholds). ``cap_basis`` records which, beside ``cap_percent``, so a receivable is recovered under the row it
was booked with. Receivables booked before this revision have none and are capped on gross, as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pay_batch_receivable") as batch:
        batch.add_column(sa.Column("cap_basis", sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pay_batch_receivable") as batch:
        batch.drop_column("cap_basis")
