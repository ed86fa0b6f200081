"""Field types shared by every canonical model: exact money and hours, and the PII marker.

Money and hours are ``Decimal`` (never float). A field that holds personal data the hub must protect is
marked with :class:`Pii`; the store encrypts such fields at rest (AES-GCM) with a keyed hash to match on,
and logs, error reports and quarantine reports never show their values.

Example::

    class Employee(CanonicalModel):
        ssn: Annotated[str | None, Pii("ssn")] = None

    pii_fields(Employee)  # {"ssn": "ssn"}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.checks import Checks

__all__ = ["CanonicalModel", "Hours", "Money", "NonNegativeMoney", "Percent", "Pii", "PiiKind", "pii_fields"]

PiiKind = Literal["ssn", "birth_date", "name", "address", "contact"]


@dataclass(frozen=True)
class Pii:
    """Marks a field as personal data of the given kind."""

    kind: PiiKind

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema["x-pii"] = self.kind
        return schema


Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
NonNegativeMoney = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=0)]
"""An amount that is never negative whatever the transaction (a weekly benefit, a pay rate, a premium rate)."""
Hours = Annotated[Decimal, Field(max_digits=9, decimal_places=2, ge=0)]
Percent = Annotated[Decimal, Field(max_digits=7, decimal_places=4, ge=0, le=100)]


class CanonicalModel(BaseModel):
    """Base of every canonical record: strict about unknown keys, and silent about input values in errors.

    ``record_checks`` are the model's cross-field rules (:mod:`schemas.checks`), enforced here per record and
    by the mapping engine per column; models declare them instead of writing validators.
    """

    record_checks: ClassVar[Checks] = ()

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_enum_values=False,
        # pydantic echoes the input value in ValidationError text unless told not to: PII must never leak.
        hide_input_in_errors=True,
    )

    @model_validator(mode="after")
    def _record_checks_hold(self) -> Self:
        failed = [check.message for check in type(self).record_checks if not check.holds(self)]
        if failed:
            raise ValueError("; ".join(failed))
        return self


def pii_fields(model: type[BaseModel]) -> dict[str, PiiKind]:
    """Names of the PII fields of ``model`` with their kind."""
    out: dict[str, PiiKind] = {}
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            if isinstance(meta, Pii):
                out[name] = meta.kind
    return out
