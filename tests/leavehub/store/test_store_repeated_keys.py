"""One record key twice in one file: exact copies are counted, conflicting values reject the file by default."""

from __future__ import annotations

import pytest
from store_builders import arrival, leave_periods, stamp

from leavehub.store import RecordOutcomes, Store, SupersedePlan, SupersedeRule
from schemas.errors import ValidationFailed

REJECT = SupersedePlan(SupersedeRule.UPDATED_AT)
LAST_ROW_WINS = SupersedePlan(SupersedeRule.UPDATED_AT, within_file="last_row_wins")


def conflicting():
    frame = leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)},
                          {"record_key": "P2", "decision": "PENDING", "updated_at": stamp(5)},
                          {"record_key": "P1", "decision": "DENIED", "updated_at": stamp(5)})
    frame["_line"] = [2, 3, 4]
    return frame


def test_two_rows_with_one_key_and_stamp_but_different_values_reject_the_file_naming_both_lines(
        store: Store) -> None:
    with pytest.raises(ValidationFailed) as caught, store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", conflicting(), REJECT)
    errors = caught.value.errors
    assert [(e.row, e.line, e.field) for e in errors] == [(1, 2, "record_key"), (3, 4, "record_key")]
    assert "line(s) 4" in errors[0].reason and "line(s) 2" in errors[1].reason
    assert "P1" not in str(caught.value) + "".join(e.reason for e in errors)  # never the key's value
    entry = store.ledger()[0]
    assert (entry.status, entry.records_rejected) == ("REJECTED", 2)
    assert [e["line"] for e in entry.errors] == [2, 4]
    assert store.current("leave_period").empty


@pytest.mark.parametrize("rule", [SupersedeRule.FILE_DATE, SupersedeRule.APPEND_ONLY])
def test_without_a_stamp_any_two_different_rows_of_one_key_conflict(store: Store, rule: SupersedeRule) -> None:
    with pytest.raises(ValidationFailed), store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", conflicting(), rule)
    assert store.current("leave_period").empty


def test_a_feed_that_opts_into_last_row_wins_keeps_the_later_row_and_counts_the_other(store: Store) -> None:
    with store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", conflicting(), LAST_ROW_WINS)
    assert intake.outcomes["leave_period"] == RecordOutcomes(applied=2, overridden=1)
    current = store.current("leave_period")
    assert dict(zip(current["record_key"], current["decision"], strict=True)) == {"P1": "DENIED", "P2": "PENDING"}


def test_exact_duplicate_rows_are_counted_not_hidden(store: Store) -> None:
    rows = leave_periods(*[{"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)}] * 3)
    with store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", rows, REJECT)
    assert intake.outcomes["leave_period"] == RecordOutcomes(applied=1, duplicate=2)
    assert store.ledger()[0].outcomes["leave_period"]["duplicate"] == 2


def test_repeats_split_across_staged_chunks_are_found(store: Store) -> None:
    first, second = conflicting().iloc[:2], conflicting().iloc[2:]
    with pytest.raises(ValidationFailed), store.intake(arrival("f1")) as intake:
        intake.stage("leave_period", first, REJECT)
        intake.stage("leave_period", second, REJECT)
