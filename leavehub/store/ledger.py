"""The file ledger: every file in or out, what it was, what became of it, and the exactly-once claim.

A file is known by the SHA-256 of its verified plaintext (re-encrypting the same content changes the bytes
received, not the plaintext) and by the vendor's control number. The claim is a row insert against unique
indexes (``content_key``, ``control_key``), never a check-then-insert: two workers claiming the same content
race on the index and exactly one wins; the loser records a DUPLICATE row and posts nothing. An empty CHANGE
file is judged with its business date (an empty file every day is not a duplicate). Outbound batches get
their id and control number when built, so a retried send resends the same batch.

Example::

    arrival = FileArrival("harbor_leave", "leave_periods", "inbound", "LP_20260302.csv.pgp", 18211,
                          sha_bytes, sha_plain, "000123", date(2026, 3, 2), "change", "1.0.0", "3")
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from leavehub.store.tables import CONTROL_NUMBER_SEQUENCE, FILE_LEDGER, OUTBOUND_BATCH
from schemas.codes import FileStatus
from schemas.errors import RowError

__all__ = [
    "FileArrival",
    "FileKind",
    "LedgerEntry",
    "OutboundArtifact",
    "OutboundBatch",
    "aware",
    "build_batch",
    "claim_keys",
    "find_claim_holder",
    "insert_ledger_row",
    "last_sent_watermark",
    "query_ledger",
    "record_send",
    "utc_now",
]

FileKind = Literal["full", "change"]


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive (they are stored in UTC): give them their zone back."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def utc_now() -> datetime:
    """The recorded-time clock: an aware UTC timestamp at microsecond precision."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class FileArrival:
    """What the pipeline knows about a file before applying it (no PII: names, sizes, hashes, dates).

    ``record_count`` (records in the file, when known before staging) lets an empty CHANGE file be judged
    with its business date at claim time; when unknown it is judged after staging.
    """

    vendor: str
    feed: str
    direction: Literal["inbound", "outbound"]
    name: str
    size: int | None
    sha256_received: str | None
    sha256_plaintext: str | None
    control_number: str | None
    business_date: date | None
    file_kind: FileKind | None
    schema_version: str
    mapping_version: str | None
    record_count: int | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger row as the pipeline and reports read it."""

    id: int
    vendor: str
    feed: str
    direction: str
    file_name: str
    status: str
    business_date: date | None
    file_kind: str | None
    size_bytes: int | None
    sha256_received: str | None
    sha256_plaintext: str | None
    control_number: str | None
    records_read: int
    records_applied: int
    records_rejected: int
    errors: list[dict[str, Any]] | None
    schema_version: str | None
    mapping_version: str | None
    batch_id: str | None
    duplicate_of: int | None
    received_at: datetime
    finished_at: datetime | None
    outcomes: dict[str, dict[str, int]] | None = None  # per entity: applied, tie_applied, unchanged, stale, ...

    @classmethod
    def from_row(cls, row: RowMapping) -> LedgerEntry:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        for stamp in ("received_at", "finished_at"):  # SQLite hands back naive UTC
            if values[stamp] is not None and values[stamp].tzinfo is None:
                values[stamp] = values[stamp].replace(tzinfo=UTC)
        return cls(**values)


def claim_keys(arrival: FileArrival, *, empty: bool) -> tuple[str | None, str | None]:
    """(content_key, control_key) that the unique indexes hold while this file owns its content."""
    digest = arrival.sha256_plaintext or arrival.sha256_received
    content = None
    if digest:
        content = f"{arrival.vendor}|{digest}"
        if empty and (arrival.file_kind or "").lower() == "change":
            content += f"@{arrival.business_date.isoformat() if arrival.business_date else 'undated'}"
    control = (f"{arrival.vendor}|{arrival.feed}|{arrival.control_number}"
               if arrival.control_number else None)
    return content, control


def insert_ledger_row(connection: Connection, arrival: FileArrival, status: FileStatus, *,
                      content_key: str | None = None, control_key: str | None = None,
                      errors: list[RowError] | None = None, duplicate_of: int | None = None,
                      counts: tuple[int, int, int] = (0, 0, 0), batch_id: str | None = None,
                      finished: bool = False) -> int:
    """Insert one ledger row and return its id (IntegrityError when a claim key is already held)."""
    now = utc_now()
    result = connection.execute(insert(FILE_LEDGER).values(
        vendor=arrival.vendor, feed=arrival.feed, direction=arrival.direction, file_name=arrival.name,
        size_bytes=arrival.size, sha256_received=arrival.sha256_received,
        sha256_plaintext=arrival.sha256_plaintext, control_number=arrival.control_number,
        business_date=arrival.business_date, file_kind=arrival.file_kind, status=status,
        records_read=counts[0], records_applied=counts[1], records_rejected=counts[2],
        errors=[e.as_dict() for e in errors] if errors is not None else None,
        schema_version=arrival.schema_version, mapping_version=arrival.mapping_version, batch_id=batch_id,
        duplicate_of=duplicate_of, content_key=content_key, control_key=control_key,
        received_at=now, finished_at=now if finished else None,
    ))
    return int(result.inserted_primary_key[0])


def find_claim_holder(connection: Connection, content_key: str | None, control_key: str | None) -> int | None:
    """The ledger id that holds either claim key, if any."""
    conditions = [c for c in (FILE_LEDGER.c.content_key == content_key if content_key else None,
                              FILE_LEDGER.c.control_key == control_key if control_key else None) if c is not None]
    if not conditions:
        return None
    return connection.execute(
        select(func.min(FILE_LEDGER.c.id)).where(or_(*conditions))).scalar_one_or_none()


def query_ledger(connection: Connection, *, file_id: int | None = None, vendor: str | None = None,
                 feed: str | None = None, status: str | None = None, business_date: date | None = None,
                 name_suffix: str | None = None, limit: int | None = None) -> list[LedgerEntry]:
    """Ledger rows matching every filter given (``name_suffix``: how the file name ends), newest first."""
    query = select(FILE_LEDGER)
    for column, value in (("id", file_id), ("vendor", vendor), ("feed", feed), ("status", status),
                          ("business_date", business_date)):
        if value is not None:
            query = query.where(FILE_LEDGER.c[column] == value)
    if name_suffix is not None:
        query = query.where(FILE_LEDGER.c.file_name.endswith(name_suffix, autoescape=True))
    query = query.order_by(FILE_LEDGER.c.id.desc()).limit(limit)
    return [LedgerEntry.from_row(row) for row in connection.execute(query).mappings()]


# -- outbound ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundArtifact:
    """The built file of a batch, kept in the store until SENT: ``content`` is the OpenPGP file as it goes on the
    wire, or (``sealed``) the plaintext file sealed under the deployment's "outbox" key."""

    batch_id: str
    file_name: str
    business_date: date
    record_count: int
    sha256_sent: str
    sha256_plaintext: str
    x12_control_number: int | None
    sealed: bool
    content: bytes


