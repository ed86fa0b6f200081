"""Premium arrears aging (0-30, 31-60, 61-90, 90+ days) and who is due the 30-days-late notice.

Input: an arrears frame in the premium rules' shape (``leavehub.rules.premiums.ARREARS_COLUMNS``): BLOCKED
entries add what a check could not deduct (``amount_cents`` > 0, dated by its ``check_date``); RECOVERED
(catch-up) and any other negative entries pay it down. Only the employee's share is aged: it is what the
employee owes, and what the 30-days-late notice is about.

Recoveries pay the OLDEST arrears first (first in, first out), per employee, plan and deduction code; what is
left of each BLOCKED entry is aged from its check date to the reconciliation's check date. An employee with
any share more than 30 days late gets a PREMIUM_30_DAYS_LATE exception (money: the share over 30 days) -
coverage may end only after that notice and 15 more days. As in the premium ledger
(``leavehub.rules.premium_ledger``, the home of the rule), a share is late from 30 days and only for an employee
who pays directly (prepay, pay-as-you-go): under catch-up the employer advances the share. FIFO is a cumulative
sum per group, not a loop.

Example::

    aging, late = arrears_aging(arrears, check_date=date(2026, 3, 13))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import dollars, exception_frame, iso_dates, text_column
from leavehub.rules.money import day_number, days_column
from leavehub.rules.premium_ledger import DIRECT_PAY, LATE_AFTER_DAYS

__all__ = ["AGING_BUCKETS", "AGING_COLUMNS", "arrears_aging"]

AGING_BUCKETS = ("0-30", "31-60", "61-90", "90+")
AGING_COLUMNS = ("employee_id", "plan_type", "deduction_code", *AGING_BUCKETS, "outstanding_cents", "oldest_days")
_EDGES = np.array([30, 60, 90])  # a share 30 days old is in the 0-30 bucket (and, paid directly, late)


def arrears_aging(arrears: pd.DataFrame, *, check_date: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(aging per employee, plan and deduction code in cents; PREMIUM_30_DAYS_LATE exceptions)."""
    day = day_number(check_date)
    rows = pd.DataFrame({"employee_id": text_column(arrears, "employee_id"),
                         "plan_type": text_column(arrears, "plan_type"),
                         "deduction_code": text_column(arrears, "deduction_code"),
                         "share": text_column(arrears, "share") if "share" in arrears else "EMPLOYEE",
                         "method": text_column(arrears, "premium_method"),
                         "cents": np.asarray(arrears["amount_cents"], dtype=np.int64) if len(arrears) else [],
                         "day": days_column(arrears["check_date"]) if len(arrears) else []})
    rows = rows.loc[(rows["share"] == "EMPLOYEE") & (rows["day"] <= day)]
    group = ["employee_id", "plan_type", "deduction_code"]
    paid = (-rows["cents"].clip(upper=0)).groupby([rows[g] for g in group]).sum()
    owed = rows.loc[rows["cents"] > 0].sort_values([*group, "day"], kind="stable")
    cumulative = owed.groupby(group)["cents"].cumsum().to_numpy(np.int64)
    index = pd.MultiIndex.from_frame(owed[group]) if len(owed) else pd.MultiIndex.from_arrays([[], [], []])
    recovered = paid.reindex(index).fillna(0).to_numpy(np.int64)
    amount = owed["cents"].to_numpy(np.int64)
    left = np.clip(cumulative - recovered, 0, amount)
    age = day - owed["day"].to_numpy(np.int64)
    bucket = np.searchsorted(_EDGES, age, side="left")
    owed = owed.assign(left=left, age=age, bucket=bucket).loc[left > 0]

    wide = pd.DataFrame({name: np.where(owed["bucket"] == i, owed["left"], 0)
                         for i, name in enumerate(AGING_BUCKETS)})
    wide[group] = owed[group].to_numpy(dtype=object)
    wide["oldest_days"] = owed["age"].to_numpy(np.int64)
    aging = wide.groupby(group, as_index=False).agg(
        **{name: (name, "sum") for name in AGING_BUCKETS}, oldest_days=("oldest_days", "max"))
    aging["outstanding_cents"] = aging[list(AGING_BUCKETS)].sum(axis=1).astype(np.int64)
    aging = aging[list(AGING_COLUMNS)].sort_values(group).reset_index(drop=True)

    late = owed.loc[(owed["age"] >= LATE_AFTER_DAYS) & owed["method"].isin(DIRECT_PAY)]
    per = late.groupby(group, as_index=False).agg(cents=("left", "sum"), since=("day", "min"), age=("age", "max"))
    key = (per["employee_id"] + "/" + per["plan_type"] + "/" + per["deduction_code"]).to_numpy(dtype=object)
    reason = (per["plan_type"] + " premium share of " + dollars(per["cents"]) + " (deduction "
              + per["deduction_code"] + ") unpaid since the check of " + iso_dates(per["since"].to_numpy(np.int64))
              + ", " + per["age"].astype(str) + " days").to_numpy(dtype=object)
    found = exception_frame("PREMIUM_30_DAYS_LATE", per["employee_id"], key, per["cents"], reason, check_date)
    return aging, found
