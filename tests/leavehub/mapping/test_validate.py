"""Vectorized validation against the pydantic model: every bad value, with a value class, never the value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
from mapping_helpers import Person, canonical_frame

from leavehub.mapping.error_sink import value_classes
from leavehub.mapping.validate import validate_frame


def errors_of(rows):
    errors = validate_frame(canonical_frame(Person, rows), Person)
    return [(e.row, e.field, e.reason, e.value_class) for e in errors]


def test_a_good_frame_has_no_errors():
    assert errors_of([{"person_id": "P1", "ssn": "123456789", "color": "RED", "pay": Decimal("1.00"),
                       "colors": ["RED"], "birth_date": dt.date(1988, 4, 2)}]) == []


def test_required_enum_pattern_length_bounds_and_dates_each_reported():
    rows = [
        {"person_id": None},
        {"person_id": "P" * 11},
        {"person_id": "P3", "ssn": "12345678"},
        {"person_id": "P4", "color": "GREEN"},
        {"person_id": "P5", "colors": ["RED", "PINK"]},
        {"person_id": "P6", "rate": Decimal("100.5")},
        {"person_id": "P7", "hours": Decimal("-1")},
        {"person_id": "P8", "count": -2},
        {"person_id": "P9", "birth_date": dt.date(1066, 10, 14)},
    ]
    assert errors_of(rows) == [
        (1, "person_id", "required value is empty", "empty"),
        (2, "person_id", "longer than 10 characters", "text(11)"),
        (3, "ssn", r"does not match the pattern ^\d{9}$", "digits(8)"),
        (4, "color", "not a known code (expected one of RED, BLUE)", "text(5)"),
        (5, "colors", "not a known code", "list"),
        (6, "rate", "above the allowed le 100", "decimal"),
        (7, "hours", "below the allowed ge 0", "decimal"),
        (8, "count", "below the allowed ge 0", "integer"),
        (9, "birth_date", "implausible date (outside 1900-2199)", "date"),
    ]


def test_decimal_scale_and_precision_of_frames_from_elsewhere():
    frame = pd.DataFrame({"person_id": pd.array(["a", "b"], dtype=pd.ArrowDtype(pa.string())),
                          "pay": pd.array([Decimal("1.234"), Decimal("1" + "0" * 13)],
                                          dtype=pd.ArrowDtype(pa.decimal128(38, 3)))})
    reasons = [(e.row, e.reason) for e in validate_frame(frame, Person)]
    assert reasons == [(1, "more than 2 decimal places"), (2, "more than 12 digits before the point")]


def test_value_classes_describe_without_revealing():
    values = pa.array(["123456789", None, "", "  ", "1988-04-02", "04/02/1988", "12.50", "Ana Diaz"])
    assert value_classes(values) == ["digits(9)", "empty", "empty", "blank(2)", "date-like", "date-like",
                                     "number(5)", "text(8)"]


def test_validate_frame_takes_model_and_frame_in_either_order():
    frame = canonical_frame(Person, [{"person_id": None}])
    assert validate_frame(Person, frame) == validate_frame(frame, Person) != []
