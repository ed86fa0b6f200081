"""The pay book: every pay-data batch built for a company and check date, with its lines and its state.

A batch moves BUILT -> SENT -> ACKNOWLEDGED (a payroll register line carries its Batch ID). Its Batch ID
(``<CO><YYYYMMDD><NN>``) is assigned when it is built and reused on every retry and on a ``REPLACE``; its lines
are the instruction frame it carries (with each line's explanation), so a later run diffs against exactly what
was sent. The book lives in the store (tables ``pay_batch``, ``pay_batch_line``, ``pay_batch_receivable``), not
on a worker's disk: a retry on another worker, the reconciliation and the next period all read the same book.
Saving a batch replaces its lines and receivables in one transaction, so a crash never leaves half a batch.

Example::

    book = PayBook(store)
    latest = book.latest("NWD", date(2026, 3, 20))    # None before the first build
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from leavehub.store.stage_tables import write_rows
from leavehub.store.tables import PAY_BATCH, PAY_BATCH_LINE, PAY_BATCH_RECEIVABLE, versions_table
from schemas.errors import TransientError

__all__ = ["BatchStatus", "PayBatch", "PayBook"]

BatchStatus = Literal["BUILT", "SENT", "ACKNOWLEDGED"]

_LINE_COLUMNS = tuple(c.name for c in PAY_BATCH_LINE.columns if c.name not in ("batch_id", "line_no"))
_RECEIVABLE_COLUMNS = tuple(c.name for c in PAY_BATCH_RECEIVABLE.columns if c.name not in ("batch_id", "line_no"))
_DATES = ("pay_period_start", "pay_period_end", "check_date", "original_period_start", "original_period_end")


@dataclass(frozen=True)
class PayBatch:
    """One pay-data batch: what it carries (``lines``: instruction records, text values) and where it stands."""

    batch_id: str
    company: str
    check_date: str
    period_start: str
    period_end: str
    action: Literal["NEW", "REPLACE"]
    status: BatchStatus
    lines: list[dict[str, Any]] = field(default_factory=list)
    receivables: list[dict[str, Any]] = field(default_factory=list)
    file_name: str = ""
    sha256: str = ""
    sends: int = 0
    inputs_watermark: datetime | None = None  # the newest recorded_at of the pay inputs it was priced from
    rules_digest: str | None = None  # policy + rule tables + premium history it was priced with

    def with_status(self, status: BatchStatus, **changes: Any) -> PayBatch:
        return replace(self, status=status, **changes)


def _text(value: Any) -> Any:
    """A stored value as the book's records carry it: decimals as text, dates ISO, the rest as is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_TYPES = {"hours": pa.decimal128(9, 2), "amount": pa.decimal128(14, 2), "cap_percent": pa.decimal128(7, 4),
          "amount_cents": pa.int64(), **dict.fromkeys(_DATES, pa.date32())}


def _stored_rows(batch_id: str, records: list[dict[str, Any]], names: tuple[str, ...]) -> pa.Table:
    """Records (text values) -> an Arrow table typed as the book's columns (decimal, date, int), one cast per
    column; an empty text is a null. The store's bulk path writes it (COPY on PostgreSQL)."""
    columns = [pa.array([batch_id] * len(records), pa.string()), pa.array(range(1, len(records) + 1), pa.int64())]
    for name in names:
        values = pa.array([None if r.get(name) is None else str(r.get(name)) for r in records], pa.string())
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        if name in _DATES:
            values = pc.utf8_slice_codeunits(values, 0, 10)  # an ISO date-time names its day first
        columns.append(pc.cast(values, _TYPES[name]) if name in _TYPES else values)
    return pa.table(columns, names=["batch_id", "line_no", *names])


