"""Canonical people records: who the employee is, how they are employed, and what the HRIS reports.

``employee_id`` everywhere is the hub's id for a person, which is the HRIS worker id (the HRIS is the system
of record for people). Every other system's id for the same person lives in :class:`IdentityLink`, dated,
because payroll file numbers and TPA ids change. Personal data carries the :class:`~schemas.types.Pii` marker.

Example::

    Employment(employee_id="W000123", effective_from=date(2019, 6, 17), status=EmploymentStatus.ACTIVE,
               updated_at=datetime(2026, 11, 20, 8, 15, tzinfo=UTC))
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import Field

from schemas.checks import AbsentUnless, Checks, Ordered
from schemas.codes import (
    EmploymentStatus,
    FlsaStatus,
    Gender,
    IneligibilityReason,
    PayBasis,
    PayFrequency,
    TimeOffPolicy,
)
from schemas.columns import (
    AddressLine,
    City,
    Email,
    Key,
    Label,
    Months,
    PersonName,
    PostalCode,
    SignedHours,
    Ssn,
    StateCode,
    UtcDatetime,
)
from schemas.types import CanonicalModel, Hours, NonNegativeMoney, Pii

__all__ = [
    "EligibilitySnapshot",
    "Employee",
    "Employment",
    "HoursWorked",
    "IdentityLink",
    "TimeOffBalance",
]


class EffectiveDated(CanonicalModel):
    """A record valid from ``effective_from`` through ``effective_to`` (inclusive; None = open-ended)."""

    record_checks: ClassVar[Checks] = (Ordered("effective_from", "effective_to"),)

    effective_from: date
    effective_to: date | None = None


class Employee(CanonicalModel):
    """A person the employer employs (or employed): identity and contact, nothing about the job."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id",)

    employee_id: Key
    ssn: Annotated[Ssn | None, Pii("ssn")] = None
    first_name: Annotated[PersonName | None, Pii("name")] = None
    middle_name: Annotated[PersonName | None, Pii("name")] = None
    last_name: Annotated[PersonName | None, Pii("name")] = None
    birth_date: Annotated[date | None, Pii("birth_date")] = None
    gender: Gender | None = None
    address_line1: Annotated[AddressLine | None, Pii("address")] = None
    address_line2: Annotated[AddressLine | None, Pii("address")] = None
    city: Annotated[City | None, Pii("address")] = None
    home_state: Annotated[StateCode | None, Pii("address")] = None
    postal_code: Annotated[PostalCode | None, Pii("address")] = None
    work_email: Annotated[Email | None, Pii("contact")] = None
    updated_at: UtcDatetime | None = None


class Employment(EffectiveDated):
    """The job facts that leave, pay and premium rules need, effective-dated (one row per change)."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "effective_from")

    employee_id: Key
    status: EmploymentStatus
    hire_date: date | None = None
    adjusted_service_date: date | None = None
    termination_date: date | None = None
    worksite_id: Key | None = None
    work_state: StateCode | None = None
    employees_within_75_miles: Annotated[int | None, Field(ge=0)] = None
    full_time: bool | None = None
    flsa_status: FlsaStatus | None = None
    scheduled_hours_per_week: Hours | None = None
    scheduled_days_per_week: Annotated[int | None, Field(ge=0, le=7)] = None
    pay_basis: PayBasis | None = None
    pay_rate: NonNegativeMoney | None = None
    pay_frequency: PayFrequency | None = None
    key_employee: bool | None = None
    spouse_employee_id: Key | None = None
    supervisor_id: Key | None = None
    union_code: Label | None = None
    std_eligibility_date: date | None = None
    ltd_eligibility_date: date | None = None
    updated_at: UtcDatetime | None = None


class IdentityLink(EffectiveDated):
    """The crosswalk from the hub's employee id to every vendor's id for the same person, dated."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "effective_from")

    employee_id: Key
    hris_worker_id: Key | None = None
    payroll_company_code: Key | None = None
    payroll_file_number: Key | None = None
    tpa_employee_id: Key | None = None
    carrier_member_id: Key | None = None
    updated_at: UtcDatetime | None = None


class EligibilitySnapshot(CanonicalModel):
    """FMLA eligibility (29 CFR 825.110) as determined on ``as_of``; None means the input was unknown.

    ``eligible`` is None when a test could not be run (e.g. hours worked unknown) and no other test failed.
    """

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "as_of")
    record_checks: ClassVar[Checks] = (AbsentUnless("ineligibility_reasons", "eligible", (False,)),)

    employee_id: Key
    as_of: date
    leave_year_start: date | None = None
    months_of_service: Months | None = None
    hours_worked_12m: Hours | None = None
    worksite_50_within_75: bool | None = None
    eligible: bool | None = None
    ineligibility_reasons: list[IneligibilityReason] = Field(default_factory=list)
    entitlement_hours: Hours | None = None
    determined_at: UtcDatetime | None = None


class HoursWorked(CanonicalModel):
    """Hours under one pay code in one pay period; only ``worked`` hours count toward FMLA's 1,250."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "period_start", "period_end", "pay_code")
    record_checks: ClassVar[Checks] = (Ordered("period_start", "period_end"),)

    employee_id: Key
    period_start: date
    period_end: date
    pay_code: Key
    hours: SignedHours
    worked: bool
    updated_at: UtcDatetime | None = None


class TimeOffBalance(CanonicalModel):
    """An accrued paid-leave balance as of a date (negative when the policy allows a deficit)."""

    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "policy", "as_of")

    employee_id: Key
    policy: TimeOffPolicy
    balance_hours: SignedHours
    as_of: date
    updated_at: UtcDatetime | None = None
