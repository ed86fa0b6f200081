"""Benchmark: price one biweekly pay period for a whole employer with the rules engine.

100,000 employees (every one with an employment version, two enrollments and a PTO balance), 5,000 of them on
leave of every kind the engine handles: unpaid FMLA (whole and partial periods), STD approved (elimination
then top-up) and pending (provisional pay), CA PFL / MA PFML (top-up with agreement, AWW cap) / NY PFL,
workers' comp, salary continuation, and intermittent FMLA episodes; third-party payments for the paid plans.

Phases: READ = the canonical frames from Parquet into Arrow-backed pandas (a stand-in for the store's Arrow
read, which is the store's to measure), RULES = ``price_period`` (frames in, instruction frame out), WRITE =
the instruction frame to CSV (a stand-in for the payroll vendor file, which the LedgerPay wave adds). Best of
``--repeat`` runs; peak RSS and its growth per employee. The baseline prices ``--baseline`` employees on leave
one call per employee (what a per-person loop over the same rules costs), extrapolated to everyone on leave.

    .venv/bin/python bench/pay_bench.py            # 100,000 employees, 5,000 on leave
    .venv/bin/python bench/pay_bench.py --smoke    # 10,000 employees, 500 on leave

The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from bench._measure import peak_rss_mb  # noqa: E402
from leavehub.config.policy import load_policy  # noqa: E402
from leavehub.config.rule_tables import load_rule_tables  # noqa: E402
from leavehub.rules.pay import LeaveInputs, price_period  # noqa: E402
from leavehub.rules.schedule import PayWindow  # noqa: E402

WINDOW = PayWindow("NWD", "BIWEEKLY", date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 20), date(2026, 3, 6))
KINDS = ("unpaid_whole", "unpaid_partial", "std_approved", "std_pending", "ca_pfl", "ma_pfml", "ny_pfl", "wc",
         "salary_cont", "intermittent")
SEEN = datetime(2026, 3, 1, tzinfo=UTC)
MONEY = pa.decimal128(14, 2)
HOURS = pa.decimal128(9, 2)


def _dec(cents: np.ndarray, kind: pa.DataType = MONEY) -> pa.Array:
    return pa.array([Decimal(int(c)).scaleb(-2) for c in cents], kind)


def generate(n: int, on_leave: int) -> dict[str, pa.Table]:
    """Synthetic canonical tables (seeded): every column the engine reads, typed as the store returns them."""
    rng = np.random.default_rng(42)
    ids = np.array([f"W{i:06d}" for i in range(n)], dtype=object)
    salaried = rng.random(n) < 0.6
    rate = np.where(salaried, rng.integers(40_000, 200_000, n) * 100, rng.integers(1_800, 6_000, n))
    states = np.array(["CA", "NY", "MA", "WA", "TX", "CO"], dtype=object)[rng.integers(0, 6, n)]
    tables = {"employment": pa.table({
        "employee_id": ids, "effective_from": pa.array([date(2020, 1, 1)] * n, pa.date32()),
        "effective_to": pa.nulls(n, pa.date32()), "status": ["ACTIVE"] * n, "work_state": states,
        "scheduled_hours_per_week": _dec(np.where(rng.random(n) < 0.85, 4000, 3000), HOURS),
        "scheduled_days_per_week": pa.array(np.full(n, 5), pa.int64()),
        "pay_basis": np.where(salaried, "SALARY", "HOURLY"), "pay_rate": _dec(rate),
        "pay_frequency": ["BIWEEKLY"] * n, "employees_within_75_miles": pa.array(np.full(n, 120), pa.int64())})}
    who = rng.choice(n, on_leave, replace=False)
    kind = np.arange(on_leave) % len(KINDS)
    start = np.where(kind == KINDS.index("unpaid_partial"), rng.integers(3, 10, on_leave),
                     rng.integers(-20, 4, on_leave))
    periods = []

    def add(rows: np.ndarray, plan: str, decision: str, ptype: str = "CONTINUOUS", benefit: int | None = None,
            agreement: bool = False, suffix: str = "A") -> None:
        m = len(rows)
        first = [WINDOW.period_start + timedelta(days=int(d)) for d in start[rows]]
        periods.append(pa.table({
            "case_number": [f"NTN-{i}" for i in rows], "absence_period_key": [f"{suffix}-{i}" for i in rows],
            "employee_id": ids[who[rows]], "plan": [plan] * m, "reason_category": ["OWN_HEALTH"] * m,
            "period_type": [ptype] * m, "decision": [decision] * m, "period_start": pa.array(first, pa.date32()),
            "period_end": pa.array([d + timedelta(days=60) for d in first], pa.date32()),
            "weekly_benefit": _dec(np.full(m, benefit)) if benefit else pa.nulls(m, MONEY),
            "pto_election": pa.array(rng.random(m) < 0.5), "topup_agreement": pa.array([agreement] * m),
            "advance_agreement": pa.array([True] * m), "premium_method": ["CATCH_UP"] * m,
            "coverage_revoked": pa.array([False] * m),
            "updated_at": pa.array([SEEN] * m, pa.timestamp("us", tz="UTC"))}))

    idx = np.arange(on_leave)
    plans = {"std_approved": ("STD", "APPROVED", 90_000), "std_pending": ("STD", "PENDING", 90_000),
             "ca_pfl": ("CA_PFL", "APPROVED", 110_000), "ma_pfml": ("MA_PFML", "APPROVED", 100_000),
             "ny_pfl": ("NY_PFL", "APPROVED", 80_000), "wc": ("WC", "APPROVED", 70_000),
             "salary_cont": ("SALARY_CONT", "APPROVED", None)}
    fmla_rows = idx[kind != KINDS.index("intermittent")]
    add(fmla_rows, "FMLA", "APPROVED", suffix="F")
    for name, (plan, decision, benefit) in plans.items():
        add(idx[kind == KINDS.index(name)], plan, decision, benefit=benefit, agreement=True, suffix="P")
    inter = idx[kind == KINDS.index("intermittent")]
    add(inter, "FMLA", "APPROVED", ptype="INTERMITTENT", suffix="I")
    tables["leave_period"] = pa.concat_tables(periods)
    episodes = np.repeat(inter, 3)
    tables["absence"] = pa.table({
        "episode_id": [f"EP-{i}-{j}" for i, j in zip(episodes, np.tile([0, 1, 2], len(inter)), strict=True)],
        "absence_period_key": [f"I-{i}" for i in episodes], "employee_id": ids[who[episodes]],
        "absence_date": pa.array([WINDOW.period_start + timedelta(days=int(d)) for d in
                                  rng.choice([0, 1, 2, 3, 4, 7, 8, 9, 10, 11], len(episodes))], pa.date32()),
        "hours": _dec(rng.integers(50, 800, len(episodes)), HOURS),
        "plans": pa.array([["FMLA"]] * len(episodes), pa.list_(pa.string())),
        "decision": ["APPROVED"] * len(episodes)})
    paid = idx[np.isin(kind, [KINDS.index(k) for k in ("std_approved", "ca_pfl", "ma_pfml", "ny_pfl", "wc")])]
    plan_of = np.array([plans[KINDS[k]][0] for k in kind[paid]], dtype=object)
    gross = rng.integers(50_000, 200_000, len(paid))
    tables["benefit_payment"] = pa.table({
        "payment_key": [f"PAY-{i}" for i in paid], "case_number": [f"NTN-{i}" for i in paid],
        "employee_id": ids[who[paid]], "plan": plan_of, "txn_type": ["STANDARD"] * len(paid),
        "gross": _dec(gross), "federal_tax_withheld": _dec(gross // 10),
        "social_security_withheld": _dec(gross * 62 // 1000),
        "medicare_withheld": _dec(gross * 145 // 10000), "taxable_percent": pa.array([Decimal(50)] * len(paid),
                                                                                      pa.decimal128(7, 4)),
        "payment_date": pa.array([date(2026, 3, 12)] * len(paid), pa.date32())})
    both = np.concatenate([ids, ids])
    tables["enrollment"] = pa.table({
        "employee_id": both, "plan_type": ["MEDICAL"] * n + ["DENTAL"] * n,
        "deduction_code": ["MED"] * n + ["DEN"] * n,
        "employee_premium_per_period": _dec(np.concatenate([np.full(n, 12_000), np.full(n, 1_000)])),
        "effective_from": pa.array([date(2026, 1, 1)] * (2 * n), pa.date32()),
        "effective_to": pa.nulls(2 * n, pa.date32())})
    tables["time_off_balance"] = pa.table({
        "employee_id": ids, "policy": ["PTO"] * n, "balance_hours": _dec(rng.integers(0, 12_000, n), HOURS),
        "as_of": pa.array([date(2026, 3, 1)] * n, pa.date32())})
    tables["premium_history"] = pa.table({
        "plan_type": ["STD"] * 3, "plan_year": [2023, 2024, 2025], "employer_paid": _dec(np.full(3, 50_000_00)),
        "employee_pre_tax": _dec(np.zeros(3, np.int64)), "employee_post_tax": _dec(np.full(3, 50_000_00))})
    return tables


def read(folder: Path) -> LeaveInputs:
    def frame(name: str) -> pd.DataFrame:
        return pq.read_table(folder / f"{name}.parquet").to_pandas(types_mapper=pd.ArrowDtype)

    return LeaveInputs(employment=frame("employment"), leave_periods=frame("leave_period"),
                       absences=frame("absence"), benefit_payments=frame("benefit_payment"),
                       enrollments=frame("enrollment"), time_off=frame("time_off_balance"),
                       premium_history=frame("premium_history"))


def _one_at_a_time(inputs: LeaveInputs, count: int, history, tables) -> float:
    """Seconds per employee when each employee on leave is priced by its own call (the per-person loop).
    Each person's frames are cut out first, untimed: only the pricing calls are measured."""
    people = pd.unique(inputs.leave_periods["employee_id"].astype(str))[:count]

    def mine(frame: pd.DataFrame, person: str) -> pd.DataFrame:
        return frame.loc[frame["employee_id"].astype(str) == person] if len(frame) else frame

    singles = [LeaveInputs(employment=mine(inputs.employment, p), leave_periods=mine(inputs.leave_periods, p),
                           absences=mine(inputs.absences, p), benefit_payments=mine(inputs.benefit_payments, p),
                           enrollments=mine(inputs.enrollments, p), time_off=mine(inputs.time_off, p),
                           premium_history=inputs.premium_history) for p in people]
    started = time.perf_counter()
    for single in singles:
        price_period(single, WINDOW, history, tables)
    return (time.perf_counter() - started) / max(len(people), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 employees, 500 on leave")
    parser.add_argument("--employees", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--baseline", type=int, default=None, help="employees priced one at a time (default 100)")
    args = parser.parse_args()
    n = args.employees or (10_000 if args.smoke else 100_000)
    on_leave = max(len(KINDS), n // 20)
    repeat = args.repeat or (1 if args.smoke else 3)
    history, tables = load_policy(), load_rule_tables()
    base_rss = peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="pay_bench_") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        for name, table in generate(n, on_leave).items():
            pq.write_table(table, folder / f"{name}.parquet")
        print(f"generated {n:,} employees, {on_leave:,} on leave in {time.perf_counter() - started:.1f}s")
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            inputs = read(folder)
            t1 = time.perf_counter()
            priced = price_period(inputs, WINDOW, history, tables)
            t2 = time.perf_counter()
            pacsv.write_csv(pa.Table.from_pandas(priced.lines, preserve_index=False), folder / "lines.csv")
            t3 = time.perf_counter()
            runs.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
        lines = priced.lines
        per_person = _one_at_a_time(inputs, args.baseline or (20 if args.smoke else 100), history, tables)
    best = min(runs)
    peak = peak_rss_mb()
    by_kind = lines.groupby(lines["kind"].astype(str)).size().to_dict()
    print(f"lines: {len(lines):,} ({', '.join(f'{k} {v:,}' for k, v in sorted(by_kind.items()))}); "
          f"arrears rows: {len(priced.arrears):,}")
    print(f"best of {repeat}: total {best[0]:.2f}s = read {best[1]:.2f}s + rules {best[2]:.2f}s + "
          f"write {best[3]:.2f}s; peak RSS {peak:.0f} MB")
    baseline = per_person * on_leave
    print(f"baseline, one pricing per employee on leave: {per_person * 1000:.1f} ms each -> {baseline:.0f}s for "
          f"{on_leave:,}; vectorized rules are {baseline / best[2]:.0f}x faster")
    print(json.dumps({"bench": "pay", "employees": n, "on_leave": on_leave, "lines": len(lines),
                      "total_s": round(best[0], 3), "read_s": round(best[1], 3), "rules_s": round(best[2], 3),
                      "write_s": round(best[3], 3), "goal_s": 3.0, "first_rung_s": 10.0,
                      "peak_rss_mb": round(peak, 1),
                      "rss_kb_per_employee": round((peak - base_rss) * 1000 / n, 2),
                      "baseline_per_employee_rules_s": round(baseline, 1),
                      "ratio_baseline_over_rules": round(baseline / best[2], 1),
                      "runs_total_s": [round(r[0], 3) for r in runs]}))


if __name__ == "__main__":
    main()
