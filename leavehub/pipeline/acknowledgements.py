"""Acknowledgements in: the TA1/999 files a vendor answers our X12 files with, into each set's status.

    list the vendor's inbound folder by ``acknowledgements.file_pattern`` -> download -> verify (OpenPGP)
    -> read TA1/999 -> ledger (feed ``acknowledgements``, exactly once by content) -> set statuses -> archive

A rejected or partially accepted set marks its file to be resent (see :mod:`leavehub.store.x12_sets`): the
next run of that feed builds a new batch with new control numbers. A file that does not parse is
quarantined and alerted like any bad inbound file; ``overdue_acknowledgements`` alerts (once) every set still
unanswered past the vendor's window.

Example::

    receipts = collect_acknowledgements(load_feed("summit_mutual.enrollment_change"), store=store)
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from leavehub.pipeline.at_rest import sha256_file, work_dir
from leavehub.pipeline.exchange import ConnectionResolver, open_file_transport
from leavehub.pipeline.feeds import FeedPlan
from leavehub.pipeline.inbound import verified_plaintext
from leavehub.pipeline.outcome import Rejection
from leavehub.pipeline.quarantine import quarantine
from schemas.errors import ConfigError, DuplicateInput, RejectedInput

__all__ = ["ACK_FEED", "AckReceipt", "collect_acknowledgements", "overdue_acknowledgements",
           "receive_acknowledgement"]

log = logging.getLogger(__name__)
ACK_FEED = "acknowledgements"
"""The ledger's feed name for a vendor's TA1/999 files."""


@dataclass
class AckReceipt:
    """What one acknowledgement file did: APPLIED (with each set's outcome), DUPLICATE or REJECTED."""

    file: str
    status: str
    control_number: int | None = None
    sets: list[Any] = field(default_factory=list)  # leavehub.store.x12_sets.SetOutcome
    ledger_id: int | None = None
    reason: str | None = None  # why a REJECTED file could not be read (never a value)

    @property
    def resend(self) -> bool:
        return any(s.resend for s in self.sets)


def _settings_of(feed: FeedPlan) -> Any:
    acks = feed.vendor.acknowledgements
    if acks is None:
        raise ConfigError(f"{feed.vendor.vendor} declares no acknowledgements",
                          file=str(feed.folder / "vendor.yaml"), key_path="acknowledgements")
    return acks


def receive_acknowledgement(feed: FeedPlan, path: Path, *, store: Any,
                            connections: ConnectionResolver | None = None) -> AckReceipt:
    """Verify, read and apply one TA1/999 file; a bad one is ledgered REJECTED and quarantined (an outcome,
    not an exception)."""
    from connectors.formats.x12 import MAX_ACK_BYTES, read_acknowledgement
    from leavehub.store import FileArrival
    from leavehub.store.x12_sets import apply_acknowledgement
    from schemas.version import SCHEMA_VERSION

    receipt = AckReceipt(file=path.name, status="RECEIVED")
    intake: Any = None
    sha_received, encrypted = "", False
    try:
        with verified_plaintext(feed, path, connections) as plain:
            sha_received, encrypted = plain.sha256_received, plain.arrived_encrypted
            with plain.open() as stream:
                data = stream.read(MAX_ACK_BYTES + 1)
            arrival = FileArrival(feed.vendor.vendor, ACK_FEED, "inbound", plain.name, plain.size,
                                  plain.sha256_received, plain.sha256_plaintext, None, None, None,
                                  SCHEMA_VERSION, None)
            with store.intake(arrival) as intake:
                receipt.ledger_id = intake.file_id
                if len(data) > MAX_ACK_BYTES:
                    from schemas.errors import FormatError

                    raise FormatError("acknowledgement larger than allowed", file=path.name)
                ack = read_acknowledgement(data, name=path.name)
                receipt.control_number = ack.control_number
        # after the ledger row commits (one writer at a time on SQLite); applying is idempotent
        receipt.sets = apply_acknowledgement(store.engine, feed.vendor.vendor, ack, ack_file_id=receipt.ledger_id)
    except DuplicateInput:
        receipt.status = "DUPLICATE"
        return receipt
    except RejectedInput as exc:
        rejection = Rejection.of(exc)
        sha_received = sha_received or sha256_file(path)
        if intake is not None:
            receipt.ledger_id = intake.file_id
        else:  # refused before the store saw it (signature, envelope): ledger it REJECTED here
            receipt.ledger_id = store.record_rejection(
                FileArrival(feed.vendor.vendor, ACK_FEED, "inbound", path.name, path.stat().st_size, sha_received,
                            None, None, None, None, SCHEMA_VERSION, None), rejection.errors)
        entry = quarantine(feed.settings.quarantine_dir, path, feed_id=f"{feed.vendor.vendor}.{ACK_FEED}",
                           rejection=rejection, arrived_encrypted=encrypted, sha256_received=sha_received,
                           ledger_id=receipt.ledger_id)
        if receipt.ledger_id is not None:
            store.mark_quarantined(receipt.ledger_id)
        log.error("%s: acknowledgement %s rejected (%s); quarantined with report %s", feed.vendor.vendor,
                  path.name, exc.reason, entry.report)
        receipt.status, receipt.reason = "REJECTED", exc.reason
        return receipt
    receipt.status = "APPLIED"
    unknown = [s for s in receipt.sets if not s.known]
    log.info("%s: %s acknowledged %d set(s)%s", feed.vendor.vendor, path.name, len(receipt.sets),
             f", {len(unknown)} we have no record of" if unknown else "")
    return receipt


def collect_acknowledgements(feed: FeedPlan, *, store: Any, connections: ConnectionResolver | None = None,
                             settings: Any = None) -> list[AckReceipt]:
    """Fetch, apply and archive every acknowledgement waiting for the vendor of ``feed``; alert rejections."""
    acks = _settings_of(feed)
    receipts: list[AckReceipt] = []
    downloads = Path(tempfile.mkdtemp(prefix=f"lh-{feed.vendor.vendor}-ack-", dir=work_dir(feed)))
    try:
        with open_file_transport(feed, connections) as transport:
            for remote in sorted(transport.list(acks.file_pattern.glob()), key=lambda r: r.name):
                if acks.file_pattern.match(remote.name) is None:
                    continue
                local = transport.get(remote.name, downloads / remote.name)
                receipt = receive_acknowledgement(feed, local, store=store, connections=connections)
                receipts.append(receipt)
                if receipt.status == "REJECTED":
                    _alert(feed, "quarantined", f"acknowledgement {remote.name} unreadable: {receipt.reason}",
                           {"file": remote.name}, settings)
                transport.archive(remote.name)
                local.unlink(missing_ok=True)
    finally:
        shutil.rmtree(downloads, ignore_errors=True)
    for receipt in receipts:
        for outcome in receipt.sets:
            if outcome.resend:
                _alert(feed, "rejected_by_vendor",
                       f"interchange {outcome.control_number} set {outcome.set_control} {outcome.status}: "
                       "to be corrected and resent with new control numbers",
                       {"file": receipt.file, "control_number": outcome.control_number}, settings)
    return receipts


def overdue_acknowledgements(feed: FeedPlan, *, store: Any, now: datetime, alert: bool = True,
                             settings: Any = None) -> list[Any]:
    """Sets still unanswered past ``expected_within_hours``: reported and alerted once each."""
    from leavehub.store.x12_sets import mark_overdue

    acks = _settings_of(feed)
    late = mark_overdue(store.engine, feed.vendor.vendor, now=now,
                        within=timedelta(hours=acks.expected_within_hours))
    if alert:
        for one in late:
            _alert(feed, "not_acknowledged",
                   f"interchange {one.control_number} sent {one.sent_at.isoformat()} has no TA1/999 after "
                   f"{acks.expected_within_hours} h", {"control_number": one.control_number, "feed": one.feed},
                   settings, business_date=one.business_date)
    return late


def _alert(feed: FeedPlan, kind: str, summary: str, details: dict[str, Any], settings: Any,
           business_date: Any = None) -> None:
    from leavehub.alerts import Alert, send_alert

    send_alert(Alert(kind, f"{feed.vendor.vendor}.{ACK_FEED}", business_date, summary,  # type: ignore[arg-type]
                     details), settings=settings or feed.settings)
