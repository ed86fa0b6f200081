"""PII audit (issue 3): marker SSNs, birth dates and names never appear in plaintext anywhere the hub writes.

The session's employer carries planted markers (``sandbox.synthetic.plant_markers``). The happy path (the
first full run) and failure paths run with DEBUG logging captured to a file: a Northwind workers file with bad
values on the marker people (through the CLI), a Harbor file with a bad row for a marker employee, an unsigned
Harbor file, an HRIS pull that dies on 503s and one that rides out a dropped connection. Then every log, CLI
output, error and quarantine report, the quarantine folder, the store's SQLite file and every work/staging
folder under LEAVEHUB_HOME is read as bytes: no marker spelling may occur. The test proves it can fail: the
markers are in what the HRIS served and in the census Harbor decrypts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import BUSINESS_DATE
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.pipeline.runner import run_feed
from sandbox.keys import vendor_seal
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, leave_row, render_csv
from schemas.errors import TransientError

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(300)]


def leaks(markers, data: bytes) -> list[str]:
    return [m for m in markers.all if m.encode() in data]


def every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def marker_worker_records(sandbox) -> list[dict]:
    wanted = set(sandbox.markers.worker_ids)
    lines = (sandbox.stack.root / "hris" / "workers.jsonl").read_text(encoding="utf-8").splitlines()
    return [rec for rec in map(json.loads, filter(None, lines)) if rec["id"] in wanted]


def test_no_marker_pii_in_logs_reports_quarantine_store_or_staging(first_run, sandbox, hub_env, debug_log,
                                                                   tmp_path):
    markers = sandbox.markers
    served = (sandbox.stack.root / "hris" / "workers.jsonl").read_bytes()
    assert set(markers.ssns[::2]) <= set(leaks(markers, served)), "the HRIS must serve the marker SSNs"
    outputs: list[str] = []

    # bad values on the marker people's own rows, posted as a Northwind workers file (through the CLI, -v)
    records = marker_worker_records(sandbox)
    assert len(records) == 3
    records[0]["gender"] = "Q"
    records[1]["ssn"] = records[1]["ssn"] + "7"
    records[2]["birth_date"] = records[2]["birth_date"].replace("-", "/")
    bad_workers = tmp_path / "northwind_workers_bad.jsonl"
    bad_workers.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = CliRunner().invoke(app, ["-v", "run", "northwind_hris.workers", "--file", str(bad_workers)])
    outputs.append(result.output)
    assert result.exit_code == 2 and "REJECTED" in result.output, result.output

    # Harbor: a bad row for a marker employee, and an unsigned file
    emp = sandbox.stack.employer
    period = next(p for p in emp.leave_periods if p.employee_id in markers.worker_ids)
    row = leave_row(period)
    row[LEAVE_COLUMNS.index("ABSENCE_PERIOD_KEY")] = "PII-AUDIT-1"
    row[LEAVE_COLUMNS.index("PERIOD_START")] = "1961-02-31"
    plain = tmp_path / "bad.csv"
    plain.write_bytes(render_csv(LEAVE_COLUMNS, [row]))
    outbound = sandbox.stack.harbor_dir("outbound")
    vendor_seal(plain, outbound / "HARBOR_LEAVE_20270111.csv.pgp", recipients=[sandbox.key("hub")],
                signer=sandbox.key("harbor_leave"))
    vendor_seal(plain, outbound / "HARBOR_LEAVE_20270112.csv.pgp", recipients=[sandbox.key("hub")], signer=None)
    harbor = run_feed("harbor_leave.leave_periods", business_date=BUSINESS_DATE)
    assert sorted(r.status for r in harbor.receipts) == ["REJECTED", "REJECTED"], harbor.summary()
    outputs.append(harbor.summary())

    # transport faults on the pull that carries the marker PII
    hris = sandbox.stack.hris
    hris.set_faults(reset=True, unavailable_next=50, retry_after=0)
    try:
        with pytest.raises(TransientError) as failed:
            run_feed("northwind_hris.workers", business_date=BUSINESS_DATE)
        outputs.append(str(failed.value))
        hris.set_faults(reset=True, drop_next=1)
        dropped = run_feed("northwind_hris.workers", business_date=BUSINESS_DATE)
        outputs.append(dropped.summary())
    finally:
        hris.set_faults(reset=True)
    assert [r.status for r in dropped.receipts] in (["DUPLICATE"], ["APPLIED"]) and not dropped.changed, \
        "the retried pull brings nothing twice"

    # proof the markers really went through the hub: Harbor's census carries them
    census = sandbox.stack.harbor_dir("inbound") / f"HARBOR_ELIG_NWD_{BUSINESS_DATE:%Y%m%d}.txt.pgp"
    census_plain, _ = sandbox.harbor_open(census)
    assert leaks(markers, census_plain), "the census (which Harbor's mapping asks for) carries the marker people"
    assert not leaks(markers, census.read_bytes()), "the census travels encrypted"

    home = first_run.settings.home
    scanned: dict[str, list[str]] = {}
    log_text = debug_log.read_bytes()
    assert b" DEBUG " in log_text, "DEBUG logging must have been captured"
    scanned[str(debug_log)] = leaks(markers, log_text)
    for i, text in enumerate(outputs):
        scanned[f"output[{i}]"] = leaks(markers, text.encode())
    files = every_file(home)
    assert any(p.name.endswith(".errors.json") for p in files), "the failure paths must have left reports"
    assert (home / "leavehub.db").is_file()
    for path in files:
        scanned[str(path)] = leaks(markers, path.read_bytes())
    simulator_log = sandbox.stack.root / "hris.log"
    scanned[str(simulator_log)] = leaks(markers, simulator_log.read_bytes())
    found = {where: hits for where, hits in scanned.items() if hits}
    assert not found, f"marker PII in plaintext: {found}"
    assert len(scanned) > 5
