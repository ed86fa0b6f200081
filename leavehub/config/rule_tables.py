"""The dated rule tables that ship with the pay engine (``leavehub/rules/tables/*.csv``), loaded and checked.

Law changes by date, so each table holds one row per rule VERSION with ``effective_from``/``effective_to``
and the citation it rests on; ``table_version`` names the row on every instruction line that used it. The
engine (``leavehub.rules``) is pure and takes a loaded :class:`RuleTables`; this module does the reading.
Errors name the file, the line and the column, like every other config loader.

Example::

    tables = load_rule_tables()
    tables.state_plans_on(date(2026, 3, 2))["MA_PFML"].topup_cap      # "aww"
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.codes import PlanCode
from schemas.errors import ConfigError

__all__ = [
    "DEFAULT_TABLES_DIR",
    "FinalPayDeductionRule",
    "RuleTables",
    "StatePlanRule",
    "ThirdPartySickPayRule",
    "WageDeductionRule",
    "load_rule_tables",
]

DEFAULT_TABLES_DIR = Path(__file__).resolve().parents[1] / "rules" / "tables"
R = TypeVar("R", bound="_DatedRow")


class _DatedRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table_version: Annotated[str, Field(pattern=r"^[A-Z0-9_]+@\d{4}-\d{2}-\d{2}$")]
    effective_from: date
    effective_to: date | None = None
    citation: Annotated[str, Field(min_length=3)]

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _range_is_ordered(self) -> Self:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


YesNo = Literal["Y", "N"]


class StatePlanRule(_DatedRow):
    """What a state paid family/medical leave program lets the employer do while it pays."""

    plan: PlanCode
    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    benefit_kind: Literal["family", "medical", "family_medical"]
    employer_may_require_pto: YesNo
    topup_allowed: YesNo
    topup_requires: Literal["none", "agreement", "election"]
    topup_cap: Literal["pay_100", "aww"]
    # how the state defines the AWW (leavehub.rules.wages): by the wages of the highest quarters, or the base wage
    aww_definition: Literal["base_weekly_wage", "highest_2_of_last_4_quarters", "highest_2_of_base_period"] \
        | None = None
    primary_payor: YesNo

    @model_validator(mode="after")
    def _aww_cap_names_its_definition(self) -> Self:
        if self.topup_cap == "aww" and self.aww_definition is None:
            raise ValueError("topup_cap aww needs aww_definition")
        return self


class ThirdPartySickPayRule(_DatedRow):
    """Whether a plan's benefit is third-party sick pay (memo lines) and how its taxable share is found."""

    plan: PlanCode
    third_party_sick_pay: Literal["Y", "N", "medical_reasons"]
    taxable_share_source: Literal["premium_history", "employer_contribution", "none"]
    employer_contribution_percent: Annotated[Decimal, Field(ge=0, le=100)] | None = None


class WageDeductionRule(_DatedRow):
    """Whether a state lets the employer deduct an overpayment/advance from later pay, and the cap per check."""

    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    deduction_allowed: YesNo
    requires_signed_agreement: YesNo
    cap_percent_per_check: Annotated[Decimal, Field(gt=0, le=100)] | None = None
    cap_basis: Literal["gross", "disposable"] | None = None


class FinalPayDeductionRule(_DatedRow):
    """Whether a state lets the employer take what a leaver owes (e.g. recoverable premiums) from final pay."""

    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    deduction_allowed: YesNo
    requires_signed_agreement: YesNo


class RuleTables(BaseModel):
    """All rule tables, every version. Pick the rows in force on a day with the ``*_on`` methods."""

    model_config = ConfigDict(frozen=True)

    state_plans: tuple[StatePlanRule, ...]
    third_party_sick_pay: tuple[ThirdPartySickPayRule, ...]
    wage_deductions: tuple[WageDeductionRule, ...]
    final_pay_deductions: tuple[FinalPayDeductionRule, ...] = ()

    def state_plans_on(self, day: date) -> dict[str, StatePlanRule]:
        return {r.plan.value: r for r in self.state_plans if r.in_force(day)}

    def third_party_sick_pay_on(self, day: date) -> dict[str, ThirdPartySickPayRule]:
        return {r.plan.value: r for r in self.third_party_sick_pay if r.in_force(day)}

    def wage_deductions_on(self, day: date) -> dict[str, WageDeductionRule]:
        return {r.state: r for r in self.wage_deductions if r.in_force(day)}

    def final_pay_deductions_on(self, day: date) -> dict[str, FinalPayDeductionRule]:
        return {r.state: r for r in self.final_pay_deductions if r.in_force(day)}


def _read(path: Path, model: type[R], key: tuple[str, ...]) -> tuple[R, ...]:
    """Rows of one CSV table; two versions of the same rule may not overlap in time."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read rule table: {exc.strerror}", file=str(path)) from None
    rows: list[tuple[int, R]] = []
    reader = csv.DictReader(text.splitlines())
    for line, record in enumerate(reader, start=2):
        if None in record or None in record.values():
            raise ConfigError("wrong number of columns", file=str(path), line=line)
        try:
            rows.append((line, model.model_validate(record)))
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            column = ".".join(str(p) for p in err["loc"]) or None
            raise ConfigError(err["msg"], file=str(path), key_path=column, line=line) from None
    seen: dict[tuple, list[tuple[int, R]]] = {}
    for line, row in rows:
        ident = tuple(getattr(row, k) for k in key)
        for _, other in seen.get(ident, []):
            ends = other.effective_to or date.max
            if row.effective_from <= ends and (row.effective_to or date.max) >= other.effective_from:
                raise ConfigError(f"overlaps {other.table_version}", file=str(path), key_path="effective_from",
                                  line=line)
        seen.setdefault(ident, []).append((line, row))
    return tuple(row for _, row in rows)


def load_rule_tables(folder: Path | None = None) -> RuleTables:
    """Load the tables from ``folder`` (default: the ones shipped in ``leavehub/rules/tables``)."""
    base = Path(folder) if folder is not None else DEFAULT_TABLES_DIR
    return RuleTables(
        state_plans=_read(base / "state_plans.csv", StatePlanRule, ("plan",)),
        third_party_sick_pay=_read(base / "third_party_sick_pay.csv", ThirdPartySickPayRule, ("plan",)),
        wage_deductions=_read(base / "wage_deductions.csv", WageDeductionRule, ("state",)),
        final_pay_deductions=_read(base / "final_pay_deductions.csv", FinalPayDeductionRule, ("state",)),
    )
