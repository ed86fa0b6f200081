"""DOMAIN scenarios (pay side) at the rules level: inputs and expected lines from domain_scenarios.yaml,
written by hand; the engine must produce exactly those lines (no more, no fewer)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from leavehub.rules.fmla import determine_eligibility, fmla_balance
from leavehub.rules.pay import price_period
from leavehub.rules.retro import retro_diff
from tests.leavehub.rules.frames import plain_frame
from tests.leavehub.rules.scenarios import DATA, TABLES, expected_set, inputs, line_set, policy, scenario, window


def _hours(value) -> str:
    """Integer hundredths (or cents) from the working frames, or an exact decimal, as a 2-decimal string."""
    exact = value if isinstance(value, Decimal) else Decimal(int(value)) / 100
    return str(exact.quantize(Decimal("0.01")))


def _charged(usage: pd.DataFrame, employee: str) -> str:
    return _hours(usage.loc[usage["employee_id"] == employee, "hours_units"].sum())


def _ledger(arrears: pd.DataFrame) -> pd.DataFrame:
    return plain_frame([{"employee_id": r.employee_id, "plan_type": r.plan_type,
                         "deduction_code": r.deduction_code, "share": r.share,
                         "amount": Decimal(int(r.amount_cents)) / 100}
                        for r in arrears.itertuples()],
                       {"employee_id": pa.string(), "plan_type": pa.string(), "deduction_code": pa.string(),
                        "share": pa.string(), "amount": pa.decimal128(14, 2)})


def _outstanding(receivables: pd.DataFrame) -> pd.DataFrame:
    """Receivables as the premium/receivable side would hand them back: outstanding = the gross owed."""
    out = receivables.copy()
    out["outstanding"] = [Decimal(int(c)) / 100 for c in out["amount_cents"]]
    return out


def test_domain_scenario_1_unpaid_fmla_blocks_the_medical_deduction_and_catches_up_after_return():
    s, history = scenario("1"), policy("1")
    arrears = []
    for name in s["expect"]["each_of"]:
        priced = price_period(inputs("1"), window(name), history, TABLES)
        assert line_set(priced.lines) == expected_set(s["expect"]["lines"], name), name
        arrears.append(priced.arrears)
    owed = pd.concat(arrears, ignore_index=True)
    assert _hours(owed["amount_cents"].sum()) == s["expect"]["arrears_total"]
    back = s["after_return"]
    returned = dataclasses.replace(inputs("1"), premium_ledger=_ledger(owed))
    priced = price_period(returned, window(back["period"]), history, TABLES)
    assert line_set(priced.lines) == expected_set(back["lines"], back["period"])
    assert _hours(-priced.arrears["amount_cents"].sum()) == "60.00"  # the RECOVERED movement


def test_domain_scenario_2_std_elimination_is_salary_continuation_then_an_800_top_up_and_no_forced_pto():
    s = scenario("2")
    priced = price_period(inputs("2"), window(s["expect"]["period"]), policy("2"), TABLES)
    assert line_set(priced.lines) == expected_set(s["expect"]["lines"], s["expect"]["period"])
    assert set(priced.lines["rule_version"]) >= {"policy v7 (2025-01-01)"}


def test_domain_scenario_3_intermittent_episode_charges_exact_hours_and_pays_rounded_hours():
    s = scenario("3")
    history = policy("3")
    priced = price_period(inputs("3"), window(s["expect"]["period"]), history, TABLES)
    assert line_set(priced.lines) == expected_set(s["expect"]["lines"], s["expect"]["period"])
    for employee, hours in s["expect"]["fmla_charged"].items():
        assert _charged(priced.fmla_usage, employee) == hours
    data = inputs("3")
    eligibility = determine_eligibility(data.employment, data.hours_worked, data.leave_periods,
                                        history.versions[0].fmla)
    got = dict(zip(eligibility["employee_id"], eligibility["entitlement_hours"].map(_hours), strict=True))
    assert got == s["expect"]["entitlement"]


def test_domain_scenario_4_retro_approval_gives_lines_tied_to_the_original_period_and_original_dates():
    s, history = scenario("4"), policy("4")
    e = s["expect"]
    sent = price_period(inputs("4", "leave_periods_then"), window(e["sent_period"]), history, TABLES)
    assert line_set(sent.lines) == expected_set(e["sent_lines"], e["sent_period"])
    assert sent.fmla_usage.empty  # pending: nothing charged yet
    now = inputs("4", "leave_periods_now")
    fresh = price_period(now, window(e["sent_period"]), history, TABLES)
    retro = retro_diff(fresh, sent.lines, None, window(e["retro_on"]), now.leave_periods, TABLES)
    assert line_set(retro.lines) == expected_set(e["retro_lines"], e["retro_on"])
    assert set(retro.lines["check_date"]) == {DATA["periods"][e["retro_on"]]["check_date"]}
    corrects = {r["corrects"] for r in e["retro_lines"] if "corrects" in r}
    assert {r.split(":", 1)[1] for r in retro.lines["rule"]} >= corrects
    assert retro.receivables.empty
    usage = fresh.fmla_usage
    assert int(usage["day"].min()) == (date.fromisoformat(str(e["fmla_charged_from"])) - date(1970, 1, 1)).days
    assert _charged(usage, "E4") == e["fmla_charged"]["E4"]
    # applying the retro to what was sent, nothing is left to correct
    again = retro_diff(fresh, pd.concat([sent.lines, retro.lines], ignore_index=True), None,
                       window(e["retro_on"]), now.leave_periods, TABLES)
    assert again.lines.empty and again.receivables.empty


def test_domain_scenario_5_denied_std_after_provisional_pay_is_a_receivable_deducted_only_where_allowed():
    s, history = scenario("5"), policy("5")
    e = s["expect"]
    sent = price_period(inputs("5", "leave_periods_then"), window(e["sent_period"]), history, TABLES)
    assert line_set(sent.lines) == expected_set(e["sent_lines"], e["sent_period"])
    now = inputs("5", "leave_periods_now")
    fresh = price_period(now, window(e["sent_period"]), history, TABLES)
    retro = retro_diff(fresh, sent.lines, None, window(e["retro_on"]), now.leave_periods, TABLES)
    assert line_set(retro.lines) == expected_set(e["retro_lines"], e["retro_on"])
    got = {(r.employee_id, _hours(r.amount_cents), r.recovery,
            None if r.cap_percent is None else str(r.cap_percent)) for r in retro.receivables.itertuples()}
    assert got == {(r["employee_id"], r["amount"], r["recovery"], r.get("cap_percent")) for r in e["receivables"]}
    assert all("NY@" in v or "no wage-deduction rule" in v for v in retro.receivables["rule_version"])
    later = dataclasses.replace(now, receivables=_outstanding(retro.receivables))
    priced = price_period(later, window(e["recovery_period"]), history, TABLES)
    assert line_set(priced.lines) == expected_set(e["recovery_lines"], e["recovery_period"])


def test_domain_scenario_6_state_plan_top_ups_need_agreement_and_ma_is_capped_at_the_aww():
    s = scenario("6")
    priced = price_period(inputs("6"), window(s["expect"]["period"]), policy("6"), TABLES)
    assert line_set(priced.lines) == expected_set(s["expect"]["lines"], s["expect"]["period"])
    topups = priced.lines.loc[priced.lines["pay_code"] == "STATE_PFL_TOPUP"]
    assert all("CA_PFL@" in v or "MA_PFML@" in v for v in topups["rule_version"])


def test_domain_scenario_8_year_end_period_splits_arrears_by_plan_year_and_retests_eligibility():
    s, history = scenario("8"), policy("8")
    e = s["expect"]
    data = inputs("8")
    priced = price_period(data, window(e["period"]), history, TABLES)
    assert line_set(priced.lines) == expected_set(e["lines"], e["period"])
    got = sorted((int(r.plan_year), _hours(r.amount_cents)) for r in priced.arrears.itertuples())
    assert got == sorted((r["plan_year"], r["amount"]) for r in e["arrears"])
    eligibility = determine_eligibility(data.employment, data.hours_worked, data.leave_periods,
                                        history.versions[0].fmla).set_index("absence_period_key")
    for row in e["eligibility"]:
        got_row = eligibility.loc[row["absence_period_key"]]
        assert got_row["eligible"] == row["eligible"]
        assert got_row["ineligibility_reasons"] == row["reasons"]
        assert got_row["leave_year_start"] == row["leave_year_start"]
        assert _hours(got_row["hours_worked_12m"]) == row["hours_worked_12m"]
    january = dataclasses.replace(window(e["period"]), period_start=date(2026, 1, 5), period_end=date(2026, 1, 18),
                                  check_date=date(2026, 1, 23), previous_check_date=date(2026, 1, 9))
    usage = pd.concat([priced.fmla_usage, price_period(data, january, history, TABLES).fmla_usage])
    balance = fmla_balance(usage, eligibility.reset_index(), history.versions[0].fmla, e["balance_on"])
    for row in e["balance"]:
        got_row = balance.set_index("employee_id").loc[row["employee_id"]]
        for field in ("entitlement_hours", "used_hours", "remaining_hours"):
            assert _hours(got_row[field]) == row[field], field


def test_domain_scenario_10_paid_leave_hours_do_not_count_toward_1250():
    s, history = scenario("10"), policy("10")
    data = inputs("10")
    eligibility = determine_eligibility(data.employment, data.hours_worked, data.leave_periods,
                                        history.versions[0].fmla).set_index("absence_period_key")
    for row in s["expect"]["eligibility"]:
        got = eligibility.loc[row["absence_period_key"]]
        assert got["eligible"] is False and got["ineligibility_reasons"] == row["reasons"]
        assert _hours(got["hours_worked_12m"]) == row["hours_worked_12m"]
        assert got["worksite_50_within_75"] == row["worksite_50_within_75"]


def test_domain_scenario_11_workers_comp_no_forced_pto_no_memo_and_the_share_to_arrears():
    s = scenario("11")
    priced = price_period(inputs("11"), window(s["expect"]["period"]), policy("11"), TABLES)
    assert line_set(priced.lines) == expected_set(s["expect"]["lines"], s["expect"]["period"])
    got = sorted((int(r.plan_year), r.deduction_code, _hours(r.amount_cents)) for r in priced.arrears.itertuples())
    assert got == sorted((r["plan_year"], r["deduction_code"], r["amount"]) for r in s["expect"]["arrears"])


def test_domain_scenario_12_std_taxable_share_from_three_years_of_premiums_and_state_medical_benefits():
    s = scenario("12")
    priced = price_period(inputs("12"), window(s["expect"]["period"]), policy("12"), TABLES)
    assert line_set(priced.lines) == expected_set(s["expect"]["lines"], s["expect"]["period"])
    memo = priced.lines.loc[priced.lines["employee_id"] == "E12W", "rule_version"]
    assert all("WA_PFML@" in v for v in memo)
    said = priced.lines.loc[priced.lines["employee_id"] == "E12", "explanation"]
    assert len(said) == 5 and all(v.endswith("(STD payment PAY-12 of 2026-03-16)") for v in said), \
        "each memo line names the payment it reports (two weekly payments make two sets of lines)"
