"""The store's schema as SQLAlchemy metadata: the file ledger, outbound batches, and one versioned table per
canonical entity, derived from the pydantic models in ``schemas.models`` (an intake stages its rows in a
temporary table of its own, ``leavehub.store.stage_tables``, not part of the schema).

Deriving the entity tables (instead of writing them twice) keeps the database and the canonical schema from
drifting; the Alembic revisions are still committed files, and a test runs autogenerate against this
metadata to prove the two agree. Column types follow the model: ``str``/``Enum`` -> String, ``date`` ->
Date, ``datetime`` -> DateTime(timezone=True), ``Decimal`` -> ``ExactDecimal`` (NUMERIC(max_digits,
decimal_places) on PostgreSQL, the exact decimal text on SQLite, whose NUMERIC is a binary float),
``bool`` -> Boolean, ``int`` -> Integer, ``list`` -> JSON. A PII field ``f`` becomes ``f_enc`` (AES-GCM
ciphertext) and ``f_hash`` (HMAC-SHA256 hex): there is no plaintext column. A field whose name is one of the
store's own columns (``recorded_at`` of a premium ledger entry) is stored as ``canon_<name>``.

Example::

    versions_table("leave_period").c.absence_period_key   # Column('absence_period_key', String(120))
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import AwareDatetime, FutureDate, FutureDatetime, NaiveDatetime, PastDate, PastDatetime
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from schemas.models import ENTITIES
from schemas.types import CanonicalModel, pii_fields

__all__ = [
    "CONTROL_NUMBER_SEQUENCE",
    "FILE_LEDGER",
    "METADATA",
    "NOT_VERSIONED",
    "OUTBOUND_ARTIFACT",
    "OUTBOUND_BATCH",
    "PAY_BATCH",
    "PAY_BATCH_LINE",
    "PAY_BATCH_RECEIVABLE",
    "RECONCILIATION_EXCEPTION",
    "SYSTEM_COLUMNS",
    "VERSIONED_ENTITIES",
    "WRITEBACK_UPDATE",
    "X12_TRANSACTION_SET",
    "EntityColumn",
    "ExactDecimal",
    "entity_columns",
    "value_columns",
    "versions_table",
]

METADATA = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

class ExactDecimal(TypeDecorator[Decimal]):
    """Money and hours, exact on every backend: NUMERIC(p, s) on PostgreSQL; on SQLite (whose NUMERIC
    affinity turns 0.1 into a binary float) the decimal's canonical text, converted back to ``Decimal``."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision, self.scale = precision, scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value) if not isinstance(value, Decimal) else value


Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER PRIMARY KEY
Utc = DateTime(timezone=True)

NOT_VERSIONED = {"file_exchange": "the file ledger (file_ledger) is the store of file exchanges"}
"""Entities that have no versioned table, and why."""

FILE_LEDGER = Table(
    "file_ledger",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vendor", String(64), nullable=False),
    Column("feed", String(64), nullable=False),
    Column("direction", String(8), nullable=False),  # inbound | outbound
    Column("file_name", String(255), nullable=False),
    Column("size_bytes", BigInteger, nullable=True),
    Column("sha256_received", String(64), nullable=True),
    Column("sha256_plaintext", String(64), nullable=True),
    Column("control_number", String(64), nullable=True),
    Column("business_date", Date, nullable=True),
    Column("file_kind", String(8), nullable=True),  # full | change
    Column("status", String(12), nullable=False),
    Column("records_read", Integer, nullable=False, server_default=text("0")),
    Column("records_applied", Integer, nullable=False, server_default=text("0")),
    Column("records_rejected", Integer, nullable=False, server_default=text("0")),
    # per entity: {"leave_period": {"applied": 3, "tie_applied": 0, "unchanged": 1, "stale": 0, ...}}
    Column("outcomes", JSON, nullable=True),
    Column("errors", JSON, nullable=True),  # RowError.as_dict() list: where and why, never a value
    Column("schema_version", String(20), nullable=True),
    Column("mapping_version", String(40), nullable=True),
    Column("batch_id", String(64), nullable=True),
    Column("duplicate_of", BigInteger, nullable=True),
    # Claim keys: unique while the row holds the content; NULL once the row no longer does (rejected,
    # failed, or the row records a duplicate arrival). The unique index makes concurrent claims race-free.
    Column("content_key", String(200), nullable=True),
    Column("control_key", String(200), nullable=True),
    Column("received_at", Utc, nullable=False),
    Column("finished_at", Utc, nullable=True),
    UniqueConstraint("content_key"),
    UniqueConstraint("control_key"),
    Index(None, "vendor", "feed", "received_at"),
    Index(None, "status"),
)

