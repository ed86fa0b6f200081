"""Entities an outbound mapping may join that the hub works out instead of receiving them.

``eligibility_snapshot``: each employee's FMLA eligibility on the batch's business date, from the rules
engine (``leavehub.rules.fmla.census_eligibility``: the leave in force that day, else a leave starting that
day), over the store's employment, hours worked (the 12 months and a day before the date) and FMLA leave
periods, under the employer policy in force that day. Harbor's census joins it for HOURS_WORKED_12M and
ELIG_50_75, so the TPA gets the hub's determination, never a guess; an unknown input stays empty.

Example::

    frame = derived_frame("eligibility_snapshot", store, date(2026, 11, 20))
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

__all__ = ["DERIVED_ENTITIES", "derived_frame"]

DERIVED_ENTITIES = frozenset({"eligibility_snapshot"})


def derived_frame(entity: str, store: Any, business_date: date) -> pd.DataFrame:
    """The derived ``entity`` as of ``business_date`` (a name outside ``DERIVED_ENTITIES`` is a ValueError)."""
    if entity != "eligibility_snapshot":
        raise ValueError(f"{entity!r} is not a derived entity")
    from leavehub.config.policy import load_policy
    from leavehub.rules.fmla import census_eligibility
    from leavehub.store.current_state import read_versions
    from leavehub.store.tables import versions_table

    hours = versions_table("hours_worked")
    leaves = versions_table("leave_period")
    with store.engine.connect() as connection:
        worked = read_versions(connection, "hours_worked",
                               extra=hours.c.period_end >= business_date - timedelta(days=367))
        fmla = read_versions(connection, "leave_period", extra=leaves.c.plan == "FMLA")
    found = census_eligibility(store.current("employment"), worked, fmla, load_policy().on(business_date).fmla,
                               business_date)
    return _typed(entity, found)


def _typed(entity: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every field of ``entity`` in the store's Arrow type (so an empty result joins like a
    stored one: a decimal column stays decimal with no rows)."""
    import pyarrow as pa

    from leavehub.store.stage_tables import arrow_type
    from leavehub.store.tables import entity_columns

    columns = {}
    for col in entity_columns(entity):
        values = frame[col.name].astype(object).where(frame[col.name].notna(), None).tolist() \
            if col.name in frame else [None] * len(frame)
        columns[col.name] = pa.array(values, arrow_type(col))
    return pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)
