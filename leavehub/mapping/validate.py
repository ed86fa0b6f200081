"""Vectorized validation of canonical columns against their pydantic model: every bad value, no values.

Instantiating one pydantic object per row would be the row loop the design forbids, so the constraints the
model declares are read once (:mod:`leavehub.mapping.fields`) and checked as column tests: non-null fields,
enum membership, decimal precision/scale and ``ge``/``le``, string patterns, lengths and control characters,
plausible dates.
Each failure is a ``RowError(row, field, reason, value_class)``; the value itself never appears.

The model's cross-field rules (``record_checks``, :mod:`schemas.checks`) run here too: every rule class has a
vectorized twin in ``RECORD_CHECK_TWINS`` that flags exactly the rows pydantic would refuse for it.

Example::

    errors = validate_frame(chunk.frames["leave_period"], LeavePeriod)   # uses the frame's _row column
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from leavehub.mapping.error_sink import ErrorSink
from leavehub.mapping.fields import FieldSpec, field_specs
from schemas.checks import AbsentUnless, Check, FirstOfMonth, Ordered, RequiredWhen, Sign
from schemas.columns import CONTROL_CHARACTERS
from schemas.errors import RowError

__all__ = ["EARLIEST_DATE", "LATEST_DATE", "RECORD_CHECK_TWINS", "record_check_mask", "validate_columns",
           "validate_frame"]

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
"""Dates outside these bounds are typos (0026 for 2026, 9999 "open end" markers) rather than leave data."""


def validate_frame(frame: pd.DataFrame | type[BaseModel], model: type[BaseModel] | pd.DataFrame,
                   row_column: str = "_row") -> list[RowError]:
    """Check a canonical frame (Arrow dtypes) against ``model``; rows numbered by ``row_column`` if present.

    ``InboundMapper.apply`` already runs this on what it maps; call it for frames built elsewhere. Either
    argument order is accepted (``validate_frame(Model, frame)`` reads naturally too).
    """
    if isinstance(frame, type):
        frame, model = model, frame
    assert isinstance(frame, pd.DataFrame) and isinstance(model, type)
    columns = {name: _arrow(frame[name]) for name in frame.columns}
    rows = columns.pop(row_column, None)
    if rows is None:
        rows = pa.chunked_array([pa.array(np.arange(1, len(frame) + 1, dtype=np.int64))])
    return validate_columns(columns, model, rows)


def _arrow(series: pd.Series) -> pa.ChunkedArray:
    array = series.array
    arrow = array.__arrow_array__() if hasattr(array, "__arrow_array__") else pa.array(series, from_pandas=True)
    return arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])


def validate_columns(columns: dict[str, pa.ChunkedArray], model: type[BaseModel], rows: pa.ChunkedArray,
                     line_of: Callable[[int], int | None] | None = None) -> list[RowError]:
    """Every declared constraint of ``model`` tested on whole columns; one ``RowError`` per bad value."""
    sink = ErrorSink()
    for name, spec in field_specs(model).items():
        values = columns.get(name)
        if values is None:
            if not spec.nullable and spec.default is None and spec.required:
                sink.add(pa.chunked_array([pa.array(np.ones(len(rows), dtype=bool))]), field=name, column=None,
                         reason="required field is not mapped", values=None)
            continue
        _check(spec, values, sink)
    for check in getattr(model, "record_checks", ()):
        sink.add(pc.fill_null(record_check_mask(check, columns, len(rows)), False), field=check.field,
                 column=None, reason=check.message, values=columns.get(check.field))
    return sink.errors_for(rows, line_of)


def _check(spec: FieldSpec, values: pa.ChunkedArray, sink: ErrorSink) -> None:
    def add(mask: Any, reason: str, shown: pa.ChunkedArray | None = values) -> None:
        sink.add(pc.fill_null(mask, False), field=spec.name, column=None, reason=reason, values=shown)

    if not spec.nullable and spec.required:
        add(pc.is_null(values), "required value is empty")
    if spec.enum_values is not None:
        allowed = pa.array(spec.enum_values, pa.string())
        if spec.kind == "list":
            items = pc.list_flatten(values)
            bad_items = pc.invert(pc.is_in(items, value_set=allowed))
            parents = pc.filter(pc.list_parent_indices(values), bad_items)
            mask = np.zeros(len(values), dtype=bool)
            mask[parents.to_numpy()] = True
            add(pa.array(mask), "not a known code")
        else:
            add(pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=allowed))),
                f"not a known code (expected one of {', '.join(spec.enum_values[:12])}"
                f"{', ...' if len(spec.enum_values) > 12 else ''})")
    if spec.kind == "decimal":
        _check_decimal(spec, values, add)
    if spec.kind in ("decimal", "integer"):
        for op, fn, word in (("ge", pc.less, "below"), ("gt", pc.less_equal, "not above"),
                             ("le", pc.greater, "above"), ("lt", pc.greater_equal, "not below")):
            bound = getattr(spec, op)
            if bound is not None:
                scalar = pa.scalar(Decimal(str(bound)) if spec.kind == "decimal" else int(bound))
                add(fn(values, pc.cast(scalar, values.type)), f"{word} the allowed {op} {bound}")
    if spec.kind == "string" and pa.types.is_string(values.type):
        if spec.printable and _may_hold_control_characters(values):
            add(pc.match_substring_regex(values, CONTROL_CHARACTERS), "contains a control character")
        if spec.max_length is not None:
            add(pc.greater(pc.utf8_length(values), spec.max_length), f"longer than {spec.max_length} characters")
        if spec.min_length is not None:
            add(pc.less(pc.utf8_length(values), spec.min_length), f"shorter than {spec.min_length} characters")
        if spec.pattern is not None:
            add(pc.and_(pc.is_valid(values), pc.invert(pc.match_substring_regex(values, spec.pattern))),
                f"does not match the pattern {spec.pattern}")
    if spec.kind in ("date", "datetime"):
        days = pc.cast(values, pa.date32()) if spec.kind == "datetime" else values
        outside = pc.or_(pc.less(days, pa.scalar(EARLIEST_DATE, pa.date32())),
                         pc.greater(days, pa.scalar(LATEST_DATE, pa.date32())))
        add(outside, f"implausible date (outside {EARLIEST_DATE.year}-{LATEST_DATE.year})")


def _may_hold_control_characters(values: pa.ChunkedArray) -> bool:
    """A byte scan of the column's UTF-8 data, ~15x cheaper than the regex: False means no value can hold a
    control character (no byte below 0x20, no DEL, no lead byte of C1 controls (C2) or U+2028/9 (E2))."""
    for chunk in values.chunks:
        buffers = chunk.buffers()
        if len(buffers) < 3 or buffers[2] is None:
            continue
        data = np.frombuffer(buffers[2], dtype=np.uint8)
        if (data < 0x20).any() or (data == 0x7F).any() or (data == 0xC2).any() or (data == 0xE2).any():
            return True
    return False


def _check_decimal(spec: FieldSpec, values: pa.ChunkedArray, add: Callable[..., None]) -> None:
    """Scale and precision, for frames that did not come through the compiler's exact cast."""
    if not pa.types.is_decimal(values.type):
        add(pc.is_valid(values), f"not a decimal column ({values.type})", None)
        return
    scale, precision = spec.scale or 0, spec.precision or 38
    if values.type.scale > scale:
        add(pc.not_equal(pc.round(values, ndigits=scale), values), f"more than {scale} decimal places", None)
    if values.type.precision - values.type.scale > precision - scale:
        limit = pa.scalar(Decimal(10) ** (precision - scale), pa.decimal128(values.type.precision,
                                                                            values.type.scale))
        add(pc.greater_equal(pc.abs(values), limit), f"more than {precision - scale} digits before the point",
            None)