OUTBOUND_BATCH = Table(
    "outbound_batch",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("batch_id", String(64), nullable=False),
    Column("vendor", String(64), nullable=False),
    Column("feed", String(64), nullable=False),
    Column("control_number", Integer, nullable=False),
    Column("watermark", Utc, nullable=True),  # max recorded_at included: the next "changed since" starts here
    Column("previous_watermark", Utc, nullable=True),
    Column("record_count", Integer, nullable=True),
    Column("status", String(8), nullable=False),  # BUILT | SENT | REJECTED (by the partner: resent as a new batch)
    Column("built_at", Utc, nullable=False),
    Column("sent_at", Utc, nullable=True),
    Column("file_id", BigInteger, ForeignKey("file_ledger.id"), nullable=True),
    UniqueConstraint("batch_id"),
    UniqueConstraint("vendor", "feed", "control_number"),
)

CONTROL_NUMBER_SEQUENCE = Table(
    "control_number_sequence",
    METADATA,
    # one row per numbering sequence: an X12 interchange's sender>receiver, else vendor/feed (or the vendor);
    # a builder locks its row, so two builders never take the same number and numbers only go up
    Column("sequence_key", String(200), primary_key=True),
    Column("last_number", Integer, nullable=False),
    Column("updated_at", Utc, nullable=False),
)
"""The last control number handed out per sequence (ISA13/GS06 for X12)."""

