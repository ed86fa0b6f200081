"""lean versions tables: one index on record_key instead of (source_vendor, record_key, superseded_at), no
per-row foreign keys to the ledger, and a ledger that refuses deletes

Measured on PostgreSQL (1M Harbor rows, backend CPU of one ``INSERT ... SELECT`` into leave_period_versions):
the two foreign keys to ``file_ledger`` checked every inserted row (one lookup and row lock each: ~40% of the
insert) and the three-column index cost more than twice a ``record_key`` index, which also serves what it
did not: a record's history (any vendor) and the versions of a changed key. The open-version unique index
keeps the current-version lookups. What the foreign keys guaranteed holds by construction: a version names
the ledger row its own intake inserted in the same transaction, and ledger rows can no longer be deleted
(a trigger refuses it), so no version can point at a missing file.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
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
REFUSE_DELETE = "file_ledger is append-only: a ledger row is never deleted"


def upgrade() -> None:
    for entity in ENTITIES:
        table = f"{entity}_versions"
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_source_file_id_file_ledger"), type_="foreignkey")
            batch_op.drop_constraint(op.f(f"fk_{table}_superseded_by_file_id_file_ledger"), type_="foreignkey")
            batch_op.drop_index(op.f(f"ix_{table}_source_vendor_record_key_superseded_at"))
            batch_op.create_index(op.f(f"ix_{table}_record_key"), ["record_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION file_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{REFUSE_DELETE}'; END $$")
        op.execute("CREATE TRIGGER file_ledger_append_only BEFORE DELETE ON file_ledger "
                   "FOR EACH ROW EXECUTE FUNCTION file_ledger_append_only()")
    else:
        op.execute("CREATE TRIGGER file_ledger_append_only BEFORE DELETE ON file_ledger "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSE_DELETE}'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER file_ledger_append_only" +
               (" ON file_ledger" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION file_ledger_append_only()")
    for entity in ENTITIES:
        table = f"{entity}_versions"
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(op.f(f"ix_{table}_record_key"))
            batch_op.create_index(op.f(f"ix_{table}_source_vendor_record_key_superseded_at"),
                                  ["source_vendor", "record_key", "superseded_at"], unique=False)
            batch_op.create_foreign_key(op.f(f"fk_{table}_source_file_id_file_ledger"), "file_ledger",
                                        ["source_file_id"], ["id"])
            batch_op.create_foreign_key(op.f(f"fk_{table}_superseded_by_file_id_file_ledger"), "file_ledger",
                                        ["superseded_by_file_id"], ["id"])
