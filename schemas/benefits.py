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
from typing import Annotated, ClassVar

from pydantic import Field

from schemas.checks import Checks, FirstOfMonth, Ordered
from schemas.codes import (
    CoverageTier,
    PlanType,
    PremiumAdjustmentReason,
    PremiumEntryType,
    PremiumShare,
    TaxTreatment,
)
from schemas.columns import Key, Label, Rate, UtcDatetime
from schemas.types import CanonicalModel, Money, NonNegativeMoney

__all__ = ["Enrollment", "PremiumBillLine", "PremiumLedgerEntry"]


class Enrollment(CanonicalModel):
    """An employee's election in one benefit plan, effective-dated, with the per-pay-period premium shares."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "plan_type", "effective_from")
    record_checks: ClassVar[Checks] = (Ordered("effective_from", "effective_to"),)

    employee_id: Key
    plan_type: PlanType
    carrier: Key | None = None
    plan_code: Key | None = None
    coverage_tier: CoverageTier | None = None
    coverage_amount: NonNegativeMoney | None = None
    benefit_salary: NonNegativeMoney | None = None
    employee_premium_per_period: NonNegativeMoney | None = None
    employer_premium_per_period: NonNegativeMoney | None = None
    tax_treatment: TaxTreatment | None = None
    deduction_code: Key | None = None
    effective_from: date
    effective_to: date | None = None
    updated_at: UtcDatetime | None = None


class PremiumLedgerEntry(CanonicalModel):
    """One movement of a premium share during leave; positive ``amount`` increases what is owed.

    ``recoverable`` records the 29 CFR 825.213 verdict for employer-share entries (None = not yet known);
    ``rule_version`` names the policy and rate tables used, so a retro re-price can be explained.
    """

    natural_key: ClassVar[tuple[str, ...]] = ("entry_id",)
    record_checks: ClassVar[Checks] = (Ordered("coverage_start", "coverage_end"),)

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
    rule_version: Label | None = None
    recorded_at: UtcDatetime


class PremiumBillLine(CanonicalModel):
    """A line of the carrier's monthly premium bill (``coverage_month`` is the first day of the month)."""

    natural_key: ClassVar[tuple[str, ...]] = (
        "group_number", "bill_month", "employee_id", "coverage", "coverage_month", "adjustment_reason",
    )
    record_checks: ClassVar[Checks] = (FirstOfMonth("bill_month"), FirstOfMonth("coverage_month"))

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
