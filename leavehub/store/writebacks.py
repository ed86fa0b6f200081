"""Write-back updates in the store: each update an outbound API feed built, and what the vendor answered.

An update is recorded ``PENDING`` with its Idempotency-Key and exact body when its batch is built, BEFORE it is
sent; the vendor's answer then makes it ``APPLIED`` (2xx), ``SUPERSEDED`` (409: the vendor holds a newer one)
or ``REJECTED`` (422: the fields and reasons, never a value). A run that crashes mid-batch leaves the rest
``PENDING``; the next run sends those first, with the same keys and bodies, so the vendor replays what it had
already applied instead of applying it twice.

Example::

    record_built(engine, vendor="northwind_hris", feed="leave_status", batch_id=b, business_date=day,
                 updates=[NewUpdate(key, "W000001", date(2026, 11, 2), body)])
    for update in pending_updates(engine, "northwind_hris", "leave_status"): ...
    record_answer(engine, key, "APPLIED", http_status=201, vendor_ref="LSU-000001")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import Engine, func, insert, select, update

from leavehub.store.ledger import utc_now
from leavehub.store.tables import WRITEBACK_UPDATE

__all__ = ["Answer", "LastSent", "NewUpdate", "StoredUpdate", "last_sent", "pending_updates", "record_answer",
           "record_built", "updates"]

Answer = Literal["APPLIED", "SUPERSEDED", "REJECTED"]


@dataclass(frozen=True)
class NewUpdate:
    """An update to record as built: its key (fixed from now on), subject, effective date and request body."""

    idempotency_key: str
    employee_id: str
    effective_date: date
    body: dict[str, Any]


@dataclass(frozen=True)
class StoredUpdate:
    """One recorded update and the vendor's answer so far."""

    idempotency_key: str
    batch_id: str
    employee_id: str
    effective_date: date
    body: dict[str, Any]
    business_date: date
    status: str
    http_status: int | None
    vendor_ref: str | None
    errors: list[dict[str, str]] | None
    attempts: int


@dataclass(frozen=True)
class LastSent:
    """Per subject: the body the vendor last applied, the body last attempted (any answer) and its key."""

    applied: dict[str, Any] | None
    attempted: dict[str, Any] | None
    key: str | None


def _stored(row: Any) -> StoredUpdate:
    return StoredUpdate(**{name: row[name] for name in StoredUpdate.__dataclass_fields__})


def record_built(engine: Engine, *, vendor: str, feed: str, batch_id: str, business_date: date,
                 updates: list[NewUpdate]) -> int:
    """Record a batch's updates PENDING in one transaction; a key already recorded is left as it is."""
    t = WRITEBACK_UPDATE
    now = utc_now()
    with engine.begin() as connection:
        known = set(connection.execute(select(t.c.idempotency_key).where(
            t.c.idempotency_key.in_([u.idempotency_key for u in updates]))).scalars()) if updates else set()
        rows = [{"vendor": vendor, "feed": feed, "batch_id": batch_id, "idempotency_key": u.idempotency_key,
                 "employee_id": u.employee_id, "effective_date": u.effective_date, "body": u.body,
                 "business_date": business_date, "status": "PENDING", "attempts": 0, "built_at": now}
                for u in updates if u.idempotency_key not in known]
        if rows:
            connection.execute(insert(t), rows)
    return len(rows)


def pending_updates(engine: Engine, vendor: str, feed: str) -> list[StoredUpdate]:
    """Updates built but not yet answered, in the order they must be sent (per subject, oldest date first)."""
    t = WRITEBACK_UPDATE
    with engine.connect() as connection:
        rows = connection.execute(select(t).where(t.c.vendor == vendor, t.c.feed == feed, t.c.status == "PENDING")
                                  .order_by(t.c.employee_id, t.c.effective_date, t.c.id)).mappings().all()
    return [_stored(r) for r in rows]


def updates(engine: Engine, vendor: str, feed: str, *, batch_id: str | None = None) -> list[StoredUpdate]:
    """Every recorded update of vendor/feed (one batch's with ``batch_id``), in the order they were built."""
    t = WRITEBACK_UPDATE
    query = select(t).where(t.c.vendor == vendor, t.c.feed == feed)
    if batch_id is not None:
        query = query.where(t.c.batch_id == batch_id)
    with engine.connect() as connection:
        return [_stored(r) for r in connection.execute(query.order_by(t.c.id)).mappings().all()]


def last_sent(engine: Engine, vendor: str, feed: str) -> dict[str, LastSent]:
    """Per subject, what the vendor last accepted and what was last attempted: the baseline of "changed"."""
    t = WRITEBACK_UPDATE
    answered = select(t.c.employee_id, t.c.status, t.c.body, t.c.idempotency_key, t.c.id).where(
        t.c.vendor == vendor, t.c.feed == feed)
    latest_applied = select(t.c.employee_id, func.max(t.c.id).label("id")).where(
        t.c.vendor == vendor, t.c.feed == feed, t.c.status == "APPLIED").group_by(t.c.employee_id)
    latest_any = select(t.c.employee_id, func.max(t.c.id).label("id")).where(
        t.c.vendor == vendor, t.c.feed == feed).group_by(t.c.employee_id)
    out: dict[str, LastSent] = {}
    with engine.connect() as connection:
        applied_ids = {r.id for r in connection.execute(latest_applied)}
        wanted = applied_ids | {r.id for r in connection.execute(latest_any)}
        rows = connection.execute(answered.where(t.c.id.in_(wanted)).order_by(t.c.id)).mappings().all() \
            if wanted else []
    for row in rows:  # ascending id: the latest attempt comes last
        seen = out.get(row["employee_id"], LastSent(None, None, None))
        applied = row["body"] if row["id"] in applied_ids else seen.applied
        out[row["employee_id"]] = LastSent(applied, row["body"], row["idempotency_key"])
    return out


def record_answer(engine: Engine, idempotency_key: str, status: Answer, *, http_status: int | None,
                  vendor_ref: str | None = None, errors: list[dict[str, str]] | None = None) -> None:
    """The vendor's answer to one update (the attempt counted)."""
    t = WRITEBACK_UPDATE
    with engine.begin() as connection:
        connection.execute(update(t).where(t.c.idempotency_key == idempotency_key).values(
            status=status, http_status=http_status, vendor_ref=vendor_ref, errors=errors,
            attempts=t.c.attempts + 1, answered_at=utc_now()))
