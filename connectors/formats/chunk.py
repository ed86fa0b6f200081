"""What the readers hand to the mapping (``Chunk``) and what the writers report (``WriteResult``).

A chunk is a bounded slice of a file as a pandas frame of Arrow strings plus where it came from, so that a
validation error can name the data row AND the physical line without the reader doing per-row work.

Physical lines: a quoted field that spans lines (RFC 4180 allows line breaks inside quotes) makes every later
record start further down the file than its record number says. Readers count the line breaks inside each
row's values (vectorized, and only when the file contains a quote character at all) and keep the running
offset here, so ``line_of`` stays exact.

Example::

    for chunk in read_chunks(layout, path, name="HARBOR_LEAVE_20261120.csv"):
        bad = chunk.frame["HOURS"].isna()
        lines = chunk.lines()[bad.to_numpy()]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.errors import RowError

__all__ = ["Chunk", "Rechunker", "WriteResult", "strict_date", "string_array_bytes", "string_frame", "value_class"]

# Name of the per-row "line breaks inside this row's values" column the readers carry while re-chunking.
BREAKS = "\x00line_breaks"


@dataclass(frozen=True, eq=False)
class Chunk:
    """Up to ``chunk_rows`` data rows of a file, every column ``pd.ArrowDtype(pa.string())``, empty -> <NA>.

    ``first_row`` is the 1-based data-row number of ``frame.iloc[0]`` (header and trailer not counted);
    ``first_line`` the 1-based physical line it starts on. ``columns`` is the header as read (file order),
    ``extra_columns`` the ones the layout did not declare (schema drift). The last chunk of a file has
    ``is_last`` and, when
    the trailer carries one, the file's ``business_date``. A file with no data rows yields one empty chunk.
    For a JSON document (a page or a list, not JSON Lines) every row's line is the line the document starts on.
    """

    frame: pd.DataFrame
    first_row: int
    first_line: int
    columns: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()
    is_last: bool = False
    business_date: date | None = None
    # cumulative count of line breaks inside values of rows before row i; None when there are none
    break_offsets: np.ndarray | None = field(default=None, repr=False, compare=False)
    row_errors: tuple[RowError, ...] = ()
    """Records the reader could not take as data (a fixed-width line with another record type), by data row
    and line; they belong to the file, not necessarily to this chunk's rows, and reject it like any bad row."""

    def __len__(self) -> int:
        return len(self.frame)

    def line_of(self, i: int) -> int:
        """Physical line (1-based) where row ``i`` (0-based position in ``frame``) starts."""
        if not 0 <= i < len(self.frame):
            raise IndexError(f"row {i} not in a chunk of {len(self.frame)} rows")
        extra = int(self.break_offsets[i]) if self.break_offsets is not None else 0
        return self.first_line + i + extra

    def lines(self) -> np.ndarray:
        """The physical line of every row, vectorized (for validation reports)."""
        base = np.arange(self.first_line, self.first_line + len(self.frame), dtype=np.int64)
        return base if self.break_offsets is None else base + self.break_offsets

    def rows(self) -> np.ndarray:
        """The 1-based data-row number of every row."""
        return np.arange(self.first_row, self.first_row + len(self.frame), dtype=np.int64)


@dataclass(frozen=True)
class WriteResult:
    """What a writer put on the sink: data records (header/trailer excluded), bytes and their SHA-256."""

    records: int
    bytes: int
    sha256: str


def string_frame(table: pa.Table) -> pd.DataFrame:
    """A pandas frame over ``table`` without copying: every column ``ArrowDtype(string)``."""
    return table.to_pandas(types_mapper=pd.ArrowDtype, split_blocks=True, self_destruct=False)


def string_array_bytes(arr: pa.Array | pa.ChunkedArray) -> bytes:
    """The concatenated UTF-8 bytes of a null-free string array (one copy, no per-row work)."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    parts = []
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if chunk.type == pa.large_string():
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        else:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
        lo, hi = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        parts.append(memoryview(chunk.buffers()[2])[lo:hi])
    return b"".join(parts)


def line_breaks_per_row(batch: pa.RecordBatch | pa.Table) -> pa.Array | None:
    """How many ``\\n`` each row's values contain, or None when no value contains one."""
    total = None
    for column in batch.columns:
        if not pc.any(pc.match_substring(column, "\n")).as_py():
            continue
        counts = pc.fill_null(pc.count_substring(column, "\n"), 0)
        total = counts if total is None else pc.add(total, counts)
    if isinstance(total, pa.ChunkedArray):
        total = total.combine_chunks()
    return total


class Rechunker:
    """Re-cuts a stream of Arrow tables into tables of exactly ``rows`` rows, keeping the last one back.

    Holding the final rows until ``finish`` lets a reader check the trailer before it yields the last chunk.
    """

    def __init__(self, rows: int) -> None:
        if rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        self.rows = rows
        self._parts: list[pa.Table] = []
        self._buffered = 0

    def push(self, table: pa.Table) -> Iterator[pa.Table]:
        """Add rows; yield full chunks while strictly more than one chunk is buffered."""
        if table.num_rows:
            self._parts.append(table)
            self._buffered += table.num_rows
        while self._buffered > self.rows:
            whole = self._concat()
            yield whole.slice(0, self.rows)
            rest = whole.slice(self.rows)
            self._parts, self._buffered = [rest], rest.num_rows

    def finish(self) -> pa.Table | None:
        """The remaining rows (at most ``rows``), or None when nothing is left."""
        if not self._buffered:
            return None
        whole = self._concat()
        self._parts, self._buffered = [], 0
        return whole

    def _concat(self) -> pa.Table:
        if len(self._parts) == 1:
            return self._parts[0]
        return pa.concat_tables(self._parts, promote_options="default")


def value_class(text: str | None) -> str:
    """A PII-safe description of a value for error messages: ``empty``, ``digits(9)``, ``text(12)``."""
    if text is None or text == "":
        return "empty"
    if text.isdigit():
        return f"digits({len(text)})"
    return f"text({len(text)})"


def strict_date(text: str, fmt: str) -> date:
    """``text`` as a date in ``fmt``, refusing what strptime lets through (``2026112`` for ``%Y%m%d``)."""
    parsed = datetime.strptime(text, fmt).date()
    if parsed.strftime(fmt) != text:
        raise ValueError(f"not exactly {fmt}")
    return parsed
