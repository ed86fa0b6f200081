"""Helpers for the format tests: read bytes through ``read_chunks`` and glue the chunks back together.

A plain module with a unique name (not ``conftest``) so tests can import it whatever else is on sys.path.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from connectors.formats import Chunk, parse_layout, read_chunks


def read_all(layout_data: dict[str, Any] | Any, data: bytes, *, chunk_rows: int = 100_000,
             name: str = "VENDOR_20261120.csv") -> list[Chunk]:
    layout = parse_layout(layout_data) if isinstance(layout_data, dict) else layout_data
    return list(read_chunks(layout, io.BytesIO(data), name=name, chunk_rows=chunk_rows))


def frame_of(chunks: list[Chunk]) -> pd.DataFrame:
    return pd.concat([c.frame for c in chunks], ignore_index=True)
