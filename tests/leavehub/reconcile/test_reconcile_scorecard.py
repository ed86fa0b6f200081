"""The vendor scorecard from a hand-built ledger: on time against the declared window, late, missing,
rejected files and rows, duplicates, 834 acceptance and correction turnaround."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from leavehub.config.vendor import ArrivalWindow
from leavehub.reconcile.scorecard import SCORECARD_COLUMNS, scorecard

CHECK = date(2026, 3, 13)
LA = ZoneInfo("America/Los_Angeles")
WINDOW = ArrivalWindow(expected_by="09:00", timezone="America/Los_Angeles")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=LA)


def ledger(*rows: tuple) -> pd.DataFrame:
    columns = ["vendor", "feed", "direction", "business_date", "status", "received_at", "records_read",
               "records_rejected"]
    return pd.DataFrame([(v, f, d, b, s, r, 10, rej) for v, f, d, b, s, r, rej in rows], columns=columns)


def test_scorecard_counts() -> None:
    rows = ledger(
        ("harbor", "periods", "inbound", date(2026, 3, 9), "APPLIED", at(9, 8), 0),          # on time
        ("harbor", "periods", "inbound", date(2026, 3, 10), "MISSING", at(10, 9), 0),        # then late
        ("harbor", "periods", "inbound", date(2026, 3, 10), "APPLIED", at(10, 11), 2),       # late, 2 rows bad
        ("harbor", "periods", "inbound", date(2026, 3, 11), "MISSING", at(11, 9), 0),        # missing
        ("harbor", "periods", "inbound", date(2026, 3, 12), "REJECTED", at(12, 7), 0),       # on time, refused
        ("harbor", "periods", "inbound", date(2026, 3, 12), "APPLIED", at(12, 13), 0),       # corrected in 6 h
        ("harbor", "periods", "inbound", date(2026, 3, 12), "DUPLICATE", at(12, 14), 0),
        ("harbor", "periods", "inbound", date(2025, 12, 1), "MISSING", at(1, 1), 0),         # before the window
        ("hris", "workers", "inbound", date(2026, 3, 12), "APPLIED", at(12, 23), 0),         # no window declared
        ("summit", "enrollment_change", "outbound", date(2026, 3, 10), "SENT", at(10, 6), 0),
        ("summit", "enrollment_change", "outbound", date(2026, 3, 10), "SENT", at(11, 6), 0),
    )
    sets = pd.DataFrame({
        "vendor": ["summit", "summit", "summit"], "feed": ["enrollment_change"] * 3,
        "business_date": [date(2026, 3, 10)] * 2 + [date(2026, 3, 11)],
        "status": ["REJECTED", "ACCEPTED", "SENT"],
        "sent_at": [at(10, 6), at(11, 6), at(11, 7)], "acknowledged_at": [at(10, 8), at(11, 8), None]})
    card = scorecard(rows, sets, {"harbor.periods": WINDOW.deadline}, check_date=CHECK, weeks=4)
    assert list(card.columns) == list(SCORECARD_COLUMNS)
    got = card.set_index(["vendor", "feed"])
    harbor = got.loc[("harbor", "periods")]
    assert (harbor["files"], harbor["on_time"], harbor["late"], harbor["missing"]) == (3, 2, 1, 1)
    assert harbor["on_time_pct"] == 50.0
    assert (harbor["rejected_files"], harbor["rejected_rows"], harbor["duplicates"]) == (1, 2, 1)
    assert (harbor["corrections"], harbor["turnaround_hours"]) == (1, 6.0)
    assert pd.isna(got.loc[("hris", "workers"), "on_time_pct"])
    summit = got.loc[("summit", "enrollment_change")]
    assert (summit["files"], summit["sets_acknowledged"], summit["sets_accepted"]) == (2, 2, 1)
    assert summit["acceptance_pct"] == 50.0 and summit["turnaround_hours"] == 22.0


def test_a_clean_feed_scores_full_marks() -> None:
    rows = ledger(*[("harbor", "periods", "inbound", date(2026, 3, d), "APPLIED", at(d, 7), 0) for d in (9, 10)])
    card = scorecard(rows, pd.DataFrame(), {"harbor.periods": WINDOW.deadline}, check_date=CHECK, weeks=1)
    row = card.iloc[0]
    assert (row["on_time_pct"], row["late"], row["missing"], row["rejected_files"], row["duplicates"]) == (
        100.0, 0, 0, 0, 0)
