"""The hub against the real simulators: HRIS over HTTP, Harbor over SFTP + OpenPGP, exactly once.

Pinned: the four Northwind pulls post; the census reaches Harbor's inbound folder sealed, decrypts with Harbor's
key, carries the spec's header, a trailer whose count matches, nobody terminated more than 90 days before the
business date, and HOURS_WORKED_12M / ELIG_50_75 from the hub's FMLA determination; Harbor's files post after
signature verification and are archived on Harbor's server; a second run posts and sends nothing new; a
tampered, unsigned or wrongly signed file is REJECTED, kept encrypted in quarantine and stores nothing; a 429
storm plus token expiry mid-pull still posts every worker exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from e2e_support import BUSINESS_DATE, EMPLOYEES, HARBOR_IN_FEEDS, HRIS_FEEDS
from pg_databases import db_upgrade

from leavehub.pipeline.quarantine import REPORT_SUFFIX, list_quarantine, open_quarantined
from leavehub.pipeline.runner import open_store, run_feed
from leavehub.settings import REPO_ROOT, Settings
from sandbox.keys import generate_key_pair, vendor_seal
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, render_csv

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(300)]

CENSUS_COLUMNS = [
    "CLIENT_ID", "EMPLOYEE_ID", "SSN", "FIRST_NAME", "LAST_NAME", "DOB", "GENDER", "ADDR1", "ADDR2", "CITY",
    "STATE", "ZIP", "EMAIL", "WORK_STATE", "WORKSITE_ID", "HIRE_DATE", "ADJ_SERVICE_DATE", "TERM_DATE",
    "EMP_STATUS", "FT_PT", "EXEMPT", "SCHED_HRS_WEEK", "SCHED_DAYS_WEEK", "HOURS_WORKED_12M", "KEY_EMPLOYEE",
    "ELIG_50_75", "SPOUSE_EMPLOYEE_ID", "BASE_PAY", "PAY_BASIS", "STD_ELIG_DATE", "LTD_ELIG_DATE",
    "SUPERVISOR_ID", "UNION_CODE",
]
ENTITIES = ("employee", "employment", "hours_worked", "enrollment", "time_off_balance", "leave_period",
            "absence", "benefit_payment")


def census_path(sandbox) -> Path:
    return sandbox.stack.harbor_dir("inbound") / f"HARBOR_ELIG_NWD_{BUSINESS_DATE:%Y%m%d}.txt.pgp"


def store_snapshot(store) -> dict[str, list]:
    return {e: sorted(store.current(e)["version_id"].tolist()) for e in ENTITIES}


def test_the_hris_feeds_post_over_http(first_run):
    for feed in HRIS_FEEDS:
        outcome = first_run.outcomes[f"northwind_hris.{feed}"]
        [receipt] = outcome.receipts
        assert receipt.status == "APPLIED", outcome.summary()
        assert sum(receipt.records.values()) > 0
    assert first_run.outcomes["northwind_hris.workers"].receipts[0].records["employee"] == EMPLOYEES
    store = open_store(first_run.settings)
    employees = store.current("employee")
    assert len(employees) == EMPLOYEES and employees["record_key"].is_unique


def test_the_census_lands_sealed_in_harbors_inbound_and_says_what_the_spec_says(first_run, sandbox):
    sent = first_run.outcomes["harbor_leave.eligibility"].sent
    assert sent is not None and sent.status == "SENT"
    path = census_path(sandbox)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "one file, no temporary name left"
    raw = path.read_bytes()
    assert b"CLIENT_ID" not in raw and b"TRL|" not in raw, "the census must travel encrypted"

    plain, status = sandbox.harbor_open(path)

    assert f"VALIDSIG {sandbox.key('hub').fingerprint}" in status.replace("[GNUPG:] ", ""), status
    text = plain.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    header, rows, trailer = lines[0].split("|"), [line.split("|") for line in lines[1:-1]], lines[-1]
    assert header == CENSUS_COLUMNS
    assert trailer == f"TRL|{len(rows)}|{BUSINESS_DATE:%Y%m%d}"
    assert len(rows) == sent.records
    census = [dict(zip(header, row, strict=True)) for row in rows]
    cutoff = BUSINESS_DATE - timedelta(days=90)
    site = {w.worker_id: "Y" if w.worksite.employees_within_75_miles >= 50 else "N"
            for w in sandbox.stack.employer.workers}
    for row in census:
        assert row["ELIG_50_75"] == site[row["EMPLOYEE_ID"]], row["EMPLOYEE_ID"]
        assert re.fullmatch(r"(\d+\.\d{2})?", row["HOURS_WORKED_12M"]), row["EMPLOYEE_ID"]
        if row["TERM_DATE"]:
            term = time.strptime(row["TERM_DATE"], "%m/%d/%Y")
            assert (term.tm_year, term.tm_mon, term.tm_mday) >= (cutoff.year, cutoff.month, cutoff.day), \
                f"{row['EMPLOYEE_ID']} terminated more than 90 days before the business date"
    expected = {w.worker_id for w in sandbox.stack.employer.workers
                if w.termination_date is None or w.termination_date >= cutoff}
    assert {r["EMPLOYEE_ID"] for r in census} == expected
    assert len(census) == len(expected), "one row per employee"


def test_harbors_files_post_after_verification_and_are_archived_remotely(first_run, sandbox):
    statuses: dict[str, int] = {}
    for feed in HARBOR_IN_FEEDS:
        outcome = first_run.outcomes[f"harbor_leave.{feed}"]
        assert outcome.ok, outcome.summary()
        for r in outcome.receipts:
            statuses[r.status] = statuses.get(r.status, 0) + 1
    assert statuses.get("REJECTED", 0) == 0
    # scenario 7: one LEAVE file is resent byte for byte under a later date - exactly one duplicate
    assert statuses == {"APPLIED": len(sandbox.stack.harbor_files) - 1, "DUPLICATE": 1}
    assert not list(sandbox.stack.harbor_dir("outbound").glob("*.pgp")), "every fetched file is archived"
    archived = {p.name for p in sandbox.stack.harbor_dir("archive").iterdir()}
    assert set(sandbox.stack.harbor_files) <= archived
    emp = sandbox.stack.employer
    store = open_store(first_run.settings)
    assert sorted(store.current("leave_period")["record_key"]) == sorted(
        {p.absence_period_key for p in emp.leave_periods if p.sent_on <= emp.as_of})
    assert sorted(store.current("benefit_payment")["record_key"]) == sorted(
        {p.payment_key for p in emp.payments if p.sent_on <= emp.as_of})


def test_a_second_run_posts_and_sends_nothing_new(first_run, sandbox):
    store = open_store(first_run.settings)
    before = store_snapshot(store)
    posted_before = [e.id for e in store.ledger() if changed_state(e)]
    census = census_path(sandbox)
    census_bytes, census_mtime = census.read_bytes(), census.stat().st_mtime_ns

    for feed in HRIS_FEEDS:
        outcome = run_feed(f"northwind_hris.{feed}", business_date=BUSINESS_DATE)
        # the same content again, or (workers: what changed since the last pull) records all unchanged
        assert [r.status for r in outcome.receipts] in (["DUPLICATE"], ["APPLIED"]), outcome.summary()
        assert not outcome.changed, outcome.summary()
    resent = run_feed("harbor_leave.eligibility", business_date=BUSINESS_DATE)
    for feed in HARBOR_IN_FEEDS:
        assert run_feed(f"harbor_leave.{feed}", business_date=BUSINESS_DATE).receipts == []

    assert resent.sent is not None and resent.sent.status == "ALREADY_SENT"
    assert (census.read_bytes(), census.stat().st_mtime_ns) == (census_bytes, census_mtime)
    assert [p.name for p in census.parent.iterdir()] == [census.name]
    assert store_snapshot(store) == before
    assert [e.id for e in store.ledger() if changed_state(e)] == posted_before


def changed_state(entry) -> bool:
    """A ledger row that sent something or applied at least one version."""
    return entry.status == "SENT" or (entry.status == "APPLIED" and entry.records_applied > 0)


def _leave_csv(sandbox, folder: Path, key: str) -> Path:
    period = next(p for p in sandbox.stack.employer.leave_periods if p.sent_on <= sandbox.stack.employer.as_of)
    from sandbox.synthetic.harbor_files import leave_row

    row = leave_row(period)
    row[LEAVE_COLUMNS.index("ABSENCE_PERIOD_KEY")] = key
    path = folder / f"{key}.csv"
    path.write_bytes(render_csv(LEAVE_COLUMNS, [row]))
    return path


def test_tampered_unsigned_or_wrongly_signed_files_are_rejected_and_kept_encrypted(first_run, sandbox, tmp_path):
    hub, harbor = sandbox.key("hub"), sandbox.key("harbor_leave")
    mallory = generate_key_pair(tmp_path / "keys", "mallory")
    outbound = sandbox.stack.harbor_dir("outbound")
    placed: dict[str, tuple[str, bytes]] = {}
    for day, (key, signer, tamper) in enumerate(
            [("TAMPERED-1", harbor, True), ("UNSIGNED-1", None, False), ("WRONGSIG-1", mallory, False)], start=4):
        name = f"HARBOR_LEAVE_202701{day:02d}.csv.pgp"
        sealed = tmp_path / name
        vendor_seal(_leave_csv(sandbox, tmp_path, key), sealed, recipients=[hub], signer=signer)
        data = bytearray(sealed.read_bytes())
        if tamper:
            data[len(data) // 2] ^= 0x5A
        (outbound / name).write_bytes(bytes(data))
        placed[name] = (key, bytes(data))
    store = open_store(first_run.settings)
    before = store_snapshot(store)

    outcome = run_feed("harbor_leave.leave_periods", business_date=BUSINESS_DATE)

    assert sorted((r.file, r.status) for r in outcome.receipts) == [(n, "REJECTED") for n in sorted(placed)]
    assert not outcome.ok
    assert store_snapshot(store) == before, "nothing from a rejected file may be stored"
    keys = set(store.current("leave_period")["record_key"])
    assert not keys & {k for k, _ in placed.values()}
    # A file that failed verification may not be what it claims (plaintext sent by mistake), so the hub seals it
    # again rather than trusting it: either way the bytes at rest are ciphertext and unseal to what was received.
    entries = {e.report.name.removesuffix(REPORT_SUFFIX): e for e in
               list_quarantine(first_run.settings.quarantine_dir)}
    for name, (key, data) in placed.items():
        assert name in entries, f"{name} not quarantined"
        kept = entries[name].kept_file.read_bytes()
        assert key.encode() not in kept and b"ABSENCE_PERIOD_KEY" not in kept, "quarantine must stay encrypted"
        with open_quarantined(entries[name]) as received:
            assert received.read() == data, "quarantine keeps the file as received"
        assert json.loads(entries[name].report.read_text(encoding="utf-8"))["kept_encrypted"] is True
    ledger = {e.file_name: e.status for e in store.ledger(vendor="harbor_leave", feed="leave_periods")
              if e.file_name in placed}
    assert ledger == dict.fromkeys(placed, "QUARANTINED")
    assert not list(outbound.glob("*.pgp")), "a quarantined file is archived on the vendor's side too"


def _paged_mappings(dest: Path, page_size: int) -> Path:
    shutil.copytree(REPO_ROOT / "mappings" / "northwind_hris", dest / "northwind_hris")
    vendor_file = dest / "northwind_hris" / "vendor.yaml"
    vendor = yaml.safe_load(vendor_file.read_text(encoding="utf-8"))
    vendor["feeds"]["workers"]["endpoint"]["pagination"]["page_size"] = page_size
    vendor_file.write_text(yaml.safe_dump(vendor, sort_keys=False), encoding="utf-8")
    return dest


def test_a_429_storm_and_token_expiry_still_post_every_worker_exactly_once(sandbox, hub_env, tmp_path):
    hris = sandbox.stack.hris
    settings = Settings(mappings_root=_paged_mappings(tmp_path / "mappings", 50),
                        employer_file=REPO_ROOT / "employer.yaml", home=tmp_path / "home",
                        db_url=db_upgrade(f"sqlite:///{tmp_path / 'home' / 'leavehub.db'}"))
    before = hris.stats()
    start = before.get("requests_workers", 0)
    hris.set_faults(reset=True, rate_limit_next=6, retry_after=0, delay_seconds=0.2, delay_next=-1)
    stop = threading.Event()

    def expire_tokens_mid_pull() -> None:  # once page 3 was asked for, every issued token dies
        while not stop.is_set():
            if hris.stats().get("requests_workers", 0) - start >= 9:
                hris.set_faults(expire_tokens=True)
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=expire_tokens_mid_pull, daemon=True)
    watcher.start()
    try:
        outcome = run_feed("northwind_hris.workers", business_date=BUSINESS_DATE, settings=settings)
    finally:
        stop.set()
        watcher.join(timeout=10)
        hris.set_faults(reset=True)
    stats = {k: v - before.get(k, 0) for k, v in hris.stats().items()}

    assert stats.get("status_429", 0) >= 6 and stats.get("status_401", 0) >= 1, stats
    assert stats.get("tokens_issued", 0) >= 2, "the expired token was refreshed mid-pull"
    [receipt] = outcome.receipts
    assert receipt.status == "APPLIED" and receipt.records["employee"] == EMPLOYEES, outcome.summary()
    employees = open_store(settings).current("employee")
    assert len(employees) == EMPLOYEES and employees["record_key"].is_unique
    assert set(employees["record_key"]) == {w.worker_id for w in sandbox.stack.employer.workers}


def test_census_rows_match_the_hris_people(first_run, sandbox):
    """The census SSN column is the HRIS SSN without dashes, so Harbor can match people."""
    plain, _ = sandbox.harbor_open(census_path(sandbox))
    reader = csv.DictReader(io.StringIO(plain.decode("utf-8").rsplit("TRL|", 1)[0], newline=""), delimiter="|")
    by_id = {w.worker_id: w for w in sandbox.stack.employer.workers}
    for row in reader:
        worker = by_id[row["EMPLOYEE_ID"]]
        assert row["SSN"] == worker.ssn.replace("-", "")
        assert row["DOB"] == worker.birth_date.strftime("%m/%d/%Y")


def test_a_batch_left_unsent_by_a_crash_is_sent_under_its_own_day_before_the_next_day(first_run, sandbox,
                                                                                       monkeypatch):
    """Day A's census reached the vendor but the ledger write crashed; day B's run must not relabel it."""
    from leavehub.store import Store

    day_a, day_b = BUSINESS_DATE - timedelta(days=30), BUSINESS_DATE - timedelta(days=29)
    inbound = sandbox.stack.harbor_dir("inbound")
    real_record_send = Store.record_send
    crashed = []

    def crash_once(self, *args, **kwargs):
        if not crashed:
            crashed.append(True)
            raise ConnectionError("simulated crash between the remote rename and the ledger write")
        return real_record_send(self, *args, **kwargs)

    monkeypatch.setattr(Store, "record_send", crash_once)
    try:
        with pytest.raises(ConnectionError):
            run_feed("harbor_leave.eligibility", business_date=day_a)
        sent_b = run_feed("harbor_leave.eligibility", business_date=day_b).sent
        store = open_store(first_run.settings)
        sent = {e.business_date: e.file_name for e in store.ledger(feed="eligibility", status="SENT")}
        assert sent[day_a] == f"HARBOR_ELIG_NWD_{day_a:%Y%m%d}.txt.pgp"
        assert sent[day_b] == sent_b.file == f"HARBOR_ELIG_NWD_{day_b:%Y%m%d}.txt.pgp"
        assert (inbound / sent[day_a]).is_file() and (inbound / sent[day_b]).is_file()
    finally:
        for day in (day_a, day_b):  # keep Harbor's inbound folder as the other tests expect it
            (inbound / f"HARBOR_ELIG_NWD_{day:%Y%m%d}.txt.pgp").unlink(missing_ok=True)
