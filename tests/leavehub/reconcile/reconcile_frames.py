"""Hand-built canonical frames for the reconciliation tests: a clean employer, and one-line faults on top."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

CHECK = date(2026, 3, 13)


def frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns))


EMPLOYMENT = ("employee_id", "effective_from", "effective_to", "status", "termination_date", "pay_basis",
              "pay_rate", "scheduled_hours_per_week")
PERIODS = ("case_number", "absence_period_key", "employee_id", "plan", "period_type", "decision", "period_start",
           "period_end", "rtw_date", "weekly_benefit")
PAYMENTS = ("payment_key", "case_number", "employee_id", "plan", "txn_type", "period_start", "period_end", "gross",
            "payment_date", "reverses_payment_key")


def job(employee: str, start: date, status: str, end: date | None = None, **extra) -> dict:
    return {"employee_id": employee, "effective_from": start, "effective_to": end, "status": status,
            "pay_basis": "HOURLY", "pay_rate": Decimal("25.0000"), "scheduled_hours_per_week": Decimal("40.00"),
            **extra}


def period(key: str, employee: str, start: date, end: date | None, decision: str = "APPROVED", **extra) -> dict:
    return {"case_number": f"C-{key}", "absence_period_key": key, "employee_id": employee, "plan": "FMLA",
            "period_type": "CONTINUOUS", "decision": decision, "period_start": start, "period_end": end,
            "weekly_benefit": Decimal("600.00"), **extra}


def payment(key: str, employee: str, gross: str, start: date, end: date, txn: str = "STANDARD",
            plan: str = "STD", reverses: str | None = None) -> dict:
    return {"payment_key": key, "employee_id": employee, "plan": plan, "txn_type": txn, "period_start": start,
            "period_end": end, "gross": Decimal(gross), "payment_date": end, "reverses_payment_key": reverses}


def clean() -> dict[str, pd.DataFrame]:
    """E1 on FMLA+STD leave (HRIS agrees), E2 returned on 2026-02-16 (HRIS agrees), E3 at work."""
    employment = [
        job("E1", date(2020, 1, 1), "ACTIVE", date(2026, 2, 28)), job("E1", date(2026, 3, 1), "ON_LEAVE"),
        job("E2", date(2020, 1, 1), "ACTIVE", date(2026, 1, 4)), job("E2", date(2026, 1, 5), "ON_LEAVE",
                                                                     date(2026, 2, 15)),
        job("E2", date(2026, 2, 16), "ACTIVE"),
        job("E3", date(2021, 6, 1), "ACTIVE", pay_basis="SALARY", pay_rate=Decimal("104000.0000")),
    ]
    periods = [
        period("P1", "E1", date(2026, 3, 1), date(2026, 5, 23)),
        period("P1S", "E1", date(2026, 3, 1), date(2026, 4, 30), plan="STD"),
        period("P2", "E2", date(2026, 1, 5), date(2026, 2, 15), rtw_date=date(2026, 2, 16)),
        period("P2S", "E2", date(2026, 1, 5), date(2026, 2, 15), "EXHAUSTED", plan="STD",
               rtw_date=date(2026, 2, 16)),  # ran out: its payments were still made under an approval
        period("P3", "E3", date(2026, 3, 9), date(2026, 3, 9), period_type="INTERMITTENT"),
    ]
    payments = [
        payment("PAY1", "E1", "600.00", date(2026, 3, 1), date(2026, 3, 7)),
        payment("PAY2", "E2", "600.00", date(2026, 1, 5), date(2026, 1, 11)),
        payment("PAY3", "E2", "600.00", date(2026, 1, 12), date(2026, 1, 18)),
        payment("PAY3X", "E2", "-600.00", date(2026, 1, 12), date(2026, 1, 18), txn="CANCELLATION",
                reverses="PAY3"),
    ]
    return {"employment": frame(employment, EMPLOYMENT), "leave_periods": frame(periods, PERIODS),
            "benefit_payments": frame(payments, PAYMENTS)}


def add(frames: dict[str, pd.DataFrame], name: str, rows: list[dict]) -> dict[str, pd.DataFrame]:
    columns = tuple(frames[name].columns)
    return {**frames, name: pd.concat([frames[name], frame(rows, columns)], ignore_index=True)}


def replace(frames: dict[str, pd.DataFrame], name: str, mask_column: str, value: str, **changes) -> dict:
    table = frames[name].copy()
    hit = table[mask_column] == value
    for column, new in changes.items():
        table[column] = table[column].astype(object)
        table.loc[hit, column] = new
    return {**frames, name: table}
