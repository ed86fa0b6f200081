"""File ledger: duplicates by content and control number, empty change files, rollback, concurrent claims,
outbound batches - on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from store_builders import arrival, leave_periods, stamp

from leavehub.store import Store, SupersedeRule
from schemas.errors import DuplicateInput, RowError, ValidationFailed

ROW = {"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(1)}


def test_same_plaintext_under_another_name_is_a_duplicate_and_posts_nothing(store: Store) -> None:
    with store.intake(arrival("content-A", name="LP_0302.csv.pgp")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
    with pytest.raises(DuplicateInput) as caught, store.intake(arrival("content-A", name="resend.pgp")) as again:
        again.stage("leave_period", leave_periods({**ROW, "record_key": "P9"}), SupersedeRule.UPDATED_AT)
    assert caught.value.original_file_id == intake.file_id
    assert [e.status for e in store.ledger()] == ["DUPLICATE", "APPLIED"]
    assert store.ledger(status="DUPLICATE")[0].duplicate_of == intake.file_id
    assert list(store.current("leave_period")["record_key"]) == ["P1"]


def test_same_vendor_control_number_is_a_duplicate_even_with_other_content(store: Store) -> None:
    with store.intake(arrival("one", control_number="000123")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
    with pytest.raises(DuplicateInput), store.intake(arrival("two", control_number="000123")):
        pass


def test_an_empty_change_file_each_day_is_not_a_duplicate_but_twice_the_same_day_is(store: Store) -> None:
    for day in (2, 3):
        with store.intake(arrival("header-only", business_date=date(2026, 3, day))):
            pass
    with pytest.raises(DuplicateInput), store.intake(arrival("header-only", business_date=date(2026, 3, 3))):
        pass
    with store.intake(arrival("header-only2", business_date=date(2026, 3, 4), record_count=0)):
        pass
    with pytest.raises(DuplicateInput), store.intake(arrival("header-only2", business_date=date(2026, 3, 4),
                                                             record_count=0)):
        pass
    assert [e.status for e in store.ledger()] == ["DUPLICATE", "APPLIED", "DUPLICATE", "APPLIED", "APPLIED"]


def test_content_known_only_after_streaming_is_claimed_at_commit_and_a_repeat_is_a_duplicate(store: Store) -> None:
    """An API pull opens its intake before its hash is known (it streams in) and settles it at the end."""
    from dataclasses import replace

    unnamed = replace(arrival("ignored"), sha256_received=None, sha256_plaintext=None, size=None)
    with store.intake(unnamed) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
        intake.settle_content("pulled-content", 123)
    first = store.ledger(file_id=intake.file_id)[0]
    assert (first.status, first.sha256_plaintext, first.size_bytes) == ("APPLIED", "pulled-content", 123)
    with pytest.raises(DuplicateInput) as caught, store.intake(unnamed) as again:
        again.stage("leave_period", leave_periods({**ROW, "record_key": "P9"}), SupersedeRule.UPDATED_AT)
        again.settle_content("pulled-content", 123)
    assert caught.value.original_file_id == intake.file_id
    assert [e.status for e in store.ledger()] == ["DUPLICATE", "APPLIED"]
    assert list(store.current("leave_period")["record_key"]) == ["P1"], "the repeat staged nothing for good"
    with store.intake(unnamed) as other:
        other.settle_content("other-content", 5)
    assert store.ledger(file_id=other.file_id)[0].status == "APPLIED"


def test_reject_rolls_back_staging_and_records_the_errors_without_values(store: Store) -> None:
    with store.intake(arrival("bad")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
        intake.reject([RowError(row=7, field="period_start", reason="not a date", value_class="text(8)")])
    entry = store.ledger(file_id=intake.file_id)[0]
    assert (entry.status, entry.records_read, entry.records_rejected) == ("REJECTED", 1, 1)
    assert entry.errors == [{"row": 7, "field": "period_start", "reason": "not a date", "value_class": "text(8)"}]
    assert store.current("leave_period").empty


def test_an_exception_inside_the_block_leaves_nothing_half_applied_and_the_content_can_be_retried(
        store: Store) -> None:
    with pytest.raises(ValidationFailed), store.intake(arrival("flaky")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
        raise ValidationFailed("2 rows failed", errors=[RowError(row=3, field="plan", reason="unknown code")])
    with pytest.raises(KeyError), store.intake(arrival("flaky")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
        raise KeyError("123-45-6789")
    assert store.current("leave_period").empty
    failed, rejected = store.ledger()
    assert (rejected.status, failed.status) == ("REJECTED", "FAILED")
    assert "6789" not in str(failed.errors)
    with store.intake(arrival("flaky")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
    assert list(store.current("leave_period")["record_key"]) == ["P1"]


def test_two_workers_claiming_the_same_file_end_with_exactly_one_posting(store: Store) -> None:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(name: str) -> None:
        start.wait()
        try:
            with store.intake(arrival("shared", name=name)) as intake:
                intake.stage("leave_period", leave_periods(ROW, {**ROW, "record_key": "P2"}),
                             SupersedeRule.UPDATED_AT)
            outcomes.append("applied")
        except DuplicateInput:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=worker, args=(f"w{i}.pgp",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["applied", "duplicate"]
    assert len(store.current("leave_period")) == 2
    assert sorted(e.status for e in store.ledger()) == ["APPLIED", "DUPLICATE"]


def test_missing_and_quarantined_files_are_recorded(store: Store) -> None:
    missing = store.record_missing("harbor_leave", "leave_periods", date(2026, 3, 2), expected_name="LP_*.pgp")
    with store.intake(arrival("bad")) as intake:
        intake.reject([RowError(row=None, field=None, reason="trailer count 3, found 2")])
    store.mark_quarantined(intake.file_id)
    assert store.ledger(file_id=missing)[0].status == "MISSING"
    assert store.ledger(file_id=intake.file_id)[0].status == "QUARANTINED"


def test_an_outbound_retry_resends_the_same_batch_and_control_numbers_follow_per_feed(store: Store) -> None:
    with store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
    mark = store.high_water("leave_period")
    first = store.build_batch("ledgerly_payroll", "pay_data", watermark=mark, record_count=1)
    retry = store.build_batch("ledgerly_payroll", "pay_data", watermark=mark, record_count=1)
    assert (retry.batch_id, retry.control_number) == (first.batch_id, 1)
    sent = store.record_send(first.batch_id, file_name="PAY_1.csv.pgp", size=10, sha256_sent="a" * 64,
                             sha256_plaintext="b" * 64, schema_version="1.0.0")
    assert store.record_send(first.batch_id, file_name="PAY_1.csv.pgp", size=10, sha256_sent="a" * 64,
                             sha256_plaintext="b" * 64) == sent
    entry = store.ledger(file_id=sent)[0]
    assert (entry.status, entry.batch_id, entry.control_number) == ("SENT", first.batch_id, "1")
    assert store.last_sent_watermark("ledgerly_payroll", "pay_data") == mark
    nothing_new = store.changed_since("leave_period", store.last_sent_watermark("ledgerly_payroll", "pay_data"))
    assert nothing_new.empty
    second = store.build_batch("ledgerly_payroll", "pay_data", watermark=mark)
    other_feed = store.build_batch("ledgerly_payroll", "census", watermark=mark)
    assert (second.control_number, second.previous_watermark, other_feed.control_number) == (2, mark, 1)


def test_changed_since_returns_only_records_recorded_after_the_watermark(store: Store) -> None:
    with store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
    mark = store.high_water("leave_period")
    with store.intake(arrival("f2")) as intake:
        intake.stage("leave_period", leave_periods({**ROW, "record_key": "P2"}), SupersedeRule.UPDATED_AT)
    assert list(store.changed_since("leave_period", mark)["record_key"]) == ["P2"]
    assert sorted(store.changed_since("leave_period", None)["record_key"]) == ["P1", "P2"]


def test_concurrent_builders_of_one_interchange_sequence_never_share_a_control_number(store: Store) -> None:
    """A weekly full and a daily change 834 built at the same moment, by many workers at once: each batch gets its
    own ISA13, numbers go 1, 2, 3 ... without a gap or a repeat, and each worker sees them only go up."""
    sequence = "x12:ZZ:NWDLEAVEHUB>ZZ:SUMMITMUTUAL"
    workers, rounds = 6, 4
    start = threading.Barrier(workers)
    seen: dict[int, list[tuple[str, int]]] = {w: [] for w in range(workers)}
    failures: list[BaseException] = []

    def build(worker: int) -> None:
        feed = ("enrollment_full", "enrollment_change")[worker % 2]
        try:
            start.wait(timeout=60)
            for _ in range(rounds):
                batch = store.build_batch("summit_mutual", feed, watermark=None, scope="vendor", sequence=sequence)
                seen[worker].append((batch.batch_id, batch.control_number))
                store.record_send(batch.batch_id, file_name=f"SUMMIT_834_{batch.control_number}.x12.pgp", size=1,
                                  sha256_sent="a" * 64, sha256_plaintext="b" * 64)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=build, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    numbers = {batch_id: number for got in seen.values() for batch_id, number in got}
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1)), "one number per batch, no gap"
    assert len(numbers) >= rounds * 2, "each feed built its own batches"
    for got in seen.values():
        assert [n for _, n in got] == sorted(n for _, n in got), "a worker sees numbers only go up"
    after = store.build_batch("summit_mutual", "enrollment_full", watermark=None, scope="vendor",
                              sequence=sequence)
    assert after.control_number == len(numbers) + 1


def test_a_ledger_row_cannot_be_deleted_so_no_version_loses_its_file(store: Store) -> None:
    """Versions name their ledger file without a per-row foreign key (migration 0012): the ledger refuses
    deletes instead, and every version names the ledger row of the intake that wrote it."""
    from sqlalchemy import delete
    from sqlalchemy.exc import DatabaseError

    from leavehub.store.tables import FILE_LEDGER

    with store.intake(arrival("kept")) as intake:
        intake.stage("leave_period", leave_periods(ROW), SupersedeRule.UPDATED_AT)
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(delete(FILE_LEDGER).where(FILE_LEDGER.c.id == intake.file_id))
    assert [e.id for e in store.ledger()] == [intake.file_id]
    assert list(store.current("leave_period")["source_file_id"]) == [intake.file_id]
