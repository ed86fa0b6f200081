"""The Summit Mutual exchange end to end against real peers: OpenSSH sshd, gpg on both sides, pyx12 answering.

834 out (encrypted, signed, over SFTP) -> Summit's simulator validates it with pyx12 and answers TA1 + 999 ->
the next run reads the answer first and sets each transaction set's status; a rejected file is resent with
NEW control numbers; an unanswered one is alerted once.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.sandbox.vendor_exchange import vendor_exchange

DAY = date(2026, 12, 7)
pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(300)]


@pytest.fixture
def exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sandbox.summit import SummitSimulator
    from sandbox.summit_population import load_population, summit_population

    with vendor_exchange(tmp_path, monkeypatch, "summit_mutual", "summit") as hub:
        load_population(hub.store, summit_population(30, business_date=DAY), business_date=DAY)
        simulator = SummitSimulator(hub.sshd.vendor_dir("summit_mutual"), hub=hub.hub_key, summit=hub.vendor_key)
        yield hub.store, simulator, hub.settings


def _sets(store):
    from leavehub.store.x12_sets import transaction_sets

    return {s.control_number: s for s in transaction_sets(store.engine, "summit_mutual")}


def test_an_834_goes_out_sealed_is_answered_by_pyx12_and_its_set_is_accepted(exchange):
    from leavehub.pipeline.runner import run_feed

    store, summit, settings = exchange
    sent = run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store).sent
    assert sent.status == "SENT" and sent.file.startswith("SUMMIT_834_SMG0042_") and sent.records == 30
    (answer,) = summit.answer_pending()
    assert answer.valid and answer.set_status == "A" and answer.reply == "SUMMIT_999_000000001.x12.pgp"
    assert _sets(store)[1].status == "SENT"
    outcome = run_feed("summit_mutual.enrollment_change", business_date=DAY, settings=settings, store=store)
    (ack,) = outcome.acknowledgements
    assert ack.status == "APPLIED" and [(s.control_number, s.set_control, s.status, s.known) for s in ack.sets] \
        == [(1, "0001", "ACCEPTED", True)]
    one = _sets(store)[1]
    assert one.status == "ACCEPTED" and one.interchange_status == "A" and one.errors is None
    assert outcome.sent.status == "NOTHING_TO_SEND"  # nothing changed since the full file's population
    # the answer was archived on Summit's side: a second run reads nothing new
    again = run_feed("summit_mutual.enrollment_change", business_date=DAY, settings=settings, store=store)
    assert again.acknowledgements == []


@pytest.mark.parametrize("mode, status", [("reject", "REJECTED"), ("partial", "PARTIALLY_ACCEPTED")])
def test_a_rejected_or_partial_file_is_resent_with_new_control_numbers(exchange, mode, status, caplog):
    from leavehub.pipeline.runner import run_feed

    store, summit, settings = exchange
    summit.mode = mode
    first = run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store).sent
    summit.answer_pending()
    summit.mode = "accept"
    with caplog.at_level(logging.WARNING, logger="leavehub.alerts"):
        rerun = run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store)
    sets = _sets(store)
    assert sets[1].status == status and sets[1].errors and sets[1].errors[0]["segment_id"] in ("INS", "DMG")
    assert "element_reference" in sets[1].errors[0]
    assert any("rejected_by_vendor" in r.getMessage() for r in caplog.records)
    # the same business date is sent again, as a new interchange: ISA13/GS06 2, a new file
    assert rerun.sent.status == "SENT" and rerun.sent.file != first.file and rerun.sent.batch_id != first.batch_id
    (answer,) = summit.answer_pending()
    assert answer.control_number == 2 and answer.set_status == "A"
    run_feed("summit_mutual.enrollment_change", business_date=DAY, settings=settings, store=store)
    assert _sets(store)[2].status == "ACCEPTED"
    assert [e.status for e in store.ledger(vendor="summit_mutual", feed="enrollment_full")] == ["SENT", "REJECTED"]


def test_an_interchange_not_answered_in_time_is_alerted_once(exchange, caplog):
    from leavehub.config.vendor import load_vendors
    from leavehub.operations.arrivals import check_acknowledgements
    from leavehub.pipeline.runner import run_feed

    store, summit, settings = exchange
    summit.mode = "silent"
    run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store)
    summit.answer_pending()
    vendors = load_vendors(settings.mappings_root)
    now = datetime.now(UTC)
    assert check_acknowledgements(store, vendors, now + timedelta(hours=23), settings=settings) == []
    with caplog.at_level(logging.WARNING, logger="leavehub.alerts"):
        late = check_acknowledgements(store, vendors, now + timedelta(hours=25), settings=settings)
    assert [(s.control_number, s.status) for s in late] == [(1, "SENT")]
    assert any("not_acknowledged" in r.getMessage() for r in caplog.records)
    assert check_acknowledgements(store, vendors, now + timedelta(hours=26), settings=settings) == []


def test_a_retried_send_reuses_the_batch_and_its_control_number(exchange, monkeypatch):
    from leavehub.pipeline import outbound
    from leavehub.pipeline.runner import run_feed

    store, summit, settings = exchange
    real = outbound._deliver
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("the SFTP server went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(outbound, "_deliver", flaky)
    with pytest.raises(ConnectionError):
        run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store)
    sent = run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store).sent
    (answer,) = summit.answer_pending()
    assert answer.control_number == 1 and sent.status == "SENT"  # the retry sent the batch built first
    assert os.listdir(summit.home / "to_summit") == []


def test_an_unreadable_acknowledgement_is_quarantined_and_alerted_and_the_send_goes_on(exchange, caplog):
    from leavehub.pipeline.runner import run_feed

    store, summit, settings = exchange
    (summit.home / "from_summit" / "SUMMIT_999_000000077.x12.pgp").write_bytes(b"ISA*not sealed, not signed~")
    with caplog.at_level(logging.WARNING, logger="leavehub.alerts"):
        outcome = run_feed("summit_mutual.enrollment_full", business_date=DAY, settings=settings, store=store)
    (ack,) = outcome.acknowledgements
    assert ack.status == "REJECTED" and ack.reason and outcome.sent.status == "SENT"
    assert any("quarantined" in r.getMessage() for r in caplog.records)
    assert list((summit.home / "from_summit").iterdir()) == []  # archived on the server, never fetched twice
    assert [e.status for e in store.ledger(vendor="summit_mutual", feed="acknowledgements")] == ["QUARANTINED"]
