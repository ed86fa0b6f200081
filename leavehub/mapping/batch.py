"""The columns one compiled mapping runs over, and the shared vocabulary of value kinds.

A ``Batch`` gives compiled rules their source columns (vendor text inbound, joined canonical columns
outbound), the canonical fields computed so far, the business date and the error sink. A ``scope`` mask
limits error reports to the rows a ``when`` branch actually applies to.

Example::

    batch = Batch(source=frame_columns, length=len(frame), business_date=date(2026, 11, 20), sink=ErrorSink())
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping.error_sink import ErrorSink

__all__ = ["Batch", "Kind", "RuleProblem", "kind_of_type"]

Kind = Literal["string", "date", "datetime", "decimal", "integer", "boolean", "list", "multi", "null", "none"]
"""What a value is while a pipeline runs; ``multi`` = several columns (before concat), ``none`` = no value yet."""


class RuleProblem(Exception):
    """A rule that cannot compile; ``path`` is the key path inside the rule (the loader adds file and line)."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def kind_of_type(arrow_type: pa.DataType) -> Kind:
    """The value kind of an Arrow column type (canonical columns outbound)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "datetime"
    if pa.types.is_decimal(arrow_type):
        return "decimal"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return "list"
    if pa.types.is_null(arrow_type):
        return "null"
    raise RuleProblem(f"unsupported column type {arrow_type}")


@dataclass
class Batch:
    """Source columns + computed fields of one chunk; rules read from it and report into ``sink``."""

    source: Callable[[str], pa.ChunkedArray]
    length: int
    business_date: dt.date
    sink: ErrorSink
    fields: dict[str, pa.ChunkedArray] = field(default_factory=dict)
    scope: pa.ChunkedArray | None = None
    field_name: str | None = None
    column_name: str | None = None

    def column(self, name: str) -> pa.ChunkedArray:
        return self.source(name)

    def within(self, mask: pa.ChunkedArray) -> Batch:
        """The same batch, with error reports limited to the rows of ``mask`` (a ``when`` branch)."""
        scope = mask if self.scope is None else pc.and_(self.scope, mask)
        return replace(self, scope=scope)

    def report(self, mask: pa.ChunkedArray, reason: str, values: pa.ChunkedArray | None) -> None:
        """Record the rows of ``mask`` as bad for the current field and vendor column."""
        if self.scope is not None:
            mask = pc.and_(mask, self.scope)
        self.sink.add(mask, field=self.field_name, column=self.column_name, reason=reason, values=values)

    def warn(self, mask: pa.ChunkedArray, reason: str) -> None:
        """Record the rows of ``mask`` as a per-file warning (schema drift), not a row error."""
        if self.scope is not None:
            mask = pc.and_(mask, self.scope)
        self.sink.warn(mask, field=self.field_name, column=self.column_name, reason=reason)
