"""Outbound: canonical store -> vendor file -> (OpenPGP) -> transport, exactly once per business date.

    select (current views, joined by the mapping's source query) -> map -> write (staged encrypted)
    -> encrypt + sign -> put under a temporary name, then rename -> ledger: SENT

The batch gets its id and control number when it is built, and the artifact that goes on the wire is kept in the
outbox until the ledger says SENT (OpenPGP to the vendor, or sealed under the outbox key when the vendor takes
plaintext: ``leavehub.pipeline.at_rest``), so a retried task resends the SAME bytes instead of minting a new
batch; a run for a business date that was already sent sends nothing.

Example::

    sent = send_feed(load_feed("harbor_leave.eligibility"), store=store, business_date=date(2026, 11, 20))
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from leavehub.pipeline.at_rest import SEALED_SUFFIX, at_rest_key, open_sealed, private_dir, work_dir
from leavehub.pipeline.exchange import ConnectionResolver, open_file_transport, resolve_connection
from leavehub.pipeline.feeds import FeedPlan
from schemas.errors import ConfigError

__all__ = ["Sent", "build_frame", "send_feed"]

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
    frames = {entity: store.current(entity, decrypt_pii=True) for entity in mapper.required_entities}
    frame = mapper.apply(frames, business_date=business_date)
    marks = feed.mapping.changes
    if marks is None:
        return frame
    from leavehub.pipeline.changes import mark_changes, mark_full

    if feed.spec.file_kind == "full":
        return mark_full(frame, marks)
    before = mapper.apply({entity: store.current(entity, decrypt_pii=True, as_of_recorded=since)
                           for entity in mapper.required_entities}, business_date=business_date) \
        if since is not None else frame.iloc[0:0]
    return mark_changes(frame, before, marks, key=list(feed.spec.record_key), business_date=business_date)


def _x12_params(feed: FeedPlan, batch: Any, created: datetime) -> dict[str, Any]:
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
    # an ISA13 is unique per sender, and the full and change 834s describe one population
    scope = "vendor" if feed.spec.format == "x12" else "feed"
    batch = store.build_batch(feed.vendor.vendor, feed.name, watermark=datetime.now(UTC), scope=scope)
    pending = _manifest(feed, batch.batch_id)
    if pending is not None and pending["business_date"] != business_date.isoformat():
        # An earlier run built this batch for another day and crashed before the ledger said SENT: finish
        # that send under its own date first, then build today's batch.
        _deliver(feed, store, batch.batch_id, date.fromisoformat(pending["business_date"]), connections)
        batch = store.build_batch(feed.vendor.vendor, feed.name, watermark=datetime.now(UTC), scope=scope)
        pending = None
    if pending is None:  # else a retry of a built batch: its artifact is reused byte for byte
        _build_artifact(feed, store, business_date, batch, _outbox(feed, batch.batch_id), connections)
    if _manifest(feed, batch.batch_id)["records"] == 0 and feed.spec.file_kind == "change" \
            and feed.spec.format == "x12":
        # an 834 must hold at least one member: a day without changes sends nothing (the batch stays BUILT
        # and is rebuilt with the next day's changes)
        shutil.rmtree(_outbox(feed, batch.batch_id), ignore_errors=True)
        log.info("%s: no changes for %s; nothing sent", feed.id, business_date)
        return Sent(feed.id, "", 0, "", business_date, batch_id=batch.batch_id, status="NOTHING_TO_SEND")
    return _deliver(feed, store, batch.batch_id, business_date, connections)


def _manifest(feed: FeedPlan, batch_id: str) -> dict[str, Any] | None:
    path = _outbox(feed, batch_id) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _deliver(feed: FeedPlan, store: Any, batch_id: str, business_date: date,
             connections: ConnectionResolver | None) -> Sent:
    """Put the batch's sealed artifact on the wire (temp name, then rename) and record it SENT."""
    from schemas.version import SCHEMA_VERSION

    outbox = _outbox(feed, batch_id)
    meta = _manifest(feed, batch_id)
    assert meta is not None, "a batch is delivered only once its artifact is built"
    store.set_batch_record_count(batch_id, meta["records"])
    with _wire_copy(feed, outbox, meta["name"]) as artifact, open_file_transport(feed, connections) as transport:
        transport.put(artifact, meta["name"])
        size = artifact.stat().st_size
    file_id = store.record_send(batch_id, file_name=meta["name"], size=size,
                                sha256_sent=meta["sha256"], sha256_plaintext=meta["sha256_plaintext"],
                                business_date=business_date, schema_version=SCHEMA_VERSION,
                                mapping_version=feed.mapping_version)
    if meta.get("x12_control_number") is not None:  # its TA1/999 will answer by this ISA13
        from leavehub.store.x12_sets import record_sent

        record_sent(store.engine, vendor=feed.vendor.vendor, feed=feed.name, batch_id=batch_id, file_id=file_id,
                    business_date=business_date, control_number=meta["x12_control_number"])
    shutil.rmtree(outbox, ignore_errors=True)
    log.info("%s: sent %s (%d records, batch %s)", feed.id, meta["name"], meta["records"], batch_id)
    return Sent(feed.id, meta["name"], meta["records"], meta["sha256"], business_date, batch_id, path=meta["name"])


def _build_artifact(feed: FeedPlan, store: Any, business_date: date, batch: Any, outbox: Path,
                    connections: ConnectionResolver | None) -> None:
    """Write the vendor file (plaintext only inside encrypted staging), seal it, record a manifest."""
    from connectors.formats import write_chunks
    from connectors.staging import StagedWriter, StagingArea

    frame = build_frame(feed, store=store, business_date=business_date, since=batch.previous_watermark)
    created = datetime.now(UTC).replace(microsecond=0)
    params = _x12_params(feed, batch, created) if feed.spec.format == "x12" else None
    pattern = feed.spec.file_pattern
    wanted = {k: v for k, v in _template_vars(feed).items() if k in pattern.variables}
    stamp = created if "%H" in pattern.text else business_date
    name = pattern.render(stamp, **wanted)
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
    manifest = {"name": name, "records": written.records, "sha256": sha_sent, "sha256_plaintext": sha_plain,
                "business_date": business_date.isoformat(),
                "x12_control_number": batch.control_number if params is not None else None}
    tmp = outbox / "manifest.json.part"
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        fh.write(json.dumps(manifest, sort_keys=True))
    tmp.replace(outbox / "manifest.json")


def _sha256_sealed(path: Path) -> str:
    digest = hashlib.sha256()
    with open_sealed(path, at_rest_key("outbox")) as plain:
        while block := plain.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _wire_copy(feed: FeedPlan, outbox: Path, name: str) -> Iterator[Path]:
    """The file to put on the wire: the OpenPGP artifact itself, or the sealed one opened into a private
    scratch file (0600 in a 0700 folder under work/) that is removed as soon as the put is done."""
    artifact = outbox / name
    if artifact.is_file():
        yield artifact
        return
    scratch = Path(tempfile.mkdtemp(prefix="lh-send-", dir=work_dir(feed)))
    try:
        plain = scratch / name
        seal_source = outbox / f"{name}{SEALED_SUFFIX}"
        with open_sealed(seal_source, at_rest_key("outbox")) as src, \
                os.fdopen(os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        yield plain
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
