"""Backfill: run one feed for every business date in a range, after an outage or when a vendor goes live.

    outbound         build and send one file per date, oldest first; a date already SENT is skipped
    inbound API      one pull per date (``{business_date}`` in the endpoint's params); a date whose pull
                     already applied is skipped
    inbound files    the vendor's folder is drained once - every file carries its own business date in its
                     name - and the dates in the range that still have no ledger row are reported

It stops at the first date that fails, so nothing is sent out of order; running the same backfill again
resumes (done dates are skipped). A rejected file is quarantined by the pipeline and alerted here.

Example::

    result = backfill("harbor_leave.eligibility", date(2026, 11, 2), date(2026, 11, 6), settings=settings)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from leavehub.alerts import Alert, send_alert
from leavehub.settings import Settings
from schemas.errors import ConfigError, LeaveHubError

__all__ = ["MAX_BACKFILL_DAYS", "BackfillDay", "BackfillResult", "backfill", "business_dates"]

log = logging.getLogger(__name__)

MAX_BACKFILL_DAYS = 366
DONE_INBOUND = frozenset({"APPLIED", "DUPLICATE"})

DayStatus = Literal["sent", "already_sent", "applied", "already_applied", "rejected", "failed"]


@dataclass(frozen=True)
class BackfillDay:
    business_date: date | None
    status: DayStatus
    detail: str


@dataclass
class BackfillResult:
    feed: str
    start: date
    end: date
    days: list[BackfillDay] = field(default_factory=list)
    without_file: list[date] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(d.status not in ("rejected", "failed") for d in self.days)


def business_dates(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive (bounded: a typo in a year must not run 10,000 dates)."""
    if end < start:
        raise ConfigError(f"backfill range ends ({end}) before it starts ({start})")
    count = (end - start).days + 1
    if count > MAX_BACKFILL_DAYS:
        raise ConfigError(f"backfill range is {count} days; at most {MAX_BACKFILL_DAYS} per run")
    return [start + timedelta(days=n) for n in range(count)]


def backfill(feed_id: str, start: date, end: date, *, settings: Settings | None = None, store: Any = None,
             connections: Any = None, run: Callable[..., Any] | None = None) -> BackfillResult:
    """Run ``feed_id`` for each business date in ``[start, end]`` (see the module docstring per direction)."""
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.runner import open_store, run_feed

    settings = settings or Settings.from_env()
    run = run or run_feed
    dates = business_dates(start, end)
    feed = load_feed(feed_id, settings)
    store = store or open_store(settings)
    result = BackfillResult(feed.id, start, end)
    vendor, name = feed.vendor.vendor, feed.name
    if feed.spec.direction == "in" and feed.vendor.transport.type != "http":
        _drain_inbox(feed, result, dates, store, settings, connections, run)
        return result
    for day in dates:
        rows = store.ledger(vendor=vendor, feed=name, business_date=day)
        if feed.spec.direction == "out" and any(r.status == "SENT" for r in rows):
            result.days.append(BackfillDay(day, "already_sent", next(r.file_name for r in rows
                                                                     if r.status == "SENT")))
            continue
        if feed.spec.direction == "in" and any(r.status in DONE_INBOUND for r in rows):
            result.days.append(BackfillDay(day, "already_applied", "pull already in the ledger"))
            continue
        try:
            outcome = run(feed.id, business_date=day, settings=settings, store=store, connections=connections)
        except LeaveHubError as exc:
            result.days.append(BackfillDay(day, "failed", f"{type(exc).__name__}: {exc}"))
            _alert_failure(feed.id, day, exc, settings)
            break
        if outcome.sent is not None:
            status: DayStatus = "sent" if outcome.sent.status == "SENT" else "already_sent"
            result.days.append(BackfillDay(day, status, f"{outcome.sent.file} ({outcome.sent.records} records)"))
            continue
        result.days.append(BackfillDay(day, "applied" if outcome.ok else "rejected", outcome.summary()))
        if not outcome.ok:
            break
    return result


def _drain_inbox(feed: Any, result: BackfillResult, dates: list[date], store: Any, settings: Settings,
                 connections: Any, run: Callable[..., Any]) -> None:
    """Post every waiting file once, then list the range's sending days that still have no ledger row."""
    try:
        outcome = run(feed.id, settings=settings, store=store, connections=connections)
    except LeaveHubError as exc:
        result.days.append(BackfillDay(None, "failed", f"{type(exc).__name__}: {exc}"))
        _alert_failure(feed.id, None, exc, settings)
        return
    for receipt in outcome.receipts:
        status: DayStatus = "rejected" if receipt.status == "REJECTED" else (
            "applied" if receipt.status == "APPLIED" else "already_applied")
        result.days.append(BackfillDay(receipt.business_date, status, receipt.file))
    arrival = feed.spec.arrival
    for day in dates:
        if arrival is not None and not arrival.expects(day):
            continue
        if not store.ledger(vendor=feed.vendor.vendor, feed=feed.name, business_date=day, limit=1):
            result.without_file.append(day)


def _alert_failure(feed_id: str, day: date | None, exc: LeaveHubError, settings: Settings) -> None:
    # the exception's text is ours and names where and why (schemas.errors never carries a value)
    send_alert(Alert("backfill_failed", feed_id, day, f"backfill stopped: {type(exc).__name__}",
                     {"reason": str(exc)[:500]}), settings=settings)
