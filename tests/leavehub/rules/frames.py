"""Canonical frames for rules tests, shaped like the store's reads (Arrow dtypes, canonical column names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

from leavehub.store.stage_tables import arrow_type
from leavehub.store.tables import entity_columns


def canonical_frame(entity: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records of a canonical entity -> a frame with every column of the entity, typed as the store types it."""
    arrays = {}
    for col in entity_columns(entity):
        values = [r.get(col.name) for r in records]
        arrays[col.name] = pa.array(values, arrow_type(col))
    return pa.table(arrays).to_pandas(types_mapper=pd.ArrowDtype)


def plain_frame(records: list[dict[str, Any]], columns: dict[str, pa.DataType]) -> pd.DataFrame:
    """A frame for inputs that are not canonical entities (premium history, receivables)."""
    arrays = {name: pa.array([r.get(name) for r in records], kind) for name, kind in columns.items()}
    return pa.table(arrays).to_pandas(types_mapper=pd.ArrowDtype)


def money(value: str | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))
