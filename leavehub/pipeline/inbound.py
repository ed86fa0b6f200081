"""Inbound: one received file (or API pull) -> canonical records in the store, all or nothing, as explicit steps.

    verify                 verified_plaintext   OpenPGP, when the vendor signs -> the plaintext, or SignatureError
                                                (a run's files share one Verifier: one OpenPGP session)
    read + map + validate  map_and_stage        chunks -> mapped, validated, keyed, staged; or a Rejection
    apply                  apply_chunks         ONE intake: APPLIED | DUPLICATE, or the Rejection in the ledger
    quarantine             quarantine_file      ledger REJECTED -> QUARANTINED, the file kept, a report

``receive_file`` (a file), ``receive_pull`` (an API pull, whose pages go to the JSON reader as records) and
``pipeline.file_sets`` (several files joined into one arrival) are these steps in order; ``content_outcome``
turns whatever content provokes into a Rejection, ``file_arrival`` is what the ledger is told of an arrival.

Memory does not grow with file size: chunks stream into staging inside ONE store transaction, which commits only
when the whole file is valid. One bad row rejects the whole file; every bad row is listed in the quarantine report
(row, line, field, reason, value class - never a value). A file whose verified content was already received is
recorded as DUPLICATE and posts nothing.

Bad content is an outcome, not an exception: whatever a file holds (a bad signature, a layout that does not
parse, a value no rule expected, even an exception the readers did not foresee), ``receive_file`` returns a
``Receipt`` and the run goes on to the next file. Only what the caller cannot handle - a transport or store
failure, broken configuration - is raised. An unforeseen exception is reported by its class only: its text may
quote the value.

Example::

    receipt = receive_file(load_feed("harbor_leave.absences"), Path("HARBOR_ABSENCE_20261120.csv"), store=store)
    receipt.status   # "APPLIED" | "DUPLICATE" | "REJECTED"
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from leavehub.mapping.drift import Drift, merge_drift
from leavehub.pipeline.at_rest import sha256_file, work_dir
from leavehub.pipeline.exchange import ConnectionResolver, resolve_connection
from leavehub.pipeline.feeds import FeedPlan
from leavehub.pipeline.outcome import Receipt, Rejection
from leavehub.pipeline.quarantine import quarantine
from schemas.errors import DuplicateInput, LeaveHubError, RejectedInput, RowError

__all__ = ["CHUNK_ROWS", "Plaintext", "Verifier", "apply_chunks", "apply_plaintext", "apply_pull",
           "business_date_of", "content_outcome", "file_arrival", "map_and_stage", "new_columns",
           "quarantine_file", "receive_file", "receive_pull", "sealed_download", "sends_plaintext",
           "verified_plaintext", "warn_drift", "with_lines"]

log = logging.getLogger(__name__)
CHUNK_ROWS = 100_000
PULL_CHUNK_ROWS = 20_000  # an API pull's records are objects in memory, not bytes: a smaller chunk bounds them


def business_date_of(feed: FeedPlan, name: str, default: date | None) -> date | None:
    """The business date a file name carries (vendor.yaml's pattern, or a file set's), else ``default``."""
    spec = feed.spec
    patterns = [spec.file_pattern] if spec.file_pattern is not None else list((spec.file_set or {}).values())
    for pattern in patterns:
        matched = pattern.match(name)
        if matched is not None:
            return matched.business_date or default
    return default


@dataclass(frozen=True)
class Plaintext:
    """A received file's verified content: how to read it, and the hashes the ledger knows it by."""

    name: str
    size: int
    sha256_received: str
    sha256_plaintext: str
    arrived_encrypted: bool
    open: Callable[[], BinaryIO]


