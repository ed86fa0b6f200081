"""Benchmark (issue 9, the 834 part): a FULL 834 for N enrolled employees vs pyx12's validation of that file.

Why: the carrier's weekly full file covers every member; writing it must not become the slow step of the
run. This measures, for one generated population (every 20th employee on leave, most in STD and LTD):

1. load      the population posted into a SQLite store (setup, reported apart);
2. product   ``build_frame`` (the mapping's query over the store's current views + the mapping + audit marks)
             and ``write_chunks`` through the X12 layout of ``summit_mutual.enrollment_full``: the code
             ``leavehub run`` runs, in a child process so its peak RSS is its own;
3. pyx12     ``x12n_document`` validating the same file (its Python API; the 999 it computes must say A).

First rung: the 834 is written faster than pyx12 validates it.

The ARREARS part (``arrears_*`` fields): the premium ledger (``leavehub.rules.premium_ledger``) for the same
number of enrolled employees, every 20th on leave (a year-end leave, so periods spanning Jan 1 split into two
plan-year buckets at a Jan 1 rate change), three plans each, blocked checks and partial payments as ledger
movements, then the 30-days-late list: seconds and peak RSS in a child process of its own, beside a
per-employee baseline (one ledger call per employee on leave, timed on a sample). First rung: under 5 s.

    .venv/bin/python bench/premium_bench.py            # 100,000 employees
    .venv/bin/python bench/premium_bench.py --smoke    # 2,000 employees
    .venv/bin/python bench/premium_bench.py --arrears-only   # the arrears part alone (no store, no 834)

The last line printed is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _measure import load_average, peak_rss_mb  # noqa: E402

DAY = date(2026, 12, 7)
FEED_ID = "summit_mutual.enrollment_full"


def _env(folder: Path) -> dict[str, str]:
    from leavehub.store.pii import generate_key

    key_file = folder / "pii.key"
    if not key_file.exists():
        key_file.write_text(generate_key())
    return {**os.environ, "LEAVEHUB_HOME": str(folder / "home"), "LEAVEHUB_DB_URL": f"sqlite:///{folder / 'b.db'}",
            "LEAVEHUB_PII_KEY": key_file.read_text(), "PYTHONPATH": str(ROOT)}


def load(folder: Path, employees: int) -> float:
    """Post the population into a fresh SQLite store; seconds."""
    from leavehub.store import Store
    from sandbox.summit_population import load_population, summit_population

    os.environ.update(_env(folder))
    store = Store.open(os.environ["LEAVEHUB_DB_URL"])
    store.migrate()
    started = time.perf_counter()
    load_population(store, summit_population(employees, business_date=DAY), business_date=DAY)
    store.dispose()
    return time.perf_counter() - started


def child(folder: Path, out: Path) -> dict[str, Any]:
    """The product path, alone in this process: query + map + mark, then write the 834."""
    from connectors.formats import write_chunks
    from leavehub.pipeline.changes import mark_full
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.outbound import source_frames, x12_params
    from leavehub.store import Store

    class Batch:
        control_number = 1

    store = Store.open(os.environ["LEAVEHUB_DB_URL"])
    feed = load_feed(FEED_ID)
    started = time.perf_counter()
    # build_frame's full-file path, timed in two parts: the store read (only what the query can keep, each
    # entity once, PII opened) and the mapping (joins, filters, columns, audit marks)
    frames = source_frames(feed, store, DAY, None)
    read = time.perf_counter()
    assert feed.mapping.changes is not None
    frame = mark_full(feed.mapper.apply(frames, business_date=DAY), feed.mapping.changes)
    mapped = time.perf_counter()
    with out.open("wb") as sink:
        written = write_chunks(feed.layout, [frame], sink, business_date=DAY,
                               params=x12_params(feed, Batch, datetime(2026, 12, 7, 13, 0, tzinfo=UTC)))
    done = time.perf_counter()
    store.dispose()
    return {"members": written.records, "rows": len(frame), "bytes": written.bytes,
            "read_s": round(read - started, 3), "map_s": round(mapped - read, 3),
            "query_map_s": round(mapped - started, 3), "write_s": round(done - mapped, 3),
            "total_s": round(done - started, 3), "peak_rss_mb": round(peak_rss_mb(), 1)}


def arrears_frames(employees: int, seed: int = 9) -> tuple[Any, ...]:
    """Store-shaped frames: enrollments for everyone, leave for every 20th, a year of biweekly periods."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from leavehub.rules.money import decimal_array

    rng = np.random.default_rng(seed)
    ids = np.array([f"W{i:07d}" for i in range(employees)], dtype=object)
    plans = (("MEDICAL", "MED", 120_00, 132_00), ("DENTAL", "DEN", 10_00, 11_00),
             ("SUPP_LIFE", "SUPL", 7_50, 7_50))
    parts = []
    for plan, code, before, after in plans:  # two versions each: the Jan 1, 2027 rate change
        for rate, start, end in ((before, date(2026, 1, 1), date(2026, 12, 31)), (after, date(2027, 1, 1), None)):
            parts.append(pa.table({
                "employee_id": pa.array(ids, pa.string()), "plan_type": pa.array([plan] * employees, pa.string()),
                "deduction_code": pa.array([code] * employees, pa.string()),
                "employee_premium_per_period": decimal_array(np.full(employees, rate)),
                "effective_from": pa.array([start] * employees, pa.date32()),
                "effective_to": pa.array([end] * employees, pa.date32())}))
    enrollments = pa.concat_tables(parts).to_pandas(types_mapper=pd.ArrowDtype)
    leave_ids = ids[::20]
    first = date(2026, 10, 1).toordinal() + rng.integers(0, 90, len(leave_ids))
    length = rng.integers(14, 84, len(leave_ids))
    kinds = np.array(["CATCH_UP", "PAY_AS_YOU_GO", "PREPAY", "PAYROLL"], dtype=object)
    methods = rng.choice(kinds, len(leave_ids))
    leave = pa.table({
        "employee_id": pa.array(leave_ids, pa.string()), "period_type": ["CONTINUOUS"] * len(leave_ids),
        "decision": ["APPROVED"] * len(leave_ids),
        "period_start": pa.array([date.fromordinal(int(d)) for d in first], pa.date32()),
        "period_end": pa.array([date.fromordinal(int(d)) for d in first + length], pa.date32()),
        "premium_method": pa.array(methods, pa.string()),
        "coverage_revoked": pa.array(rng.random(len(leave_ids)) < 0.05)}).to_pandas(types_mapper=pd.ArrowDtype)
    start = date(2026, 1, 5).toordinal()
    calendar = pd.DataFrame([{"period_start": date.fromordinal(start + 14 * i),
                              "period_end": date.fromordinal(start + 14 * i + 13),
                              "check_date": date.fromordinal(start + 14 * i + 18)} for i in range(40)])
    return enrollments, leave, calendar


