"""Staging: turn a canonical data frame chunk into staging rows and bulk-load them into a per-intake table, fast.

A chunk arrives with the entity's canonical columns (Arrow dtypes), ``record_key``, ``_row``, optionally
``_line`` and ``valid_from``. Here it is cast to the stored column types, its PII fields are sealed
(ciphertext + match hash, the plaintext dropped) and each row numbered in file order (``stg_id``). Rows go
into a TEMPORARY table of the intake's own connection (``stage_<entity>``: no indexes, no WAL, invisible to
other sessions, dropped with the merge or the rollback) with the backend's bulk path: ``COPY ... FROM STDIN``
(CSV produced by Arrow's C++ writer) on PostgreSQL, one ``executemany`` on SQLite. No row-by-row Python
except the PII cipher.

Example::

    table = create_stage_table(connection, "leave_period")
    rows = stage_rows("leave_period", frame, first_id=1, default_valid_from=date(2026, 3, 2), cipher=cipher)
    write_rows(connection, table, rows)
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import BigInteger, Column, Date, Integer, MetaData, String, Table
from sqlalchemy.engine import Connection

from leavehub.store.pii import PiiCipher
from leavehub.store.tables import EntityColumn, entity_columns, value_columns

__all__ = ["arrow_type", "create_stage_table", "sqlite_values", "stage_rows", "stage_table", "write_rows"]

_ROW_COLUMNS = {"record_key", "_row", "_line", "valid_from"}
_STAGE_METADATA = MetaData()


def arrow_type(column: EntityColumn) -> pa.DataType:
    """The Arrow type a canonical column has in a frame (what the pipeline stages and ``current`` returns)."""
    if column.precision is not None:
        return pa.decimal128(column.precision, column.scale or 0)
    if column.python_type is list:
        return pa.list_(pa.string())
    name = column.python_type.__name__
    return {"bool": pa.bool_(), "int": pa.int64(), "datetime": pa.timestamp("us", tz="UTC"),
            "date": pa.date32()}.get(name, pa.string())


@cache
def stage_table(entity: str) -> Table:
    """``stage_<entity>``: one intake's rows, a temporary table of its connection (not part of the schema)."""
    return Table(
        f"stage_{entity}",
        _STAGE_METADATA,
        Column("stg_id", BigInteger, nullable=False),  # file order: the later row of a key is the larger id
        Column("source_row", Integer, nullable=True),
        Column("source_line", Integer, nullable=True),
        Column("record_key", String(200), nullable=False),
        Column("valid_from", Date, nullable=True),
        *value_columns(entity),
        prefixes=["TEMPORARY"],
    )


def create_stage_table(connection: Connection, entity: str) -> Table:
    """Create the intake's staging table inside its transaction (a rollback removes it, the merge drops it)."""
    table = stage_table(entity)
    table.create(connection)
    return table


def stage_rows(
    entity: str,
    frame: pd.DataFrame,
    *,
    first_id: int,
    default_valid_from: date,
    cipher: PiiCipher | None,
) -> pa.Table:
    """The staging rows for ``frame`` numbered from ``first_id``: stored column names and types, PII sealed.

    Raises ``ValueError`` naming (never showing) unknown or missing columns: that is a pipeline bug.
    """
    columns = entity_columns(entity)
    known = {c.name for c in columns} | _ROW_COLUMNS
    unknown = sorted(set(frame.columns) - known)
    if unknown:
        raise ValueError(f"{entity}: columns not in the canonical schema: {unknown}")
    if "record_key" not in frame.columns:
        raise ValueError(f"{entity}: the frame has no record_key column")
    source = pa.Table.from_pandas(frame, preserve_index=False)
    n = source.num_rows

    def column_or_null(name: str, typ: pa.DataType) -> pa.Array:
        if name not in source.column_names:
            return pa.nulls(n, typ)
        return source.column(name).combine_chunks().cast(typ)

    out: dict[str, pa.Array] = {
        "stg_id": pa.array(range(first_id, first_id + n), pa.int64()),
        "source_row": column_or_null("_row", pa.int64()),
        "source_line": column_or_null("_line", pa.int64()),
        "record_key": column_or_null("record_key", pa.string()),
    }
    if out["record_key"].null_count:
        raise ValueError(f"{entity}: record_key is empty on {out['record_key'].null_count} row(s)")
    valid_from = column_or_null("valid_from", pa.date32())
    out["valid_from"] = pc.fill_null(valid_from, pa.scalar(default_valid_from, pa.date32()))
    for col in columns:
        values = column_or_null(col.name, arrow_type(col))
        if col.pii_kind:
            if cipher is None:
                raise ValueError(f"{entity}.{col.name} is PII but the store has no PII key")
            sealed, digests = cipher.seal_column(
                values.to_pylist(), column=f"{entity}.{col.name}", kind=col.pii_kind)
            out[f"{col.column}_enc"] = pa.array(sealed, pa.binary())
            out[f"{col.column}_hash"] = pa.array(digests, pa.string())
        else:
            out[col.column] = values
    return pa.table(out)


def _as_text(values: pa.Array) -> pa.Array:
    if pa.types.is_list(values.type):
        return pa.array([None if v is None else json.dumps(v) for v in values.to_pylist()], pa.string())
    return values.cast(pa.string())


# -- bulk writers ----------------------------------------------------------------------------------------------


def write_rows(connection: Connection, table: Table, rows: pa.Table) -> int:
    """Bulk-insert ``rows`` (columns named as in ``table``) inside the connection's transaction."""
    if not rows.num_rows:
        return 0
    if connection.dialect.name == "postgresql":
        _copy_postgres(connection, table, rows)
    else:
        _executemany_sqlite(connection, table, rows)
    return rows.num_rows


def _copy_postgres(connection: Connection, table: Table, rows: pa.Table) -> None:
    prepared = {}
    for name in rows.column_names:
        arr = rows.column(name).combine_chunks()
        if pa.types.is_binary(arr.type):
            arr = pa.array([None if v is None else "\\x" + v.hex() for v in arr.to_pylist()], pa.string())
        elif pa.types.is_list(arr.type):
            arr = _as_text(arr)
        prepared[name] = arr
    buffer = io.BytesIO()
    pacsv.write_csv(pa.table(prepared), buffer, pacsv.WriteOptions(include_header=False, batch_size=65536))
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in rows.column_names)
    dbapi = connection.connection.dbapi_connection
    with dbapi.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getbuffer())


def _sqlite_value_column(arr: pa.Array) -> list[Any]:
    """Python values in the storage form SQLAlchemy's SQLite types use (ISO text dates, decimal text)."""
    typ = arr.type
    if pa.types.is_timestamp(typ):
        return pc.strftime(arr, format="%Y-%m-%d %H:%M:%S").to_pylist()
    if pa.types.is_date(typ) or pa.types.is_decimal(typ):
        return arr.cast(pa.string()).to_pylist()
    if pa.types.is_list(typ):
        return _as_text(arr).to_pylist()
    return arr.to_pylist()


def sqlite_values(rows: pa.Table) -> Iterator[tuple[Any, ...]]:
    """``rows`` as parameter tuples in SQLite storage form (what ``executemany`` takes)."""
    return zip(*(_sqlite_value_column(rows.column(n).combine_chunks()) for n in rows.column_names), strict=True)


def _executemany_sqlite(connection: Connection, table: Table, rows: pa.Table) -> None:
    names = rows.column_names
    placeholders = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})"
    dbapi = connection.connection.dbapi_connection
    cursor = dbapi.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, sqlite_values(rows))
    finally:
        cursor.close()
