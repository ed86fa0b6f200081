"""Shared plumbing of the reference-mapping tests: run a vendor file through ``mappings/`` as the pipeline does.

    read_chunks(layout of the mapping) -> InboundMapper.apply(chunk, first_row, line_of) -> canonical frames
    canonical frames -> OutboundMapper.apply -> write_chunks(layout) -> bytes

Expected values in ``golden/`` are written by hand from the vendor specs; ``plain_rows`` turns mapped frames
into the same plain JSON shapes (ISO dates, decimals as text, UTC timestamps with ``Z``) so the comparison is
exact and readable.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from connectors.formats import parse_layout, read_chunks, write_chunks
from leavehub.mapping.compiler import InboundMapper, OutboundMapper
from leavehub.mapping.fields import field_specs
from leavehub.mapping.loader import load_mapper, load_mapping
from schemas.errors import RowError
from schemas.models import ENTITIES

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"
GOLDEN = Path(__file__).resolve().parent / "golden"
BUSINESS_DATE = dt.date(2026, 11, 20)


@cache
def mapper_of(vendor: str, feed: str) -> InboundMapper | OutboundMapper:
    return load_mapper(MAPPINGS / vendor / f"{feed}.yaml")


@cache
def layout_of(vendor: str, feed: str) -> Any:
    return parse_layout(load_mapping(MAPPINGS / vendor / f"{feed}.yaml").layout)


def map_bytes(vendor: str, feed: str, data: bytes, name: str, business_date: dt.date = BUSINESS_DATE,
              chunk_rows: int = 100_000) -> tuple[dict[str, pd.DataFrame], list[RowError]]:
    """Map a whole vendor file: canonical frames per entity (chunks concatenated) and every row error."""
    mapper = mapper_of(vendor, feed)
    assert isinstance(mapper, InboundMapper)
    parts: dict[str, list[pd.DataFrame]] = {}
    errors: list[RowError] = []
    for chunk in read_chunks(layout_of(vendor, feed), io.BytesIO(data), name=name, chunk_rows=chunk_rows):
        mapped = mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=business_date,
                              line_of=chunk.line_of)
        errors += mapped.errors
        for entity, frame in mapped.frames.items():
            parts.setdefault(entity, []).append(frame)
    frames = {entity: pd.concat(found, ignore_index=True) for entity, found in parts.items()}
    return frames, errors


def map_file(vendor: str, feed: str, path: Path, business_date: dt.date = BUSINESS_DATE
             ) -> tuple[dict[str, pd.DataFrame], list[RowError]]:
    return map_bytes(vendor, feed, path.read_bytes(), path.name, business_date)


def plain(value: Any) -> Any:
    """One canonical cell as plain JSON: null, text, int, bool, ISO date, ``...Z`` timestamp, decimal text."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def plain_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return [{k: plain(v) for k, v in row.items()} for row in table.to_pylist()]


def expected(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def canonical_frames(doc: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Store-shaped frames (every field of the model, Arrow types) from hand-written JSON rows."""
    frames = {}
    for entity, rows in doc.items():
        if entity not in ENTITIES:
            continue
        specs = field_specs(ENTITIES[entity])
        columns = {}
        for name, spec in specs.items():
            values = [_typed(row.get(name), spec.arrow_type) for row in rows]
            columns[name] = pa.array(values, spec.arrow_type)
        frames[entity] = pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)
    return frames


def _typed(value: Any, arrow_type: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_date(arrow_type):
        return dt.date.fromisoformat(value)
    if pa.types.is_timestamp(arrow_type):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if pa.types.is_decimal(arrow_type):
        return Decimal(value)
    return value


def write_vendor_file(vendor: str, feed: str, frames: dict[str, pd.DataFrame],
                      business_date: dt.date = BUSINESS_DATE) -> bytes:
    """Canonical frames -> OutboundMapper -> write_chunks: the bytes the vendor would receive (before PGP)."""
    mapper = mapper_of(vendor, feed)
    assert isinstance(mapper, OutboundMapper)
    rows = mapper.apply(frames, business_date=business_date)
    sink = io.BytesIO()
    write_chunks(layout_of(vendor, feed), [rows], sink, business_date=business_date)
    return sink.getvalue()


def error_text(errors: Iterable[RowError]) -> str:
    """Everything an error report would show (to prove no raw value leaks into it)."""
    return "\n".join(json.dumps(e.as_dict(), sort_keys=True) for e in errors)
