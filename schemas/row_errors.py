"""Turn a pydantic ValidationError on one canonical row into ``RowError`` s that never carry the value.

pydantic's ``str(error)`` hides the input on canonical models (``hide_input_in_errors``), but
``error.errors()`` still returns it unless asked not to; this module is the one place that converts, and
describes each bad value only by its CLASS (``"digits(9)"``, ``"text(12)"``, ``"empty"``).

Example::

    try:
        Employee(employee_id="W1", ssn=raw_ssn)
    except ValidationError as exc:
        errors = row_errors(exc, row=17)   # [RowError(row=17, field="ssn", reason=..., value_class="text(11)")]
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from schemas.errors import RowError

__all__ = ["row_errors", "value_class"]


def value_class(value: Any) -> str:
    """A coarse, PII-free description of a value: its kind and length, never its content."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return "empty"
        if text.isdigit():
            return f"digits({len(text)})"
        return f"text({len(value)})"
    if isinstance(value, list | tuple):
        return f"list({len(value)})"
    if isinstance(value, dict):
        return f"object({len(value)})"
    return type(value).__name__


def row_errors(exc: ValidationError, row: int | None = None, *, line: int | None = None) -> list[RowError]:
    """One ``RowError`` per problem in ``exc``: field path, pydantic's reason, and the value's class."""
    out: list[RowError] = []
    for err in exc.errors(include_input=True, include_url=False, include_context=False):
        loc = err.get("loc", ())
        field = ".".join(str(p) for p in loc) or None
        # The input is read here only to classify it; it never leaves this function.
        value = err.get("input")
        out.append(RowError(row=row, field=field, reason=err["msg"], value_class=value_class(value), line=line))
    return out
