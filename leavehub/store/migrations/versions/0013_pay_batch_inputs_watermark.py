"""pay batch inputs watermark: what a batch was priced from, so the next run re-prices only what changed

A pay run re-prices earlier periods already sent (retro). ``inputs_watermark`` is the newest ``recorded_at`` of
the pay inputs the batch was priced from, and ``rules_digest`` the digest of the policy, the rule tables and the
premium history it used: the next run re-prices earlier periods only for employees with a version recorded
after the watermark, and everyone when the digest differs. Batches built before this revision have neither, so
the first run after it re-prices every earlier period once, as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pay_batch") as batch:
        batch.add_column(sa.Column("inputs_watermark", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rules_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pay_batch") as batch:
        batch.drop_column("rules_digest")
        batch.drop_column("inputs_watermark")
