"""Missing files and sequence holes become ledger MISSING rows once, and one alert each at a real webhook."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from leavehub.config.vendor import load_vendors
from leavehub.operations.arrivals import check_arrivals, due_dates
from leavehub.operations.sequence import check_sequences
from leavehub.pipeline.runner import run_feed

pytestmark = pytest.mark.realpeer

FEED = "harbor_leave.absences"


@pytest.fixture
def hub(ops_hub: Any, webhook_sink: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Only ``absences`` keeps its arrival window; alerts go to the webhook sink."""
    ops_hub.only_window(FEED)
    ops_hub.set_alerts({"type": "webhook", "url_env": "LH_OPS_HOOK", "retries": 0})
    monkeypatch.setenv("LH_OPS_HOOK", webhook_sink.url)
    return ops_hub


def post(hub: Any, *days: date, **kw: Any) -> None:
    for day in days:
        outcome = run_feed(FEED, files=[hub.absence_file(day, **kw)], settings=hub.settings, store=hub.store)
        assert outcome.receipts[0].status in ("APPLIED", "REJECTED"), outcome.summary()


def check(hub: Any, now: datetime, lookback_days: int = 2) -> list[Any]:
    return check_arrivals(hub.store, load_vendors(hub.mappings), now, lookback_days=lookback_days,
                          settings=hub.settings)


def missing_rows(hub: Any) -> list[tuple[date, str]]:
    return sorted((r.business_date, r.file_name) for r in hub.store.ledger(status="MISSING"))


def test_due_dates_skip_days_the_feed_does_not_send() -> None:
    from leavehub.config.vendor import ArrivalWindow

    fridays = ArrivalWindow(expected_by="10:00", timezone="America/Los_Angeles", days=["fri"])
    monday_noon = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    assert due_dates(fridays, monday_noon, 2) == [date(2026, 11, 20), date(2026, 11, 13)]
    friday_early = datetime(2026, 11, 20, 17, 59, tzinfo=UTC)  # 09:59 in Los Angeles
    assert due_dates(fridays, friday_early, 1) == [date(2026, 11, 13)]
    with pytest.raises(ValueError, match="aware"):
        due_dates(fridays, datetime(2026, 11, 23, 12, 0), 1)


def test_a_file_not_here_by_its_deadline_is_recorded_missing_once_and_alerted_once(hub: Any,
                                                                                  webhook_sink: Any) -> None:
    post(hub, date(2026, 11, 18), date(2026, 11, 19))
    assert check(hub, datetime(2026, 11, 20, 16, 59, tzinfo=UTC)) == []  # 08:59 in Los Angeles: not yet due
    assert webhook_sink.received == []

    [found] = check(hub, datetime(2026, 11, 20, 17, 1, tzinfo=UTC))
    assert (found.feed_id, found.business_date, found.expected_name) == (
        FEED, date(2026, 11, 20), "HARBOR_ABSENCE_20261120.csv")
    assert found.delivery is not None and found.delivery.delivered
    assert missing_rows(hub) == [(date(2026, 11, 20), "HARBOR_ABSENCE_20261120.csv")]
    [body] = webhook_sink.bodies()
    assert (body["kind"], body["feed"], body["business_date"]) == ("missing_file", FEED, "2026-11-20")
    assert body["details"]["expected"] == "HARBOR_ABSENCE_20261120.csv"

    assert check(hub, datetime(2026, 11, 20, 17, 30, tzinfo=UTC)) == []  # the next check: nothing new
    assert len(missing_rows(hub)) == 1 and len(webhook_sink.received) == 1

    post(hub, date(2026, 11, 20))  # arrives late
    assert check(hub, datetime(2026, 11, 20, 18, 0, tzinfo=UTC)) == []
    assert {r.status for r in hub.store.ledger(business_date=date(2026, 11, 20))} == {"MISSING", "APPLIED"}


def test_a_rejected_file_counts_as_arrived(hub: Any) -> None:
    post(hub, date(2026, 11, 19))
    post(hub, date(2026, 11, 20), decision="Approve")  # unknown code: rejected and quarantined
    assert check(hub, datetime(2026, 11, 20, 18, 0, tzinfo=UTC)) == []


def test_weekly_feed_is_only_expected_on_its_day(ops_hub: Any) -> None:
    ops_hub.only_window("harbor_leave.benefit_payments")
    found = check(ops_hub, datetime(2026, 11, 23, 20, 0, tzinfo=UTC), lookback_days=2)
    assert [(m.feed, m.business_date) for m in found] == [("benefit_payments", date(2026, 11, 20)),
                                                          ("benefit_payments", date(2026, 11, 13))]


def test_a_missing_date_between_two_files_is_a_gap_alerted_once(hub: Any, webhook_sink: Any) -> None:
    post(hub, date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 20))
    now = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
    [gap] = check_sequences(hub.store, load_vendors(hub.mappings), now, settings=hub.settings)
    assert (gap.feed_id, gap.kind, gap.missing, gap.after, gap.before, gap.new) == (
        FEED, "business_date", ("2026-11-19",), "2026-11-18", "2026-11-20", True)
    assert missing_rows(hub) == [(date(2026, 11, 19), "HARBOR_ABSENCE_20261119.csv")]
    assert [b["kind"] for b in webhook_sink.bodies()] == ["sequence_gap"]

    [again] = check_sequences(hub.store, load_vendors(hub.mappings), now, settings=hub.settings)
    assert not again.new and again.delivery is None
    assert check(hub, now, lookback_days=3) == []  # the arrival check sees the MISSING row too
    assert len(webhook_sink.received) == 1 and len(missing_rows(hub)) == 1


def test_a_skipped_sequence_number_is_a_gap(hub: Any, webhook_sink: Any) -> None:
    hub.edit_feed("absences", file_pattern="HARBOR_ABSENCE_{date:%Y%m%d}_{seq}.csv", arrival=None)
    for day, seq in ((date(2026, 11, 17), "00041"), (date(2026, 11, 18), "00042"), (date(2026, 11, 19), "00045")):
        name = f"HARBOR_ABSENCE_{day:%Y%m%d}_{seq}.csv"
        outcome = run_feed(FEED, files=[hub.absence_file(day, name=name)], settings=hub.settings, store=hub.store)
        assert outcome.ok, outcome.summary()
    now = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)
    [gap] = check_sequences(hub.store, load_vendors(hub.mappings), now, settings=hub.settings)
    assert (gap.kind, gap.missing, gap.after, gap.before, gap.new) == ("seq", ("00043", "00044"), "00042", "00045",
                                                                        True)
    assert missing_rows(hub) == [(date(2026, 11, 19), "HARBOR_ABSENCE_*_00043.csv"),
                                 (date(2026, 11, 19), "HARBOR_ABSENCE_*_00044.csv")]
    [body] = webhook_sink.bodies()
    assert body["details"] == {"gap_kind": "seq", "missing_count": 2, "after": "00042", "before": "00045"}

    [again] = check_sequences(hub.store, load_vendors(hub.mappings), now, settings=hub.settings)
    assert not again.new and len(webhook_sink.received) == 1 and len(missing_rows(hub)) == 2
