"""Pins the canonical models: registry, natural keys, PII, Decimal precision, closed codes, UTC times."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from schemas.codes import (
    Decision,
    PayCode,
    PayInstructionKind,
    PeriodType,
    PlanCode,
    ReasonCategory,
)
from schemas.models import (
    ENTITIES,
    Absence,
    BenefitPayment,
    EligibilitySnapshot,
    Employee,
    Employment,
    LeavePeriod,
    PayInstruction,
    PremiumBillLine,
    entity_name,
)
from schemas.types import CanonicalModel, pii_fields

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def leave_period(**overrides: object) -> LeavePeriod:
    fields: dict[str, object] = dict(
        case_number="NTN-1001", absence_period_key="PL-1", employee_id="W000123", plan="FMLA",
        period_type="CONTINUOUS", decision="APPROVED", period_start=date(2026, 3, 2), updated_at=T0,
    )
    fields.update(overrides)
    return LeavePeriod(**fields)


def test_registry_names_every_brief_entity_in_snake_case():
    required = {
        "employee", "employment", "identity_link", "eligibility_snapshot", "leave_case", "leave_period",
        "absence", "benefit_payment", "hours_worked", "time_off_balance", "enrollment", "pay_instruction",
        "premium_ledger_entry", "file_exchange",
    }
    assert required <= set(ENTITIES)
    for name, model in ENTITIES.items():
        assert issubclass(model, CanonicalModel)
        assert entity_name(model) == name


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_natural_key_names_existing_fields(name):
    model = ENTITIES[name]
    assert model.natural_key, f"{name} declares no natural key"
    missing = [f for f in model.natural_key if f not in model.model_fields]
    assert not missing, f"{name}.natural_key names unknown fields {missing}"


def test_leave_period_is_identified_by_absence_period_key():
    assert LeavePeriod.natural_key == ("absence_period_key",)
    assert Absence.natural_key == ("episode_id",)


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_every_model_forbids_unknown_fields_and_hides_input(name):
    config = ENTITIES[name].model_config
    assert config["extra"] == "forbid"
    assert config["hide_input_in_errors"] is True


def test_employee_marks_ssn_birth_date_names_address_and_email_as_pii():
    pii = pii_fields(Employee)
    assert pii["ssn"] == "ssn"
    assert pii["birth_date"] == "birth_date"
    assert {pii[f] for f in ("first_name", "middle_name", "last_name")} == {"name"}
    assert {pii[f] for f in ("address_line1", "address_line2", "city", "postal_code")} == {"address"}
    assert pii["work_email"] == "contact"
    assert "employee_id" not in pii and "gender" not in pii


def test_no_model_outside_employee_carries_pii_fields():
    carriers = {name for name, model in ENTITIES.items() if pii_fields(model)}
    assert carriers == {"employee"}


def test_bad_ssn_error_names_the_field_but_never_the_value():
    secret = "12345678X"
    with pytest.raises(ValidationError) as caught:
        Employee(employee_id="W1", ssn=secret)
    # str() is what reaches logs; errors() echoes the input unless asked not to: callers pass include_input=False.
    text = str(caught.value) + repr(caught.value.errors(include_input=False))
    assert "ssn" in text
    assert secret not in text
    assert "12345678" not in text


def test_bad_birth_date_error_does_not_echo_the_value():
    with pytest.raises(ValidationError) as caught:
        Employee(employee_id="W1", birth_date="1988-02-30")
    assert "1988-02-30" not in str(caught.value)


def test_ssn_accepts_nine_digits_only():
    assert Employee(employee_id="W1", ssn="123456789").ssn == "123456789"
    with pytest.raises(ValidationError):
        Employee(employee_id="W1", ssn="123-45-6789")


def test_money_keeps_exact_decimal_and_refuses_a_third_decimal_place():
    payment = BenefitPayment(payment_key="P-1", employee_id="W1", plan="STD", txn_type="STANDARD",
                             gross="1200.10", taxable_percent="50")
    assert payment.gross == Decimal("1200.10")
    assert isinstance(payment.gross, Decimal)
    assert payment.taxable_percent == Decimal("50")
    with pytest.raises(ValidationError):
        BenefitPayment(payment_key="P-1", employee_id="W1", plan="STD", txn_type="STANDARD", gross="1.005")


def test_cancellation_payment_may_be_negative():
    cancel = BenefitPayment(payment_key="P-2", employee_id="W1", plan="STD", txn_type="CANCELLATION",
                            gross="-1200.00", reverses_payment_key="P-1")
    assert cancel.gross == Decimal("-1200.00")


def test_hours_keep_two_decimals_and_are_not_negative():
    episode = Absence(episode_id="E1", absence_period_key="IP-1", employee_id="W1", absence_date=date(2026, 3, 3),
                      hours="2.40", plans=["FMLA", "CFRA"], decision="APPROVED", updated_at=T0)
    assert episode.hours == Decimal("2.40")
    assert episode.plans == [PlanCode.FMLA, PlanCode.CFRA]
    with pytest.raises(ValidationError):
        Absence(episode_id="E1", absence_period_key="IP-1", employee_id="W1", absence_date=date(2026, 3, 3),
                hours="-1", decision="APPROVED", updated_at=T0)


def test_percent_is_bounded_to_0_100():
    with pytest.raises(ValidationError):
        BenefitPayment(payment_key="P-1", employee_id="W1", plan="STD", txn_type="STANDARD",
                       gross="1.00", taxable_percent="100.01")


@pytest.mark.parametrize(("field", "value"), [
    ("plan", "FMLA2"), ("decision", "Approved"), ("period_type", "continuous"), ("reason_category", "Migraine"),
])
def test_code_lists_are_closed(field, value):
    with pytest.raises(ValidationError) as caught:
        leave_period(**{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_leave_period_parses_codes_into_enums():
    period = leave_period(reason_category="BONDING")
    assert period.plan is PlanCode.FMLA
    assert period.decision is Decision.APPROVED
    assert period.period_type is PeriodType.CONTINUOUS
    assert period.reason_category is ReasonCategory.BONDING


def test_unknown_field_is_refused():
    with pytest.raises(ValidationError) as caught:
        leave_period(diagnosis="anything")
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_updated_at_is_normalised_to_utc_and_naive_times_are_refused():
    eastern = timezone(timedelta(hours=-5))
    period = leave_period(updated_at=datetime(2026, 3, 1, 7, 0, tzinfo=eastern))
    assert period.updated_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert period.updated_at.utcoffset() == timedelta(0)
    with pytest.raises(ValidationError):
        leave_period(updated_at=datetime(2026, 3, 1, 12, 0))


def test_period_end_before_start_is_refused():
    with pytest.raises(ValidationError, match="period_end is before period_start"):
        leave_period(period_start=date(2026, 3, 10), period_end=date(2026, 3, 9))


def test_employment_effective_range_must_be_ordered():
    with pytest.raises(ValidationError, match="effective_to is before effective_from"):
        Employment(employee_id="W1", status="ACTIVE", effective_from=date(2026, 1, 2),
                   effective_to=date(2026, 1, 1))


def test_eligibility_unknown_inputs_stay_none():
    snap = EligibilitySnapshot(employee_id="W1", as_of=date(2026, 3, 2))
    assert snap.hours_worked_12m is None and snap.worksite_50_within_75 is None and snap.eligible is None
    with pytest.raises(ValidationError, match="eligible is not False"):
        EligibilitySnapshot(employee_id="W1", as_of=date(2026, 3, 2), ineligibility_reasons=["HOURS"])
    snap = EligibilitySnapshot(employee_id="W1", as_of=date(2026, 3, 2), hours_worked_12m="1220.00",
                               eligible=False, ineligibility_reasons=["HOURS"])
    assert snap.hours_worked_12m == Decimal("1220.00")


def test_pay_instruction_requires_the_fields_its_kind_needs():
    with pytest.raises(ValidationError, match="pay_code is required"):
        PayInstruction(instruction_id="I1", employee_id="W1", check_date=date(2026, 3, 20),
                       kind="EARNINGS", amount="800.00", created_at=T0)
    line = PayInstruction(instruction_id="I1", employee_id="W1", check_date=date(2026, 3, 20),
                          kind="EARNINGS", pay_code="STD_TOPUP", amount="800.00", created_at=T0)
    assert line.kind is PayInstructionKind.EARNINGS and line.pay_code is PayCode.STD_TOPUP


def test_premium_bill_months_are_first_days():
    with pytest.raises(ValidationError, match="first day"):
        PremiumBillLine(group_number="G1", bill_month=date(2026, 3, 1), employee_id="W1", coverage="STD",
                        coverage_month=date(2026, 2, 15), premium="10.00")


def test_models_are_frozen():
    period = leave_period()
    with pytest.raises(ValidationError):
        period.decision = Decision.DENIED


def test_importing_schemas_models_stays_light():
    code = "import sys, schemas.models; bad = {'pandas', 'paramiko', 'requests'} & set(sys.modules); print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "set()"
