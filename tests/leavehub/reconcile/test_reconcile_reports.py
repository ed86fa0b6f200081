"""Both reports from one crafted reconciliation: the workbook's totals equal the sum of its rows (read back
with openpyxl), and the HTML opened in headless Chromium shows the same figures, makes no request and never
shows a full SSN. The screenshot is kept under var/artifacts/."""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import requests
from openpyxl import load_workbook
from reconcile_frames import CHECK, add, clean, payment, replace

from leavehub.reconcile.arrears import AGING_BUCKETS, arrears_aging
from leavehub.reconcile.exceptions import EXCEPTION_TYPES, combine, to_decimal
from leavehub.reconcile.html_report import write_html
from leavehub.reconcile.leave_hris import leave_vs_hris
from leavehub.reconcile.payments import payments_vs_periods
from leavehub.reconcile.result import Reconciliation, mask_ssns, trend_of
from leavehub.reconcile.workbook import CURRENCY, write_workbook
from leavehub.rules.premiums import ARREARS_COLUMNS

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "var" / "artifacts"
FULL_SSN = "123-45-6789"


def crafted() -> Reconciliation:
    frames = replace(clean(), "employment", "employee_id", "E1", status="ACTIVE")
    frames = add(frames, "benefit_payments", [payment("PAY9", "E3", "450.25", date(2026, 3, 1), date(2026, 3, 7)),
                                              payment("PAY10", "E3", "99.99", date(2026, 2, 1), date(2026, 2, 7))])
    found = combine([leave_vs_hris(frames["leave_periods"], frames["employment"], check_date=CHECK),
                     payments_vs_periods(frames["benefit_payments"], frames["leave_periods"], check_date=CHECK)])
    # a leak the reports must mask: a subject key that is an SSN (a vendor sending SSNs as ids)
    found.loc[found["subject_key"] == "PAY10", "subject_key"] = FULL_SSN
    arrears = pd.DataFrame([{"employee_id": "E1", "plan_type": "MEDICAL", "deduction_code": "MED",
                             "share": "EMPLOYEE", "entry_type": "BLOCKED", "amount_cents": cents,
                             "premium_method": "PAY_AS_YOU_GO",
                             "check_date": day} for cents, day in ((4_000, date(2025, 11, 28)),
                                                                   (4_000, date(2026, 2, 6)),
                                                                   (4_000, date(2026, 3, 13)))],
                           columns=list(ARREARS_COLUMNS))
    aging, late = arrears_aging(arrears, check_date=CHECK)
    found = combine([found, late])
    history = found.iloc[:2].assign(check_date=date(2026, 2, 27), first_seen=date(2026, 2, 27))
    card = pd.DataFrame([{"vendor": "harbor_leave", "feed": "leave_periods", "direction": "inbound", "files": 9,
                          "on_time": 8, "late": 1, "missing": 1, "on_time_pct": 80.0, "rejected_files": 1,
                          "rejected_rows": 3, "duplicates": 0, "sets_acknowledged": 0, "sets_accepted": 0,
                          "acceptance_pct": None, "corrections": 1, "turnaround_hours": 6.0}])
    return Reconciliation(CHECK, found, aging, card, trend_of(found, history, CHECK))


def test_mask_ssns() -> None:
    assert mask_ssns("id 123-45-6789 and 987654321, not W000123") == "id ***-**-6789 and ***-**-4321, not W000123"


