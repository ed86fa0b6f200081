"""Domain scenarios through vendor files: Northwind pages, Harbor leave files and the LedgerPay calendar go into
the store through their feeds, and out come LedgerPay pay-data lines (or the FMLA answer), written here by hand.

The employer policy is the scenario fixture's (tests/leavehub/rules/domain_scenarios.yaml, version 7), given to
the run as its policy.yaml. Expected lines are the fixture's, in LedgerPay's terms:
scenario 2 (E2, NY, 104,000.00 a year = 4,000.00 a period of 10 workdays, FMLA + STD from 2026-03-02, STD pays
1,200.00 a week after a 7-day elimination period): the first week is salary continuation at 100% (2,000.00), the
second week STD pays 1,200.00 and the employer tops up to 100% (800.00); regular pay stops (Cancel Pay Y, Reg
Earnings 0.00) and the STD week is 40.00 LOA hours. PTO never runs while STD pays.
Scenarios 1, 8, 11 and 12 take their vendor records and expected lines from the fixture's ``through_files``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from local_hubs import add_vendor
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.payrun.run import plan_pay_run, run_pay
from leavehub.pipeline.runner import run_feed
from leavehub.settings import REPO_ROOT

from .test_pay_run import CALENDAR, CHECK, LEAVE_HEADER, drop

FIXTURE = REPO_ROOT / "tests" / "leavehub" / "rules" / "domain_scenarios.yaml"
BEFORE_DEADLINE = datetime(2026, 3, 17, 12, tzinfo=UTC)


def worker(worker_id: str, state: str, rate: str, hire: str, nearby: int) -> dict:
    return {"id": worker_id, "ssn": "900-00-0001", "legal_name": {"first": "A", "middle": None, "last": "B"},
            "birth_date": "1980-01-01", "gender": "U",
            "home_address": {"line1": "1 Main", "line2": None, "city": "X", "state": state,
                             "postal_code": "10001"},
            "work_email": None,
            "employment": {"status": "active", "hire_date": hire, "adjusted_service_date": None,
                           "termination_date": None,
                           "worksite": {"id": "SITE-1", "state": state, "employees_within_75_miles": nearby},
                           "full_time": True, "flsa": "exempt", "scheduled_hours_per_week": "40.00",
                           "scheduled_days_per_week": 5,
                           "pay": {"basis": "salary", "rate": rate, "period": "year", "frequency": "biweekly"},
                           "key_employee": False, "spouse_worker_id": None, "union_code": None,
                           "supervisor_id": None, "payroll_file_number": f"F{worker_id}",
                           "payroll_company_code": "NWD"},
            "updated_at": "2026-03-01T08:00:00Z"}


@pytest.fixture
def hub(ledgerpay_hub, tmp_path, monkeypatch):
    add_vendor(ledgerpay_hub, "northwind_hris")
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["policy"]),
                      encoding="utf-8")
    monkeypatch.setenv("LEAVEHUB_POLICY", str(policy))
    drop(ledgerpay_hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", CALENDAR)
    assert run_feed("ledgerpay.pay_calendar", settings=ledgerpay_hub.settings).ok
    return ledgerpay_hub


def post_page(hub, tmp_path: Path, feed: str, records: list[dict]) -> None:
    page = tmp_path / f"{feed}.page.json"
    page.write_text(json.dumps({"data": records, "next_cursor": None}), encoding="utf-8")
    outcome = run_feed(f"northwind_hris.{feed}", files=[page], business_date=datetime(2026, 3, 1).date(),
                       settings=hub.settings)
    assert outcome.ok, outcome.summary()


def post_leave(hub, rows: list[str]) -> None:
    text = LEAVE_HEADER + "\n" + "\n".join(rows) + "\n"
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260301.csv", text)
    outcome = run_feed("harbor_leave.leave_periods", settings=hub.settings)
    assert outcome.ok, outcome.summary()


def in_any_order(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """``rows`` sorted by their items: import lines compare equal whatever order the file holds them in."""
    return sorted(rows, key=lambda r: sorted(r.items()))


def import_lines(hub, name: str) -> list[dict[str, str]]:
    text = (hub.settings.local_exchange_dir / "ledgerpay" / "import" / name).read_text(encoding="utf-8")
    keep = ("File #", "Cancel Pay", "Reg Earnings", "Hours 3 Code", "Hours 3 Amount", "Earnings 3 Code",
            "Earnings 3 Amount")
    return [{k: row[k] for k in keep if row[k]} for row in csv.DictReader(io.StringIO(text, newline=""))]


def test_domain_scenario_2_std_salary_continuation_and_top_up_through_files(hub, tmp_path):
    post_page(hub, tmp_path, "workers", [worker("E2", "NY", "104000.00", "2020-01-06", 100)])
    post_page(hub, tmp_path, "time_off_balances",
              [{"worker_id": "E2", "policy": "PTO", "balance_hours": "120.00", "as_of": "2026-03-01"}])
    post_leave(hub, [
        "NTN-2,PL-2,E2,Serious Health Condition - Employee,Continuous,FMLA,Approved,2026-03-02,2026-05-29,"
        "2026-02-20,2026-02-25,2026-02-27,,,,,N,N,N,,N,2026-03-01T08:00:00Z",
        "NTN-2,STD-2,E2,Serious Health Condition - Employee,Continuous,STD,Approved,2026-03-02,2026-05-29,"
        "2026-02-20,2026-02-25,2026-02-27,,,,1200.00,N,N,N,,N,2026-03-01T08:00:00Z"])

    outcome = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert outcome.status == "SENT", outcome.reason
    assert in_any_order(import_lines(hub, outcome.file_name)) == in_any_order([
        {"File #": "FE2", "Cancel Pay": "Y", "Reg Earnings": "0.00"},
        {"File #": "FE2", "Earnings 3 Code": "SCN", "Earnings 3 Amount": "2000.00"},
        {"File #": "FE2", "Earnings 3 Code": "STU", "Earnings 3 Amount": "800.00"},
        {"File #": "FE2", "Hours 3 Code": "LOA", "Hours 3 Amount": "40.00"},
    ])


def test_domain_scenario_10_not_eligible_for_hours_through_files(hub, tmp_path):
    post_page(hub, tmp_path, "workers", [worker("E10", "CA", "52000.00", "2020-01-06", 60)])
    post_page(hub, tmp_path, "hours_worked", [
        {"worker_id": "E10", "period_start": "2025-03-02", "period_end": "2026-02-28", "pay_code": "REG",
         "hours": "1220.00", "worked": True},
        {"worker_id": "E10", "period_start": "2025-03-02", "period_end": "2026-02-28", "pay_code": "PTO",
         "hours": "80.00", "worked": False}])
    post_leave(hub, ["NTN-10,PL-10,E10,Serious Health Condition - Employee,Continuous,FMLA,Pending,2026-03-02,"
                     "2026-03-27,2026-02-16,,2026-02-27,,,,,N,N,N,,N,2026-03-01T08:00:00Z"])

    result = CliRunner().invoke(app, ["fmla", "eligibility", "E10", "--on", "2026-03-02"])

    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "E10 on 2026-03-02: NOT ELIGIBLE - failed: HOURS" in out, "1,220 worked hours; the 80 PTO do not count"
    assert "hours_worked_12m: 1220.00" in out and "worksite_50_within_75: True" in out
    assert "leave: PL-10" in out


def test_domain_scenario_10_the_census_carries_the_determinations_hours_and_worksite_through_files(hub, tmp_path):
    """Harbor's census on 2026-03-02 sends E10's determination: 1,220.00 hours worked (the 80 PTO hours do not
    count) and the worksite test passed (60 employees within 75 miles): Y."""
    post_page(hub, tmp_path, "workers", [worker("E10", "CA", "52000.00", "2020-01-06", 60),
                                         worker("E11", "CA", "52000.00", "2020-01-06", 20)])
    post_page(hub, tmp_path, "hours_worked", [
        {"worker_id": "E10", "period_start": "2025-03-02", "period_end": "2026-02-28", "pay_code": "REG",
         "hours": "1220.00", "worked": True},
        {"worker_id": "E10", "period_start": "2025-03-02", "period_end": "2026-02-28", "pay_code": "PTO",
         "hours": "80.00", "worked": False}])

    sent = run_feed("harbor_leave.eligibility", business_date=datetime(2026, 3, 2).date(), settings=hub.settings)

    assert sent.ok, sent.summary()
    [census] = (hub.settings.local_exchange_dir / "harbor_leave").rglob("HARBOR_ELIG_*20260302*")
    rows = list(csv.DictReader(io.StringIO(census.read_text(encoding="utf-8").split("TRL|")[0], newline=""),
                               delimiter="|"))
    assert {r["EMPLOYEE_ID"]: (r["HOURS_WORKED_12M"], r["ELIG_50_75"]) for r in rows} == {
        "E10": ("1220.00", "Y"), "E11": ("", "N")}, "E11's hours are unknown: empty, never a guess"


def use_policy(hub, **overrides) -> None:
    """The fixture's policy with the scenario's overrides, as the hub's policy.yaml (read on every run)."""
    policy = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["policy"]
    policy["versions"][0].update(overrides)
    Path(os.environ["LEAVEHUB_POLICY"]).write_text(yaml.safe_dump(policy), encoding="utf-8")


