"""Arrival windows: a file that never came is a failure too, so silence past a deadline becomes an alert.

An inbound feed may declare ``arrival: {expected_by: "09:00", timezone: America/Los_Angeles, days: daily}`` in
vendor.yaml. ``check_arrivals`` walks back over recent business dates whose deadline has passed; a date with no
ledger row for the feed is recorded ``MISSING`` (``Store.record_missing``) and alerted. A date that already has
a MISSING row was reported before: checking again (the check runs every few minutes) records and alerts nothing
new. Any other ledger row - APPLIED, DUPLICATE, REJECTED, QUARANTINED, FAILED - means the file did arrive; what
became of it is another alert's business.

Example::

    missing = check_arrivals(store, load_vendors(settings.mappings_root), datetime.now(UTC))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from leavehub.alerts import Alert, Delivery, send_alert
from leavehub.config.vendor import ArrivalWindow, FeedSpec, VendorConfig, VendorSet

__all__ = ["DEFAULT_LOOKBACK_DAYS", "MissingFile", "check_acknowledgements", "check_arrivals", "due_dates",
           "expected_name", "inbound_feeds"]

DEFAULT_LOOKBACK_DAYS = 3
"""How many business dates back a check looks: a check that did not run over a weekend still catches Friday,
while a fresh install does not flood the ledger with a year of MISSING rows."""


@dataclass(frozen=True)
class MissingFile:
    """A business date whose file did not arrive by its deadline (newly recorded by this check)."""

    vendor: str
    feed: str
    business_date: date
    deadline: datetime
    expected_name: str
    ledger_id: int
    delivery: Delivery | None = None

    @property
    def feed_id(self) -> str:
        return f"{self.vendor}.{self.feed}"


def inbound_feeds(vendors: VendorSet | Mapping[str, VendorConfig] | Iterable[VendorConfig]
                  ) -> Iterator[tuple[VendorConfig, str, FeedSpec]]:
    """Every inbound feed of the given vendors, in vendor then feed order."""
    if isinstance(vendors, VendorSet):
        vendors = vendors.vendors
    configs = list(vendors.values()) if isinstance(vendors, Mapping) else list(vendors)
    for vendor in sorted(configs, key=lambda v: v.vendor):
        for name, feed in sorted(vendor.feeds.items()):
            if feed.direction == "in":
                yield vendor, name, feed


def due_dates(window: ArrivalWindow, now: datetime, lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> list[date]:
    """Business dates the feed sends on whose deadline is at or before ``now``, newest first, ``lookback_days``
    of them at most (counting only days the feed sends on)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_today = now.astimezone(ZoneInfo(window.timezone)).date()
    found: list[date] = []
    day = local_today
    for _ in range(lookback_days * 7 + 8):  # enough calendar days to find lookback_days sending days
        if len(found) >= lookback_days:
            break
        if window.expects(day) and window.deadline(day) <= now:
            found.append(day)
        day -= timedelta(days=1)
    return found


def expected_name(feed: FeedSpec, business_date: date) -> str:
    """The file name the feed should have delivered: its pattern rendered when the date is its only variable,
    else the pattern itself (a ``{client}`` is the employer's, not known here); an API pull has no name."""
    pattern = feed.file_pattern
    if pattern is None:
        return ""
    if not pattern.variables:
        return pattern.render(business_date) if pattern.has_date else pattern.text
    return pattern.text


def check_arrivals(store: Any, vendors: VendorSet | Mapping[str, VendorConfig] | Iterable[VendorConfig],
                   now: datetime, *, lookback_days: int = DEFAULT_LOOKBACK_DAYS, alert: bool = True,
                   settings: Any = None) -> list[MissingFile]:
    """Record (once) and alert every overdue file of every inbound feed that declares an arrival window."""
    missing: list[MissingFile] = []
    for vendor, name, feed in inbound_feeds(vendors):
        if feed.arrival is None:
            continue
        for day in due_dates(feed.arrival, now, lookback_days):
            rows = store.ledger(vendor=vendor.vendor, feed=name, business_date=day)
            if rows:  # arrived (any status) or already recorded MISSING
                continue
            expected = expected_name(feed, day)
            ledger_id = store.record_missing(vendor.vendor, name, day, expected_name=expected)
            deadline = feed.arrival.deadline(day)
            found = MissingFile(vendor.vendor, name, day, deadline, expected, ledger_id)
            if alert:
                delivery = send_alert(Alert(
                    "missing_file", found.feed_id, day,
                    f"no file for {day.isoformat()} by {feed.arrival.expected_by} {feed.arrival.timezone}",
                    {"expected": expected or None, "deadline": deadline.isoformat(), "ledger_id": ledger_id}),
                    settings=settings)
                found = MissingFile(vendor.vendor, name, day, deadline, expected, ledger_id, delivery)
            missing.append(found)
    return missing


def check_acknowledgements(store: Any, vendors: VendorSet | Mapping[str, VendorConfig] | Iterable[VendorConfig],
                           now: datetime, *, alert: bool = True, settings: Any = None) -> list[Any]:
    """Alert (once) every X12 transaction set a vendor has not answered within its ``acknowledgements`` window
    (an answer is just as much an expected arrival as a file)."""
    from leavehub.pipeline.acknowledgements import overdue_acknowledgements
    from leavehub.pipeline.feeds import load_feed
    from leavehub.settings import Settings

    if isinstance(vendors, VendorSet):
        vendors = vendors.vendors
    configs = list(vendors.values()) if isinstance(vendors, Mapping) else list(vendors)
    late: list[Any] = []
    for vendor in sorted(configs, key=lambda v: v.vendor):
        if vendor.acknowledgements is None:
            continue
        name = next(n for n, f in sorted(vendor.feeds.items()) if f.format == "x12" and f.direction == "out")
        feed = load_feed(f"{vendor.vendor}.{name}", settings or Settings.from_env())
        late += overdue_acknowledgements(feed, store=store, now=now, alert=alert, settings=settings)
    return late
