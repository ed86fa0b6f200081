"""X12 transaction sets in the store: each one sent, and the status the partner's TA1/999 gave it.

A set is recorded ``SENT`` with the ledger row of the file that carried it. An acknowledgement sets its status
from the 999 (IK5: A accepted, E accepted with errors, P partially accepted, R rejected; a TA1 that rejects
the whole interchange rejects every set in it) and keeps the IK3/IK4 errors (segment, position, loop,
element, codes - never a value). A rejected or partially accepted set marks the file's ledger row
``REJECTED``, so the next send for that business date builds a new batch: corrected data, NEW control
numbers. A set still ``SENT`` past the vendor's window is overdue; it is reported (and alerted) once.

Example::

    record_sent(engine, vendor="summit_mutual", feed="enrollment_full", batch_id=b, file_id=7,
                business_date=day, control_number=42)
    outcomes = apply_acknowledgement(engine, "summit_mutual", ack, ack_file_id=9)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from leavehub.store.ledger import aware, utc_now
from leavehub.store.tables import FILE_LEDGER, OUTBOUND_BATCH, X12_TRANSACTION_SET

__all__ = ["SET_STATUS", "SetOutcome", "TransactionSet", "apply_acknowledgement", "mark_overdue", "record_sent",
           "transaction_sets"]

SET_STATUS = {"A": "ACCEPTED", "E": "ACCEPTED_WITH_ERRORS", "P": "PARTIALLY_ACCEPTED", "R": "REJECTED"}
RESEND = frozenset({"PARTIALLY_ACCEPTED", "REJECTED"})


@dataclass(frozen=True)
class TransactionSet:
    """One sent set as the store holds it."""

    vendor: str
    feed: str
    batch_id: str
    file_id: int
    business_date: date | None
    control_number: int
    set_control: str
    status: str
    interchange_status: str | None
    errors: list[dict[str, Any]] | None
    sent_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class SetOutcome:
    """What one acknowledgement did to one set (``known`` False: it answers a set we have no record of)."""

    control_number: int
    set_control: str
    status: str
    known: bool
    resend: bool


def record_sent(engine: Engine, *, vendor: str, feed: str, batch_id: str, file_id: int,
                business_date: date | None, control_number: int,
                set_controls: tuple[str, ...] = ("0001",)) -> None:
    """Record the sets of a file just sent (a resend of the same batch records nothing new)."""
    t = X12_TRANSACTION_SET
    with engine.begin() as connection:
        known = set(connection.execute(select(t.c.set_control).where(
            t.c.vendor == vendor, t.c.control_number == control_number)).scalars())
        now = utc_now()
        for set_control in set_controls:
            if set_control not in known:
                connection.execute(insert(t).values(
                    vendor=vendor, feed=feed, batch_id=batch_id, file_id=file_id, business_date=business_date,
                    control_number=control_number, set_control=set_control, status="SENT", sent_at=now))


def apply_acknowledgement(engine: Engine, vendor: str, ack: Any, *, ack_file_id: int | None) -> list[SetOutcome]:
    """Set each acknowledged set's status from ``ack`` (a connectors.formats.x12.Acknowledgement)."""
    t = X12_TRANSACTION_SET
    outcomes: list[SetOutcome] = []
    now = utc_now()
    with engine.begin() as connection:
        for interchange in ack.interchanges:
            values: dict[str, Any] = {"interchange_status": interchange.status}
            if interchange.status == "R":  # the whole interchange refused: no 999 will speak for its sets
                values.update(status="REJECTED", acknowledged_at=now, ack_file_id=ack_file_id,
                              errors=[{"segment_id": "ISA", "code": interchange.note_code}])
            connection.execute(update(t).where(t.c.vendor == vendor,
                                               t.c.control_number == interchange.control_number).values(**values))
            if interchange.status == "R":
                outcomes += _outcomes(connection, vendor, interchange.control_number)
        for group in ack.groups:
            answered = {s.set_control for s in group.sets}
            for one in group.sets:
                status = SET_STATUS[one.status]
                if group.status == "P" and one.status == "E":  # a set with errors in a partially accepted group
                    status = "PARTIALLY_ACCEPTED"
                result = connection.execute(update(t).where(
                    t.c.vendor == vendor, t.c.control_number == group.group_control,
                    t.c.set_control == one.set_control).values(
                    status=status, errors=[e.as_dict() for e in one.errors] or None, acknowledged_at=now,
                    ack_file_id=ack_file_id))
                outcomes.append(SetOutcome(group.group_control, one.set_control, status, result.rowcount > 0,
                                           status in RESEND))
            if group.status == "R":  # AK9 R without an AK2 for a set: that set is rejected too
                for row in connection.execute(select(t.c.set_control).where(
                        t.c.vendor == vendor, t.c.control_number == group.group_control,
                        t.c.status == "SENT")).scalars():
                    if row not in answered:
                        connection.execute(update(t).where(
                            t.c.vendor == vendor, t.c.control_number == group.group_control,
                            t.c.set_control == row).values(status="REJECTED", acknowledged_at=now,
                                                           ack_file_id=ack_file_id))
                        outcomes.append(SetOutcome(group.group_control, row, "REJECTED", True, True))
        resend = {o.control_number for o in outcomes if o.resend and o.known}
        if resend:
            files = select(t.c.file_id).where(t.c.vendor == vendor, t.c.control_number.in_(resend))
            connection.execute(update(FILE_LEDGER).where(FILE_LEDGER.c.id.in_(files),
                                                         FILE_LEDGER.c.status == "SENT").values(status="REJECTED"))
            # ... and its batch no longer counts as sent: the next change file diffs from the last good one
            batches = select(t.c.batch_id).where(t.c.vendor == vendor, t.c.control_number.in_(resend))
            connection.execute(update(OUTBOUND_BATCH).where(OUTBOUND_BATCH.c.batch_id.in_(batches))
                               .values(status="REJECTED"))
    return outcomes


