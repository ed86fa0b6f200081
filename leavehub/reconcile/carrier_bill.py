"""Carrier bill vs enrollments: is the carrier billing the right people, at the right volume and rate?

Inputs: the carrier's premium bill lines (canonical ``premium_bill_line``), the enrollments and the HRIS
employment rows. The bill compared is the latest bill month on or before the check date; its regular lines
(no adjustment reason) for that month's coverage are matched, on employee and coverage (STD, LTD), with the
enrollments in force on the first day of the month:

- ``BILLED_TERMINATED``: billed for someone the HRIS shows terminated before the month; money: the premium;
- ``BILLED_NOT_ENROLLED``: billed for a coverage the employee is not enrolled in that month; money: the premium;
- ``NOT_BILLED``: enrolled (and not terminated), no bill line; money: the enrollment's monthly volume at the
  most common rate the bill charges for that coverage (0 when the bill has none);
- ``BILL_VOLUME_OR_RATE_WRONG``: the billed volume is not the enrollment's monthly covered salary (benefit
  salary / 12, where the enrollment carries one), or the premium is not volume x rate per 100 (rounded to the
  cent); money: billed premium minus the premium at the right volume.

Retro lines (an adjustment reason) correct earlier months and are not compared. Column operations only.

Example::

    found = bill_vs_enrollments(bill_lines, enrollments, employment, check_date=date(2026, 3, 20))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import combine, dollars, exception_frame, iso_dates, text_column
from leavehub.reconcile.leave_hris import hris_on
from leavehub.rules.money import day_number, days_column, scaled_integers

__all__ = ["BILLED_COVERAGES", "bill_vs_enrollments"]

BILLED_COVERAGES = ("STD", "LTD")


def _premium(volume_cents: np.ndarray, rate_units: np.ndarray) -> np.ndarray:
    """Volume (cents) x rate (1/10000) per 100, rounded half up to the cent."""
    raw = volume_cents.astype(np.int64) * rate_units.astype(np.int64)  # cents x 1/10000, per 100 -> /1,000,000
    return (raw + 500_000) // 1_000_000


def bill_vs_enrollments(bill: pd.DataFrame, enrollments: pd.DataFrame, employment: pd.DataFrame, *,
                        check_date: date) -> pd.DataFrame:
    """Every carrier-bill exception of the latest bill on or before ``check_date`` (``EXCEPTION_COLUMNS``)."""
    if not len(bill):
        return combine([])
    day = day_number(check_date)
    months = days_column(bill["bill_month"])
    upto = months[months <= day]
    if not len(upto):
        return combine([])
    month = int(upto.max())
    month_iso = str(iso_dates(np.array([month]))[0])
    month_text = month_iso[:7]
    regular = (months == month) & (days_column(bill["coverage_month"]) == month) \
        & (text_column(bill, "adjustment_reason") == "")
    lines = pd.DataFrame({"employee_id": text_column(bill, "employee_id")[regular],
                          "coverage": text_column(bill, "coverage")[regular],
                          "volume": scaled_integers(bill["volume"])[regular],
                          "rate": scaled_integers(bill["rate"], 4)[regular],
                          "premium": scaled_integers(bill["premium"])[regular]})
    lines = lines.groupby(["employee_id", "coverage"], as_index=False).sum()

    enrolled = enrollments.loc[(days_column(enrollments["effective_from"]) <= month)
                               & (days_column(enrollments["effective_to"]) >= month)] if len(enrollments) \
        else enrollments
    plans = pd.DataFrame({"employee_id": text_column(enrolled, "employee_id"),
                          "coverage": text_column(enrolled, "plan_type"),
                          "salary": scaled_integers(enrolled["benefit_salary"]) if "benefit_salary" in enrolled
                          else np.zeros(len(enrolled), np.int64)})
    plans = plans.loc[plans["coverage"].isin(BILLED_COVERAGES)].drop_duplicates(["employee_id", "coverage"])
    plans["expected_volume"] = (plans["salary"].to_numpy(np.int64) + 6) // 12  # annual -> monthly, to the cent
    month_date = date.fromisoformat(month_iso)
    status = hris_on(employment, month_date) if len(employment) \
        else pd.DataFrame({"employee_id": [], "status": []})
    gone = set(status.loc[status["status"] == "TERMINATED", "employee_id"])

    pairs = lines.merge(plans, on=["employee_id", "coverage"], how="outer", indicator=True)
    ids = pairs["employee_id"].to_numpy(dtype=object)
    subject = (pairs["employee_id"] + "/" + pairs["coverage"] + "/" + month_text).to_numpy(dtype=object)
    coverage = pairs["coverage"].to_numpy(dtype=object)
    billed = pairs["_merge"].to_numpy(dtype=object) != "right_only"
    enrolled_now = pairs["_merge"].to_numpy(dtype=object) != "left_only"
    terminated = pd.Series(ids, dtype=object).isin(gone).to_numpy()
    premium = pairs["premium"].fillna(0).to_numpy(np.int64)
    volume = pairs["volume"].fillna(0).to_numpy(np.int64)
    rate = pairs["rate"].fillna(0).to_numpy(np.int64)
    expected_volume = pairs["expected_volume"].fillna(0).to_numpy(np.int64)

    usual = lines.groupby("coverage")["rate"].agg(lambda r: r.mode().iloc[0])
    usual_rate = usual.reindex(coverage).fillna(0).to_numpy(np.int64)
    billed_terminated = billed & terminated
    not_enrolled = billed & ~enrolled_now & ~terminated
    not_billed = ~billed & enrolled_now & ~terminated
    right_volume = np.where(expected_volume > 0, expected_volume, volume)
    wrong = billed & enrolled_now & ~terminated & (
        ((expected_volume > 0) & (volume != expected_volume)) | (premium != _premium(volume, rate)))
    at_stake = premium - _premium(right_volume, rate)
    hit = billed_terminated | not_enrolled | not_billed | wrong  # reasons only for the exceptions' rows
    ids, subject, coverage, premium, volume, rate, expected_volume, usual_rate, right_volume, at_stake = (
        a[hit] for a in (ids, subject, coverage, premium, volume, rate, expected_volume, usual_rate,
                         right_volume, at_stake))
    billed_terminated, not_enrolled, not_billed, wrong = (m[hit] for m in (billed_terminated, not_enrolled,
                                                                           not_billed, wrong))

    def frame(name: str, pick: np.ndarray, cents: np.ndarray, reason: np.ndarray) -> pd.DataFrame:
        return exception_frame(name, ids[pick], subject[pick], np.abs(cents[pick]), reason[pick], check_date)

    what = coverage + " for " + month_text
    whole, part = np.divmod(rate, 10_000)
    rate_text = (pd.Series(whole).astype(str) + "." + pd.Series(part).astype(str).str.zfill(4)) \
        .to_numpy(dtype=object)
    return combine([
        frame("BILLED_TERMINATED", billed_terminated, premium,
              "the carrier bills " + dollars(premium) + " of " + what
              + "; the HRIS shows the employee terminated"),
        frame("BILLED_NOT_ENROLLED", not_enrolled, premium,
              "the carrier bills " + dollars(premium) + " of " + what + "; no " + coverage
              + " enrollment is in force that month"),
        frame("NOT_BILLED", not_billed, _premium(expected_volume, usual_rate),
              "enrolled in " + what + " (monthly volume " + dollars(expected_volume) + "); the bill has no line"),
        frame("BILL_VOLUME_OR_RATE_WRONG", wrong, at_stake,
              "the carrier bills " + what + " at volume " + dollars(volume) + " x rate " + rate_text + " = "
              + dollars(premium) + "; the enrollment's monthly volume is " + dollars(right_volume) + ", premium "
              + dollars(_premium(right_volume, rate))),
    ])

