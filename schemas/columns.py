"""Column types the canonical models share beyond money and hours: UTC timestamps, SSN, codes and keys.

Kept small and column-friendly: each is a plain ``str``, ``date``, ``datetime`` or ``Decimal`` with a
constraint, so a model maps one-to-one onto a data frame column and a database column. Errors name the
constraint, never the value (the models hide input in errors).

Example::

    class Employee(CanonicalModel):
        ssn: Annotated[Ssn | None, Pii("ssn")] = None
        updated_at: UtcDatetime
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

__all__ = [
    "Key",
    "Months",
    "Rate",
    "SignedHours",
    "Ssn",
    "StateCode",
    "UtcDatetime",
]


def _to_utc(value: datetime) -> datetime:
    """All stored times are UTC: convert an aware timestamp in any zone to UTC."""
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A tz-aware timestamp, normalised to UTC. A naive timestamp is refused: its zone would be a guess."""

Ssn = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]
"""Nine digits, no dashes (mappings strip ``123-45-6789`` to ``123456789`` at the edge)."""

StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""A US state or territory as its two-letter USPS code (``CA``)."""

Key = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
"""An identifier from a vendor or the hub (employee id, case number, record key): non-empty text."""

SignedHours = Annotated[Decimal, Field(max_digits=9, decimal_places=2)]
"""Hours that may go negative: a time-off balance in deficit, a register correction."""

Months = Annotated[Decimal, Field(max_digits=7, decimal_places=2, ge=0)]
"""Months of service, fractional (FMLA counts 12 months that need not be consecutive)."""

Rate = Annotated[Decimal, Field(max_digits=14, decimal_places=4, ge=0)]
"""A premium rate per volume unit (4 dp)."""
