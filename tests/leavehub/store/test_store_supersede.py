"""Supersede rules, idempotence and the two clocks (recorded time, valid time), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from store_builders import arrival, leave_periods, stamp

from leavehub.store import RecordOutcomes, Store, SupersedeRule

UPDATED_AT = SupersedeRule.UPDATED_AT


def apply(store: Store, content: str, frame, rule=UPDATED_AT, **kwargs):
    with store.intake(arrival(content, **kwargs)) as intake:
        intake.stage("leave_period", frame, rule)
    return intake


def decisions(store: Store, **kwargs) -> dict[str, str]:
    frame = store.current("leave_period", **kwargs)
    return dict(zip(frame["record_key"], frame["decision"], strict=True))


def test_a_newer_updated_at_replaces_the_current_version(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "PENDING", "updated_at": stamp(1)}))
    newer = leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(2)})
    intake = apply(store, "f2", newer)
    assert intake.applied == 1
    assert decisions(store) == {"P1": "APPROVED"}


def test_a_stale_updated_at_never_wins_even_when_it_arrives_later(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)}))
    stale = apply(store, "f2", leave_periods({"record_key": "P1", "decision": "DENIED", "updated_at": stamp(4)}))
    assert stale.applied == 0
    assert stale.outcomes["leave_period"] == RecordOutcomes(stale=1)
    assert decisions(store) == {"P1": "APPROVED"}
    assert [e.status for e in store.ledger()] == ["APPLIED", "APPLIED"]
    assert store.ledger()[0].outcomes["leave_period"]["stale"] == 1
    assert store.ledger()[0].records_applied == 0


def test_a_correction_with_the_same_updated_at_from_a_later_file_is_applied_as_a_tie(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)}))
    tie = apply(store, "f2", leave_periods({"record_key": "P1", "decision": "DENIED", "updated_at": stamp(5)}))
    assert tie.outcomes["leave_period"] == RecordOutcomes(tie_applied=1)
    assert tie.applied == 1
    assert decisions(store) == {"P1": "DENIED"}
    entry = store.ledger()[0]
    assert (entry.records_applied, entry.outcomes["leave_period"]["tie_applied"]) == (1, 1)


def test_a_tie_from_a_file_with_an_earlier_business_date_does_not_win(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)}),
          business_date=date(2026, 3, 6))
    late = apply(store, "f0", leave_periods({"record_key": "P1", "decision": "DENIED", "updated_at": stamp(5)}),
                 business_date=date(2026, 3, 5))
    assert late.outcomes["leave_period"] == RecordOutcomes(stale=1)
    assert decisions(store) == {"P1": "APPROVED"}


def test_identical_content_is_unchanged_and_every_record_lands_in_one_count(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)},
                                     {"record_key": "P2", "decision": "APPROVED", "updated_at": stamp(5)}))
    mixed = apply(store, "f2", leave_periods(
        {"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(5)},   # unchanged
        {"record_key": "P2", "decision": "DENIED", "updated_at": stamp(4)},     # stale
        {"record_key": "P3", "decision": "PENDING", "updated_at": stamp(1)},    # new
        {"record_key": "P3", "decision": "PENDING", "updated_at": stamp(1)},    # exact copy in the file
        {"record_key": "P4", "decision": "PENDING", "updated_at": stamp(1)},    # older in the file
        {"record_key": "P4", "decision": "APPROVED", "updated_at": stamp(2)}))  # newer in the file
    outcomes = mixed.outcomes["leave_period"]
    assert outcomes == RecordOutcomes(applied=2, unchanged=1, stale=1, duplicate=1, overridden=1)
    assert outcomes.read == mixed.read == 6
    assert store.ledger()[0].outcomes == {"leave_period": outcomes.as_dict()}


def test_reapplying_the_same_rows_in_another_file_changes_nothing(store: Store) -> None:
    rows = leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(1)},
                         {"record_key": "P2", "decision": "PENDING", "updated_at": stamp(1)})
    first = apply(store, "f1", rows, SupersedeRule.FILE_DATE)
    again = apply(store, "f2", rows, SupersedeRule.FILE_DATE, business_date=date(2026, 3, 3))
    assert (first.applied, again.applied) == (2, 0)
    history = store.current("leave_period", as_of_recorded=datetime.now(UTC))
    assert len(history) == 2


def test_file_date_rule_a_file_with_an_older_business_date_does_not_win(store: Store) -> None:
    apply(store, "new", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(1)}),
          SupersedeRule.FILE_DATE, business_date=date(2026, 3, 5))
    late = apply(store, "old", leave_periods({"record_key": "P1", "decision": "PENDING", "updated_at": stamp(1)}),
                 SupersedeRule.FILE_DATE, business_date=date(2026, 3, 4))
    assert late.applied == 0
    assert decisions(store) == {"P1": "APPROVED"}


def test_append_only_events_are_written_once_and_never_replaced(store: Store) -> None:
    apply(store, "e1", leave_periods({"record_key": "E1", "decision": "APPROVED", "updated_at": stamp(1)}),
          SupersedeRule.APPEND_ONLY)
    events = leave_periods({"record_key": "E1", "decision": "CANCELLED", "updated_at": stamp(2)},
                           {"record_key": "E2", "decision": "CANCELLED", "updated_at": stamp(2)})
    second = apply(store, "e2", events, SupersedeRule.APPEND_ONLY)
    assert second.applied == 1
    assert decisions(store) == {"E1": "APPROVED", "E2": "CANCELLED"}


def test_a_full_snapshot_closes_keys_it_no_longer_lists_but_a_change_file_does_not(store: Store) -> None:
    both = leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(1)},
                         {"record_key": "P2", "decision": "APPROVED", "updated_at": stamp(1)})
    apply(store, "full1", both, SupersedeRule.FULL_SNAPSHOT, kind="full", business_date=date(2026, 3, 1))
    only_p1 = leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(1)})
    apply(store, "chg", only_p1, SupersedeRule.FULL_SNAPSHOT, kind="change", business_date=date(2026, 3, 2))
    assert set(decisions(store)) == {"P1", "P2"}
    full = apply(store, "full2", only_p1, SupersedeRule.FULL_SNAPSHOT, kind="full", business_date=date(2026, 3, 3))
    assert full.closed == 1
    assert set(decisions(store)) == {"P1"}
    assert set(decisions(store, valid_on=date(2026, 3, 2))) == {"P1", "P2"}
    assert set(decisions(store, valid_on=date(2026, 3, 3))) == {"P1"}
    ended = store.changed_since("leave_period", stamp(1))
    assert ended.set_index("record_key").loc["P2", "valid_to"] == date(2026, 3, 3)


def test_as_of_recorded_time_shows_what_we_knew_then(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "PENDING", "updated_at": stamp(1)}))
    between = datetime.now(UTC)
    apply(store, "f2", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(2)}))
    assert decisions(store, as_of_recorded=between) == {"P1": "PENDING"}
    assert decisions(store, as_of_recorded=between - timedelta(days=1)) == {}
    assert decisions(store) == {"P1": "APPROVED"}


def test_a_later_starting_correction_keeps_the_earlier_fact_true_before_it(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "PENDING", "updated_at": stamp(1),
                                      "valid_from": date(2026, 3, 1)}))
    apply(store, "f2", leave_periods({"record_key": "P1", "decision": "APPROVED", "updated_at": stamp(2),
                                      "valid_from": date(2026, 3, 10)}))
    assert decisions(store, valid_on=date(2026, 3, 5)) == {"P1": "PENDING"}
    assert decisions(store, valid_on=date(2026, 3, 12)) == {"P1": "APPROVED"}
    assert decisions(store) == {"P1": "APPROVED"}


def test_current_returns_canonical_arrow_dtypes_with_exact_money(store: Store) -> None:
    apply(store, "f1", leave_periods({"record_key": "P1", "decision": "PENDING", "updated_at": stamp(1)}))
    frame = store.current("leave_period")
    assert str(frame["weekly_benefit"].dtype) == "decimal128(14, 2)[pyarrow]"
    assert str(frame["updated_at"].dtype) == "timestamp[us, tz=UTC][pyarrow]"
    assert frame["weekly_benefit"].iloc[0] == __import__("decimal").Decimal("1200.00")
    assert frame["updated_at"].iloc[0] == stamp(1)


@pytest.mark.parametrize("rule", ["updated_at", "file_date"])
def test_two_entities_staged_from_one_file_rule_is_checked_per_entity(store: Store, rule: str) -> None:
    with store.intake(arrival("mixed")) as intake:
        intake.stage("leave_period", leave_periods({"record_key": "P1", "decision": "PENDING",
                                                    "updated_at": stamp(1)}), rule)
        with pytest.raises(ValueError, match="two supersede rules"):
            intake.stage("leave_period", leave_periods({"record_key": "P2", "decision": "PENDING",
                                                        "updated_at": stamp(1)}), "append_only")
    assert decisions(store) == {"P1": "PENDING"}


@pytest.mark.postgres
def test_a_bulk_merge_leaves_postgres_statistics_a_planner_can_use(postgres_store: Store) -> None:
    """A query planned right after a big load must not see the table as empty (autovacuum analyses it a minute
    or more later): a merge of 1,000+ versions analyses the table in its own transaction; a small one does not."""
    from sqlalchemy import text

    def estimate() -> float:
        with postgres_store.engine.connect() as connection:
            return connection.execute(text("SELECT reltuples FROM pg_class "
                                           "WHERE oid = 'leave_period_versions'::regclass")).scalar_one()

    before = estimate()
    apply(postgres_store, "small", leave_periods(*({"record_key": f"S{i}", "decision": "PENDING",
                                                    "updated_at": stamp(1)} for i in range(20))))
    assert estimate() == before, "20 versions: autovacuum's business (under its own threshold of 50)"
    apply(postgres_store, "bulk", leave_periods(*({"record_key": f"P{i}", "decision": "PENDING",
                                                   "updated_at": stamp(1)} for i in range(2_000))))
    assert estimate() == 2_020