class PayBook:
    """The batches of every company and check date, kept in the store."""

    def __init__(self, store: Any) -> None:
        self.engine = store.engine

    def batches(self, company: str | None = None, check_date: date | str | None = None, *,
                before: date | None = None, after: date | None = None, lines: bool = True, lines_of: Any = None,
                rules: tuple[str, ...] = ()) -> list[PayBatch]:
        """The batches (of ``company``, of one check date, or before or after one, when given), oldest first. With
        ``lines_of`` (a select of employee ids, or a list), only those employees' lines are loaded, and the lines
        of the ``rules`` named; receivables are always loaded whole."""
        b = PAY_BATCH.c
        query = select(PAY_BATCH)
        if company is not None:
            query = query.where(b.company == company)
        if check_date is not None:
            query = query.where(b.check_date == _day(check_date))
        if before is not None:
            query = query.where(b.check_date < before)
        if after is not None:
            query = query.where(b.check_date > after)
        with self.engine.connect() as connection:
            heads = connection.execute(query.order_by(b.check_date, b.batch_id)).mappings().all()
            ids = [h["batch_id"] for h in heads]
            by_batch: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
            owed: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
            if lines and ids:
                for table, target, names in ((PAY_BATCH_LINE, by_batch, _LINE_COLUMNS),
                                             (PAY_BATCH_RECEIVABLE, owed, _RECEIVABLE_COLUMNS)):
                    wanted = [table.c.batch_id.in_(ids)]
                    if lines_of is not None and table is PAY_BATCH_LINE:
                        wanted.append(or_(table.c.employee_id.in_(lines_of), table.c.rule.in_(rules)))
                    rows = connection.execute(select(table).where(*wanted)
                                              .order_by(table.c.batch_id, table.c.line_no)).mappings()
                    for row in rows:
                        target[row["batch_id"]].append({n: _text(row[n]) for n in names})
        return [PayBatch(batch_id=h["batch_id"], company=h["company"], check_date=h["check_date"].isoformat(),
                         period_start=h["period_start"].isoformat(), period_end=h["period_end"].isoformat(),
                         action=h["action"], status=h["status"], lines=by_batch[h["batch_id"]],
                         receivables=owed[h["batch_id"]], file_name=h["file_name"], sha256=h["sha256"],
                         sends=h["sends"], inputs_watermark=h["inputs_watermark"],
                         rules_digest=h["rules_digest"]) for h in heads]

    def latest(self, company: str, check_date: date | str) -> PayBatch | None:
        mine = self.batches(company, check_date)
        return mine[-1] if mine else None

    def next_batch_id(self, company: str, check_date: date) -> str:
        b = PAY_BATCH.c
        with self.engine.connect() as connection:
            count = connection.execute(select(func.count()).where(b.company == company,
                                                                  b.check_date == check_date)).scalar_one()
        return f"{company}{check_date:%Y%m%d}{count + 1:02d}"

    def save(self, batch: PayBatch) -> None:
        """Write ``batch`` whole (its header, lines and receivables replace what the book held for its id)."""
        now = datetime.now(UTC)
        head = {"company": batch.company, "check_date": _day(batch.check_date),
                "period_start": _day(batch.period_start), "period_end": _day(batch.period_end),
                "action": batch.action, "status": batch.status, "file_name": batch.file_name,
                "sha256": batch.sha256, "sends": batch.sends, "inputs_watermark": batch.inputs_watermark,
                "rules_digest": batch.rules_digest}
        try:
            with self.engine.begin() as connection:
                b = PAY_BATCH.c
                known = connection.execute(select(b.batch_id).where(b.batch_id == batch.batch_id)).first()
                if known is None:
                    connection.execute(insert(PAY_BATCH).values(batch_id=batch.batch_id, built_at=now, **head))
                else:
                    connection.execute(update(PAY_BATCH).where(b.batch_id == batch.batch_id)
                                       .values(built_at=now, **head))
                for table, records, names in ((PAY_BATCH_LINE, batch.lines, _LINE_COLUMNS),
                                              (PAY_BATCH_RECEIVABLE, batch.receivables, _RECEIVABLE_COLUMNS)):
                    connection.execute(delete(table).where(table.c.batch_id == batch.batch_id))
                    if records:
                        write_rows(connection, table, _stored_rows(batch.batch_id, records, names))
        except IntegrityError as exc:  # a concurrent run built the same Batch ID first: plan again
            raise TransientError(f"pay batch {batch.batch_id} was built concurrently; retry") from exc

    def mark(self, batch_id: str, status: BatchStatus, **changes: Any) -> None:
        """Move a batch to ``status`` (its lines stay), with the header fields given (``file_name`` ...)."""
        stamp = {"SENT": {"sent_at": datetime.now(UTC)}, "ACKNOWLEDGED": {"acknowledged_at": datetime.now(UTC)}}
        with self.engine.begin() as connection:
            connection.execute(update(PAY_BATCH).where(PAY_BATCH.c.batch_id == batch_id)
                               .values(status=status, **stamp.get(status, {}), **changes))

    def acknowledge(self, company: str) -> int:
        """SENT batches of ``company`` whose Batch ID the payroll register carries are ACKNOWLEDGED (payroll
        processed them); one set-based update. Returns how many moved."""
        register = versions_table("payroll_register_line")
        # per SENT batch, one seek on the register's batch index (never a pass over every register line)
        seen = exists().where(register.c.batch_id == PAY_BATCH.c.batch_id, register.c.superseded_at.is_(None),
                              register.c.valid_to.is_(None))
        with self.engine.begin() as connection:
            return connection.execute(
                update(PAY_BATCH).where(PAY_BATCH.c.company == company, PAY_BATCH.c.status == "SENT", seen)
                .values(status="ACKNOWLEDGED", acknowledged_at=datetime.now(UTC))).rowcount

    def sent_people(self, company: str, before: date) -> Any:
        """A select of the employee ids of every line sent for ``company`` on checks before ``before`` (a retro
        diff must look at them even when their leave is gone from the store)."""
        b, ln = PAY_BATCH.c, PAY_BATCH_LINE.c
        return (select(ln.employee_id).join(PAY_BATCH, b.batch_id == ln.batch_id)
                .where(b.company == company, b.check_date < before, b.status != "BUILT"))


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