# --- cross-field rules: one vectorized twin per rule class of schemas.checks ------------------------------

Columns = Callable[[str], pa.ChunkedArray]


def record_check_mask(check: Check, columns: dict[str, pa.ChunkedArray], length: int) -> pa.ChunkedArray:
    """The rows of ``columns`` that break ``check`` (null = holds); absent columns read as all null."""

    def column(name: str) -> pa.ChunkedArray:
        values = columns.get(name)
        return values if values is not None else pa.chunked_array([pa.nulls(length)])

    return RECORD_CHECK_TWINS[type(check)](check, column)


def _is_one_of(values: pa.ChunkedArray, choices: tuple[Any, ...]) -> Any:
    """``values`` in ``choices`` (enum members by value); a null is in nothing, as None is in no tuple."""
    plain = [getattr(c, "value", c) for c in choices]
    if pa.types.is_null(values.type):
        return pc.is_valid(values)  # all false
    return pc.is_in(values, value_set=pa.array(plain, values.type))


def _is_empty(values: pa.ChunkedArray) -> Any:
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        return pc.fill_null(pc.equal(pc.list_value_length(values), 0), True)
    return pc.is_null(values)


def _ordered(check: Ordered, column: Columns) -> Any:
    earlier, later = column(check.earlier), column(check.later)
    if pa.types.is_null(earlier.type) or pa.types.is_null(later.type):
        return pc.is_valid(later)  # all false: an absent side holds
    return pc.less(later, earlier)


def _first_of_month(check: FirstOfMonth, column: Columns) -> Any:
    values = column(check.field)
    return pc.is_valid(values) if pa.types.is_null(values.type) else pc.not_equal(pc.day(values), 1)


def _required_when(check: RequiredWhen, column: Columns) -> Any:
    return pc.and_(_is_one_of(column(check.when), check.values), _is_empty(column(check.field)))


def _absent_unless(check: AbsentUnless, column: Columns) -> Any:
    return pc.and_(pc.invert(_is_empty(column(check.field))),
                   pc.invert(_is_one_of(column(check.when), check.values)))


_SIGN_BREAKS = {"non_negative": pc.less, "non_positive": pc.greater, "negative": pc.greater_equal,
                "zero": pc.not_equal}


def _sign(check: Sign, column: Columns) -> Any:
    amounts = column(check.field)
    if pa.types.is_null(amounts.type):
        return pc.is_valid(amounts)
    zero = pa.scalar(Decimal(0) if pa.types.is_decimal(amounts.type) else 0, amounts.type)
    return pc.and_(_is_one_of(column(check.when), check.values), _SIGN_BREAKS[check.sign](amounts, zero))


RECORD_CHECK_TWINS: dict[type, Callable[[Any, Columns], Any]] = {
    Ordered: _ordered, FirstOfMonth: _first_of_month, RequiredWhen: _required_when,
    AbsentUnless: _absent_unless, Sign: _sign,
}
"""The vectorized twin of each rule class in :mod:`schemas.checks` (a test keeps the two sets equal)."""
