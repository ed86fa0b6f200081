"""Canonical payroll records: the pay calendar, the instructions the hub sends, and the register it gets back.

Instructions are vendor-neutral (``PayCode.STD_TOPUP``, not ``STU``); the payroll vendor's mapping names
the codes. An instruction gets its id and batch when the batch is built, so a retried send resends the same
lines. A retro line sits on the current check but names the ORIGINAL period it corrects.

Example::

    PayInstruction(instruction_id="B20260320-0001", batch_id="B20260320", employee_id="W000123",
                   check_date=date(2026, 3, 20), kind=PayInstructionKind.EARNINGS,
                   pay_code=PayCode.STD_TOPUP, amount=Decimal("800.00"), created_at=...)
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from schemas.checks import Checks, Ordered, RequiredWhen
from schemas.codes import PayCode, PayFrequency, PayInstructionKind, RegisterLineType
from schemas.columns import Key, Label, SignedHours, UtcDatetime
from schemas.types import CanonicalModel, Hours, Money

__all__ = ["PayInstruction", "PayPeriod", "PayrollRegisterLine"]


class PayPeriod(CanonicalModel):
    """One pay period of a payroll company's calendar; pay data must arrive before ``processing_deadline``."""

    natural_key: ClassVar[tuple[str, ...]] = ("payroll_company_code", "pay_frequency", "period_start")
    record_checks: ClassVar[Checks] = (Ordered("period_start", "period_end"),)

    payroll_company_code: Key
    pay_frequency: PayFrequency
    period_start: date
    period_end: date
    check_date: date
    processing_deadline: UtcDatetime | None = None


class PayInstruction(CanonicalModel):
    """One line the hub asks payroll to apply on one check (stop pay, hours, earnings, memo, deduction)."""

    natural_key: ClassVar[tuple[str, ...]] = ("instruction_id",)
    record_checks: ClassVar[Checks] = (
        Ordered("pay_period_start", "pay_period_end"),
        Ordered("original_period_start", "original_period_end"),
        RequiredWhen("pay_code", "kind", (PayInstructionKind.HOURS, PayInstructionKind.EARNINGS,
                                          PayInstructionKind.MEMO)),
        RequiredWhen("deduction_code", "kind", (PayInstructionKind.DEDUCTION_ADJUSTMENT,
                                                PayInstructionKind.BLOCK_DEDUCTION)),
        RequiredWhen("hours", "kind", (PayInstructionKind.HOURS,)),
        RequiredWhen("amount", "kind", (PayInstructionKind.EARNINGS, PayInstructionKind.MEMO,
                                        PayInstructionKind.DEDUCTION_ADJUSTMENT)),
    )

    instruction_id: Key
    batch_id: Key | None = None
    employee_id: Key
    payroll_company_code: Key | None = None
    payroll_file_number: Key | None = None
    pay_period_start: date | None = None
    pay_period_end: date | None = None
    check_date: date
    kind: PayInstructionKind
    pay_code: PayCode | None = None
    deduction_code: Key | None = None
    hours: Hours | None = None
    amount: Money | None = None
    original_period_start: date | None = None
    original_period_end: date | None = None
    case_number: Key | None = None
    absence_period_key: Key | None = None
    rule_version: Label | None = None
    created_at: UtcDatetime


class PayrollRegisterLine(CanonicalModel):
    """What payroll actually paid, deducted, memoed or withheld on a check (``batch_id`` None = payroll's own)."""

    natural_key: ClassVar[tuple[str, ...]] = (
        "payroll_company_code", "payroll_file_number", "check_date", "line_type", "code", "batch_id",
    )
    record_checks: ClassVar[Checks] = (Ordered("pay_period_start", "pay_period_end"),)

    payroll_company_code: Key
    payroll_file_number: Key
    pay_period_start: date | None = None
    pay_period_end: date | None = None
    check_date: date
    line_type: RegisterLineType
    code: Key
    hours: SignedHours | None = None
    amount: Money
    batch_id: Key | None = None
