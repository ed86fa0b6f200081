"""Outbound API feeds: canonical store -> one POST per changed record, each under its own Idempotency-Key.

    resume: send the updates an earlier run built but did not get answered (same keys, same bodies)
    derive: the mapping's query over the current store for the business date (one row per record_key)
    diff:   keep a row only when it differs from what the vendor last APPLIED for that key and from what
            was last attempted (a body the vendor refused is not sent again until the data changes)
    build:  an outbound batch; each update recorded PENDING with its key before anything is sent
    send:   2xx APPLIED; 409 SUPERSEDED (the vendor holds a newer update: not an error); 422 REJECTED with
            field and reason (never a value) and alerted once per run; 429/5xx retried by the API client
            within its bounded budget, past it a TransientError stops the run with the rest still PENDING

The Idempotency-Key is derived from the update itself (feed, body, and the key of the subject's previous update,
so the same body sent again after a different one is a new update) and stored when the batch is built; a retry
reads it back, never re-derives it. The baseline is per record what the vendor accepted, not a batch
watermark: an API answers each record on its own, and a change of day alone (a leave that ended) is a change.

Example::

    result = send_updates(load_feed("northwind_hris.leave_status"), store=store, business_date=day)
    result.applied, result.superseded, result.rejected
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from leavehub.pipeline.exchange import ConnectionResolver, open_api_client
from leavehub.pipeline.feeds import FeedPlan
from leavehub.store import writebacks
from leavehub.store.writebacks import NewUpdate, StoredUpdate
from schemas.errors import ConfigError, RejectedInput

__all__ = ["KEY_NAMESPACE", "WriteBackResult", "derive_updates", "idempotency_key", "send_updates"]

log = logging.getLogger(__name__)

KEY_NAMESPACE = uuid.UUID("6f1c2a54-2b7e-4c1e-9d3a-4c6561766548")
"""The UUID-5 namespace of LeaveHub's Idempotency-Keys (fixed forever: changing it re-keys every update)."""


@dataclass
class WriteBackResult:
    """What one run of an outbound API feed did (``RunOutcome.sent``): counts per answer, never a value."""

    feed: str
    file: str  # "POST <path>": what went on the wire
    business_date: date
    batch_id: str = ""
    status: str = "NOTHING_TO_SEND"  # SENT | NOTHING_TO_SEND
    applied: int = 0
    superseded: int = 0
    rejected: int = 0
    resumed: int = 0  # updates of an earlier, interrupted run sent again under their own keys
    rejected_fields: list[str] = field(default_factory=list)
    sha256: str = ""

    @property
    def records(self) -> int:
        return self.applied + self.superseded + self.rejected


def idempotency_key(feed_id: str, body: dict[str, Any], previous_key: str | None) -> str:
    """The key of an update: UUID-5 of the feed, the canonical JSON body and the subject's previous key."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return str(uuid.uuid5(KEY_NAMESPACE, f"{feed_id}\n{canonical}\n{previous_key or ''}"))


def _bodies(feed: FeedPlan, frame: Any) -> list[dict[str, Any]]:
    """Rows as request bodies: empty text is null, the layout's ``booleans`` are JSON true/false."""
    booleans = set(getattr(feed.layout, "booleans", ()) or ())
    out = []
    for record in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        body: dict[str, Any] = {}
        for name, value in record.items():
            value = None if value == "" else value
            if name in booleans and value is not None:
                if str(value).lower() not in ("true", "false"):
                    raise ConfigError(f"{feed.id}: column {name!r} is sent as a boolean but the mapping gives "
                                      "something other than true/false", file=str(feed.folder / feed.spec.mapping),
                                      key_path=f"columns.{name}")
                value = str(value).lower() == "true"
            body[name] = value
        out.append(body)
    return out


def derive_updates(feed: FeedPlan, *, store: Any, business_date: date) -> list[NewUpdate]:
    """The updates to send for ``business_date``: the mapping's rows that differ from what the vendor has."""
    from leavehub.pipeline.outbound import build_frame

    key_columns = list(feed.spec.record_key)
    if not key_columns:
        raise ConfigError(f"{feed.id}: an outbound API feed needs `record_key` (what one update is about)",
                          file=str(feed.folder / "vendor.yaml"), key_path=f"feeds.{feed.name}.record_key")
    frame = build_frame(feed, store=store, business_date=business_date)
    missing = [k for k in key_columns if k not in frame.columns]
    if missing:
        raise ConfigError(f"{feed.id}: record_key {missing} is not a column of the mapping",
                          file=str(feed.folder / "vendor.yaml"), key_path=f"feeds.{feed.name}.record_key")
    baseline = writebacks.last_sent(store.engine, feed.vendor.vendor, feed.name)
    fresh: list[NewUpdate] = []
    for body in _bodies(feed, frame):
        subject = "|".join(str(body[k]) for k in key_columns)
        last = baseline.get(subject)
        if last is not None and body in (last.applied, last.attempted):
            continue
        effective = body.get("effective_date")
        fresh.append(NewUpdate(idempotency_key(feed.id, body, last.key if last else None), subject,
                               date.fromisoformat(effective) if effective else business_date, body))
    return fresh


