"""Cross-field rules of the canonical models, declared as data so both engines enforce the same ones.

A rule that involves more than one field (an end before its start, a code that requires another field, a
sign that depends on the transaction type) is declared once in the model's ``record_checks`` and enforced
twice: per record by pydantic (the one model validator of :class:`~schemas.types.CanonicalModel`) and per
column by the mapping engine (``leavehub.mapping.validate``), which has a vectorized twin for every rule
class here. A model never writes its own ``@model_validator``: a test fails if one appears, because the
vectorized path would not know about it.

Null follows SQL's reading: a rule about a value that is absent holds (``Ordered`` with no end date),
except where the rule is about presence (``RequiredWhen``).

Example::

    class PayPeriod(CanonicalModel):
        record_checks: ClassVar[Checks] = (Ordered("period_start", "period_end"),)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "AbsentUnless",
    "Check",
    "Checks",
    "FirstOfMonth",
    "Ordered",
    "RequiredWhen",
    "Sign",
    "signs",
]

SignWord = Literal["non_negative", "non_positive", "negative", "zero"]
_SIGN_TEST = {
    "non_negative": lambda v: v >= 0, "non_positive": lambda v: v <= 0,
    "negative": lambda v: v < 0, "zero": lambda v: v == 0,
}
_SIGN_TEXT = {"non_negative": "negative", "non_positive": "positive", "negative": "not negative",
              "zero": "not zero"}


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | tuple) and not value)


def _in(value: Any, values: tuple[Any, ...]) -> bool:
    """``value in values`` where True/1 and False/0 are not the same thing, and enum members are their value."""
    value = getattr(value, "value", value)
    return any(value == w and type(value) is type(w) for w in (getattr(v, "value", v) for v in values))


@dataclass(frozen=True)
class Ordered:
    """``later`` is not before ``earlier`` (when both are given)."""

    earlier: str
    later: str

    @property
    def field(self) -> str:
        return self.later

    @property
    def message(self) -> str:
        return f"{self.later} is before {self.earlier}"

    def holds(self, record: Any) -> bool:
        start, end = getattr(record, self.earlier), getattr(record, self.later)
        return start is None or end is None or end >= start


@dataclass(frozen=True)
class FirstOfMonth:
    """A date that names a month is its first day."""

    field: str

    @property
    def message(self) -> str:
        return f"{self.field} must be the first day of a month"

    def holds(self, record: Any) -> bool:
        value = getattr(record, self.field)
        return value is None or value.day == 1


@dataclass(frozen=True)
class RequiredWhen:
    """``field`` is given when ``when`` is one of ``values``."""

    field: str
    when: str
    values: tuple[Any, ...]

    @property
    def message(self) -> str:
        return f"{self.field} is required when {self.when} is {' or '.join(map(str, self.values))}"

    def holds(self, record: Any) -> bool:
        return not _in(getattr(record, self.when), self.values) or not _is_empty(getattr(record, self.field))


@dataclass(frozen=True)
class AbsentUnless:
    """``field`` is empty (None or an empty list) unless ``when`` is one of ``values``."""

    field: str
    when: str
    values: tuple[Any, ...]

    @property
    def message(self) -> str:
        return f"{self.field} is given but {self.when} is not {' or '.join(map(str, self.values))}"

    def holds(self, record: Any) -> bool:
        return _is_empty(getattr(record, self.field)) or _in(getattr(record, self.when), self.values)


@dataclass(frozen=True)
class Sign:
    """The amount ``field`` has the sign ``sign`` when ``when`` is one of ``values`` (when given)."""

    field: str
    sign: SignWord
    when: str
    values: tuple[Any, ...]

    @property
    def message(self) -> str:
        return (f"{self.field} is {_SIGN_TEXT[self.sign]} but {self.when} is "
                f"{' or '.join(map(str, self.values))}")

    def holds(self, record: Any) -> bool:
        amount = getattr(record, self.field)
        return (amount is None or not _in(getattr(record, self.when), self.values)
                or _SIGN_TEST[self.sign](Decimal(amount)))


Check = Ordered | FirstOfMonth | RequiredWhen | AbsentUnless | Sign
Checks = tuple[Check, ...]


def signs(fields: tuple[str, ...], sign: SignWord, when: str, values: tuple[Any, ...]) -> Checks:
    """One :class:`Sign` per field: ``signs(("gross", "net"), "negative", "txn_type", ("CANCELLATION",))``."""
    return tuple(Sign(name, sign, when, values) for name in fields)
