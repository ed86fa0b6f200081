"""The file layouts a mapping file declares: delimited, fixed width, JSON and X12, discriminated on ``type``.

A layout is data, not code: a vendor's mapping names one of these under ``layout:`` and the readers and
writers in this package follow it. Every choice is a closed set (``Literal``) and unknown keys are refused,
so a typo in a mapping fails the deploy instead of silently reading the file another way.

Example::

    layout = parse_layout({"type": "delimited", "delimiter": "|", "trailer": {"tag": "TRL"}})
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from connectors.formats.x12_layout import X12Layout
from schemas.errors import ConfigError

__all__ = [
    "BusinessDateField",
    "CountField",
    "DelimitedColumn",
    "DelimitedLayout",
    "Encoding",
    "FixedField",
    "FixedMarkerField",
    "FixedMarkerRecord",
    "FixedWidthLayout",
    "JsonLayout",
    "Layout",
    "LineTerminator",
    "LiteralField",
    "Sensitive",
    "TrailerSpec",
    "X12Layout",
    "parse_layout",
]

# Encodings the readers validate byte by byte; anything else is decoded to UTF-8 at the edge.
Encoding = Literal["utf-8", "latin-1", "cp1252", "ascii"]
LineTerminator = Literal["\r\n", "\n"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


def _check_date_format(fmt: str) -> str:
    """A business-date format must round-trip a date, e.g. ``%Y%m%d``."""
    probe = date(2026, 11, 20)
    try:
        back = datetime.strptime(probe.strftime(fmt), fmt).date()
    except ValueError as exc:
        raise ValueError(f"business_date format {fmt!r} does not parse back") from exc
    if back != probe:
        raise ValueError(f"business_date format {fmt!r} loses part of the date")
    return fmt


class LiteralField(_Strict):
    """A fixed text in a trailer, e.g. ``{"literal": "EOF"}``."""

    literal: str


class CountField(_Strict):
    """The number of data records (header and trailer excluded): ``{"count": true}``."""

    count: Literal[True]


class BusinessDateField(_Strict):
    """The business date of the file, in a strftime format: ``{"business_date": "%Y%m%d"}``."""

    business_date: str = "%Y%m%d"

    @model_validator(mode="after")
    def _format_round_trips(self) -> BusinessDateField:
        _check_date_format(self.business_date)
        return self


def _trailer_kind(value: Any) -> str | None:
    """Which trailer field a mapping wrote, by its one key (so errors point at that key)."""
    if isinstance(value, Mapping):
        return next((k for k in ("literal", "count", "business_date") if k in value), None)
    return {LiteralField: "literal", CountField: "count", BusinessDateField: "business_date"}.get(type(value))


TrailerField = Annotated[
    Annotated[LiteralField, Tag("literal")]
    | Annotated[CountField, Tag("count")]
    | Annotated[BusinessDateField, Tag("business_date")],
    Discriminator(_trailer_kind, custom_error_type="trailer_field",
                  custom_error_message="a trailer field is one of literal, count or business_date"),
]


class TrailerSpec(_Strict):
    """A final record such as ``TRL|<record count>|<YYYYMMDD>``: the tag, then the fields in order.

    It is split on the layout's delimiter without quoting (trailers carry no free text).
    """

    tag: str = "TRL"
    fields: tuple[TrailerField, ...] = (CountField(count=True), BusinessDateField())


Sensitive = Literal["never_read"]
"""``never_read``: a column the hub must not hold (a diagnosis, a bank account). Its values are dropped by the
reader before anything else sees them: never mapped, stored, logged, previewed or reported."""


class DelimitedColumn(_Strict):
    """A declared column with options: ``{name: DIAGNOSIS, sensitive: never_read}``."""

    name: str = Field(min_length=1)
    sensitive: Sensitive | None = None


def _column_names(data: Any) -> Any:
    """``columns`` may mix names and ``{name, sensitive}`` objects: keep names, collect the never-read ones."""
    if not isinstance(data, Mapping) or not isinstance(data.get("columns"), list | tuple):
        return data
    names, never = [], list(data.get("never_read") or ())
    for item in data["columns"]:
        if isinstance(item, Mapping):
            column = DelimitedColumn.model_validate(dict(item))
            names.append(column.name)
            if column.sensitive == "never_read":
                never.append(column.name)
        else:
            names.append(item)
    return {**data, "columns": names, "never_read": tuple(never)}


class DelimitedLayout(_Strict):
    """Delimited text (RFC 4180 quoting with a configurable delimiter and quote).

    ``columns`` is the expected header when ``header`` is true (all must be present; extra columns are
    reported as schema drift, or refused with ``extra_columns: reject``) and the column names when it is
    false; on write it is the output order. A column may be declared ``{name: X, sensitive: never_read}``:
    the reader drops its values as soon as they are parsed (``never_read`` lists them).
    """

    type: Literal["delimited"] = "delimited"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote_char: str = Field(default='"', min_length=1, max_length=1)
    header: bool = True
    encoding: Encoding = "utf-8"
    write_bom: bool = False
    line_terminator: LineTerminator = "\r\n"
    columns: tuple[str, ...] | None = None
    trailer: TrailerSpec | None = None
    null_values: tuple[str, ...] = ("",)
    neutralise_formulas: bool = True
    extra_columns: Literal["allow", "reject"] = "allow"
    never_read: tuple[str, ...] = ()

    _names = model_validator(mode="before")(_column_names)

    @model_validator(mode="after")
    def _consistent(self) -> DelimitedLayout:
        if self.delimiter == self.quote_char:
            raise ValueError("delimiter and quote_char must differ")
        if self.delimiter in "\r\n" or self.quote_char in "\r\n":
            raise ValueError("delimiter and quote_char cannot be line breaks")
        if not self.header and not self.columns:
            raise ValueError("a layout without a header row must declare its columns")
        if self.columns is not None and len(set(self.columns)) != len(self.columns):
            raise ValueError("columns must be unique")
        if self.never_read and not set(self.never_read) <= set(self.columns or ()):
            raise ValueError("never_read names columns the layout declares")
        return self


class FixedField(_Strict):
    """One field of a fixed-width record; ``start`` is 1-based, widths count characters."""

    name: str = Field(min_length=1)
    start: int = Field(ge=1)
    width: int = Field(ge=1)
    align: Literal["left", "right"] = "left"
    pad: Literal[" ", "0"] = " "
    null_values: tuple[str, ...] | None = Field(
        default=None, description="words meaning no value here (after trimming); default: the layout's")
    sensitive: Sensitive | None = None

    @property
    def stop(self) -> int:
        """The 0-based exclusive end of the field."""
        return self.start - 1 + self.width


class FixedMarkerField(_Strict):
    """A field of a header or trailer record: exactly one of a literal, the record count or the date."""

    start: int = Field(ge=1)
    width: int = Field(ge=1)
    align: Literal["left", "right"] = "left"
    pad: Literal[" ", "0"] = " "
    literal: str | None = None
    count: bool = False
    business_date: str | None = None

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> FixedMarkerField:
        kinds = (self.literal is not None) + self.count + (self.business_date is not None)
        if kinds != 1:
            raise ValueError("a marker field is exactly one of literal, count or business_date")
        if self.business_date is not None:
            _check_date_format(self.business_date)
        return self


class FixedMarkerRecord(_Strict):
    """A header or trailer record recognised by its record-type ``prefix`` at position 1."""

    prefix: str = Field(min_length=1)
    fields: tuple[FixedMarkerField, ...] = ()


class FixedWidthLayout(_Strict):
    """Fixed-width records of ``record_length`` characters; optional header/trailer marker records.

    ``pad_short_records`` accepts detail lines whose trailing spaces were trimmed by the sender.
    ``detail_prefix`` is the record type every data record starts with (``D``): a line with another prefix
    is a row error naming its line. ``null_values`` are words that mean no value in any field
    (``00000000`` for an empty date); a field's own ``null_values`` replace them. A field declared
    ``sensitive: never_read`` is never sliced out of the record.
    """

    type: Literal["fixed_width"] = "fixed_width"
    fields: tuple[FixedField, ...] = Field(min_length=1)
    record_length: int = Field(ge=1)
    encoding: Encoding = "utf-8"
    line_terminator: LineTerminator = "\r\n"
    header: FixedMarkerRecord | None = None
    trailer: FixedMarkerRecord | None = None
    pad_short_records: bool = False
    detail_prefix: str | None = Field(default=None, min_length=1)
    null_values: tuple[str, ...] = ()

    @property
    def never_read(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.sensitive == "never_read")

    @model_validator(mode="after")
    def _fields_fit(self) -> FixedWidthLayout:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        spans = sorted((f.start - 1, f.stop, f.name) for f in self.fields)
        for (_, stop, name), (start, _, nxt) in pairwise(spans):
            if start < stop:
                raise ValueError(f"fields {name} and {nxt} overlap")
        if spans[-1][1] > self.record_length:
            raise ValueError(f"field {spans[-1][2]} ends after record_length {self.record_length}")
        if self.detail_prefix is not None:
            for marker in (self.header, self.trailer):
                if marker and (marker.prefix.startswith(self.detail_prefix)
                               or self.detail_prefix.startswith(marker.prefix)):
                    raise ValueError(f"detail prefix {self.detail_prefix!r} and marker prefix {marker.prefix!r} "
                                     "cannot be told apart")
        for marker in (self.header, self.trailer):
            for f in marker.fields if marker else ():
                if f.start <= len(marker.prefix) or f.start - 1 + f.width > self.record_length:
                    raise ValueError(f"a field of marker {marker.prefix!r} overlaps its prefix or the record end")
        return self


class JsonLayout(_Strict):
    """JSON pages ``{"data": [...], ...}``, a plain list, or JSON Lines.

    ``records_path`` is a dotted key into a page (``"data"``, ``"result.items"``). For an API feed it is stated
    once, as the endpoint's ``pagination.records_path`` in vendor.yaml (with how the API pages: cursor, page or
    offset); the feed's plan copies it here and a mapping must not repeat it.
    """

    type: Literal["json"] = "json"
    records_path: str = "data"
    booleans: list[str] = Field(default_factory=list, description="outbound: columns sent as JSON true/false "
                                                                  "(from the text true/false)")


Layout = Annotated[DelimitedLayout | FixedWidthLayout | JsonLayout | X12Layout, Field(discriminator="type")]
_LAYOUT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Layout)


def parse_layout(data: Mapping[str, Any]) -> DelimitedLayout | FixedWidthLayout | JsonLayout | X12Layout:
    """Validate a mapping file's ``layout:`` block; ConfigError names the key path of the first problem.

    Example: ``parse_layout({"type": "fixed_width", "record_length": 10, "fields": [...]})``
    """
    try:
        return _LAYOUT_ADAPTER.validate_python(dict(data))
    except ValidationError as exc:
        problems = exc.errors(include_input=False, include_url=False)
        first = problems[0]
        key_path = ".".join(str(p) for p in first["loc"])
        if not key_path and first["type"].startswith("union_tag"):
            key_path = "type"
        message = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'layout'}: {e['msg']}" for e in problems)
        raise ConfigError(f"invalid layout: {message}", key_path=key_path or None) from None
