"""Reading the versioned store: current state, "what did we know on X", "what was true on Y", changes since.

Two clocks, two filters. Recorded time: a version is known at X when ``recorded_at <= X`` and it was not yet
superseded at X. Valid time: a version is true on Y when ``valid_from <= Y`` and ``valid_to`` is after Y
(open = still true). Without a valid date the open versions are returned (what is true as of now).
PII comes back as its match hash unless the caller asks to decrypt (an outbound file that needs it).

Example::

    frame = read_versions(connection, "leave_period", as_of_recorded=datetime(2026, 3, 1, tzinfo=UTC))
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.engine import Connection

from leavehub.store.pii import PiiCipher
from leavehub.store.stage_tables import arrow_type
from leavehub.store.tables import entity_columns, versions_table

__all__ = ["BATCH_ROWS", "SYSTEM_OUTPUT", "high_water", "output_schema", "read_changes", "read_history",
           "read_versions", "stream_batches"]

BATCH_ROWS = 65_536  # rows per streamed Arrow batch

SYSTEM_OUTPUT = ("record_key", "source_vendor", "source_feed", "valid_from", "valid_to", "recorded_at",
                 "superseded_at", "source_file_id", "source_row", "source_business_date", "schema_version",
                 "mapping_version", "version_id")
_SYSTEM_TYPES = {"valid_from": pa.date32(), "valid_to": pa.date32(), "source_business_date": pa.date32(),
                 "recorded_at": pa.timestamp("us", tz="UTC"), "superseded_at": pa.timestamp("us", tz="UTC"),
                 "source_file_id": pa.int64(), "source_row": pa.int64(), "version_id": pa.int64()}


def read_versions(connection: Connection, entity: str, *, as_of_recorded: datetime | None = None,
                  valid_on: date | None = None, decrypt_pii: bool = False, cipher: PiiCipher | None = None,
                  extra: ColumnElement[bool] | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Versions of ``entity`` known at ``as_of_recorded`` (default: now) and true on ``valid_on``.

    ``columns``: only these canonical (non-PII) columns, in this order, no system columns: a lean read of a
    large entity whose caller needs a few (each value read costs a conversion)."""
    v = versions_table(entity)
    if as_of_recorded is None:
        known = v.c.superseded_at.is_(None)
    else:
        known = and_(v.c.recorded_at <= as_of_recorded,
                     or_(v.c.superseded_at.is_(None), v.c.superseded_at > as_of_recorded))
    if valid_on is None:
        true = v.c.valid_to.is_(None)
    else:
        true = and_(v.c.valid_from <= valid_on, or_(v.c.valid_to.is_(None), v.c.valid_to > valid_on))
    conditions = [known, true] + ([extra] if extra is not None else [])
    picked = select(v) if columns is None else select(*(v.c[col.column] for col in _columns(entity, columns)))
    query = picked.where(*conditions).order_by(v.c.version_id)
    return _frame(entity, stream_batches(connection, entity, query, decrypt_pii=decrypt_pii, cipher=cipher,
                                         columns=columns), decrypt_pii=decrypt_pii, columns=columns)


def _columns(entity: str, names: Sequence[str]) -> list[Any]:
    by_name = {col.name: col for col in entity_columns(entity)}
    unknown = [n for n in names if n not in by_name or by_name[n].pii_kind]
    if unknown:
        raise ValueError(f"{entity}: not a non-PII column: {', '.join(unknown)}")
    return [by_name[n] for n in names]


def read_changes(connection: Connection, entity: str, since: datetime | None, *, until: datetime | None = None,
                 decrypt_pii: bool = False, cipher: PiiCipher | None = None) -> pd.DataFrame:
    """The latest known state of every record whose versions were recorded in ``(since, until]``.

    A record a full file closed comes back with ``valid_to`` set: the outbound side sends it as ended.
    """
    v = versions_table(entity)
    window = [v.c.recorded_at > since] if since is not None else []
    if until is not None:
        window.append(v.c.recorded_at <= until)
    changed = select(v.c.source_vendor, v.c.record_key).where(*window).distinct().subquery()
    known = v.c.superseded_at.is_(None) if until is None else and_(
        v.c.recorded_at <= until, or_(v.c.superseded_at.is_(None), v.c.superseded_at > until))
    query = (select(v).join(changed, and_(changed.c.source_vendor == v.c.source_vendor,
                                          changed.c.record_key == v.c.record_key))
             .where(known).order_by(v.c.source_vendor, v.c.record_key, v.c.valid_from, v.c.version_id))
    frame = _frame(entity, stream_batches(connection, entity, query, decrypt_pii=decrypt_pii, cipher=cipher),
                   decrypt_pii=decrypt_pii)
    if frame.empty:
        return frame
    latest = frame.drop_duplicates(["source_vendor", "record_key"], keep="last")
    return latest.reset_index(drop=True)