def send_updates(feed: FeedPlan, *, store: Any, business_date: date,
                 connections: ConnectionResolver | None = None) -> WriteBackResult:
    """Resume what an earlier run left PENDING, then derive, record and send today's changes."""
    endpoint = feed.spec.endpoint
    if feed.spec.direction != "out" or endpoint is None:
        raise ConfigError(f"{feed.id}: an outbound API feed needs the endpoint it POSTs to",
                          file=str(feed.folder / "vendor.yaml"), key_path=f"feeds.{feed.name}.endpoint")
    vendor, engine = feed.vendor.vendor, store.engine
    result = WriteBackResult(feed.id, f"POST {endpoint.path}", business_date)
    with contextlib.closing(open_api_client(feed, connections)) as client:
        left = writebacks.pending_updates(engine, vendor, feed.name)
        if left:
            log.info("%s: resuming %d update(s) an earlier run built", feed.id, len(left))
            result.resumed = len(left)
            _send(feed, client, store, left, result)
        fresh = derive_updates(feed, store=store, business_date=business_date)
        if fresh:
            batch = store.build_batch(vendor, feed.name, watermark=datetime.now(UTC))
            writebacks.record_built(engine, vendor=vendor, feed=feed.name, batch_id=batch.batch_id,
                                    business_date=business_date, updates=fresh)
            result.batch_id = batch.batch_id
            _send(feed, client, store, writebacks.pending_updates(engine, vendor, feed.name), result)
    if result.rejected:
        _alert_rejections(feed, result)
    log.info("%s: %s applied %d, superseded %d, rejected %d", feed.id, result.status, result.applied,
             result.superseded, result.rejected)
    return result


def _send(feed: FeedPlan, client: Any, store: Any, pending: list[StoredUpdate], result: WriteBackResult) -> None:
    """POST each update under its stored key and record the answer; then close its batch in the ledger."""
    path = feed.spec.endpoint.path
    for item in pending:
        try:
            answer = client.post_json(path, item.body, idempotency_key=item.idempotency_key)
        except RejectedInput as exc:
            status = getattr(exc, "http_status", None)
            if status == 409:
                writebacks.record_answer(store.engine, item.idempotency_key, "SUPERSEDED", http_status=409)
                result.superseded += 1
                continue
            errors = [{"field": e.field or "body", "reason": e.reason} for e in exc.errors] or \
                [{"field": "body", "reason": f"HTTP {status}"}]
            writebacks.record_answer(store.engine, item.idempotency_key, "REJECTED", http_status=status,
                                     errors=errors)
            result.rejected += 1
            result.rejected_fields += [e["field"] for e in errors if e["field"] not in result.rejected_fields]
            continue
        ref = answer.body.get("id")
        writebacks.record_answer(store.engine, item.idempotency_key, "APPLIED", http_status=answer.status,
                                 vendor_ref=str(ref)[:120] if ref is not None else None)
        result.applied += 1
    result.status = "SENT"
    for batch_id in dict.fromkeys(u.batch_id for u in pending):
        _close_batch(feed, store, batch_id, result)


def _close_batch(feed: FeedPlan, store: Any, batch_id: str, result: WriteBackResult) -> None:
    """Every update of the batch answered: its ledger row SENT (counts, and a digest of the bodies sent)."""
    from schemas.version import SCHEMA_VERSION

    sent = writebacks.updates(store.engine, feed.vendor.vendor, feed.name, batch_id=batch_id)
    if any(u.status == "PENDING" for u in sent):
        return
    digest = hashlib.sha256()
    for u in sent:
        digest.update(u.idempotency_key.encode() + b"\n")
    result.sha256 = digest.hexdigest()
    store.set_batch_record_count(batch_id, len(sent))
    day = min(u.business_date for u in sent)
    store.record_send(batch_id, file_name=f"{feed.id}.{day:%Y%m%d}.{batch_id[:8]}.updates", size=None,
                      sha256_sent=result.sha256, sha256_plaintext=result.sha256, business_date=day,
                      schema_version=SCHEMA_VERSION, mapping_version=feed.mapping_version)


def _alert_rejections(feed: FeedPlan, result: WriteBackResult) -> None:
    """One alert per run for the updates the vendor refused: counts and field names, never a value."""
    from leavehub.alerts import Alert, send_alert

    send_alert(Alert("rejected_by_vendor", feed.id, result.business_date,
                     f"{result.rejected} update(s) refused (HTTP 422)",
                     {"rejected": result.rejected, "fields": ", ".join(sorted(result.rejected_fields)),
                      "applied": result.applied, "superseded": result.superseded}),
               settings=feed.settings)
