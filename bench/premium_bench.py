"""Benchmark (issue 9, the 834 part): a FULL 834 for N enrolled employees vs pyx12's validation of that file.

Why: the carrier's weekly full file covers every member; writing it must not become the slow step of the
run. This measures, for one generated population (every 20th employee on leave, most in STD and LTD):

1. load      the population posted into a SQLite store (setup, reported apart);
2. product   ``build_frame`` (the mapping's query over the store's current views + the mapping + audit marks)
             and ``write_chunks`` through the X12 layout of ``summit_mutual.enrollment_full``: the code
             ``leavehub run`` runs, in a child process so its peak RSS is its own;
3. pyx12     ``x12n_document`` validating the same file (its Python API; the 999 it computes must say A).

First rung: the 834 is written faster than pyx12 validates it.

    .venv/bin/python bench/premium_bench.py            # 100,000 employees
    .venv/bin/python bench/premium_bench.py --smoke    # 2,000 employees

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
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.outbound import _x12_params, build_frame
    from leavehub.store import Store

    class Batch:
        control_number = 1

    store = Store.open(os.environ["LEAVEHUB_DB_URL"])
    feed = load_feed(FEED_ID)
    started = time.perf_counter()
    frame = build_frame(feed, store=store, business_date=DAY)
    mapped = time.perf_counter()
    with out.open("wb") as sink:
        written = write_chunks(feed.layout, [frame], sink, business_date=DAY,
                               params=_x12_params(feed, Batch, datetime(2026, 12, 7, 13, 0, tzinfo=UTC)))
    done = time.perf_counter()
    store.dispose()
    return {"members": written.records, "rows": len(frame), "bytes": written.bytes,
            "query_map_s": round(mapped - started, 3), "write_s": round(done - mapped, 3),
            "total_s": round(done - started, 3), "peak_rss_mb": round(peak_rss_mb(), 1)}


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
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child.parent, args.child)))
        return 0
    employees = 2_000 if args.smoke else args.employees
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
              f"{product['total_s']:.2f} s (query+map {product['query_map_s']:.2f} s, write "
              f"{product['write_s']:.2f} s), peak RSS {product['peak_rss_mb']:.0f} MB")
        referee = validate(out)
        ratio = referee["pyx12_s"] / product["total_s"] if product["total_s"] else float("inf")
        print(f"pyx12 validates it in {referee['pyx12_s']:.2f} s (valid={referee['valid']}, "
              f"999 set status {referee['set_status']}): the 834 is written {ratio:.1f}x faster")
        result = {"bench": "premium_bench", "part": "834", "employees": employees, "loaded_s": round(loaded, 2),
                  **product, **referee, "pyx12_over_write": round(ratio, 2),
                  "first_rung_written_faster_than_pyx12": bool(ratio > 1 and referee["valid"]),
                  "load_average": [round(x, 2) for x in load_average()]}
        print(json.dumps(result))
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
