"""register lookups: the payroll register's versions found by file number and by check date, not by a scan

The register grows by every employee's lines on every check (a year of biweekly checks at 100,000 employees is
millions of lines), and a pay run reads it three ways: the lines of the employees its period is about (their
last paid net, disposable earnings and wages by quarter: ``payroll_file_number IN (...)``), when each check
date's register last changed (``check_date``, ``max(recorded_at)``; reconciliation reads one check date too),
and whether a batch sent is on a register (``batch_id``: the batch is acknowledged). Without these indexes each
is a scan of every register line ever received. The file-number index carries the line type and amount, so a
person's latest check that paid earnings is found in the index alone.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "payroll_register_line_versions"
OPEN = "superseded_at IS NULL AND valid_to IS NULL"


def upgrade() -> None:
    op.create_index(f"ix_{TABLE}_open_file", TABLE,
                    ["payroll_file_number", "payroll_company_code", "check_date", "line_type", "amount"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index(f"ix_{TABLE}_check", TABLE, ["check_date", "payroll_company_code", "recorded_at"])
    op.create_index(f"ix_{TABLE}_open_batch", TABLE, ["batch_id"], sqlite_where=sa.text(OPEN),
                    postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_open_batch", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_check", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_open_file", table_name=TABLE)