class Verifier:
    """Checks the files one run receives against the vendor's OpenPGP keys, in ONE session for the whole run.

    The connection is resolved and the keys imported (and the gpg-agent started) once, at the first file that
    needs them - a run with nothing waiting starts nothing; each file is still judged on its own (signature,
    signer fingerprint, key expiry, plaintext limit). Closing it stops the agent and removes the keys.

    Example::

        with Verifier(feed) as verifier:
            for path in files:
                receive_file(feed, path, store=store, verifier=verifier)
    """

    def __init__(self, feed: FeedPlan, connections: ConnectionResolver | None = None) -> None:
        self.feed, self.connections = feed, connections
        self._held = contextlib.ExitStack()
        self._session: Any = None

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session = None
        self._held.close()

    def verify(self, path: Path, dest: Path, staging_key: bytes) -> Any:
        """Decrypt + verify ``path`` into staging at ``dest``: a ``connectors.pgp.VerifiedFile``, or
        ``SignatureError`` / ``FormatError`` (over the vendor's plaintext limit) with nothing left behind."""
        from connectors.pgp import PgpKeys, pgp_session, plaintext_limit

        pgp = self.feed.vendor.pgp
        if self._session is None:
            keys = PgpKeys.from_connection((self.connections or resolve_connection)(pgp.connection_id))
            self._session = self._held.enter_context(pgp_session(keys))
        return self._session.decrypt_verify(path, dest, staging_key=staging_key, max_plaintext=plaintext_limit(
            path.stat().st_size, **pgp.plaintext_limits()))


@contextlib.contextmanager
def verified_plaintext(feed: FeedPlan, path: Path, connections: ConnectionResolver | None = None, *,
                       name: str | None = None, verifier: Verifier | None = None) -> Iterator[Plaintext]:
    """Verify ``path`` (OpenPGP, when the vendor signs) BEFORE a byte is parsed; yield its plaintext.

    Raises ``SignatureError`` when it does not verify. The plaintext stays encrypted at rest in a staging area
    that is removed when the block ends. ``name`` is the file's name as sent (``path`` may be a local alias).
    ``verifier`` is the run's (one OpenPGP session for all its files); without one, this file gets its own.
    """
    name = name or path.name
    size = path.stat().st_size
    pgp = getattr(feed.vendor, "pgp", None)
    if pgp is None or not pgp.verify:
        digest = sha256_file(path)
        yield Plaintext(name, size, digest, digest, False, lambda: path.open("rb"))
        return
    from connectors.staging import StagingArea

    with StagingArea(base_dir=work_dir(feed)) as staging:
        with contextlib.ExitStack() as own:  # a file on its own: its session ends before a byte is parsed
            checker = verifier or own.enter_context(Verifier(feed, connections))
            verified = checker.verify(path, staging.path("verified.plain"), staging.key)
        yield Plaintext(name, size, verified.sha256_received, verified.sha256_plaintext, True, verified.open)


def sealed_download(name: str, path: Path, key: bytes) -> Plaintext:
    """A plaintext vendor's file downloaded sealed (``Transport.get(..., seal_key=key)``), as content in hand:
    hashed once through the reader, read again by the mapping, sealed again under the quarantine key if it is
    rejected; its plaintext never touches disk."""

    from connectors.staging import open_staged

    digest, size = hashlib.sha256(), 0
    with open_staged(path, key) as plain:
        while block := plain.read(1 << 20):
            digest.update(block)
            size += len(block)
    sha = digest.hexdigest()
    return Plaintext(name, size, sha, sha, False, lambda: open_staged(path, key))  # type: ignore[arg-type,return-value]


def sends_plaintext(feed: FeedPlan) -> bool:
    """True when the vendor's files are not OpenPGP (nothing to verify): their downloads are sealed at once."""
    pgp = getattr(feed.vendor, "pgp", None)
    return pgp is None or not pgp.verify


