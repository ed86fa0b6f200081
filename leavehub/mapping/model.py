"""The mapping language: one typed, versioned YAML file per vendor feed, in either direction.

A mapping says how a vendor's record becomes canonical entities (``direction: in``) or how a query over the
canonical store becomes a vendor's record (``direction: out``). Every field is a *pipeline* of rules from a
closed set, written as single-key objects so a file reads like a recipe::

    targets:
      - entity: leave_period
        fields:
          case_number: CASE_NUMBER                              # shorthand for [{source: CASE_NUMBER}]
          start_date: [{source: PERIOD_START}, {date: "%Y-%m-%d"}]
          plan: [{source: PLAN}, trim, {code: plan}, required]

Rules whose meaning depends on direction follow the value's type: ``date``/``decimal``/``bool`` *parse*
text and *format* typed values, so the same words serve inbound and outbound; ``code`` looks up vendor ->
canonical inbound and canonical -> vendor outbound. Anything the closed set cannot say goes through an
allow-listed ``transform`` (see :mod:`leavehub.mapping.transforms`); if a reference mapping needs one, the
language is missing a rule.

A file is an ``InboundMapping`` (``targets``, ``file_set``) or an ``OutboundMapping`` (``source``, ``columns``,
``changes``), discriminated on ``direction``; a key of the other direction is refused with its key path.

Example::

    parse_mapping(yaml.safe_load(text))
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from leavehub.mapping.code_tables import CodesFile, CodeTable, UnknownDefault

__all__ = [
    "STEP_WORDS",
    "BoolRule",
    "BoolSpec",
    "BusinessDateRule",
    "CaseRule",
    "ChangeMarks",
    "CoalesceRule",
    "CodeRule",
    "CodeTable",
    "CodesFile",
    "Comparison",
    "ConcatRule",
    "ConcatSpec",
    "Condition",
    "ConstRule",
    "DateRule",
    "DatetimeRule",
    "DecimalRule",
    "DecimalSpec",
    "DefaultRule",
    "EarliestRule",
    "FieldRule",
    "FileSet",
    "FileSetMember",
    "InboundMapping",
    "IntegerRule",
    "Join",
    "JoinRule",
    "LatestRule",
    "MappingFile",
    "NullIfRule",
    "OutboundMapping",
    "OutboundSource",
    "PathRule",
    "RegexRule",
    "RegexSpec",
    "RequiredRule",
    "SourceRule",
    "SplitRule",
    "Step",
    "StripRule",
    "Target",
    "TransformRule",
    "TrimRule",
    "UnknownDefault",
    "WhenRule",
    "mapping_schema",
    "member_columns",
    "parse_mapping",
    "steps_of",
]

Scalar = Union[str, int, bool, dt.date, None]  # noqa: UP007 - pydantic union order matters: no float money


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- conditions (row filters and when/then/else) -----------------------------------------------------

Operand = Union[str, int, bool, dt.date]  # noqa: UP007
"""A literal, or ``business_date`` / ``business_date - 90d`` / ``business_date + 7d``."""

OPERATORS = ("eq", "ne", "in", "not_in", "is_null", "not_null", "gt", "ge", "lt", "le", "in_last_days",
             "in_next_days")


class Comparison(_Rule):
    """Test one column (``column``: a source column, or a joined canonical column outbound) or an earlier
    canonical field of the same target (``field``) with exactly one operator.

    ``date`` parses a text column with a pattern before ``gt``/``lt``/``in_last_days`` compare it as a date.
    Example: ``{column: TERM_DATE, date: "%m/%d/%Y", in_last_days: 90}``.
    """

    column: str | None = None
    field: str | None = None
    date: str | None = Field(default=None, description="strptime pattern to read a text column as a date")
    eq: Operand | None = None
    ne: Operand | None = None
    in_: list[Operand] | None = Field(default=None, alias="in")
    not_in: list[Operand] | None = None
    is_null: Literal[True] | None = None
    not_null: Literal[True] | None = None
    gt: Operand | None = None
    ge: Operand | None = None
    lt: Operand | None = None
    le: Operand | None = None
    in_last_days: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="business_date - N days <= value <= business_date")
    in_next_days: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="business_date <= value <= business_date + N days")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_subject_one_operator(self) -> Comparison:
        if (self.column is None) == (self.field is None):
            raise ValueError("a comparison names exactly one of 'column' or 'field'")
        ops = [op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None]
        if len(ops) != 1:
            raise ValueError(f"a comparison has exactly one operator of {', '.join(OPERATORS)}; "
                             f"got {ops or 'none'}")
        return self

    @property
    def operator(self) -> str:
        return next(op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None)

    @property
    def operand(self) -> Any:
        return getattr(self, "in_" if self.operator == "in" else self.operator)

    @property
    def subject(self) -> str:
        return self.column if self.column is not None else self.field  # type: ignore[return-value]


class AnyOf(_Rule):
    """True when any of the conditions is (an OR)."""

    any: list[Condition] = Field(min_length=1)


class AllOf(_Rule):
    """True when all of the conditions are (an AND)."""

    all: list[Condition] = Field(min_length=1)


class Not(_Rule):
    """Negates a condition."""

    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("any", "all", "not"):
            if key in value:
                return key
        return "compare"
    return {AnyOf: "any", AllOf: "all", Not: "not", Comparison: "compare"}.get(type(value))


Condition = Annotated[
    Union[  # noqa: UP007
        Annotated[AnyOf, Tag("any")], Annotated[AllOf, Tag("all")], Annotated[Not, Tag("not")],
        Annotated[Comparison, Tag("compare")],
    ],
    Discriminator(_condition_tag),
]


# --- field rules ----------------------------------------------------------------------------------------

class SourceRule(_Rule):
    """Start from one vendor column (or several, for ``concat``). Outbound: a joined canonical column."""

    source: str | list[str] = Field(min_length=1)


class PathRule(_Rule):
    """Start from a dotted path into a nested JSON record (readers flatten records to dotted columns)."""

    path: str = Field(pattern=r"^[^.\s]+(\.[^.\s]+)*$")


class ConstRule(_Rule):
    """A constant for every row; write decimals as quoted text ("0.00"): YAML floats are not exact."""

    const: Scalar


class BusinessDateRule(_Rule):
    """The business date of the file: the one its name carries inbound (``SUMMIT_BILL_G_202603`` -> Mar 1),
    the run's date outbound. ``{business_date: true}``."""

    business_date: Literal[True]


