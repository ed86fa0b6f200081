"""Property: canonical -> vendor text (outbound) -> canonical (inbound) gives back the same values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_helpers import BUSINESS_DATE, Person, canonical_frame, inbound, outbound, text_frame

DATES = st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
MONEY = st.one_of(st.none(), st.decimals(min_value=Decimal("-999999999999.99"),
                                         max_value=Decimal("999999999999.99"),
                                         places=2, allow_nan=False, allow_infinity=False))
COLORS = st.one_of(st.none(), st.sampled_from(["RED", "BLUE"]))
ROWS = st.lists(st.tuples(DATES, MONEY, COLORS, st.booleans(), st.lists(st.sampled_from(["FMLA", "CFRA", "STD"]),
                                                                         max_size=3)), min_size=1, max_size=40)

PATTERNS = ["%m/%d/%Y", "%Y%m%d", "%Y-%m-%d", "%d.%m.%Y"]


@cache
def mappers(pattern: str) -> tuple:
    """Compiled once per pattern: compiling is the slow part, and it happens once per feed in production."""
    out = outbound({
        "ID": "person_id",
        "DOB": [{"source": "birth_date"}, {"date": pattern}],
        "PAY": [{"source": "pay"}, {"decimal": 2}],
        "COLOR": [{"source": "color"}, {"code": "color"}],
        "ACTIVE": [{"source": "active"}, {"bool": {"true": "Y", "false": "N"}}],
        "PLANS": [{"source": "tags"}, {"join": ";"}],
    }, {"entity": "person"})
    back = inbound({
        "person_id": "ID",
        "birth_date": [{"source": "DOB"}, {"date": pattern}],
        "pay": [{"source": "PAY"}, {"decimal": 2}],
        "color": [{"source": "COLOR"}, {"code": "color"}],
        "active": [{"source": "ACTIVE"}, {"bool": {"true": "Y", "false": "N"}}],
        "tags": [{"source": "PLANS"}, {"split": ";"}],
    })
    return out, back


@settings(max_examples=40, deadline=None)
@given(rows=ROWS, pattern=st.sampled_from(PATTERNS))
def test_dates_decimals_codes_bools_and_lists_survive_a_round_trip(rows, pattern):
    records = [{"person_id": f"P{i}", "birth_date": d, "pay": m, "color": c, "active": b, "tags": t or None}
               for i, (d, m, c, b, t) in enumerate(rows)]
    to_vendor, to_canonical = mappers(pattern)
    vendor = to_vendor.apply({"person": canonical_frame(Person, records)}, BUSINESS_DATE)
    text = [{k: (v or None) for k, v in row.items()} for row in vendor.to_dict("records")]
    back = to_canonical.apply(text_frame(text), 1, BUSINESS_DATE)
    assert back.errors == []
    frame = back.frames["person"]
    for column in ("birth_date", "pay", "color", "active", "tags"):
        got = frame[column].array.__arrow_array__().to_pylist()
        assert got == [r[column] for r in records], column


ROUNDING = {mode: inbound({"person_id": {"const": "x"},
                         "pay": [{"source": "V"}, {"decimal": {"scale": 2, "rounding": mode}}]})
            for mode in ("half_up", "half_even")}


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.decimals(min_value=Decimal("-9999999.9999"), max_value=Decimal("9999999.9999"),
                                   places=4, allow_nan=False, allow_infinity=False), min_size=1, max_size=30),
       rounding=st.sampled_from(["half_up", "half_even"]))
def test_decimal_rounding_agrees_with_python_decimal_quantize(values, rounding):
    from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP

    chunk = ROUNDING[rounding].apply(text_frame([{"V": str(v)} for v in values]), 1, BUSINESS_DATE)
    mode = ROUND_HALF_UP if rounding == "half_up" else ROUND_HALF_EVEN
    assert chunk.frames["person"]["pay"].array.__arrow_array__().to_pylist() == [
        v.quantize(Decimal("0.01"), rounding=mode) for v in values]