def receive_file(feed: FeedPlan, path: Path, *, store: Any, business_date: date | None = None,
                 connections: ConnectionResolver | None = None, pulled: Plaintext | None = None,
                 progress: Callable[[int], None] | None = None, name: str | None = None,
                 verifier: Verifier | None = None) -> Receipt:
    """Post one inbound file: verify -> read + map + validate + apply -> quarantine when rejected.

    ``pulled`` is content already in hand and trusted by its transport (an API pull staged encrypted at
    ``path``); otherwise ``path`` is verified first (by ``verifier``, the run's, when given). ``name`` is the
    file's name as the vendor sent it when ``path`` is a local alias (a download under a short name). Never
    raises for bad input.
    """
    path = Path(path)
    name = name or (pulled.name if pulled else path.name)
    bday = business_date_of(feed, name, business_date)
    with contextlib.ExitStack() as held:
        plain: Plaintext | None = pulled
        outcome: Receipt | Rejection
        if plain is None:  # a signature that does not verify, or an envelope that is not OpenPGP at all
            verified = content_outcome(lambda: held.enter_context(verified_plaintext(
                feed, path, connections, name=name, verifier=verifier)))
            if isinstance(verified, Rejection):
                outcome = verified
            else:
                plain = verified
        if plain is not None:
            outcome = apply_plaintext(feed, plain, store=store, business_date=bday, progress=progress)
        if isinstance(outcome, Receipt):
            return outcome
        return quarantine_file(feed, path, outcome, store=store, name=name, business_date=bday, plain=plain,
                               pulled=pulled is not None)


# -- step: read + map + validate, and apply ----------------------------------------------------------------------


def apply_plaintext(feed: FeedPlan, plain: Plaintext, *, store: Any, business_date: date | None,
                    progress: Callable[[int], None] | None = None) -> Receipt | Rejection:
    """Read, map and validate the verified content and apply it in one intake: a Receipt, or a Rejection.

    A rejection found once staging began is already in the ledger (the intake's REJECTED row, everything
    staged rolled back); one found before (the first chunk does not parse) has no ledger row yet.
    """
    from connectors.formats import read_chunks

    receipt = Receipt(feed=feed.id, file=plain.name, status="APPLIED", business_date=business_date)
    with plain.open() as stream:
        chunks = read_chunks(feed.layout, stream, name=plain.name, chunk_rows=CHUNK_ROWS)
        first = content_outcome(lambda: next(chunks, None))
        if isinstance(first, Rejection):
            return first
        empty = first is None or len(first.frame) == 0
        arrival = file_arrival(feed, plain.name, plain.size, plain.sha256_received, plain.sha256_plaintext,
                               business_date, record_count=0 if empty else None)
        return apply_chunks(feed, arrival, itertools.chain([first] if first is not None else [], chunks),
                            store=store, receipt=receipt, progress=progress)


def apply_pull(feed: FeedPlan, pull: Any, *, store: Any, business_date: date) -> Receipt | Rejection:
    """An API pull (``exchange.pull_api``): its pages of records go straight to the JSON reader, then are mapped,
    validated and applied in one intake; the pull's content hash, complete only after its last page, settles
    its identity before the intake commits (the same content pulled before makes it a DUPLICATE)."""
    from connectors.formats import read_records

    receipt = Receipt(feed=feed.id, file=pull.name, status="APPLIED", business_date=business_date)
    arrival = file_arrival(feed, pull.name, None, None, None, business_date)
    chunks = read_records(feed.layout, pull.pages(), name=pull.name, chunk_rows=PULL_CHUNK_ROWS)

    def settle(intake: Any) -> None:
        pull.finish()  # a rejected pull is read to its end: the quarantine keeps all of it
        intake.settle_content(pull.sha256, pull.size)

    return apply_chunks(feed, arrival, chunks, store=store, receipt=receipt, settle=settle)


def receive_pull(feed: FeedPlan, pull: Any, *, store: Any, business_date: date) -> Receipt:
    """Post one API pull: apply it, or quarantine it (sealed) when it is rejected. Never raises for bad content."""
    outcome = apply_pull(feed, pull, store=store, business_date=business_date)
    if isinstance(outcome, Receipt):
        return outcome
    pull.finish()
    plain = Plaintext(pull.name, pull.size, pull.sha256, pull.sha256, False, pull.open)
    return quarantine_file(feed, pull.path, outcome, store=store, name=pull.name, business_date=business_date,
                           plain=plain, pulled=True)


