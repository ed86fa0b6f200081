"""Shared pieces of the writers: frames to string columns, rows joined by Arrow, a hashing byte sink.

Writers never loop over rows in Python: every column becomes an Arrow string array, rows are joined with
``binary_join_element_wise`` and the resulting buffer is written in one call. The sink counts bytes and
computes the SHA-256 the ledger records for an outbound file.

Example::

    out = HashingSink(fh, "utf-8")
    out.write(join_rows(frame_to_strings(frame, None), "|", "\\r\\n"))
    out.hexdigest()
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Sequence
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from connectors.formats.chunk import string_array_bytes
from schemas.errors import ConfigError, FormatError

__all__ = ["HashingSink", "frame_to_strings", "join_rows"]


def frame_to_strings(frame: pd.DataFrame, columns: Sequence[str] | None) -> pa.Table:
    """``frame``'s columns (only ``columns``, in that order, when given) as Arrow strings.

    Decimals keep their scale (``Decimal("42.50")`` -> ``"42.50"``), dates are ISO; a mapping that needs
    another text form formats the column before it reaches the writer. Columns the layout does not name are
    dropped: a vendor gets only the fields its layout lists.
    """
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    names = list(frame.columns)
    if len(set(names)) != len(names):
        raise ConfigError("the frame to write repeats a column name")
    if columns is None:
        columns = names
    missing = [c for c in columns if c not in names]
    if missing:
        raise ConfigError(f"the frame to write lacks column(s) the layout declares: {', '.join(missing)}")
    arrays = []
    for name in columns:
        series = frame[name]
        arr = pa.array(series.array, from_pandas=True)  # ArrowDtype columns convert without a copy
        if not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        arrays.append(arr)
    return pa.table(arrays, names=list(columns))


def join_rows(table: pa.Table, delimiter: str, terminator: str, *, null: str = "") -> bytes:
    """Every row as ``v1<delimiter>v2...<terminator>``, concatenated; nulls become ``null``."""
    if table.num_rows == 0:
        return b""
    rows = pc.binary_join_element_wise(*table.columns, delimiter, null_handling="replace",
                                       null_replacement=null)
    return string_array_bytes(pc.binary_join_element_wise(rows, terminator, ""))


class HashingSink:
    """Writes to ``sink`` in the target encoding, counting bytes and hashing what was written."""

    def __init__(self, sink: BinaryIO, encoding: str = "utf-8") -> None:
        self._sink = sink
        self._encoding = codecs.lookup(encoding).name
        self._hash = hashlib.sha256()
        self.bytes = 0

    def write(self, utf8: bytes, *, first_row: int | None = None) -> None:
        """Write UTF-8 ``utf8`` re-encoded; a character the encoding lacks names its data row."""
        data = utf8
        if self._encoding != "utf-8" and not utf8.isascii():
            text = utf8.decode("utf-8")
            try:
                data = text.encode(self._encoding)
            except UnicodeEncodeError as exc:
                row = None if first_row is None else first_row + text.count("\n", 0, exc.start)
                where = f" in data row {row}" if row is not None else ""
                raise FormatError(f"a character{where} has no {self._encoding} encoding") from None
        self.write_raw(data)

    def write_raw(self, data: bytes) -> None:
        if data:
            self._sink.write(data)
            self._hash.update(data)
            self.bytes += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
