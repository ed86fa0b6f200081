"""The synthetic employer: plain records for people, pay, benefits and leave, as the vendors know them.

These records are shaped after the vendor specs (Northwind HRIS for people, hours, enrollments and
balances; Harbor Leave for leave periods, absences and payments), not after the hub's canonical schema, so
that the writers stay a faithful, independent oracle. Records are mutable on purpose: ``plant_markers``
rewrites a few people in place.

A leave period is kept as every VERSION Harbor sent (``sent_on`` is the business date of the file that
carried it), because change files, retro decisions and corrected resends are what the hub must survive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

EmploymentStatus = Literal["active", "leave", "terminated"]
Flsa = Literal["exempt", "non_exempt"]
PayBasis = Literal["salary", "hourly"]
FileKind = Literal["LEAVE", "ABSENCE", "PAY"]


@dataclass(slots=True)
class Worksite:
    """A place of work; ``employees_within_75_miles`` counts every site of the same metro (FMLA 825.111)."""

    worksite_id: str
    state: str
    city: str
    metro: str
    employees_within_75_miles: int = 0


@dataclass(slots=True)
class Address:
    line1: str
    line2: str | None
    city: str
    state: str
    postal_code: str


@dataclass(slots=True)
class Worker:
    """One employee as the HRIS holds them. ``pay_rate`` is annual for salary, per hour for hourly."""

    worker_id: str
    ssn: str
    first_name: str
    middle_name: str | None
    last_name: str
    birth_date: date
    gender: str
    home_address: Address
    work_email: str
    status: EmploymentStatus
    hire_date: date
    adjusted_service_date: date | None
    termination_date: date | None
    worksite: Worksite
    full_time: bool
    flsa: Flsa
    scheduled_hours_per_week: Decimal
    scheduled_days_per_week: int
    pay_basis: PayBasis
    pay_rate: Decimal
    key_employee: bool
    spouse_worker_id: str | None
    union_code: str | None
    supervisor_id: str | None
    payroll_file_number: str
    payroll_company_code: str
    updated_at: datetime

    @property
    def work_state(self) -> str:
        return self.worksite.state

    @property
    def weekly_pay(self) -> Decimal:
        """Pre-leave weekly earnings: salary / 52, or rate x scheduled hours."""
        if self.pay_basis == "salary":
            return (self.pay_rate / 52).quantize(Decimal("0.01"))
        return (self.pay_rate * self.scheduled_hours_per_week).quantize(Decimal("0.01"))

    @property
    def annual_pay(self) -> Decimal:
        if self.pay_basis == "salary":
            return self.pay_rate
        return (self.pay_rate * self.scheduled_hours_per_week * 52).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class PayPeriod:
    """A biweekly pay period, Sunday to Saturday, paid on the Friday after it ends."""

    start: date
    end: date
    check_date: date


@dataclass(frozen=True, slots=True)
class HoursLine:
    """Hours of one pay code in one pay period; only ``worked`` hours count for FMLA's 1,250-hour test."""

    worker_id: str
    period_start: date
    period_end: date
    pay_code: str
    hours: Decimal
    worked: bool


@dataclass(frozen=True, slots=True)
class Enrollment:
    """One plan election for a span of time; a Jan 1 rate change closes one row and opens the next."""

    worker_id: str
    plan_type: str
    carrier: str
    plan_code: str
    tier: str
    coverage_amount: Decimal | None
    benefit_salary: Decimal | None
    ee_premium_per_period: Decimal
    er_premium_per_period: Decimal
    tax: Literal["pre", "post"]
    deduction_code: str
    effective_date: date
    end_date: date | None


@dataclass(frozen=True, slots=True)
class TimeOffBalance:
    worker_id: str
    policy: str
    balance_hours: Decimal
    as_of: date


@dataclass(frozen=True, slots=True)
class LeavePeriodVersion:
    """One row of a HARBOR_LEAVE file: the latest state of one absence period as of ``updated_at``."""

    case_number: str
    absence_period_key: str
    employee_id: str
    leave_reason: str
    period_type: str
    plan: str
    decision: str
    period_start: date
    period_end: date
    notice_date: date
    decision_date: date | None
    last_day_worked: date | None
    rtw_date: date | None
    rtw_outcome: str | None
    reduced_hours_week: Decimal | None
    weekly_benefit: Decimal | None
    pto_election: bool
    topup_agreement: bool
    advance_agreement: bool
    premium_method: str
    coverage_revoked: bool
    updated_at: datetime
    sent_on: date


@dataclass(frozen=True, slots=True)
class AbsenceVersion:
    """One row of a HARBOR_ABSENCE file: one intermittent or reduced-schedule episode."""

    absence_period_key: str
    episode_id: str
    employee_id: str
    absence_date: date
    hours: Decimal
    plans: tuple[str, ...]
    decision: str
    updated_at: datetime
    sent_on: date


@dataclass(frozen=True, slots=True)
class BenefitPayment:
    """One row of a HARBOR_PAY file. Cancellations and recoveries are new rows that name what they reverse."""

    payment_key: str
    case_number: str
    employee_id: str
    plan: str
    txn_type: str
    period_start: date
    period_end: date
    gross: Decimal
    fit: Decimal
    sit: Decimal
    ss_ee: Decimal
    med_ee: Decimal
    net: Decimal
    taxable_pct: int
    nontaxable: Decimal
    payment_date: date
    reverses_payment_key: str | None
    sent_on: date


@dataclass(frozen=True, slots=True)
class Resend:
    """A file Harbor sent twice: identical content under a later business date's name (scenario 7)."""

    kind: FileKind
    original_date: date
    resend_date: date


@dataclass(frozen=True, slots=True)
class Scenario:
    """One of docs/domain.md's twelve scenarios, planted as a findable person and case."""

    number: int
    title: str
    employee_id: str
    case_number: str
    checks: str
    details: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class SyntheticEmployer:
    """Everything one synthetic employer's vendors would send, for one leave year (``year``)."""

    seed: int
    year: int
    as_of: date
    client_id: str
    worksites: list[Worksite]
    workers: list[Worker]
    pay_periods: list[PayPeriod]
    hours: list[HoursLine]
    enrollments: list[Enrollment]
    balances: list[TimeOffBalance]
    leave_periods: list[LeavePeriodVersion]
    absences: list[AbsenceVersion]
    payments: list[BenefitPayment]
    scenarios: list[Scenario]
    resends: list[Resend]

    def worker(self, worker_id: str) -> Worker:
        for w in self.workers:
            if w.worker_id == worker_id:
                return w
        raise KeyError(worker_id)

    def scenario(self, number: int) -> Scenario:
        for s in self.scenarios:
            if s.number == number:
                return s
        raise KeyError(number)

    def case_periods(self, case_number: str) -> list[LeavePeriodVersion]:
        """Every version of every period of a case, in the order Harbor sent them."""
        return [p for p in self.leave_periods if p.case_number == case_number]

    def latest_periods(self, case_number: str | None = None) -> dict[str, LeavePeriodVersion]:
        """The current state per ABSENCE_PERIOD_KEY (latest UPDATED_AT wins), optionally for one case."""
        latest: dict[str, LeavePeriodVersion] = {}
        for p in self.leave_periods:
            if case_number is not None and p.case_number != case_number:
                continue
            seen = latest.get(p.absence_period_key)
            if seen is None or p.updated_at > seen.updated_at:
                latest[p.absence_period_key] = p
        return latest

    def hours_of(self, worker_id: str) -> Iterator[HoursLine]:
        return (h for h in self.hours if h.worker_id == worker_id)