@dataclass(frozen=True)
class OutboundBatch:
    """A batch to send: its id and control number are fixed when built, so a retry resends the same batch.

    The rows it carries are the changes recorded in ``(previous_watermark, watermark]``.
    """

    batch_id: str
    vendor: str
    feed: str
    control_number: int
    watermark: datetime | None
    previous_watermark: datetime | None
    status: str
    record_count: int | None = None
    file_id: int | None = field(default=None)

    @classmethod
    def from_row(cls, row: RowMapping) -> OutboundBatch:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        for stamp in ("watermark", "previous_watermark"):
            if values[stamp] is not None and values[stamp].tzinfo is None:
                values[stamp] = values[stamp].replace(tzinfo=UTC)
        return cls(**values)


def build_batch(connection: Connection, vendor: str, feed: str, *, watermark: datetime | None,
                record_count: int | None = None, scope: Literal["feed", "vendor"] = "feed",
                sequence: str | None = None) -> OutboundBatch:
    """The unsent batch for vendor/feed if one exists (a retry), else a new one with the next control number.

    Control numbers come from one row per ``sequence`` in ``control_number_sequence`` (default: ``vendor/feed``,
    or the vendor with ``scope="vendor"``; an X12 feed names its interchange's ``sender>receiver``). The row is
    locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock is taken at BEGIN), so builders of
    one sequence queue: each number is handed out once and numbers only go up, whichever feed or process asks.
    A missing row is created from the highest number already used; two first builders racing to create it get
    an ``IntegrityError`` for one of them, which retries.

    ``scope="vendor"``: the vendor's feeds share one baseline: the previous watermark is that of the last batch
    sent on ANY of them (a weekly full file restates what the daily change files then build on)."""
    b = OUTBOUND_BATCH
    seq = CONTROL_NUMBER_SEQUENCE
    key = sequence or (f"{vendor}/{feed}" if scope == "feed" else vendor)
    last = connection.execute(select(seq.c.last_number).where(seq.c.sequence_key == key)
                              .with_for_update()).scalar_one_or_none()
    if last is None:
        last = connection.execute(
            select(func.coalesce(func.max(b.c.control_number), 0)).where(
                b.c.vendor == vendor, *([b.c.feed == feed] if scope == "feed" else []))).scalar_one()
        connection.execute(insert(seq).values(sequence_key=key, last_number=last, updated_at=utc_now()))
    pending = connection.execute(
        select(b).where(b.c.vendor == vendor, b.c.feed == feed, b.c.status == "BUILT")
        .order_by(b.c.id.desc()).limit(1)).mappings().first()
    if pending is not None:
        return OutboundBatch.from_row(pending)
    previous = last_sent_watermark(connection, vendor, feed if scope == "feed" else None)
    number = int(last) + 1
    connection.execute(update(seq).where(seq.c.sequence_key == key).values(last_number=number,
                                                                           updated_at=utc_now()))
    row = {"batch_id": uuid.uuid4().hex, "vendor": vendor, "feed": feed, "control_number": number,
           "watermark": watermark, "previous_watermark": previous, "record_count": record_count,
           "status": "BUILT", "built_at": utc_now()}
    connection.execute(insert(b).values(**row))
    return OutboundBatch(**{k: row[k] for k in OutboundBatch.__dataclass_fields__ if k in row})


