"""The Airflow Assets LeaveHub feeds publish and schedule on: one per feed, one per pay-calendar event.

Why assets and not sensors: a feed that needs another feed's data (a carrier census after the HRIS pull)
runs when that data has landed, not at a guessed clock time, and costs no worker slot while it waits.
Every feed DAG's one task has its feed's asset as outlet and puts ``{"business_date": "YYYY-MM-DD", ...}`` in
the event's extra, so the run it triggers knows which business day it is about (asset-triggered runs have no
logical date).

Pay-calendar schedules name an event of the payroll calendar (``pay_date``, ``period_end``,
``period_close``) and an offset in days. Each (event, offset) pair is one asset; the pay calendar feed
publishes it on the right day with the event's business date in the extra. Until that feed exists, nothing
publishes these assets and the DAGs scheduled on them simply never run (no placeholder DAGs).

The URI scheme is ``x-leavehub``: Airflow leaves ``x-`` schemes alone, whereas any other scheme makes the
first Asset of a parse discover every provider's URI normalizers (importing Airflow's SQLAlchemy models,
about a quarter of a second of each parse of the DAG file; see bench/dag_parse_bench.py).

Example::

    feed_asset("harbor_leave.leave_periods").uri     # "x-leavehub://harbor_leave/leave_periods"
    pay_calendar_asset("pay_date", -2).name          # "calendar.pay_date-2d"
"""

from __future__ import annotations

from airflow.sdk import Asset

__all__ = [
    "ASSET_GROUP",
    "ASSET_SCHEME",
    "CALENDAR_NAMESPACE",
    "feed_asset",
    "pay_calendar_asset",
]

ASSET_SCHEME = "x-leavehub"
ASSET_GROUP = "leavehub"
CALENDAR_NAMESPACE = "calendar"
"""The URI host of pay-calendar assets; a vendor may not be named like it (the factory refuses it)."""


def feed_asset(feed_ref: str) -> Asset:
    """The asset of feed ``"vendor.feed"``: published when the feed stored (inbound) or sent (outbound) data."""
    vendor, dot, feed = feed_ref.partition(".")
    if not (vendor and dot and feed):
        raise ValueError(f"feed reference must be 'vendor.feed', got {feed_ref!r}")
    return Asset(name=feed_ref, uri=f"{ASSET_SCHEME}://{vendor}/{feed}", group=ASSET_GROUP)


def pay_calendar_asset(event: str, offset_days: int = 0) -> Asset:
    """The asset the pay calendar feed publishes ``offset_days`` from each ``event`` (negative = before)."""
    uri = f"{ASSET_SCHEME}://{CALENDAR_NAMESPACE}/{event}"
    name = f"{CALENDAR_NAMESPACE}.{event}"
    if offset_days:
        uri += f"?offset_days={offset_days}"
        name += f"{offset_days:+d}d"
    return Asset(name=name, uri=uri, group=ASSET_GROUP)
