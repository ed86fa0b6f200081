"""`leavehub show` and `leavehub history` read the store on SQLite and PostgreSQL, PII masked.

Two Harbor leave files post (the second corrects one period's decision); then `show` gives what is true now,
what the hub knew before the correction (`--as-of`), what was true on a day (`--valid-on`), one record
(`--key`), in table, CSV and JSON; `history` lists both versions of the corrected record with their files,
rows and clocks. Employees staged with marker SSNs and names come back masked in every format.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pyarrow as pa
import pytest
from local_hubs import write_leave
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.operations.reading import MASK
from leavehub.pipeline.runner import run_feed

pytestmark = pytest.mark.timeout(120)

FEED = "harbor_leave.leave_periods"
MARKER_SSN = "987650431"
MARKER_NAME = "Quillonmarker"


def later(text: str, hours: int) -> str:
    return (datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def stage_employees(store) -> None:
    from leavehub.store import FileArrival, SupersedeRule

    table = pa.table({
        "record_key": ["W9"], "_row": pa.array([1], pa.int64()), "employee_id": ["W9"], "ssn": [MARKER_SSN],
        "last_name": [MARKER_NAME], "birth_date": pa.array([date(1980, 4, 5)], pa.date32()),
        "updated_at": pa.array([datetime(2026, 3, 1, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
    })
    arrival = FileArrival("acme_hris", "workers", "inbound", "workers.jsonl", 10, "a" * 64, "b" * 64, None,
                          date(2026, 3, 1), "change", "1.0.0", "1")
    with store.intake(arrival) as intake:
        intake.stage("employee", table.to_pandas(types_mapper=pd.ArrowDtype), SupersedeRule.UPDATED_AT)


@pytest.fixture
def posted(local_hub, harbor_leave_rows, tmp_path):
    """Two periods posted, then one corrected by a later file; returns (rows, corrected key, instant between)."""
    periods = [r for r in {r["ABSENCE_PERIOD_KEY"]: r for r in harbor_leave_rows}.values()
               if r["DECISION"] != "Denied" and r["PERIOD_END"]][:2]
    assert len(periods) == 2
    run_feed(FEED, files=[write_leave(tmp_path, "HARBOR_LEAVE_20260302.csv", periods)],
             settings=local_hub.settings)
    between = datetime.now(UTC)
    corrected = dict(periods[0], DECISION="Denied", UPDATED_AT=later(periods[0]["UPDATED_AT"], 2))
    run_feed(FEED, files=[write_leave(tmp_path, "HARBOR_LEAVE_20260303.csv", [corrected])],
             settings=local_hub.settings)
    stage_employees(local_hub.open_store())
    return periods, periods[0]["ABSENCE_PERIOD_KEY"], between


def test_show_gives_current_state_and_either_clock_in_every_format(posted):
    periods, key, between = posted
    now = {r["record_key"]: r for r in json.loads(cli("show", "leave_period", "--format", "json"))}
    assert sorted(now) == sorted(p["ABSENCE_PERIOD_KEY"] for p in periods)
    assert now[key]["decision"] == "DENIED"
    assert now[key]["valid_from"] and now[key]["recorded_at"] and now[key]["source_row"] == 1

    before = json.loads(cli("show", "leave_period", "--key", key, "--as-of", between.isoformat(),
                            "--format", "json"))
    assert [r["decision"] for r in before] == [periods[0]["DECISION"].upper()]

    rows = list(csv.DictReader(io.StringIO(cli("show", "leave_period", "--key", key, "--format", "csv"))))
    assert [(r["record_key"], r["decision"]) for r in rows] == [(key, "DENIED")]

    on = json.loads(cli("show", "leave_period", "--valid-on", "1990-01-01", "--format", "json"))
    assert on == [], "nothing was valid before the hub heard of it"

    table = cli("show", "leave_period", "--key", key)
    assert key in table and "DENIED" in table


def test_show_masks_pii_in_every_format(posted):
    [record] = json.loads(cli("show", "employee", "--format", "json"))
    assert (record["ssn"], record["last_name"], record["birth_date"]) == (MASK, MASK, MASK)
    assert record["first_name"] is None, "an absent PII value is empty, not masked"
    for fmt in ("json", "csv", "table"):
        out = cli("show", "employee", "--format", fmt)
        assert MARKER_SSN not in out and MARKER_NAME not in out and "1980-04-05" not in out
        history = cli("history", "employee", "W9", "--format", fmt)
        assert MARKER_SSN not in history and MARKER_NAME not in history and MASK in history


def test_history_lists_every_version_with_its_file_row_and_clocks(posted):
    periods, key, _ = posted
    was = periods[0]["DECISION"].upper()
    versions = json.loads(cli("history", "leave_period", key, "--format", "json"))
    # the correction from 2026-03-03 on supersedes the first version and keeps its earlier part (03-02 only)
    first, kept, corrected = versions
    assert [(v["file"], v["decision"], v["valid_from"], v["valid_to"]) for v in versions] == [
        ("HARBOR_LEAVE_20260302.csv", was, "2026-03-02", None),
        ("HARBOR_LEAVE_20260302.csv", was, "2026-03-02", "2026-03-03"),
        ("HARBOR_LEAVE_20260303.csv", "DENIED", "2026-03-03", None)]
    assert first["superseded_at"] == kept["recorded_at"] == corrected["recorded_at"]
    assert kept["superseded_at"] is None and corrected["superseded_at"] is None
    assert [v["source_row"] for v in versions] == [1, 1, 1]
    assert [v["source_business_date"] for v in versions] == ["2026-03-02", "2026-03-02", "2026-03-03"]
    table = cli("history", "leave_period", key)
    assert "HARBOR_LEAVE_20260302.csv" in table and "HARBOR_LEAVE_20260303.csv" in table


def test_bad_input_is_a_clear_error(local_hub):
    runner = CliRunner()
    unknown = runner.invoke(app, ["show", "leave_perod"])
    assert unknown.exit_code == 1 and "unknown entity 'leave_perod'" in unknown.output
    naive = runner.invoke(app, ["show", "leave_period", "--as-of", "2026-03-02T08:00:00"])
    assert naive.exit_code == 1 and "no UTC offset" in naive.output
    bad_day = runner.invoke(app, ["show", "leave_period", "--valid-on", "2026-02-30"])
    assert bad_day.exit_code == 1 and "--valid-on" in bad_day.output
    bad_format = runner.invoke(app, ["show", "leave_period", "--format", "xml"])
    assert bad_format.exit_code == 1 and "--format" in bad_format.output


def test_history_of_an_unknown_key_says_so(local_hub):
    result = CliRunner().invoke(app, ["history", "leave_period", "NO-SUCH-KEY"])
    assert result.exit_code == 1 and "no leave_period record with key 'NO-SUCH-KEY'" in result.output