def set_batch_record_count(connection: Connection, batch_id: str, record_count: int) -> None:
    """Record how many rows a built batch carries (known once its file is written, before it is sent)."""
    connection.execute(update(OUTBOUND_BATCH).where(OUTBOUND_BATCH.c.batch_id == batch_id)
                       .values(record_count=record_count))


def record_send(connection: Connection, batch_id: str, *, file_name: str, size: int | None,
                sha256_sent: str | None, sha256_plaintext: str | None, business_date: date | None,
                schema_version: str, mapping_version: str | None) -> int:
    """Ledger row SENT for the batch and the batch marked sent; sending the same batch again returns its row."""
    b = OUTBOUND_BATCH
    batch = connection.execute(select(b).where(b.c.batch_id == batch_id)).mappings().one()
    if batch["status"] == "SENT" and batch["file_id"] is not None:
        return int(batch["file_id"])
    arrival = FileArrival(batch["vendor"], batch["feed"], "outbound", file_name, size, sha256_sent,
                          sha256_plaintext, str(batch["control_number"]), business_date, None,
                          schema_version, mapping_version, batch["record_count"])
    file_id = insert_ledger_row(connection, arrival, "SENT", batch_id=batch_id, finished=True,
                                counts=(0, batch["record_count"] or 0, 0))
    connection.execute(update(b).where(b.c.batch_id == batch_id)
                       .values(status="SENT", sent_at=utc_now(), file_id=file_id))
    return file_id



def last_sent_watermark(connection: Connection, vendor: str, feed: str | None) -> datetime | None:
    """The newest watermark among the batches already sent to vendor/feed (any of its feeds with None)."""
    b = OUTBOUND_BATCH
    return aware(connection.execute(
        select(func.max(b.c.watermark)).where(b.c.vendor == vendor, b.c.status == "SENT",
                                              *([b.c.feed == feed] if feed is not None else []))
    ).scalar_one_or_none())