OUTBOUND_ARTIFACT = Table(
    "outbound_artifact",
    METADATA,
    # the built file of a batch not yet SENT, kept in the store so a retry on any worker sends the same bytes:
    # the OpenPGP file as it goes on the wire, or (a vendor taking plaintext) the file sealed under the
    # deployment's "outbox" key; deleted once the ledger says SENT
    Column("batch_id", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("sha256_sent", String(64), nullable=False),
    Column("sha256_plaintext", String(64), nullable=False),
    Column("x12_control_number", Integer, nullable=True),
    Column("sealed", Boolean, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("built_at", Utc, nullable=False),
)

X12_TRANSACTION_SET = Table(
    "x12_transaction_set",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vendor", String(64), nullable=False),
    Column("feed", String(64), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("file_id", BigInteger, ForeignKey("file_ledger.id"), nullable=False),  # the SENT ledger row
    Column("business_date", Date, nullable=True),
    Column("control_number", Integer, nullable=False),  # ISA13 = GS06
    Column("set_control", String(9), nullable=False),  # ST02
    # SENT | ACCEPTED | ACCEPTED_WITH_ERRORS | PARTIALLY_ACCEPTED | REJECTED
    Column("status", String(24), nullable=False),
    Column("interchange_status", String(1), nullable=True),  # TA104: A | E | R
    Column("errors", JSON, nullable=True),  # IK3/IK4: segment, position, loop, element, codes - never a value
    Column("ack_file_id", BigInteger, ForeignKey("file_ledger.id"), nullable=True),
    Column("sent_at", Utc, nullable=False),
    Column("acknowledged_at", Utc, nullable=True),
    Column("overdue_alerted_at", Utc, nullable=True),
    UniqueConstraint("vendor", "control_number", "set_control"),
)
"""Each X12 transaction set sent, and what the partner's TA1/999 said about it."""

RECONCILIATION_EXCEPTION = Table(
    "reconciliation_exception",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("check_date", Date, nullable=False),
    Column("exception_type", String(40), nullable=False),
    Column("employee_id", String(120), nullable=True),  # empty for a file-level exception (an 834 set)
    Column("subject_key", String(200), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),  # plain words, never PII
    Column("first_seen", Date, nullable=False),
    Column("recorded_at", Utc, nullable=False),
    UniqueConstraint("check_date", "exception_type", "subject_key"),
    Index(None, "check_date"),
)
"""What each reconciliation found, per check date: the next one carries ``first_seen`` ("open since")."""

PAY_BATCH = Table(
    "pay_batch",
    METADATA,
    Column("batch_id", String(64), primary_key=True),  # <CO><YYYYMMDD><NN>: fixed when built, reused on retry
    Column("company", String(16), nullable=False),
    Column("check_date", Date, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("action", String(8), nullable=False),  # NEW | REPLACE
    Column("status", String(12), nullable=False),  # BUILT | SENT | ACKNOWLEDGED
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("sends", Integer, nullable=False),
    Column("built_at", Utc, nullable=False),
    Column("sent_at", Utc, nullable=True),
    Column("acknowledged_at", Utc, nullable=True),
    # what the batch was priced from: the newest recorded_at of the pay inputs, and the digest of the policy,
    # rule tables and premium history; the next run re-prices earlier periods only for what changed after them
    Column("inputs_watermark", Utc, nullable=True),
    Column("rules_digest", String(64), nullable=True),
    Index(None, "company", "check_date"),
)
"""The pay book: every LedgerPay pay-data batch built, per company and check date, and where it stands."""

PAY_BATCH_LINE = Table(
    "pay_batch_line",
    METADATA,
    Column("batch_id", String(64), ForeignKey("pay_batch.batch_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),  # the order the batch (and its file) holds the lines in
    Column("employee_id", String(120), nullable=False),
    Column("payroll_company_code", String(16), nullable=True),
    Column("pay_period_start", Date, nullable=True),
    Column("pay_period_end", Date, nullable=True),
    Column("check_date", Date, nullable=True),
    Column("kind", String(40), nullable=False),
    Column("pay_code", String(40), nullable=True),
    Column("deduction_code", String(40), nullable=True),
    Column("hours", ExactDecimal(9, 2), nullable=True),
    Column("amount", ExactDecimal(14, 2), nullable=True),
    Column("original_period_start", Date, nullable=True),
    Column("original_period_end", Date, nullable=True),
    Column("case_number", String(120), nullable=True),
    Column("absence_period_key", String(120), nullable=True),
    Column("rule", String(80), nullable=True),
    Column("rule_version", Text, nullable=True),
    Column("explanation", Text, nullable=True),
    Index(None, "employee_id"),
)
"""The instruction lines a pay batch carries, with each line's explanation: a later run diffs against them."""

PAY_BATCH_RECEIVABLE = Table(
    "pay_batch_receivable",
    METADATA,
    Column("batch_id", String(64), ForeignKey("pay_batch.batch_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("employee_id", String(120), nullable=False),
    Column("case_number", String(120), nullable=True),
    Column("original_period_start", Date, nullable=True),
    Column("original_period_end", Date, nullable=True),
    Column("corrects", String(120), nullable=True),
    Column("amount_cents", BigInteger, nullable=False),  # gross overpayment owed back
    Column("recovery", String(12), nullable=True),  # deduct | bill
    Column("cap_percent", ExactDecimal(7, 4), nullable=True),
    Column("cap_basis", String(12), nullable=True),  # gross | disposable (None: gross)
    Column("work_state", String(8), nullable=True),
    Column("rule_version", Text, nullable=True),
    Column("explanation", Text, nullable=True),
)
"""Overpayment receivables a pay batch booked (retro after a denial): recovered on later checks or billed."""

WRITEBACK_UPDATE = Table(
    "writeback_update",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vendor", String(64), nullable=False),
    Column("feed", String(64), nullable=False),
    Column("batch_id", String(64), nullable=False),  # the outbound_batch that built it
    Column("idempotency_key", String(64), nullable=False),  # fixed when built: a resend uses the same one
    Column("employee_id", String(120), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("body", JSON, nullable=False),  # the request body exactly as sent (no PII: status, type, dates, case)
    Column("business_date", Date, nullable=False),
    Column("status", String(12), nullable=False),  # PENDING | APPLIED | SUPERSEDED | REJECTED
    Column("http_status", Integer, nullable=True),
    Column("vendor_ref", String(120), nullable=True),  # the vendor's id of the applied update
    Column("errors", JSON, nullable=True),  # 422: [{field, reason}] - never a value
    Column("attempts", Integer, nullable=False),
    Column("built_at", Utc, nullable=False),
    Column("answered_at", Utc, nullable=True),
    UniqueConstraint("idempotency_key"),
    Index(None, "vendor", "feed", "employee_id"),
    Index(None, "vendor", "feed", "status"),
)
"""Each update an outbound API feed built, and what the vendor answered: a crash mid-batch resumes from here."""

SYSTEM_COLUMNS = (
    "version_id", "record_key", "source_vendor", "source_feed", "valid_from", "valid_to", "recorded_at",
    "superseded_at", "superseded_by_file_id", "source_file_id", "source_row", "source_business_date",
    "schema_version", "mapping_version",
)


@dataclass(frozen=True)
class EntityColumn:
    """One canonical field as stored: its column type, and for PII its kind (stored as _enc + _hash)."""

    name: str
    column: str  # the stored name: the field name, or ``canon_<name>`` where it would clash with SYSTEM_COLUMNS
    sql_type: TypeEngine[Any]
    python_type: type
    nullable: bool
    pii_kind: str | None = None
    precision: int | None = None
    scale: int | None = None


@cache
def entity_columns(entity: str) -> tuple[EntityColumn, ...]:
    """The stored columns of ``entity`` in model order (before the PII split)."""
    model: type[CanonicalModel] = ENTITIES[entity]
    pii = pii_fields(model)
    out = []
    for name, info in model.model_fields.items():
        base, nullable, meta = _unwrap(info.annotation, list(info.metadata))
        sql_type, precision, scale = _sql_type(base, meta)
        python_type = datetime if base in _PYDANTIC_DATETIMES else base if isinstance(base, type) else list
        column = f"canon_{name}" if name in SYSTEM_COLUMNS else name
        out.append(EntityColumn(name, column, sql_type, python_type, nullable, pii.get(name), precision, scale))
    return tuple(out)


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, bool, list[Any]]:
    """Strip ``Optional`` and ``Annotated`` layers: the base type, whether None is allowed, all metadata."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            annotation = args[0] if len(args) == 1 else str
        else:
            break
    flat: list[Any] = []
    for item in metadata:  # a Field(...) inside Annotated carries its own metadata list
        flat.append(item)
        flat.extend(getattr(item, "metadata", []) or [])
    return annotation, nullable, flat


def _find(meta: list[Any], attribute: str) -> Any:
    return next((getattr(m, attribute) for m in meta if getattr(m, attribute, None) is not None), None)


_PYDANTIC_DATETIMES = (AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)


def _sql_type(base: Any, meta: list[Any]) -> tuple[TypeEngine[Any], int | None, int | None]:
    if typing.get_origin(base) in (list, tuple) or base in (list, tuple):
        return JSON(), None, None
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return String(max(40, *(len(str(m.value)) for m in base))), None, None
    if isinstance(base, type) and issubclass(base, bool):
        return Boolean(), None, None
    if isinstance(base, type) and issubclass(base, int):
        return Integer(), None, None
    if isinstance(base, type) and issubclass(base, Decimal):
        precision, scale = _find(meta, "max_digits") or 18, _find(meta, "decimal_places") or 4
        return ExactDecimal(precision, scale), precision, scale
    if base in _PYDANTIC_DATETIMES or (isinstance(base, type) and issubclass(base, datetime)):
        return Utc, None, None
    if base in (PastDate, FutureDate) or (isinstance(base, type) and issubclass(base, date)):
        return Date(), None, None
    if isinstance(base, type) and issubclass(base, str):
        length = _find(meta, "max_length")
        return (String(length) if length else Text()), None, None
    raise TypeError(f"no column type for {base!r}")


def value_columns(entity: str) -> list[Column[Any]]:
    """Fresh stored value columns of ``entity`` (PII as ``_enc`` ciphertext and ``_hash`` match hash)."""
    cols: list[Column[Any]] = []
    for col in entity_columns(entity):
        if col.pii_kind:
            cols.append(Column(f"{col.column}_enc", LargeBinary, nullable=True))
            cols.append(Column(f"{col.column}_hash", String(64), nullable=True))
        else:
            cols.append(Column(col.column, col.sql_type, nullable=True))
    return cols


_OPEN = "superseded_at IS NULL AND valid_to IS NULL"
_OPEN_ONLY = {"sqlite_where": text(_OPEN), "postgresql_where": text(_OPEN)}
"""The partial-index condition of an index over the open versions only (one current version per record)."""


@cache
def versions_table(entity: str) -> Table:
    """``<entity>_versions``: append-only versions with valid time and recorded time."""
    name = f"{entity}_versions"
    return Table(
        name,
        METADATA,
        Column("version_id", Id, primary_key=True, autoincrement=True),
        Column("record_key", String(200), nullable=False),
        Column("source_vendor", String(64), nullable=False),
        Column("source_feed", String(64), nullable=False),
        Column("valid_from", Date, nullable=False),
        Column("valid_to", Date, nullable=True),
        Column("recorded_at", Utc, nullable=False),
        Column("superseded_at", Utc, nullable=True),
        # file ids of the ledger, without a per-row foreign key check (migration 0012 says why): the merge writes
        # its own intake's ledger row, inserted in the same transaction, and ledger rows are never deleted
        Column("superseded_by_file_id", BigInteger, nullable=True),
        Column("source_file_id", BigInteger, nullable=False),
        Column("source_row", Integer, nullable=True),
        Column("source_business_date", Date, nullable=True),
        Column("schema_version", String(20), nullable=False),
        Column("mapping_version", String(40), nullable=True),
        *value_columns(entity),
        Index(None, "record_key"),  # every version of a key: history, changes, supersede of closed versions
        Index(None, "recorded_at"),
        # One open current version per vendor record: a second concurrent writer fails instead of forking.
        Index(f"uq_{name}_open", "source_vendor", "record_key", unique=True, **_OPEN_ONLY),
        # The open versions of some employees (a pay run reads only the people of its period).
        *([Index(f"ix_{name}_open_employee", "employee_id", **_OPEN_ONLY)]
          if any(c.name == "employee_id" and not c.pii_kind for c in entity_columns(entity)) else []),
        *(Index(f"ix_{name}_{suffix}", *columns, **(_OPEN_ONLY if open_only else {}))
          for suffix, columns, open_only in LOOKUPS.get(entity, ())),
    )


LOOKUPS: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]] = {
    # a pay run reads the register lines of its people (by file number), when each check date last changed, and
    # whether a batch it sent is on a register
    "payroll_register_line": (
        ("open_file", ("payroll_file_number", "payroll_company_code", "check_date", "line_type", "amount"), True),
        ("check", ("check_date", "payroll_company_code", "recorded_at"), False),
        ("open_batch", ("batch_id",), True),
    ),
}
"""Indexes of one entity's versions beyond every entity's: (name suffix, columns, open versions only)."""


VERSIONED_ENTITIES: tuple[str, ...] = tuple(e for e in ENTITIES if e not in NOT_VERSIONED)
for _entity in VERSIONED_ENTITIES:
    versions_table(_entity)
