"""Per-record outcomes through the whole inbound path (receipt, ledger, CLI summary agree), and vendor.yaml's
record_key / supersede.column as the one truth for keys, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from local_hubs import write_leave as leave_file
from test_pipeline_local_files import FEED, distinct_periods, stamp
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.pipeline.runner import run_feed

pytestmark = pytest.mark.timeout(120)


def _run(hub, path: Path):
    return run_feed(FEED, files=[path], settings=hub.settings)


def test_a_same_stamp_correction_is_tie_applied_and_a_stale_resend_never_says_applied(
        local_hub, harbor_leave_rows, tmp_path):
    [row] = distinct_periods(harbor_leave_rows, 1)
    corrected = dict(row, PERIOD_END="2026-12-31")  # same UPDATED_AT, new end date
    older = dict(row, DECISION="Withdrawn", UPDATED_AT=stamp(row["UPDATED_AT"], timedelta(hours=-1)))
    _run(local_hub, leave_file(tmp_path, "HARBOR_LEAVE_20260302.csv", [row]))

    tie = _run(local_hub, leave_file(tmp_path, "HARBOR_LEAVE_20260303.csv", [corrected])).receipts[0]
    assert tie.record_outcomes["leave_period"]["tie_applied"] == 1 and tie.records == {"leave_period": 1}
    store = local_hub.open_store()
    assert str(store.current("leave_period")["period_end"].iloc[0]) == "2026-12-31"

    outcome = _run(local_hub, leave_file(tmp_path, "HARBOR_LEAVE_20260304.csv", [older]))
    [stale] = outcome.receipts
    assert stale.record_outcomes["leave_period"]["stale"] == 1
    assert stale.record_outcomes["leave_period"]["applied"] == 0
    assert "stale 1" in outcome.summary() and "applied" not in outcome.summary().replace("APPLIED", "")
    latest = store.ledger(vendor="harbor_leave", feed="leave_periods")[0]
    assert (latest.records_read, latest.records_applied) == (1, 0)
    assert latest.outcomes == stale.record_outcomes


def test_two_rows_with_one_key_in_a_file_reject_it_naming_both_lines(local_hub, harbor_leave_rows, tmp_path):
    a, b = distinct_periods(harbor_leave_rows, 2)
    clash = dict(a, DECISION="Denied" if a["DECISION"] != "Denied" else "Approved")
    path = leave_file(tmp_path, "HARBOR_LEAVE_20260302.csv", [a, b, clash])
    outcome = _run(local_hub, path)
    [receipt] = outcome.receipts
    assert receipt.status == "REJECTED"
    entry = local_hub.open_store().ledger(vendor="harbor_leave", feed="leave_periods")[0]
    assert [(e["line"], e["field"]) for e in entry.errors] == [(2, "record_key"), (4, "record_key")]
    assert local_hub.open_store().current("leave_period").empty


def _vendor_yaml(hub) -> Path:
    return hub.mappings / "harbor_leave" / "vendor.yaml"


def _edit_feed(hub, **changes) -> None:
    path = _vendor_yaml(hub)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["feeds"]["leave_periods"].update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_a_feed_may_opt_into_last_row_wins(local_hub, harbor_leave_rows, tmp_path):
    _edit_feed(local_hub, supersede={"rule": "updated_at", "column": "UPDATED_AT", "within_file": "last_row_wins"})
    a, b = distinct_periods(harbor_leave_rows, 2)
    clash = dict(a, DECISION="Denied" if a["DECISION"] != "Denied" else "Approved")
    [receipt] = _run(local_hub, leave_file(tmp_path, "HARBOR_LEAVE_20260302.csv", [a, b, clash])).receipts
    assert receipt.status == "APPLIED"
    assert (receipt.record_outcomes["leave_period"]["applied"],
            receipt.record_outcomes["leave_period"]["overridden"]) == (2, 1)


def test_a_composite_key_from_vendor_yaml_keys_the_records_and_an_empty_part_is_a_row_error(
        local_hub, harbor_leave_rows, tmp_path):
    _edit_feed(local_hub, record_key=["CASE_NUMBER", "RTW_DATE"])
    rows = distinct_periods(harbor_leave_rows, 3)
    rows = [dict(r, RTW_DATE="2026-05-0" + str(i + 1)) for i, r in enumerate(rows)]
    rows[2]["RTW_DATE"] = ""
    [rejected] = _run(local_hub, leave_file(tmp_path, "HARBOR_LEAVE_20260302.csv", rows)).receipts
    assert rejected.status == "REJECTED"
    store = local_hub.open_store()
    entry = store.ledger(vendor="harbor_leave", feed="leave_periods")[0]
    assert [(e["row"], e["field"], e["value_class"]) for e in entry.errors] == [(3, "rtw_date", "empty")]

    _run(local_hub, leave_file(tmp_path, "HARBOR_LEAVE_20260303.csv", rows[:2]))
    keys = sorted(store.current("leave_period")["record_key"])
    assert keys == sorted(f"{r['CASE_NUMBER']}|{r['RTW_DATE']}" for r in rows[:2])


@pytest.mark.parametrize(("changes", "message"), [
    ({"record_key": ["ABSENCE_KEY"]}, "record_key column 'ABSENCE_KEY' is not the source"),
    ({"supersede": {"rule": "updated_at", "column": "UPDATED"}}, "supersede column 'UPDATED' is not the source"),
])
def test_mapping_check_refuses_a_key_or_supersede_column_the_mapping_does_not_read(local_hub, changes, message):
    _edit_feed(local_hub, **changes)
    result = CliRunner().invoke(app, ["mapping", "check", str(_vendor_yaml(local_hub))])
    assert result.exit_code == 1
    assert message in result.output
