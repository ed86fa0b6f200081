"""Faults against canonical validation, through the real pipeline on SQLite AND PostgreSQL.

Verdicts pinned here (issue 12 items 4, 6, 9; issue 11):
- NUL, tab, ESC, DEL or a C1 control in a text field, and a newline inside a key field, are row errors naming
  line, field and reason: the file is quarantined whole, nothing of it is stored (PostgreSQL no longer crashes
  on NUL, SQLite no longer stores it), the value is echoed nowhere, and the valid file after it applies;
- an over-long key is a row error the same way, and a 50 MB last name from the HRIS API is refused, not kept;
- a negative gross on a STANDARD payment, a positive cancellation and a cancellation that names nothing it
  reverses are row errors; a well-formed cancellation posts;
- a period ending before it starts (a cross-field rule of the canonical model) is a row error in the
  vectorized path, as pydantic says;
- an ``UPDATED_AT`` without a zone, in month 13 or at minute 60 is a row error, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fault_tools import bytes_under, leave_rows

from leavehub.pipeline.preview import preview_file
from leavehub.pipeline.quarantine import list_quarantine
from leavehub.pipeline.runner import run_feed
from leavehub.settings import REPO_ROOT
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, PAY_COLUMNS, render_csv

pytestmark = pytest.mark.timeout(180)

LEAVE = "harbor_leave.leave_periods"
PAY = "harbor_leave.benefit_payments"


def write(hub, name: str, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    inbox = hub.settings.local_exchange_dir / "harbor_leave" / "outbound"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(render_csv(columns, ([row.get(c, "") for c in columns] for row in rows)))
    return path


def quarantine_report(hub) -> dict:
    [entry] = list_quarantine(hub.settings.quarantine_dir)
    return json.loads(entry.report.read_text(encoding="utf-8"))


BAD_TEXT = [
    ("EMPLOYEE_ID", "employee_id", "W\x00{}"),
    ("EMPLOYEE_ID", "employee_id", "W\t{}"),
    ("ABSENCE_PERIOD_KEY", "absence_period_key", "PL-{}\nX"),
    ("ABSENCE_PERIOD_KEY", "absence_period_key", "PL-{}\rX"),
    ("EMPLOYEE_ID", "employee_id", "W\x1b[31m{}"),
    ("EMPLOYEE_ID", "employee_id", "W\x7f{}"),
    ("ABSENCE_PERIOD_KEY", "absence_period_key", "PL-\u0085{}"),
    ("EMPLOYEE_ID", "employee_id", "W{}" + "9" * 130),
]


@pytest.mark.parametrize(("column", "field", "template"), BAD_TEXT,
                         ids=["NUL", "tab", "newline in key", "CR in key", "ESC", "DEL", "C1 NEL", "121 chars"])
def test_a_control_character_or_over_long_text_quarantines_the_file_and_the_next_file_applies(
        local_hub, harbor_leave_rows, column, field, template, fault_measure):
    bad = leave_rows(harbor_leave_rows, 3)
    planted = template.format("5150")
    bad[1] = dict(bad[1], **{column: planted})
    good = leave_rows(harbor_leave_rows, 3, skip=3)
    write(local_hub, "HARBOR_LEAVE_20260302.csv", LEAVE_COLUMNS, bad)
    write(local_hub, "HARBOR_LEAVE_20260303.csv", LEAVE_COLUMNS, good)

    outcome = run_feed(LEAVE, settings=local_hub.settings)

    assert [(r.file, r.status) for r in outcome.receipts] == [
        ("HARBOR_LEAVE_20260302.csv", "REJECTED"), ("HARBOR_LEAVE_20260303.csv", "APPLIED")], outcome.summary()
    store = local_hub.open_store()
    stored = set(store.current("leave_period")["absence_period_key"])
    wanted = {r["ABSENCE_PERIOD_KEY"] for r in good}
    assert stored == wanted, "nothing of the bad file is stored; the good file is stored whole"
    report = quarantine_report(local_hub)
    reasons = {(e.get("line"), e.get("field"), e.get("reason")) for e in report["errors"]}
    reason = "longer than 120 characters" if len(planted) > 120 else "contains a control character"
    assert (3, field, reason) in reasons, report["errors"]
    ledger = {e.file_name: e for e in store.ledger(vendor="harbor_leave")}
    shown = [json.dumps(report), json.dumps(ledger["HARBOR_LEAVE_20260302.csv"].errors), outcome.summary()]
    assert not [text for text in shown if "5150" in text], "the planted value is echoed nowhere"
    fault_measure(records_lost=len(wanted - stored), records_duplicated=0,
                  rejected_bytes=bytes_under(local_hub.settings.quarantine_dir))


@pytest.mark.parametrize(("stamp", "reason"), [
    ("2026-03-02T08:15:00", "has no time zone (the rule names none: add timezone:)"),
    ("2026-13-02T08:15:00Z", "not a datetime in the format iso"),
    ("2026-03-02T08:60:00Z", "not a datetime in the format iso"),
    ("2026-03-02T08:15:00-13:00", "not a datetime in the format iso"),
])
def test_a_naive_or_out_of_range_updated_at_is_a_row_error_with_line_and_field(local_hub, harbor_leave_rows,
                                                                                 stamp, reason):
    rows = leave_rows(harbor_leave_rows, 2)
    rows[1] = dict(rows[1], UPDATED_AT=stamp)
    write(local_hub, "HARBOR_LEAVE_20260302.csv", LEAVE_COLUMNS, rows)

    outcome = run_feed(LEAVE, settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["REJECTED"], outcome.summary()
    errors = quarantine_report(local_hub)["errors"]
    assert [(e.get("line"), e.get("field"), e.get("reason")) for e in errors] == [(3, "updated_at", reason)]
    assert stamp not in json.dumps(errors)


def test_a_period_ending_before_it_starts_is_refused_by_the_vectorized_path(local_hub, harbor_leave_rows):
    rows = leave_rows(harbor_leave_rows, 2)
    rows[0] = dict(rows[0], PERIOD_START="2026-03-10", PERIOD_END="2026-03-09")
    write(local_hub, "HARBOR_LEAVE_20260302.csv", LEAVE_COLUMNS, rows)

    outcome = run_feed(LEAVE, settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["REJECTED"], outcome.summary()
    errors = quarantine_report(local_hub)["errors"]
    assert [(e.get("line"), e.get("field"), e.get("reason")) for e in errors] == [
        (2, "period_end", "period_end is before period_start")]


def payment(key: str, **cells: str) -> dict[str, str]:
    return {"PAYMENT_KEY": key, "CASE_NUMBER": "NTN-1001", "EMPLOYEE_ID": "W000123", "PLAN": "STD",
            "TXN_TYPE": "Standard", "PERIOD_START": "2026-03-02", "PERIOD_END": "2026-03-08", "GROSS": "700.00",
            "FIT": "70.00", "SIT": "0.00", "SS_EE": "43.40", "MED_EE": "10.15", "NET": "576.45",
            "TAXABLE_PCT": "100", "NONTAXABLE": "0.00", "PAYMENT_DATE": "2026-03-13", **cells}


CANCELLATION = {"TXN_TYPE": "Cancellation", "GROSS": "-700.00", "FIT": "-70.00", "SS_EE": "-43.40",
                "MED_EE": "-10.15", "NET": "-576.45"}


@pytest.mark.parametrize(("row", "field", "reason"), [
    (payment("P-2", GROSS="-700.00", NET="-776.45"), "gross", "gross is negative but txn_type is STANDARD"),
    (payment("P-2", TXN_TYPE="Cancellation", GROSS="700.00", REVERSES_PAYMENT_KEY="P-1"), "gross",
     "gross is not negative but txn_type is CANCELLATION"),
    (payment("P-2", **{**CANCELLATION, "FIT": "70.00"}, REVERSES_PAYMENT_KEY="P-1"), "federal_tax_withheld",
     "federal_tax_withheld is positive but txn_type is CANCELLATION"),
    (payment("P-2", REVERSES_PAYMENT_KEY="P-1"), "reverses_payment_key",
     "reverses_payment_key is given but txn_type is not CANCELLATION"),
], ids=["negative standard", "positive cancellation", "cancellation withholding positive",
        "standard names a reversal"])
def test_a_payment_with_the_wrong_sign_for_its_type_quarantines_the_file(local_hub, row, field, reason):
    write(local_hub, "HARBOR_PAY_20260313.csv", PAY_COLUMNS, [payment("P-1"), row])

    outcome = run_feed(PAY, settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["REJECTED"], outcome.summary()
    errors = quarantine_report(local_hub)["errors"]
    assert {e.get("line") for e in errors} == {3}, errors
    assert [e for e in errors if e.get("field") == field and e["reason"].startswith(reason)], errors
    assert local_hub.open_store().current("benefit_payment").empty, "nothing half-applied"


def test_a_negative_cancellation_that_names_what_it_reverses_posts(local_hub):
    write(local_hub, "HARBOR_PAY_20260313.csv", PAY_COLUMNS,
          [payment("P-1"), payment("P-2", **CANCELLATION, REVERSES_PAYMENT_KEY="P-1")])

    outcome = run_feed(PAY, settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["APPLIED"], outcome.summary()
    stored = local_hub.open_store().current("benefit_payment").set_index("payment_key")
    assert str(stored.loc["P-2", "gross"]) == "-700.00" and stored.loc["P-2", "reverses_payment_key"] == "P-1"


def test_a_50_mb_last_name_from_the_hris_api_is_a_row_error_not_stored(tmp_path):
    page = json.loads((REPO_ROOT / "tests" / "mappings" / "golden" / "northwind_hris" / "workers.page.json")
                      .read_text(encoding="utf-8"))
    records = page["data"] if isinstance(page, dict) else page
    records[0]["legal_name"]["last"] = "Q" * 50_000_000
    sample = tmp_path / "workers.page.json"
    sample.write_text(json.dumps(page), encoding="utf-8")

    result = preview_file("northwind_hris.workers", sample)

    bad = [e for e in result.errors if e.field == "last_name"]
    assert [(e.row, e.reason, e.value_class) for e in bad] == [(1, "longer than 100 characters", "text(50000000)")]
    assert "Q" * 20 not in repr(result.errors)