CALENDAR_P3 = CALENDAR + "NWD,B,2026-03-30,2026-04-12,2026-04-17,2026-04-15T17:00:00Z\n"
P3_CHECK, BEFORE_P3 = datetime(2026, 4, 17).date(), datetime(2026, 4, 14, 12, tzinfo=UTC)


def leave(case: str, key: str, employee: str, plan: str, decision: str, start: str, end: str, *,
          benefit: str = "", reason: str = "Serious Health Condition - Employee", kind: str = "Continuous",
          pto: str = "N", topup: str = "N", advance: str = "N", stamp: str = "2026-03-01T08:00:00Z") -> str:
    return (f"{case},{key},{employee},{reason},{kind},{plan},{decision},{start},{end},2026-02-20,2026-02-25,"
            f"2026-02-27,,,,{benefit},{pto},{topup},{advance},,N,{stamp}")


def test_domain_scenario_3_intermittent_episodes_round_up_to_the_quarter_hour_through_files(hub, tmp_path):
    use_policy(hub, pto_substitution="employee_election")
    part_time = worker("E3B", "CA", "39000.00", "2020-01-06", 100)  # 30 h a week: 1,500.00 a period of 60 h
    part_time["employment"]["scheduled_hours_per_week"] = "30.00"
    post_page(hub, tmp_path, "workers", [worker("E3A", "CA", "52000.00", "2020-01-06", 100), part_time])
    post_page(hub, tmp_path, "time_off_balances",
              [{"worker_id": "E3A", "policy": "PTO", "balance_hours": "40.00", "as_of": "2026-03-01"}])
    post_leave(hub, [leave("NTN-31", "IN-3A", "E3A", "FMLA", "Approved", "2026-03-01", "2026-08-31",
                           kind="Intermittent", pto="Y"),
                     leave("NTN-32", "IN-3B", "E3B", "FMLA", "Approved", "2026-03-01", "2026-08-31",
                           kind="Intermittent", reason="Care for a Family Member")])
    drop(hub, "harbor_leave", "outbound", "HARBOR_ABSENCE_20260306.csv",
         "ABSENCE_PERIOD_KEY,EPISODE_ID,EMPLOYEE_ID,ABSENCE_DATE,HOURS,PLANS,DECISION,UPDATED_AT\n"
         "IN-3A,EP-3A,E3A,2026-03-04,2.40,FMLA,Approved,2026-03-05T08:00:00Z\n"
         "IN-3B,EP-3B,E3B,2026-03-05,2.40,FMLA,Approved,2026-03-05T08:00:00Z\n")
    assert run_feed("harbor_leave.absences", settings=hub.settings).ok

    outcome = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    # E3A: 2,000.00 - 2,000.00 x 2.50 / 80 = 1,937.50, and 2.50 h PTO (elected, within the 40 h balance);
    # E3B: 1,500.00 - 1,500.00 x 2.50 / 60 = 1,437.50, and 2.50 h unpaid (no election)
    assert in_any_order(import_lines(hub, outcome.file_name)) == in_any_order([
        {"File #": "FE3A", "Cancel Pay": "Y", "Reg Earnings": "1937.50"},
        {"File #": "FE3A", "Hours 3 Code": "PTO", "Hours 3 Amount": "2.50"},
        {"File #": "FE3B", "Cancel Pay": "Y", "Reg Earnings": "1437.50"},
        {"File #": "FE3B", "Hours 3 Code": "LOA", "Hours 3 Amount": "2.50"},
    ])