def read_history(connection: Connection, entity: str, record_key: str, *, decrypt_pii: bool = False,
                 cipher: PiiCipher | None = None) -> pd.DataFrame:
    """Every version of one record (any vendor), superseded ones included, in the order they were recorded."""
    v = versions_table(entity)
    query = select(v).where(v.c.record_key == record_key).order_by(v.c.recorded_at, v.c.valid_from, v.c.version_id)
    return _frame(entity, stream_batches(connection, entity, query, decrypt_pii=decrypt_pii, cipher=cipher),
                  decrypt_pii=decrypt_pii)


def high_water(connection: Connection, entity: str) -> datetime | None:
    """The newest ``recorded_at`` of ``entity``: the watermark an outbound batch built now would carry."""
    value = connection.execute(select(func.max(versions_table(entity).c.recorded_at))).scalar_one_or_none()
    return _aware(value)


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def output_schema(entity: str, *, decrypt_pii: bool, columns: Sequence[str] | None = None) -> pa.Schema:
    """The Arrow schema of a read: system columns, then canonical names (PII as ``<f>_hash`` unless opened);
    with ``columns``, those canonical columns only."""
    if columns is not None:
        return pa.schema([pa.field(col.name, arrow_type(col)) for col in _columns(entity, columns)])
    fields = [pa.field(name, _SYSTEM_TYPES.get(name, pa.string())) for name in SYSTEM_OUTPUT]
    for col in entity_columns(entity):
        if col.pii_kind and not decrypt_pii:
            fields.append(pa.field(f"{col.name}_hash", pa.string()))
        else:
            fields.append(pa.field(col.name, arrow_type(col)))
    return pa.schema(fields)


def stream_batches(connection: Connection, entity: str, query: Any, *, decrypt_pii: bool = False,
                   cipher: PiiCipher | None = None, batch_rows: int = BATCH_ROWS,
                   columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Run ``query`` (rows of ``<entity>_versions``; with ``columns``, those canonical columns only) with a
    server-side cursor and yield Arrow record batches of at most ``batch_rows`` rows, built column by column;
    PII hashed or (on request) decrypted."""
    if decrypt_pii and cipher is None:
        raise ValueError("decrypt_pii needs the store's PII key")
    schema = output_schema(entity, decrypt_pii=decrypt_pii, columns=columns)
    system, cols = (SYSTEM_OUTPUT, entity_columns(entity)) if columns is None else ((), _columns(entity, columns))
    result = connection.execution_options(stream_results=True, yield_per=batch_rows).execute(query)
    names = list(result.keys())
    for rows in result.partitions(batch_rows):
        stored = dict(zip(names, zip(*rows, strict=True), strict=True))
        arrays = [pa.array(stored[name], _SYSTEM_TYPES.get(name, pa.string())) for name in system]
        for col in cols:
            if not col.pii_kind:
                arrays.append(pa.array(stored[col.column], arrow_type(col)))
            elif decrypt_pii and cipher is not None:
                plain = cipher.open_column(list(stored[f"{col.column}_enc"]), column=f"{entity}.{col.name}")
                values = [date.fromisoformat(p) if p is not None and col.python_type is date else p for p in plain]
                arrays.append(pa.array(values, arrow_type(col)))
            else:
                arrays.append(pa.array(stored[f"{col.column}_hash"], pa.string()))
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _frame(entity: str, batches: Iterator[pa.RecordBatch], *, decrypt_pii: bool,
           columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Streamed batches -> one frame with canonical names and Arrow dtypes."""
    table = pa.Table.from_batches(list(batches), schema=output_schema(entity, decrypt_pii=decrypt_pii,
                                                                      columns=columns))
    return table.to_pandas(types_mapper=pd.ArrowDtype)
