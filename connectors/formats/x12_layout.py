"""The X12 layout a mapping file declares: envelope identities and the segments of a transaction set, as data.

An X12 file is an interchange (ISA ... IEA) holding one functional group (GS ... GE) holding one transaction
set (ST ... SE). The mapping states everything vendor-specific here; the writer in
:mod:`connectors.formats.x12` only knows the envelope rules (counts, control numbers, separators).

A segment is a list: its id, then one entry per element, each one of

- a literal text (``"18"``, ``""`` for an empty element),
- ``{column: NAME}``: the value of the mapped vendor column for the current record,
- ``{param: NAME}``: a value of the run (``business_date``, ``created_date``, ``created_time``,
  ``control_number``, ``file_kind`` or a value the caller passes, such as the employer's FEIN), optionally
  translated through ``codes`` (``{param: file_kind, codes: {full: RX, change: "2"}}``).

A segment with at least one column element is left out when all of them are empty (``DTP*297`` only for
disability leave); empty trailing elements are dropped. ``record`` segments are written once per record
(consecutive rows with equal ``key`` columns); its ``repeat`` segments once per row (one ``HD`` loop per
coverage).

Example::

    layout = parse_layout({"type": "x12", "transaction_set": "834", "functional_id": "BE",
                           "implementation": "005010X220A1", "sender": {"id": "HUB"},
                           "receiver": {"id": "CARRIER"}, "record": {"key": ["SSN"], "segments": [...]}})
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ColumnElement",
    "Element",
    "ParamElement",
    "X12Layout",
    "X12Party",
    "X12Record",
    "X12Segment",
]

SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class ColumnElement(_Strict):
    """The current record's value of a vendor column."""

    column: str = Field(min_length=1)


class ParamElement(_Strict):
    """A value of the run, optionally translated through ``codes`` (an unknown value is a config error)."""

    param: str = Field(min_length=1)
    codes: dict[str, str] | None = None


Element = str | ColumnElement | ParamElement


class X12Segment(_Strict):
    """A segment id and its elements (written ``[ID, el1, el2, ...]`` in a mapping)."""

    id: str
    elements: tuple[Element, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            if not data or not isinstance(data[0], str):
                raise ValueError("a segment is a list starting with its id, e.g. [REF, '0F', {column: SSN}]")
            return {"id": data[0], "elements": list(data[1:])}
        return data

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not SEGMENT_ID.match(value):
            raise ValueError(f"segment id {value!r} is not 2-3 upper-case letters/digits")
        if value in ENVELOPE_IDS:
            raise ValueError(f"{value} is written by the envelope, not the layout")
        return value

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(e.column for e in self.elements if isinstance(e, ColumnElement))


class X12Party(_Strict):
    """An interchange sender or receiver: ISA qualifier (``ZZ`` mutually defined, ``30`` FEIN ...) and id."""

    qualifier: str = Field(default="ZZ", pattern=r"^[A-Z0-9]{2}$")
    id: str = Field(min_length=1, max_length=15, pattern=r"^[A-Za-z0-9 .\-]+$")


class X12Record(_Strict):
    """The per-record part of the set: ``segments`` once per record, ``repeat`` once per row of it."""

    key: tuple[str, ...] = Field(min_length=1)
    segments: tuple[X12Segment, ...] = Field(min_length=1)
    repeat: tuple[X12Segment, ...] = ()


class X12Layout(_Strict):
    """An outbound X12 transaction set: envelope identities, header segments, the record loop, trailer."""

    type: Literal["x12"] = "x12"
    transaction_set: str = Field(pattern=r"^[0-9]{3}$", description="ST01, e.g. 834")
    implementation: str = Field(pattern=r"^[0-9]{6}X[0-9]{3}(A[0-9])?$", description="GS08/ST03")
    functional_id: str = Field(pattern=r"^[A-Z]{2}$", description="GS01, e.g. BE for an 834")
    sender: X12Party
    receiver: X12Party
    usage: Literal["P", "T"] = Field(default="P", description="ISA15 production or test")
    ack_requested: Literal["0", "1"] = Field(default="1", description="ISA14: ask for a TA1")
    header: tuple[X12Segment, ...] = ()
    record: X12Record
    trailer: tuple[X12Segment, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every vendor column the layout reads, in first-use order."""
        segments = (*self.header, *self.record.segments, *self.record.repeat, *self.trailer)
        names = [*self.record.key, *(c for s in segments for c in s.columns)]
        return tuple(dict.fromkeys(names))

    @property
    def params(self) -> tuple[str, ...]:
        segments = (*self.header, *self.record.segments, *self.record.repeat, *self.trailer)
        return tuple(dict.fromkeys(e.param for s in segments for e in s.elements if isinstance(e, ParamElement)))
