"""Benchmark: one biweekly pay run for a whole employer, from the store to the signed LedgerPay pay-data file.

100,000 employees (every one with an employment version, two enrollments and a PTO balance), 5,000 of them on
leave of every kind the engine handles: unpaid FMLA (whole and partial periods), STD approved (elimination
then top-up) and pending (provisional pay), CA PFL / MA PFML (top-up with agreement, AWW cap) / NY PFL,
workers' comp, salary continuation, and intermittent FMLA episodes; third-party payments for the paid plans.
The employer is staged into a store (SQLite by default, ``--postgres`` for a scratch PostgreSQL database) with a
LedgerPay calendar, the identity links and a year of payroll registers (``--registers``: 26 biweekly checks, an
earnings and a withholding line per employee each, 5.2 million lines at full size), untimed. Then, timed, the
pay run's own steps:

- READ: the pay window and the canonical frames of the people the period is about, from the store
  (``leavehub.payrun.inputs``: one SQL set of employees with leave activity, then one streamed select per
  entity), with their register lines (last paid net, disposable earnings, wages by quarter);
- RULES: ``price_period`` (frames in, instruction frame out);
- WRITE: the instruction records into the pay book (the store), the import rows, encryption to LedgerPay and
  signing (gpg via ``connectors.pgp``), and the put to LedgerPay's import folder (a local folder here: the SFTP
  put is ``bench/sftp_bench.py``'s).

A last full ``run_pay`` (plan + book + deliver + ledger) is timed as a whole. Two floors, measured in the same
run: the whole-store read (every current version of every entity the rules take, ``Store.current``: what the
pay run read before it read only its people), and the rules priced one employee at a time (``--baseline``
employees on leave, extrapolated to everyone on leave). Memory: the RSS the pay run adds in a fresh process over
the staged store (its peak is reset after start-up), per employee, and again at a tenth of the employer: flat
means the per-employee figure does not grow with the employer.

    .venv/bin/python bench/pay_bench.py            # 100,000 employees, 5,000 on leave
    .venv/bin/python bench/pay_bench.py --smoke    # 10,000 employees, 500 on leave

The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import yaml  # noqa: E402

from bench._measure import peak_rss_mb, postgres_database, reset_peak_rss, rss_mb  # noqa: E402
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


def generate(n: int, on_leave: int, register_checks: int = 0) -> dict[str, pa.Table]:
    """Synthetic canonical tables (seeded): every column the engine reads, typed as the store returns them, the
    identity links (file number = employee id) and ``register_checks`` biweekly payroll registers before the
    check (an ``EARN REG`` and a ``TAX FIT`` line per employee and check)."""
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
    tables["identity_link"] = pa.table({
        "employee_id": ids, "effective_from": pa.array([date(2020, 1, 1)] * n, pa.date32()),
        "payroll_company_code": [WINDOW.payroll_company_code] * n, "payroll_file_number": ids})
    # the registers of the year before: every employee paid on every biweekly check (earnings and withholding)
    checks = [WINDOW.check_date - timedelta(days=14 * k) for k in range(register_checks, 0, -1)]
    per = np.where(salaried, rate // 26, rate * 80)  # cents a biweekly check: salary / 26, or 80 hours at the rate
    m = n * len(checks)
    check_of = np.repeat(np.array(checks, dtype=object), n)
    earn = np.tile(per, len(checks))
    tables["payroll_register_line"] = pa.table({
        "payroll_company_code": [WINDOW.payroll_company_code] * (2 * m),
        "payroll_file_number": np.concatenate([np.tile(ids, len(checks))] * 2),
        "pay_period_start": pa.array(list(check_of - timedelta(days=18)) * 2, pa.date32()),
        "pay_period_end": pa.array(list(check_of - timedelta(days=5)) * 2, pa.date32()),
        "check_date": pa.array(list(check_of) * 2, pa.date32()),
        "line_type": ["EARN"] * m + ["TAX"] * m, "code": ["REG"] * m + ["FIT"] * m,
        "amount": _dec(np.concatenate([earn, earn // 10])), "batch_id": pa.nulls(2 * m, pa.string())})
    tables["premium_history"] = pa.table({
        "plan_type": ["STD"] * 3, "plan_year": [2023, 2024, 2025], "employer_paid": _dec(np.full(3, 50_000_00)),
        "employee_pre_tax": _dec(np.zeros(3, np.int64)), "employee_post_tax": _dec(np.full(3, 50_000_00))})
    return tables


COMPANY, CHECK = WINDOW.payroll_company_code, WINDOW.check_date
CHECKS = tuple(CHECK + timedelta(days=14 * k) for k in range(12))
"""The calendar: this period's check and the biweekly checks after it (the history figure runs through some)."""
CHANGED = 0.01
"""The history figure: the share of the people on leave whose leave changes before the last run."""


