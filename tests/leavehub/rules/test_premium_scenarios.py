"""DOMAIN scenarios 1, 8, 9 and 11, premium side: the ledger per bucket, the employer's share after leave and
COBRA events, against premium_scenarios.yaml (written by hand). The pay engine prices each period and its
BLOCKED / RECOVERED movements feed the ledger, as the pipeline does."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import yaml

from leavehub.rules.pay import LeaveInputs, price_period
from leavehub.rules.premium_ledger import premium_ledger, thirty_days_late
from leavehub.rules.premium_recovery import cobra_events, employer_share_recovery, return_outcomes
from leavehub.rules.schedule import PayWindow
from tests.leavehub.rules.frames import canonical_frame
from tests.leavehub.rules.scenarios import TABLES, frame, inputs, policy

PREMIUMS = yaml.safe_load(Path(__file__).with_name("premium_scenarios.yaml").read_text(encoding="utf-8"))
RECORDED = datetime(2026, 6, 1, tzinfo=UTC)


def _cents(value) -> str:
    return str((Decimal(int(value)) / 100).quantize(Decimal("0.01")))


def calendar(name: str) -> pd.DataFrame:
    return pd.DataFrame(PREMIUMS["calendars"][name])


def movements(arrears: list[pd.DataFrame]) -> pd.DataFrame:
    """The engine's arrears movements as premium ledger entries (what the pipeline stores)."""
    rows = pd.concat(arrears, ignore_index=True) if arrears else pd.DataFrame()
    records = [{**{k: getattr(r, k) for k in ("employee_id", "plan_type", "deduction_code", "share", "entry_type",
                                             "coverage_start", "coverage_end", "check_date", "case_number")},
                "entry_id": f"M{i}", "plan_year": int(r.plan_year), "amount": Decimal(int(r.amount_cents)) / 100,
                "recorded_at": RECORDED} for i, r in enumerate(rows.itertuples())]
    return canonical_frame("premium_ledger_entry", records)


def run(number: str, data: LeaveInputs) -> tuple[LeaveInputs, pd.DataFrame, pd.DataFrame]:
    """Price the scenario's periods in order; each check sees the movements recorded before it."""
    s = PREMIUMS["scenarios"][number]
    cal = calendar(s["calendar"])
    history = policy(number if number != "9" else "1")
    arrears: list[pd.DataFrame] = []
    for i in s.get("priced", range(len(cal))):
        p = cal.iloc[i]
        window = PayWindow("NWD", "BIWEEKLY", p.period_start, p.period_end, p.check_date)
        known = dataclasses.replace(data, premium_ledger=movements(arrears))
        priced = price_period(known, window, history, TABLES)
        arrears.append(priced.arrears)
    return data, cal, movements(arrears)


def with_outcome(data: LeaveInputs, rtw: dict) -> LeaveInputs:
    lp = data.leave_periods.copy()
    for key, value in rtw.items():
        kind = pa.date32() if key == "rtw_date" else pa.string()
        lp[key] = pd.Series([value] * len(lp), dtype=pd.ArrowDtype(kind))
    return dataclasses.replace(data, leave_periods=lp)


def ledger_rows(ledger: pd.DataFrame) -> list[list]:
    return [[r.plan_type, r.coverage_start, int(r.plan_year), *(_cents(getattr(r, c)) for c in
             ("due", "deducted", "recovered", "waived", "outstanding"))] for r in ledger.itertuples()]


def scenario_9_inputs() -> LeaveInputs:
    s = PREMIUMS["scenarios"]["9"]
    return LeaveInputs(employment=frame("employment", s["employment"]),
                       leave_periods=frame("leave_period", s["leave_periods"]),
                       enrollments=frame("enrollment", s["enrollments"]),
                       time_off=frame("time_off_balance", s["time_off"]))


def test_domain_scenario_1_premium_360_in_arrears_recovered_at_most_the_cap_and_no_employer_recovery():
    s = PREMIUMS["scenarios"]["1"]
    data, cal, moves = run("1", with_outcome(inputs("1"), s["rtw"]))
    ledger = premium_ledger(data.enrollments, data.leave_periods, cal, moves, policy("1"), as_of=s["as_of"])
    assert ledger_rows(ledger) == s["ledger"]
    assert _cents(ledger["outstanding"].sum()) == s["outstanding"]
    assert int(ledger["days_late"].max()) == s["days_late"]
    assert thirty_days_late(ledger, as_of=s["as_of"]).empty
    outcomes = return_outcomes(data.leave_periods, data.employment)
    assert outcomes["returned"].tolist() == [True] and outcomes["employer_share_recoverable"].tolist() == [False]
    assert employer_share_recovery(outcomes, data, cal, policy("1"), TABLES).empty
    assert cobra_events(outcomes).empty


