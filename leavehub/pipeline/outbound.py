"""Outbound: canonical store -> vendor file, written under a temporary name and renamed into place.

    select (current views, joined by the mapping's source query) -> map -> write -> ledger: SENT

The batch gets its id and control number when it is built; the ledger keeps them so a retried run resends the
same batch instead of minting a new one.

Example::

    sent = send_feed(load_feed("harbor_leave.eligibility"), store=store, business_date=date(2026, 11, 20))
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from leavehub.pipeline.feeds import Feed
from schemas.errors import ConfigError

__all__ = ["Sent", "build_batch", "send_feed"]

log = logging.getLogger(__name__)


@dataclass
class Sent:
    feed: str
    file: str
    path: Path
    records: int
    sha256: str
    business_date: date
    status: str = "SENT"


def build_batch(feed: Feed, *, store: Any, business_date: date) -> Any:
    """The vendor-shaped frame for ``business_date``: the mapping's source query over current canonical views."""
    mapper = feed.mapper
    frames = {entity: store.current(entity, decrypt_pii=True) for entity in mapper.required_entities}
    return mapper.apply(frames, business_date=business_date)


def _template_vars(feed: Feed) -> dict[str, str]:
    from leavehub.config.employer import load_employer

    employer = load_employer(feed.settings.employer_file)
    return {"client": employer.tpa_client_id, "group": employer.carrier_group_number}


def _outbox(feed: Feed) -> Path:
    transport = feed.vendor.transport
    if transport.type != "local":
        raise ConfigError(f"{feed.id}: transport {transport.type!r} is not wired to the CLI yet",
                          file=str(feed.folder / "vendor.yaml"), key_path="transport.type")
    folder = Path(transport.outbound_dir)
    return folder if folder.is_absolute() else feed.settings.local_exchange_dir / feed.vendor.vendor / folder


def send_feed(feed: Feed, *, store: Any, business_date: date) -> Sent:
    """Build, write and deliver one outbound file; the vendor never sees a half-written file."""
    from connectors.formats import write_chunks

    if str(feed.spec.direction) not in {"out", "FileDirection.OUT"} and getattr(feed.spec.direction, "value",
                                                                             feed.spec.direction) != "out":
        raise ConfigError(f"{feed.id} is an inbound feed", file=str(feed.folder / "vendor.yaml"))
    frame = build_batch(feed, store=store, business_date=business_date)
    name = feed.spec.file_pattern.render(business_date, **_template_vars(feed))
    outbox = _outbox(feed)
    outbox.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=outbox)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as sink:
            result = write_chunks(feed.layout, [frame], sink, business_date=business_date)
            sink.flush()
            os.fsync(sink.fileno())
        final = outbox / name
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    digest = result.sha256 or hashlib.sha256(final.read_bytes()).hexdigest()
    store.record_send(vendor=feed.vendor.vendor, feed=feed.name, name=name, size=result.bytes, sha256=digest,
                      records=result.records, business_date=business_date,
                      mapping_version=feed.mapping_version)
    log.info("%s: wrote %s (%d records)", feed.id, name, result.records)
    return Sent(feed=feed.id, file=name, path=final, records=result.records, sha256=digest,
                business_date=business_date)
