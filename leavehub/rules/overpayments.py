"""Overpayments: pay the employee got but was not owed becomes a receivable; recover it lawfully or bill it.

A receivable is gross. It is deducted from later pay only where the work state's wage-deduction table allows
it AND the employee signed an advance agreement (when the table requires one), at most the table's cap per
check (a percent of the check's gross); with no table row, no agreement, a cap on disposable earnings (the
hub does not know the check's taxes), or a policy of ``always_bill``, it is billed to the employee instead.
Never more than the check's gross.

Example::

    lines = recovery_lines(receivables, check_gross, window, policy)   # DEDUCTION_ADJUSTMENT lines (OVP)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leavehub.config.policy import PayPolicy
from leavehub.config.rule_tables import RuleTables
from leavehub.rules.lines import emit
from leavehub.rules.money import divide, scaled_integers
from leavehub.rules.schedule import PayWindow

__all__ = ["RECEIVABLE_COLUMNS", "RECOVERY_RULE", "decide_recovery", "recovery_lines"]

RECOVERY_RULE = "overpayment.recovery"
"""The rule of a recovery deduction line: what is still owed is the receivables booked less these lines."""

RECEIVABLE_COLUMNS = ("employee_id", "case_number", "original_period_start", "original_period_end", "corrects",
                      "amount_cents", "recovery", "cap_percent", "work_state", "rule_version", "explanation")


def decide_recovery(receivables: pd.DataFrame, leave_periods: pd.DataFrame, window: PayWindow, policy: PayPolicy,
                    tables: RuleTables) -> pd.DataFrame:
    """Fill ``recovery`` (deduct | bill), ``cap_percent`` and the versions from the work state's table."""
    rules = tables.wage_deductions_on(window.period_start)
    out = receivables.copy()
    state = out["work_state"].astype(str)
    agreed_cases = set()
    if len(leave_periods) and "advance_agreement" in leave_periods:
        signed = leave_periods["advance_agreement"].astype("boolean").fillna(False).to_numpy(bool)
        agreed_cases = set(leave_periods.loc[signed, "case_number"].astype(str))
    agreed = out["case_number"].astype(str).isin(agreed_cases).to_numpy()
    allowed = state.isin([s for s, r in rules.items() if r.deduction_allowed == "Y"]).to_numpy()
    needs = ~state.isin([s for s, r in rules.items() if r.requires_signed_agreement == "N"]).to_numpy()
    # a cap on DISPOSABLE earnings needs the check's taxes, which payroll knows and the hub does not: bill
    gross_cap = ~state.isin([s for s, r in rules.items() if r.cap_basis == "disposable"]).to_numpy()
    deduct = (policy.overpayment.recovery == "deduct_where_allowed") & allowed & (agreed | ~needs) & gross_cap
    out["recovery"] = np.where(deduct, "deduct", "bill")
    caps = state.map({s: r.cap_percent_per_check for s, r in rules.items()}).astype(object)
    out["cap_percent"] = caps.where(caps.notna(), None).to_numpy(dtype=object)
    table = state.map({s: r.table_version for s, r in rules.items()})
    table = table.astype(object).where(table.notna(), "no wage-deduction rule")
    out["rule_version"] = (out["rule_version"].astype(str) + "; " + table).to_numpy()
    out["explanation"] = np.where(
        deduct, "overpayment: deducted from later pay (state table and signed agreement allow it), "
        "capped per check",
        "overpayment: billed to the employee (no state rule, no signed agreement, a cap the hub cannot apply, "
        "or the policy bills)")
    return out


def recovery_lines(receivables: pd.DataFrame, check_gross: pd.Series, window: PayWindow, policy: PayPolicy
                   ) -> pd.DataFrame:
    """Deductions for outstanding ``deduct`` receivables (``outstanding`` column) on this check."""
    none = emit([], "DEDUCTION_ADJUSTMENT", RECOVERY_RULE, rule_version=None, explanation=None)
    if not len(receivables):
        return none
    rows = receivables.loc[(receivables["recovery"].astype(str) == "deduct")
                           & receivables["employee_id"].astype(str).isin(check_gross.index)]
    if not len(rows):
        return none
    owed = scaled_integers(rows["outstanding"])
    gross = check_gross.reindex(rows["employee_id"].astype(str)).to_numpy(np.int64)
    pct = rows["cap_percent"].map(lambda v: None if v is None or pd.isna(v) else int(v * 10_000))
    cap = np.where(pct.isna(), gross, divide(gross * pct.fillna(0).to_numpy(np.int64), 1_000_000,
                                             policy.money_rounding))
    # several receivables of one employee share one check: the cap is filled in order
    before = pd.Series(np.minimum(owed, cap)).groupby(rows["employee_id"].astype(str).to_numpy()).cumsum() \
        .to_numpy() - np.minimum(owed, cap)
    take = np.clip(np.minimum(cap, gross) - before, 0, owed)
    return emit(rows["employee_id"].astype(str).to_numpy(dtype=object), "DEDUCTION_ADJUSTMENT",
                RECOVERY_RULE, amount_cents=take, deduction_code=policy.overpayment.deduction_code,
                case_number=rows["case_number"].to_numpy(dtype=object),
                rule_version=rows["rule_version"].to_numpy(dtype=object), keep=take > 0,
                explanation="recovery of an overpayment, within the state's cap per check")