def _deadline(check: date) -> datetime:
    return datetime.combine(check - timedelta(days=2), datetime.min.time(), UTC).replace(hour=17)
ENTITIES = ("employment", "leave_period", "absence", "benefit_payment", "enrollment", "time_off_balance",
            "identity_link", "payroll_register_line")


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

    before = len(pd.unique(tables["payroll_register_line"]["check_date"].to_numpy()))
    calendar = pd.DataFrame([{"payroll_company_code": COMPANY, "pay_frequency": "BIWEEKLY",
                              "period_start": WINDOW.period_start + timedelta(days=14 * k),
                              "period_end": WINDOW.period_end + timedelta(days=14 * k),
                              "check_date": CHECK + timedelta(days=14 * k),
                              "processing_deadline": _deadline(CHECK + timedelta(days=14 * k))}
                             for k in range(-before, len(CHECKS))])
    frames = {name: tables[name].to_pandas(types_mapper=pd.ArrowDtype) for name in ENTITIES}
    frames["pay_period"] = calendar
    for entity, frame in frames.items():
        frame = frame.drop(columns=[c for c in ("effective_to",) if c in frame])
        parts = [frame[c].astype(str).fillna("") for c in MODELS[entity].natural_key]
        key = parts[0].str.cat(parts[1:], sep="|") if len(parts) > 1 else parts[0]
        frame = frame.assign(record_key=key.to_numpy(), _row=range(1, len(frame) + 1))
        digest = hashlib.sha256(entity.encode()).hexdigest()
        arrival = FileArrival("bench", entity, "inbound", f"{entity}.csv", 1, digest, digest, None,
                              date(2026, 3, 1), "full", "1.0.0", "1", len(frame))
        with store.intake(arrival) as intake:
            intake.stage(entity, frame, "file_date")


def _whole_store_read(store) -> LeaveInputs:
    """The floor: every current version of every entity the rules take (what the pay run read before), the
    identity links and the registers included."""
    for entity in ("identity_link", "payroll_register_line"):  # what the rules take from them, read whole too
        store.current(entity)
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