def apply_chunks(feed: FeedPlan, arrival: Any, chunks: Iterator[Any], *, store: Any, receipt: Receipt,
                 refused: Rejection | None = None, settle: Callable[[Any], None] | None = None,
                 progress: Callable[[int], None] | None = None) -> Receipt | Rejection:
    """The apply step: ONE store intake for ``arrival``, all or nothing.

    Stages what ``map_and_stage`` makes of ``chunks`` - or nothing, when the caller already ``refused`` the
    content - then ``settle(intake)`` (content known only now names itself: ``Intake.settle_content``), then
    commits (``receipt`` APPLIED, with the record outcomes), or records the Rejection in the ledger (REJECTED,
    everything staged rolled back). Content the store already holds gives the receipt DUPLICATE, with
    ``duplicate_of``.
    """
    try:
        with store.intake(arrival) as intake:
            rejection = refused or map_and_stage(feed, intake, chunks, receipt,
                                                 business_date=arrival.business_date, progress=progress)
            if settle is not None:
                settle(intake)
            if rejection is not None:
                rejection.ledger_id = intake.reject(rejection.errors)
    except DuplicateInput as dup:
        log.info("%s: %s is a duplicate of ledger entry %s; nothing posted", feed.id, arrival.name,
                 dup.original_file_id)
        receipt.status, receipt.records, receipt.duplicate_of = "DUPLICATE", {}, dup.original_file_id
        return receipt
    if rejection is not None:
        return rejection
    receipt.ledger_id = intake.file_id
    receipt.record_outcomes = {entity: counts.as_dict() for entity, counts in intake.outcomes.items()}
    log.info("%s: %s applied: %s", feed.id, arrival.name, receipt.describe_outcomes())
    warn_drift(feed, receipt, store)
    return receipt


def warn_drift(feed: FeedPlan, receipt: Receipt, store: Any) -> None:
    """Schema drift of an applied file: logged, and kept on its ledger entry (the run's alert follows)."""
    if not receipt.warnings or receipt.ledger_id is None:
        return
    store.record_warnings(receipt.ledger_id, receipt.warnings)
    for warning in receipt.warnings:
        log.warning("%s: %s %s (line %s)", feed.id, receipt.file, warning.reason, warning.line)


def map_and_stage(feed: FeedPlan, intake: Any, chunks: Iterator[Any], receipt: Receipt, *,
                  business_date: date | None, progress: Callable[[int], None] | None = None) -> Rejection | None:
    """The read + map + validate step: read every chunk, map and validate it with the feed's compiled mapping,
    key it and stage it in ``intake``; every row error is collected. A Rejection when the content must not apply.
    """
    from sqlalchemy.exc import DataError

    from leavehub.config.feed_keys import keyed_frame

    errors: list[RowError] = []
    drift: list[Drift] = []  # schema drift: warned per file, never a rejection
    grouped: dict[str, list[Any]] = {}  # partial groups per chunk, finished per file

    def stage(entity: str, frame: Any) -> Rejection | None:
        try:
            intake.stage(entity, frame, feed.supersede_plan(entity))
        except DataError as exc:  # the database refused a value (a character, a length): the content's fault
            return Rejection.unexpected(exc, reason="a value the store cannot hold")
        receipt.records[entity] = receipt.records.get(entity, 0) + len(frame)
        return None

    chunk = content_outcome(lambda: next(chunks, None))
    while chunk is not None:
        if isinstance(chunk, Rejection):
            return chunk
        mapped = content_outcome(lambda c=chunk: feed.mapper.apply(c.frame, first_row=c.first_row,
                                                                   business_date=business_date,
                                                                   line_of=c.line_of))
        if isinstance(mapped, Rejection):
            return mapped
        errors += list(chunk.row_errors) + mapped.errors
        drift += mapped.warnings + new_columns(chunk)
        keyed = {}
        for entity, frame in mapped.frames.items():
            if entity in feed.mapper.grouped:
                grouped.setdefault(entity, []).append(frame)
                continue
            keyed[entity], key_errors = keyed_frame(with_lines(frame, chunk), feed.keys[entity])
            errors += key_errors
        if not errors:
            for entity, frame in keyed.items():
                if refused := stage(entity, frame):
                    return refused
        if progress:
            progress(len(chunk.frame))
        chunk = content_outcome(lambda: next(chunks, None))
    for entity, frames in grouped.items():
        combined = content_outcome(lambda e=entity, f=frames: feed.mapper.combine(e, f))
        if isinstance(combined, Rejection):
            return combined
        frame, group_errors = combined
        frame, key_errors = keyed_frame(frame, feed.keys[entity])
        errors += group_errors + key_errors
        if not errors and (refused := stage(entity, frame)):
            return refused
    receipt.warnings += [d.as_error() for d in merge_drift(drift)]
    errors = errors or intake.repeated_keys()
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        return Rejection("ValidationFailed", f"{len(errors)} bad value(s); the whole file is rejected", errors)
    return None


