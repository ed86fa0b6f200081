"""Canonical leave records: cases, plan decisions on absence periods, intermittent episodes, benefit payments.

Shapes follow the leave administrators' extracts (FINEOS-style): one stable key per absence period and per
payment, and append-only events (a cancellation is a new payment row that names the one it reverses). The
reason is a CATEGORY, never a diagnosis. A period row is the LATEST state of one plan decision; the store
keeps the history by ``updated_at``.

Example::

    LeavePeriod(case_number="NTN-1001", absence_period_key="PL-1", employee_id="W000123",
                plan=PlanCode.FMLA, period_type=PeriodType.CONTINUOUS, decision=Decision.APPROVED,
                period_start=date(2026, 3, 2), updated_at=datetime(2026, 3, 1, tzinfo=UTC))
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import Field

from schemas.checks import AbsentUnless, Checks, Ordered, RequiredWhen, Sign, signs
from schemas.codes import (
    Decision,
    LeaveStatus,
    LeaveType,
    PeriodType,
    PlanCode,
    PremiumMethod,
    ReasonCategory,
    RtwOutcome,
    TxnType,
)
from schemas.columns import Key, Printable, UtcDatetime
from schemas.types import CanonicalModel, Hours, Money, NonNegativeMoney, Percent

__all__ = ["Absence", "BenefitPayment", "LeaveCase", "LeavePeriod", "LeaveStatusUpdate"]


class LeaveCase(CanonicalModel):
    """One leave request (the TPA's case), grouping the plan periods decided under it."""

    natural_key: ClassVar[tuple[str, ...]] = ("case_number",)
    record_checks: ClassVar[Checks] = (Ordered("first_day_absent", "last_day_absent"),)

    case_number: Key
    employee_id: Key
    reason_category: ReasonCategory | None = None
    notice_date: date | None = None
    first_day_absent: date | None = None
    last_day_absent: date | None = None
    updated_at: UtcDatetime | None = None


class LeavePeriod(CanonicalModel):
    """A plan's decision on one absence period, with the elections and agreements that drive pay and premiums.

    Booleans are the employee's or employer's recorded choice; None means the feed did not say.
    """

    natural_key: ClassVar[tuple[str, ...]] = ("absence_period_key",)
    record_checks: ClassVar[Checks] = (Ordered("period_start", "period_end"),)

    case_number: Key
    absence_period_key: Key
    employee_id: Key
    plan: PlanCode
    reason_category: ReasonCategory | None = None
    period_type: PeriodType
    decision: Decision
    period_start: date
    period_end: date | None = None
    notice_date: date | None = None
    decision_date: date | None = None
    last_day_worked: date | None = None
    rtw_date: date | None = None
    rtw_outcome: RtwOutcome | None = None
    reduced_hours_per_week: Hours | None = None
    weekly_benefit: NonNegativeMoney | None = None
    pto_election: bool | None = None
    topup_agreement: bool | None = None
    advance_agreement: bool | None = None
    premium_method: PremiumMethod | None = None
    coverage_revoked: bool | None = None
    updated_at: UtcDatetime


class Absence(CanonicalModel):
    """One intermittent or reduced-schedule episode: the FMLA balance is charged exactly ``hours``."""

    natural_key: ClassVar[tuple[str, ...]] = ("episode_id",)

    episode_id: Key
    absence_period_key: Key
    employee_id: Key
    absence_date: date
    hours: Hours
    plans: list[PlanCode] = Field(default_factory=list)
    decision: Decision
    updated_at: UtcDatetime


PAYING = (TxnType.STANDARD, TxnType.EMPLOYER_REIMBURSEMENT, TxnType.OVERPAYMENT_RECOVERY)
TAKING_BACK = (TxnType.CANCELLATION, TxnType.OVERPAYMENT)
REVERSING = (TxnType.CANCELLATION, TxnType.OVERPAYMENT_RECOVERY)
PARTS = ("federal_tax_withheld", "state_tax_withheld", "social_security_withheld", "medicare_withheld", "net",
         "nontaxable_amount")
"""The amounts of a payment besides ``gross``: they follow its sign."""


class BenefitPayment(CanonicalModel):
    """A disability or state benefit payment the TPA made or reports; third-party sick pay for payroll memos.

    Amounts are signed by the transaction type: a payment, a reimbursement or a recovery is not negative;
    a cancellation or an overpayment is negative (its withholdings and net not positive); a zero-dollar
    payment is zero. A cancellation names the payment it reverses, and a recovery the overpayment it
    recovers (``reverses_payment_key``); nothing else names one.
    """

    natural_key: ClassVar[tuple[str, ...]] = ("payment_key",)
    record_checks: ClassVar[Checks] = (
        Ordered("period_start", "period_end"),
        RequiredWhen("reverses_payment_key", "txn_type", REVERSING),
        AbsentUnless("reverses_payment_key", "txn_type", REVERSING),
        Sign("gross", "non_negative", "txn_type", PAYING),
        Sign("gross", "negative", "txn_type", TAKING_BACK),
        Sign("gross", "zero", "txn_type", (TxnType.ZERO_DOLLAR,)),
        *signs(PARTS, "non_negative", "txn_type", (*PAYING, TxnType.ZERO_DOLLAR)),
        *signs(PARTS, "non_positive", "txn_type", TAKING_BACK),
    )

    payment_key: Key
    case_number: Key | None = None
    employee_id: Key
    plan: PlanCode
    txn_type: TxnType
    period_start: date | None = None
    period_end: date | None = None
    gross: Money
    federal_tax_withheld: Money | None = None
    state_tax_withheld: Money | None = None
    social_security_withheld: Money | None = None
    medicare_withheld: Money | None = None
    net: Money | None = None
    taxable_percent: Percent | None = None
    nontaxable_amount: Money | None = None
    payment_date: date | None = None
    reverses_payment_key: Key | None = None
    updated_at: UtcDatetime | None = None


class LeaveStatusUpdate(CanonicalModel):
    """What the hub tells the HRIS so the employee shows as on leave (or back at work)."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "effective_date", "source_case")

    employee_id: Key
    status: LeaveStatus
    leave_type: LeaveType | None = None
    paid: bool | None = None
    effective_date: date
    expected_return_date: date | None = None
    source_case: Key
    idempotency_key: Annotated[str, Field(max_length=64), Printable()] | None = None