def _outcomes(connection: Any, vendor: str, control_number: int) -> list[SetOutcome]:
    t = X12_TRANSACTION_SET
    rows = connection.execute(select(t.c.set_control, t.c.status).where(
        t.c.vendor == vendor, t.c.control_number == control_number)).all()
    return [SetOutcome(control_number, r.set_control, r.status, True, r.status in RESEND) for r in rows]


def _set(row: Any) -> TransactionSet:
    values = {k: row[k] for k in TransactionSet.__dataclass_fields__}
    return TransactionSet(**{**values, "sent_at": aware(row["sent_at"]),
                             "acknowledged_at": aware(row["acknowledged_at"])})


def transaction_sets(engine: Engine, vendor: str, *, control_number: int | None = None) -> list[TransactionSet]:
    """The vendor's sets, newest first (one interchange's with ``control_number``)."""
    t = X12_TRANSACTION_SET
    query = select(t).where(t.c.vendor == vendor)
    if control_number is not None:
        query = query.where(t.c.control_number == control_number)
    with engine.connect() as connection:
        return [_set(row) for row in connection.execute(query.order_by(t.c.id.desc())).mappings()]


def mark_overdue(engine: Engine, vendor: str, *, now: datetime, within: timedelta) -> list[TransactionSet]:
    """Sets still SENT longer than ``within`` and not reported before; marks them reported and returns them."""
    t = X12_TRANSACTION_SET
    with engine.begin() as connection:
        rows = connection.execute(select(t).where(
            t.c.vendor == vendor, t.c.status == "SENT", t.c.sent_at <= now - within,
            t.c.overdue_alerted_at.is_(None)).order_by(t.c.id)).mappings().all()
        if rows:
            connection.execute(update(t).where(t.c.id.in_([r["id"] for r in rows])).values(overdue_alerted_at=now))
    return [_set(row) for row in rows]
