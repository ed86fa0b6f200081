"""Benchmark: pull every worker from the Northwind simulator with ApiClient vs a raw ``requests`` loop, then
the whole feed (``run_feed("northwind_hris.workers")``: pull, read, map, validate, store) vs the bare pull.

Why: the client adds a token cache, a retry loop and declared pagination on top of ``requests``; this measures
what that costs on the same pages, in the same run, against the same server process (rate limit off).
Each side runs ``--repeat`` times, alternating, and the best run of each is compared. A last pass with 5% 503s
shows the client still delivers every record exactly once under faults. The engine pass (``--engine-workers``,
a SQLite store) times the feed end to end and prints it beside the bare client pull of the same records, so
the ratio is what the engine adds on top of fetching the pages.

    .venv/bin/python bench/hris_pull_bench.py            # 100,000 workers
    .venv/bin/python bench/hris_pull_bench.py --smoke    # 5,000 workers (engine pass: 2,000)

The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402

from connectors.transports.http import ApiClient  # noqa: E402
from connectors.transports.pagination import CursorPagination  # noqa: E402
from connectors.transports.retry import RetryPolicy  # noqa: E402
from sandbox.hris_api import HrisSimulator  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "bench", "bench-only-secret"


def write_workers(path: Path, n: int) -> None:
    """Write ``n`` synthetic workers shaped like the spec's ``GET /v1/workers`` records (about 1 KB each)."""
    template = {
        "id": "", "ssn": "", "legal_name": {"first": "Ana", "middle": None, "last": ""},
        "birth_date": "1988-04-02", "gender": "F",
        "home_address": {"line1": "1 Elm St", "line2": None, "city": "Fresno", "state": "CA",
                         "postal_code": "93701"},
        "work_email": "",
        "employment": {"status": "active", "hire_date": "2019-06-17", "adjusted_service_date": None,
                       "termination_date": None,
                       "worksite": {"id": "FRESNO-01", "state": "CA", "employees_within_75_miles": 212},
                       "full_time": True, "flsa": "exempt", "scheduled_hours_per_week": "40.00",
                       "scheduled_days_per_week": 5,
                       "pay": {"basis": "salary", "rate": "104000.00", "period": "year", "frequency": "biweekly"},
                       "key_employee": False, "spouse_worker_id": None, "union_code": None,
                       "supervisor_id": "W000007", "payroll_file_number": "", "payroll_company_code": "NWD"},
        "updated_at": "2026-11-20T08:15:00Z",
    }
    with path.open("w", encoding="utf-8") as fh:
        for i in range(1, n + 1):
            template["id"], template["ssn"] = f"W{i:06d}", f"9{i:08d}"
            template["legal_name"]["last"], template["work_email"] = f"Bench{i}", f"w{i}@example.com"
            template["employment"]["payroll_file_number"] = f"{i:06d}"
            fh.write(json.dumps(template, separators=(",", ":")) + "\n")


