"""Column types the canonical models share beyond money and hours: UTC timestamps, SSN, codes, keys, text.

Kept small and column-friendly: each is a plain ``str``, ``date``, ``datetime`` or ``Decimal`` with a
constraint, so a model maps one-to-one onto a data frame column and a database column. Errors name the
constraint, never the value (the models hide input in errors).

Every free-text field is bounded and :class:`Printable`: a maximum length (a 50 MB name from an API is refused,
not stored) and no control characters (NUL, newline, tab, DEL, the C1 range, the Unicode line separators).
NUL cannot be stored in PostgreSQL text at all, and a newline inside a key would split it in every file the
hub writes; such a value is a row error, never stored on one backend and refused by another.

Example::

    class Employee(CanonicalModel):
        ssn: Annotated[Ssn | None, Pii("ssn")] = None
        updated_at: UtcDatetime
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "CONTROL_CHARACTERS",
    "AddressLine",
    "City",
    "Email",
    "Key",
    "Label",
    "Months",
    "PathText",
    "PersonName",
    "PostalCode",
    "Printable",
    "Rate",
    "SignedHours",
    "Ssn",
    "StateCode",
    "UtcDatetime",
]

CONTROL_CHARACTERS = "[\x00-\x1f\x7f-\x9f\u2028\u2029]"
"""A character class (Python ``re`` and RE2 alike, written with the characters themselves) of what no text
field may hold: C0 controls (NUL, tab, newline ...), DEL, C1 controls and U+2028/U+2029."""

_CONTROL = re.compile(CONTROL_CHARACTERS)


def _refuse_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "contains a control character")
    return value


@dataclass(frozen=True)
class Printable:
    """Marks a text type that refuses control characters; pydantic checks it per value, the column engine
    reads the marker and checks whole columns (``leavehub.mapping.validate``)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_refuse_control_characters, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        out = handler(schema)
        out.setdefault("pattern", "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$")
        return out



def _to_utc(value: datetime) -> datetime:
    """All stored times are UTC: convert an aware timestamp in any zone to UTC."""
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A tz-aware timestamp, normalised to UTC. A naive timestamp is refused: its zone would be a guess."""

Ssn = Annotated[str, StringConstraints(max_length=9, pattern=r"^\d{9}$")]
"""Nine digits, no dashes (mappings strip ``123-45-6789`` to ``123456789`` at the edge)."""

StateCode = Annotated[str, StringConstraints(max_length=2, pattern=r"^[A-Z]{2}$")]
"""A US state or territory as its two-letter USPS code (``CA``)."""

Key = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True), Printable()]
"""An identifier from a vendor or the hub (employee id, case number, record key): non-empty text."""

PersonName = Annotated[str, StringConstraints(max_length=100), Printable()]
"""A first, middle or last name."""

AddressLine = Annotated[str, StringConstraints(max_length=120), Printable()]
City = Annotated[str, StringConstraints(max_length=80), Printable()]
PostalCode = Annotated[str, StringConstraints(max_length=20), Printable()]
Email = Annotated[str, StringConstraints(max_length=254), Printable()]
"""254 characters: the longest address SMTP can carry (RFC 5321)."""

Label = Annotated[str, StringConstraints(max_length=200), Printable()]
"""A short free-text label: a union code, the rule and table versions a computed record was made with."""

PathText = Annotated[str, StringConstraints(max_length=4096), Printable()]
"""A file path the hub wrote (PATH_MAX on Linux)."""

SignedHours = Annotated[Decimal, Field(max_digits=9, decimal_places=2)]
"""Hours that may go negative: a time-off balance in deficit, a register correction."""

Months = Annotated[Decimal, Field(max_digits=7, decimal_places=2, ge=0)]
"""Months of service, fractional (FMLA counts 12 months that need not be consecutive)."""

Rate = Annotated[Decimal, Field(max_digits=14, decimal_places=4, ge=0)]
"""A premium rate per volume unit (4 dp)."""
