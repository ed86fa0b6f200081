"""The domain premium scenarios through vendor files: Northwind worker and enrollment pages, Harbor's leave file,
LedgerPay's calendar and registers go in through their feeds; out come LedgerPay pay-data lines (blocks, then
catch-up), the premium ledger in the store (what reconciliation's arrears aging and `leavehub premiums status`
both read) and Summit Mutual's 834. Inputs and expected values are in premium_scenarios.yaml (`through_files`),
written by hand from the domain rules (docs/domain.md)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from local_hubs import LocalHub, add_vendor, local_hub, pipeline_pg_url, with_ledgerpay
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.payrun.run import run_pay
from leavehub.pipeline.runner import run_feed
from leavehub.settings import REPO_ROOT

__all__ = ["local_hub", "pipeline_pg_url"]

pytestmark = pytest.mark.timeout(600)
RULES = REPO_ROOT / "tests" / "leavehub" / "rules"
PREMIUMS = yaml.safe_load((RULES / "premium_scenarios.yaml").read_text(encoding="utf-8"))
THROUGH = PREMIUMS["through_files"]
LEAVE_HEADER = ("CASE_NUMBER,ABSENCE_PERIOD_KEY,EMPLOYEE_ID,LEAVE_REASON,PERIOD_TYPE,PLAN,DECISION,PERIOD_START,"
                "PERIOD_END,NOTICE_DATE,DECISION_DATE,LAST_DAY_WORKED,RTW_DATE,RTW_OUTCOME,REDUCED_HOURS_WEEK,"
                "WEEKLY_BENEFIT,PTO_ELECTION,TOPUP_AGREEMENT,ADVANCE_AGREEMENT,PREMIUM_METHOD,COVERAGE_REVOKED,"
                "UPDATED_AT")
REGISTER_HEADER = "CO_CODE,FILE_NO,PAY_PERIOD_START,PAY_PERIOD_END,CHECK_DATE,LINE_TYPE,CODE,HOURS,AMOUNT,BATCH_ID"


@pytest.fixture
def hub(local_hub: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalHub:
    """A local hub holding LedgerPay (export in, import out), Summit Mutual (from/to_summit) and Northwind, under
    the domain scenarios' policy with the through-files floor."""
    with_ledgerpay(local_hub)
    add_vendor(local_hub, "summit_mutual", inbound_dir="from_summit", outbound_dir="to_summit")
    add_vendor(local_hub, "northwind_hris")
    policy = yaml.safe_load((RULES / "domain_scenarios.yaml").read_text(encoding="utf-8"))["policy"]
    policy["versions"][0]["premiums"]["catch_up"]["net_pay_floor"] = THROUGH["1"]["net_pay_floor"]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    monkeypatch.setenv("LEAVEHUB_POLICY", str(path))
    return local_hub


def drop(hub: LocalHub, vendor: str, folder: str, name: str, text: str) -> None:
    target = hub.settings.local_exchange_dir / vendor / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text(text, encoding="utf-8")


def feed(hub: LocalHub, feed_id: str, **kwargs) -> None:
    outcome = run_feed(feed_id, settings=hub.settings, **kwargs)
    assert outcome.ok, outcome.summary()


def post_page(hub: LocalHub, tmp_path: Path, name: str, records: list[dict]) -> None:
    page = tmp_path / f"{name}.page.json"
    page.write_text(json.dumps({"data": records, "next_cursor": None}), encoding="utf-8")
    feed(hub, f"northwind_hris.{name}", files=[page], business_date=date(2026, 2, 20))


def worker(worker_id: str) -> dict:
    return {"id": worker_id, "ssn": "900-00-0001", "legal_name": {"first": "Ana", "middle": None, "last": "Diaz"},
            "birth_date": "1980-01-01", "gender": "X",
            "home_address": {"line1": "1 Main", "line2": None, "city": "Fresno", "state": "CA",
                             "postal_code": "93701"},
            "work_email": None,
            "employment": {"status": "active", "hire_date": "2018-01-08", "adjusted_service_date": None,
                           "termination_date": None,
                           "worksite": {"id": "SITE-1", "state": "CA", "employees_within_75_miles": 100},
                           "full_time": True, "flsa": "exempt", "scheduled_hours_per_week": "40.00",
                           "scheduled_days_per_week": 5,
                           "pay": {"basis": "salary", "rate": "52000.00", "period": "year",
                                   "frequency": "biweekly"},
                           "key_employee": False, "spouse_worker_id": None, "union_code": None,
                           "supervisor_id": None, "payroll_file_number": f"F{worker_id}",
                           "payroll_company_code": "NWD"},
            "updated_at": "2026-02-20T08:00:00Z"}


