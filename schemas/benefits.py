"""Canonical benefit records: enrollments, the premium ledger the hub keeps, and the carrier's bill.

Premiums during leave are tracked per employee, per plan, per coverage period and per plan year (a rate
change on Jan 1 makes two arrears buckets), as append-only ledger entries whose signed amounts sum to what
the employee owes.

Example::

    PremiumLedgerEntry(entry_id="PLE-1", employee_id="W000123", plan_type=PlanType.MEDICAL,
                       share=PremiumShare.EMPLOYEE, entry_type=PremiumEntryType.BLOCKED,
                       coverage_start=date(2026, 3, 1), coverage_end=date(2026, 3, 14), plan_year=2026,
                       amount=Decimal("120.00"), recorded_at=datetime(2026, 3, 20, tzinfo=UTC))
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Self

from pydantic import Field, model_validator

from schemas.codes import (
    CoverageTier,
    PlanType,
    PremiumAdjustmentReason,
    PremiumEntryType,
    PremiumShare,
    TaxTreatment,
)
from schemas.columns import Key, Rate, UtcDatetime
from schemas.types import CanonicalModel, Money

__all__ = ["Enrollment", "PremiumBillLine", "PremiumLedgerEntry"]


class Enrollment(CanonicalModel):
    """An employee's election in one benefit plan, effective-dated, with the per-pay-period premium shares."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "plan_type", "effective_from")

    employee_id: Key
    plan_type: PlanType
    carrier: Key | None = None
    plan_code: Key | None = None
    coverage_tier: CoverageTier | None = None
    coverage_amount: Money | None = None
    benefit_salary: Money | None = None
    employee_premium_per_period: Money | None = None
    employer_premium_per_period: Money | None = None
    tax_treatment: TaxTreatment | None = None
    deduction_code: Key | None = None
    effective_from: date
    effective_to: date | None = None
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _effective_range_is_ordered(self) -> Self:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self


class PremiumLedgerEntry(CanonicalModel):
    """One movement of a premium share during leave; positive ``amount`` increases what is owed.

    ``recoverable`` records the 29 CFR 825.213 verdict for employer-share entries (None = not yet known);
    ``rule_version`` names the policy and rate tables used, so a retro re-price can be explained.
    """

    natural_key: ClassVar[tuple[str, ...]] = ("entry_id",)

    entry_id: Key
    employee_id: Key
    plan_type: PlanType
    deduction_code: Key | None = None
    share: PremiumShare
    entry_type: PremiumEntryType
    coverage_start: date
    coverage_end: date
    plan_year: Annotated[int, Field(ge=1900, le=2999)]
    amount: Money
    check_date: date | None = None
    case_number: Key | None = None
    absence_period_key: Key | None = None
    recoverable: bool | None = None
    rule_version: str | None = None
    recorded_at: UtcDatetime

    @model_validator(mode="after")
    def _coverage_range_is_ordered(self) -> Self:
        if self.coverage_end < self.coverage_start:
            raise ValueError("coverage_end is before coverage_start")
        return self


class PremiumBillLine(CanonicalModel):
    """A line of the carrier's monthly premium bill (``coverage_month`` is the first day of the month)."""

    natural_key: ClassVar[tuple[str, ...]] = (
        "group_number", "bill_month", "employee_id", "coverage", "coverage_month", "adjustment_reason",
    )

    group_number: Key
    bill_month: date
    employee_id: Key
    coverage: PlanType
    coverage_month: date
    volume: Money | None = None
    rate: Rate | None = None
    premium: Money
    employee_share: Money | None = None
    employer_share: Money | None = None
    adjustment_reason: PremiumAdjustmentReason | None = None

    @model_validator(mode="after")
    def _months_are_first_days(self) -> Self:
        for name in ("bill_month", "coverage_month"):
            if getattr(self, name).day != 1:
                raise ValueError(f"{name} must be the first day of a month")
        return self