class DefaultRule(_Rule):
    """Fill empty values with a constant."""

    default: Scalar


class RequiredRule(_Rule):
    """An empty value here is a row error (reported with the vendor column)."""

    required: Literal[True]


class TrimRule(_Rule):
    """Trim surrounding whitespace; a value that becomes empty becomes null."""

    trim: Literal[True]


class CaseRule(_Rule):
    case: Literal["upper", "lower", "title"]


class StripRule(_Rule):
    """Remove every occurrence of these characters: ``{strip: "-"}`` turns 123-45-6789 into 123456789."""

    strip: str = Field(min_length=1)


class RegexSpec(_Rule):
    pattern: str = Field(min_length=1)
    group: int | None = Field(default=None, ge=0, description="capture group to keep; default 1 if any, else 0")
    on_mismatch: Literal["reject", "null", "keep"] = "reject"


class RegexRule(_Rule):
    """Keep a regex group (RE2 syntax); a non-matching value is a row error unless ``on_mismatch`` says so."""

    regex: str | RegexSpec


class DateRule(_Rule):
    """Text -> date with a strptime pattern (inbound); date -> text with the pattern (outbound)."""

    date: str = Field(min_length=2)


class DatetimeRule(_Rule):
    """Text -> UTC timestamp inbound; timestamp -> text outbound. ``iso`` reads ISO-8601 with ``Z`` or an
    offset; a strptime pattern reads the offset where it has ``%z``.

    A time written without a zone is read in ``timezone`` (an IANA name: ``America/Chicago``, or ``UTC`` when
    the vendor says so): a pattern without ``%z`` needs one, and under ``iso`` a value without a zone is a
    row error unless one is given. Outbound the text is written in that zone. Example:
    ``{datetime: "%m/%d/%Y %H:%M", timezone: America/Chicago}``.
    """

    datetime: str = Field(min_length=2)
    timezone: str | None = Field(default=None, description="IANA zone of times written without an offset")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (ValueError, zoneinfo.ZoneInfoNotFoundError):
                raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/New_York, UTC)") from None
        return value

    @model_validator(mode="after")
    def _zone_is_known_one_way(self) -> DatetimeRule:
        if "%z" in self.datetime and self.timezone is not None:
            raise ValueError("the pattern reads the offset (%z): drop timezone")
        if self.datetime != "iso" and "%z" not in self.datetime and self.timezone is None:
            raise ValueError(f"the pattern {self.datetime!r} writes no zone: say which with timezone: "
                             "(an IANA name such as America/New_York, or UTC)")
        return self


