"""The `leavehub` command line: vendors, mapping preview (PII masked), schema export, db upgrade/check."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from leavehub.cli import app

GOLDEN = Path(__file__).resolve().parents[1] / "mappings" / "golden"
runner = CliRunner()


def test_vendors_lists_every_reference_feed_with_its_schedule() -> None:
    result = runner.invoke(app, ["vendors"])
    assert result.exit_code == 0, result.output
    for feed in ("harbor_leave.eligibility", "harbor_leave.leave_periods", "northwind_hris.workers"):
        assert feed in result.output
    assert "after northwind_hris.workers" in result.output


def test_preview_shows_canonical_rows_and_exits_zero_on_a_clean_sample() -> None:
    sample = GOLDEN / "harbor_leave" / "HARBOR_LEAVE_20261120.csv"
    result = runner.invoke(app, ["mapping", "preview", "harbor_leave.leave_periods", str(sample), "--rows", "2"])
    assert result.exit_code == 0, result.output
    assert "leave_period: 3 row(s)" in result.output
    assert "NTN-1001" in result.output and "NTN-1003" not in result.output  # --rows 2


def test_preview_lists_every_error_without_the_value_and_exits_2(tmp_path: Path) -> None:
    text = (GOLDEN / "harbor_leave" / "HARBOR_LEAVE_20261120.csv").read_text(encoding="utf-8")
    bad = tmp_path / "HARBOR_LEAVE_20261120.csv"
    bad.write_text(text.replace("2026-11-02", "2026-13-45", 1), encoding="utf-8")
    result = runner.invoke(app, ["mapping", "preview", "harbor_leave.leave_periods", str(bad)])
    assert result.exit_code == 2  # bad input, as README's exit codes say (1 is configuration or transport)
    assert "1 error(s)" in result.output and "period_start" in result.output
    assert "2026-13-45" not in result.output


def test_preview_masks_pii_fields() -> None:
    sample = next((GOLDEN / "northwind_hris").glob("workers*.json*"))
    result = runner.invoke(app, ["mapping", "preview", "northwind_hris.workers", str(sample),
                                 "--date", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "ssn" in result.output and "•••" in result.output
    assert "123-45-6789" not in result.output and "123456789" not in result.output


def test_db_upgrade_migrates_and_db_check_says_whether_the_schema_is_current(tmp_path: Path) -> None:
    env = {"LEAVEHUB_HOME": str(tmp_path / "home"), "LEAVEHUB_DB_URL": f"sqlite:///{tmp_path / 'home' / 'lh.db'}"}
    behind = runner.invoke(app, ["db", "check"], env=env)
    assert behind.exit_code == 1 and "leavehub db upgrade" in behind.output, behind.output
    for _ in range(2):  # safe to run again
        upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
        assert upgraded.exit_code == 0 and "store schema at" in upgraded.output, upgraded.output
    assert runner.invoke(app, ["db", "check"], env=env).exit_code == 0
