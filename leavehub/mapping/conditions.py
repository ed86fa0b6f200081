"""Compile row filters and ``when`` tests into functions that return a boolean column.

A comparison reads a source column (or an earlier canonical field), optionally parses text as a date, and
compares it with a literal or with the business date (``business_date - 90d``). ``any``/``all``/``not``
combine them. A null never satisfies a comparison (except ``is_null``), so a filter drops rows it cannot
judge instead of guessing.

Example::

    keep = compile_condition(AnyOf(any=[...]), column_kind, field_kinds)(batch)   # bool column, no nulls
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping.batch import Batch, Kind, RuleProblem
from leavehub.mapping.dates import parse_dates
from leavehub.mapping.model import AllOf, AnyOf, Comparison, Not

__all__ = ["Test", "compile_condition"]

Test = Callable[[Batch], pa.ChunkedArray]
_BUSINESS_DATE = re.compile(r"^business_date(?:\s*([+-])\s*(\d+)\s*d(?:ays?)?)?$")
_COMPARE = {"eq": pc.equal, "ne": pc.not_equal, "gt": pc.greater, "ge": pc.greater_equal, "lt": pc.less,
            "le": pc.less_equal}


def compile_condition(condition: Any, column_kind: Callable[[str], Kind], field_kinds: Mapping[str, Kind],
                      path: tuple[str | int, ...] = ()) -> Test:
    """A function of a batch giving True/False per row (never null) for ``condition``."""
    if isinstance(condition, list):
        return compile_condition(AllOf(all=condition), column_kind, field_kinds, path)
    if isinstance(condition, AnyOf | AllOf):
        word = "any" if isinstance(condition, AnyOf) else "all"
        parts = [compile_condition(c, column_kind, field_kinds, (*path, word, i))
                 for i, c in enumerate(getattr(condition, word))]
        combine = pc.or_ if word == "any" else pc.and_

        def combined(batch: Batch) -> pa.ChunkedArray:
            result = parts[0](batch)
            for part in parts[1:]:
                result = combine(result, part(batch))
            return result

        return combined
    if isinstance(condition, Not):
        inner = compile_condition(condition.not_, column_kind, field_kinds, (*path, "not"))
        return lambda batch: pc.invert(inner(batch))
    return _compile_comparison(condition, column_kind, field_kinds, path)


def _compile_comparison(test: Comparison, column_kind: Callable[[str], Kind], field_kinds: Mapping[str, Kind],
                        path: tuple[str | int, ...]) -> Test:
    if test.field is not None:
        if test.field not in field_kinds:
            raise RuleProblem(f"field {test.field!r} is not computed before this test", (*path, "field"))
        kind = field_kinds[test.field]
        read: Callable[[Batch], pa.ChunkedArray] = lambda batch: batch.fields[test.field]  # noqa: E731
    else:
        try:
            kind = column_kind(test.column)  # type: ignore[arg-type]
        except RuleProblem as exc:
            raise RuleProblem(exc.message, (*path, "column")) from None
        read = lambda batch: batch.column(test.column)  # type: ignore[arg-type]  # noqa: E731
    if test.date is not None:
        if kind != "string":
            raise RuleProblem("'date' parses text; this column is already typed", (*path, "date"))
        pattern, text_read = test.date, read
        read = lambda batch: parse_dates(text_read(batch), pattern)[0]  # noqa: E731
        kind = "date"
    op = test.operator
    if op in ("is_null", "not_null"):
        check = pc.is_null if op == "is_null" else pc.is_valid
        return lambda batch: check(read(batch))
    if op in ("in_last_days", "in_next_days"):
        if kind not in ("date", "datetime"):
            raise RuleProblem(f"{op} compares dates; give 'date: <pattern>' for a text column", (*path, op))
        days = test.operand

        def window(batch: Batch) -> pa.ChunkedArray:
            today = batch.business_date
            lo, hi = (today - dt.timedelta(days=days), today) if op == "in_last_days" \
                else (today, today + dt.timedelta(days=days))
            value = read(batch)
            if kind == "datetime":
                value = pc.cast(value, pa.date32())
            inside = pc.and_(pc.greater_equal(value, pa.scalar(lo, pa.date32())),
                             pc.less_equal(value, pa.scalar(hi, pa.date32())))
            return pc.fill_null(inside, False)

        return window
    if kind in ("list", "multi", "none"):
        raise RuleProblem(f"{op} cannot compare a {kind} value", (*path, op))
    operands = test.operand if op in ("in", "not_in") else [test.operand]
    resolvers = [_operand(value, kind, (*path, op)) for value in operands]
    if op in ("in", "not_in"):
        def membership(batch: Batch) -> pa.ChunkedArray:
            value = read(batch)
            value_set = pa.array([r(batch) for r in resolvers], _type_for(kind, value))
            hit = pc.fill_null(pc.is_in(value, value_set=value_set), False)
            return hit if op == "in" else pc.and_(pc.is_valid(value), pc.invert(hit))

        return membership
    compare, resolve = _COMPARE[op], resolvers[0]

    def comparison(batch: Batch) -> pa.ChunkedArray:
        value = read(batch)
        operand = resolve(batch)
        if kind == "datetime":
            value = pc.cast(value, pa.date32())
        return pc.fill_null(compare(value, pa.scalar(operand, _type_for(kind, value))), False)

    return comparison


def _type_for(kind: Kind, value: pa.ChunkedArray) -> pa.DataType:
    return pa.date32() if kind in ("date", "datetime") else value.type


def _operand(value: Any, kind: Kind, path: tuple[str | int, ...]) -> Callable[[Batch], Any]:
    """A literal converted to the subject's kind, or the business date +/- days (resolved per batch)."""
    if isinstance(value, str) and (match := _BUSINESS_DATE.match(value.strip())):
        if kind not in ("date", "datetime"):
            raise RuleProblem("business_date compares with dates only", path)
        sign, days = match.group(1), int(match.group(2) or 0)
        delta = dt.timedelta(days=-days if sign == "-" else days)
        return lambda batch: batch.business_date + delta
    try:
        if kind in ("date", "datetime"):
            literal: Any = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        elif kind == "decimal":
            literal = Decimal(str(value))
        elif kind == "integer":
            literal = int(value)
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            literal = value
        else:
            literal = value.isoformat() if isinstance(value, dt.date) else str(value).lower() \
                if isinstance(value, bool) else str(value)
    except (ValueError, ArithmeticError) as exc:
        raise RuleProblem(f"operand does not fit a {kind} value: {exc}", path) from None
    return lambda batch: literal