def test_domain_scenario_8_premium_two_plan_year_buckets_at_their_own_rates():
    s = PREMIUMS["scenarios"]["8"]
    data, cal, moves = run("8", inputs("8"))
    ledger = premium_ledger(data.enrollments, data.leave_periods, cal, moves, policy("8"), as_of=s["as_of"])
    assert ledger_rows(ledger) == [[r[0], r[1], *r[2:]] for r in s["ledger"]]
    by_year = ledger.groupby("plan_year")["outstanding"].sum()
    assert {int(y): _cents(v) for y, v in by_year.items()} == s["outstanding_by_plan_year"]


def test_domain_scenario_9_premium_employer_share_of_unpaid_weeks_billed_after_a_20_day_return():
    s = PREMIUMS["scenarios"]["9"]
    data, cal, _ = run("9", scenario_9_inputs())
    outcomes = return_outcomes(data.leave_periods, data.employment)
    got = outcomes.iloc[0]
    assert (bool(got["returned"]), bool(got["employer_share_recoverable"])) == (
        s["outcome"]["returned"], s["outcome"]["employer_share_recoverable"])
    bills = employer_share_recovery(outcomes, data, cal, policy("1"), TABLES)
    assert [{"plan_type": r.plan_type, "coverage_start": r.coverage_start, "plan_year": int(r.plan_year),
             "unpaid_days": int(r.unpaid_days), "workdays": int(r.workdays), "amount": _cents(r.amount_cents),
             "collection": r.collection} for r in bills.itertuples()] == s["employer_recovery"]
    assert all("825.213" in v and "CA@" in v for v in bills["rule_version"])
    assert cobra_events(outcomes).empty


def test_domain_scenario_11_premium_wc_share_to_arrears_no_employer_recovery_and_a_cobra_event():
    s = PREMIUMS["scenarios"]["11"]
    data, cal, moves = run("11", with_outcome(inputs("11"), s["rtw"]))
    ledger = premium_ledger(data.enrollments, data.leave_periods, cal, moves, policy("11"), as_of=s["as_of"])
    assert ledger_rows(ledger) == s["ledger"]
    assert _cents(ledger["outstanding"].sum()) == s["outstanding"]
    outcomes = return_outcomes(data.leave_periods, data.employment)
    assert outcomes["employer_share_recoverable"].tolist() == [True]   # resigned: recoverable in principle...
    assert employer_share_recovery(outcomes, data, cal, policy("11"), TABLES).empty   # ...but WC paid every day
    events = cobra_events(outcomes)
    assert [{"employee_id": r.employee_id, "event_date": r.event_date} for r in events.itertuples()] == s["cobra"]


def test_a_pay_as_you_go_share_30_days_late_is_on_the_notice_list_with_15_days_notice():
    data = with_outcome(inputs("1"), {"premium_method": "PAY_AS_YOU_GO"})
    data, cal, moves = run("1", data)
    as_of = date(2026, 4, 20)  # P1's check (Mar 20) is 31 days back, P2's (Apr 3) 17
    ledger = premium_ledger(data.enrollments, data.leave_periods, cal, moves, policy("1"), as_of=as_of)
    late = thirty_days_late(ledger, as_of=as_of)
    assert late[["employee_id", "plan_type", "oldest_check_date", "days_late"]].values.tolist() == [
        ["E1", "MEDICAL", date(2026, 3, 20), 31]]
    assert _cents(late["amount_late"].iloc[0]) == "60.00"   # P1's $120 less the $60 catch-up applied to it
    assert late["coverage_may_end"].iloc[0] == date(2026, 5, 5)


def _back_at_work(net: list[dict] | None, floor: str, ledger_cents: int):
    """Scenario 1's first check back (Apr 13-26) with a given floor, register net and ledger balance."""
    s = PREMIUMS["scenarios"]["1"]
    history = policy("1")
    version = history.versions[0]
    rules = version.premiums.catch_up.model_copy(update={"net_pay_floor": Decimal(floor)})
    premiums = version.premiums.model_copy(update={"catch_up": rules})
    history = history.model_copy(update={"versions": [version.model_copy(update={"premiums": premiums})]})
    entry = {"entry_id": "M1", "employee_id": "E1", "plan_type": "MEDICAL", "deduction_code": "MED",
             "share": "EMPLOYEE", "entry_type": "BLOCKED", "coverage_start": date(2026, 3, 2),
             "coverage_end": date(2026, 3, 15), "plan_year": 2026, "amount": Decimal(ledger_cents) / 100,
             "recorded_at": RECORDED}
    columns = ["employee_id", "net_pay", *(["gross_pay"] if any("gross_pay" in n for n in net or []) else [])]
    net_frame = pd.DataFrame(net or [], columns=columns)
    for name in columns[1:]:
        net_frame[name] = pd.Series([Decimal(n[name]) for n in net or []], dtype=pd.ArrowDtype(
            pa.decimal128(14, 2)))
    data = dataclasses.replace(inputs("1"), premium_ledger=canonical_frame("premium_ledger_entry", [entry]),
                               net_pay=net_frame)
    p = calendar(s["calendar"]).iloc[3]
    window = PayWindow("NWD", "BIWEEKLY", p.period_start, p.period_end, p.check_date)
    priced = price_period(data, window, history, TABLES)
    adj = priced.lines.loc[priced.lines["kind"] == "DEDUCTION_ADJUSTMENT"]
    return [str(a) for a in adj["amount"]], priced.arrears[["entry_type", "amount_cents"]].values.tolist()


