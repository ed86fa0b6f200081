"""Measure the delimited reader against the pyarrow floor (prints; asserts nothing about time).

Run: ``.venv/bin/python -m tests.connectors.formats.measure_read_speed [rows]`` (default 1,000,000 x 22).
Generates a pipe-delimited CRLF file with a header and a TRL trailer in a temp folder, then times
``pyarrow.csv.read_csv`` (whole file, all strings) and ``read_chunks`` (streaming, checks, pandas chunks).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from connectors.formats import parse_layout, read_chunks
from connectors.formats.chunk import string_array_bytes

COLUMNS = [f"COL_{j}" for j in range(22)]


def generate(path: Path, rows: int) -> None:
    """A realistic-looking file: ids, amounts, dates, code texts; written by Arrow kernels."""
    rng = np.random.default_rng(1)
    arrays = []
    for j in range(22):
        if j % 4 == 0:
            numbers = pc.cast(pa.array(rng.integers(0, 10**6, rows)), pa.string())
            values = pc.binary_join_element_wise("E", numbers, "")
        elif j % 4 == 1:
            values = pc.cast(pa.array(rng.integers(0, 100_000, rows) / 100), pa.string())
        elif j % 4 == 2:
            dates = pa.array(["2026-11-20", "2025-01-02", "", "2024-12-31"])
            values = dates.take(pa.array(rng.integers(0, 4, rows)))
        else:
            codes = ["Approved", "Pending", "Serious Health Condition - Employee", "Y"]
            values = pa.array(codes).take(pa.array(rng.integers(0, 4, rows)))
        arrays.append(values)
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*arrays, "|"), "\r\n", "")
    with path.open("wb") as fh:
        fh.write(("|".join(COLUMNS) + "\r\n").encode())
        fh.write(string_array_bytes(lines))
        fh.write(f"TRL|{rows}|20261120\r\n".encode())


def main(rows: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        generate(path, rows)
        size = path.stat().st_size
        types = {c: pa.string() for c in COLUMNS}
        floor_options = dict(
            parse_options=pacsv.ParseOptions(delimiter="|", invalid_row_handler=lambda r: "skip"),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )
        layout = parse_layout({"type": "delimited", "delimiter": "|", "columns": COLUMNS, "trailer": {}})
        floors, ours = [], []
        for _ in range(3):
            start = time.perf_counter()
            pacsv.read_csv(path, **floor_options)
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            total = sum(len(chunk) for chunk in read_chunks(layout, path, name=path.name))
            ours.append(time.perf_counter() - start)
            assert total == rows
        floor, mine = min(floors), min(ours)
        print(f"{rows:,} rows x 22 columns, {size / 1e6:.0f} MB")
        print(f"pyarrow.csv.read_csv (floor): {floor:.2f}s  runs {[round(t, 2) for t in floors]}")
        print(f"read_chunks (100k-row chunks): {mine:.2f}s  runs {[round(t, 2) for t in ours]}")
        print(f"ratio read_chunks / floor: {mine / floor:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