def arrears_movements(expected: Any, seed: int = 9) -> Any:
    """Blocked buckets (four in five) and partial direct payments (one plan in three), as ledger entries."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from leavehub.rules.money import decimal_array

    rng = np.random.default_rng(seed)
    blocked = expected.loc[rng.random(len(expected)) < 0.8]
    plans = expected.drop_duplicates(["employee_id", "plan_type"])
    paid = plans.loc[rng.random(len(plans)) < 0.33]
    rows = pa.concat_tables([pa.table({
        "employee_id": pa.array(f["employee_id"].to_numpy(dtype=object), pa.string()),
        "plan_type": pa.array(f["plan_type"].to_numpy(dtype=object), pa.string()),
        "deduction_code": pa.array(f["deduction_code"].to_numpy(dtype=object), pa.string()),
        "share": pa.array(["EMPLOYEE"] * len(f), pa.string()),
        "entry_type": pa.array([kind] * len(f), pa.string()),
        "coverage_start": pa.array(list(f["coverage_start"]), pa.date32()),
        "coverage_end": pa.array(list(f["coverage_end"]), pa.date32()),
        "plan_year": pa.array(f["plan_year"].to_numpy(np.int64), pa.int64()),
        "check_date": pa.array(list(f["check_date"]), pa.date32()),
        "amount": decimal_array(amount)})
        for f, kind, amount in ((blocked, "BLOCKED", blocked["due"].to_numpy(np.int64)),
                                (paid, "EMPLOYEE_PAYMENT", -paid["due"].to_numpy(np.int64) // 2))])
    return rows.to_pandas(types_mapper=pd.ArrowDtype)


def arrears_child(employees: int) -> dict[str, Any]:
    """The arrears path alone in this process: premium_ledger + thirty_days_late over the population."""
    from leavehub.config.policy import load_policy
    from leavehub.rules.premium_ledger import premium_ledger, thirty_days_late
    from tests.leavehub.rules.frames import canonical_frame

    history = load_policy()
    enrollments, leave, calendar = arrears_frames(employees)
    as_of = date(2027, 2, 15)
    expected = premium_ledger(enrollments, leave, calendar, canonical_frame("premium_ledger_entry", []), history,
                              as_of=as_of)
    movements = arrears_movements(expected)
    started = time.perf_counter()
    ledger = premium_ledger(enrollments, leave, calendar, movements, history, as_of=as_of)
    late = thirty_days_late(ledger, as_of=as_of)
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    sample = leave["employee_id"].iloc[:50].tolist()
    base_started = time.perf_counter()
    for employee in sample:  # the baseline: one call per employee on leave
        mine = enrollments["employee_id"] == employee
        premium_ledger(enrollments.loc[mine], leave.loc[leave["employee_id"] == employee], calendar,
                       movements.loc[movements["employee_id"] == employee], history, as_of=as_of)
    per_employee = (time.perf_counter() - base_started) / len(sample) * len(leave)
    revoked_diff = int((ledger["due"] - ledger[["deducted", "recovered", "waived", "outstanding"]].sum(axis=1))
                       .abs().sum())
    return {"arrears_employees": employees, "arrears_on_leave": len(leave), "arrears_buckets": len(ledger),
            "arrears_movements": len(movements), "arrears_late": len(late), "arrears_s": round(seconds, 3),
            "arrears_peak_rss_mb": round(rss, 1), "arrears_baseline_per_employee_s": round(per_employee, 2),
            "arrears_speedup_over_baseline": round(per_employee / seconds, 1) if seconds else None,
            "arrears_identity_holds": revoked_diff == 0, "arrears_first_rung_under_5s": seconds < 5}


def validate(path: Path) -> dict[str, Any]:
    """pyx12's verdict and time on the same file."""
    from sandbox.x12_check import validate_x12

    text = path.read_text(encoding="ascii")
    started = time.perf_counter()
    verdict = validate_x12(text)
    return {"pyx12_s": round(time.perf_counter() - started, 3), "valid": verdict.valid,
            "set_status": verdict.set_status}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="2,000 employees (CI)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--arrears-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--arrears-only", action="store_true", help="only the arrears part (no store, no 834)")
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child.parent, args.child)))
        return 0
    if args.arrears_child is not None:
        print(json.dumps(arrears_child(args.arrears_child)))
        return 0
    employees = 2_000 if args.smoke else args.employees
    arrears = run_arrears(employees)
    if arrears is None:
        return 1
    if args.arrears_only:
        print(json.dumps({"bench": "premium_bench", "part": "arrears", "employees": employees, **arrears,
                          "load_average": [round(x, 2) for x in load_average()]}))
        return 0 if arrears["arrears_identity_holds"] else 1
    with tempfile.TemporaryDirectory(prefix="lh-premium-bench-") as tmp:
        folder = Path(tmp)
        loaded = load(folder, employees)
        print(f"loaded {employees:,} employees into SQLite in {loaded:.1f} s")
        out = folder / "SUMMIT_834_SMG0042_20261207130000.x12"
        proc = subprocess.run([sys.executable, __file__, "--child", str(out)], env=_env(folder),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        product = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"834 full: {product['members']:,} members, {product['bytes'] / 1e6:.1f} MB in "
              f"{product['total_s']:.2f} s (store read {product['read_s']:.2f} s, map {product['map_s']:.2f} s, "
              f"write "
              f"{product['write_s']:.2f} s), peak RSS {product['peak_rss_mb']:.0f} MB")
        referee = validate(out)
        ratio = referee["pyx12_s"] / product["total_s"] if product["total_s"] else float("inf")
        print(f"pyx12 validates it in {referee['pyx12_s']:.2f} s (valid={referee['valid']}, "
              f"999 set status {referee['set_status']}): the 834 is written {ratio:.1f}x faster")
        result = {"bench": "premium_bench", "part": "834+arrears", "employees": employees,
                  "loaded_s": round(loaded, 2), **product, **referee, "pyx12_over_write": round(ratio, 2),
                  **arrears,
                  "first_rung_written_faster_than_pyx12": bool(ratio > 1 and referee["valid"]),
                  "load_average": [round(x, 2) for x in load_average()]}
        print(json.dumps(result))
    return 0 if result["valid"] and arrears["arrears_identity_holds"] else 1


def run_arrears(employees: int) -> dict[str, Any] | None:
    """The arrears part in a child process (its own peak RSS); prints a line, returns its fields."""
    proc = subprocess.run([sys.executable, __file__, "--arrears-child", str(employees)], env={
        **os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    arrears = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"arrears: {arrears['arrears_employees']:,} enrolled, {arrears['arrears_on_leave']:,} on leave, "
          f"{arrears['arrears_buckets']:,} buckets from {arrears['arrears_movements']:,} movements in "
          f"{arrears['arrears_s']:.2f} s, peak RSS {arrears['arrears_peak_rss_mb']:.0f} MB; "
          "one call per employee "
          f"would take {arrears['arrears_baseline_per_employee_s']:.1f} s "
          f"({arrears['arrears_speedup_over_baseline']}x); identity holds: {arrears['arrears_identity_holds']}")
    return arrears


if __name__ == "__main__":
    raise SystemExit(main())
