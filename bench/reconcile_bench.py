"""Benchmark (issue 10): one check date's reconciliation for N employees, compute and render timed apart.

Why: the reconciliation runs after every check date over the whole workforce; it must stay a few seconds,
not grow a loop per person. This builds synthetic canonical frames as the store returns them (Arrow dtypes)
for N employees - every 20th on a continuous leave with an STD period and weekly payments, one in 100 of
those with a seeded fault of each kind (HRIS status wrong, return dates apart, terminated with an open case,
a payment with no period, an unreversed payment, a short cancellation; payroll dropping a line, not
cancelling pay, paying 1.00 more), premium arrears for the employees on leave, the pay lines sent and the
register for them (the TPA's payments memoed, except 1 in 100), everyone enrolled in STD with a carrier
bill missing 1 in 100 and 1 in 100 on a wrong volume, and a 12-week file ledger - then measures:

1. compute   ``leavehub.reconcile.compute.compute``: every detector, the aging, the scorecard, the trend;
2. render    the XLSX workbook (openpyxl write-only) and the HTML report, written to a temp folder.

First rung: compute + render under 10 s for 100,000 employees; goal under 3 s. Peak RSS is the process's
high-water mark (frames included). CPU seconds are printed beside wall seconds: on a shared machine a waiting
process loses wall time, not CPU time.

    .venv/bin/python bench/reconcile_bench.py            # 100,000 employees
    .venv/bin/python bench/reconcile_bench.py --smoke    # 2,000 employees

The last line printed is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _measure import peak_rss_mb

from leavehub.config.vendor import ArrivalWindow
from leavehub.reconcile.compute import ReconcileInputs, compute
from leavehub.reconcile.run import write_reports
from leavehub.rules.premiums import ARREARS_COLUMNS

CHECK = date(2026, 3, 13)
FIRST_RUNG_S, GOAL_S = 10.0, 3.0


def arrow(columns: dict[str, object]) -> pd.DataFrame:
    return pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)


def dates(values: np.ndarray) -> pa.Array:
    mask = values < 0
    return pa.array(np.where(mask, 0, values).astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())


def money(cents: np.ndarray, scale: int = 2) -> pa.Array:
    return pa.array([Decimal(int(c)).scaleb(-scale) for c in cents], pa.decimal128(18, scale))


def build(n: int) -> ReconcileInputs:
    """Synthetic frames: every 20th employee on leave; faults seeded among them (1 in 100 of each kind)."""
    rng = np.random.default_rng(7)
    epoch = date(1970, 1, 1)
    day = (CHECK - epoch).days
    ids = np.char.add("W", np.char.zfill(np.arange(n).astype(str), 7)).astype(object)
    leave = np.arange(0, n, 20)
    k = len(leave)
    kind = np.arange(k) % 100  # 0..5: one seeded fault kind each; the rest clean
    start = day - rng.integers(7, 60, k)
    start[kind == 1] = day - 50  # returned before the check date
    status = np.full(n, "ACTIVE", dtype=object)
    status[leave] = "ON_LEAVE"
    status[leave[kind == 0]] = "ACTIVE"                  # on leave at the TPA, active in the HRIS
    status[leave[kind == 2]] = "TERMINATED"              # terminated with an open case
    returned = kind == 1                                 # back at work: the TPA's return date is 7 days off
    status[leave[returned]] = "ON_LEAVE"  # until the return row below (the HRIS recorded the leave)
    employment = arrow({
        "employee_id": pa.array(np.concatenate([ids, ids[leave[returned]]])),
        "effective_from": dates(np.full(n + returned.sum(), day - 3000)),  # set below
        "effective_to": dates(np.full(n + returned.sum(), -1)),
        "status": pa.array(np.concatenate([status, np.full(returned.sum(), "ACTIVE", dtype=object)])),
        "termination_date": dates(np.full(n + returned.sum(), -1)),
        "pay_basis": pa.array(np.full(n + returned.sum(), "HOURLY", dtype=object)),
        "pay_rate": money(np.full(n + returned.sum(), 250_000), 4),
        "scheduled_hours_per_week": money(np.full(n + returned.sum(), 4_000)),
    })
    # the returned employees' first row ends the day before the return row starts
    eff_to = np.full(n + returned.sum(), -1)
    eff_to[leave[returned]] = start[returned] + 20
    employment["effective_to"] = pd.Series(pd.arrays.ArrowExtensionArray(dates(eff_to)))
    first_from = np.full(n + returned.sum(), day - 3000)
    first_from[n:] = start[returned] + 21
    employment["effective_from"] = pd.Series(pd.arrays.ArrowExtensionArray(dates(first_from)))

    end = np.where(returned, start + 20, -1)
    rtw = np.where(returned, start + 28, -1)             # HRIS says start + 21: disagree
    keys = np.char.add("P", np.arange(k).astype(str)).astype(object)
    periods = arrow({
        "case_number": pa.array(np.char.add("C", np.arange(k).astype(str)).astype(object)),
        "absence_period_key": pa.array(keys),
        "employee_id": pa.array(ids[leave]), "plan": pa.array(np.full(k, "STD", dtype=object)),
        "period_type": pa.array(np.full(k, "CONTINUOUS", dtype=object)),
        "decision": pa.array(np.where(kind == 4, "DENIED", "APPROVED").astype(object)),
        "period_start": dates(start), "period_end": dates(end), "rtw_date": dates(rtw),
        "weekly_benefit": money(np.full(k, 60_000)),
    })
    weeks = 4
    pay_emp = np.repeat(np.arange(k), weeks)
    pay_start = start[pay_emp] + np.tile(np.arange(weeks) * 7, k)
    pay_keys = np.char.add("PAY", np.arange(k * weeks).astype(str)).astype(object)
    plan = np.where(kind[pay_emp] == 3, "LTD", "STD").astype(object)     # no LTD period: unsupported payment
    cancel_of = np.flatnonzero((kind[pay_emp] == 5) & (np.tile(np.arange(weeks), k) == 0))
    payments = arrow({
        "payment_key": pa.array(np.concatenate([pay_keys, np.char.add(pay_keys[cancel_of].astype(str), "X")
                                                .astype(object)])),
        "employee_id": pa.array(np.concatenate([ids[leave][pay_emp], ids[leave][pay_emp][cancel_of]])),
        "plan": pa.array(np.concatenate([plan, plan[cancel_of]])),
        "txn_type": pa.array(np.concatenate([np.full(k * weeks, "STANDARD", dtype=object),
                                             np.full(len(cancel_of), "CANCELLATION", dtype=object)])),
        "period_start": dates(np.concatenate([pay_start, pay_start[cancel_of]])),
        "period_end": dates(np.concatenate([pay_start + 6, pay_start[cancel_of] + 6])),
        "gross": money(np.concatenate([np.full(k * weeks, 60_000), np.full(len(cancel_of), -50_000)])),
        "payment_date": dates(np.concatenate([pay_start + 7, pay_start[cancel_of] + 7])),
        "reverses_payment_key": pa.array(np.concatenate([np.full(k * weeks, None, dtype=object),
                                                         pay_keys[cancel_of]])),
    })
    checks = np.arange(6) * 14
    arrears = pd.DataFrame({
        "employee_id": np.repeat(ids[leave], len(checks)), "plan_type": "MEDICAL", "deduction_code": "MED",
        "share": "EMPLOYEE", "entry_type": "BLOCKED", "amount_cents": np.full(k * len(checks), 4_500),
        "check_date": [epoch + timedelta(days=int(d)) for d in np.tile(day - checks, k)],
        "premium_method": np.where(np.repeat(np.arange(k), len(checks)) % 2 == 0, "PAY_AS_YOU_GO", "CATCH_UP")})
    arrears = arrears.reindex(columns=list(ARREARS_COLUMNS))
    feeds = [("harbor_leave", "leave_periods"), ("harbor_leave", "benefit_payments"),
             ("northwind_hris", "workers"), ("northwind_hris", "employment")]
    rows = []
    for i in range(84):
        business = CHECK - timedelta(days=i)
        for j, (vendor, feed) in enumerate(feeds):
            late = (i + j) % 13 == 0
            received = datetime.combine(business, datetime.min.time(), UTC) + timedelta(hours=20 if late else 14)
            rows.append((vendor, feed, "inbound", business, "REJECTED" if (i + j) % 29 == 0 else "APPLIED",
                         received, 1000, 3 if (i + j) % 7 == 0 else 0))
    ledger = pd.DataFrame(rows, columns=["vendor", "feed", "direction", "business_date", "status",
                                         "received_at", "records_read", "records_rejected"])
    pay_sent, register = _payroll(ids[leave], kind, epoch + timedelta(days=day))
    memos = _memos(payments, ids[leave], kind, day)
    pay_sent = pd.concat([pay_sent, memos], ignore_index=True)
    register = pd.concat([register, arrow({
        "payroll_file_number": pa.array(memos["file_number"].to_numpy(dtype=object)),
        "check_date": pa.array([CHECK] * len(memos), pa.date32()),
        "line_type": pa.array(np.full(len(memos), "MEMO", dtype=object)),
        "code": pa.array(np.full(len(memos), "TPS", dtype=object)), "hours": money(np.zeros(len(memos))),
        "amount": money(memos["amount_cents"].to_numpy()),
        "batch_id": pa.array(np.full(len(memos), "B1", dtype=object))})], ignore_index=True)
    bill_lines, enrollments = _carrier(ids)
    return ReconcileInputs(periods, employment, payments, ledger, arrears=arrears, pay_sent=pay_sent,
                           register=register, bill_lines=bill_lines, enrollments=enrollments)


def _payroll(ids: np.ndarray, kind: np.ndarray, check: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each employee on leave was sent Cancel Pay (1,000.00 for time worked) and 40 LOA hours; payroll drops the
    hours (kind 6), pays regular pay instead of cancelling (kind 7) or pays 1.00 more (kind 8)."""
    k = len(ids)
    sent = pd.DataFrame({"employee_id": np.repeat(ids, 2), "file_number": np.repeat(ids, 2), "batch_id": "B1",
                         "kind": np.tile(["CANCEL_REGULAR_PAY", "HOURS"], k), "line_type": "EARN",
                         "code": np.tile(["REG", "LOA"], k), "hours_units": np.tile([0, 4000], k),
                         "amount_cents": np.tile([100_000, 0], k)})
    per = np.repeat(kind, 2)
    keep = ~((per == 6) & (sent["code"].to_numpy() == "LOA"))
    reg = sent.loc[keep]
    reg_kind = per[keep]
    is_reg = reg["code"].to_numpy() == "REG"
    cents = np.where(is_reg & (reg_kind == 7), 200_000, reg["amount_cents"] + np.where(is_reg & (reg_kind == 8),
                                                                                        100, 0))
    register = arrow({"payroll_file_number": pa.array(reg["file_number"].to_numpy(dtype=object)),
                      "check_date": pa.array([check] * len(reg), pa.date32()),
                      "line_type": pa.array(reg["line_type"].to_numpy(dtype=object)),
                      "code": pa.array(reg["code"].to_numpy(dtype=object)),
                      "hours": money(reg["hours_units"].to_numpy()), "amount": money(cents),
                      "batch_id": pa.array(np.where(is_reg & (reg_kind == 7), None, "B1").astype(object))})
    return sent, register


