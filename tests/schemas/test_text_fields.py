"""Every canonical text field is bounded and printable, in pydantic and in the vectorized validator alike.

Pinned (issue 12 items 4 and 6): each text field of each model declares a maximum length and refuses control
characters (or is held to a pattern that admits none); a 50 MB last name from an API is refused by pydantic
and by the column validator; NUL, a newline inside a key, a tab in a name are refused by both with the field
and a reason, never the value; ordinary accented and punctuated names pass.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError

from leavehub.mapping.fields import field_specs
from leavehub.mapping.validate import validate_frame
from schemas.columns import CONTROL_CHARACTERS
from schemas.models import ENTITIES, Employee, LeavePeriod

TEXT_FIELDS = [pytest.param(entity, name, spec, id=f"{entity}.{name}")
               for entity, model in sorted(ENTITIES.items())
               for name, spec in field_specs(model).items() if spec.kind == "string" and not spec.enum_values]


def test_there_are_text_fields_to_check():
    assert len(TEXT_FIELDS) > 60


@pytest.mark.parametrize(("entity", "name", "spec"), TEXT_FIELDS)
def test_every_text_field_has_a_maximum_length_and_admits_no_control_character(entity, name, spec):
    assert spec.max_length is not None, f"{entity}.{name} has no maximum length"
    if not spec.printable:
        assert spec.pattern is not None, f"{entity}.{name} neither refuses control characters nor has a pattern"
        assert not re.search(spec.pattern, "1\x00"), f"{entity}.{name}'s pattern admits NUL"


def test_the_control_class_catches_what_it_says_and_nothing_printable():
    for char in ("\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"):
        assert re.search(CONTROL_CHARACTERS, f"a{char}b"), repr(char)
    assert not re.search(CONTROL_CHARACTERS, "Zoë O'Brien-Núñez, Jr. #4 / 東京 (ok)")


def employee(**fields):
    return {"employee_id": "W1", **fields}


REFUSED = [
    (employee(last_name="x" * 50_000_000), "last_name", "longer than 100 characters", "should have at most"),
    (employee(employee_id="W\x001"), "employee_id", "contains a control character", "control character"),
    (employee(employee_id="W1\nW2"), "employee_id", "contains a control character", "control character"),
    (employee(first_name="Ana\tMaria"), "first_name", "contains a control character", "control character"),
    (employee(city="Boston\x00"), "city", "contains a control character", "control character"),
    (employee(work_email="a" * 250 + "@x.com"), "work_email", "longer than 254 characters", "at most 254"),
]


@pytest.mark.parametrize(("row", "field", "reason", "pydantic_says"), REFUSED,
                         ids=["50MB last_name", "NUL in key", "newline in key", "tab in name", "NUL in city",
                              "long email"])
def test_bad_text_is_refused_by_both_engines_naming_field_and_reason_never_the_value(row, field, reason,
                                                                                     pydantic_says):
    with pytest.raises(ValidationError, match=pydantic_says) as caught:
        Employee(**row)
    assert row[field][:20] not in str(caught.value)
    frame = pa.table({name: pa.array([row.get(name)], spec.arrow_type)
                      for name, spec in field_specs(Employee).items()}).to_pandas(types_mapper=pd.ArrowDtype)
    [error] = validate_frame(frame, Employee)
    assert (error.row, error.field, error.reason) == (1, field, reason)
    assert row[field][:20] not in repr(error)
    assert error.value_class.startswith("text(")


def test_ordinary_names_pass_both_engines():
    row = employee(first_name="Zoë", last_name="O'Brien-Núñez", address_line1="12 Rue de l'Église, Apt #3",
                   city="São Paulo", postal_code="02134-1234", work_email="zoe.obrien@example.com")
    Employee(**row)
    frame = pa.table({name: pa.array([row.get(name)], spec.arrow_type)
                      for name, spec in field_specs(Employee).items()}).to_pandas(types_mapper=pd.ArrowDtype)
    assert validate_frame(frame, Employee) == []


def test_surrounding_whitespace_of_a_key_is_trimmed_but_a_newline_inside_is_not():
    base = {"case_number": "NTN-1", "absence_period_key": "PL-1", "employee_id": "W1", "plan": "FMLA",
            "period_type": "CONTINUOUS", "decision": "APPROVED", "period_start": dt.date(2026, 3, 2),
            "updated_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)}
    assert LeavePeriod(**{**base, "case_number": " NTN-1 "}).case_number == "NTN-1"
    with pytest.raises(ValidationError, match="control character"):
        LeavePeriod(**{**base, "absence_period_key": "PL\n-1"})
