"""Benchmark: one biweekly pay run end to end, from the store to the signed LedgerPay pay-data file.

The employer of ``bench/pay_bench.py`` (100,000 employees, 5,000 on leave of every kind) is staged into a store
(SQLite by default, ``--db-url`` for PostgreSQL) with a LedgerPay calendar, untimed. Then, timed, the pay run's
own steps: READ = the canonical frames and the pay window from the store (``leavehub.payrun.inputs``), RULES =
``price_period``, WRITE = the instruction records, the import rows, encryption to LedgerPay and signing (gpg via
``connectors.pgp``), and the put to LedgerPay's import folder (a local folder here: the SFTP put is
``bench/sftp_bench.py``'s). A last full ``run_pay`` (plan + book + deliver + ledger) is timed as a whole.
The baseline is pay_bench's: the rules alone, priced from Parquet (no store, no file).

    .venv/bin/python bench/payrun_bench.py            # 100,000 employees, 5,000 on leave
    .venv/bin/python bench/payrun_bench.py --smoke    # 10,000 employees, 500 on leave

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
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from bench._measure import peak_rss_mb  # noqa: E402
from bench.pay_bench import WINDOW, generate  # noqa: E402

COMPANY, CHECK = "NWD", WINDOW.check_date
ENTITIES = ("employment", "leave_period", "absence", "benefit_payment", "enrollment", "time_off_balance")


def _hub(folder: Path, db_url: str | None) -> dict[str, str]:
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
    key = generate_key()
    env = {"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings), "LEAVEHUB_DB_URL": url,
           "LEAVEHUB_PII_KEY": key, "AIRFLOW_CONN_LEDGERPAY_PGP": json.dumps(
               {"conn_type": "generic", "extra": hub.connection_extra([payroll])})}
    os.environ.update(env)
    store = Store.open(url, cipher=PiiCipher.from_environment())
    store.migrate()
    store.dispose()
    return env


def _stage(store, tables: dict) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 employees, 500 on leave")
    parser.add_argument("--employees", type=int, default=None)
    parser.add_argument("--db-url", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    n = args.employees or (10_000 if args.smoke else 100_000)
    on_leave = max(10, n // 20)
    with tempfile.TemporaryDirectory(prefix="payrun_bench_") as tmp:
        folder = Path(tmp)
        _hub(folder, args.db_url)
        from leavehub.config.policy import load_policy
        from leavehub.config.rule_tables import load_rule_tables
        from leavehub.payrun.book import PayBatch
        from leavehub.payrun.inputs import leave_inputs, pay_period
        from leavehub.payrun.run import _deliver, _records, run_pay
        from leavehub.pipeline.runner import open_store
        from leavehub.rules.pay import price_period
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
        inputs = leave_inputs(store, COMPANY)
        t1 = time.perf_counter()
        priced = price_period(inputs, period.window, history, tables)
        t2 = time.perf_counter()
        lines = _records(priced.lines)
        batch = PayBatch("BENCH01", COMPANY, CHECK.isoformat(), WINDOW.period_start.isoformat(),
                         WINDOW.period_end.isoformat(), "NEW", "BUILT", lines)
        name, size, _, _ = _deliver(store, settings, batch, None)
        t3 = time.perf_counter()
        outcome = run_pay(store, settings, COMPANY, CHECK, now=datetime(2026, 3, 17, tzinfo=UTC))
        t4 = time.perf_counter()
        peak = peak_rss_mb()
        store.dispose()
    read_s, rules_s, write_s, run_s = t1 - t0, t2 - t1, t3 - t2, t4 - t3
    print(f"lines: {len(lines):,}; file {name} {size:,} bytes (signed + encrypted)")
    print(f"store -> signed file: {read_s + rules_s + write_s:.2f}s = read {read_s:.2f}s + rules {rules_s:.2f}s + "
          f"write {write_s:.2f}s; the whole run_pay (plan, book, deliver, ledger) {run_s:.2f}s -> "
          f"{outcome.status} {outcome.file_name}; peak RSS {peak:.0f} MB")
    print(json.dumps({"bench": "payrun", "employees": n, "on_leave": on_leave, "lines": len(lines),
                      "store_to_signed_file_s": round(read_s + rules_s + write_s, 3), "read_s": round(read_s, 3),
                      "rules_s": round(rules_s, 3), "write_s": round(write_s, 3), "run_pay_s": round(run_s, 3),
                      "first_rung_s": 10.0, "goal_s": 3.0, "peak_rss_mb": round(peak, 1),
                      "rss_kb_per_employee": round((peak - base_rss) * 1000 / n, 2),
                      "file_bytes": size, "status": outcome.status}))


if __name__ == "__main__":
    main()
