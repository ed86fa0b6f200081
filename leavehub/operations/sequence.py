"""Sequence gaps in CHANGE feeds: a change file that never came means changes we never applied.

A full file heals itself (the next one supersedes it); a change file does not, so a hole in a change feed's
sequence is a silent data loss. Two kinds of hole are found in the ledger of recent arrivals:

- a business date missing between two dates that did arrive (for a feed whose file names carry ``{date}`` and
  whose ``arrival.days`` say which dates it sends on), e.g. Mon and Wed arrived, Tue did not;
- a skipped number when the vendor numbers its files (a ``{seq}`` variable in the file pattern), e.g. 41 and 43.

The trailing edge (today's file not here yet) is ``check_arrivals``'s job. Each hole is recorded ``MISSING`` in
the ledger once (a date hole under its business date; a number hole under a marker name such as
``HARBOR_X_*_00042.csv``) and alerted once; checking again reports it in the result but does not re-alert.
Sequence numbers are compared as integers within the look-back window; a counter reset (a drop) is no hole.

Example::

    gaps = check_sequences(store, load_vendors(settings.mappings_root), datetime.now(UTC))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any, Literal

from leavehub.alerts import Alert, Delivery, send_alert
from leavehub.config.vendor import FeedSpec, VendorConfig, VendorSet
from leavehub.operations.arrivals import expected_name, inbound_feeds

__all__ = ["DEFAULT_SEQUENCE_LOOKBACK_DAYS", "SEQ_VARIABLE", "SequenceGap", "check_sequences"]

SEQ_VARIABLE = "seq"
DEFAULT_SEQUENCE_LOOKBACK_DAYS = 31
MAX_RECORDED_PER_GAP = 100  # a wider hole is recorded by its first numbers (a jump that size is an alert anyway)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")


@dataclass(frozen=True)
class SequenceGap:
    """One hole: the missing business dates or sequence numbers between two files that did arrive."""

    vendor: str
    feed: str
    kind: Literal["business_date", "seq"]
    missing: tuple[str, ...]
    after: str
    before: str
    new: bool  # recorded and alerted by this check (False: reported by an earlier one)
    delivery: Delivery | None = None

    @property
    def feed_id(self) -> str:
        return f"{self.vendor}.{self.feed}"

    def describe(self) -> str:
        what = "business date(s)" if self.kind == "business_date" else "file number(s)"
        shown = ", ".join(self.missing[:10]) + (f" (+{len(self.missing) - 10} more)" if len(self.missing) > 10
                                                 else "")
        return f"{len(self.missing)} {what} missing between {self.after} and {self.before}: {shown}"


@dataclass(frozen=True)
class _Row:
    file_name: str
    status: str
    business_date: date | None
    received_at: datetime


def _recent_rows(store: Any, vendor: str, feed: str, since: datetime) -> list[_Row]:
    """The feed's ledger rows received, or dated, within the window (by id: arrival order)."""
    from sqlalchemy import or_, select

    from leavehub.store.tables import FILE_LEDGER as L

    query = (select(L.c.file_name, L.c.status, L.c.business_date, L.c.received_at)
             .where(L.c.vendor == vendor, L.c.feed == feed,
                    or_(L.c.received_at >= since, L.c.business_date >= since.date()))
             .order_by(L.c.id))
    with store.engine.connect() as connection:
        return [_Row(r.file_name or "", r.status, r.business_date, r.received_at)
                for r in connection.execute(query)]


def seq_marker(feed: FeedSpec, seq_text: str) -> str:
    """The ledger name of a missing numbered file: its pattern with ``{seq}`` filled, other parts ``*``."""
    assert feed.file_pattern is not None
    return _PLACEHOLDER.sub(lambda m: seq_text if m.group(1) == SEQ_VARIABLE else "*", feed.file_pattern.text)


def check_sequences(store: Any, vendors: VendorSet | Mapping[str, VendorConfig] | Iterable[VendorConfig],
                    now: datetime, *, lookback_days: int = DEFAULT_SEQUENCE_LOOKBACK_DAYS, alert: bool = True,
                    settings: Any = None) -> list[SequenceGap]:
    """Every hole in the recent sequence of every inbound CHANGE feed; new holes are recorded and alerted."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    gaps: list[SequenceGap] = []
    for vendor, name, feed in inbound_feeds(vendors):
        if feed.file_kind != "change" or feed.file_pattern is None:
            continue
        rows = _recent_rows(store, vendor.vendor, name, now - timedelta(days=lookback_days))
        if feed.file_pattern.has_date and feed.arrival is not None:
            gaps += _date_gaps(store, vendor.vendor, name, feed, rows)
        if SEQ_VARIABLE in feed.file_pattern.variables:
            gaps += _seq_gaps(store, vendor.vendor, name, feed, rows)
    if alert:
        gaps = [_alerted(g, settings) if g.new else g for g in gaps]
    return gaps


def _date_gaps(store: Any, vendor: str, name: str, feed: FeedSpec, rows: list[_Row]) -> list[SequenceGap]:
    assert feed.arrival is not None
    arrived = sorted({r.business_date for r in rows if r.status != "MISSING" and r.business_date})
    recorded = {r.business_date for r in rows if r.status == "MISSING"}
    gaps = []
    for before, after in pairwise(arrived):
        hole = [before + timedelta(days=n) for n in range(1, (after - before).days)]
        hole = [d for d in hole if feed.arrival.expects(d)]
        if not hole:
            continue
        new = [d for d in hole if d not in recorded]
        for day in new:
            store.record_missing(vendor, name, day, expected_name=expected_name(feed, day))
        gaps.append(SequenceGap(vendor, name, "business_date", tuple(d.isoformat() for d in hole),
                                before.isoformat(), after.isoformat(), new=bool(new)))
    return gaps


def _seq_gaps(store: Any, vendor: str, name: str, feed: FeedSpec, rows: list[_Row]) -> list[SequenceGap]:
    assert feed.file_pattern is not None
    numbered: dict[int, tuple[str, _Row]] = {}
    for row in rows:
        matched = feed.file_pattern.match(row.file_name) if row.status != "MISSING" else None
        text = matched.vars.get(SEQ_VARIABLE, "") if matched else ""
        if text.isdigit():
            numbered.setdefault(int(text), (text, row))
    recorded = {r.file_name for r in rows if r.status == "MISSING"}
    gaps = []
    ordered = sorted(numbered.items())
    for (low, (low_text, _)), (high, (high_text, high_row)) in pairwise(ordered):
        if high - low <= 1:
            continue
        width = len(low_text) if len(low_text) == len(high_text) else 0
        hole = [str(n).zfill(width) for n in range(low + 1, high)]
        day = high_row.business_date or high_row.received_at.date()
        new = [s for s in hole[:MAX_RECORDED_PER_GAP] if seq_marker(feed, s) not in recorded]
        for seq in new:
            store.record_missing(vendor, name, day, expected_name=seq_marker(feed, seq))
        gaps.append(SequenceGap(vendor, name, "seq", tuple(hole), low_text, high_text, new=bool(new)))
    return gaps


def _alerted(gap: SequenceGap, settings: Any) -> SequenceGap:
    first_missing = date.fromisoformat(gap.missing[0]) if gap.kind == "business_date" else None
    delivery = send_alert(Alert("sequence_gap", gap.feed_id, first_missing, gap.describe(),
                                {"gap_kind": gap.kind, "missing_count": len(gap.missing), "after": gap.after,
                                 "before": gap.before}), settings=settings)
    return SequenceGap(gap.vendor, gap.feed, gap.kind, gap.missing, gap.after, gap.before, gap.new, delivery)
