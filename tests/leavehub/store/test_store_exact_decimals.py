"""Money and hours come back exactly as staged on every backend (SQLite's NUMERIC would be a binary float)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from store_builders import arrival, leave_periods, stamp

from leavehub.store import Store, SupersedeRule

AMOUNTS = [Decimal("0.10") + Decimal("0.20"), Decimal("123456789012.34"), Decimal("999999999999.99"),
           Decimal("0.01"), Decimal("-45678901234.56")]


@pytest.mark.parametrize("amount", AMOUNTS, ids=str)
def test_money_round_trips_exactly(store: Store, amount: Decimal) -> None:
    with store.intake(arrival(f"f-{amount}")) as intake:
        intake.stage("leave_period", leave_periods({"record_key": "P1", "decision": "APPROVED",
                                                    "updated_at": stamp(1), "weekly_benefit": amount}),
                     SupersedeRule.UPDATED_AT)
    value = store.current("leave_period")["weekly_benefit"].iloc[0]
    assert value == amount and str(value) == str(amount.quantize(Decimal("0.01")))


def test_sqlite_keeps_the_decimal_text_not_a_float(sqlite_store: Store) -> None:
    test_money_round_trips_exactly(sqlite_store, Decimal("0.30"))
    with sqlite_store.engine.connect() as connection:
        stored = connection.execute(text("SELECT typeof(weekly_benefit), weekly_benefit "
                                         "FROM leave_period_versions")).one()
    assert tuple(stored) == ("text", "0.30")


def test_the_column_type_keeps_more_than_15_significant_digits(store: Store) -> None:
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    from leavehub.store.tables import ExactDecimal

    scratch = Table("exact_decimal_probe", MetaData(), Column("id", Integer, primary_key=True),
                    Column("amount", ExactDecimal(24, 6)))
    values = [Decimal("123456789012345678.123456"), Decimal("0.100000") + Decimal("0.200000")]
    with store.engine.begin() as connection:
        scratch.create(connection)
        try:
            connection.execute(insert(scratch), [{"id": i, "amount": v} for i, v in enumerate(values)])
            back = connection.execute(select(scratch.c.amount).order_by(scratch.c.id)).scalars().all()
        finally:
            scratch.drop(connection)
    assert back == values and back[1] == Decimal("0.3")