def pull_raw(url: str, page_size: int) -> list[str]:
    """The baseline: what a hand-written loop over the same API does, with no retries or checks."""
    with requests.Session() as s:
        token = s.post(f"{url}/oauth/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                                   "client_secret": CLIENT_SECRET}, timeout=30).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        ids: list[str] = []
        params: dict[str, object] = {"page_size": page_size}
        while True:
            body = s.get(f"{url}/v1/workers", params=params, headers=headers, timeout=30).json()
            ids += [w["id"] for w in body["data"]]
            if not body["next_cursor"]:
                return ids
            params["cursor"] = body["next_cursor"]


def pull_client(url: str, page_size: int) -> list[str]:
    """The client under test: token cache, retry loop, declared cursor pagination, page-by-page streaming."""
    retry = RetryPolicy(attempts=8, backoff_base=0.01, backoff_max=0.1)
    with ApiClient(url, token_path="/oauth/token", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                   retry=retry) as api:
        return [w["id"] for w in api.iter_records("/v1/workers", pagination=CursorPagination(page_size=page_size))]


def engine_pull(data: Path, n: int, repeat: int) -> dict[str, float]:
    """``run_feed("northwind_hris.workers")`` against a simulator of ``n`` workers into a fresh SQLite store, vs
    the bare client pull of the same pages (the floor): best of ``repeat`` each, alternating."""
    import os
    import shutil

    from leavehub.pipeline.runner import open_store, run_feed
    from leavehub.settings import REPO_ROOT, Settings
    from leavehub.store.pii import generate_key

    folder = data / f"engine_{n}"
    folder.mkdir()
    write_workers(folder / "workers.jsonl", n)
    os.environ.setdefault("LEAVEHUB_PII_KEY", generate_key())
    feed_s, floor_s = [], []
    with HrisSimulator(folder, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate_limit=0,
                       startup_timeout=120) as sim:
        conn = {"conn_type": "http", "host": sim.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
                "extra": {"token_path": "/oauth/token", "allow_insecure_http": True}}
        os.environ["AIRFLOW_CONN_NORTHWIND_HRIS_API"] = json.dumps(conn)
        pull_raw(sim.url, 500)  # warm the server's view cache
        for attempt in range(repeat):
            home = folder / f"home{attempt}"
            shutil.rmtree(home, ignore_errors=True)
            settings = Settings.from_env({**os.environ, "LEAVEHUB_HOME": str(home),
                                          "LEAVEHUB_MAPPINGS": str(REPO_ROOT / "mappings"),
                                          "LEAVEHUB_DB_URL": f"sqlite:///{folder / f'store{attempt}.db'}"})
            store = open_store(settings, upgrade=True)
            started = time.perf_counter()
            outcome = run_feed("northwind_hris.workers", settings=settings, store=store)
            feed_s.append(time.perf_counter() - started)
            store.dispose()
            counts = outcome.receipts[0].record_outcomes.get("employee", {}) if outcome.ok else {}
            applied = counts.get("applied")
            if applied != n:
                raise SystemExit(f"engine pass: {outcome.summary()[:2000]}")
            started = time.perf_counter()
            pull_client(sim.url, 500)
            floor_s.append(time.perf_counter() - started)
    rss_mb = psutil.Process().memory_info().rss / 1e6
    return {"feed_s": min(feed_s), "floor_s": min(floor_s), "rss_mb": rss_mb}


def reader_pass(data: Path, n: int, repeat: int) -> dict[str, float]:
    """What an API pull's records cost to become chunks: pages of decoded records handed to ``read_records``
    (the pull's way) vs the same records written as JSON Lines and parsed back by ``read_json`` (the way
    before it), best of ``repeat`` each, alternating; the same chunk size on both sides."""
    import io

    from connectors.formats.json_records import read_json, read_records
    from connectors.formats.layouts import JsonLayout

    write_workers(data / "reader.jsonl", n)
    records = [json.loads(line) for line in (data / "reader.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = [records[i:i + 500] for i in range(0, n, 500)]
    direct, parsed_back = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        assert sum(len(c) for c in read_records(JsonLayout(), iter(pages), name="pull", chunk_rows=20_000)) == n
        direct.append(time.perf_counter() - started)
        started = time.perf_counter()
        lines = b"".join(json.dumps(r, sort_keys=True, separators=(",", ":")).encode() + b"\n" for r in records)
        chunks = read_json(JsonLayout(), io.BytesIO(lines), name="pull", chunk_rows=20_000)
        assert sum(len(c) for c in chunks) == n
        parsed_back.append(time.perf_counter() - started)
    return {"records_s": min(direct), "jsonl_s": min(parsed_back)}


def timed(pull: Callable[[str, int], list[str]], url: str, page_size: int, expected: int) -> float:
    started = time.perf_counter()
    ids = pull(url, page_size)
    elapsed = time.perf_counter() - started
    if len(ids) != expected or len(set(ids)) != expected:
        raise SystemExit(f"{pull.__name__}: got {len(ids)} ids ({len(set(ids))} distinct), expected {expected}")
    return expected / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="5,000 workers")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine-workers", type=int, default=None, help="workers in the engine pass (20,000)")
    args = parser.parse_args()
    n = args.workers or (5_000 if args.smoke else 100_000)
    with tempfile.TemporaryDirectory(prefix="hris_bench_") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        write_workers(data / "workers.jsonl", n)
        size_mb = (data / "workers.jsonl").stat().st_size / 1e6
        print(f"generated {n:,} workers ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f}s")
        with HrisSimulator(data, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate_limit=0,
                           startup_timeout=120) as sim:
            pull_raw(sim.url, args.page_size)  # warm the server's view cache and the OS
            raw, ours = [], []
            for _ in range(args.repeat):
                raw.append(timed(pull_raw, sim.url, args.page_size, n))
                ours.append(timed(pull_client, sim.url, args.page_size, n))
            sim.set_faults(unavailable_rate=0.05)
            faulty = timed(pull_client, sim.url, args.page_size, n)
            status_503 = sim.stats().get("status_503", 0)
        engine_n = args.engine_workers or (2_000 if args.smoke else 20_000)
        engine = engine_pull(data, engine_n, min(args.repeat, 2))
        reader = reader_pass(data, engine_n, args.repeat)
    rss_mb = psutil.Process().memory_info().rss / 1e6
    best_raw, best_ours = max(raw), max(ours)
    ratio = best_ours / best_raw
    print(f"baseline raw requests loop: {best_raw:,.0f} records/s (runs: {', '.join(f'{r:,.0f}' for r in raw)})")
    print(f"ApiClient.iter_records:     {best_ours:,.0f} records/s (runs: {', '.join(f'{r:,.0f}' for r in ours)})")
    print(f"ratio client/baseline: {ratio:.2f}; with 5% 503s ({status_503} retried): {faulty:,.0f} records/s")
    engine_ratio = engine["feed_s"] / engine["floor_s"]
    print(f"engine: run_feed northwind_hris.workers, {engine_n:,} workers: {engine['feed_s']:.2f} s "
          f"({engine_n / engine['feed_s']:,.0f} records/s); floor (bare client pull): {engine['floor_s']:.2f} s; "
          f"ratio {engine_ratio:.2f}; rss after {engine['rss_mb']:.0f} MB")
    reader_ratio = reader["records_s"] / reader["jsonl_s"]
    print(f"reader: {engine_n:,} pulled records to chunks: read_records {reader['records_s']:.2f} s; floor "
          f"(JSON Lines written and parsed back, as before): {reader['jsonl_s']:.2f} s; ratio {reader_ratio:.2f}")
    print(json.dumps({"bench": "hris_pull", "records": n, "page_size": args.page_size,
                      "baseline_records_per_s": round(best_raw), "client_records_per_s": round(best_ours),
                      "ratio": round(ratio, 3), "client_with_5pct_503_records_per_s": round(faulty),
                      "retried_503": status_503, "bench_rss_mb": round(rss_mb, 1),
                      "engine_workers": engine_n, "engine_feed_s": round(engine["feed_s"], 3),
                      "engine_floor_pull_s": round(engine["floor_s"], 3), "engine_ratio": round(engine_ratio, 3),
                      "engine_rss_mb": round(engine["rss_mb"], 1),
                      "reader_records_s": round(reader["records_s"], 3),
                      "reader_jsonl_floor_s": round(reader["jsonl_s"], 3),
                      "reader_ratio": round(reader_ratio, 3)}))


if __name__ == "__main__":
    main()
