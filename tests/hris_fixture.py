"""Real-peer helpers for the HTTP transport tests: a small Northwind dataset and a running simulator process.

Kept out of the conftests: ``tests/connectors/transports/test_http.py`` and the fault suite import these.

Example::

    ids = write_dataset(tmp_path, workers=250)
    with running_simulator(tmp_path) as sim, client_for(sim) as api:
        assert {w["id"] for w in api.iter_records("/v1/workers")} == set(ids["workers"])
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil

from connectors.transports.http import ApiClient
from connectors.transports.retry import RetryPolicy
from sandbox.hris_api import HrisSimulator

CLIENT_ID = "leavehub-test"
CLIENT_SECRET = "test-only-client-secret-7f3a"  # a throwaway value for the loopback simulator
FAST_RETRY = RetryPolicy(attempts=4, backoff_base=0.05, backoff_max=0.2, budget=15)
UPDATED_AT_BASE = "2026-11-{day:02d}T08:15:00Z"


def worker(i: int, rnd: random.Random) -> dict[str, Any]:
    """One worker shaped like ``GET /v1/workers`` in the Northwind spec (synthetic, no real person)."""
    return {
        "id": f"W{i:06d}",
        "ssn": f"9{rnd.randrange(10**8):08d}",
        "legal_name": {"first": rnd.choice(["Ana", "Bo", "Chen", "Dee"]), "middle": None, "last": f"Test{i}"},
        "birth_date": str(date(1960, 1, 1) + timedelta(days=rnd.randrange(15000))),
        "gender": rnd.choice("FMXU"),
        "home_address": {"line1": f"{i} Elm St", "line2": None, "city": "Fresno", "state": "CA",
                         "postal_code": "93701"},
        "work_email": f"w{i}@example.com",
        "employment": {"status": "active", "hire_date": "2019-06-17", "adjusted_service_date": None,
                       "termination_date": None,
                       "worksite": {"id": "FRESNO-01", "state": "CA", "employees_within_75_miles": 212},
                       "full_time": True, "flsa": "exempt", "scheduled_hours_per_week": "40.00",
                       "scheduled_days_per_week": 5,
                       "pay": {"basis": "salary", "rate": "104000.00", "period": "year", "frequency": "biweekly"},
                       "key_employee": False, "spouse_worker_id": None, "union_code": None,
                       "supervisor_id": "W000007", "payroll_file_number": f"{i:06d}",
                       "payroll_company_code": "NWD"},
        "updated_at": UPDATED_AT_BASE.format(day=1 + i % 28),
    }


def write_dataset(directory: Path, *, workers: int = 1234, seed: int = 3) -> dict[str, list[str]]:
    """Write the four ``<endpoint>.jsonl`` files; return each endpoint's record keys in file order."""
    rnd = random.Random(seed)
    keys: dict[str, list[str]] = {}
    rows: dict[str, list[dict[str, Any]]] = {"workers": [worker(i, rnd) for i in range(1, workers + 1)]}
    ids = [w["id"] for w in rows["workers"]]
    rows["hours_worked"] = [
        {"worker_id": w, "period_start": f"2026-{m:02d}-01", "period_end": f"2026-{m:02d}-14", "pay_code": "REG",
         "hours": "80.00", "worked": True} for w in ids[:200] for m in (9, 10, 11)]
    rows["benefit_enrollments"] = [
        {"worker_id": w, "plan_type": "STD", "carrier": "summit", "plan_code": "STD60", "tier": "EE",
         "coverage_amount": None, "benefit_salary": "104000.00", "ee_premium_per_period": "12.00",
         "er_premium_per_period": "0.00", "tax": "post", "deduction_code": "STD",
         "effective_date": "2026-01-01", "end_date": None} for w in ids[:300]]
    rows["time_off_balances"] = [
        {"worker_id": w, "policy": p, "balance_hours": "80.00", "as_of": "2026-11-20"}
        for w in ids[:150] for p in ("PTO", "SICK")]
    for endpoint, records in rows.items():
        with (directory / f"{endpoint}.jsonl").open("w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec) + "\n")
        keys[endpoint] = [record_key(endpoint, r) for r in records]
    return keys


def record_key(endpoint: str, record: dict[str, Any]) -> str:
    """A record's identity: the worker id, or every field for the feeds that have no id of their own."""
    return record["id"] if endpoint == "workers" else json.dumps(record, sort_keys=True)


@contextmanager
def running_simulator(data_dir: Path, **options: Any) -> Iterator[HrisSimulator]:
    """A started simulator (rate limit off unless given), stopped and checked gone afterwards."""
    options.setdefault("rate_limit", 0)
    options.setdefault("log_path", data_dir / "hris_api.log")
    sim = HrisSimulator(data_dir, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options)
    sim.start()
    pid = sim.proc.pid if sim.proc else None
    try:
        yield sim
    finally:
        sim.stop()
        assert pid is None or not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def client_for(sim: HrisSimulator, **options: Any) -> ApiClient:
    """An ApiClient on the simulator with a fast retry policy (override with ``retry=``, ``timeout=`` ...)."""
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("timeout", (2, 5))
    return ApiClient(sim.url, token_path="/oauth/token", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                     **options)
