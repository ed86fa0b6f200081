"""Reading only what an outbound mapping can keep changes nothing in the file: the Summit 834's frame built
from the pushed-down reads equals the one mapped from every current record, and the reads are smaller."""

from __future__ import annotations

import os
from datetime import date

import pandas as pd

DAY = date(2026, 12, 7)


def test_pushed_down_reads_build_the_same_834_frame_from_fewer_rows(tmp_path):
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.outbound import build_frame, source_frames
    from leavehub.store import PiiCipher, Store
    from sandbox.summit_population import load_population, summit_population

    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}", cipher=PiiCipher(os.urandom(32)))
    store.migrate()
    population = summit_population(80, business_date=DAY)
    # rows the query cannot keep: a medical enrollment, an old leave, a marker of another plan's entry type
    extra = population.frames["enrollment"].iloc[:1].assign(plan_type="MEDICAL", plan_code="MED-A")
    population.frames["enrollment"] = pd.concat([population.frames["enrollment"], extra], ignore_index=True)
    leave = population.frames["leave_period"]
    old = leave.iloc[:1].assign(absence_period_key="P-OLD", period_start=date(2025, 1, 6),
                                period_end=date(2025, 2, 6), rtw_date=None)
    population.frames["leave_period"] = pd.concat([leave, old], ignore_index=True)
    load_population(store, population, business_date=DAY)
    feed = load_feed("summit_mutual.enrollment_full")
    try:
        everything = {e: store.current(e, decrypt_pii=True) for e in feed.mapper.required_entities}
        pushed = source_frames(feed, store, DAY, None)
        assert len(pushed["enrollment"]) == len(everything["enrollment"]) - 1, "the medical plan is not read"
        assert len(pushed["leave_period"]) == len(everything["leave_period"]) - 1, "the leave that ended is not"
        expected = feed.mapper.apply(everything, business_date=DAY)
        got = feed.mapper.apply(pushed, business_date=DAY)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
        assert len(build_frame(feed, store=store, business_date=DAY)) == len(expected)
    finally:
        store.dispose()
