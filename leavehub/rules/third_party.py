"""Third-party sick pay as MEMO lines: the TPA paid it, payroll only reports it (TPS/TPN/TFW/TSS/TMD).

Which plans count comes from the dated ``third_party_sick_pay`` table: STD and LTD always; state MEDICAL
benefits funded by employer contributions (Rev. Rul. 2025-4); never state FAMILY benefits (1099-G, not
wages) or workers' comp. A plan that pays both (WA, MA, CO, DE) counts only for a medical reason.

The taxable share: for ``premium_history`` plans, the employer-paid share of the premiums over the
policy's ``premium_years`` policy years before the payment's year (pre-tax employee premiums count as
employer-paid); for ``employer_contribution`` plans the table's percent; else the TPA's ``taxable_percent``;
else all of it. Taxable gross = gross x share rounded once; the non-taxable rest (W-2 box 12 code J) is the
gross minus that, so the two always add up to the gross. A cancellation (negative gross) gives negative memos.

Memo lines ride the first check on or after the payment date: payments dated after the previous check date
up to this check date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from leavehub.config.policy import PayPolicy
from leavehub.config.rule_tables import RuleTables
from leavehub.rules.lines import emit
from leavehub.rules.money import day_number, days_column, divide, scaled_integers
from leavehub.rules.schedule import PayWindow

__all__ = ["MEDICAL_REASONS", "memo_lines", "premium_history", "taxable_share"]

MEDICAL_REASONS = ("OWN_HEALTH", "PREGNANCY")
_MEMOS = (("THIRD_PARTY_FIT", "federal_tax_withheld", "federal income tax the third party withheld"),
          ("THIRD_PARTY_SOCIAL_SECURITY", "social_security_withheld", "social security the third party withheld"),
          ("THIRD_PARTY_MEDICARE", "medicare_withheld", "Medicare the third party withheld"))


def premium_history(enrollments: pd.DataFrame, periods_per_year: int, years: range) -> pd.DataFrame:
    """The plan-level premium contributions of ``years`` from the enrollments (every participant's):
    ``plan_type, plan_year, employer_paid, employee_pre_tax, employee_post_tax`` (exact decimals).

    A year's contribution of one enrollment is its per-period premium times the periods of the year it was in
    force (``periods_per_year`` x its days in force that year / the year's days), in cents, rounded half up once
    per enrollment and year; the employee's share is pre-tax when the enrollment says ``PRE_TAX``, else after
    tax. What goes in is the enrollment rows of the plans whose taxable share comes from premiums.
    """
    columns = ["plan_type", "plan_year", "employer_paid", "employee_pre_tax", "employee_post_tax"]
    if not len(enrollments) or not len(years):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    start = days_column(enrollments["effective_from"])
    end = days_column(enrollments["effective_to"])  # open = far future
    er = scaled_integers(enrollments["employer_premium_per_period"])
    ee = scaled_integers(enrollments["employee_premium_per_period"])
    pre = (enrollments["tax_treatment"].astype("string") == "PRE_TAX").fillna(False).to_numpy(bool) \
        if "tax_treatment" in enrollments else np.zeros(len(enrollments), bool)
    parts = []
    for year in years:  # three policy years: a loop per year, not per person
        first, last = day_number(date(year, 1, 1)), day_number(date(year, 12, 31))
        days = np.maximum(np.minimum(end, last) - np.maximum(start, first) + 1, 0)
        span = last - first + 1
        parts.append(pd.DataFrame({
            "plan_type": enrollments["plan_type"].astype(str).to_numpy(), "plan_year": year,
            "er": divide(er * periods_per_year * days, span, "half_up"),
            "ee": divide(ee * periods_per_year * days, span, "half_up"), "pre": pre}))
    rows = pd.concat(parts, ignore_index=True)
    rows["ee_pre"] = np.where(rows["pre"], rows["ee"], 0)
    rows["ee_post"] = np.where(rows["pre"], 0, rows["ee"])
    sums = rows.groupby(["plan_type", "plan_year"], as_index=False)[["er", "ee_pre", "ee_post"]].sum()
    return pd.DataFrame({
        "plan_type": sums["plan_type"], "plan_year": sums["plan_year"],
        "employer_paid": [Decimal(int(c)).scaleb(-2) for c in sums["er"]],
        "employee_pre_tax": [Decimal(int(c)).scaleb(-2) for c in sums["ee_pre"]],
        "employee_post_tax": [Decimal(int(c)).scaleb(-2) for c in sums["ee_post"]]})


def taxable_share(history: pd.DataFrame, plan_type: str, year: int, years: int) -> tuple[int, int] | None:
    """(numerator, denominator) in cents of the employer-paid share over the ``years`` before ``year``."""
    if not len(history):
        return None
    rows = history.loc[(history["plan_type"].astype(str) == plan_type)
                       & history["plan_year"].astype(int).between(year - years, year - 1)]
    employer = scaled_integers(rows["employer_paid"]).sum() + scaled_integers(rows["employee_pre_tax"]).sum()
    total = employer + scaled_integers(rows["employee_post_tax"]).sum()
    return (int(employer), int(total)) if total > 0 else None


def memo_lines(payments: pd.DataFrame, leave_periods: pd.DataFrame, history: pd.DataFrame, window: PayWindow,
               policy: PayPolicy, tables: RuleTables) -> pd.DataFrame:
    """Memo lines for every third-party payment this check carries."""
    none = emit([], "MEMO", "third_party_sick_pay", rule_version=None, explanation=None)
    if not len(payments):
        return none
    paid_on = days_column(payments["payment_date"])
    after = day_number(window.previous_check_date) if window.previous_check_date else \
        day_number(window.check_date) - (window.last_day - window.first_day + 1)
    rules = tables.third_party_sick_pay_on(window.check_date)
    plan = payments["plan"].astype(str)
    kind = plan.map({p: r.third_party_sick_pay for p, r in rules.items()}).fillna("N")
    reason = pd.Series(dtype=object)
    if len(leave_periods):
        by_case = leave_periods.drop_duplicates("case_number").set_index(
            leave_periods.drop_duplicates("case_number")["case_number"].astype(str))["reason_category"]
        reason = by_case.astype(str).reindex(payments["case_number"].astype(str)).reset_index(drop=True)
    medical = reason.reindex(range(len(payments))).isin(MEDICAL_REASONS).to_numpy()
    counts = (kind.to_numpy() == "Y") | ((kind.to_numpy() == "medical_reasons") & medical)
    txn = payments["txn_type"].astype(str).isin(("STANDARD", "CANCELLATION")).to_numpy()
    keep = counts & txn & (paid_on > after) & (paid_on <= day_number(window.check_date))
    pay = payments.loc[keep].reset_index(drop=True)
    if not len(pay):
        return none
    gross = scaled_integers(pay["gross"])
    year = window.check_date.year
    num = np.zeros(len(pay), np.int64)
    den = np.ones(len(pay), np.int64)
    tpa_pct = pay["taxable_percent"] if "taxable_percent" in pay else pd.Series([None] * len(pay))
    tpa_known = tpa_pct.notna().to_numpy()
    tpa_units = scaled_integers(tpa_pct, scale=4)
    versions = np.empty(len(pay), dtype=object)
    for p in pd.unique(pay["plan"].astype(str)):  # a handful of plans, not a loop per person
        rule = rules[p]
        rows = (pay["plan"].astype(str) == p).to_numpy()
        share = taxable_share(history, p, year, policy.third_party_pay.premium_years) \
            if rule.taxable_share_source == "premium_history" else None
        if share is None and rule.employer_contribution_percent is not None:
            share = (int(rule.employer_contribution_percent * 10_000), 1_000_000)
        if share is not None:
            num[rows], den[rows] = share
        else:
            num[rows] = np.where(tpa_known[rows], tpa_units[rows], 1_000_000)
            den[rows] = 1_000_000
        versions[rows] = f"{policy.label}; {rule.table_version}"
    taxable = divide(gross * num, den, policy.money_rounding)
    ids, case = pay["employee_id"].astype(str).to_numpy(dtype=object), pay["case_number"].to_numpy(dtype=object)
    # each payment's lines name it: two weekly payments on one check are two sets of memo lines
    which = (" (" + pay["plan"].astype(str) + " payment "
             + (pay["payment_key"].astype(str) + " of " if "payment_key" in pay else "")
             + pay["payment_date"].astype(str).str[:10] + ")").to_numpy()

    def said(text: str) -> np.ndarray:
        return (text + which).astype(object)

    blocks = [
        emit(ids, "MEMO", "third_party_sick_pay", amount_cents=taxable, pay_code="THIRD_PARTY_TAXABLE",
             case_number=case, rule_version=versions, keep=taxable != 0,
             explanation=said("third-party sick pay, taxable part (employer-paid share of the premiums)")),
        emit(ids, "MEMO", "third_party_sick_pay", amount_cents=gross - taxable, pay_code="THIRD_PARTY_NONTAXABLE",
             case_number=case, rule_version=versions, keep=(gross - taxable) != 0,
             explanation=said("third-party sick pay, non-taxable part (W-2 box 12 code J)")),
    ]
    for code, column, text in _MEMOS:
        if column in pay:
            amount = scaled_integers(pay[column])
            blocks.append(emit(ids, "MEMO", "third_party_sick_pay", amount_cents=amount, pay_code=code,
                               case_number=case, rule_version=versions, explanation=said(text),
                               keep=amount != 0))
    return pd.concat(blocks, ignore_index=True)