class DecimalSpec(_Rule):
    scale: int = Field(ge=0, le=18)
    rounding: Literal["reject", "half_up", "half_even"] = "reject"
    implied: bool = Field(default=False, description="digits only, the last `scale` of them are the decimals: "
                                                     "03000 with scale 2 is 30.00 (fixed-width amounts)")


class DecimalRule(_Rule):
    """Text -> exact decimal with at most ``scale`` places (more is a row error unless ``rounding`` says);
    decimal -> text with exactly ``scale`` places. ``{decimal: 2}`` is short for ``{decimal: {scale: 2}}``.
    ``{decimal: {scale: 2, implied: true}}`` reads digits with an implied point (``03000`` -> 30.00) and
    writes them back that way outbound."""

    decimal: int | DecimalSpec


class IntegerRule(_Rule):
    integer: Literal[True]


class CodeRule(_Rule):
    """Translate through a named table of the vendor's codes file (reversed outbound)."""

    code: str = Field(min_length=1)


class SplitRule(_Rule):
    """Text -> list of text on a separator; items are trimmed and empty items dropped (FMLA;CFRA)."""

    split: str = Field(min_length=1)


class JoinRule(_Rule):
    """List -> text with a separator (the outbound twin of ``split``)."""

    join: str


class ConcatSpec(_Rule):
    """The parts of a ``concat``: each a column name, a rule or a pipeline; ``{const: "-"}`` is a constant."""

    separator: str = ""
    parts: list[FieldRule] = Field(min_length=2)


class ConcatRule(_Rule):
    """Join several source columns with a separator, skipping empty ones: ``[{source: [A, B]}, {concat: " "}]``.
    With parts it starts a value and may hold constants:
    ``{concat: {separator: "", parts: [C, {const: ":"}, I]}}`` (an empty column part is skipped)."""

    concat: str | ConcatSpec


class NullIfRule(_Rule):
    """Words that mean "no value": ``{null_if: ["Please Select", "00000000"]}`` (after ``trim`` if padded)."""

    null_if: list[str] = Field(min_length=1)


class CoalesceRule(_Rule):
    """The first non-empty of several values, each a column name, a rule or a pipeline:
    ``{coalesce: [PREFERRED_NAME, FIRST_NAME]}``. Every choice must give the same kind of value."""

    coalesce: list[FieldRule] = Field(min_length=2)


class LatestRule(_Rule):
    """The latest (largest) non-empty of several dates, times or numbers, each a pipeline:
    ``{latest: [[{source: A}, {date: "%Y%m%d"}], [{source: B}, {date: "%Y%m%d"}]]}``."""

    latest: list[FieldRule] = Field(min_length=2)


class EarliestRule(_Rule):
    """The earliest (smallest) non-empty of several values; the twin of ``latest``."""

    earliest: list[FieldRule] = Field(min_length=2)


class BoolSpec(_Rule):
    """The vendor's words for true and false: ``{true: [Y, "1"], false: N}`` (quote YAML's yes/no)."""

    true: list[str] | str = Field(min_length=1)
    false: list[str] | str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _yaml_bool_keys(cls, data: Any) -> Any:
        """Plain YAML reads the keys ``true:``/``false:`` as booleans; accept them as the words."""
        if isinstance(data, dict):
            return {("true" if k is True else "false" if k is False else k): v for k, v in data.items()}
        return data


class BoolRule(_Rule):
    """Y/N-style text -> bool (unknown text is a row error); bool -> the first listed text outbound."""

    bool: BoolSpec

    def values(self, side: Literal["true", "false"]) -> list[str]:
        value = getattr(self.bool, side)
        return [value] if isinstance(value, str) else list(value)


class TransformRule(_Rule):
    """Escape hatch: a named, allow-listed Python column transform (leavehub.mapping.transforms)."""

    transform: str


