"""Properties of the pay run over random sequences of leave decisions (hypothesis, bounded):

- right after any run, running again with unchanged input builds no new lines and names the same Batch ID;
- while payroll has not processed it, a check date keeps ONE Batch ID however often the decision changes
  (``NEW`` the first time, ``REPLACE`` after), and the last import sent carries exactly the latest pricing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leavehub.payrun.run import plan_pay_run, run_pay
from leavehub.pipeline.runner import run_feed

from .test_pay_run import BEFORE_DEADLINE, CHECK, LEAVE_HEADER, drop, hub, sent_rows  # noqa: F401

DECISIONS = st.tuples(st.integers(0, 20), st.integers(0, 20), st.sampled_from(["Approved", "Pending", "Denied"]))


@pytest.mark.timeout(600)
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.lists(DECISIONS, min_size=1, max_size=3))
def test_reruns_send_nothing_and_a_check_keeps_one_batch_id(hub, changes):  # noqa: F811
    stamp = _next_stamp(hub)
    for offset, length, decision in changes:
        start = date(2026, 3, 2) + timedelta(days=offset)
        end = start + timedelta(days=length)
        stamp += 1
        updated = f"2026-03-06T{stamp // 60:02d}:{stamp % 60:02d}:00Z"
        row = (f"NTN-100,AP-100-1,W1,Serious Health Condition - Employee,Continuous,FMLA,{decision},{start},"
               f"{end},2026-03-01,2026-03-05,{start},,,,,N,N,N,,N,{updated}")
        drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260306.csv", LEAVE_HEADER + "\n" + row + "\n")
        assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok
        first = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
        again = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
        if first.batch_id is not None:
            assert (again.status, again.batch_id) == ("UNCHANGED", first.batch_id)
        else:
            assert again.status == "NOTHING_TO_PAY"
        plan = plan_pay_run(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
        if plan.batch_id is not None:
            assert plan.batch_id == "NWD2026032001", "one Batch ID per check date until payroll processes it"
        if first.status == "SENT":
            rows = sent_rows(hub, first.file_name)
            assert len(rows) == len(plan.lines), "the import carries exactly the latest pricing"
            assert {r["Batch Action"] for r in rows} <= {"NEW", "REPLACE"}


def _next_stamp(local_hub) -> int:
    """Minutes for the rows' updated-at: later in every example, so each posted decision supersedes."""
    local_hub.stamps = getattr(local_hub, "stamps", 0) + 10
    return local_hub.stamps
