"""Cross-field rules: declared once per model, enforced alike by pydantic and by the vectorized validator.

Pinned: no canonical model writes its own model validator (the vectorized path would not know it); every rule
class of ``schemas.checks`` has a vectorized twin; on the same rows (hypothesis, every model with rules) the
twin flags exactly the rows and rules pydantic refuses; sign rules per transaction type (issue 12 item 9).
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from leavehub.mapping.fields import FieldSpec, field_specs
from leavehub.mapping.validate import RECORD_CHECK_TWINS, validate_frame
from schemas.checks import Check
from schemas.models import ENTITIES, BenefitPayment, LeavePeriod, PayInstruction
from schemas.types import CanonicalModel

CHECKED = {name: model for name, model in ENTITIES.items() if model.record_checks}
BASE_DAY = dt.date(2026, 3, 1)


def test_no_canonical_model_has_a_validator_of_its_own():
    """A model validator outside ``record_checks`` has no vectorized twin: declare a rule instead."""
    base = set(CanonicalModel.__pydantic_decorators__.model_validators)
    for name, model in ENTITIES.items():
        own = set(model.__pydantic_decorators__.model_validators) - base
        assert not own, f"{name} has model validators {sorted(own)} without a vectorized twin"


def test_every_rule_class_has_a_vectorized_twin_and_every_model_uses_known_rules():
    assert set(typing.get_args(Check)) == set(RECORD_CHECK_TWINS)
    for name, model in ENTITIES.items():
        for check in model.record_checks:
            assert type(check) in RECORD_CHECK_TWINS, f"{name}: {check} has no vectorized twin"
            named = [v for k, v in vars(check).items() if k in ("earlier", "later", "field", "when")]
            assert set(named) <= set(model.model_fields), f"{name}: {check} names an unknown field"


# --- the twins agree with pydantic on the same rows --------------------------------------------------------

def _plain(spec: FieldSpec) -> Any:
    """A valid value for a field no rule involves."""
    if spec.enum_values:
        return [spec.enum_values[0]] if spec.kind == "list" else spec.enum_values[0]
    return {"string": "K1", "date": BASE_DAY, "datetime": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
            "decimal": Decimal(str(spec.ge or 1)), "integer": int(spec.ge or 1), "boolean": True,
            "list": []}[spec.kind]


def _values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values for a field some rule involves: near each other, with signs and days of both kinds."""
    base: st.SearchStrategy[Any] = {
        "date": st.dates(dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        "decimal": st.decimals(Decimal(str(spec.ge)) if spec.ge is not None else Decimal("-3"), Decimal("3"),
                               places=2),
        "boolean": st.booleans(),
        "string": st.sampled_from(spec.enum_values) if spec.enum_values else st.just("K9"),
        "list": st.lists(st.sampled_from(spec.enum_values or ("X",)), max_size=2),
    }[spec.kind]
    return st.one_of(st.none(), base) if spec.nullable else base


def _rows(model: type[CanonicalModel]) -> st.SearchStrategy[list[dict[str, Any]]]:
    specs = field_specs(model)
    involved = {v for check in model.record_checks for k, v in vars(check).items()
                if k in ("earlier", "later", "field", "when")}
    plain = {name: _plain(spec) for name, spec in specs.items() if spec.required and name not in involved}
    row = st.fixed_dictionaries({name: _values(specs[name]) for name in sorted(involved)})
    return st.lists(row.map(lambda r: {**plain, **r}), min_size=1, max_size=12)


def _frame(model: type[CanonicalModel], rows: list[dict[str, Any]]) -> pd.DataFrame:
    specs = field_specs(model)
    data = {n: pa.array([getattr(row.get(n), "value", row.get(n)) for row in rows], s.arrow_type)
            for n, s in specs.items()}
    return pa.table(data).to_pandas(types_mapper=pd.ArrowDtype)


def _pydantic_verdict(model: type[CanonicalModel], row: dict[str, Any]) -> set[str]:
    try:
        model(**row)
    except ValidationError as exc:
        problems = exc.errors(include_input=False)
        assert all(p["loc"] == () for p in problems), f"the generator made a bad field value: {problems}"
        return {m for p in problems for m in p["msg"].removeprefix("Value error, ").split("; ")}
    return set()


@pytest.mark.parametrize("entity", sorted(CHECKED))
def test_each_vectorized_twin_agrees_with_pydantic_on_the_same_rows(entity):
    model = CHECKED[entity]

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_rows(model))
    def agree(rows):
        errors = validate_frame(_frame(model, rows), model)
        assert all(e.reason in {c.message for c in model.record_checks} for e in errors), errors
        vectorized = [{e.reason for e in errors if e.row == i} for i in range(1, len(rows) + 1)]
        assert vectorized == [_pydantic_verdict(model, row) for row in rows]

    agree()


