"""Inbound: one received file -> canonical records in the store, all or nothing.

    verify (OpenPGP, when the vendor signs) -> read in chunks -> map -> validate -> stage -> commit | quarantine

Memory does not grow with file size: chunks stream into staging inside ONE store transaction, which commits only
when the whole file is valid. One bad row rejects the whole file; every bad row is listed in the quarantine report
(row, field, reason, value class - never a value) and the run fails with ``ValidationFailed``. A file whose
verified content was already received is recorded as DUPLICATE and posts nothing.

Example::

    receipt = receive_file(load_feed("harbor_leave.absences"), Path("HARBOR_ABSENCE_20261120.csv"), store=store)
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from leavehub.pipeline.exchange import ConnectionResolver, resolve_connection
from leavehub.pipeline.feeds import Feed
from leavehub.pipeline.quarantine import quarantine
from schemas.errors import DuplicateInput, RejectedInput, RowError, ValidationFailed

__all__ = ["Plaintext", "Receipt", "receive_file", "sha256_file", "verified_plaintext"]

log = logging.getLogger(__name__)
CHUNK_ROWS = 100_000


@dataclass
class Receipt:
    """What happened to one inbound file."""

    feed: str
    file: str
    status: str  # APPLIED | DUPLICATE | REJECTED
    business_date: date | None
    records: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    quarantine_report: Path | None = None
    ledger_id: int | None = None


def sha256_file(path: Path, bufsize: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(bufsize):
            digest.update(block)
    return digest.hexdigest()


def business_date_of(feed: Feed, name: str, default: date | None) -> date | None:
    """The business date a file name carries (vendor.yaml's pattern), else ``default``."""
    pattern = feed.spec.file_pattern
    matched = pattern.match(name) if pattern is not None else None
    return matched.business_date if matched is not None and matched.business_date else default


@dataclass(frozen=True)
class Plaintext:
    """A received file's verified content: how to read it, and the hashes the ledger knows it by."""

    name: str
    size: int
    sha256_received: str
    sha256_plaintext: str
    arrived_encrypted: bool
    open: Callable[[], BinaryIO]


@contextlib.contextmanager
def verified_plaintext(feed: Feed, path: Path, connections: ConnectionResolver | None = None
                       ) -> Iterator[Plaintext]:
    """Verify ``path`` (OpenPGP, when the vendor signs) BEFORE a byte is parsed; yield its plaintext.

    The plaintext stays encrypted at rest in a staging area that is removed when the block ends.
    """
    size = path.stat().st_size
    pgp = getattr(feed.vendor, "pgp", None)
    if pgp is None or not pgp.verify:
        digest = sha256_file(path)
        yield Plaintext(path.name, size, digest, digest, False, lambda: path.open("rb"))
        return
    from connectors.pgp import PgpKeys, decrypt_verify
    from connectors.staging import StagingArea

    keys = PgpKeys.from_connection((connections or resolve_connection)(pgp.connection_id))
    with StagingArea(base_dir=work_dir(feed)) as staging:
        verified = decrypt_verify(path, staging.path("verified.plain"), keys=keys, staging_key=staging.key)
        yield Plaintext(path.name, size, verified.sha256_received, verified.sha256_plaintext, True, verified.open)


def work_dir(feed: Feed) -> Path:
    """Private scratch space under LEAVEHUB_HOME (encrypted staging, downloads); never the system temp folder."""
    from leavehub.pipeline.at_rest import private_dir

    return private_dir(feed.settings.home / "work", under=feed.settings.home)


def _with_record_key(frame: Any, natural_key: tuple[str, ...]) -> Any:
    """Add the ``record_key`` column: the natural key fields joined with '|' (vectorized)."""
    import pandas as pd
    import pyarrow as pa

    parts = [frame[name].astype(pd.ArrowDtype(pa.string())).fillna("") for name in natural_key]
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    out = frame.copy(deep=False)
    out["record_key"] = key
    return out


def receive_file(feed: Feed, path: Path, *, store: Any, business_date: date | None = None,
                 connections: ConnectionResolver | None = None, pulled: Plaintext | None = None,
                 progress: Callable[[int], None] | None = None) -> Receipt:
    """Post one inbound file. Raises ``RejectedInput`` (after quarantining) when any row is bad.

    ``pulled`` is content already in hand and trusted by its transport (an API pull staged encrypted at
    ``path``); otherwise ``path`` is verified first.
    """
    from connectors.formats import read_chunks
    from leavehub.store import FileArrival
    from schemas.models import ENTITIES
    from schemas.version import SCHEMA_VERSION

    path = Path(path)
    sha_received = ""
    bday = business_date_of(feed, path.name, business_date)
    supersede = feed.spec.supersede.rule
    receipt = Receipt(feed=feed.id, file=path.name, status="RECEIVED", business_date=bday)
    errors: list[RowError] = []
    arrived_encrypted = False
    intake: Any = None
    try:
        opened = contextlib.nullcontext(pulled) if pulled else verified_plaintext(feed, path, connections)
        with opened as plain:
            sha_received, arrived_encrypted = plain.sha256_received, plain.arrived_encrypted
            with plain.open() as stream:
                chunks = read_chunks(feed.layout, stream, name=path.name, chunk_rows=CHUNK_ROWS)
                first = next(chunks, None)
                empty = first is None or len(first.frame) == 0
                arrival = FileArrival(
                    vendor=feed.vendor.vendor, feed=feed.name, direction="inbound", name=plain.name,
                    size=plain.size, sha256_received=plain.sha256_received,
                    sha256_plaintext=plain.sha256_plaintext,
                    control_number=None, business_date=bday, file_kind=str(feed.spec.file_kind),
                    schema_version=SCHEMA_VERSION, mapping_version=feed.mapping_version,
                    record_count=0 if empty else None,
                )
                with store.intake(arrival) as intake:
                    receipt.ledger_id = intake.file_id
                    grouped: dict[str, list[Any]] = {}  # partial groups per chunk, finished per file
                    for chunk in _chain(first, chunks):
                        mapped = feed.mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=bday,
                                                   line_of=chunk.line_of)
                        errors += list(chunk.row_errors) + mapped.errors
                        if not errors:
                            for entity, frame in mapped.frames.items():
                                if entity in feed.mapper.grouped:
                                    grouped.setdefault(entity, []).append(frame)
                                    continue
                                keyed = _with_record_key(frame, ENTITIES[entity].natural_key)
                                intake.stage(entity, keyed, supersede)
                                receipt.records[entity] = receipt.records.get(entity, 0) + len(frame)
                        if progress:
                            progress(len(chunk.frame))
                    for entity, frames in grouped.items():
                        frame, group_errors = feed.mapper.combine(entity, frames)
                        errors += group_errors
                        if not errors:
                            intake.stage(entity, _with_record_key(frame, ENTITIES[entity].natural_key), supersede)
                            receipt.records[entity] = receipt.records.get(entity, 0) + len(frame)
                    if errors:
                        errors.sort(key=lambda e: (e.row or 0, e.field or ""))
                        intake.reject(errors)
                        raise ValidationFailed(f"{len(errors)} bad value(s); the whole file is rejected",
                                               file=path.name, errors=errors)
    except DuplicateInput as dup:
        log.info("%s: %s is a duplicate of ledger entry %s; nothing posted", feed.id, path.name,
                 dup.original_file_id)
        receipt.status = "DUPLICATE"
        return receipt
    except RejectedInput as exc:
        if not exc.file:
            exc.file = path.name
        if intake is not None:  # the claimed RECEIVED row was rolled back; the intake recorded a new row
            receipt.ledger_id = intake.file_id
        sha_received = sha_received or sha256_file(path)
        if receipt.ledger_id is None:  # rejected before the store saw it (signature, layout): ledger it too
            receipt.ledger_id = _ledger_rejection(store, feed, path, bday, sha_received, exc)
        entry = quarantine(feed.settings.quarantine_dir, path, feed_id=feed.id, error=exc,
                           arrived_encrypted=arrived_encrypted, sha256_received=sha_received,
                           ledger_id=receipt.ledger_id, content=pulled.open if pulled else None)
        if receipt.ledger_id is not None:
            store.mark_quarantined(receipt.ledger_id)
        receipt.status = "REJECTED"
        receipt.errors = max(len(exc.errors), 1)
        receipt.quarantine_report = entry.report
        log.error("%s: %s rejected (%s: %s); quarantined with report %s", feed.id, path.name,
                  type(exc).__name__, exc.reason, entry.report)
        exc.receipt = receipt  # type: ignore[attr-defined]
        raise
    receipt.status = "APPLIED"
    log.info("%s: %s applied %s", feed.id, path.name, receipt.records)
    return receipt


def _ledger_rejection(store: Any, feed: Feed, path: Path, bday: date | None, sha_received: str,
                      exc: RejectedInput) -> int | None:
    """Record a file the store never staged (bad signature, unreadable layout) as REJECTED in the ledger."""
    from leavehub.store import FileArrival
    from schemas.version import SCHEMA_VERSION

    arrival = FileArrival(vendor=feed.vendor.vendor, feed=feed.name, direction="inbound", name=path.name,
                          size=path.stat().st_size, sha256_received=sha_received, sha256_plaintext=None,
                          control_number=None, business_date=bday, file_kind=str(feed.spec.file_kind),
                          schema_version=SCHEMA_VERSION, mapping_version=feed.mapping_version)
    intake = None
    try:
        with store.intake(arrival) as intake:
            raise exc
    except RejectedInput:
        return intake.file_id if intake is not None else None  # the intake recorded the rejection's row
    except DuplicateInput:
        return None


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
        yield from rest
