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
from typing import ClassVar, Self

from pydantic import model_validator

from schemas.codes import PayCode, PayFrequency, PayInstructionKind, RegisterLineType
from schemas.columns import Key, SignedHours, UtcDatetime
from schemas.types import CanonicalModel, Hours, Money

__all__ = ["PayInstruction", "PayPeriod", "PayrollRegisterLine"]


class PayPeriod(CanonicalModel):
    """One pay period of a payroll company's calendar; pay data must arrive before ``processing_deadline``."""

    natural_key: ClassVar[tuple[str, ...]] = ("payroll_company_code", "pay_frequency", "period_start")

    payroll_company_code: Key
    pay_frequency: PayFrequency
    period_start: date
    period_end: date
    check_date: date
    processing_deadline: UtcDatetime | None = None

    @model_validator(mode="after")
    def _period_is_ordered(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class PayInstruction(CanonicalModel):
    """One line the hub asks payroll to apply on one check (stop pay, hours, earnings, memo, deduction)."""

    natural_key: ClassVar[tuple[str, ...]] = ("instruction_id",)

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
    rule_version: str | None = None
    created_at: UtcDatetime

    @model_validator(mode="after")
    def _kind_has_its_fields(self) -> Self:
        kind = self.kind
        if kind in (PayInstructionKind.HOURS, PayInstructionKind.EARNINGS, PayInstructionKind.MEMO) \
                and self.pay_code is None:
            raise ValueError(f"pay_code is required for {kind.value}")
        if kind in (PayInstructionKind.DEDUCTION_ADJUSTMENT, PayInstructionKind.BLOCK_DEDUCTION) \
                and self.deduction_code is None:
            raise ValueError(f"deduction_code is required for {kind.value}")
        if kind is PayInstructionKind.HOURS and self.hours is None:
            raise ValueError("hours is required for HOURS")
        if kind in (PayInstructionKind.EARNINGS, PayInstructionKind.MEMO,
                    PayInstructionKind.DEDUCTION_ADJUSTMENT) and self.amount is None:
            raise ValueError(f"amount is required for {kind.value}")
        return self


class PayrollRegisterLine(CanonicalModel):
    """What payroll actually paid, deducted, memoed or withheld on a check (``batch_id`` None = payroll's own)."""

    natural_key: ClassVar[tuple[str, ...]] = (
        "payroll_company_code", "payroll_file_number", "check_date", "line_type", "code", "batch_id",
    )

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
