"""Reading streams: memory held while reading stays bounded by the chunk size, not the file size."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pyarrow as pa
from measure_read_speed import COLUMNS, generate

from connectors.formats import parse_layout, read_chunks


def _peaks(path: Path) -> tuple[int, int, int]:
    """(rows, peak Arrow bytes, peak Python bytes) while reading ``path`` in 20k-row chunks."""
    layout = parse_layout({"type": "delimited", "delimiter": "|", "columns": COLUMNS, "trailer": {}})
    arrow_base = pa.total_allocated_bytes()
    arrow_peak, rows = 0, 0
    tracemalloc.start()
    try:
        for chunk in read_chunks(layout, path, name=path.name, chunk_rows=20_000):
            rows += len(chunk)
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes() - arrow_base)
            del chunk
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, arrow_peak, python_peak


def test_delimited_read_memory_does_not_grow_with_file_size(tmp_path: Path) -> None:
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    generate(small, 200_000)  # ~40 MB: more than pyarrow reads ahead
    generate(big, 400_000)  # ~80 MB
    rows_small, arrow_small, python_small = _peaks(small)
    rows_big, arrow_big, python_big = _peaks(big)
    print(f"40 MB file: arrow peak {arrow_small / 1e6:.1f} MB, python peak {python_small / 1e6:.1f} MB; "
          f"80 MB file: arrow peak {arrow_big / 1e6:.1f} MB, python peak {python_big / 1e6:.1f} MB")
    assert (rows_small, rows_big) == (200_000, 400_000)
    # twice the file, the same memory: pyarrow's read-ahead blocks (~32 MiB) and one chunk, never the file
    assert arrow_big < arrow_small * 1.2 + 2e6 and arrow_big < 30e6
    # Python's peak is one or two chunks' objects, whichever the collector happens to leave alive (26-35 MB
    # on either file across runs): a peak that grew with the file would double here, so allow 1.5x, not 2x
    assert python_big < python_small * 1.5 + 2e6 and python_big < 48e6