def enrollment(worker_id: str, plan: str, code: str, ee: str, er: str, carrier: str = "bluepeak") -> dict:
    return {"worker_id": worker_id, "plan_type": plan, "carrier": carrier, "plan_code": f"{code}-1", "tier": "EE",
            "coverage_amount": None, "benefit_salary": "52000.00" if plan in ("STD", "LTD") else None,
            "ee_premium_per_period": ee, "er_premium_per_period": er, "tax": "pre", "deduction_code": code,
            "effective_date": "2026-01-01", "end_date": None}


def calendar_text(periods: list[dict]) -> str:
    rows = [f"NWD,B,{p['period_start']},{p['period_end']},{p['check_date']},2027-01-01T17:00:00Z" for p in periods]
    return "CO_CODE,FREQUENCY,PERIOD_START,PERIOD_END,CHECK_DATE,PROCESSING_DEADLINE\n" + "\n".join(rows) + "\n"


def register(hub: LocalHub, period: dict, lines: list[list[str]], employee: str = "E1") -> None:
    """LedgerPay's register of one check: ``lines`` as [type, code, hours, amount, batch]."""
    head = f"NWD,F{employee},{period['period_start']},{period['period_end']},{period['check_date']}"
    text = REGISTER_HEADER + "\n" + "\n".join(f"{head},{','.join(line)}" for line in lines) + "\n"
    drop(hub, "ledgerpay", "export", f"LEDGERPAY_REGISTER_NWD_{period['check_date']:%Y%m%d}.csv", text)
    feed(hub, "ledgerpay.payroll_register")


def sent_to_payroll(hub: LocalHub, name: str) -> list[dict[str, str]]:
    text = (hub.settings.local_exchange_dir / "ledgerpay" / "import" / name).read_text(encoding="utf-8")
    skip = ("Co Code", "Batch ID", "Batch Action", "Pay #")
    return [{k: v for k, v in row.items() if v and k not in skip}
            for row in csv.DictReader(io.StringIO(text, newline=""))]


def register_lines_for(sent: list[dict[str, str]], batch: str) -> list[list[str]]:
    """What LedgerPay's register shows for the import lines it processed (its simulator's rules)."""
    out = []
    for line in sent:
        if line.get("Cancel Pay") == "Y":
            out.append(["EARN", "REG", "", line.get("Reg Earnings", "0.00"), batch])
        elif "Hours 3 Code" in line:
            out.append(["EARN", line["Hours 3 Code"], line["Hours 3 Amount"], "0.00", batch])
        elif "Adjust Ded Code" in line:
            out.append(["DED", line["Adjust Ded Code"], "", line["Adjust Ded Amount"], batch])
        elif "Block Ded Code" in line:
            out.append(["DED", line["Block Ded Code"], "", "0.00", batch])
    return out


