"""Read the hand-written scenario fixture (domain_scenarios.yaml) into engine inputs, and lines into sets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import yaml

from leavehub.config.policy import PolicyHistory
from leavehub.config.rule_tables import load_rule_tables
from leavehub.rules.pay import LeaveInputs
from leavehub.rules.schedule import PayWindow
from tests.leavehub.rules.frames import canonical_frame, plain_frame

FIXTURE = Path(__file__).with_name("domain_scenarios.yaml")
DATA = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
TABLES = load_rule_tables()
SEEN = datetime(2026, 3, 1, tzinfo=UTC)

_DEFAULTS = {
    "employment": {"effective_from": date(2020, 1, 1), "status": "ACTIVE", "scheduled_hours_per_week": "40.00",
                   "scheduled_days_per_week": 5, "pay_basis": "SALARY", "pay_frequency": "BIWEEKLY",
                   "employees_within_75_miles": 100},
    "leave_period": {"period_type": "CONTINUOUS", "updated_at": SEEN},
    "absence": {"updated_at": SEEN},
    "time_off_balance": {},
    "enrollment": {},
    "benefit_payment": {},
    "hours_worked": {},
}
_MONEY_LIKE = ("pay_rate", "scheduled_hours_per_week", "weekly_benefit", "hours", "balance_hours", "gross",
               "employee_premium_per_period", "employer_premium_per_period", "federal_tax_withheld",
               "social_security_withheld", "medicare_withheld", "taxable_percent", "reduced_hours_per_week")


def scenario(number: str) -> dict[str, Any]:
    return DATA["scenarios"][number]


def policy(number: str) -> PolicyHistory:
    history = PolicyHistory.model_validate(DATA["policy"])
    overrides = scenario(number).get("policy_overrides") or {}
    if not overrides:
        return history
    version = history.versions[0].model_copy(update=overrides)
    return PolicyHistory(versions=[PolicyHistory.model_validate({"versions": [version.model_dump()]}).versions[0]])


def window(name: str) -> PayWindow:
    p = DATA["periods"][name]
    return PayWindow("NWD", "BIWEEKLY", p["period_start"], p["period_end"], p["check_date"],
                     p["previous_check_date"])


def frame(entity: str, rows: list[dict] | None) -> pd.DataFrame:
    records = []
    for row in rows or []:
        record = {**_DEFAULTS.get(entity, {}), **row}
        for key in _MONEY_LIKE:
            if record.get(key) is not None:
                record[key] = Decimal(str(record[key]))
        records.append(record)
    return canonical_frame(entity, records)


def inputs(number: str, leave_key: str = "leave_periods") -> LeaveInputs:
    s = scenario(number)
    money = pa.decimal128(14, 2)
    history = plain_frame([{**r, **{k: Decimal(str(r[k])) for k in ("employer_paid", "employee_pre_tax",
                                                                     "employee_post_tax")}}
                           for r in s.get("premium_history", [])],
                          {"plan_type": pa.string(), "plan_year": pa.int64(), "employer_paid": money,
                           "employee_pre_tax": money, "employee_post_tax": money})
    aww = plain_frame([{**r, "average_weekly_wage": Decimal(r["average_weekly_wage"])}
                       for r in s.get("average_weekly_wages", [])],
                      {"employee_id": pa.string(), "average_weekly_wage": money})
    return LeaveInputs(
        employment=frame("employment", s.get("employment")),
        leave_periods=frame("leave_period", s.get(leave_key)),
        absences=frame("absence", s.get("absences")),
        benefit_payments=frame("benefit_payment", s.get("benefit_payments")),
        enrollments=frame("enrollment", s.get("enrollments")),
        time_off=frame("time_off_balance", s.get("time_off")),
        hours_worked=frame("hours_worked", s.get("hours_worked")),
        premium_history=history,
        average_weekly_wages=aww,
    )


def _money(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def line_set(lines: pd.DataFrame) -> set[tuple]:
    """The compared fields of an instruction frame, as a set."""
    out = set()
    for row in lines.astype(object).where(lines.notna(), None).to_dict("records"):
        out.add((row["employee_id"], row["kind"], row["pay_code"], row["deduction_code"], _money(row["hours"]),
                 _money(row["amount"]), row["original_period_start"]))
    return out


def expected_set(rows: list[dict], own: str) -> set[tuple]:
    out = set()
    for row in rows:
        start = DATA["periods"][row.get("original_period", own)]["period_start"]
        out.add((row["employee_id"], row["kind"], row.get("pay_code"), row.get("deduction_code"),
                 _money(row.get("hours")), _money(row.get("amount")), start))
    return out
