"""The bulk leave-periods generator: valid Harbor CSV of N rows, fast, with bad cells exactly where it says."""

from __future__ import annotations

import csv
import time
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sandbox.synthetic.bulk import BAD_VALUES, DECISIONS, PERIOD_TYPES, PLANS, REASONS, write_leave_periods_bulk
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS


def _valid(column: str, value: str) -> bool:
    try:
        if column in ("PERIOD_START", "PERIOD_END", "NOTICE_DATE"):
            return len(value) == 10 and bool(date.fromisoformat(value))
        if column == "WEEKLY_BENEFIT":
            return value == "" or Decimal(value) == Decimal(value).quantize(Decimal("0.01"))
    except (ValueError, InvalidOperation):
        return False
    lists = {"PLAN": PLANS, "DECISION": DECISIONS, "PERIOD_TYPE": PERIOD_TYPES, "LEAVE_REASON": REASONS}
    return value in lists.get(column, (value,))


def test_bulk_file_has_the_header_the_row_count_and_the_byte_size_reported(tmp_path: Path) -> None:
    path = tmp_path / "HARBOR_LEAVE_20260101.csv"
    result = write_leave_periods_bulk(path, rows=3000, seed=4)
    assert result.rows == 3000 and result.bytes == path.stat().st_size and result.bad_cells == []
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 3001 and b"\n" not in raw.replace(b"\r\n", b"")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == LEAVE_COLUMNS and len(rows) == 3001
    assert all(len(r) == len(LEAVE_COLUMNS) for r in rows)
    assert all(_valid(c, v) for r in rows[1:] for c, v in zip(LEAVE_COLUMNS, r, strict=True))
    assert 150 <= result.bytes / 3000 <= 260  # ~200 MB per million rows


def test_bad_cells_are_planted_at_the_fraction_and_reported_by_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    result = write_leave_periods_bulk(path, rows=40_000, seed=9, bad_fraction=0.0025)
    assert len(result.bad_cells) == 100 and len({r for r, _ in result.bad_cells}) == 100
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40_000
    for row_number, column in result.bad_cells:
        value = rows[row_number - 1][column]
        assert value in BAD_VALUES[column] and not _valid(column, value), (row_number, column, value)
    bad_rows = {r for r, _ in result.bad_cells}
    sample = [i for i in range(1, 40_001, 13) if i not in bad_rows]
    assert all(_valid(c, rows[i - 1][c]) for i in sample for c in BAD_VALUES)


def test_same_seed_same_bytes_and_speed_is_printed(tmp_path: Path) -> None:
    write_leave_periods_bulk(tmp_path / "warm.csv", rows=10)  # imports and first-call setup
    started = time.perf_counter()
    first = write_leave_periods_bulk(tmp_path / "a.csv", rows=150_000, seed=2, bad_fraction=0.001)  # 2 chunks
    seconds = time.perf_counter() - started
    print(f"bulk: 150k rows, {first.bytes / 1e6:.1f} MB in {seconds:.2f}s "
          f"({first.rows / seconds / 1e6:.2f} M rows/s)")
    second = write_leave_periods_bulk(tmp_path / "b.csv", rows=150_000, seed=2, bad_fraction=0.001)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert first.bad_cells == second.bad_cells
