"""Measure (print, never assert) mapping + validating Harbor-shaped leave periods against reading the CSV.

Run: ``.venv/bin/python tests/leavehub/mapping/bench_harbor_leave.py [rows]`` (default 1,000,000 x 22 columns).
Not collected by pytest (no ``test_`` prefix). The target for the whole inbound pipeline is at most 3x the
time ``pyarrow.csv.read_csv`` takes for the same file, so this prints the ratio.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from leavehub.mapping.loader import load_mapper

HERE = Path(__file__).parent / "data" / "harbor_leave"
REASONS = ["Serious Health Condition - Employee", "Pregnancy/Maternity", "Child Bonding",
           "Care for a Family Member",
           "Military Exigency Family", "Military Caregiver", "Work Related", "Personal"]


def _pick(rng: np.random.Generator, values: list[str | None], n: int) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(rng.integers(0, len(values), n)))


def _dates(rng: np.random.Generator, n: int, empty: float) -> pa.Array:
    days = rng.integers(19000, 21000, n).astype("int32")
    text = pc.cast(pa.array(days, pa.date32()), pa.string())
    return pc.if_else(pa.array(rng.random(n) < empty), pa.scalar(None, pa.string()), text)


def _money(rng: np.random.Generator, n: int, empty: float) -> pa.Array:
    cents = rng.integers(0, 500000, n)
    text = pa.array([f"{c // 100}.{c % 100:02d}" for c in cents[:1000]], pa.string()).take(
        pa.array(rng.integers(0, 1000, n)))
    return pc.if_else(pa.array(rng.random(n) < empty), pa.scalar(None, pa.string()), text)


def harbor_leave_table(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = pa.array(np.arange(n)).cast(pa.string())
    yn = ["Y", "N"]
    columns = {
        "CASE_NUMBER": pc.binary_join_element_wise("NTN-", ids, ""),
        "ABSENCE_PERIOD_KEY": pc.binary_join_element_wise("PL-", ids, ""),
        "EMPLOYEE_ID": pc.binary_join_element_wise("W", pc.utf8_lpad(ids, 6, "0"), ""),
        "LEAVE_REASON": _pick(rng, REASONS, n),
        "PERIOD_TYPE": _pick(rng, ["Continuous", "Intermittent", "Reduced Schedule"], n),
        "PLAN": _pick(rng, ["FMLA", "CFRA", "CA_PFL", "STD", "NY_PFL", "WA_PFML"], n),
        "DECISION": _pick(rng, ["Pending", "Approved", "Denied", "Closed"], n),
        "PERIOD_START": _dates(rng, n, 0.0),
        "PERIOD_END": _dates(rng, n, 0.2),
        "NOTICE_DATE": _dates(rng, n, 0.1),
        "DECISION_DATE": _dates(rng, n, 0.3),
        "LAST_DAY_WORKED": _dates(rng, n, 0.3),
        "RTW_DATE": _dates(rng, n, 0.6),
        "RTW_OUTCOME": _pick(rng, [None, None, "Returned", "Resigned"], n),
        "REDUCED_HOURS_WEEK": _money(rng, n, 0.8),
        "WEEKLY_BENEFIT": _money(rng, n, 0.5),
        "PTO_ELECTION": _pick(rng, yn, n),
        "TOPUP_AGREEMENT": _pick(rng, yn, n),
        "ADVANCE_AGREEMENT": _pick(rng, yn, n),
        "PREMIUM_METHOD": _pick(rng, ["Payroll", "Prepay", "Pay As You Go", "Catch Up"], n),
        "COVERAGE_REVOKED": _pick(rng, yn, n),
        "UPDATED_AT": pc.binary_join_element_wise(_dates(rng, n, 0.0), "T10:15:00Z", ""),
    }
    return pa.table(columns)


def main(n: int) -> None:
    table = harbor_leave_table(n)
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    data = sink.getvalue()
    print(f"rows={n:,} columns={table.num_columns} csv={len(data) / 1e6:.0f} MB")
    read_options = pacsv.ConvertOptions(column_types={c: pa.string() for c in table.column_names},
                                        strings_can_be_null=True)
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        read = pacsv.read_csv(pa.py_buffer(data), convert_options=read_options)
        timings.append(time.perf_counter() - start)
    read_seconds = min(timings)
    frame = read.to_pandas(types_mapper=pd.ArrowDtype)
    mapper = load_mapper(HERE / "leave_periods.yaml")
    bad = read.set_column(read.schema.get_field_index("PERIOD_END"), "PERIOD_END", pc.if_else(
        pa.array(np.arange(n) % 1000 == 0), "2026-02-30", read["PERIOD_END"]))
    bad = bad.set_column(bad.schema.get_field_index("WEEKLY_BENEFIT"), "WEEKLY_BENEFIT", pc.if_else(
        pa.array(np.arange(n) % 1000 == 1), "12.345", bad["WEEKLY_BENEFIT"]))
    cases = [("map only", frame, False), ("map+validate", frame, True),
             ("map+validate, 0.2% bad values", bad.to_pandas(types_mapper=pd.ArrowDtype), True)]
    for label, data_frame, validate in cases:
        start = time.perf_counter()
        chunk = mapper.apply(data_frame, first_row=1, business_date=dt.date(2026, 11, 20), validate=validate)
        seconds = time.perf_counter() - start
        print(f"{label:30s}: {seconds:6.2f} s   read_csv: {read_seconds:5.2f} s   "
              f"ratio {seconds / read_seconds:4.1f}x   "
              f"(read+map {(seconds + read_seconds) / read_seconds:4.1f}x)   "
              f"errors={len(chunk.errors):,}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
