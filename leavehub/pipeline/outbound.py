"""Outbound: canonical store -> vendor file -> (OpenPGP) -> transport, exactly once per business date.

    select (current views, joined by the mapping's source query) -> map -> write (staged encrypted)
    -> encrypt + sign -> put under a temporary name, then rename -> ledger: SENT

The batch gets its id and control number when it is built, and the artifact that goes on the wire is kept in the
store (``outbound_artifact``) until the ledger says SENT (OpenPGP to the vendor, or sealed under the outbox key
when the vendor takes plaintext: ``leavehub.pipeline.at_rest``), so a retried task resends the SAME bytes,
whichever worker (whichever ``LEAVEHUB_HOME``) runs it; a business date already sent sends nothing.

Example::

    sent = send_feed(load_feed("harbor_leave.eligibility"), store=store, business_date=date(2026, 11, 20))
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from leavehub.pipeline.at_rest import SEALED_SUFFIX, at_rest_key, open_sealed, private_dir, work_dir
from leavehub.pipeline.exchange import ConnectionResolver, open_file_transport, resolve_connection
from leavehub.pipeline.feeds import FeedPlan
from schemas.errors import ConfigError

__all__ = ["Sent", "build_frame", "send_feed", "source_frames", "x12_params"]

log = logging.getLogger(__name__)


@dataclass
class Sent:
    feed: str
    file: str
    records: int
    sha256: str
    business_date: date
    batch_id: str
    status: str = "SENT"  # SENT | ALREADY_SENT | NOTHING_TO_SEND
    path: str = ""


def build_frame(feed: FeedPlan, *, store: Any, business_date: date, since: datetime | None = None) -> Any:
    """The vendor-shaped frame for ``business_date``: the mapping's source query over current canonical views.

    A mapping with ``changes`` marks its records: all ``audit`` in a full file; in a change file only what
    differs from the same query over the store as recorded at ``since`` (the previous batch's watermark).
    """
    mapper = feed.mapper
    frame = mapper.apply(source_frames(feed, store, business_date, None), business_date=business_date)
    marks = feed.mapping.changes
    if marks is None:
        return frame
    from leavehub.pipeline.changes import mark_changes, mark_full

    if feed.spec.file_kind == "full":
        return mark_full(frame, marks)
    before = mapper.apply(source_frames(feed, store, business_date, since), business_date=business_date) \
        if since is not None else frame.iloc[0:0]
    return mark_changes(frame, before, marks, key=list(feed.spec.record_key), business_date=business_date)


def source_frames(feed: FeedPlan, store: Any, business_date: date, as_of: datetime | None) -> dict[str, Any]:
    """Each entity of the mapping's source read once, as known at ``as_of`` (default now), PII opened, only
    the rows the query can keep (``leavehub.pipeline.pushdown``: its filters answered by SQL). An entity the hub
    derives (``leavehub.pipeline.derived``: the FMLA determination a census joins) is worked out instead."""
    from leavehub.pipeline.derived import DERIVED_ENTITIES, derived_frame
    from leavehub.pipeline.pushdown import source_filters
    from leavehub.store.current_state import read_versions

    extras = source_filters(feed.mapping, business_date=business_date, as_of_recorded=as_of)
    with store.engine.connect() as connection:
        return {entity: derived_frame(entity, store, business_date) if entity in DERIVED_ENTITIES
                else read_versions(connection, entity, as_of_recorded=as_of, decrypt_pii=True,
                                   cipher=store.cipher, extra=extras.get(entity))
                for entity in dict.fromkeys(feed.mapper.required_entities)}


def x12_params(feed: FeedPlan, batch: Any, created: datetime) -> dict[str, Any]:
    """What an X12 layout may name besides the business date: control number, creation time, file kind and
    the employer's facts (name, FEIN as 9 digits, carrier group)."""
    from leavehub.config.employer import load_employer

    employer = load_employer(feed.settings.employer_file)
    return {"control_number": batch.control_number, "created": created, "file_kind": feed.spec.file_kind,
            "employer_name": employer.name, "employer_fein": employer.fein.replace("-", ""),
            "group_number": employer.carrier.group_number}


def _template_vars(feed: FeedPlan) -> dict[str, str]:
    employer = feed.settings.employer
    return {"client": employer.tpa.client_id, "group": employer.carrier.group_number}


def _outbox(feed: FeedPlan, batch_id: str) -> Path:
    return feed.settings.home / "outbox" / feed.vendor.vendor / feed.name / batch_id


def _already_sent(feed: FeedPlan, store: Any, business_date: date) -> Any:
    rows = store.ledger(vendor=feed.vendor.vendor, feed=feed.name, status="SENT", business_date=business_date,
                        limit=1)
    return rows[0] if rows else None


def _interchange(layout: Any) -> str:
    """The numbering sequence of an X12 interchange: its sender and receiver (ISA05/06 > ISA07/08)."""
    return (f"x12:{layout.sender.qualifier}:{layout.sender.id}>"
            f"{layout.receiver.qualifier}:{layout.receiver.id}")


def send_feed(feed: FeedPlan, *, store: Any, business_date: date,
              connections: ConnectionResolver | None = None) -> Sent:
    """Build, seal and deliver one outbound file; the vendor never sees a half-written file."""
    if feed.spec.direction != "out":
        raise ConfigError(f"{feed.id} is an inbound feed", file=str(feed.folder / "vendor.yaml"))
    done = _already_sent(feed, store, business_date)
    if done is not None:
        log.info("%s: %s already sent for %s; nothing to do", feed.id, done.file_name, business_date)
        return Sent(feed.id, done.file_name, done.records_applied or done.records_read or 0,
                    done.sha256_received or "", business_date, batch_id=done.batch_id or "", status="ALREADY_SENT")
    # an ISA13 is unique and increasing per sender and receiver, and the full and change 834s describe one
    # population (one baseline)
    scope = "vendor" if feed.spec.format == "x12" else "feed"
    sequence = _interchange(feed.layout) if feed.spec.format == "x12" else None
    batch = store.build_batch(feed.vendor.vendor, feed.name, watermark=datetime.now(UTC), scope=scope,
                              sequence=sequence)
    pending = store.artifact(batch.batch_id)
    if pending is not None and pending.business_date != business_date:
        # An earlier run built this batch for another day and crashed before the ledger said SENT: finish
        # that send under its own date first, then build today's batch.
        _deliver(feed, store, pending, connections)
        batch = store.build_batch(feed.vendor.vendor, feed.name, watermark=datetime.now(UTC), scope=scope,
                                  sequence=sequence)
        pending = None
    if pending is None:  # else a retry of a built batch (on this worker or another): the same bytes again
        _build_artifact(feed, store, business_date, batch, _outbox(feed, batch.batch_id), connections)
        pending = store.artifact(batch.batch_id)
        assert pending is not None, "a built batch keeps its artifact in the store"
    if pending.record_count == 0 and feed.spec.file_kind == "change" and feed.spec.format == "x12":
        # an 834 must hold at least one member: a day without changes sends nothing (the batch stays BUILT
        # and is rebuilt with the next day's changes)
        store.drop_artifact(batch.batch_id)
        log.info("%s: no changes for %s; nothing sent", feed.id, business_date)
        return Sent(feed.id, "", 0, "", business_date, batch_id=batch.batch_id, status="NOTHING_TO_SEND")
    return _deliver(feed, store, pending, connections)


def _deliver(feed: FeedPlan, store: Any, artifact: Any, connections: ConnectionResolver | None) -> Sent:
    """Put the batch's kept artifact on the wire (temp name, then rename) and record it SENT."""
    from schemas.version import SCHEMA_VERSION

    batch_id, name, business_date = artifact.batch_id, artifact.file_name, artifact.business_date
    store.set_batch_record_count(batch_id, artifact.record_count)
    with _wire_copy(feed, artifact) as wire, open_file_transport(feed, connections) as transport:
        transport.put(wire, name)
        size = wire.stat().st_size
    file_id = store.record_send(batch_id, file_name=name, size=size, sha256_sent=artifact.sha256_sent,
                                sha256_plaintext=artifact.sha256_plaintext, business_date=business_date,
                                schema_version=SCHEMA_VERSION, mapping_version=feed.mapping_version)
    if artifact.x12_control_number is not None:  # its TA1/999 will answer by this ISA13
        from leavehub.store.x12_sets import record_sent

        record_sent(store.engine, vendor=feed.vendor.vendor, feed=feed.name, batch_id=batch_id, file_id=file_id,
                    business_date=business_date, control_number=artifact.x12_control_number)
    store.drop_artifact(batch_id)
    log.info("%s: sent %s (%d records, batch %s)", feed.id, name, artifact.record_count, batch_id)
    return Sent(feed.id, name, artifact.record_count, artifact.sha256_sent, business_date, batch_id, path=name)


def _build_artifact(feed: FeedPlan, store: Any, business_date: date, batch: Any, outbox: Path,
                    connections: ConnectionResolver | None) -> None:
    """Write the vendor file (plaintext only inside encrypted staging), seal it in ``outbox`` and keep it in the
    store (``Store.keep_artifact``), so any worker's retry sends these bytes; the local copy is removed."""
    from connectors.formats import write_chunks
    from connectors.staging import StagedWriter, StagingArea

    frame = build_frame(feed, store=store, business_date=business_date, since=batch.previous_watermark)
    created = datetime.now(UTC).replace(microsecond=0)
    pattern = feed.spec.file_pattern
    wanted = {k: v for k, v in _template_vars(feed).items() if k in pattern.variables}
    if "%H" in pattern.text:
        created, name = _fresh_timed_name(feed, store, created, wanted)
    else:
        name = pattern.render(business_date, **wanted)
    params = x12_params(feed, batch, created) if feed.spec.format == "x12" else None
    private_dir(outbox, under=feed.settings.home)
    pgp = feed.vendor.pgp
    with StagingArea(base_dir=work_dir(feed)) as staging:
        if pgp is not None and pgp.sign:
            from connectors.pgp import PgpKeys, encrypt_sign

            with staging.writer("plain") as sink:
                written = write_chunks(feed.layout, [frame], sink, business_date=business_date, params=params)
            keys = PgpKeys.from_connection((connections or resolve_connection)(pgp.connection_id))
            sealed = encrypt_sign(staging.path("plain"), outbox / name, keys=keys, armor=pgp.armor,
                                  staging_key=staging.key)
            sha_sent, sha_plain = sealed.sha256, sealed.sha256_plaintext
        else:  # no OpenPGP: the bytes the vendor gets are kept sealed under the outbox key until SENT
            kept = outbox / f"{name}{SEALED_SUFFIX}"
            with StagedWriter(kept, at_rest_key("outbox")) as sink:
                written = write_chunks(feed.layout, [frame], sink, business_date=business_date, params=params)
            sha_sent = sha_plain = written.sha256 or _sha256_sealed(kept)
    from leavehub.store.ledger import OutboundArtifact

    sealed_file = pgp is None or not pgp.sign
    built = outbox / (f"{name}{SEALED_SUFFIX}" if sealed_file else name)
    store.keep_artifact(OutboundArtifact(
        batch_id=batch.batch_id, file_name=name, business_date=business_date, record_count=written.records,
        sha256_sent=sha_sent, sha256_plaintext=sha_plain,
        x12_control_number=batch.control_number if params is not None else None, sealed=sealed_file,
        content=built.read_bytes()))
    shutil.rmtree(outbox, ignore_errors=True)


def _fresh_timed_name(feed: FeedPlan, store: Any, created: datetime, wanted: dict[str, Any]
                      ) -> tuple[datetime, str]:
    """A name stamped to the second never repeats one of the vendor's recent files: a resend built in the same
    second as the file it corrects takes the next second (one name twice would replace the first file)."""
    recent = {entry.file_name for entry in store.ledger(vendor=feed.vendor.vendor, limit=50)
              if entry.direction == "outbound"}
    name = feed.spec.file_pattern.render(created, **wanted)
    while name in recent:
        created += timedelta(seconds=1)
        name = feed.spec.file_pattern.render(created, **wanted)
    return created, name


def _sha256_sealed(path: Path) -> str:
    digest = hashlib.sha256()
    with open_sealed(path, at_rest_key("outbox")) as plain:
        while block := plain.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _wire_copy(feed: FeedPlan, artifact: Any) -> Iterator[Path]:
    """The file to put on the wire, in a private scratch folder (0600 in 0700 under work/) removed as soon as the
    put is done: the kept OpenPGP file as it is, or the sealed one opened."""
    scratch = Path(tempfile.mkdtemp(prefix="lh-send-", dir=work_dir(feed)))
    try:
        wire = scratch / artifact.file_name
        kept = scratch / (f"{artifact.file_name}{SEALED_SUFFIX}" if artifact.sealed else artifact.file_name)
        with os.fdopen(os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(artifact.content)
        if artifact.sealed:
            with open_sealed(kept, at_rest_key("outbox")) as src, \
                    os.fdopen(os.open(wire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            kept.unlink()
        yield wire
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