@pytest.mark.parametrize("entity", sorted(CHECKED))
def test_the_generator_reaches_both_verdicts_of_every_rule(entity):
    """The agreement test means something only if each rule both holds and fails on generated rows."""
    model = CHECKED[entity]
    broken, held = set(), set()

    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_rows(model))
    def collect(rows):
        for row in rows:
            record = type("Row", (), row)
            for check in model.record_checks:
                (held if check.holds(record) else broken).add(check)

    collect()
    assert broken == held == set(model.record_checks)


# --- sign rules per transaction type (issue 12 item 9) -----------------------------------------------------

def payment(**overrides: Any) -> dict[str, Any]:
    return {"payment_key": "P-1", "employee_id": "W1", "plan": "STD", "txn_type": "STANDARD",
            "gross": Decimal("500.00"), **overrides}


SIGN_CASES = [
    (payment(gross=Decimal("-500.00")), "gross is negative but txn_type is STANDARD"),
    (payment(net=Decimal("-1.00")), "net is negative but txn_type is STANDARD"),
    (payment(txn_type="CANCELLATION", gross=Decimal("500.00"), reverses_payment_key="P-0"),
     "gross is not negative but txn_type is CANCELLATION"),
    (payment(txn_type="CANCELLATION", gross=Decimal("-500.00")),
     "reverses_payment_key is required when txn_type is CANCELLATION"),
    (payment(txn_type="CANCELLATION", gross=Decimal("-500.00"), federal_tax_withheld=Decimal("50.00"),
             reverses_payment_key="P-0"), "federal_tax_withheld is positive but txn_type is CANCELLATION"),
    (payment(reverses_payment_key="P-0"), "reverses_payment_key is given but txn_type is not CANCELLATION"),
    (payment(txn_type="ZERO_DOLLAR", gross=Decimal("0.01")), "gross is not zero but txn_type is ZERO_DOLLAR"),
    (payment(txn_type="OVERPAYMENT_RECOVERY"), "reverses_payment_key is required when txn_type is"),
]


@pytest.mark.parametrize(("row", "reason"), SIGN_CASES, ids=[r for _, r in SIGN_CASES])
def test_a_payment_with_the_wrong_sign_for_its_type_is_refused_by_both_engines(row, reason):
    with pytest.raises(ValidationError, match=reason):
        BenefitPayment(**row)
    errors = validate_frame(_frame(BenefitPayment, [row]), BenefitPayment)
    assert [e.reason for e in errors if e.reason.startswith(reason)], errors


def test_a_cancellation_that_is_negative_and_names_what_it_reverses_is_accepted():
    row = payment(txn_type="CANCELLATION", gross=Decimal("-500.00"), federal_tax_withheld=Decimal("-50.00"),
                  net=Decimal("-450.00"), reverses_payment_key="P-0")
    BenefitPayment(**row)
    assert validate_frame(_frame(BenefitPayment, [row]), BenefitPayment) == []


def test_a_negative_weekly_benefit_is_refused_by_both_engines():
    row = {"case_number": "NTN-1", "absence_period_key": "PL-1", "employee_id": "W1", "plan": "FMLA",
           "period_type": "CONTINUOUS", "decision": "APPROVED", "period_start": BASE_DAY,
           "updated_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC), "weekly_benefit": Decimal("-1.00")}
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        LeavePeriod(**row)
    [error] = validate_frame(_frame(LeavePeriod, [row]), LeavePeriod)
    assert (error.field, error.reason) == ("weekly_benefit", "below the allowed ge 0")


def test_a_pay_instruction_names_the_field_its_kind_requires():
    row = {"instruction_id": "I1", "employee_id": "W1", "check_date": BASE_DAY, "kind": "HOURS",
           "created_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)}
    with pytest.raises(ValidationError, match="pay_code is required when kind is HOURS"):
        PayInstruction(**row)
    fields = sorted(e.field for e in validate_frame(_frame(PayInstruction, [row]), PayInstruction))
    assert fields == ["hours", "pay_code"]
