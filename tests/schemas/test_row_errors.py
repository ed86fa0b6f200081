"""row_errors reports field, reason and value class for each bad value, and never the value itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from schemas.models import Employee
from schemas.row_errors import row_errors, value_class


@pytest.mark.parametrize(("value", "expected"), [
    ("123456789", "digits(9)"), ("123-45-6789", "text(11)"), ("", "empty"), ("   ", "empty"), (None, "empty"),
    (Decimal("1.5"), "number"), (3, "number"), (True, "bool"), (date(1988, 4, 2), "date"), (["a"], "list(1)"),
])
def test_value_class_describes_without_content(value, expected):
    assert value_class(value) == expected


def test_row_errors_carry_field_row_reason_and_class_but_not_the_value():
    ssn, birth = "123-45-6789", "1988-02-30"
    with pytest.raises(ValidationError) as caught:
        Employee(employee_id="W1", ssn=ssn, birth_date=birth)
    errors = row_errors(caught.value, row=17, line=18)
    by_field = {e.field: e for e in errors}
    assert set(by_field) == {"ssn", "birth_date"}
    assert by_field["ssn"].value_class == "text(11)" and by_field["ssn"].row == 17 and by_field["ssn"].line == 18
    assert by_field["birth_date"].value_class == "text(10)"
    dumped = repr([e.as_dict() for e in errors])
    assert ssn not in dumped and birth not in dumped and "6789" not in dumped