def measure(n: int, db_url: str | None, baseline: int | None, checks: int, registers: int) -> dict[str, Any]:
    """Stage an employer of ``n`` (untimed, this process), then run the pay run on it in a fresh child process
    (``--run-staged``): its peak RSS over its RSS before the run is what the pay run itself needs, not memory
    the staging left behind."""
    on_leave = max(len(KINDS), n // 20)
    with tempfile.TemporaryDirectory(prefix="pay_bench_") as tmp:
        _hub(Path(tmp), db_url)
        from leavehub.pipeline.runner import open_store
        from leavehub.settings import Settings

        store = open_store(Settings.from_env())
        started = time.perf_counter()
        _stage(store, generate(n, on_leave, registers))
        from leavehub.operations.premium_entries import record_registered_checks

        record_registered_checks(store, COMPANY, before=CHECK)  # what earlier runs did when each register came
        store.dispose()
        print(f"staged {n:,} employees ({on_leave:,} on leave, {registers} registers before the check: "
              f"{2 * n * registers:,} register lines) in {time.perf_counter() - started:.1f}s")
        child = subprocess.run([sys.executable, __file__, "--run-staged", str(n), "--baseline",
                                str(baseline or (20 if n <= 10_000 else 100)), "--history", str(checks)],
                               capture_output=True, text=True, check=False, timeout=1800)
        if child.returncode != 0:
            raise SystemExit(f"the pay run failed ({child.returncode}):\n{child.stderr[-4000:]}")
        return {**json.loads(child.stdout.strip().splitlines()[-1]), "employees": n, "on_leave": on_leave}


def _history(store, settings, checks: int) -> dict[str, Any]:
    """A run ``checks`` checks in: the next ``checks - 1`` checks are sent (untimed), then the leave of 1% of the
    people on leave changes (a shorter period, a later stamp), then the next check is timed twice: as the product
    runs it (earlier periods re-priced for the changed people only) and with every watermark cleared (every
    earlier period re-priced for everyone: what the first run after an upgrade does)."""
    from sqlalchemy import update

    from leavehub.payrun.run import plan_pay_run, run_pay
    from leavehub.store.ledger import FileArrival
    from leavehub.store.tables import PAY_BATCH

    for check in CHECKS[1:checks]:
        run_pay(store, settings, COMPANY, check, now=_deadline(check) - timedelta(days=1))
    periods = store.current("leave_period")
    periods = periods.loc[periods["absence_period_key"].astype(str).str.startswith("F-")]
    changed = periods.iloc[:: max(1, round(1 / CHANGED))].copy()
    changed["period_end"] = [pd.Timestamp(d).date() - timedelta(days=7) for d in changed["period_end"]]
    changed["updated_at"] = datetime(2026, 4, 1, tzinfo=UTC)
    changed = changed[[c for c in changed.columns if c in tables_columns("leave_period")]]
    changed = changed.assign(record_key=changed["absence_period_key"].astype(str).to_numpy(),
                             _row=range(1, len(changed) + 1))
    digest = hashlib.sha256(b"changed leave").hexdigest()
    with store.intake(FileArrival("bench", "leave_period", "inbound", "changes.csv", 1, digest, digest, None,
                                  date(2026, 4, 1), "change", "1.0.0", "1", len(changed))) as intake:
        intake.stage("leave_period", changed, "file_date")
    check = CHECKS[checks]
    now = _deadline(check) - timedelta(days=1)
    started = time.perf_counter()
    narrow = plan_pay_run(store, settings, COMPANY, check, now=now)
    narrow_s = time.perf_counter() - started
    with store.engine.begin() as connection:
        connection.execute(update(PAY_BATCH).values(inputs_watermark=None))
    started = time.perf_counter()
    full = plan_pay_run(store, settings, COMPANY, check, now=now)
    full_s = time.perf_counter() - started
    if narrow.lines != full.lines or narrow.receivables != full.receivables:
        raise SystemExit("the narrowed retro differs from a full re-price")
    return {"history_checks": checks, "history_changed": len(changed), "history_repriced": narrow.repriced,
            "history_lines": len(narrow.lines), "history_narrow_s": narrow_s, "history_full_s": full_s}


def tables_columns(entity: str) -> set[str]:
    from schemas.models import ENTITIES as MODELS

    return set(MODELS[entity].model_fields)


def run_staged(baseline: int, checks: int) -> dict[str, Any]:
    """The child: the pay run on the store the parent staged (its settings come through the environment)."""
    from leavehub.payrun.book import PayBatch, PayBook
    from leavehub.payrun.inputs import leave_inputs, pay_period, period_people
    from leavehub.payrun.run import deliver_batch, effective_batches, instruction_records, run_pay
    from leavehub.pipeline.runner import open_store
    from leavehub.settings import Settings

    settings = Settings.from_env()
    store = open_store(settings)
    history, tables = load_policy(), load_rule_tables()
    gc.collect()
    base_rss = rss_mb()
    reset_peak_rss()
    t0 = time.perf_counter()
    period = pay_period(store, COMPANY, CHECK)
    earlier = sorted({date.fromisoformat(b.check_date) for b in effective_batches(PayBook(store), COMPANY, CHECK)})
    inputs = leave_inputs(store, COMPANY, period_people(period.span(earlier)), CHECK)
    t1 = time.perf_counter()
    priced = price_period(inputs, period.window, history, tables)
    t2 = time.perf_counter()
    lines = instruction_records(priced.lines)
    batch = PayBatch(PayBook(store).next_batch_id(COMPANY, CHECK), COMPANY, CHECK.isoformat(),
                     WINDOW.period_start.isoformat(), WINDOW.period_end.isoformat(), "NEW", "BUILT", lines)
    PayBook(store).save(batch)
    name, size, _, _ = deliver_batch(store, settings, batch, None)
    t3 = time.perf_counter()
    outcome = run_pay(store, settings, COMPANY, CHECK, now=datetime(2026, 3, 17, tzinfo=UTC))
    t4 = time.perf_counter()
    pay_rss, peak = peak_rss_mb() - base_rss, peak_rss_mb()
    whole = time.perf_counter()
    everything = _whole_store_read(store)
    whole = time.perf_counter() - whole
    per_person = _one_at_a_time(everything, baseline, history, tables)
    later = _history(store, settings, checks)
    store.dispose()
    by_kind = priced.lines.groupby(priced.lines["kind"].astype(str)).size().to_dict()
    return {"lines": len(lines), "by_kind": by_kind, "file": name, "file_bytes": size, "status": outcome.status,
            "outcome_file": outcome.file_name, "people_read": len(inputs.employment), "read_s": t1 - t0,
            "rules_s": t2 - t1, "write_s": t3 - t2, "run_pay_s": t4 - t3, "pay_rss_mb": pay_rss,
            "peak_rss_mb": peak, "whole_read_s": whole, "per_person_s": per_person, **later}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 employees, 500 on leave")
    parser.add_argument("--employees", type=int, default=None)
    parser.add_argument("--postgres", action="store_true", help="stores on the local PostgreSQL (default SQLite)")
    parser.add_argument("--baseline", type=int, default=None, help="employees priced one at a time (default 100)")
    parser.add_argument("--history", type=int, default=None,
                        help="checks sent before the history figure's run (default 6, smoke 2)")
    parser.add_argument("--registers", type=int, default=26,
                        help="biweekly payroll registers staged before the check (default 26: a year)")
    parser.add_argument("--run-staged", type=int, default=None, help=argparse.SUPPRESS)  # the child's role
    args = parser.parse_args()
    if args.run_staged is not None:
        print(json.dumps(run_staged(args.baseline or 100, args.history)))
        return
    n = args.employees or (10_000 if args.smoke else 100_000)
    history = min(args.history or (2 if args.smoke else 6), len(CHECKS) - 1)

    def at(size: int) -> dict[str, Any]:
        if not args.postgres:
            return measure(size, None, args.baseline, history, args.registers)
        with postgres_database(f"pay_bench_{size}") as url:
            if url is None:
                raise SystemExit("--postgres: PostgreSQL at 127.0.0.1:5432 does not answer")
            return measure(size, url, args.baseline, history, args.registers)

    # memory per employee, measured at a tenth of the size too (unless that is under 1,000): flat means the
    # pay run's RSS grows with the employer, not faster
    small = at(n // 10) if n // 10 >= 1_000 else None
    r = at(n)
    total = r["read_s"] + r["rules_s"] + r["write_s"]
    kb_per_employee = r["pay_rss_mb"] * 1000 / n
    print(f"people read: {r['people_read']:,} employment rows of {n:,}; lines: {r['lines']:,} "
          f"({', '.join(f'{k} {v:,}' for k, v in sorted(r['by_kind'].items()))}); file {r['file']} "
          f"{r['file_bytes']:,} bytes (signed + encrypted)")
    print(f"store -> signed file: {total:.2f}s = read {r['read_s']:.2f}s + rules {r['rules_s']:.2f}s + "
          f"write {r['write_s']:.2f}s; the whole run_pay (plan, book, deliver, ledger) {r['run_pay_s']:.2f}s -> "
          f"{r['status']} {r['outcome_file']}")
    memory = f"the pay run added {r['pay_rss_mb']:.0f} MB RSS ({kb_per_employee:.2f} KB per employee)"
    growth = None
    if small is not None:
        small_kb = small["pay_rss_mb"] * 1000 / small["employees"]
        growth = kb_per_employee / small_kb if small_kb > 0 else None
        memory += (f"; at {small['employees']:,} employees {small['pay_rss_mb']:.0f} MB ({small_kb:.2f} KB per "
                   f"employee): per-employee memory x{growth:.2f} at 10x the employer" if growth else "")
    print(memory + f"; the pay run's process peaked at {r['peak_rss_mb']:.0f} MB")
    print(f"floor, the whole store read (every current version): {r['whole_read_s']:.2f}s -> the people read is "
          f"{r['whole_read_s'] / r['read_s']:.1f}x faster")
    baseline = r["per_person_s"] * r["on_leave"]
    print(f"floor, one pricing per employee on leave: {r['per_person_s'] * 1000:.1f} ms each -> {baseline:.0f}s "
          f"for {r['on_leave']:,}; vectorized rules are {baseline / r['rules_s']:.0f}x faster")
    print(f"{r['history_checks']} checks in, after {r['history_changed']} of {r['on_leave']:,} leaves changed: "
          f"the next plan re-priced earlier periods for {r['history_repriced']} people in "
          f"{r['history_narrow_s']:.2f}s; "
          f"re-pricing them for everyone (no watermark) took {r['history_full_s']:.2f}s "
          f"({r['history_full_s'] / r['history_narrow_s']:.1f}x); the same {r['history_lines']:,} lines")
    print(f"first rung 10 s: {'met' if total < 10 else 'NOT met'}; goal 3 s: "
          f"{'met' if total < 3 else f'{total - 3:.2f}s short'}; load average {os.getloadavg()[0]:.1f}")
    print(json.dumps({"bench": "pay", "employees": n, "on_leave": r["on_leave"], "lines": r["lines"],
                      "store": "postgresql" if args.postgres else "sqlite", "registers": args.registers,
                      "register_lines": 2 * n * args.registers,
                      "store_to_signed_file_s": round(total, 3), "read_s": round(r["read_s"], 3),
                      "rules_s": round(r["rules_s"], 3), "write_s": round(r["write_s"], 3),
                      "run_pay_s": round(r["run_pay_s"], 3), "first_rung_s": 10.0, "goal_s": 3.0,
                      "pay_rss_mb": round(r["pay_rss_mb"], 1), "rss_kb_per_employee": round(kb_per_employee, 3),
                      "rss_per_employee_growth_at_10x": None if growth is None else round(growth, 2),
                      "peak_rss_mb": round(r["peak_rss_mb"], 1),
                      "floor_whole_store_read_s": round(r["whole_read_s"], 3),
                      "ratio_whole_read_over_read": round(r["whole_read_s"] / r["read_s"], 1),
                      "floor_per_employee_rules_s": round(baseline, 1),
                      "ratio_per_employee_over_rules": round(baseline / r["rules_s"], 1),
                      "file_bytes": r["file_bytes"], "status": r["status"],
                      "history_checks": r["history_checks"], "history_repriced": r["history_repriced"],
                      "history_narrow_s": round(r["history_narrow_s"], 3),
                      "history_full_s": round(r["history_full_s"], 3),
                      "ratio_full_over_narrow": round(r["history_full_s"] / r["history_narrow_s"], 1),
                      "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
