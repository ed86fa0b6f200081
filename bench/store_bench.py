"""Benchmark (issue 7): the store's stage + merge of Harbor leave rows vs floors measured in the same run.

Why: the store applies a file in one transaction: stage its rows, then merge them into the versioned table
set-based (supersede, ties and outcomes included). This measures, in ONE run on the same mapped rows
(``harbor_leave.leave_periods``, 22 columns):

1. PostgreSQL  product: ``Store.intake`` stage (COPY into a per-intake temporary table) and merge + commit of
               a first load (every key new) and of a change file over it (10% newer, 90% unchanged);
               floor: ``COPY ... FROM STDIN`` (CSV written by Arrow) of the same staged rows into a plain
               table, plus one ``INSERT ... SELECT`` of them into another plain table. Target: load <= 2x floor.
2. SQLite      the same product runs; floor: one ``executemany`` of the same rows into a plain table (the
               ``INSERT ... SELECT`` is shown apart). Target: load <= 3x floor.
3. end to end  one signed and encrypted Harbor file through ``receive_file`` on PostgreSQL: decrypt + verify,
               read, map, validate, stage, merge, APPLIED in the ledger.

    .venv/bin/python bench/store_bench.py            # 1,000,000 rows
    .venv/bin/python bench/store_bench.py --smoke    # 10,000 rows, well under a minute

Mapping (read + map + validate) is done once, untimed, except in the end-to-end figure. The last line printed
is JSON with every figure.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _measure import load_average, peak_rss_mb, postgres_database  # noqa: E402

FEED_ID = "harbor_leave.leave_periods"
ENTITY = "leave_period"
FILE_NAME = "HARBOR_LEAVE_20261120.csv"
BUSINESS_DATE = date(2026, 11, 20)
CHUNK_ROWS = 100_000
TARGET_PG, TARGET_SQLITE = 2.0, 3.0
_STARTED = time.perf_counter()


def phase(label: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.1f}s] {label}", file=sys.stderr, flush=True)


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


# -- input: mapped, keyed frames ----------------------------------------------------------------------------

def mapped_frames(feed: Any, path: Path) -> list[Any]:
    """What inbound hands the store per chunk: canonical rows with record_key, _row and _line."""
    from connectors.formats import read_chunks
    from leavehub.config.feed_keys import keyed_frame
    from leavehub.pipeline.inbound import with_lines

    frames = []
    with path.open("rb") as stream:
        for chunk in read_chunks(feed.layout, stream, name=FILE_NAME, chunk_rows=CHUNK_ROWS):
            mapped = feed.mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=BUSINESS_DATE,
                                       line_of=chunk.line_of)
            if mapped.errors:
                raise SystemExit(f"the generated file has {len(mapped.errors)} bad values")
            frame, errors = keyed_frame(with_lines(mapped.frames[ENTITY], chunk), feed.keys[ENTITY])
            if errors:
                raise SystemExit(f"{len(errors)} key errors")
            frames.append(frame)
    return frames


def changed(frames: list[Any], fraction: float) -> list[Any]:
    """The same records with every ``1/fraction``-th one corrected (a later updated_at and a new decision)."""
    import pandas as pd

    step = max(1, round(1 / fraction))
    out = []
    for frame in frames:
        frame = frame.copy()
        picked = (frame["_row"].to_numpy() % step) == 0
        frame.loc[picked, "updated_at"] = frame.loc[picked, "updated_at"] + pd.Timedelta(hours=1)
        frame.loc[picked, "decision"] = "DENIED"
        out.append(frame)
    return out


# -- the product ----------------------------------------------------------------------------------------------

def arrival(tag: str) -> Any:
    from leavehub.store import FileArrival
    from schemas.version import SCHEMA_VERSION

    return FileArrival(vendor="harbor_leave", feed="leave_periods", direction="inbound", name=f"{tag}.csv",
                       size=None, sha256_received=secrets.token_hex(32), sha256_plaintext=secrets.token_hex(32),
                       control_number=None, business_date=BUSINESS_DATE, file_kind="change",
                       schema_version=SCHEMA_VERSION, mapping_version="bench", record_count=None)


def apply_file(store: Any, feed: Any, frames: list[Any], tag: str) -> dict[str, Any]:
    """One intake: stage every chunk (timed), then merge + commit (timed apart)."""
    plan = feed.supersede_plan(ENTITY)
    started = time.perf_counter()
    with store.intake(arrival(tag)) as intake:
        for frame in frames:
            intake.stage(ENTITY, frame, plan)
        staged = time.perf_counter()
    done = time.perf_counter()
    outcomes = intake.outcomes[ENTITY]
    return {"stage_s": round(staged - started, 3), "merge_s": round(done - staged, 3),
            "total_s": round(done - started, 3), "outcomes": outcomes.as_dict()}


def staged_rows(frames: list[Any]) -> list[Any]:
    """The Arrow rows the product stages (cast, keyed): what the floors load too."""
    from leavehub.store.stage_tables import stage_rows

    out, first = [], 1
    for frame in frames:
        rows = stage_rows(ENTITY, frame, first_id=first, default_valid_from=BUSINESS_DATE, cipher=None)
        first += rows.num_rows
        out.append(rows)
    return out


# -- floors ---------------------------------------------------------------------------------------------------

def _plain_table_sql(connection: Any, name: str) -> str:
    from leavehub.store.stage_tables import stage_table

    table = stage_table(ENTITY)
    columns = ", ".join(f"{c.name} {c.type.compile(dialect=connection.dialect)}" for c in table.columns)
    return f"CREATE TABLE {name} ({columns})"


def _fresh_floor_tables(engine: Any) -> None:
    """Empty plain tables ``floor_copy`` and ``floor_insert`` shaped like the staging table (dropped first)."""
    with engine.begin() as connection:
        for name in ("floor_copy", "floor_insert"):
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
            connection.exec_driver_sql(_plain_table_sql(connection, name))


def postgres_floor(url: str, rows: list[Any]) -> dict[str, float]:
    """COPY (Arrow CSV) of the same rows into a plain table, then INSERT ... SELECT into another."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        _fresh_floor_tables(engine)
        with engine.begin() as connection:
            names = ", ".join(rows[0].column_names)
            cursor = connection.connection.dbapi_connection.cursor()
            started = time.perf_counter()
            with cursor.copy(f"COPY floor_copy ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
                for table in rows:
                    buffer = io.BytesIO()
                    pacsv.write_csv(pa.table(table), buffer, pacsv.WriteOptions(include_header=False))
                    copy.write(buffer.getbuffer())
            copy_s = time.perf_counter() - started
        with engine.begin() as connection:
            started = time.perf_counter()
            connection.exec_driver_sql(f"INSERT INTO floor_insert ({names}) SELECT {names} FROM floor_copy")
            insert_s = time.perf_counter() - started
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE floor_copy; DROP TABLE floor_insert")
    finally:
        engine.dispose()
    return {"copy_s": round(copy_s, 3), "insert_select_s": round(insert_s, 3),
            "floor_s": round(copy_s + insert_s, 3)}


def sqlite_floor(url: str, rows: list[Any]) -> dict[str, float]:
    """One executemany of the same rows (SQLite storage forms) into a plain table; INSERT ... SELECT apart."""
    from sqlalchemy import create_engine

    from leavehub.store.stage_tables import sqlite_values

    engine = create_engine(url)
    try:
        _fresh_floor_tables(engine)
        names = rows[0].column_names
        sql = f"INSERT INTO floor_copy ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        with engine.begin() as connection:
            cursor = connection.connection.dbapi_connection.cursor()
            started = time.perf_counter()
            for table in rows:
                cursor.executemany(sql, sqlite_values(table))
            many_s = time.perf_counter() - started
        with engine.begin() as connection:
            started = time.perf_counter()
            connection.exec_driver_sql("INSERT INTO floor_insert SELECT * FROM floor_copy")
            insert_s = time.perf_counter() - started
    finally:
        engine.dispose()
    return {"executemany_s": round(many_s, 3), "insert_select_s": round(insert_s, 3), "floor_s": round(many_s, 3)}


def backend(url: str, feed: Any, frames: list[Any], changes: list[Any], rows: list[Any],
            floor: Callable[[str, list[Any]], dict[str, float]]) -> dict[str, Any]:
    from leavehub.store import PiiCipher, Store

    store = Store.open(url, cipher=PiiCipher(secrets.token_bytes(32)))
    try:
        store.migrate()
        floors = floor(url, rows)
        load = apply_file(store, feed, frames, "load")
        change = apply_file(store, feed, changes, "change")
        dialect = store.engine.dialect.name
    finally:
        store.dispose()
    return {"dialect": dialect, "load": load, "change": change, "floor": floors,
            "ratio_load": round(load["total_s"] / floors["floor_s"], 3),
            "ratio_change": round(change["total_s"] / floors["floor_s"], 3)}


# -- end to end -----------------------------------------------------------------------------------------------

def end_to_end(url: str, plain: Path, tmp: Path) -> dict[str, Any]:
    """Sign + encrypt ``plain`` as Harbor would (untimed), then receive_file it on PostgreSQL (timed)."""
    import base64

    from connectors.pgp import PgpKeys, encrypt_sign
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.inbound import receive_file
    from leavehub.settings import Settings
    from leavehub.store import PiiCipher, Store
    from sandbox.keys import generate_key_pair

    hub, vendor = generate_key_pair(tmp, "hub"), generate_key_pair(tmp, "vendor")
    sealed = tmp / "e2e" / f"{FILE_NAME}.pgp"
    sealed.parent.mkdir()
    vendor_keys = PgpKeys.from_connection(SimpleNamespace(extra=vendor.connection_extra([hub])))
    encrypt_sign(plain, sealed, keys=vendor_keys)
    hub_keys = SimpleNamespace(extra=hub.connection_extra([vendor]))
    key = secrets.token_bytes(32)
    settings = Settings.from_env({**os.environ, "LEAVEHUB_HOME": str(tmp / "home"),
                                  "LEAVEHUB_PII_KEY": base64.b64encode(key).decode(), "LEAVEHUB_DB_URL": url})
    feed = load_feed(FEED_ID, settings)
    store = Store.open(url, cipher=PiiCipher(key))
    try:
        store.migrate()
        started = time.perf_counter()
        receipt = receive_file(feed, sealed, store=store, business_date=BUSINESS_DATE,
                               connections=lambda _conn_id: hub_keys)
        seconds = time.perf_counter() - started
        [entry] = store.ledger(vendor="harbor_leave", feed="leave_periods")
    finally:
        store.dispose()
    if receipt.status != "APPLIED" or entry.status != "APPLIED":
        raise SystemExit(f"end to end: {receipt.status} / ledger {entry.status}")
    return {"seconds": round(seconds, 3), "status": entry.status, "records_applied": entry.records_applied,
            "encrypted_mb": round(sealed.stat().st_size / 1e6, 1)}


# -- the run --------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--change-fraction", type=float, default=0.1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-e2e", action="store_true")
    args = parser.parse_args()
    n = args.rows or (10_000 if args.smoke else 1_000_000)
    from leavehub.pipeline.feeds import load_feed
    from sandbox.synthetic import write_leave_periods_bulk

    figures: dict[str, Any] = {"bench": "store", "rows": n, "cpus": os.cpu_count(), "load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix="store_bench_") as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / FILE_NAME
        phase(f"generate and map {n:,} rows")
        write_leave_periods_bulk(path, n, seed=1)
        feed = load_feed(FEED_ID)
        frames = mapped_frames(feed, path)
        changes = changed(frames, args.change_fraction)
        rows = staged_rows(frames)
        results = []
        if not args.no_postgres:
            with postgres_database("lh_store_bench_pg") as url:
                if url:
                    phase("postgresql")
                    results.append(backend(url, feed, frames, changes, rows, postgres_floor))
        phase("sqlite")
        results.append(backend(f"sqlite:///{tmp / 'bench.db'}", feed, frames, changes, rows, sqlite_floor))
        figures["backends"] = results
        if not args.no_e2e and not args.no_postgres:
            with postgres_database("lh_store_bench_e2e") as url:
                if url:
                    phase("end to end, postgresql")
                    figures["end_to_end"] = end_to_end(url, path, tmp)
    figures["targets"] = {"postgresql_max": TARGET_PG, "sqlite_max": TARGET_SQLITE}
    figures["met"] = {r["dialect"]: r["ratio_load"] <= target(r["dialect"]) for r in results}
    figures["load_after"] = load_average()
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print_table(figures)
    print(json.dumps(figures, default=str))


def target(dialect: str) -> float:
    return TARGET_PG if dialect == "postgresql" else TARGET_SQLITE


def print_table(f: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    n = f["rows"]
    table = Table(title=f"store bench: {n:,} Harbor leave rows; load {f['load_before'][0]:.1f}")
    for column in ("backend", "what", "seconds", "rows/s", "floor s", "ratio", "target"):
        table.add_column(column, justify="left" if column in ("backend", "what") else "right")
    for r in f["backends"]:
        fl, target = r["floor"], TARGET_PG if r["dialect"] == "postgresql" else TARGET_SQLITE
        floor_what = "COPY + INSERT..SELECT" if r["dialect"] == "postgresql" else "executemany"
        table.add_row(r["dialect"], f"floor: {floor_what}", f"{fl['floor_s']:.2f}", f"{n / fl['floor_s']:,.0f}",
                      "", "", "")
        for kind in ("load", "change"):
            run = r[kind]
            table.add_row(r["dialect"], f"{kind}: stage {run['stage_s']:.2f} + merge {run['merge_s']:.2f}",
                          f"{run['total_s']:.2f}", f"{n / run['total_s']:,.0f}", f"{fl['floor_s']:.2f}",
                          f"{r[f'ratio_{kind}']:.2f}x", f"<= {target}x" if kind == "load" else "")
    if "end_to_end" in f:
        e = f["end_to_end"]
        table.add_row("postgresql", "end to end: decrypt -> APPLIED", f"{e['seconds']:.2f}",
                      f"{n / e['seconds']:,.0f}", "", "", "")
    Console(width=150).print(table)
    for r in f["backends"]:
        print(f"{r['dialect']}: load {r['ratio_load']:.2f}x its floor (target <= "
              f"{TARGET_PG if r['dialect'] == 'postgresql' else TARGET_SQLITE}x: "
              f"{'met' if f['met'][r['dialect']] else 'NOT met'}); change file {r['ratio_change']:.2f}x; "
              f"floor parts {r['floor']}; change outcomes {r['change']['outcomes']}")


if __name__ == "__main__":
    main()
