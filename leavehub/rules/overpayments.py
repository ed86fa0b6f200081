"""Overpayments: pay the employee got but was not owed becomes a receivable; recover it lawfully or bill it.

A receivable is gross. It is deducted from later pay only where the work state's wage-deduction table allows
it AND the employee signed an advance agreement (when the table requires one), at most the table's cap per
check; with no table row, no agreement, or a policy of ``always_bill``, it is billed to the employee instead.
Never more than the check's gross.

The cap is a percent of the check's gross (``cap_basis: gross``) or of its disposable earnings
(``disposable``: gross less the taxes payroll withholds). Payroll works out the taxes only when it runs the
check, so disposable earnings are estimated from the employee's latest paid check in the payroll register:
this check's gross times that check's disposable share, and never more than that check's disposable earnings.
Withholding rises with pay, so the estimate is never above the real figure and the deduction never above the
cap. An employee with no paid check in the register has nothing deducted on this check (the receivable stays
owed for the next).

Example::

    lines = recovery_lines(receivables, check_gross, window, policy, register_pay)   # DEDUCTION_ADJUSTMENT (OVP)
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
                      "amount_cents", "recovery", "cap_percent", "cap_basis", "work_state", "rule_version",
                      "explanation")


def decide_recovery(receivables: pd.DataFrame, leave_periods: pd.DataFrame, window: PayWindow, policy: PayPolicy,
                    tables: RuleTables) -> pd.DataFrame:
    """Fill ``recovery`` (deduct | bill), ``cap_percent``, ``cap_basis`` and the versions from the work state's
    table."""
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
    deduct = (policy.overpayment.recovery == "deduct_where_allowed") & allowed & (agreed | ~needs)
    out["recovery"] = np.where(deduct, "deduct", "bill")
    caps = state.map({s: r.cap_percent_per_check for s, r in rules.items()}).astype(object)
    out["cap_percent"] = caps.where(caps.notna(), None).to_numpy(dtype=object)
    basis = state.map({s: r.cap_basis for s, r in rules.items()}).astype(object)
    out["cap_basis"] = basis.where(basis.notna() & caps.notna(), None).to_numpy(dtype=object)
    table = state.map({s: r.table_version for s, r in rules.items()})
    table = table.astype(object).where(table.notna(), "no wage-deduction rule")
    out["rule_version"] = (out["rule_version"].astype(str) + "; " + table).to_numpy()
    out["explanation"] = np.where(
        deduct, "overpayment: deducted from later pay (state table and signed agreement allow it), "
        "capped per check",
        "overpayment: billed to the employee (no state rule, no signed agreement, or the policy bills)")
    return out


def recovery_lines(receivables: pd.DataFrame, check_gross: pd.Series, window: PayWindow, policy: PayPolicy,
                   register_pay: pd.DataFrame | None = None) -> pd.DataFrame:
    """Deductions for outstanding ``deduct`` receivables (``outstanding`` column) on this check.

    ``register_pay`` (``employee_id, gross_pay, disposable_pay``: the latest paid check in the payroll register,
    ``register_net_pay``) is what a cap on disposable earnings is estimated from."""
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
    basis = _disposable(rows["employee_id"].astype(str), gross, register_pay)
    on_disposable = (rows["cap_basis"].astype(object) == "disposable").to_numpy(bool) if "cap_basis" in rows \
        else np.zeros(len(rows), bool)
    basis = np.where(on_disposable, basis, gross)
    cap = np.where(pct.isna(), gross, divide(basis * pct.fillna(0).to_numpy(np.int64), 1_000_000,
                                             policy.money_rounding))
    # several receivables of one employee share one check: the cap is filled in order
    before = pd.Series(np.minimum(owed, cap)).groupby(rows["employee_id"].astype(str).to_numpy()).cumsum() \
        .to_numpy() - np.minimum(owed, cap)
    take = np.clip(np.minimum(cap, gross) - before, 0, owed)
    return emit(rows["employee_id"].astype(str).to_numpy(dtype=object), "DEDUCTION_ADJUSTMENT",
                RECOVERY_RULE, amount_cents=take, deduction_code=policy.overpayment.deduction_code,
                case_number=rows["case_number"].to_numpy(dtype=object),
                rule_version=rows["rule_version"].to_numpy(dtype=object), keep=take > 0,
                explanation=np.where(on_disposable, "recovery of an overpayment, within the state's cap per check "
                                     "(of disposable earnings, estimated from the last paid check's taxes)",
                                     "recovery of an overpayment, within the state's cap per check"))


def _disposable(employees: pd.Series, gross: np.ndarray, register_pay: pd.DataFrame | None) -> np.ndarray:
    """Estimated disposable earnings (cents) of this check: ``gross`` times the last paid check's disposable
    share, at most that check's disposable earnings, rounded down; 0 where the register has no paid check."""
    if register_pay is None or not len(register_pay) or "disposable_pay" not in register_pay:
        return np.zeros(len(employees), np.int64)
    last = register_pay.assign(employee_id=register_pay["employee_id"].astype(str)) \
        .drop_duplicates("employee_id", keep="last").set_index("employee_id").reindex(employees)
    earned, disposable = scaled_integers(last["gross_pay"]), scaled_integers(last["disposable_pay"])
    share = np.floor_divide(gross * np.maximum(disposable, 0), np.maximum(earned, 1))
    return np.where(earned > 0, np.clip(np.minimum(share, disposable), 0, None), 0).astype(np.int64)