def test_workbook_totals_equal_the_sum_of_rows(tmp_path: Path) -> None:
    result = crafted()
    path = write_workbook(result, tmp_path / "r.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", *[n[:31] for n in EXCEPTION_TYPES], "Premium aging", "Vendor scorecard"]
    summary = {row[0]: row for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    grand = 0
    for name in EXCEPTION_TYPES:
        sheet = book[name[:31]]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        amounts = [Decimal(str(r[2])) for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert summary[name][3] == len(amounts)
        assert Decimal(str(summary[name][4])) == sum(amounts, Decimal(0))
        grand += sum(amounts, Decimal(0))
        if amounts:
            assert sheet.cell(2, 3).number_format == CURRENCY
    assert Decimal(str(summary["Total"][4])) == grand == to_decimal(result.exceptions["amount_cents"].sum())
    assert summary["Total"][3] == len(result.exceptions) > 0
    aging = list(book["Premium aging"].iter_rows(min_row=2, values_only=True))
    assert [Decimal(str(v)) for v in aging[0][3:7]] == [Decimal("40.00"), Decimal("40.00"), 0, Decimal("40.00")]
    texts = " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    assert FULL_SSN not in texts and "***-**-6789" in texts


# --- the HTML in a real browser ---------------------------------------------------------------------------


def browser_binaries() -> tuple[str, str]:
    found = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not all(found):
        pytest.skip("chromium/chromedriver not installed (scripts/setup.sh installs Debian's packages)")
    return found  # type: ignore[return-value]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Headless Chromium driven through chromedriver's W3C HTTP API, with the page's network log on."""

    def __init__(self, profile: Path) -> None:
        chromium, driver = browser_binaries()
        self.base = f"http://127.0.0.1:{_free_port()}"
        self.driver = subprocess.Popen([driver, f"--port={self.base.rsplit(':', 1)[1]}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                requests.get(f"{self.base}/status", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
                f"--user-data-dir={profile}", "--window-size=1280,2400",
                "--host-resolver-rules=MAP * ~NOTFOUND"]  # a request that slipped through goes nowhere
        answer = self._call("post", "/session", {"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"performance": "ALL"}}}})
        self.session = f"/session/{answer['sessionId']}"

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        reply = requests.request(method, self.base + path, json=body, timeout=120)
        assert reply.ok, reply.text[:2000]
        return reply.json()["value"]

    def open(self, page: Path) -> None:
        self._call("post", f"{self.session}/url", {"url": page.as_uri()})

    def run(self, script: str) -> object:
        return self._call("post", f"{self.session}/execute/sync", {"script": script, "args": []})

    def requests_made(self, page: Path) -> list[str]:
        """URLs ``page`` asked for, from the DevTools network log (the page's own file excluded)."""
        entries = self._call("post", f"{self.session}/se/log", {"type": "performance"})
        urls = []
        for entry in entries:
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent" and params.get("documentURL") == page.as_uri():
                urls.append(params["request"]["url"])
        return [u for u in urls if u != page.as_uri()]

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self._call("get", f"{self.session}/screenshot")))

    def close(self) -> None:
        try:
            self._call("delete", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=30)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    opened = Browser(tmp_path / "profile")
    yield opened
    opened.close()


CHART_VALUES = """
const out = {};
for (const svg of document.querySelectorAll('svg[data-chart]')) {
  out[svg.dataset.chart] = Object.fromEntries(
    [...svg.querySelectorAll('rect[data-label]')].map(r => [r.dataset.label, r.dataset.value]));
}
return out;
"""


@pytest.mark.realpeer
def test_html_report_in_headless_chromium(tmp_path: Path, browser: Browser) -> None:
    result = crafted()
    page = write_html(result, tmp_path / "report.html")
    browser.open(page)
    charts = browser.run(CHART_VALUES)
    summary = result.summary()
    assert charts["exceptions-by-type"] == {t: str(c) for t, c in zip(summary["exception_type"],
                                                                       summary["count"], strict=True)}
    assert charts["money-at-stake"] == {t: str(to_decimal(c)) for t, c in zip(
        summary["exception_type"], summary["amount_cents"], strict=True)}
    assert charts["arrears-aging"] == {b: str(to_decimal(result.aging[b].sum())) for b in AGING_BUCKETS}
    assert charts["trend"] == {"2026-02-27": "2", "2026-03-13": str(len(result.exceptions))}
    assert charts["on-time"] == {"harbor_leave.leave_periods": "80.0"}
    assert browser.run("return document.getElementById('totals').dataset.amount") == str(
        to_decimal(result.exceptions["amount_cents"].sum()))
    assert browser.run("return document.querySelectorAll('#exceptions tbody tr').length") == len(result.exceptions)
    text = browser.run("return document.documentElement.outerHTML + document.body.innerText")
    assert FULL_SSN not in text and "***-**-6789" in text
    assert FULL_SSN not in page.read_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "reconciliation-report.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert browser.requests_made(page) == []


@pytest.mark.realpeer
def test_the_network_check_catches_a_page_that_reaches_out(tmp_path: Path, browser: Browser) -> None:
    """The no-request check can fail: a page with one external image shows up in the network log."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://cdn.example.com/logo.png"></body></html>')
    browser.open(page)
    assert browser.requests_made(page) == ["http://cdn.example.com/logo.png"]


def test_report_page_is_self_contained(tmp_path: Path) -> None:
    text = write_html(crafted(), tmp_path / "r.html").read_text()
    assert "default-src 'none'" in text
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text)
    assert "<script" not in text and "@import" not in text and "url(" not in text
