"""Integer-cent arithmetic agrees with Decimal, and pay periods price edge cases: nothing on leave, hourly pay,
calendar-day proration, a partial period."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leavehub.rules.lines import INSTRUCTION_COLUMNS
from leavehub.rules.money import decimal_array, divide, scaled_integers
from leavehub.rules.pay import price_period
from leavehub.rules.schedule import pay_window
from tests.leavehub.rules.scenarios import TABLES, frame, inputs, line_set, policy, window

MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


@given(st.integers(-10**12, 10**12), st.integers(1, 10**6), st.sampled_from(sorted(MODES)))
def test_divide_rounds_exactly_like_decimal_quantize(numerator, denominator, mode):
    expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=MODES[mode])
    assert divide(np.array([numerator]), np.array([denominator]), mode)[0] == int(expected)


@given(st.lists(st.one_of(st.none(), st.integers(-10**11, 10**11)), max_size=50))
def test_cents_round_trip_through_exact_decimals(cents):
    mask = np.array([c is None for c in cents], dtype=bool)
    units = np.array([0 if c is None else c for c in cents], dtype=np.int64)
    arr = decimal_array(units, mask=mask)
    assert arr.to_pylist() == [None if c is None else Decimal(c).scaleb(-2) for c in cents]
    assert list(scaled_integers(pd.Series(pd.arrays.ArrowExtensionArray(arr)))) == list(units)


def test_a_period_with_nobody_on_leave_has_no_lines_but_the_full_columns():
    data = dataclasses.replace(inputs("2"), leave_periods=frame("leave_period", []))
    priced = price_period(data, window("P1"), policy("2"), TABLES)
    assert priced.lines.empty and list(priced.lines.columns) == list(INSTRUCTION_COLUMNS)
    assert priced.lines["amount"].dtype == pd.ArrowDtype(pa.decimal128(14, 2))


def _partial(employment: dict, basis: str):
    history = policy("2")
    version = history.versions[0].model_copy(update={"proration_basis": basis, "pto_substitution": "never"})
    history = type(history)(versions=[version])
    leave = [{"case_number": "N-P", "absence_period_key": "P-P", "employee_id": "EP", "plan": "FMLA",
              "decision": "APPROVED", "reason_category": "FAMILY_CARE", "period_start": date(2026, 3, 9),
              "period_end": date(2026, 3, 31)}]
    data = dataclasses.replace(inputs("2"), employment=frame("employment", [employment]),
                               leave_periods=frame("leave_period", leave))
    return line_set(price_period(data, window("P1"), history, TABLES).lines)


def test_hourly_pay_for_a_partial_period_is_rate_times_the_hours_worked():
    got = _partial({"employee_id": "EP", "pay_basis": "HOURLY", "pay_rate": Decimal("25.00")}, "workdays")
    start = date(2026, 3, 2)
    assert got == {("EP", "CANCEL_REGULAR_PAY", None, None, None, "1000.00", start),   # 40 h x $25
                   ("EP", "HOURS", "UNPAID_LEAVE_HOURS", None, "40.00", None, start)}


def test_calendar_day_proration_counts_every_day_of_the_period():
    got = _partial({"employee_id": "EP", "pay_rate": Decimal("52000.00")}, "calendar_days")
    # $2,000 for 14 days; on leave Mar 9-15 (7 calendar days): 7/14 x $2,000 = $1,000.00
    assert ("EP", "CANCEL_REGULAR_PAY", None, None, None, "1000.00", date(2026, 3, 2)) in got


def test_the_pay_window_comes_from_the_calendar_with_the_check_before_it():
    calendar = frame("pay_period", [
        {"payroll_company_code": "NWD", "pay_frequency": "BIWEEKLY", "period_start": date(2026, 3, 2),
         "period_end": date(2026, 3, 15), "check_date": date(2026, 3, 20)},
        {"payroll_company_code": "NWD", "pay_frequency": "BIWEEKLY", "period_start": date(2026, 2, 16),
         "period_end": date(2026, 3, 1), "check_date": date(2026, 3, 6)},
        {"payroll_company_code": "OTH", "pay_frequency": "WEEKLY", "period_start": date(2026, 3, 9),
         "period_end": date(2026, 3, 15), "check_date": date(2026, 3, 18)},
    ])
    assert pay_window(calendar, "NWD", date(2026, 3, 20)) == window("P1")
    assert pay_window(calendar, "NWD", date(2026, 3, 6)).previous_check_date is None
    with pytest.raises(KeyError, match="check date 2026-03-18"):
        pay_window(calendar, "NWD", date(2026, 3, 18))
