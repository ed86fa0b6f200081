"""The employer's pay-during-leave policy: typed, versioned, effective-dated config in ``policy.yaml``.

The law leaves these choices to the employer (rounding, proration, PTO substitution, top-ups, pending
decisions, overpayment recovery, premium buckets and catch-up, the FMLA leave-year method). The file holds
every version the employer ever had; a pay period is priced with the version in force on its start date, so
a retro re-price of an old period uses the policy of that period. Every instruction line names the version.

Example::

    history = load_policy()                              # $LEAVEHUB_POLICY or the repo's policy.yaml
    policy = history.on(date(2026, 3, 2))                # the version in force that day
    policy.hours.round_payroll_hours(Decimal("2.4"))     # Decimal("2.50") with 0.25 h, round up
"""

from __future__ import annotations

import os
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from leavehub.config.yaml_lines import load_model
from schemas.codes import PlanCode
from schemas.errors import ConfigError

__all__ = [
    "DEFAULT_POLICY_FILE",
    "POLICY_ENV",
    "CatchUpPolicy",
    "FmlaPolicy",
    "HoursPolicy",
    "OverpaymentPolicy",
    "PayPolicy",
    "PolicyHistory",
    "PremiumPolicy",
    "StdPolicy",
    "ThirdPartyPayPolicy",
    "TopUpChoice",
    "load_policy",
    "policy_file",
]

POLICY_ENV = "LEAVEHUB_POLICY"
DEFAULT_POLICY_FILE = Path(__file__).resolve().parents[2] / "policy.yaml"

DeductionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,10}$")]
MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]
MoneyAmount = Annotated[Decimal, Field(ge=0, decimal_places=2)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoursPolicy(_Section):
    """How payroll counts leave hours (29 CFR 825.205: the increment is never above one hour).

    Payroll hours lines are rounded to ``increment_hours``; the FMLA balance is always charged exactly.
    """

    increment_hours: Annotated[Decimal, Field(gt=0, le=1, decimal_places=4)] = Decimal("0.25")
    rounding: Literal["up", "nearest"] = "up"

    def round_payroll_hours(self, hours: Decimal) -> Decimal:
        """Hours for a PAYROLL line: 2.4 -> 2.50 at 0.25 h, rounding up."""
        steps = hours / self.increment_hours
        whole = steps.to_integral_value(ROUND_CEILING if self.rounding == "up" else ROUND_HALF_UP)
        return (whole * self.increment_hours).quantize(Decimal("0.01"))


class FmlaPolicy(_Section):
    """The employer's choice of 12-month period for FMLA entitlement (29 CFR 825.200(b))."""

    entitlement_method: Literal["calendar_year", "fixed_year", "rolling_forward", "rolling_backward"]
    fixed_year_start: MonthDay | None = Field(default=None, description="MM-DD; only for fixed_year")

    @model_validator(mode="after")
    def _fixed_year_needs_its_start(self) -> Self:
        if self.entitlement_method == "fixed_year" and self.fixed_year_start is None:
            raise ValueError("fixed_year needs fixed_year_start (MM-DD)")
        if self.entitlement_method != "fixed_year" and self.fixed_year_start is not None:
            raise ValueError("fixed_year_start is only for entitlement_method fixed_year")
        return self


class StdPolicy(_Section):
    """The STD elimination period, paid as salary continuation before the carrier's benefit starts."""

    elimination_days: Annotated[int, Field(ge=0, le=180)] = 7
    salary_continuation_percent: Percent = Decimal(100)


class TopUpChoice(_Section):
    """Whether the employer supplements a paid plan's benefit, to what share of pay, and on what condition.

    ``requires_agreement``: only when the leave records the employee's agreement/election (TOPUP_AGREEMENT);
    a state table row that requires an agreement or election wins over ``False`` here.
    """

    plan: PlanCode
    target_percent: Percent = Decimal(100)
    requires_agreement: bool = True


class OverpaymentPolicy(_Section):
    """What happens to pay the employee received but was not owed (e.g. provisional pay, then denied)."""

    recovery: Literal["deduct_where_allowed", "always_bill"] = "deduct_where_allowed"
    deduction_code: DeductionCode = "OVP"


class CatchUpPolicy(_Section):
    """Catch-up of premium arrears after return: a cap per check, per plan or one total, and a floor the
    check's net pay never goes below (the payroll register's net)."""

    cap_per_check: MoneyAmount
    net_pay_floor: MoneyAmount = Decimal(0)
    cap_scope: Literal["per_plan", "total"] = "per_plan"
    regular_deduction_counts: bool = False


class PremiumPolicy(_Section):
    """Premium shares during unpaid leave (29 CFR 825.210, 26 CFR 1.125-3)."""

    plan_year_bucket: Literal["period_start", "check_date", "split_by_days"] = "split_by_days"
    catch_up: CatchUpPolicy
    retro_blocked_deduction: Literal["collect_with_retro", "leave_to_catch_up"] = "leave_to_catch_up"


class ThirdPartyPayPolicy(_Section):
    """Third-party sick pay memo lines: which check carries them and how the taxable share is measured."""

    memo_check: Literal["first_on_or_after_payment_date"] = "first_on_or_after_payment_date"
    premium_years: Annotated[int, Field(ge=1, le=5)] = 3


class PayPolicy(_Section):
    """One version of the employer's policy, in force from ``effective_date`` until the next version."""

    version: Annotated[int, Field(ge=1)]
    effective_date: date
    money_rounding: Literal["half_up", "half_even"] = "half_up"
    hours: HoursPolicy = Field(default_factory=HoursPolicy)
    proration_basis: Literal["workdays", "calendar_days"] = "workdays"
    pto_substitution: Literal["required", "employee_election", "never"] = "employee_election"
    pending_decision: Literal["stop_pay", "provisional_salary_continuation"] = "stop_pay"
    provisional_percent: Percent = Decimal(60)
    std: StdPolicy = Field(default_factory=StdPolicy)
    top_ups: list[TopUpChoice] = Field(default_factory=list)
    overpayment: OverpaymentPolicy = Field(default_factory=OverpaymentPolicy)
    premiums: PremiumPolicy
    third_party_pay: ThirdPartyPayPolicy = Field(default_factory=ThirdPartyPayPolicy)
    fmla: FmlaPolicy

    @model_validator(mode="after")
    def _one_top_up_per_plan(self) -> Self:
        plans = [t.plan for t in self.top_ups]
        dupes = sorted({p.value for p in plans if plans.count(p) > 1})
        if dupes:
            raise ValueError(f"top_ups names a plan more than once: {', '.join(dupes)}")
        return self

    @property
    def label(self) -> str:
        """How an instruction line names this policy: ``policy v3 (2026-01-01)``."""
        return f"policy v{self.version} ({self.effective_date.isoformat()})"

    def top_up_for(self, plan: PlanCode | str) -> TopUpChoice | None:
        return next((t for t in self.top_ups if t.plan == plan), None)


class PolicyHistory(_Section):
    """Every version of the policy, oldest first; versions and effective dates strictly increase."""

    versions: Annotated[list[PayPolicy], Field(min_length=1)]

    @field_validator("versions")
    @classmethod
    def _versions_increase(cls, versions: list[PayPolicy]) -> list[PayPolicy]:
        for before, after in pairwise(versions):
            if after.version <= before.version or after.effective_date <= before.effective_date:
                raise ValueError(f"version {after.version} must come after version {before.version} "
                                 "with a later effective_date")
        return versions

    def on(self, day: date) -> PayPolicy:
        """The version in force on ``day``; a day before the first version is a configuration error."""
        in_force = [v for v in self.versions if v.effective_date <= day]
        if not in_force:
            raise ConfigError(f"no policy version in force on {day.isoformat()} "
                              f"(the first starts {self.versions[0].effective_date.isoformat()})")
        return in_force[-1]


def policy_file(path: Path | None = None) -> Path:
    """Which policy.yaml to read: the argument, else ``$LEAVEHUB_POLICY``, else the repo's one."""
    if path is not None:
        return Path(path)
    env = os.environ.get(POLICY_ENV)
    return Path(env) if env else DEFAULT_POLICY_FILE


def load_policy(path: Path | None = None) -> PolicyHistory:
    """Load and validate the policy history; any problem is a ``ConfigError`` naming file, key and line."""
    file = policy_file(path)
    if not file.is_file():
        raise ConfigError("policy config not found (set LEAVEHUB_POLICY or pass a path)", file=str(file))
    return load_model(PolicyHistory, file)