class WhenRule(_Rule):
    """Conditional value: ``then`` where the condition holds, ``else`` (or the value so far) elsewhere.

    ``then``/``else`` are pipelines that start from the value so far (so ``[trim]`` works) or replace it
    (``{const: X}``, ``{source: COL}``). Example:
    ``{when: {column: DECISION, eq: Approved}, then: {const: ON_LEAVE}, else: {const: ACTIVE}}``.
    """

    when: Condition
    then: FieldRule
    else_: FieldRule | None = Field(default=None, alias="else")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


STEP_CLASSES: dict[str, type[_Rule]] = {
    "source": SourceRule, "path": PathRule, "const": ConstRule, "business_date": BusinessDateRule,
    "default": DefaultRule,
    "required": RequiredRule, "trim": TrimRule, "case": CaseRule, "strip": StripRule, "regex": RegexRule,
    "date": DateRule, "datetime": DatetimeRule, "decimal": DecimalRule, "integer": IntegerRule,
    "code": CodeRule, "split": SplitRule, "join": JoinRule, "concat": ConcatRule, "bool": BoolRule,
    "transform": TransformRule, "when": WhenRule, "null_if": NullIfRule, "coalesce": CoalesceRule,
    "latest": LatestRule, "earliest": EarliestRule,
}
STEP_WORDS: tuple[str, ...] = ("trim", "required", "integer")
"""Rules without arguments may be written as a bare word in a pipeline list: ``[{source: X}, trim]``."""


def _reject_unknown_rule(value: Any) -> Any:
    raise ValueError(f"unknown rule; expected one of {', '.join(STEP_CLASSES)}")


class _UnknownRule(BaseModel):
    """Catches a rule object with no known key, so the error points at that key (``trimm:``), not at a
    union tag; never in the JSON Schema."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Annotated[Any, AfterValidator(_reject_unknown_rule)]]


def _step_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if "when" in value:
            return "when"
        return next((k for k in value if k in STEP_CLASSES), "unknown" if value else None)
    return next((k for k, c in STEP_CLASSES.items() if type(value) is c), None)


Step = Annotated[
    Union[  # type: ignore[valid-type]
        (*(Annotated[cls, Tag(key)] for key, cls in STEP_CLASSES.items()),
         Annotated[SkipJsonSchema[_UnknownRule], Tag("unknown")])
    ],
    Discriminator(_step_tag, custom_error_type="unknown_rule",
                  custom_error_message=f"expected a rule, one of {', '.join(STEP_CLASSES)}"),
]


def _known_word(value: Any) -> Any:
    """A bare word must be one of STEP_WORDS; the error names the word it got (``trimm``)."""
    if isinstance(value, str) and value not in STEP_WORDS:
        raise ValueError(f"unknown rule word {value!r}; a bare word is one of {', '.join(STEP_WORDS)} "
                         f"(other rules are objects, e.g. {{{value}: ...}})")
    return value


StepWord = Annotated[Literal["trim", "required", "integer"], BeforeValidator(_known_word)]


def _shape_tag(value: Any) -> str:
    return "word" if isinstance(value, str) else "pipeline" if isinstance(value, list) else "rule"


PipelineItem = Annotated[
    Union[Annotated[StepWord, Tag("word")], Annotated[Step, Tag("rule")]],  # noqa: UP007
    Discriminator(_shape_tag),
]
FieldRule = Annotated[
    Union[  # noqa: UP007
        Annotated[str, Tag("word")], Annotated[Step, Tag("rule")],
        Annotated[list[PipelineItem], Field(min_length=1), Tag("pipeline")],
    ],
    Discriminator(_shape_tag),
]
"""A column name (shorthand for ``{source: NAME}``), one rule, or a pipeline list of rules."""

for _rule in (WhenRule, ConcatSpec, ConcatRule, CoalesceRule, LatestRule, EarliestRule):
    _rule.model_rebuild()


def steps_of(rule: Any) -> list[Any]:
    """The pipeline of a field rule as a list of rule objects (expands shorthands).

    Example: ``steps_of("SSN") == [SourceRule(source="SSN")]``.
    """
    if isinstance(rule, str):
        return [SourceRule(source=rule)]
    if isinstance(rule, list):
        return [STEP_CLASSES[item].model_validate({item: True}) if isinstance(item, str) else item
                for item in rule]
    return [rule]


# --- targets, outbound source, file -------------------------------------------------------------------

Aggregate = Literal["min", "max", "same"]


class Target(_Rule):
    """One canonical entity produced from each (filtered) vendor record, or with ``group_by`` one per group.

    A grouped target (``group_by: [case_number]``, its own field names) maps every row, then keeps one row
    per group: fields named in ``aggregate`` take the ``min`` or ``max`` of the group's non-empty values,
    every other field must be the ``same`` on all rows of a group that have it (a difference is a row error).
    Example: a leave case from its periods, ``aggregate: {first_day_absent: min, last_day_absent: max}``.
    A group is aggregated over the rows of one file: each file must carry every row of the groups it touches.
    """

    entity: str
    filter: Condition | None = Field(default=None, description="produce this entity only for rows where true")
    fields: dict[str, FieldRule] = Field(min_length=1)
    group_by: list[str] | None = Field(default=None, min_length=1,
                                       description="fields of this target: one entity per distinct value")
    aggregate: dict[str, Aggregate] = Field(default_factory=dict,
                                            description="field -> min | max | same over a group")

    @model_validator(mode="after")
    def _grouping_names_fields(self) -> Target:
        if self.aggregate and not self.group_by:
            raise ValueError("'aggregate' needs 'group_by'")
        for name in [*(self.group_by or []), *self.aggregate]:
            if name not in self.fields:
                raise ValueError(f"{name!r} in group_by/aggregate is not a field of this target")
        return self


class Join(_Rule):
    """Join the current rows of another entity onto the base on key column(s), optionally filtered and
    with its columns prefixed (``prefix: std_`` -> ``std_plan_code``); ``latest_by`` keeps one row per key.
    Without a prefix, a column the query
    already has (``updated_at``) keeps the earlier entity's value; a prefix reaches the joined one."""

    entity: str
    on: str | list[str]
    how: Literal["left", "inner"] = "left"
    where: Condition | None = None
    prefix: str = Field(default="", pattern=r"^([a-z][a-z0-9_]*)?$")
    latest_by: str | None = Field(default=None, description="keep one joined row per key: the one with the "
                                  "largest value of this column (the leave period that started last)")

    @property
    def keys(self) -> list[str]:
        return [self.on] if isinstance(self.on, str) else list(self.on)