def by_items(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(rows, key=lambda r: sorted(r.items()))


def test_domain_scenario_1_premium_blocked_to_arrears_then_caught_up_within_cap_and_floor_through_files(
        hub, tmp_path):
    s = THROUGH["1"]
    periods = s["calendar"]
    post_page(hub, tmp_path, "workers", [worker("E1")])
    post_page(hub, tmp_path, "benefit_enrollments", [enrollment("E1", "MEDICAL", "MED", "120.00", "480.00"),
                                                     enrollment("E1", "STD", "STD", "8.00", "8.00", "summit")])
    drop(hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", calendar_text(periods))
    feed(hub, "ledgerpay.pay_calendar")
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260225.csv", LEAVE_HEADER + "\n"
         "NTN-1,PL-1,E1,Care for a Family Member,Continuous,FMLA,Approved,2026-03-02,2026-04-12,2026-02-16,"
         "2026-02-20,2026-02-27,2026-04-13,Returned,,,N,N,N,Catch Up,N,2026-02-25T08:00:00Z\n")
    feed(hub, "harbor_leave.leave_periods")
    at_work = [list(line) for line in s["at_work_register"]]
    register(hub, periods[0], at_work)   # the last check before the leave: net 1,700.00

    for period in periods[1:4]:   # three unpaid checks: each blocks MED, payroll's register shows 0.00 taken
        sent = run_pay(hub.open_store(), hub.settings, "NWD", period["check_date"], override_deadline=True)
        assert sent.status == "SENT", sent.reason
        lines = sent_to_payroll(hub, sent.file_name)
        assert by_items(lines) == by_items(s["leave_lines"])
        if period is periods[3]:   # the P3 run recorded P1 and P2: Summit's weekly full 834 during the leave
            assert_834_member(hub, s["enrollment_834"])
        register(hub, period, register_lines_for(lines, sent.batch_id))

    back = run_pay(hub.open_store(), hub.settings, "NWD", periods[4]["check_date"], override_deadline=True)

    store = hub.open_store()
    entries = store.current("premium_ledger_entry").sort_values(["coverage_start", "plan_type"])
    assert [[r.entry_type, r.plan_type, r.coverage_start, f"{r.amount}"] for r in entries.itertuples()] == \
        s["arrears_after_leave"]
    assert back.status == "SENT", back.reason
    assert by_items(sent_to_payroll(hub, back.file_name)) == by_items(s["catch_up_lines"])
    again = run_pay(store, hub.settings, "NWD", periods[4]["check_date"], override_deadline=True)
    assert again.status == "UNCHANGED", "recording the registers again writes nothing new"
    assert len(store.current("premium_ledger_entry")) == len(s["arrears_after_leave"])

    taken = register_lines_for(sent_to_payroll(hub, back.file_name), back.batch_id)
    register(hub, periods[4], at_work + taken)
    result = CliRunner().invoke(app, ["premiums", "record", "--company", "NWD", "--check-date", "2026-05-01"])
    assert result.exit_code == 0 and "APPLIED, 2 entries" in result.output, result.output

    drop(hub, "summit_mutual", "from_summit", "SUMMIT_BILL_SMG0042_202604.csv",
         "GROUP,EMPLOYEE_ID,COVERAGE,COVERAGE_MONTH,VOLUME,RATE,PREMIUM,EE_SHARE,ER_SHARE,ADJUSTMENT_REASON\n"
         + "\n".join(s["bill"]["lines"]) + "\n")
    feed(hub, "summit_mutual.premium_bill")
    from leavehub.reconcile.carrier_bill import bill_vs_enrollments

    store = hub.open_store()
    billed = bill_vs_enrollments(store.current("premium_bill_line"), store.current("enrollment"),
                                 store.current("employment"), check_date=date(2026, 5, 1))
    assert billed["exception_type"].tolist() == s["bill"]["exceptions"]

    expected = s["after_catch_up"]
    status = CliRunner().invoke(app, ["premiums", "status", "E1", "--as-of", "2026-05-01", "--format", "json"])
    assert status.exit_code == 0, status.output
    assert [[r["plan_type"], r["coverage_start"], r["due"], r["deducted"], r["recovered"], r["outstanding"]]
            for r in json.loads(status.stdout)] == [[str(v) for v in row] for row in expected["status"]]
    from leavehub.reconcile.arrears import AGING_BUCKETS, arrears_aging
    from leavehub.reconcile.loader import load_inputs

    inputs = load_inputs(hub.open_store(), check_date=date(2026, 5, 1), weeks=8)
    aging, _late = arrears_aging(inputs.arrears, check_date=date(2026, 5, 1))
    got = {row["plan_type"]: {b: f"{row[b] / 100:.2f}" for b in AGING_BUCKETS} for _, row in aging.iterrows()}
    assert got == expected["aging"]
    assert {row["plan_type"]: f"{row['outstanding_cents'] / 100:.2f}" for _, row in aging.iterrows()} == \
        expected["outstanding"], "reconciliation and premiums status read the same stored entries"


def assert_834_member(hub: LocalHub, expected: dict) -> None:
    """Summit's full 834 on ``expected["business_date"]``: valid for pyx12; E1's member loop has the segments."""
    from sandbox.x12_check import validate_x12

    outcome = run_feed("summit_mutual.enrollment_full", business_date=expected["business_date"],
                       settings=hub.settings)
    assert outcome.sent is not None and outcome.sent.status == "SENT", outcome.summary()
    text = (hub.settings.local_exchange_dir / "summit_mutual" / "to_summit" / outcome.sent.file).read_text()
    assert validate_x12(text).valid
    segments = text.split("~")
    member = segments[next(i for i, seg in enumerate(segments) if seg.startswith("INS*")):]
    member = member[:next(i for i, seg in enumerate(member) if seg.startswith("SE*"))]
    for segment in expected["segments"]:
        assert segment in member, (segment, [s.split("*")[0] for s in member])


def start(hub: LocalHub, tmp_path: Path, s: dict, enrollments: list[dict], leave_rows: list[str]) -> None:
    """The worker, enrollments, calendar and leave of a scenario, through their feeds."""
    post_page(hub, tmp_path, "workers", [worker(s["employee"])])
    post_page(hub, tmp_path, "benefit_enrollments", enrollments)
    drop(hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", calendar_text(s["calendar"]))
    feed(hub, "ledgerpay.pay_calendar")
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20251201.csv", LEAVE_HEADER + "\n" + "\n".join(leave_rows)
         + "\n")
    feed(hub, "harbor_leave.leave_periods")


def pay_every_check(hub: LocalHub, s: dict) -> None:
    """Each check: the pay run (which records the earlier registers first), then LedgerPay's register: the
    lines it received plus what payroll did itself; the last check recorded by `premiums record`."""
    took = {str(k): v for k, v in s.get("payroll_took", {}).items()}
    for period in s["calendar"]:
        sent = run_pay(hub.open_store(), hub.settings, "NWD", period["check_date"], override_deadline=True)
        lines = sent_to_payroll(hub, sent.file_name) if sent.status == "SENT" else []
        if "blocks" in s and str(period["check_date"]) not in took:
            assert sorted(ln["Block Ded Code"] for ln in lines if "Block Ded Code" in ln) == s["blocks"]
        register(hub, period, register_lines_for(lines, sent.batch_id or "") + took.get(
            str(period["check_date"]), []), s["employee"])
    last = s["calendar"][-1]["check_date"]
    result = CliRunner().invoke(app, ["premiums", "record", "--company", "NWD", "--check-date", str(last)])
    assert result.exit_code == 0, result.output


def status_rows(employee: str, as_of: date) -> list[list[str]]:
    status = CliRunner().invoke(app, ["premiums", "status", employee, "--as-of", str(as_of), "--format", "json"])
    assert status.exit_code == 0, status.output
    return [[r["plan_type"], r["coverage_start"], r["plan_year"], r["due"], r["deducted"], r["recovered"],
             r["waived"], r["outstanding"]] for r in json.loads(status.stdout)]


def test_domain_scenario_8_premium_two_plan_year_buckets_at_their_own_rates_through_files(hub, tmp_path):
    s = THROUGH["8"]
    enrollments = [{**enrollment("E8", "MEDICAL", "MED", "100.00", "400.00"), "effective_date": "2025-01-01",
                    "end_date": "2025-12-31"}, enrollment("E8", "MEDICAL", "MED", "120.00", "480.00")]
    start(hub, tmp_path, s, enrollments, [
        "NTN-8,PL-8A,E8,Care for a Family Member,Continuous,FMLA,Approved,2025-12-10,2025-12-31,2025-11-20,"
        "2025-11-25,2025-12-09,,,,,N,N,N,,N,2025-12-01T08:00:00Z",
        "NTN-8,PL-8B,E8,Care for a Family Member,Continuous,FMLA,Approved,2026-01-01,2026-02-20,2025-11-20,"
        "2025-11-25,2025-12-09,2026-02-23,Returned,,,N,N,N,,N,2025-12-01T08:00:00Z"])

    pay_every_check(hub, s)

    entries = hub.open_store().current("premium_ledger_entry").sort_values("coverage_start")
    assert [[r.entry_type, r.coverage_start, int(r.plan_year), f"{r.amount}"] for r in entries.itertuples()] == \
        s["entries"]
    rows = status_rows("E8", s["as_of"])
    assert rows == [[str(v) if not isinstance(v, int) else v for v in row]
                    for row in PREMIUMS["scenarios"]["8"]["ledger"]], "the rules' own hand-written ledger"
    by_year: dict[str, Decimal] = {}
    for row in rows:
        by_year[str(row[2])] = by_year.get(str(row[2]), Decimal(0)) + Decimal(row[-1])
    assert {k: f"{v:.2f}" for k, v in by_year.items()} == {str(k): v for k, v in
                                                          s["outstanding_by_plan_year"].items()}


def test_domain_scenario_11_premium_workers_comp_share_to_arrears_through_files(hub, tmp_path):
    s = THROUGH["11"]
    start(hub, tmp_path, s, [enrollment("E11", "MEDICAL", "MED", "120.00", "480.00"),
                             enrollment("E11", "DENTAL", "DEN", "10.00", "20.00")], [
        f"NTN-11,{key},E11,Work Related,Continuous,{plan},Approved,2026-03-02,2026-04-30,2026-02-27,2026-03-02,"
        "2026-02-27,,Resigned,,,N,N,N,Catch Up,N,2026-03-01T08:00:00Z" for key, plan in (("WC-11", "WC"),
                                                                                         ("PL-11", "FMLA"))])

    pay_every_check(hub, s)

    entries = hub.open_store().current("premium_ledger_entry").sort_values(["coverage_start", "plan_type"])
    assert [[r.entry_type, r.plan_type, r.coverage_start, f"{r.amount}"] for r in entries.itertuples()] == \
        s["entries"]
    rows = status_rows("E11", s["as_of"])
    assert [[r[0], r[1], *r[3:]] for r in rows] == [[str(v) for v in row[:2]] + [str(v) for v in row[3:]]
                                                    for row in PREMIUMS["scenarios"]["11"]["ledger"]]
    assert f"{sum(Decimal(r[-1]) for r in rows):.2f}" == s["outstanding"]
    got = after_leave("E11")
    assert got["employer_share"] == [], "workers' comp paid every day of the leave: nothing to recover"
    assert [{"employee_id": e["employee_id"], "event_date": e["event_date"]} for e in got["cobra_events"]] == [
        {**e, "event_date": str(e["event_date"])} for e in PREMIUMS["scenarios"]["11"]["cobra"]]


def after_leave(employee: str) -> dict:
    result = CliRunner().invoke(app, ["premiums", "after-leave", "--company", "NWD", employee, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_domain_scenario_9_premium_employer_share_of_unpaid_weeks_billed_after_a_20_day_return_through_files(
        hub, tmp_path):
    s = THROUGH["9"]
    start(hub, tmp_path, s, [enrollment("E9", "MEDICAL", "MED", "120.00", "480.00"),
                             enrollment("E9", "STD", "STD", "8.00", "8.00", "summit")], [
        "NTN-9,PL-9,E9,Serious Health Condition - Employee,Continuous,FMLA,Approved,2026-03-02,2026-04-26,"
        "2026-02-20,2026-02-25,2026-02-27,2026-04-27,Returned,,,Y,N,N,Catch Up,N,2026-03-01T08:00:00Z",
        "NTN-9,STD-9,E9,Serious Health Condition - Employee,Continuous,STD,Approved,2026-03-02,2026-03-29,"
        "2026-02-20,2026-02-25,2026-02-27,,,,600.00,N,N,N,,N,2026-03-01T08:00:00Z"])
    post_page(hub, tmp_path, "time_off_balances", [
        {"worker_id": "E9", "policy": "PTO", "balance_hours": "80.00", "as_of": "2026-03-01"},
        {"worker_id": "E9", "policy": "PTO", "balance_hours": "0.00", "as_of": "2026-04-13"}])
    assert after_leave("E9") == {"employer_share": [], "cobra_events": []}, "still employed: nothing owed"
    gone = worker("E9")
    gone["employment"].update(status="terminated", termination_date="2026-05-17")
    gone["updated_at"] = "2026-05-18T08:00:00Z"
    page = tmp_path / "workers-later.page.json"
    page.write_text(json.dumps({"data": [gone], "next_cursor": None}), encoding="utf-8")
    feed(hub, "northwind_hris.workers", files=[page], business_date=date(2026, 5, 18))

    got = after_leave("E9")

    expected = PREMIUMS["scenarios"]["9"]
    assert [{k: row[k] for k in ("plan_type", "coverage_start", "plan_year", "unpaid_days", "workdays",
                                 "amount", "collection")} for row in got["employer_share"]] == [
        {**r, "coverage_start": str(r["coverage_start"])} for r in expected["employer_recovery"]]
    assert got["cobra_events"] == expected["cobra"]


def test_a_blocked_deduction_payroll_took_anyway_is_not_arrears_until_a_restated_register_refunds_it(
        hub, tmp_path):
    """The register is the proof: a share payroll took on a leave check is paid (0.00 blocked); when payroll
    restates that check's register without it (refunded), recording again puts the share back in arrears."""
    s = THROUGH["1"]
    period = s["calendar"][1]
    post_page(hub, tmp_path, "workers", [worker("E1")])
    post_page(hub, tmp_path, "benefit_enrollments", [enrollment("E1", "MEDICAL", "MED", "120.00", "480.00")])
    drop(hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", calendar_text(s["calendar"]))
    feed(hub, "ledgerpay.pay_calendar")
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260225.csv", LEAVE_HEADER + "\n"
         "NTN-1,PL-1,E1,Care for a Family Member,Continuous,FMLA,Approved,2026-03-02,2026-04-12,2026-02-16,"
         "2026-02-20,2026-02-27,,,,,N,N,N,Catch Up,N,2026-02-25T08:00:00Z\n")
    feed(hub, "harbor_leave.leave_periods")
    sent = run_pay(hub.open_store(), hub.settings, "NWD", period["check_date"], override_deadline=True)
    ours = register_lines_for(sent_to_payroll(hub, sent.file_name), sent.batch_id)

    def recorded(lines: list[list[str]]) -> str:
        register(hub, period, lines)
        result = CliRunner().invoke(app, ["premiums", "record", "--company", "NWD", "--check-date",
                                          str(period["check_date"])])
        assert result.exit_code == 0, result.output
        entries = hub.open_store().current("premium_ledger_entry")
        return str(entries.loc[entries["entry_type"] == "BLOCKED", "amount"].iloc[0])

    assert recorded([*ours, ["DED", "MED", "", "120.00", ""]]) == "0.00", "payroll took it: nothing owed"
    assert recorded(ours) == "120.00", "refunded in the restated register: the share is owed again"


def test_a_direct_payment_pays_the_oldest_shares_ends_their_lateness_and_moves_the_last_premium_paid_date(
        hub, tmp_path):
    """Pay-as-you-go during unpaid FMLA (29 CFR 825.210): E2 owes MEDICAL 120.00 and STD 8.00 per check and
    mails checks in. Three unpaid checks block both; E2's check CHK-1001 pays 240.00 of MEDICAL, CHK-1002 16.00
    of STD: the two oldest buckets of each, so only the third (checked Apr 17, 14 days before May 1) is still
    owed and nothing is 30 days late; Summit's 834 says premiums were paid through Mar 29, the end of the second
    bucket (the day before the leave, Mar 1, until the payment). A correction of CHK-1002 to 8.00 moves it back
    to Mar 15. (The fourth bucket, Apr 13 - 26, is due on the May 1 check: owed, not late.)"""
    periods = THROUGH["1"]["calendar"]
    start(hub, tmp_path, {"employee": "E2", "calendar": periods},
          [enrollment("E2", "MEDICAL", "MED", "120.00", "480.00"),
           enrollment("E2", "STD", "STD", "8.00", "8.00", "summit")],
          ["NTN-2,PL-2,E2,Care for a Family Member,Continuous,FMLA,Approved,2026-03-02,2026-05-10,2026-02-16,"
           "2026-02-20,2026-02-27,,,,,N,N,N,Pay As You Go,N,2026-02-25T08:00:00Z"])
    register(hub, periods[0], [["EARN", "REG", "", "2000.00", ""], ["DED", "MED", "", "120.00", ""],
                               ["DED", "STD", "", "8.00", ""]], "E2")
    for period in periods[1:4]:
        sent = run_pay(hub.open_store(), hub.settings, "NWD", period["check_date"], override_deadline=True)
        assert sent.status == "SENT", sent.reason
        register(hub, period, register_lines_for(sent_to_payroll(hub, sent.file_name), sent.batch_id), "E2")
    recorded = CliRunner().invoke(app, ["premiums", "record", "--company", "NWD", "--check-date",
                                        "2026-04-17"])
    assert recorded.exit_code == 0, recorded.output
    owed = [["MEDICAL", "2026-03-02", 2026, "120.00", "0.00", "0.00", "0.00", "120.00"],
            ["MEDICAL", "2026-03-16", 2026, "120.00", "0.00", "0.00", "0.00", "120.00"],
            ["MEDICAL", "2026-03-30", 2026, "120.00", "0.00", "0.00", "0.00", "120.00"],
            ["MEDICAL", "2026-04-13", 2026, "120.00", "0.00", "0.00", "0.00", "120.00"],
            ["STD", "2026-03-02", 2026, "8.00", "0.00", "0.00", "0.00", "8.00"],
            ["STD", "2026-03-16", 2026, "8.00", "0.00", "0.00", "0.00", "8.00"],
            ["STD", "2026-03-30", 2026, "8.00", "0.00", "0.00", "0.00", "8.00"],
            ["STD", "2026-04-13", 2026, "8.00", "0.00", "0.00", "0.00", "8.00"]]
    assert status_rows("E2", date(2026, 5, 1)) == owed
    assert "30+ days late" in CliRunner().invoke(app, ["premiums", "status", "E2", "--as-of", "2026-05-01"]).output
    assert_834_member(hub, {"business_date": date(2026, 4, 21), "segments": ["DTP*543*D8*20260301"]})

    for plan, amount, ref in (("MEDICAL", "240.00", "CHK-1001"), ("STD", "16.00", "CHK-1002")):
        paid = CliRunner().invoke(app, ["premiums", "payment", "E2", "--company", "NWD", "--plan", plan,
                                        "--amount", amount, "--received", "2026-04-20", "--reference", ref])
        assert paid.exit_code == 0 and f"{ref} of E2 ({plan} {amount}, received 2026-04-20): APPLIED" \
            in paid.output, paid.output

    assert status_rows("E2", date(2026, 5, 1)) == [
        ["MEDICAL", "2026-03-02", 2026, "120.00", "0.00", "120.00", "0.00", "0.00"],
        ["MEDICAL", "2026-03-16", 2026, "120.00", "0.00", "120.00", "0.00", "0.00"],
        owed[2], owed[3],
        ["STD", "2026-03-02", 2026, "8.00", "0.00", "8.00", "0.00", "0.00"],
        ["STD", "2026-03-16", 2026, "8.00", "0.00", "8.00", "0.00", "0.00"],
        owed[6], owed[7]]
    late = CliRunner().invoke(app, ["premiums", "status", "E2", "--as-of", "2026-05-01"])
    assert late.exit_code == 0 and "30+ days late" not in late.output
    assert_834_member(hub, {"business_date": date(2026, 4, 22), "segments": ["DTP*543*D8*20260329"]})

    again = CliRunner().invoke(app, ["premiums", "payment", "E2", "--company", "NWD", "--plan", "STD", "--amount",
                                     "16.00", "--received", "2026-04-20", "--reference", "CHK-1002"])
    assert again.exit_code == 0 and again.output.rstrip().endswith("UNCHANGED"), again.output
    corrected = CliRunner().invoke(app, ["premiums", "payment", "E2", "--company", "NWD", "--plan", "STD",
                                         "--amount", "8.00", "--received", "2026-04-20",
                                         "--reference", "CHK-1002"])
    assert corrected.exit_code == 0 and corrected.output.rstrip().endswith("APPLIED"), corrected.output
    assert status_rows("E2", date(2026, 5, 1))[4:] == [
        ["STD", "2026-03-02", 2026, "8.00", "0.00", "8.00", "0.00", "0.00"], owed[5], owed[6], owed[7]]
    assert_834_member(hub, {"business_date": date(2026, 4, 23), "segments": ["DTP*543*D8*20260315"]})

    refused = CliRunner().invoke(app, ["premiums", "payment", "E2", "--company", "NWD", "--plan", "LTD",
                                       "--amount", "5.00", "--received", "2026-04-20", "--reference", "CHK-1003"])
    assert refused.exit_code == 1 and "no LTD enrollment" in refused.output, refused.output
