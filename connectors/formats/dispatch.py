"""The two entry points of the formats package: ``read_chunks`` and ``write_chunks``, chosen by layout type.

An X12 layout reads a TA1/999 acknowledgement: one row per acknowledged transaction set.

A caller holds a validated layout (see :mod:`connectors.formats.layouts`) and a file; it never picks a
reader itself, so a vendor switching from CSV to fixed width is a mapping change, not a code change.

Example::

    for chunk in read_chunks(layout, Path("HARBOR_LEAVE_20261120.csv"), name="HARBOR_LEAVE_20261120.csv"):
        to_canonical(chunk.frame)
    result = write_chunks(layout, frames, fh, business_date=date(2026, 11, 20))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from connectors.formats.chunk import Chunk, WriteResult
from connectors.formats.delimited import read_delimited, write_delimited
from connectors.formats.fixed_width import read_fixed_width, write_fixed_width
from connectors.formats.json_records import read_json, write_json_lines
from connectors.formats.layouts import DelimitedLayout, FixedWidthLayout, JsonLayout
from connectors.formats.x12 import read_x12_acknowledgements, write_x12
from connectors.formats.x12_layout import X12Layout

__all__ = ["read_chunks", "write_chunks"]


def read_chunks(
    layout: DelimitedLayout | FixedWidthLayout | JsonLayout | X12Layout,
    source: BinaryIO | Path,
    *,
    name: str,
    chunk_rows: int = 100_000,
) -> Iterator[Chunk]:
    """Stream ``source`` as :class:`Chunk` s of at most ``chunk_rows`` rows.

    ``name`` is the file name errors report (the path of a staged file is not what an operator knows).
    Memory stays bounded by ``chunk_rows`` (JSON documents other than JSON Lines are read whole).
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    with ExitStack() as stack:
        stream = stack.enter_context(open(source, "rb")) if isinstance(source, Path) else source
        if isinstance(layout, DelimitedLayout):
            yield from read_delimited(layout, stream, name=name, chunk_rows=chunk_rows)
        elif isinstance(layout, FixedWidthLayout):
            yield from read_fixed_width(layout, stream, name=name, chunk_rows=chunk_rows)
        elif isinstance(layout, JsonLayout):
            yield from read_json(layout, stream, name=name, chunk_rows=chunk_rows)
        elif isinstance(layout, X12Layout):
            yield from read_x12_acknowledgements(stream, name=name)
        else:
            raise TypeError(f"not a layout: {type(layout).__name__}")


def write_chunks(
    layout: DelimitedLayout | FixedWidthLayout | JsonLayout | X12Layout,
    frames: Iterable[pd.DataFrame],
    sink: BinaryIO,
    *,
    business_date: date | None = None,
    params: Mapping[str, Any] | None = None,
) -> WriteResult:
    """Write ``frames`` to ``sink`` as one file: header once, rows per frame, trailer with the count.

    A JSON layout writes JSON Lines (one flat object per row, nulls as ``null``). An X12 layout writes one
    interchange and needs ``params`` (its control number, creation time and the values its segments name);
    ``records`` counts its records (member loops), not its rows.
    """
    if isinstance(layout, DelimitedLayout):
        records, size, digest = write_delimited(layout, frames, sink, business_date=business_date)
    elif isinstance(layout, FixedWidthLayout):
        records, size, digest = write_fixed_width(layout, frames, sink, business_date=business_date)
    elif isinstance(layout, JsonLayout):
        records, size, digest = write_json_lines(frames, sink)
    elif isinstance(layout, X12Layout):
        records, size, digest = write_x12(layout, frames, sink, business_date=business_date, params=params or {})
    else:
        raise TypeError(f"not a layout: {type(layout).__name__}")
    return WriteResult(records=records, bytes=size, sha256=digest)