class OutboundSource(_Rule):
    """A query over the canonical store: a base entity (current rows), joins, a filter and an order."""

    entity: str
    joins: list[Join] = Field(default_factory=list)
    order_by: list[str] = Field(default_factory=list)

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.entity, *(j.entity for j in self.joins)]))


class ChangeMarks(_Rule):
    """Outbound: vendor columns the hub fills per record with what happened to it since the last file sent.

    A FULL file marks every record ``audit``; a CHANGE file carries only records that are new (``add``), differ
    (``change``), left the population (``term``, written from their last sent values) or leave the
    ``reinstate_when_leaving`` state (``reinstate``), each translated through ``codes``; ``date_column`` gets
    the business date on change files. Records are told apart by the feed's ``record_key``.
    """

    column: str
    codes: dict[Literal["audit", "add", "change", "term", "reinstate"], str]
    date_column: str | None = None
    date_format: str = "%Y%m%d"
    reinstate_when_leaving: Condition | None = None


# --- file sets: several files of one extract, joined before mapping (leavehub.mapping.file_sets) ------

class FileSetMember(_Rule):
    """A file joined onto the base: its layout, the key columns (base column -> this file's column), whether
    every base row must have a row here, and a prefix for its columns (``PD_`` -> ``PD_AMOUNT``)."""

    layout: dict[str, Any] = Field(description="this file's layout, as a mapping's `layout`")
    on: dict[str, str] = Field(min_length=1, description="base column -> this file's column")
    required: bool = Field(default=False, description="every base row has a row in this file")
    prefix: str = Field(default="", pattern=r"^([A-Za-z][A-Za-z0-9_]*)?$")


class FileSet(_Rule):
    """The files of one extract: ``base`` is vendor.yaml's name of the base file (its layout is the mapping's
    ``layout``); ``join`` the other members by their vendor.yaml names."""

    base: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    join: dict[str, FileSetMember] = Field(min_length=1)

    @model_validator(mode="after")
    def _base_is_not_joined(self) -> FileSet:
        if self.base in self.join:
            raise ValueError(f"the base file {self.base!r} is not joined onto itself")
        return self

    @property
    def members(self) -> tuple[str, ...]:
        return (self.base, *self.join)


