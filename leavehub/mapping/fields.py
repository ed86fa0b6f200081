"""What a canonical model field looks like to a column engine: its Arrow type and its declared constraints.

The compiler needs to know that ``leave_period.weekly_benefit`` is ``decimal128(14, 2)`` and optional, and the
validator needs its ``ge``/``le``, enum values, patterns and lengths, all without instantiating one pydantic
object per row. This module reads them once from the pydantic ``FieldInfo`` metadata.

Example::

    spec = field_specs(LeavePeriod)["weekly_benefit"]   # FieldSpec(kind="decimal", precision=14, scale=2, ...)
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import pyarrow as pa
from pydantic import AwareDatetime, BaseModel, NaiveDatetime

from schemas.columns import Printable
from schemas.types import pii_fields

__all__ = ["FieldKind", "FieldSpec", "field_specs"]

FieldKind = Literal["string", "date", "datetime", "decimal", "integer", "boolean", "list"]

DEFAULT_PRECISION = 38
DEFAULT_SCALE = 10


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field as the column engine sees it."""

    name: str
    kind: FieldKind
    required: bool
    arrow_type: pa.DataType
    nullable: bool = True
    default: Any = None
    enum_values: tuple[str, ...] | None = None
    precision: int | None = None
    scale: int | None = None
    ge: Any = None
    gt: Any = None
    le: Any = None
    lt: Any = None
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    printable: bool = False
    """No control characters (:class:`schemas.columns.Printable`)."""
    pii: str | None = None


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any], bool]:
    """Strip Optional / Annotated layers, collecting their metadata (pydantic keeps nested FieldInfos);
    also says whether None is allowed."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            for meta in args[1:]:
                metadata.extend(getattr(meta, "metadata", None) or [meta])
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata, nullable or annotation is type(None) or annotation is Any


def _kind_of(annotation: Any) -> tuple[FieldKind, tuple[str, ...] | None]:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        items = typing.get_args(annotation)
        item = items[0] if items else str
        return "list", _kind_of(item)[1] if item is not str else None
    if origin is Literal:
        return "string", tuple(str(a) for a in typing.get_args(annotation))
    if annotation in (AwareDatetime, NaiveDatetime):
        return "datetime", None
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return "string", tuple(str(m.value) for m in annotation)
        if issubclass(annotation, bool):
            return "boolean", None
        if issubclass(annotation, int):
            return "integer", None
        if issubclass(annotation, Decimal):
            return "decimal", None
        if issubclass(annotation, dt.datetime):
            return "datetime", None
        if issubclass(annotation, dt.date):
            return "date", None
        if issubclass(annotation, str):
            return "string", None
    raise TypeError(f"unsupported canonical field type {annotation!r}")


def _arrow_type(kind: FieldKind, precision: int | None, scale: int | None) -> pa.DataType:
    return {
        "string": pa.string(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
        "list": pa.list_(pa.string()),
    }.get(kind) or pa.decimal128(precision or DEFAULT_PRECISION, scale if scale is not None else DEFAULT_SCALE)


def _scalar_default(info: Any) -> Any:
    """The field's default when it is a plain value (enum members as their value), else None."""
    if info.is_required() or info.default_factory is not None:
        return None
    value = info.default
    if isinstance(value, enum.Enum):
        return value.value
    return value if isinstance(value, str | int | bool | Decimal | dt.date) else None


@cache
def field_specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """Every field of ``model`` as a :class:`FieldSpec`, in declaration order (cached per model)."""
    pii = pii_fields(model)
    out: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        annotation, metadata, nullable = _unwrap(info.annotation, list(info.metadata))
        kind, enum_values = _kind_of(annotation)
        facts: dict[str, Any] = {}
        for meta in metadata:
            for attr in ("max_digits", "decimal_places", "pattern", "ge", "gt", "le", "lt", "max_length",
                         "min_length"):
                value = getattr(meta, attr, None)
                if value is not None:
                    facts[attr] = value
        precision = facts.get("max_digits") if kind == "decimal" else None
        scale = facts.get("decimal_places") if kind == "decimal" else None
        if kind == "decimal":
            precision = precision or DEFAULT_PRECISION
            scale = scale if scale is not None else DEFAULT_SCALE
        out[name] = FieldSpec(
            name=name, kind=kind, required=info.is_required(), arrow_type=_arrow_type(kind, precision, scale),
            nullable=nullable, default=_scalar_default(info),
            enum_values=enum_values, precision=precision, scale=scale,
            ge=facts.get("ge"), gt=facts.get("gt"), le=facts.get("le"), lt=facts.get("lt"),
            max_length=facts.get("max_length"), min_length=facts.get("min_length"),
            pattern=facts.get("pattern"), printable=any(isinstance(m, Printable) for m in metadata),
            pii=pii.get(name),
        )
    return out