def new_columns(chunk: Any, file: str | None = None) -> list[Drift]:
    """Columns a delimited file has that its layout does not declare: schema drift on the header line."""
    if not chunk.extra_columns:
        return []
    where = f"{file} has " if file else ""
    return [Drift(f"schema drift: {where}column(s) the layout does not declare: {', '.join(chunk.extra_columns)}",
                  len(chunk.frame), None, 1)]


def with_lines(frame: Any, chunk: Any) -> Any:
    """``frame`` with ``_line``: the physical line of each mapped row (reports name lines, not only rows)."""
    if "_row" not in frame.columns or not len(frame):
        return frame
    out = frame.copy(deep=False)
    out["_line"] = chunk.lines()[frame["_row"].to_numpy(dtype="int64") - chunk.first_row]
    return out


def content_outcome(step: Callable[[], Any]) -> Any:
    """Run one step over the file's content; anything the content provokes becomes a Rejection.

    ``RejectedInput`` is the readers' own verdict. A configuration or transport error, or the machine's own
    trouble (``OSError``: a full disk), is not the file's fault and goes up. Anything else is an exception nobody
    foresaw for this content (an Arrow cast of hour 25, a codec error): the file is rejected with the
    exception's CLASS - its message may quote the value.
    """
    try:
        return step()
    except RejectedInput as exc:
        return Rejection.of(exc)
    except (LeaveHubError, OSError):
        raise
    except Exception as exc:
        return Rejection.unexpected(exc)


# -- step: quarantine -------------------------------------------------------------------------------------------


def quarantine_file(feed: FeedPlan, path: Path, rejection: Rejection, *, store: Any, name: str,
                    business_date: date | None, plain: Plaintext | None = None, pulled: bool = False) -> Receipt:
    """Keep a rejected file (encrypted as received, else sealed) beside its report; ledger REJECTED ->
    QUARANTINED. A rejection from before staging gets its REJECTED ledger row here."""
    sha_received = plain.sha256_received if plain is not None else sha256_file(path)
    if rejection.ledger_id is None:
        size = plain.size if plain is not None else path.stat().st_size
        arrival = file_arrival(feed, name, size, sha_received, None, business_date)
        rejection.ledger_id = store.record_rejection(arrival, rejection.errors)
    entry = quarantine(feed.settings.quarantine_dir, path, feed_id=feed.id, rejection=rejection, name=name,
                       arrived_encrypted=plain.arrived_encrypted if plain is not None else False,
                       sha256_received=sha_received, ledger_id=rejection.ledger_id,
                       content=plain.open if pulled and plain is not None else None)
    store.mark_quarantined(rejection.ledger_id)
    log.error("%s: %s rejected (%s: %s); quarantined with report %s", feed.id, name, rejection.error_class,
              rejection.reason, entry.report)
    return Receipt(feed=feed.id, file=name, status="REJECTED", business_date=business_date,
                   errors=max(len(rejection.errors), 1), quarantine_report=entry.report,
                   ledger_id=rejection.ledger_id, reason=rejection.reason)


def file_arrival(feed: FeedPlan, name: str, size: int | None, sha_received: str | None, sha_plaintext: str | None,
             business_date: date | None, *, record_count: int | None = None) -> Any:
    from leavehub.store import FileArrival
    from schemas.version import SCHEMA_VERSION

    return FileArrival(vendor=feed.vendor.vendor, feed=feed.name, direction="inbound", name=name, size=size,
                       sha256_received=sha_received, sha256_plaintext=sha_plaintext, control_number=None,
                       business_date=business_date, file_kind=str(feed.spec.file_kind),
                       schema_version=SCHEMA_VERSION, mapping_version=feed.mapping_version,
                       record_count=record_count)