def _memos(payments: pd.DataFrame, ids: np.ndarray, kind: np.ndarray, day: int) -> pd.DataFrame:
    """The TPS memo lines the hub sent (and payroll carried) for the STD/LTD payments dated in the 14 days up to
    the check (no earlier check date in the calendar), except for kind 9: their sick pay was never memoed."""
    epoch = date(1970, 1, 1)
    paid_on = (pd.to_datetime(payments["payment_date"].astype(object)) - pd.Timestamp(epoch)).dt.days.to_numpy()
    cents = (payments["gross"].astype(object).map(lambda g: int(g * 100))).to_numpy(np.int64)
    window = (paid_on > day - 14) & (paid_on <= day)
    owed = pd.Series(cents[window]).groupby(payments["employee_id"].astype(str).to_numpy()[window]).sum()
    skip = set(ids[kind == 9])
    owed = owed.loc[~owed.index.isin(skip)]
    return pd.DataFrame({"employee_id": owed.index, "file_number": owed.index, "batch_id": "B1", "kind": "MEMO",
                         "line_type": "MEMO", "code": "TPS", "hours_units": 0, "amount_cents": owed.to_numpy()})


def _carrier(ids: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Everyone enrolled in STD on 60,000.00 (volume 5,000.00 x 0.3150 = 15.75); the bill misses 1 in 100 and
    bills 1 in 100 on a wrong volume."""
    n = len(ids)
    which = np.arange(n) % 100
    billed = which != 9
    volume = np.where(which == 10, 550_000, 500_000)[billed]
    premium = (volume * 3150 + 500_000) // 1_000_000
    march = date(2026, 3, 1)
    bill = arrow({"group_number": pa.array(np.full(billed.sum(), "G1", dtype=object)),
                  "bill_month": pa.array([march] * int(billed.sum()), pa.date32()),
                  "employee_id": pa.array(ids[billed]), "coverage": pa.array(np.full(billed.sum(), "STD", object)),
                  "coverage_month": pa.array([march] * int(billed.sum()), pa.date32()),
                  "volume": money(volume), "rate": money(np.full(billed.sum(), 3150), 4),
                  "premium": money(premium),
                  "adjustment_reason": pa.array(np.full(billed.sum(), None, dtype=object), pa.string())})
    enrollments = arrow({"employee_id": pa.array(ids), "plan_type": pa.array(np.full(n, "STD", dtype=object)),
                         "benefit_salary": money(np.full(n, 6_000_000)),
                         "effective_from": pa.array([date(2025, 1, 1)] * n, pa.date32()),
                         "effective_to": pa.array([None] * n, pa.date32())})
    return bill, enrollments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="2,000 employees (CI)")
    args = parser.parse_args()
    n = 2_000 if args.smoke else args.employees
    started = time.perf_counter()
    inputs = build(n)
    build_s = time.perf_counter() - started
    window = ArrivalWindow(expected_by="09:00", timezone="America/Los_Angeles")
    deadlines = {"harbor_leave.leave_periods": window.deadline, "northwind_hris.workers": window.deadline}
    started, cpu = time.perf_counter(), time.process_time()
    result = compute(inputs, deadlines, check_date=CHECK, weeks=8)
    compute_s, compute_cpu = time.perf_counter() - started, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as folder:
        started, cpu = time.perf_counter(), time.process_time()
        files = write_reports(result, Path(folder))
        render_s, render_cpu = time.perf_counter() - started, time.process_time() - cpu
        sizes = {"xlsx_bytes": files.workbook.stat().st_size, "html_bytes": files.html.stat().st_size}
    total = compute_s + render_s
    by_type = result.exceptions["exception_type"].value_counts().to_dict()
    figures = {
        "employees": n, "on_leave": len(inputs.leave_periods), "payments": len(inputs.benefit_payments),
        "exceptions": len(result.exceptions), "by_type": by_type,
        "amount_at_stake": str(Decimal(int(result.exceptions["amount_cents"].sum())).scaleb(-2)),
        "build_s": round(build_s, 3), "compute_s": round(compute_s, 3), "render_s": round(render_s, 3),
        "total_s": round(total, 3), "compute_cpu_s": round(compute_cpu, 3), "render_cpu_s": round(render_cpu, 3),
        "load_average": round(os.getloadavg()[0], 2), "peak_rss_mb": round(peak_rss_mb(), 1), **sizes,
        "first_rung_s": FIRST_RUNG_S, "goal_s": GOAL_S, "first_rung_met": total < FIRST_RUNG_S,
        "goal_met": total < GOAL_S, "cpu_total_s": round(compute_cpu + render_cpu, 3),
        "goal_met_cpu": compute_cpu + render_cpu < GOAL_S,
    }
    print(f"{n:,} employees: compute {compute_s:.2f} s, render {render_s:.2f} s, total {total:.2f} s "
          f"(first rung {FIRST_RUNG_S:.0f} s, goal {GOAL_S:.0f} s); {len(result.exceptions):,} exceptions; "
          f"peak RSS {figures['peak_rss_mb']} MB; CPU compute {compute_cpu:.2f} s, render {render_cpu:.2f} s "
          f"(load average {figures['load_average']})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
