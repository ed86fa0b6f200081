"""Benchmark: one biweekly pay run for a whole employer, from the store to the signed LedgerPay pay-data file.

100,000 employees (every one with an employment version, two enrollments and a PTO balance), 5,000 of them on
leave of every kind the engine handles: unpaid FMLA (whole and partial periods), STD approved (elimination
then top-up) and pending (provisional pay), CA PFL / MA PFML (top-up with agreement, AWW cap) / NY PFL,
workers' comp, salary continuation, and intermittent FMLA episodes; third-party payments for the paid plans.
The employer is staged into a store (SQLite by default, ``--db-url`` for PostgreSQL) with a LedgerPay
calendar, untimed. Then, timed, the pay run's own steps:

- READ: the pay window and the canonical frames of the people the period is about, from the store
  (``leavehub.payrun.inputs``: one SQL set of employees with leave activity, then one streamed select per
  entity);
- RULES: ``price_period`` (frames in, instruction frame out);
- WRITE: the instruction records into the pay book (the store), the import rows, encryption to LedgerPay and
  signing (gpg via ``connectors.pgp``), and the put to LedgerPay's import folder (a local folder here: the SFTP
  put is ``bench/sftp_bench.py``'s).

A last full ``run_pay`` (plan + book + deliver + ledger) is timed as a whole. Two floors, measured in the same
run: the whole-store read (every current version of every entity the rules take, ``Store.current``: what the
pay run read before it read only its people), and the rules priced one employee at a time (``--baseline``
employees on leave, extrapolated to everyone on leave). Peak RSS and its growth per employee.

    .venv/bin/python bench/pay_bench.py            # 100,000 employees, 5,000 on leave
    .venv/bin/python bench/pay_bench.py --smoke    # 10,000 employees, 500 on leave

The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
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
import yaml  # noqa: E402

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


COMPANY, CHECK = WINDOW.payroll_company_code, WINDOW.check_date
ENTITIES = ("employment", "leave_period", "absence", "benefit_payment", "enrollment", "time_off_balance")


def _hub(folder: Path, db_url: str | None) -> None:
    """A hub home, a mappings root with LedgerPay on local folders (OpenPGP kept), keys and a migrated store."""
    from leavehub.store import PiiCipher, Store
    from leavehub.store.pii import generate_key
    from sandbox.keys import generate_key_pair

    mappings = folder / "mappings"
    shutil.copytree(ROOT / "mappings" / "ledgerpay", mappings / "ledgerpay")
    vendor = yaml.safe_load((mappings / "ledgerpay" / "vendor.yaml").read_text(encoding="utf-8"))
    vendor["transport"] = {"type": "local", "inbound_dir": "export", "outbound_dir": "import"}
    (mappings / "ledgerpay" / "vendor.yaml").write_text(yaml.safe_dump(vendor), encoding="utf-8")
    hub, payroll = generate_key_pair(folder / "keys", "hub"), generate_key_pair(folder / "keys", "ledgerpay")
    home = folder / "home"
    home.mkdir()
    url = db_url or f"sqlite:///{home / 'leavehub.db'}"
    os.environ.update({"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings), "LEAVEHUB_DB_URL": url,
                       "LEAVEHUB_PII_KEY": generate_key(), "AIRFLOW_CONN_LEDGERPAY_PGP": json.dumps(
                           {"conn_type": "generic", "extra": hub.connection_extra([payroll])})})
    store = Store.open(url, cipher=PiiCipher.from_environment())
    store.migrate()
    store.dispose()


def _stage(store, tables: dict[str, pa.Table]) -> None:
    """Each generated table into the store as one file of its entity (untimed set-up)."""
    from leavehub.store.ledger import FileArrival
    from schemas.models import ENTITIES as MODELS

    calendar = pd.DataFrame([{"payroll_company_code": COMPANY, "pay_frequency": "BIWEEKLY",
                              "period_start": WINDOW.period_start, "period_end": WINDOW.period_end,
                              "check_date": CHECK, "processing_deadline": datetime(2026, 3, 18, 17, tzinfo=UTC)}])
    frames = {name: tables[name].to_pandas(types_mapper=pd.ArrowDtype) for name in ENTITIES}
    frames["pay_period"] = calendar
    for entity, frame in frames.items():
        frame = frame.drop(columns=[c for c in ("effective_to",) if c in frame])
        key = frame[list(MODELS[entity].natural_key)].astype(str).agg("|".join, axis=1)
        frame = frame.assign(record_key=key.to_numpy(), _row=range(1, len(frame) + 1))
        digest = hashlib.sha256(entity.encode()).hexdigest()
        arrival = FileArrival("bench", entity, "inbound", f"{entity}.csv", 1, digest, digest, None,
                              date(2026, 3, 1), "full", "1.0.0", "1", len(frame))
        with store.intake(arrival) as intake:
            intake.stage(entity, frame, "file_date")


def _whole_store_read(store) -> LeaveInputs:
    """The floor: every current version of every entity the rules take (what the pay run read before)."""
    return LeaveInputs(employment=store.current("employment"), leave_periods=store.current("leave_period"),
                       absences=store.current("absence"), benefit_payments=store.current("benefit_payment"),
                       enrollments=store.current("enrollment"), time_off=store.current("time_off_balance"))


def _one_at_a_time(inputs: LeaveInputs, count: int, history, tables) -> float:
    """Seconds per employee when each employee on leave is priced by its own call (the per-person loop).
    Each person's frames are cut out first, untimed: only the pricing calls are measured."""
    people = pd.unique(inputs.leave_periods["employee_id"].astype(str))[:count]

    def mine(frame: pd.DataFrame, person: str) -> pd.DataFrame:
        return frame.loc[frame["employee_id"].astype(str) == person] if len(frame) else frame

    singles = [LeaveInputs(employment=mine(inputs.employment, p), leave_periods=mine(inputs.leave_periods, p),
                           absences=mine(inputs.absences, p), benefit_payments=mine(inputs.benefit_payments, p),
                           enrollments=mine(inputs.enrollments, p), time_off=mine(inputs.time_off, p))
               for p in people]
    started = time.perf_counter()
    for single in singles:
        price_period(single, WINDOW, history, tables)
    return (time.perf_counter() - started) / max(len(people), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 employees, 500 on leave")
    parser.add_argument("--employees", type=int, default=None)
    parser.add_argument("--db-url", default=None, help="default: a SQLite file in a temporary folder")
    parser.add_argument("--baseline", type=int, default=None, help="employees priced one at a time (default 100)")
    args = parser.parse_args()
    n = args.employees or (10_000 if args.smoke else 100_000)
    on_leave = max(len(KINDS), n // 20)
    with tempfile.TemporaryDirectory(prefix="pay_bench_") as tmp:
        _hub(Path(tmp), args.db_url)
        from leavehub.payrun.book import PayBatch, PayBook
        from leavehub.payrun.inputs import leave_inputs, pay_period, period_people
        from leavehub.payrun.run import _deliver, _effective, _records, run_pay
        from leavehub.pipeline.runner import open_store
        from leavehub.settings import Settings

        settings = Settings.from_env()
        store = open_store(settings)
        started = time.perf_counter()
        _stage(store, generate(n, on_leave))
        print(f"staged {n:,} employees ({on_leave:,} on leave) in {time.perf_counter() - started:.1f}s")
        history, tables = load_policy(), load_rule_tables()
        base_rss = peak_rss_mb()
        t0 = time.perf_counter()
        period = pay_period(store, COMPANY, CHECK)
        earlier = sorted({date.fromisoformat(b.check_date) for b in _effective(PayBook(store), COMPANY, CHECK)})
        inputs = leave_inputs(store, COMPANY, period_people(period.span(earlier)))
        t1 = time.perf_counter()
        priced = price_period(inputs, period.window, history, tables)
        t2 = time.perf_counter()
        lines = _records(priced.lines)
        batch = PayBatch(PayBook(store).next_batch_id(COMPANY, CHECK), COMPANY, CHECK.isoformat(),
                         WINDOW.period_start.isoformat(), WINDOW.period_end.isoformat(), "NEW", "BUILT", lines)
        PayBook(store).save(batch)
        name, size, _, _ = _deliver(store, settings, batch, None)
        t3 = time.perf_counter()
        outcome = run_pay(store, settings, COMPANY, CHECK, now=datetime(2026, 3, 17, tzinfo=UTC))
        t4 = time.perf_counter()
        peak = peak_rss_mb()
        whole = time.perf_counter()
        everything = _whole_store_read(store)
        whole = time.perf_counter() - whole
        per_person = _one_at_a_time(everything, args.baseline or (20 if args.smoke else 100), history, tables)
        store.dispose()
    read_s, rules_s, write_s, run_s = t1 - t0, t2 - t1, t3 - t2, t4 - t3
    total = read_s + rules_s + write_s
    by_kind = priced.lines.groupby(priced.lines["kind"].astype(str)).size().to_dict()
    print(f"people read: {len(inputs.employment):,} employment rows of {n:,}; lines: {len(lines):,} "
          f"({', '.join(f'{k} {v:,}' for k, v in sorted(by_kind.items()))}); file {name} {size:,} bytes "
          "(signed + encrypted)")
    print(f"store -> signed file: {total:.2f}s = read {read_s:.2f}s + rules {rules_s:.2f}s + "
          f"write {write_s:.2f}s; "
          f"the whole run_pay (plan, book, deliver, ledger) {run_s:.2f}s -> {outcome.status} {outcome.file_name}; "
          f"peak RSS {peak:.0f} MB")
    print(f"floor, the whole store read (every current version): {whole:.2f}s -> the people read is "
          f"{whole / read_s:.1f}x faster")
    baseline = per_person * on_leave
    print(f"floor, one pricing per employee on leave: {per_person * 1000:.1f} ms each -> {baseline:.0f}s for "
          f"{on_leave:,}; vectorized rules are {baseline / rules_s:.0f}x faster")
    print(f"first rung 10 s: {'met' if total < 10 else 'NOT met'}; goal 3 s: "
          f"{'met' if total < 3 else f'{total - 3:.2f}s short'}")
    print(json.dumps({"bench": "pay", "employees": n, "on_leave": on_leave, "lines": len(lines),
                      "store_to_signed_file_s": round(total, 3), "read_s": round(read_s, 3),
                      "rules_s": round(rules_s, 3), "write_s": round(write_s, 3), "run_pay_s": round(run_s, 3),
                      "first_rung_s": 10.0, "goal_s": 3.0, "peak_rss_mb": round(peak, 1),
                      "rss_kb_per_employee": round((peak - base_rss) * 1000 / n, 2),
                      "floor_whole_store_read_s": round(whole, 3),
                      "ratio_whole_read_over_read": round(whole / read_s, 1),
                      "floor_per_employee_rules_s": round(baseline, 1),
                      "ratio_per_employee_over_rules": round(baseline / rules_s, 1),
                      "file_bytes": size, "status": outcome.status}))


if __name__ == "__main__":
    main()