def test_domain_scenario_4_approval_after_payroll_closed_gives_retro_lines_through_files(hub, tmp_path):
    use_policy(hub, pending_decision="stop_pay")
    drop(hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", CALENDAR_P3)
    assert run_feed("ledgerpay.pay_calendar", settings=hub.settings).ok
    post_page(hub, tmp_path, "workers", [worker("E4", "NY", "104000.00", "2020-01-06", 100)])
    post_leave(hub, [leave("NTN-4", "PL-4", "E4", "FMLA", "Pending", "2026-03-02", "2026-03-27"),
                     leave("NTN-4", "STD-4", "E4", "STD", "Pending", "2026-03-02", "2026-03-27",
                           benefit="1200.00")])
    sent = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert import_lines(hub, sent.file_name) == [
        {"File #": "FE4", "Cancel Pay": "Y", "Reg Earnings": "0.00"},
        {"File #": "FE4", "Hours 3 Code": "LOA", "Hours 3 Amount": "80.00"}]
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260410.csv", LEAVE_HEADER + "\n" + "\n".join([
        leave("NTN-4", "PL-4", "E4", "FMLA", "Approved", "2026-03-02", "2026-03-27", stamp="2026-04-10T08:00:00Z"),
        leave("NTN-4", "STD-4", "E4", "STD", "Approved", "2026-03-02", "2026-03-27", benefit="1200.00",
              stamp="2026-04-10T08:00:00Z")]) + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok

    retro = run_pay(hub.open_store(), hub.settings, "NWD", P3_CHECK, now=BEFORE_P3)

    # P1 now: week 1 salary continuation 2,000.00 (elimination), week 2 STD 1,200.00 + top-up 800.00, 40 h LOA
    assert (retro.status, retro.batch_id) == ("SENT", "NWD2026041701")
    assert in_any_order(import_lines(hub, retro.file_name)) == in_any_order([
        {"File #": "FE4", "Earnings 3 Code": "RTA", "Earnings 3 Amount": "2000.00"},
        {"File #": "FE4", "Earnings 3 Code": "RTA", "Earnings 3 Amount": "800.00"},
        {"File #": "FE4", "Hours 3 Code": "LOA", "Hours 3 Amount": "-40.00"},
    ])
    again = run_pay(hub.open_store(), hub.settings, "NWD", P3_CHECK, now=BEFORE_P3)
    assert (again.status, again.batch_id) == ("UNCHANGED", "NWD2026041701"), "re-running builds no new lines"


