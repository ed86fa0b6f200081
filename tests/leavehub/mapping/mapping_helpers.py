"""Small canonical models and helpers for the mapping tests (independent of schemas.models on purpose)."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

import pandas as pd
import pyarrow as pa
import yaml
from pydantic import AwareDatetime, Field

from leavehub.mapping.compiler import compile_mapping
from leavehub.mapping.model import CodesFile, parse_mapping
from schemas.types import CanonicalModel, Hours, Money, Pii

BUSINESS_DATE = dt.date(2026, 11, 20)


class Color(StrEnum):
    RED = "RED"
    BLUE = "BLUE"


class Person(CanonicalModel):
    natural_key: ClassVar[tuple[str, ...]] = ("person_id",)

    person_id: Annotated[str, Field(min_length=1, max_length=10)]
    ssn: Annotated[str | None, Pii("ssn"), Field(pattern=r"^\d{9}$")] = None
    name: Annotated[str | None, Pii("name")] = None
    birth_date: Annotated[dt.date | None, Pii("birth_date")] = None
    color: Color | None = None
    tags: list[str] = Field(default_factory=list)
    colors: list[Color] = Field(default_factory=list)
    pay: Money | None = None
    hours: Hours | None = None
    rate: Annotated[Decimal | None, Field(max_digits=7, decimal_places=4, ge=0, le=100)] = None
    count: Annotated[int | None, Field(ge=0)] = None
    active: bool | None = None
    updated_at: AwareDatetime | None = None


class Job(CanonicalModel):
    natural_key: ClassVar[tuple[str, ...]] = ("person_id",)

    person_id: str
    start: dt.date
    title: str | None = None
    pay: Money | None = None
    updated_at: AwareDatetime | None = None


class Plan(CanonicalModel):
    natural_key: ClassVar[tuple[str, ...]] = ("person_id", "kind")

    person_id: str
    kind: str
    code: str | None = None
    start: dt.date | None = None
    amount: Money | None = None


ENTITIES = {"person": Person, "job": Job, "plan": Plan}

CODES = CodesFile.model_validate(yaml.safe_load(textwrap.dedent("""
    tables:
      color: {unknown: reject, values: {R: RED, B: BLUE, Rouge: RED}}
      color_pass: {unknown: pass, values: {R: RED}}
      color_default: {unknown: default BLUE, values: {R: RED}}
      color_default_obj: {unknown: {default: RED}, values: {B: BLUE}}
      gender_834: {unknown: reject, values: {F: F, M: M, U: U}, send: {X: U}}
""")))


def text_frame(rows: list[dict[str, str | None]]) -> pd.DataFrame:
    """A vendor chunk as the format readers give it: every column Arrow text, <NA> for empty."""
    columns = sorted({k for row in rows for k in row})
    data = {c: pa.array([row.get(c) for row in rows], pa.string()) for c in columns}
    return pa.table(data).to_pandas(types_mapper=pd.ArrowDtype)


def canonical_frame(model: type, rows: list[dict]) -> pd.DataFrame:
    """A store frame: the model's columns with their Arrow types."""
    from leavehub.mapping.fields import field_specs

    specs = field_specs(model)
    data = {n: pa.array([row.get(n) for row in rows], s.arrow_type) for n, s in specs.items()}
    return pa.table(data).to_pandas(types_mapper=pd.ArrowDtype)


def inbound(fields: dict | str, *, filters: object = None, extra_targets: list | None = None,
            entity: str = "person") -> object:
    """Compile an inbound mapping of one target from a dict or YAML text of its fields."""
    if isinstance(fields, str):
        fields = yaml.safe_load(textwrap.dedent(fields))
    doc = {"version": 1, "effective_date": "2026-01-01", "vendor": "acme", "feed": "people", "direction": "in",
           "targets": [{"entity": entity, "fields": fields}, *(extra_targets or [])]}
    if filters is not None:
        doc["filters"] = filters
    return compile_mapping(parse_mapping(doc), CODES, ENTITIES)


def outbound(columns: dict | str, source: dict, filters: object = None) -> object:
    if isinstance(columns, str):
        columns = yaml.safe_load(textwrap.dedent(columns))
    doc = {"version": 1, "effective_date": "2026-01-01", "vendor": "acme", "feed": "census", "direction": "out",
           "source": source, "columns": columns}
    if filters is not None:
        doc["filters"] = filters
    return compile_mapping(parse_mapping(doc), CODES, ENTITIES)
