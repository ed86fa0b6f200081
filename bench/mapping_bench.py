"""Benchmark (issue 2): map + validate a Harbor leave-periods file into canonical records vs its floors.

Why: the mapping engine promises column operations on Arrow chunks instead of row-by-row Python. This measures,
in ONE run on the same generated file (every column, ~200 bytes a row):

1. product   read_chunks + feed.mapper.apply of ``harbor_leave.leave_periods`` - the code ``leavehub run`` runs
             (date32, decimal128, enum codes, every bad value listed); falls back to the test copy of the
             mapping when the reference one does not load;
2. staging   Store.intake(...).stage("leave_period", ...) of the same mapped rows (record_key added as
             inbound.py adds it), SQLite and - when it answers - Postgres; merge + commit reported apart;
3. floors    pyarrow.csv.read_csv to string columns (single-threaded, as the product reads, and threaded),
             pandas.read_csv(dtype=str, engine="c"), and a naive csv.DictReader + pydantic LeavePeriod per
             row loop (run on a prefix and scaled linearly, to keep the run bounded);
4. reject    the same size file with 0.1% bad rows: the product path lists every bad value (checked against
             the cells the generator planted), then receive_file rejects and quarantines it end to end;
5. memory    peak RSS of the product path in a child process for N and 4N rows (the ratio shows whether memory
             grows with the file).

    .venv/bin/python bench/mapping_bench.py            # 1,000,000 rows (~200 MB); RSS at 1M and 4M
    .venv/bin/python bench/mapping_bench.py --smoke    # 50,000 rows; RSS at 50k and 200k

Targets (printed as ratios): product <= 3x the pyarrow floor; product >= 3x faster than the naive loop;
RSS(4N) / RSS(N) <= 1.3. The last line printed is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _measure import Timing, best_of, load_average, naive_leave_periods, peak_rss_mb, postgres_database  # noqa: E402

FEED_ID = "harbor_leave.leave_periods"
FALLBACK_MAPPING = ROOT / "tests" / "leavehub" / "mapping" / "data" / "harbor_leave" / "leave_periods.yaml"
FILE_NAME = "HARBOR_LEAVE_20261120.csv"
BUSINESS_DATE = date(2026, 11, 20)
CHUNK_ROWS = 100_000
TARGET_VS_FLOOR, TARGET_VS_NAIVE, TARGET_RSS = 3.0, 3.0, 1.3
_STARTED = time.perf_counter()


# -- the product path ---------------------------------------------------------------------------------------

def load_product(retries: int, wait: float) -> tuple[Any, Any, str]:
    """(layout, mapper, source) of the reference mapping; after ``retries`` failures, the test copy."""
    from leavehub.pipeline.feeds import load_feed

    problem: Exception | None = None
    for attempt in range(retries + 1):
        try:
            feed = load_feed(FEED_ID)
            return feed.layout, feed.mapper, f"mappings/{FEED_ID.replace('.', '/')}.yaml"
        except Exception as exc:  # a mapping still being written may fail anyhow
            problem = exc
            if attempt < retries:
                print(f"reference mapping does not load yet ({type(exc).__name__}: {exc}); retry in {wait:.0f}s",
                      file=sys.stderr)
                time.sleep(wait)
    from connectors.formats import parse_layout
    from leavehub.mapping.loader import load_mapper, load_mapping

    print(f"WARNING: using {FALLBACK_MAPPING.relative_to(ROOT)} ({type(problem).__name__}: {problem})",
          file=sys.stderr)
    return (parse_layout(load_mapping(FALLBACK_MAPPING).layout), load_mapper(FALLBACK_MAPPING),
            str(FALLBACK_MAPPING.relative_to(ROOT)))


def mapped_chunks(layout: Any, mapper: Any, path: Path) -> Iterator[Any]:
    """What ``leavehub run`` does per chunk before staging: read, map, validate."""
    from connectors.formats import read_chunks

    with path.open("rb") as stream:
        for chunk in read_chunks(layout, stream, name=FILE_NAME, chunk_rows=CHUNK_ROWS):
            yield mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=BUSINESS_DATE,
                               line_of=chunk.line_of)


def map_file(layout: Any, mapper: Any, path: Path) -> tuple[int, list[Any]]:
    """Map and validate the whole file; (canonical rows, every row error sorted as inbound sorts them)."""
    rows, errors = 0, []
    for mapped in mapped_chunks(layout, mapper, path):
        errors += mapped.errors
        rows += sum(len(frame) for frame in mapped.frames.values())
    errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    return rows, errors


def rss_child(path: Path) -> None:
    """Child mode: run the product path once over ``path`` and print the peak RSS as JSON."""
    started_rss = peak_rss_mb()
    layout, mapper, _ = load_product(retries=0, wait=0)
    imported_rss = peak_rss_mb()
    rows, errors = map_file(layout, mapper, path)
    print(json.dumps({"rows": rows, "errors": len(errors), "peak_rss_mb": round(peak_rss_mb(), 1),
                      "start_rss_mb": round(started_rss, 1), "after_imports_rss_mb": round(imported_rss, 1)}))


def measure_rss(path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--rss-child", str(path)], capture_output=True, text=True,
                         check=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- staging ------------------------------------------------------------------------------------------------

def arrival(rows: int) -> Any:
    from leavehub.store import FileArrival
    from schemas.version import SCHEMA_VERSION

    return FileArrival(vendor="harbor_leave", feed="leave_periods", direction="inbound", name=FILE_NAME,
                       size=None, sha256_received=secrets.token_hex(32), sha256_plaintext=secrets.token_hex(32),
                       control_number=None, business_date=BUSINESS_DATE, file_kind="change",
                       schema_version=SCHEMA_VERSION, mapping_version="bench", record_count=rows)


def stage_file(url: str, layout: Any, mapper: Any, path: Path, rows: int) -> dict[str, Any]:
    """Map each chunk (untimed), then add record_key and stage it (timed); merge + commit timed apart."""
    from leavehub.config.feed_keys import EntityKey, keyed_frame
    from leavehub.store import PiiCipher, Store
    from schemas.models import ENTITIES

    store = Store.open(url, cipher=PiiCipher(secrets.token_bytes(32)))
    try:
        store.migrate()
        staged = 0
        staging = 0.0
        with store.intake(arrival(rows)) as intake:
            for mapped in mapped_chunks(layout, mapper, path):
                if mapped.errors:
                    raise SystemExit(f"staging input has {len(mapped.errors)} bad values")
                for entity, frame in mapped.frames.items():
                    started = time.perf_counter()
                    keyed, _ = keyed_frame(frame, EntityKey(entity, ENTITIES[entity].natural_key, ()))
                    staged += intake.stage(entity, keyed, "updated_at")
                    staging += time.perf_counter() - started
            finishing = time.perf_counter()
        merge = time.perf_counter() - finishing
        return {"dialect": store.engine.dialect.name, "rows": staged, "stage_s": round(staging, 3),
                "stage_rows_per_s": round(staged / staging), "merge_commit_s": round(merge, 3),
                "applied": intake.applied}
    finally:
        store.dispose()


# -- reject end to end --------------------------------------------------------------------------------------

def receive_rejected(path: Path, home: Path) -> tuple[float, int, str]:
    """receive_file on the bad file: validate all, ledger REJECTED, quarantine with the report.

    Harbor signs its files; the bench hands the plaintext in as already verified (``pulled``), so this times
    the reject path itself, not OpenPGP.
    """
    import base64

    from leavehub.pipeline.at_rest import sha256_file
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.inbound import Plaintext, receive_file
    from leavehub.settings import Settings
    from leavehub.store import PiiCipher, Store

    key = secrets.token_bytes(32)
    os.environ.setdefault("LEAVEHUB_PII_KEY", base64.b64encode(key).decode())
    settings = Settings.from_env({"LEAVEHUB_HOME": str(home)})
    feed = load_feed(FEED_ID, settings)
    store = Store.open(f"sqlite:///{home / 'reject.db'}", cipher=PiiCipher(key))
    store.migrate()
    started = time.perf_counter()
    try:
        digest = sha256_file(path)
        plain = Plaintext(path.name, path.stat().st_size, digest, digest, False, lambda: path.open("rb"))
        receipt = receive_file(feed, path, store=store, business_date=BUSINESS_DATE, pulled=plain)
        elapsed = time.perf_counter() - started
    finally:
        store.dispose()
    if receipt.status == "REJECTED":
        return elapsed, receipt.errors, receipt.status
    raise SystemExit(f"receive_file accepted a file with bad rows: {receipt.status}")


# -- floors -------------------------------------------------------------------------------------------------

def pyarrow_floor(path: Path, threads: bool) -> Callable[[], int]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from sandbox.synthetic.harbor_files import LEAVE_COLUMNS

    def run() -> int:
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(use_threads=threads),
                               convert_options=pacsv.ConvertOptions(
                                   column_types={c: pa.string() for c in LEAVE_COLUMNS}))
        return table.num_rows
    return run


def pandas_floor(path: Path) -> Callable[[], int]:
    import pandas as pd

    return lambda: len(pd.read_csv(path, dtype=str, engine="c"))


# -- the run ------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="50,000 rows; RSS at 50k and 200k")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--naive-rows", type=int, default=100_000, help="prefix the naive loop runs on")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timed figure; the best counts")
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--rss-scale", type=int, default=4)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--mapping-retries", type=int, default=6, help="waits of 30s for the reference mapping")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return
    n = args.rows or (50_000 if args.smoke else 1_000_000)
    repeat = args.repeat or (1 if args.smoke else 2)
    from sandbox.synthetic import write_leave_periods_bulk

    load_before = load_average()
    layout, mapper, mapping_source = load_product(args.mapping_retries, 30.0)
    figures: dict[str, Any] = {"bench": "mapping", "rows": n, "mapping": mapping_source, "chunk_rows": CHUNK_ROWS,
                               "repeat": repeat, "cpus": os.cpu_count(), "load_before": load_before}
    with tempfile.TemporaryDirectory(prefix="mapping_bench_") as tmp_name:
        tmp = Path(tmp_name)
        good, bad, big = tmp / "good" / FILE_NAME, tmp / "bad" / FILE_NAME, tmp / "big" / FILE_NAME
        started = time.perf_counter()
        generated = write_leave_periods_bulk(good, n, seed=1)
        planted = write_leave_periods_bulk(bad, n, seed=2, bad_fraction=args.bad_fraction)
        figures["file_mb"] = round(generated.bytes / 1e6, 1)
        print(f"generated {n:,} rows ({generated.bytes / 1e6:.1f} MB) + a bad copy in "
              f"{time.perf_counter() - started:.1f}s; mapping {mapping_source}; load {fmt_load(load_before)}")

        phase("floors and product")
        # 1 + 3: product and floors, interleaved per repeat so drifting load hits every side alike
        runs: dict[str, list[Timing]] = {k: [] for k in ("product", "pyarrow_1t", "pyarrow_mt", "pandas")}
        for _ in range(repeat):
            runs["pyarrow_1t"].append(best_of(1, pyarrow_floor(good, threads=False)))
            runs["pyarrow_mt"].append(best_of(1, pyarrow_floor(good, threads=True)))
            runs["pandas"].append(best_of(1, pandas_floor(good)))
            runs["product"].append(best_of(1, lambda: map_file(layout, mapper, good)))
        best = {k: min(v, key=lambda t: t.best) for k, v in runs.items()}
        product_rows, product_errors = best["product"].result
        if product_rows != n or product_errors:
            raise SystemExit(f"product path: {product_rows} rows, {len(product_errors)} errors on a clean file")
        for key, timing in best.items():
            if key != "product" and timing.result != n:
                raise SystemExit(f"{key}: read {timing.result} rows, expected {n}")
        seconds = {k: t.best for k, t in best.items()}
        cpu = {k: t.cpu for k, t in best.items()}
        phase("naive loop")
        prefix = min(args.naive_rows, n)
        codes = ROOT / "mappings" / "harbor_leave" / "codes.yaml"
        naive_s, naive_cpu, naive_rows, naive_bad = naive_leave_periods(good, codes, limit=prefix)
        if naive_rows != prefix or naive_bad:
            raise SystemExit(f"naive loop: {naive_rows} rows, {naive_bad} bad values on a clean file")
        seconds["naive_scaled"] = naive_s * n / prefix
        cpu["naive_scaled"] = naive_cpu * n / prefix

        phase("reject")
        # 4: reject
        rejected = best_of(1, lambda: map_file(layout, mapper, bad))
        _, reject_errors = rejected.result
        expected_cells = {(row, column) for row, column in planted.bad_cells}
        listed_cells = {(e.row, e.column) for e in reject_errors}
        reject_ok = len(reject_errors) == len(planted.bad_cells) and listed_cells == expected_cells
        if not reject_ok:
            print("!" * 100 + f"\nMISMATCH: the product listed {len(reject_errors)} errors, the generator planted "
                  f"{len(planted.bad_cells)} bad cells; missing {len(expected_cells - listed_cells)}, extra "
                  f"{len(listed_cells - expected_cells)}\n" + "!" * 100)
        phase("receive_file reject")
        receive_s, receive_errors, receive_status = receive_rejected(bad, tmp / "home")

        phase("staging, sqlite")
        # 2: staging
        stores = [stage_file(f"sqlite:///{tmp / 'b.db'}", layout, mapper, good, n)]
        if not args.no_postgres:
            with postgres_database("lh_mapping_bench") as pg_url:
                if pg_url:
                    phase("staging, postgres")
                    stores.append(stage_file(pg_url, layout, mapper, good, n))

        phase("peak RSS children")
        # 5: memory, in children
        write_leave_periods_bulk(big, n * args.rss_scale, seed=3)
        rss_small, rss_big = measure_rss(good), measure_rss(big)
        big.unlink()

    load_after = load_average()
    rates = {k: n / s for k, s in seconds.items()}
    ratios = {
        "product_vs_pyarrow_1t": seconds["product"] / seconds["pyarrow_1t"],
        "product_vs_pyarrow_mt": seconds["product"] / seconds["pyarrow_mt"],
        "product_vs_pandas": seconds["product"] / seconds["pandas"],
        "naive_vs_product": seconds["naive_scaled"] / seconds["product"],
        "rss_big_vs_small": rss_big["peak_rss_mb"] / rss_small["peak_rss_mb"],
        "reject_vs_product": rejected.best / seconds["product"],
    }
    cpu_ratios = {
        "product_vs_pyarrow_1t": cpu["product"] / cpu["pyarrow_1t"],
        "product_vs_pyarrow_mt": cpu["product"] / cpu["pyarrow_mt"],
        "product_vs_pandas": cpu["product"] / cpu["pandas"],
        "naive_vs_product": cpu["naive_scaled"] / cpu["product"],
    }
    figures.update({
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
        "runs": {k: [round(t.best, 3) for t in v] for k, v in runs.items()},
        "rows_per_s": {k: round(v) for k, v in rates.items()},
        "naive_prefix_rows": prefix, "naive_prefix_s": round(naive_s, 3),
        "naive_prefix_cpu_s": round(naive_cpu, 3),
        "reject": {"bad_fraction": args.bad_fraction, "seconds": round(rejected.best, 3),
                   "rows_per_s": round(n / rejected.best), "errors_listed": len(reject_errors),
                   "bad_cells_planted": len(planted.bad_cells), "match": reject_ok,
                   "receive_file_s": round(receive_s, 3), "receive_file_errors": receive_errors,
                   "receive_file_status": receive_status},
        "staging": stores,
        "rss": {"small_rows": n, "big_rows": n * args.rss_scale, "small": rss_small, "big": rss_big},
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "cpu_ratios": {k: round(v, 3) for k, v in cpu_ratios.items()},
        "targets": {"product_vs_pyarrow_1t_max": TARGET_VS_FLOOR, "naive_vs_product_min": TARGET_VS_NAIVE,
                    "rss_ratio_max": TARGET_RSS},
        "met": {"product_vs_floor": ratios["product_vs_pyarrow_1t"] <= TARGET_VS_FLOOR,
                "faster_than_naive": ratios["naive_vs_product"] >= TARGET_VS_NAIVE,
                "rss_ratio": ratios["rss_big_vs_small"] <= TARGET_RSS, "reject_lists_every_bad_cell": reject_ok},
        "load_after": load_after,
    })
    print_table(figures)
    print(json.dumps(figures, default=str))


def phase(label: str) -> None:
    """Progress on stderr, so a slow phase on a busy machine shows where the time went."""
    print(f"[{time.perf_counter() - _STARTED:6.1f}s] {label}", file=sys.stderr, flush=True)


def fmt_load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


def print_table(f: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    n, sec, rate, cpu = f["rows"], f["seconds"], f["rows_per_s"], f["cpu_seconds"]
    table = Table(title=f"mapping bench: {n:,} rows, {f['file_mb']} MB, best of {f['repeat']}")
    for column in ("what", "seconds", "rows/s", "CPU s", "note"):
        table.add_column(column, justify="left" if column in ("what", "note") else "right")
    rows = [
        ("pyarrow read_csv, 1 thread", "pyarrow_1t", "floor; the product reads single-threaded too"),
        ("pyarrow read_csv, threads", "pyarrow_mt", "floor, default threads"),
        ("pandas read_csv dtype=str", "pandas", "floor, engine c"),
        ("PRODUCT read+map+validate", "product", f["mapping"]),
        ("naive DictReader+pydantic", "naive_scaled",
         f"{f['naive_prefix_rows']:,}-row prefix in {f['naive_prefix_s']:.2f}s, scaled linearly"),
    ]
    for label, key, note in rows:
        table.add_row(label, f"{sec[key]:.2f}", f"{rate[key]:,}", f"{cpu[key]:.2f}", note)
    r = f["reject"]
    table.add_row("reject (product path)", f"{r['seconds']:.2f}", f"{r['rows_per_s']:,}", "",
                  f"{r['errors_listed']:,} errors listed / {r['bad_cells_planted']:,} planted"
                  + ("" if r["match"] else "  MISMATCH"))
    table.add_row("reject (receive_file)", f"{r['receive_file_s']:.2f}", f"{round(n / r['receive_file_s']):,}", "",
                  f"{r['receive_file_status']}, ledger + sealed quarantine")
    for s in f["staging"]:
        table.add_row(f"staging write, {s['dialect']}", f"{s['stage_s']:.2f}", f"{s['stage_rows_per_s']:,}", "",
                      f"record_key + stage; merge+commit {s['merge_commit_s']:.1f}s apart")
    rss = f["rss"]
    for size in ("small", "big"):
        table.add_row(f"peak RSS, {rss[f'{size}_rows']:,} rows", "", "", "", f"{rss[size]['peak_rss_mb']:.0f} MB "
                      f"(after imports {rss[size]['after_imports_rss_mb']:.0f} MB)")
    console = Console(width=140)
    console.print(table)
    ratio, target, met, by_cpu = f["ratios"], f["targets"], f["met"], f["cpu_ratios"]
    lines = [
        f"product / pyarrow floor (1 thread): {ratio['product_vs_pyarrow_1t']:.2f}x "
        f"(target <= {target['product_vs_pyarrow_1t_max']}x: {ok(met['product_vs_floor'])}); "
        f"vs threaded floor {ratio['product_vs_pyarrow_mt']:.2f}x; vs pandas {ratio['product_vs_pandas']:.2f}x; "
        f"by CPU time {by_cpu['product_vs_pyarrow_1t']:.2f}x / {by_cpu['product_vs_pyarrow_mt']:.2f}x / "
        f"{by_cpu['product_vs_pandas']:.2f}x",
        f"naive loop / product: {ratio['naive_vs_product']:.2f}x faster "
        f"(target >= {target['naive_vs_product_min']}x: {ok(met['faster_than_naive'])}); "
        f"by CPU time {by_cpu['naive_vs_product']:.2f}x",
        f"peak RSS {rss['big_rows']:,} / {rss['small_rows']:,} rows: {ratio['rss_big_vs_small']:.2f}x "
        f"(target <= {target['rss_ratio_max']}x: {ok(met['rss_ratio'])})",
        f"reject lists every planted bad cell: {ok(met['reject_lists_every_bad_cell'])}; "
        f"load average before {fmt_load(f['load_before'])}, after {fmt_load(f['load_after'])} "
        f"on {f['cpus']} CPUs",
    ]
    for line in lines:
        console.print(line)


def ok(met: bool) -> str:
    return "met" if met else "NOT MET"


if __name__ == "__main__":
    main()
