"""`leavehub mapping preview` on bad input: exit 2 (rejected input), every error listed, line numbers in `line`.

Issue 12 item 8 and issue 11 §3: bad input exited 1 (the code for configuration or transport errors), the error
list was cut by --rows, a file-level error's line number landed in `row`, and piped output was truncated.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leavehub.cli import app

pytestmark = [pytest.mark.fault, pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "mappings" / "golden"
LEAVE = GOLDEN / "harbor_leave" / "HARBOR_LEAVE_20261120.csv"
runner = CliRunner()


def _bad_dates(tmp_path: Path, count: int) -> Path:
    """The golden leave file with ``count`` rows given an impossible period start."""
    lines = LEAVE.read_text(encoding="utf-8").splitlines(keepends=True)
    head, body = lines[0], lines[1:]
    rows = (body * (count // len(body) + 2))[:max(count, len(body))]
    start = head.rstrip().split(",").index("PERIOD_START")
    out = [head]
    for i, line in enumerate(rows):
        cells = next(csv.reader([line]))
        if i < count:
            cells[start] = "2026-13-45"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n" if line.endswith("\r\n") else "\n").writerow(cells)
        out.append(buf.getvalue())
    bad = tmp_path / LEAVE.name
    bad.write_text("".join(out), encoding="utf-8")
    return bad


def _preview(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="60")
    return subprocess.run([sys.executable, "-c", "from leavehub.cli import main; main()", "mapping", "preview",
                           *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_row_errors_exit_2_and_every_error_is_listed_past_rows(tmp_path: Path) -> None:
    bad = _bad_dates(tmp_path, 5)
    result = runner.invoke(app, ["mapping", "preview", "harbor_leave.leave_periods", str(bad), "--rows", "2",
                                 "--format", "json"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["error_count"] == 5 and len(report["errors"]) == 5
    assert all(e["line"] >= 2 and e["field"] for e in report["errors"])
    assert "2026-13-45" not in result.output


def test_file_level_error_exits_2_with_its_line_in_line_not_row(tmp_path: Path) -> None:
    bad = tmp_path / LEAVE.name
    lines = LEAVE.read_text(encoding="utf-8").splitlines(keepends=True)
    bad.write_text(lines[0] + lines[1] + '"unterminated,quote\r\n' + "".join(lines[2:]), encoding="utf-8")
    result = runner.invoke(app, ["mapping", "preview", "harbor_leave.leave_periods", str(bad), "--format", "json"])
    assert result.exit_code == 2, result.output
    errors = json.loads(result.stdout)["errors"]
    assert errors and errors[0].get("line") is not None, errors
    assert "row" not in errors[0] or errors[0]["row"] != errors[0]["line"]


def test_csv_format_is_parseable_records_and_errors_go_to_stderr(tmp_path: Path) -> None:
    result = _preview("harbor_leave.leave_periods", str(LEAVE), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and rows[0]["entity"] == "leave_period"
    assert {r["case_number"] for r in rows} >= {"NTN-1001", "NTN-1003"}


def test_table_is_not_truncated_when_piped() -> None:
    result = _preview("harbor_leave.leave_periods", str(LEAVE))  # COLUMNS=60, stdout a pipe
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert "NTN-1001" in result.stdout and "NTN-1003" in result.stdout


def test_pii_stays_masked_in_every_format() -> None:
    sample = next((GOLDEN / "northwind_hris").glob("workers*.json*"))
    for fmt in ("table", "csv", "json"):
        result = _preview("northwind_hris.workers", str(sample), "--date", "2026-11-20", "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "123-45-6789" not in result.stdout and "123456789" not in result.stdout
        assert "•••" in result.stdout


def test_unknown_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["mapping", "preview", "harbor_leave.leave_periods", str(LEAVE),
                                 "--format", "xml"])
    assert result.exit_code != 0 and "xml" in result.output