def test_catch_up_never_takes_net_pay_below_the_floor_and_refunds_are_negative_adjustments():
    # $360 owed, cap $60: with $1,000.00 net and a $980.00 floor only $20.00 fits
    assert _back_at_work([{"employee_id": "E1", "net_pay": "1000.00"}], "980.00", 360_00) == (
        ["20.00"], [["RECOVERED", -20_00]])
    # net already at the floor: nothing; a floor and no known net: nothing either (it cannot be proven)
    assert _back_at_work([{"employee_id": "E1", "net_pay": "980.00"}], "980.00", 360_00) == ([], [])
    assert _back_at_work(None, "980.00", 360_00) == ([], [])
    # no floor: the cap alone
    assert _back_at_work(None, "0.00", 360_00) == (["60.00"], [["RECOVERED", -60_00]])
    # the last paid check earned $2,500.00 and this one $2,000.00 (E1's biweekly pay): its net is taken as
    # $500.00 lower, so $1,500.00 net leaves the same $20.00 above the floor, and $1,000.00 leaves nothing
    assert _back_at_work([{"employee_id": "E1", "net_pay": "1500.00", "gross_pay": "2500.00"}], "980.00",
                         360_00) == (["20.00"], [["RECOVERED", -20_00]])
    assert _back_at_work([{"employee_id": "E1", "net_pay": "1000.00", "gross_pay": "2500.00"}], "980.00",
                         360_00) == ([], [])
    # a raise is not counted on: earned $1,500.00 then, $1,000.00 net: still only $20.00
    assert _back_at_work([{"employee_id": "E1", "net_pay": "1000.00", "gross_pay": "1500.00"}], "980.00",
                         360_00) == (["20.00"], [["RECOVERED", -20_00]])
    # $30 more collected than owed: paid back as a negative adjustment, whatever the cap and floor
    assert _back_at_work([{"employee_id": "E1", "net_pay": "500.00"}], "980.00", -30_00) == (
        ["-30.00"], [["REFUND", 30_00]])


def test_the_method_on_one_of_concurrent_leave_periods_and_a_revocation_on_any_apply_to_the_bucket():
    s = PREMIUMS["scenarios"]["11"]
    data = inputs("11")
    lp = data.leave_periods.copy()   # WC-11 says nothing; PL-11 (FMLA, same dates) says pay-as-you-go
    lp["premium_method"] = pd.Series([None if k == "WC-11" else "PAY_AS_YOU_GO" for k in lp["absence_period_key"]],
                                     dtype=pd.ArrowDtype(pa.string()))
    data, cal, moves = run("11", dataclasses.replace(data, leave_periods=lp))
    ledger = premium_ledger(data.enrollments, data.leave_periods, cal, moves, policy("11"), as_of=s["as_of"])
    owed = ledger.loc[ledger["outstanding"] > 0]
    assert set(owed["premium_method"]) == {"PAY_AS_YOU_GO"}
    assert owed["days_late"].tolist() == [56, 42, 28, 14] * 2   # May 15 less each check date (Mar 20 ... Apr 17)
    lp["coverage_revoked"] = pd.Series([k == "WC-11" for k in lp["absence_period_key"]],
                                       dtype=pd.ArrowDtype(pa.bool_()))
    revoked = premium_ledger(data.enrollments, lp, cal, moves, policy("11"), as_of=s["as_of"])
    medical = revoked.loc[(revoked["plan_type"] == "MEDICAL") & (revoked["deducted"] == 0)]
    assert (medical["waived"] == medical["due"]).all() and (medical["outstanding"] == 0).all()
    dental = revoked.loc[revoked["plan_type"] == "DENTAL"]
    assert (dental["waived"] == 0).all()   # the medical coverage is dropped; dental's share stays owed
