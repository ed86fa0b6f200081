"""Summit Mutual's monthly premium bill through the real pipeline: every line stored as a canonical bill line
for reconciliation, exact money, the bill month from the file's name; one bad line rejects the file.

Runs on local folders (``local_hub``: SQLite and PostgreSQL) with Summit's reference mapping copied in.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import yaml
from local_hubs import local_hub, local_vendor_yaml, pipeline_pg_url  # noqa: F401 - fixtures

from leavehub.settings import REPO_ROOT

HEADER = "GROUP,EMPLOYEE_ID,COVERAGE,COVERAGE_MONTH,VOLUME,RATE,PREMIUM,EE_SHARE,ER_SHARE,ADJUSTMENT_REASON\r\n"
LINES = [
    "SMG0042,W000001,STD,2026-03,6250.00,0.3150,19.69,9.85,9.84,\r\n",
    "SMG0042,W000001,LTD,2026-03,6250.00,0.4210,26.31,0.00,26.31,\r\n",
    "SMG0042,W000002,STD,2026-02,5000.00,0.3150,15.75,7.88,7.87,RETRO_ADD\r\n",
    "SMG0042,W000003,LTD,2026-02,4000.00,0.4210,-16.84,0.00,-16.84,RETRO_TERM\r\n",
]


def _summit(hub) -> None:
    shutil.copytree(REPO_ROOT / "mappings" / "summit_mutual", hub.mappings / "summit_mutual")
    derived = local_vendor_yaml(REPO_ROOT / "mappings" / "summit_mutual" / "vendor.yaml")
    (hub.mappings / "summit_mutual" / "vendor.yaml").write_text(yaml.safe_dump(derived, sort_keys=False))


def test_a_monthly_bill_is_stored_line_by_line_with_exact_money(local_hub, tmp_path):  # noqa: F811
    from leavehub.pipeline.runner import run_feed

    _summit(local_hub)
    bill = tmp_path / "SUMMIT_BILL_SMG0042_202603.csv"
    bill.write_text(HEADER + "".join(LINES), encoding="utf-8", newline="")
    outcome = run_feed("summit_mutual.premium_bill", files=[bill])
    (receipt,) = outcome.receipts
    assert receipt.status == "APPLIED" and receipt.records == {"premium_bill_line": 4}, outcome.summary()
    store = local_hub.open_store()
    try:
        lines = store.current("premium_bill_line").sort_values(["employee_id", "coverage"]).reset_index()
    finally:
        store.dispose()
    assert set(lines.bill_month) == {date(2026, 3, 1)}
    assert list(lines.coverage_month) == [date(2026, 3, 1), date(2026, 3, 1), date(2026, 2, 1), date(2026, 2, 1)]
    assert [Decimal(str(v)) for v in lines.premium] == [Decimal("26.31"), Decimal("19.69"), Decimal("15.75"),
                                                         Decimal("-16.84")]
    assert Decimal(str(lines.rate[0])) == Decimal("0.4210")
    assert list(lines.adjustment_reason.fillna("")) == ["", "", "RETRO_ADD", "RETRO_TERM"]


def test_a_bill_with_one_bad_line_is_rejected_whole(local_hub, tmp_path):  # noqa: F811
    from leavehub.pipeline.runner import run_feed

    _summit(local_hub)
    bad = [*LINES[:2], "SMG0042,W000009,STD,2026-03,6250.00,0.31505,19.69,9.85,9.84,RETRO_MAYBE\r\n"]
    bill = tmp_path / "SUMMIT_BILL_SMG0042_202604.csv"
    bill.write_text(HEADER + "".join(bad), encoding="utf-8", newline="")
    (receipt,) = run_feed("summit_mutual.premium_bill", files=[bill]).receipts
    assert receipt.status == "REJECTED" and receipt.errors == 2
    store = local_hub.open_store()
    try:
        assert store.current("premium_bill_line").empty
    finally:
        store.dispose()


def test_two_months_bills_keep_their_own_lines_and_a_retro_line_replaces_nothing(local_hub, tmp_path):  # noqa: F811
    """The bill month (from the file's name) is part of a line's key: April's retro line for March coverage is
    a line of April's bill, and March's own line for March stays current beside it."""
    from leavehub.pipeline.runner import run_feed

    _summit(local_hub)
    march = tmp_path / "SUMMIT_BILL_SMG0042_202603.csv"
    march.write_text(HEADER + LINES[0], encoding="utf-8", newline="")
    april = tmp_path / "SUMMIT_BILL_SMG0042_202604.csv"
    april.write_text(HEADER + "SMG0042,W000001,STD,2026-04,6250.00,0.3150,19.69,9.85,9.84,\r\n"
                     "SMG0042,W000001,STD,2026-03,6250.00,0.3300,0.94,0.47,0.47,RATE_CHANGE\r\n"
                     "SMG0042,W000001,STD,2026-04,6250.00,0.3300,0.94,0.47,0.47,RATE_CHANGE\r\n",
                     encoding="utf-8", newline="")
    for bill in (march, april):
        outcome = run_feed("summit_mutual.premium_bill", files=[bill])
        assert [r.status for r in outcome.receipts] == ["APPLIED"], outcome.summary()
    store = local_hub.open_store()
    try:
        lines = store.current("premium_bill_line")
    finally:
        store.dispose()
    reasons = lines["adjustment_reason"].astype(object).where(lines["adjustment_reason"].notna(), "")
    got = sorted(zip(lines["bill_month"].astype(str), lines["coverage_month"].astype(str), reasons,
                     lines["premium"].astype(str), strict=True))
    assert got == [("2026-03-01", "2026-03-01", "", "19.69"),
                   ("2026-04-01", "2026-03-01", "RATE_CHANGE", "0.94"),
                   ("2026-04-01", "2026-04-01", "", "19.69"),
                   ("2026-04-01", "2026-04-01", "RATE_CHANGE", "0.94")]