def test_only_the_companys_own_employees_are_priced_and_file_numbers_come_from_hris(hub, tmp_path):
    texan = worker("E2T", "TX", "104000.00", "2020-01-06", 100)
    texan["employment"]["payroll_company_code"] = "NWT"
    post_page(hub, tmp_path, "workers", [worker("E2", "NY", "104000.00", "2020-01-06", 100), texan])
    post_leave(hub, [leave("NTN-2", "PL-2", "E2", "FMLA", "Approved", "2026-03-09", "2026-05-29"),
                     leave("NTN-22", "PL-22", "E2T", "FMLA", "Approved", "2026-03-09", "2026-05-29")])

    outcome = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    files = {row["File #"] for row in import_lines(hub, outcome.file_name)}
    assert files == {"FE2"}, "NWT's employee is not NWD's"


def pending_std(hub, tmp_path: Path, people: list[tuple[str, str, str]]) -> list[str]:
    """Scenario 5's start for ``people`` (employee, work state, case): the calendar through P3, the workers, and
    FMLA + a pending STD claim from 2026-03-02 to 03-13, each with a signed advance agreement. The leave rows."""
    drop(hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", CALENDAR_P3)
    assert run_feed("ledgerpay.pay_calendar", settings=hub.settings).ok
    post_page(hub, tmp_path, "workers", [worker(who, state, "104000.00", "2020-01-06", 100)
                                         for who, state, _ in people])
    rows = []
    for who, _, case in people:
        rows += [leave(case, f"PL-{who}", who, "FMLA", "Approved", "2026-03-02", "2026-03-13", advance="Y"),
                 leave(case, f"STD-{who}", who, "STD", "Pending", "2026-03-02", "2026-03-13", advance="Y")]
    post_leave(hub, rows)
    return rows


def deny(hub, rows: list[str]) -> None:
    """The pending STD claims of ``rows`` denied on 2026-04-08, through Harbor's leave file."""
    denied = [row.replace(",Pending,", ",Denied,").replace("2026-03-01T08:00:00Z", "2026-04-08T08:00:00Z")
              for row in rows]
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260408.csv",
         LEAVE_HEADER + "\n" + "\n".join(denied) + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok


def test_domain_scenario_5_std_denied_after_provisional_pay_recovered_through_files(hub, tmp_path):
    rows = pending_std(hub, tmp_path, [("E5N", "NY", "NTN-51"), ("E5C", "CA", "NTN-52")])
    sent = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    # provisional pay: the 7-day elimination week at 100% (2,000.00) + the pending week at 60% (1,200.00)
    assert in_any_order(import_lines(hub, sent.file_name)) == in_any_order([
        {"File #": f, **line} for f in ("FE5N", "FE5C") for line in (
            {"Cancel Pay": "Y", "Reg Earnings": "0.00"},
            {"Earnings 3 Code": "SCN", "Earnings 3 Amount": "3200.00"})
    ])
    deny(hub, rows)

    retro = run_pay(hub.open_store(), hub.settings, "NWD", P3_CHECK, now=BEFORE_P3)

    # the period is unpaid FMLA now: 80 h LOA tied to it; the 3,200.00 paid is an overpayment: NY allows a
    # deduction with the signed advance agreement within 12.5% of the check (4,000.00 -> 500.00), CA bills it
    lines = import_lines_full(hub, retro.file_name)
    assert in_any_order(lines) == in_any_order([
        {"File #": "FE5N", "Hours 3 Code": "LOA", "Hours 3 Amount": "80.00"},
        {"File #": "FE5C", "Hours 3 Code": "LOA", "Hours 3 Amount": "80.00"},
        {"File #": "FE5N", "Adjust Ded Code": "OVP", "Adjust Ded Amount": "500.00"},
    ])
    again = run_pay(hub.open_store(), hub.settings, "NWD", P3_CHECK, now=BEFORE_P3)
    assert again.status == "UNCHANGED", "a rerun books no second receivable and recovers nothing twice"


def test_an_overpayment_in_washington_is_deducted_within_5_percent_of_disposable_earnings_through_files(
        hub, tmp_path):
    """Scenario 5's denial in Washington (RCW 49.48.210: at most 5% of disposable earnings per check, with the
    signed advance agreement). The register of the provisional check says what its taxes were: SCN 3,200.00 less
    taxes 400.00 + 198.40 + 46.40 = 2,555.20 disposable. The check back at work pays 4,000.00: its disposable
    earnings are taken as 4,000.00 x 2,555.20 / 3,200.00 = 3,194.00, at most the 2,555.20 last known, so the cap is
    5% of 2,555.20 = 127.76. E5X has no paid check in the register: nothing is deducted yet, the receivable stays
    owed (the later run shows it was not billed)."""
    rows = pending_std(hub, tmp_path, [("E5W", "WA", "NTN-53"), ("E5X", "WA", "NTN-54")])
    sent = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    drop(hub, "ledgerpay", "export", "LEDGERPAY_REGISTER_NWD_20260320.csv",
         "CO_CODE,FILE_NO,PAY_PERIOD_START,PAY_PERIOD_END,CHECK_DATE,LINE_TYPE,CODE,HOURS,AMOUNT,BATCH_ID\n"
         f"NWD,FE5W,2026-03-02,2026-03-15,2026-03-20,EARN,SCN,,3200.00,{sent.batch_id}\n"
         "NWD,FE5W,2026-03-02,2026-03-15,2026-03-20,TAX,FIT,,400.00,\n"
         "NWD,FE5W,2026-03-02,2026-03-15,2026-03-20,TAX,SS,,198.40,\n"
         "NWD,FE5W,2026-03-02,2026-03-15,2026-03-20,TAX,MED,,46.40,\n"
         "NWD,FE5W,2026-03-02,2026-03-15,2026-03-20,DED,MED,,120.00,\n")
    assert run_feed("ledgerpay.payroll_register", settings=hub.settings).ok
    deny(hub, rows)

    plan = plan_pay_run(hub.open_store(), hub.settings, "NWD", P3_CHECK)
    assert sorted((r["employee_id"], r["amount_cents"], r["recovery"], r["cap_basis"]) for r in plan.receivables) \
        == [("E5W", 320_000, "deduct", "disposable"), ("E5X", 320_000, "deduct", "disposable")]
    recovery = [line for line in plan.lines if line["deduction_code"] == "OVP"]
    assert [line["employee_id"] for line in recovery] == ["E5W"]
    assert "disposable earnings" in recovery[0]["explanation"] and "WA@" in recovery[0]["rule_version"]
    retro = run_pay(hub.open_store(), hub.settings, "NWD", P3_CHECK, now=BEFORE_P3)

    assert in_any_order(import_lines_full(hub, retro.file_name)) == in_any_order([
        {"File #": "FE5W", "Hours 3 Code": "LOA", "Hours 3 Amount": "80.00"},
        {"File #": "FE5X", "Hours 3 Code": "LOA", "Hours 3 Amount": "80.00"},
        {"File #": "FE5W", "Adjust Ded Code": "OVP", "Adjust Ded Amount": "127.76"},
    ])


def import_lines_full(hub, name: str) -> list[dict[str, str]]:
    text = (hub.settings.local_exchange_dir / "ledgerpay" / "import" / name).read_text(encoding="utf-8")
    drop_columns = ("Co Code", "Batch ID", "Batch Action", "Pay #")
    return [{k: v for k, v in row.items() if v and k not in drop_columns}
            for row in csv.DictReader(io.StringIO(text, newline=""))]


def test_domain_scenario_6_state_paid_bonding_no_forced_pto_top_up_only_by_agreement_through_files(hub, tmp_path):
    """CA PFL pays 1,300.00 a week: with the top-up agreement the employer adds 2 x (2,000.00 - 1,300.00) =
    1,400.00; without it nothing. MA PFML without the employee's election: no top-off. PTO (80 h each) never
    runs while the state plan pays.

    E6MA elected the MA top-off: benefit plus top-off stay within the AWW, the state's (458 CMR 2.02): the two
    highest of the last four completed quarters' wages / 26. LedgerPay's register shows 2025's biweekly checks of
    3,600.00 from Jan 17 (before a raise to 104,000.00): Q3 holds 7 checks, Q1, Q2 and Q4 6 each, so the AWW is
    (25,200.00 + 21,600.00) / 26 = 1,800.00, below the 2,000.00 base weekly wage (the fixture's figure). Two
    weeks: 2 x 1,800.00 = 3,600.00 less the benefit 2 x 1,100.00 = 1,400.00."""
    bonding = "Child Bonding"
    post_page(hub, tmp_path, "workers", [worker(w, st, "104000.00", "2020-01-06", 100)
                                         for w, st in (("E6CA", "CA"), ("E6CB", "CA"), ("E6MA", "MA"),
                                                       ("E6MB", "MA"))])
    post_page(hub, tmp_path, "time_off_balances",
              [{"worker_id": w, "policy": "PTO", "balance_hours": "80.00", "as_of": "2026-03-01"}
               for w in ("E6CA", "E6CB", "E6MA", "E6MB")])
    checks = [date(2025, 1, 17) + timedelta(days=14 * n) for n in range(25)]  # periods Jan 1 - Dec 16
    drop(hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2025.csv",
         "CO_CODE,FREQUENCY,PERIOD_START,PERIOD_END,CHECK_DATE,PROCESSING_DEADLINE\n"
         + "".join(f"NWD,B,{c - timedelta(days=16)},{c - timedelta(days=3)},{c},{c - timedelta(days=2)}"
                   "T17:00:00Z\n" for c in checks))
    assert run_feed("ledgerpay.pay_calendar", settings=hub.settings).ok
    drop(hub, "ledgerpay", "export", "LEDGERPAY_REGISTER_NWD_20251219.csv",
         "CO_CODE,FILE_NO,PAY_PERIOD_START,PAY_PERIOD_END,CHECK_DATE,LINE_TYPE,CODE,HOURS,AMOUNT,BATCH_ID\n"
         + "".join(f"NWD,FE6MA,{c - timedelta(days=16)},{c - timedelta(days=3)},{c},EARN,REG,80.00,3600.00,\n"
                   for c in checks))
    assert run_feed("ledgerpay.payroll_register", settings=hub.settings).ok
    post_leave(hub, [
        leave("NTN-61", "PFL-6CA", "E6CA", "CA_PFL", "Approved", "2026-03-02", "2026-04-24", benefit="1300.00",
              topup="Y", reason=bonding),
        leave("NTN-61", "PL-6CA", "E6CA", "FMLA", "Approved", "2026-03-02", "2026-04-24", reason=bonding),
        leave("NTN-62", "PFL-6CB", "E6CB", "CA_PFL", "Approved", "2026-03-02", "2026-04-24", benefit="1300.00",
              reason=bonding),
        leave("NTN-63", "PF-6MA", "E6MA", "MA_PFML", "Approved", "2026-03-02", "2026-04-24", benefit="1100.00",
              topup="Y", reason=bonding),
        leave("NTN-64", "PF-6MB", "E6MB", "MA_PFML", "Approved", "2026-03-02", "2026-04-24", benefit="1100.00",
              reason=bonding)])

    plan = plan_pay_run(hub.open_store(), hub.settings, "NWD", CHECK)
    outcome = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    stopped = [{"Cancel Pay": "Y", "Reg Earnings": "0.00"}, {"Hours 3 Code": "LOA", "Hours 3 Amount": "80.00"}]
    expected = [{"File #": f"F{w}", **line} for w in ("E6CA", "E6CB", "E6MA", "E6MB") for line in stopped]
    expected.append({"File #": "FE6CA", "Earnings 3 Code": "PFT", "Earnings 3 Amount": "1400.00"})
    expected.append({"File #": "FE6MA", "Earnings 3 Code": "PFT", "Earnings 3 Amount": "1400.00"})
    assert in_any_order(import_lines(hub, outcome.file_name)) == in_any_order(expected)
    [ma] = [line for line in plan.lines if line["employee_id"] == "E6MA" and line["pay_code"] == "STATE_PFL_TOPUP"]
    assert "average weekly wage (1,800.00: highest 2 quarters of 2025Q1-2025Q4" in ma["explanation"], ma


# --- scenarios 1, 8 and 11: inputs and expected lines from the fixture's ``through_files`` ------------------

THROUGH = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["through_files"]
PAY_HEADER = ("PAYMENT_KEY,CASE_NUMBER,EMPLOYEE_ID,PLAN,TXN_TYPE,PERIOD_START,PERIOD_END,GROSS,FIT,SIT,SS_EE,"
              "MED_EE,NET,TAXABLE_PCT,NONTAXABLE,PAYMENT_DATE,REVERSES_PAYMENT_KEY")


def through_files(hub, tmp_path: Path, number: str) -> dict:
    """Post scenario ``number``'s vendor records through their feeds (calendar, Northwind pages, Harbor files)."""
    case = THROUGH[number]
    if case.get("policy_overrides"):
        use_policy(hub, **case["policy_overrides"])
    rows = [f"NWD,B,{start},{end},{check},{check - timedelta(days=2)}T17:00:00Z"
            for start, end, check in case["calendar"]]
    year = case["calendar"][-1][2].year
    drop(hub, "ledgerpay", "export", f"LEDGERPAY_CALENDAR_NWD_{year}.csv",
         "CO_CODE,FREQUENCY,PERIOD_START,PERIOD_END,CHECK_DATE,PROCESSING_DEADLINE\n" + "\n".join(rows) + "\n")
    assert run_feed("ledgerpay.pay_calendar", settings=hub.settings).ok
    post_page(hub, tmp_path, "workers", [worker(w["id"], w["state"], w["rate"], str(w.get("hire", "2020-01-06")),
                                                w.get("nearby", 100)) for w in case["workers"]])
    if case.get("enrollments"):
        post_page(hub, tmp_path, "benefit_enrollments", [
            {"worker_id": e["worker_id"], "plan_type": e["plan_type"], "carrier": "bluepeak",
             "plan_code": f"{e['deduction_code']}-1", "tier": "EE", "coverage_amount": None,
             "benefit_salary": None,
             "ee_premium_per_period": e["ee"], "er_premium_per_period": e["er"], "tax": e.get("tax", "pre"),
             "deduction_code": e["deduction_code"], "effective_date": str(e["from"]),
             "end_date": str(e["to"]) if e.get("to") else None} for e in case["enrollments"]])
    if case.get("hours_worked"):
        post_page(hub, tmp_path, "hours_worked", [
            {**h, "period_start": str(h["period_start"]), "period_end": str(h["period_end"])}
            for h in case["hours_worked"]])
    if case.get("time_off"):
        post_page(hub, tmp_path, "time_off_balances", [{**t, "as_of": str(t["as_of"])} for t in case["time_off"]])
    post_leave(hub, [f"{p['case']},{p['key']},{p['employee']},{p['reason']},Continuous,{p['plan']},"
                     f"{p['decision']},{p['start']},{p['end']},{p['notice']},{p['notice']},"
                     f"{p['start'] - timedelta(days=1)},,,,,N,N,N,{p.get('premium_method', '')},N,"
                     "2026-03-01T08:00:00Z" for p in case["leave"]])
    if case.get("payments"):
        drop(hub, "harbor_leave", "outbound", "HARBOR_PAY_20260310.csv", PAY_HEADER + "\n" + "\n".join(
            f"{p['key']},{p['case']},{p['employee']},{p['plan']},Standard,{p['start']},{p['end']},{p['gross']},"
            f"{p.get('fit', '0.00')},0.00,{p.get('ss', '0.00')},{p.get('med', '0.00')},{p['gross']},,,{p['date']},"
            for p in case["payments"]) + "\n")
        assert run_feed("harbor_leave.benefit_payments", settings=hub.settings).ok
    return case


def sent_lines(hub, case: dict) -> dict:
    """Each expected check date's import lines (its non-empty columns but the batch's own), run before its
    deadline."""
    store = hub.open_store()
    out = {}
    for check in case["checks"]:
        outcome = run_pay(store, hub.settings, "NWD", check,
                          now=datetime(check.year, check.month, check.day, 12, tzinfo=UTC) - timedelta(days=3))
        assert outcome.status == "SENT", (check, outcome.reason)
        out[check] = in_any_order(import_lines_full(hub, outcome.file_name))
    return out


def test_domain_scenario_1_unpaid_fmla_three_whole_periods_block_the_medical_share_through_files(hub, tmp_path):
    case = through_files(hub, tmp_path, "1")

    assert sent_lines(hub, case) == {check: in_any_order(lines) for check, lines in case["checks"].items()}


def test_domain_scenario_8_a_period_spanning_jan_1_and_the_new_leave_year_retested_through_files(hub, tmp_path):
    case = through_files(hub, tmp_path, "8")

    assert sent_lines(hub, case) == {check: in_any_order(lines) for check, lines in case["checks"].items()}
    for asked in case["eligibility"]:
        result = CliRunner().invoke(app, ["fmla", "eligibility", "E8", "--on", str(asked["day"])])
        assert result.exit_code == 0, result.output
        out = " ".join(result.output.split())
        assert f"E8 on {asked['day']}: {asked['verdict']}" in out, out
        assert f"leave: {asked['leave']}" in out and f"hours_worked_12m: {asked['hours_worked_12m']}" in out


def test_domain_scenario_11_workers_comp_with_fmla_no_forced_pto_no_memo_shares_blocked_through_files(hub,
                                                                                                      tmp_path):
    case = through_files(hub, tmp_path, "11")

    assert sent_lines(hub, case) == {check: in_any_order(lines) for check, lines in case["checks"].items()}


def test_domain_scenario_12_std_memo_lines_taxable_by_three_years_of_premiums_through_files(hub, tmp_path):
    case = through_files(hub, tmp_path, "12")

    assert sent_lines(hub, case) == {check: in_any_order(lines) for check, lines in case["checks"].items()}
