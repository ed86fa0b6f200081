"""Faults that already held when first tried, kept as fault tests so they keep holding (one small test each).

Verdicts pinned here, each against a real peer:
- signatures: a file encrypted to us but unsigned, signed by a key we do not expect, or not OpenPGP at all, is
  rejected before a byte is parsed (quarantined, nothing stored) and the properly signed file after it applies;
- host keys: an sshd whose host key is not the pinned one is refused at once, never retried, never added;
- a peer killed mid-run (between posting a file and archiving it): the run stops as a transport failure; the
  next run finds the file again, records it as a DUPLICATE and posts the rest - nothing lost, nothing twice;
- a 429 storm with token expiry, and a 503 storm, over the HRIS simulator: every record exactly once;
- formula injection: spreadsheet formulas in outbound text are neutralised, numbers are left alone;
- path traversal: names that would leave the vendor's folder are refused by the pattern and by the transport;
- PII in logs: a rejected file's values appear in no log line, report, ledger row, summary or alert;
- concurrent claims: two workers posting the same file at the same instant post it once.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import yaml
from fault_tools import bytes_under, leave_rows, stored_keys
from hris_fixture import client_for, running_simulator, write_dataset
from local_hubs import write_leave

from leavehub.pipeline.quarantine import list_quarantine
from leavehub.pipeline.runner import run_feed
from schemas.errors import ConfigError, RejectedInput, TransientError

pytestmark = pytest.mark.timeout(180)

FEED = "harbor_leave.leave_periods"


def version_count(store) -> int:
    from sqlalchemy import func, select

    from leavehub.store.tables import versions_table

    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(versions_table("leave_period"))).scalar_one()


# -- signatures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pgp_parties(tmp_path_factory):
    """Real gpg keys: the hub, Harbor (the expected signer) and Mallory (anyone else)."""
    import shutil

    from sandbox.keys import generate_key_pair

    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed")
    folder = tmp_path_factory.mktemp("pgp_parties")
    return {name: generate_key_pair(folder, name) for name in ("hub", "harbor", "mallory")}


@pytest.mark.realpeer
def test_an_unsigned_or_foreign_signed_file_is_refused_before_parsing_and_the_signed_one_applies(
        local_hub, harbor_leave_rows, pgp_parties, monkeypatch, tmp_path, fault_measure):
    from sandbox.keys import vendor_seal

    hub, harbor, mallory = pgp_parties["hub"], pgp_parties["harbor"], pgp_parties["mallory"]
    vendor_file = local_hub.mappings / "harbor_leave" / "vendor.yaml"
    vendor = yaml.safe_load(vendor_file.read_text(encoding="utf-8"))
    vendor["pgp"] = {"connection_id": "harbor_leave_pgp", "armor": False, "sign": True, "verify": True}
    vendor_file.write_text(yaml.safe_dump(vendor, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("AIRFLOW_CONN_HARBOR_LEAVE_PGP",
                       json.dumps({"conn_type": "generic", "extra": hub.connection_extra([harbor])}))
    inbox = local_hub.settings.local_exchange_dir / "harbor_leave" / "outbound"
    inbox.mkdir(parents=True, exist_ok=True)
    signers = {"20260302": None, "20260303": mallory, "20260304": harbor}
    posted = {}
    for n, (day, signer) in enumerate(signers.items()):
        rows = leave_rows(harbor_leave_rows, 2, skip=2 * n)
        plain = write_leave(tmp_path / "plain", f"HARBOR_LEAVE_{day}.csv", rows)
        vendor_seal(plain, inbox / plain.name, recipients=[hub], signer=signer)
        posted[day] = {r["ABSENCE_PERIOD_KEY"] for r in rows}
    (inbox / "HARBOR_LEAVE_20260301.csv").write_bytes(bytes(range(256)) * 40)  # not OpenPGP at all

    outcome = run_feed(FEED, settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["REJECTED", "REJECTED", "REJECTED", "APPLIED"], \
        outcome.summary()
    reports = [json.loads(e.report.read_text(encoding="utf-8")) for e in
               list_quarantine(local_hub.settings.quarantine_dir)]
    assert len(reports) == 3 and {"SignatureError"} <= {r["error_class"] for r in reports}
    store = local_hub.open_store()
    assert stored_keys(store) == posted["20260304"], "only the properly signed file is stored"
    fault_measure(records_lost=len(posted["20260304"] - stored_keys(store)), records_duplicated=0,
                  rejected_bytes=bytes_under(local_hub.settings.quarantine_dir))


# -- SFTP: host keys, a peer killed mid-run, path traversal -------------------------------------------------------


@pytest.mark.realpeer
def test_a_host_key_that_is_not_pinned_is_refused_at_once_and_never_retried(sshd):
    import time

    from connectors.connections import get_connection
    from connectors.transports.sftp import HostKeyMismatch, SftpTransport

    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr4nEJ2Ak+2u3s3YQm0JxV7x4b3zYQ3qkF2l6bZc1aD"  # not the server's
    uri = sshd.connection_uri("harbor_leave", host_key=other)
    conn = get_connection("harbor_leave_sftp", {"AIRFLOW_CONN_HARBOR_LEAVE_SFTP": uri})
    started = time.monotonic()
    with pytest.raises(HostKeyMismatch) as refused:
        with SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound") as sftp:
            sftp.list("*")
    assert isinstance(refused.value, ConfigError) and time.monotonic() - started < 10, "refused, not retried"


@pytest.mark.realpeer
def test_a_peer_killed_between_post_and_archive_loses_and_duplicates_nothing(
        sftp_hub, sshd, harbor_leave_rows, monkeypatch, fault_measure):
    import leavehub.pipeline.runner as runner

    remote = sshd.vendor_dir("harbor_leave") / "outbound"
    first, second = leave_rows(harbor_leave_rows, 3), leave_rows(harbor_leave_rows, 3, skip=3)
    write_leave(remote, "HARBOR_LEAVE_a_20260302.csv", first)
    write_leave(remote, "HARBOR_LEAVE_a_20260303.csv", second)
    real_receive = runner.receive_file
    posted: list[str] = []

    def receive_then_kill(*args, **kwargs):
        receipt = real_receive(*args, **kwargs)
        posted.append(receipt.file)
        sshd.stop()  # the vendor's server dies after the first file posted, before it is archived
        return receipt

    monkeypatch.setattr(runner, "receive_file", receive_then_kill)
    with pytest.raises(TransientError):
        run_feed(FEED, settings=sftp_hub.settings)
    assert posted == ["HARBOR_LEAVE_a_20260302.csv"]
    monkeypatch.setattr(runner, "receive_file", real_receive)
    sshd.start()
    sftp_hub.env["AIRFLOW_CONN_HARBOR_LEAVE_SFTP"] = sshd.connection_uri("harbor_leave")
    monkeypatch.setenv("AIRFLOW_CONN_HARBOR_LEAVE_SFTP", sshd.connection_uri("harbor_leave"))

    again = run_feed(FEED, settings=sftp_hub.settings)

    assert [(r.file, r.status) for r in again.receipts] == [("HARBOR_LEAVE_a_20260302.csv", "DUPLICATE"),
                                                            ("HARBOR_LEAVE_a_20260303.csv", "APPLIED")]
    store = sftp_hub.open_store()
    wanted = {r["ABSENCE_PERIOD_KEY"] for r in first + second}
    assert stored_keys(store) == wanted and version_count(store) == len(wanted), "each record exactly once"
    fault_measure(records_lost=len(wanted - stored_keys(store)),
                  records_duplicated=version_count(store) - len(wanted), rejected_bytes=0)


@pytest.mark.realpeer
@pytest.mark.parametrize("name", ["../HARBOR_LEAVE_20260302.csv", "/etc/passwd", "..", "a/../../b", "x\x00y"])
def test_a_name_that_would_leave_the_vendor_folder_is_refused(sshd, name, make_harbor_sftp, tmp_path):
    from leavehub.config.file_pattern import FilePattern

    assert FilePattern("HARBOR_LEAVE_{date:%Y%m%d}.csv").match(name) is None
    with pytest.raises(RejectedInput):
        make_harbor_sftp().get(name, tmp_path / "landed")
    assert not (tmp_path / "landed").exists()


@pytest.fixture
def make_harbor_sftp(sshd):
    from connectors.connections import get_connection
    from connectors.transports.sftp import SftpTransport

    made = []

    def make():
        conn = get_connection("harbor_leave_sftp",
                              {"AIRFLOW_CONN_HARBOR_LEAVE_SFTP": sshd.connection_uri("harbor_leave")})
        made.append(SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound"))
        return made[-1]

    yield make
    for transport in made:
        transport.close()


# -- HTTP storms --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hris(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hris")
    ids = write_dataset(folder, workers=300)
    with running_simulator(folder) as sim:
        yield sim, ids["workers"]


@pytest.mark.realpeer
@pytest.mark.parametrize("storm", [{"rate_limit_next": 6, "retry_after": 0}, {"unavailable_next": 3}])
def test_a_429_or_503_storm_with_token_expiry_keeps_every_record_exactly_once(hris, storm, fault_measure):
    from connectors.transports.pagination import CursorPagination

    sim, worker_ids = hris
    sim.set_faults(reset=True)
    before = sim.stats()
    seen: list[str] = []
    with client_for(sim) as api:
        for n, page in enumerate(api.iter_pages("/v1/workers", {}, CursorPagination(page_size=50)), start=1):
            seen += [w["id"] for w in page]
            if n == 2:
                sim.set_faults(**storm)
            if n == 4:
                sim.set_faults(expire_tokens=True)  # every issued token dies mid-pull
    stats = sim.stats()
    code = "status_429" if "rate_limit_next" in storm else "status_503"
    assert stats.get(code, 0) - before.get(code, 0) == next(iter(storm.values())), "the storm really blew"
    assert stats["status_401"] - before.get("status_401", 0) == 1, "the token really expired mid-pull"
    assert sorted(seen) == sorted(worker_ids)
    fault_measure(records_lost=len(set(worker_ids) - set(seen)), records_duplicated=len(seen) - len(set(seen)),
                  rejected_bytes=0)


# -- what we write and what we log --------------------------------------------------------------------------------


def test_formula_text_in_an_outbound_file_is_neutralised_and_numbers_stay(tmp_path):
    import pandas as pd

    from connectors.formats import parse_layout, read_chunks, write_chunks

    layout = parse_layout({"type": "delimited", "columns": ["NAME", "AMOUNT"]})
    cells = pd.DataFrame({"NAME": ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "Ana"],
                          "AMOUNT": ["-42.50", "+1", "12", "0.10"]})
    with (tmp_path / "out.csv").open("wb") as sink:
        write_chunks(layout, [cells], sink)
    with (tmp_path / "out.csv").open("rb") as source:
        [chunk] = list(read_chunks(layout, source, name="out.csv"))
    names = list(chunk.frame["NAME"])
    assert all(n.startswith("'") for n in names[:3]) and names[3] == "Ana"
    assert list(chunk.frame["AMOUNT"]) == ["-42.50", "+1", "12", "0.10"], "numbers are not touched"


MARKERS = {"PERIOD_START": "123-45-6789", "CASE_NUMBER": "Zelda Quux-Marker", "RTW_DATE": "1961-07-04X"}


def test_a_rejected_file_leaves_no_value_in_logs_reports_ledger_or_alerts(local_hub, harbor_leave_rows, caplog,
                                                                          fault_measure):
    rows = leave_rows(harbor_leave_rows, 3)
    rows[1] = dict(rows[1], **MARKERS)
    write_leave(local_hub.settings.local_exchange_dir / "harbor_leave" / "outbound", "HARBOR_LEAVE_20260302.csv",
                rows)
    caplog.set_level(logging.DEBUG)

    outcome = run_feed(FEED, settings=local_hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "REJECTED" and receipt.errors >= len(MARKERS)
    store = local_hub.open_store()
    texts = [outcome.summary(), receipt.quarantine_report.read_text(encoding="utf-8"),
             json.dumps([e.errors for e in store.ledger()]), *(r.getMessage() for r in caplog.records)]
    leaked = [m for m in MARKERS.values() for t in texts if m in t]
    assert not leaked, f"values echoed: {leaked}"
    fault_measure(records_lost=0, records_duplicated=0,
                  rejected_bytes=bytes_under(local_hub.settings.quarantine_dir))


# -- two workers, one file ----------------------------------------------------------------------------------------


def test_two_workers_claiming_the_same_file_at_once_post_it_once(local_hub, harbor_leave_rows, tmp_path,
                                                                 monkeypatch, fault_measure):
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.inbound import receive_file
    from leavehub.store import Store

    rows = leave_rows(harbor_leave_rows, 5)
    source = write_leave(tmp_path, "HARBOR_LEAVE_20260302.csv", rows)
    feed = load_feed(FEED, local_hub.settings)
    store = local_hub.open_store()
    together = threading.Barrier(2, timeout=60)
    real_intake = Store.intake

    def intake_together(self, arrival):
        together.wait()
        return real_intake(self, arrival)

    monkeypatch.setattr(Store, "intake", intake_together)
    with ThreadPoolExecutor(max_workers=2) as pool:
        receipts = list(pool.map(lambda _: receive_file(feed, source, store=store), range(2)))

    assert sorted(r.status for r in receipts) == ["APPLIED", "DUPLICATE"]
    assert version_count(store) == len(rows) and [e.business_date for e in store.ledger(status="APPLIED")] == [
        date(2026, 3, 2)]
    fault_measure(records_lost=len(rows) - len(stored_keys(store)),
                  records_duplicated=version_count(store) - len(rows), rejected_bytes=0)