def member_columns(member: FileSetMember, columns: list[str]) -> dict[str, str]:
    """This member's columns as the mapping sees them (key columns are the base's): file column -> name."""
    keys = set(member.on.values())
    return {c: member.prefix + c for c in columns if c not in keys}


def _belongs_to(direction: Literal["in", "out"], key: str, instead: str) -> Any:
    """A key of the other direction's mappings: refused with a message that says whose key it is. Never in the
    JSON Schema (there the branch simply does not have it); always None on a valid mapping."""
    side = "inbound" if direction == "in" else "outbound"
    other = "outbound" if direction == "in" else "inbound"

    def refuse(value: Any) -> Any:
        raise ValueError(f"'{key}' belongs to {other} mappings; {side} ones (direction: {direction}) "
                         f"use {instead}")

    return SkipJsonSchema[Annotated[Any, AfterValidator(refuse)]]


class _MappingBase(_Rule):
    """What every mapping file says, whatever its direction."""

    version: int = Field(ge=1, description="revision of this mapping; bump on every change")
    effective_date: dt.date = Field(description="the business date from which this revision applies")
    vendor: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    feed: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    layout: dict[str, Any] = Field(default_factory=dict, description="file layout, checked by connectors.formats")
    codes: str | None = Field(default=None, description="codes file next to this one, e.g. codes.yaml")
    filters: Condition | list[Condition] | None = Field(
        default=None, description="inbound: the vendor records to map; outbound: the store rows to send")


_INBOUND_KEYS = "'targets' (and 'file_set')"
_OUTBOUND_KEYS = "'source' and 'columns' (and 'changes')"


class InboundMapping(_MappingBase):
    """``direction: in``: vendor records -> canonical entities, one ``Target`` per entity produced; a file set
    joins the other files of one extract first. ``source``, ``columns`` and ``changes`` are refused."""

    direction: Literal["in"]
    # the other direction's keys first: a file whose direction was flipped is told that before what it lacks
    source: _belongs_to("in", "source", _INBOUND_KEYS) = None  # type: ignore[valid-type]
    columns: _belongs_to("in", "columns", _INBOUND_KEYS) = None  # type: ignore[valid-type]
    changes: _belongs_to("in", "changes", _INBOUND_KEYS) = None  # type: ignore[valid-type]
    targets: list[Target] = Field(min_length=1)
    file_set: FileSet | None = Field(default=None, description="other files of the same extract, joined onto "
                                                               "this layout's rows before mapping")


class OutboundMapping(_MappingBase):
    """``direction: out``: a query over the store (``source``) -> the vendor's ``columns``, in output order,
    optionally with per-record change marks. ``targets`` and ``file_set`` are refused."""

    direction: Literal["out"]
    targets: _belongs_to("out", "targets", _OUTBOUND_KEYS) = None  # type: ignore[valid-type]
    file_set: _belongs_to("out", "file_set", _OUTBOUND_KEYS) = None  # type: ignore[valid-type]
    source: OutboundSource
    columns: dict[str, FieldRule] = Field(min_length=1)
    changes: ChangeMarks | None = Field(default=None, description="outbound: per-record change marks")


MappingFile = Annotated[
    Union[Annotated[InboundMapping, Tag("in")], Annotated[OutboundMapping, Tag("out")]],  # noqa: UP007
    Field(discriminator="direction"),
]
"""A whole mapping file: an ``InboundMapping`` or an ``OutboundMapping``, told apart by ``direction``
(a pydantic discriminated union: a key of the other direction is refused, naming it)."""

def parse_mapping(data: Any) -> InboundMapping | OutboundMapping:
    """Validate a mapping file's parsed YAML (a pydantic ``ValidationError`` names the bad key).

    Example: ``parse_mapping(yaml.safe_load(text)).direction``.
    """
    return _MAPPING_ADAPTER.validate_python(data)


def mapping_schema() -> dict[str, Any]:
    """The JSON Schema of a mapping file (both directions)."""
    return _MAPPING_ADAPTER.json_schema(by_alias=True)


for _cls in (AnyOf, AllOf, Not, Target, Join, OutboundSource, ChangeMarks, InboundMapping, OutboundMapping):
    _cls.model_rebuild()

_MAPPING_ADAPTER: TypeAdapter[InboundMapping | OutboundMapping] = TypeAdapter(MappingFile)
