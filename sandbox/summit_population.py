"""A canonical STD/LTD population for the Summit Mutual 834: employees, employment, enrollments and leave
periods as frames, and a loader that posts them into a store as one intake per entity.

Deterministic from ``seed``; every 20th employee is on leave (every 3rd of those on STD disability leave,
every 3rd of the others without benefits), a few are non-binary (gender X, sent as U) and part time; those on
unpaid leave carry the premium ledger's paid-through marker (DTP*543).

Example::

    population = summit_population(1_000, business_date=date(2026, 12, 7))
    load_population(store, population, business_date=date(2026, 12, 7))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

__all__ = ["SummitPopulation", "load_population", "summit_population"]

FIRST = ("ANA", "BEN", "CHLOE", "DIEGO", "EVA", "FARID", "GRACE", "HUGO", "IRIS", "JONAS")
LAST = ("ALVAREZ", "BROWN", "CHEN", "DUBOIS", "EVANS", "FISCHER", "GARCIA", "HOLM", "IVANOV", "JOHNSON")
CITIES = (("SEATTLE", "WA", "98101"), ("PORTLAND", "OR", "97201"), ("OAKLAND", "CA", "94612"))


@dataclass
class SummitPopulation:
    frames: dict[str, pd.DataFrame]

    @property
    def employees(self) -> int:
        return len(self.frames["employee"])


def summit_population(employees: int, *, business_date: date, seed: int = 7) -> SummitPopulation:
    """``employees`` people, each enrolled in STD, most also in LTD."""
    rng = np.random.default_rng(seed)
    n = employees
    ids = [f"E{i:07d}" for i in range(1, n + 1)]
    stamp = datetime(business_date.year, business_date.month, business_date.day, tzinfo=UTC) - timedelta(days=1)
    ssn = [f"{100000000 + i * 7 % 899999999:09d}" for i in range(1, n + 1)]
    city = rng.integers(0, len(CITIES), n)
    hire = [date(2015, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 3000, n)]
    gender = np.where(np.arange(n) % 50 == 7, "X", np.where(np.arange(n) % 2 == 0, "F", "M"))
    employee = pd.DataFrame({
        "employee_id": ids, "ssn": ssn,
        "first_name": [FIRST[i % len(FIRST)] for i in range(n)],
        "middle_name": [None] * n,
        "last_name": [LAST[(i * 7) % len(LAST)] for i in range(n)],
        "birth_date": [date(1970, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 12000, n)],
        "gender": gender,
        "address_line1": [f"{100 + i % 900} MAIN ST" for i in range(n)],
        "address_line2": [None] * n,
        "city": [CITIES[c][0] for c in city], "home_state": [CITIES[c][1] for c in city],
        "postal_code": [CITIES[c][2] for c in city], "updated_at": [stamp] * n,
    })
    on_leave = np.arange(n) % 20 == 3
    employment = pd.DataFrame({
        "employee_id": ids, "effective_from": hire,
        "status": np.where(on_leave, "ON_LEAVE", "ACTIVE"), "hire_date": hire,
        "full_time": np.arange(n) % 9 != 4, "updated_at": [stamp] * n,
    })
    salary = [Decimal(int(s)) for s in rng.integers(40_000, 160_000, n)]
    plan_start = date(business_date.year, 1, 1)
    rows = []
    for i, emp in enumerate(ids):
        for plan in ("STD", "LTD") if i % 4 else ("STD",):
            rows.append({"employee_id": emp, "plan_type": plan, "carrier": "SUMMIT", "plan_code": f"{plan}-A",
                         "benefit_salary": salary[i], "effective_from": plan_start, "updated_at": stamp})
    enrollment = pd.DataFrame(rows)
    periods = []
    for k, i in enumerate(np.flatnonzero(on_leave)):
        start = business_date - timedelta(days=10 + k % 30)
        disability = k % 3 == 0
        periods.append({
            "case_number": f"C{i:07d}", "absence_period_key": f"P{i:07d}", "employee_id": ids[i],
            "plan": "STD" if disability else "FMLA", "period_type": "CONTINUOUS", "decision": "APPROVED",
            "reason_category": "OWN_HEALTH" if disability else "BONDING",
            "period_start": start, "period_end": start + timedelta(days=60),
            "last_day_worked": start - timedelta(days=1),
            "rtw_date": start + timedelta(days=61) if disability else None,
            "coverage_revoked": k % 3 == 1, "pto_election": False, "updated_at": stamp})
    leave = pd.DataFrame(periods) if periods else pd.DataFrame(columns=["absence_period_key"])
    # unpaid leave (not disability): payroll could not take the premiums from the leave's second pay period
    # on, so the premium ledger's DEDUCTED marker says they were paid through 4 days after the leave began
    # (the end of the partly worked period); Summit's 834 sends it as DTP*543
    plans = enrollment.groupby("employee_id")["plan_type"].agg(list)
    markers = [{"entry_id": f"DEDUCTED|{p['employee_id']}|{plan}|{plan}|{paid}", "employee_id": p["employee_id"],
                "plan_type": plan, "deduction_code": plan, "share": "EMPLOYEE", "entry_type": "DEDUCTED",
                "coverage_start": paid, "coverage_end": paid, "plan_year": paid.year, "amount": Decimal("0.00"),
                "check_date": business_date - timedelta(days=3), "recorded_at": stamp}
               for p in periods if p["plan"] == "FMLA" for paid in [p["period_start"] + timedelta(days=4)]
               for plan in plans[p["employee_id"]]]
    ledger = pd.DataFrame(markers) if markers else pd.DataFrame(columns=["entry_id"])
    return SummitPopulation({"employee": employee, "employment": employment, "enrollment": enrollment,
                             "leave_period": leave, "premium_ledger_entry": ledger})


def load_population(store: object, population: SummitPopulation, *, business_date: date,
                    feed: str = "summit_population") -> None:
    """Post each entity as one intake (its own ledger row), superseding by ``updated_at``."""
    from leavehub.store.ledger import FileArrival
    from schemas.models import ENTITIES
    from schemas.version import SCHEMA_VERSION

    for entity, frame in population.frames.items():
        if frame.empty:
            continue
        key = list(ENTITIES[entity].natural_key)
        frame = frame.assign(record_key=frame[key].astype(str).agg("|".join, axis=1))
        arrival = FileArrival("sandbox", f"{feed}_{entity}", "inbound", f"{feed}_{entity}_{business_date}", None,
                              None, None, None, business_date, "full", SCHEMA_VERSION, None, len(frame))
        with store.intake(arrival) as intake:  # type: ignore[attr-defined]
            intake.stage(entity, frame, "updated_at" if "updated_at" in frame else "file_date")
