"""Changes after the fact: a fresh pricing of a closed period, diffed against what was sent, becomes retro lines.

Each line has an EFFECT on what payroll did for the period, per key (employee, kind, code, case): hours and
amount; a ``CANCEL_REGULAR_PAY`` line's effect is the Reg Earnings it pays, and no cancel line means the
scheduled regular pay. Earlier retro lines count toward the key they corrected (their ``rule`` names it:
``retro:EARNINGS:STD_TOPUP``) and so do receivables booked earlier. The difference fresh - sent becomes:

* more pay -> an ``EARNINGS``/``RETRO_ADJUSTMENT`` line tied to the original period;
* less pay -> an overpayment RECEIVABLE (never a silent negative earning; see ``overpayments``);
* hours, memo and deduction-adjustment differences -> the same kind of line, signed, tied to the period.

Blocked deductions are not re-sent after the fact (a check that went out cannot un-take a deduction); the
premium side reconciles arrears from the fresh pricing's arrears frame. Applying the retro lines and the
receivables to what was sent gives exactly the fresh pricing's effects (a property test pins it), and
re-running with unchanged input gives no lines.

Example::

    fresh = price_period(inputs_now, original_window, history, tables)
    result = retro_diff(fresh, sent_lines, booked_receivables, current_window, inputs_now.leave_periods, tables)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leavehub.config.rule_tables import RuleTables
from leavehub.rules.lines import emit, finish, gather
from leavehub.rules.money import scaled_integers
from leavehub.rules.overpayments import RECEIVABLE_COLUMNS, decide_recovery
from leavehub.rules.pay import PricedPeriod
from leavehub.rules.schedule import PayWindow

__all__ = ["EFFECT_KEY", "Retro", "comparable", "effects", "retro_diff"]

EFFECT_KEY = ["employee_id", "kind", "pay_code", "deduction_code", "case_number"]
_MONEY_KINDS = ("CANCEL_REGULAR_PAY", "EARNINGS")
COLLECT_RULE = "premiums.collect_with_retro"
CATCH_UP_RULE = "premiums.catch_up"


@dataclass(frozen=True)
class Retro:
    lines: pd.DataFrame        # instruction frame on the current check, original period set
    receivables: pd.DataFrame  # RECEIVABLE_COLUMNS
    arrears: pd.DataFrame      # RECOVERED movements for deductions collected with the retro pay


def _text(values: pd.Series) -> np.ndarray:
    """A nullable text column as an object array with None for null."""
    values = values.astype(object)
    return values.where(values.notna(), None).to_numpy(dtype=object)


def _receivable_cents(receivables: pd.DataFrame) -> np.ndarray:
    """A receivable's gross in cents: ``amount_cents`` as this module makes it, or a decimal ``amount``."""
    if "amount_cents" in receivables:
        return receivables["amount_cents"].to_numpy(np.int64)
    return scaled_integers(receivables["amount"])


def _blank_is_none(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.astype(str) != "", None).to_numpy(dtype=object)


def _target(lines: pd.DataFrame) -> pd.DataFrame:
    """Key columns of the line each line affects (a retro line affects the key its ``rule`` names)."""
    rule = lines["rule"].astype(str)
    is_retro = rule.str.startswith("retro:").to_numpy()
    parts = rule.str.split(":", n=2, expand=True).reindex(columns=[0, 1, 2]) if len(lines) else None
    kind = lines["kind"].astype(str).to_numpy(dtype=object)
    code = _text(lines["pay_code"])
    if parts is not None and is_retro.any():
        kind = np.where(is_retro, parts[1].to_numpy(dtype=object), kind)
        code = np.where(is_retro, parts[2].replace("", None).to_numpy(dtype=object), code)
    case = _text(lines["case_number"])
    case = np.where(kind == "CANCEL_REGULAR_PAY", None, case)
    ded = _text(lines["deduction_code"])
    return pd.DataFrame({"employee_id": lines["employee_id"].astype(str).to_numpy(dtype=object), "kind": kind,
                         "pay_code": code, "deduction_code": ded, "case_number": case})


def effects(lines: pd.DataFrame, receivables: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per key: ``hours_units`` and ``amount_cents`` payroll was told for the period (see module doc)."""
    # premium lines are the premium side's to reconcile (from the arrears movements), not pay effects; catch-up
    # belongs to the check it went on (the register proves what it collected), never to a re-priced period
    lines = lines.loc[(lines["kind"].astype(str) != "BLOCK_DEDUCTION")
                      & ~lines["rule"].astype(str).isin([COLLECT_RULE, CATCH_UP_RULE])]
    frame = _target(lines)
    frame["hours_units"] = scaled_integers(lines["hours"]) if len(lines) else np.zeros(0, np.int64)
    frame["amount_cents"] = scaled_integers(lines["amount"]) if len(lines) else np.zeros(0, np.int64)
    # a real cancel line replaces the scheduled pay; a retro correction or a receivable only adjusts it
    frame["cancels"] = ((lines["kind"].astype(str) == "CANCEL_REGULAR_PAY")
                        & ~lines["rule"].astype(str).str.startswith("retro:")).to_numpy(np.int64)
    parts = [frame]
    if receivables is not None and len(receivables):
        target = receivables["corrects"].astype(str).str.split(":", n=1, expand=True)
        parts.append(pd.DataFrame({
            "employee_id": receivables["employee_id"].astype(str).to_numpy(dtype=object),
            "kind": target[0].to_numpy(dtype=object),
            "pay_code": target[1].replace("", None).to_numpy(dtype=object),
            "deduction_code": None,
            "case_number": np.where(target[0] == "CANCEL_REGULAR_PAY", None,
                                    receivables["case_number"].to_numpy(dtype=object)),
            "hours_units": 0, "amount_cents": -_receivable_cents(receivables), "cancels": 0}))
    out = pd.concat(parts, ignore_index=True)
    for column in EFFECT_KEY:  # "" for no code / no case, so keys compare and merge as plain text
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), "")
    return out.groupby(EFFECT_KEY, as_index=False)[["hours_units", "amount_cents", "cancels"]].sum()


def retro_diff(fresh: PricedPeriod, sent: pd.DataFrame, booked: pd.DataFrame | None, now: PayWindow,
               leave_periods: pd.DataFrame, tables: RuleTables, sent_arrears: pd.DataFrame | None = None
               ) -> Retro:
    """Retro lines (on ``now``'s check) and new receivables that bring ``sent`` to ``fresh``.

    ``sent_arrears``: the arrears movements recorded when the period was sent; with the policy's
    ``retro_blocked_deduction: collect_with_retro`` a deduction blocked then but payable now is collected with
    the retro pay (outside the catch-up cap), and the ``RECOVERED`` movement is in ``Retro.arrears``.
    """
    regular = fresh.pay["regular_pay"]
    old, new = comparable(effects(sent, booked), effects(fresh.lines), regular)
    both = new.merge(old, on=EFFECT_KEY, how="outer", suffixes=("", "_sent")).fillna(
        {"hours_units": 0, "amount_cents": 0, "hours_units_sent": 0, "amount_cents_sent": 0})
    both["dh"] = (both["hours_units"] - both["hours_units_sent"]).astype(np.int64)
    both["da"] = (both["amount_cents"] - both["amount_cents_sent"]).astype(np.int64)
    both = both.loc[(both["dh"] != 0) | (both["da"] != 0)].reset_index(drop=True)
    versions = _versions(fresh.lines, sent)
    both["version"] = [versions.get((e, k, c), fresh.policy.label)
                       for e, k, c in zip(both["employee_id"], both["kind"], both["pay_code"], strict=True)]
    kind = both["kind"].to_numpy(dtype=object)
    money = np.isin(kind, _MONEY_KINDS)
    rule = "retro:" + both["kind"].astype(str) + ":" + both["pay_code"].astype(str)
    period = (fresh.window.period_start, fresh.window.period_end)
    text = f"retro correction of the period {period[0].isoformat()} - {period[1].isoformat()}"
    ids = both["employee_id"].to_numpy(dtype=object)
    case = _blank_is_none(both["case_number"])
    pay_code, deduction_code = _blank_is_none(both["pay_code"]), _blank_is_none(both["deduction_code"])
    raise_pay = money & (both["da"].to_numpy() > 0)
    rule = rule.to_numpy(dtype=object)
    blocks = [
        emit(ids, "EARNINGS", rule, amount_cents=both["da"].to_numpy(), pay_code="RETRO_ADJUSTMENT",
             case_number=case, rule_version=both["version"].to_numpy(dtype=object), explanation=text,
             keep=raise_pay),
    ]
    for line_kind, has_hours in (("HOURS", True), ("MEMO", False), ("DEDUCTION_ADJUSTMENT", False)):
        rows = kind == line_kind
        blocks.append(emit(ids, line_kind, rule, hours_units=both["dh"].to_numpy() if has_hours else None,
                           amount_cents=None if has_hours else both["da"].to_numpy(),
                           pay_code=pay_code, deduction_code=deduction_code, case_number=case,
                           rule_version=both["version"].to_numpy(dtype=object), explanation=text, keep=rows))
    collect, recovered = _collect_unblocked(fresh, sent, sent_arrears, now)
    blocks.append(collect)
    lines = finish(gather(blocks, now, original=period))
    owed = both.loc[money & (both["da"].to_numpy() < 0)]
    receivables = pd.DataFrame({
        "employee_id": owed["employee_id"].to_numpy(dtype=object),
        "case_number": _blank_is_none(owed["case_number"]),
        "original_period_start": period[0], "original_period_end": period[1],
        "corrects": (owed["kind"].astype(str) + ":" + owed["pay_code"].astype(str)).to_numpy(),
        "amount_cents": -owed["da"].to_numpy(np.int64), "recovery": None, "cap_percent": None,
        "work_state": fresh.pay["work_state"].reindex(owed["employee_id"].astype(str)).to_numpy(dtype=object),
        "rule_version": owed["version"].to_numpy(dtype=object), "explanation": None})
    if len(receivables):
        cases = _case_of_employee(leave_periods)
        receivables["case_number"] = receivables["case_number"].fillna(
            receivables["employee_id"].map(cases))
        receivables = decide_recovery(receivables, leave_periods, now, fresh.policy, tables)
    return Retro(lines, receivables.reindex(columns=list(RECEIVABLE_COLUMNS)), recovered)


def comparable(old: pd.DataFrame, new: pd.DataFrame, regular: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give both sides a regular-pay effect for every employee either side touches: where a side has no real
    cancel line, payroll paid (or would pay) the scheduled regular pay, plus any corrections of it."""
    employees = set(old.loc[old["kind"] == "CANCEL_REGULAR_PAY", "employee_id"]) | set(
        new.loc[new["kind"] == "CANCEL_REGULAR_PAY", "employee_id"])
    out = []
    for frame in (old, new):
        real = set(frame.loc[(frame["kind"] == "CANCEL_REGULAR_PAY") & (frame["cancels"] > 0), "employee_id"])
        missing = sorted(employees - real)
        extra = pd.DataFrame({"employee_id": missing, "kind": "CANCEL_REGULAR_PAY", "pay_code": "",
                              "deduction_code": "", "case_number": "", "hours_units": 0,
                              "amount_cents": regular.reindex(missing).fillna(0).to_numpy(np.int64)})
        merged = pd.concat([frame, extra], ignore_index=True) if missing else frame
        out.append(merged.groupby(EFFECT_KEY, as_index=False)[["hours_units", "amount_cents"]].sum())
    return out[0], out[1]


def _collect_unblocked(fresh: PricedPeriod, sent: pd.DataFrame, sent_arrears: pd.DataFrame | None,
                       now: PayWindow) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deductions blocked when the period was sent that the re-priced period can carry, when the policy says
    to collect them with the retro pay (once: a collection already sent is not repeated)."""
    none = emit([], "DEDUCTION_ADJUSTMENT", COLLECT_RULE, rule_version=None, explanation=None)
    policy = fresh.policy
    if policy.premiums.retro_blocked_deduction != "collect_with_retro" or sent_arrears is None \
            or not len(sent_arrears):
        return none, sent_arrears.iloc[0:0] if sent_arrears is not None else pd.DataFrame()

    def pairs(lines: pd.DataFrame, kind: str, rule: str | None = None) -> set:
        rows = lines.loc[lines["kind"].astype(str) == kind]
        if rule is not None:
            rows = rows.loc[rows["rule"].astype(str) == rule]
        return set(zip(rows["employee_id"].astype(str), rows["deduction_code"].astype(str), strict=True))

    unblocked = pairs(sent, "BLOCK_DEDUCTION") - pairs(fresh.lines, "BLOCK_DEDUCTION") \
        - pairs(sent, "DEDUCTION_ADJUSTMENT", COLLECT_RULE)
    blocked = sent_arrears.loc[sent_arrears["entry_type"].astype(str) == "BLOCKED"]
    key = list(zip(blocked["employee_id"].astype(str), blocked["deduction_code"].astype(str), strict=True))
    rows = blocked.loc[[k in unblocked for k in key]]
    owed = rows.groupby(["employee_id", "deduction_code", "plan_type"], as_index=False)["amount_cents"].sum()
    lines = emit(owed["employee_id"].to_numpy(dtype=object), "DEDUCTION_ADJUSTMENT", COLLECT_RULE,
                 amount_cents=owed["amount_cents"].to_numpy(np.int64),
                 deduction_code=owed["deduction_code"].to_numpy(dtype=object), rule_version=policy.label,
                 explanation="the re-priced period pays: its blocked deduction is collected with the retro pay",
                 keep=owed["amount_cents"].to_numpy() > 0)
    recovered = rows.assign(entry_type="RECOVERED", amount_cents=-rows["amount_cents"].to_numpy(np.int64),
                            check_date=now.check_date)
    return lines, recovered.reset_index(drop=True)


def _versions(fresh: pd.DataFrame, sent: pd.DataFrame) -> dict:
    """(employee, kind, code) -> the rule_version of the line it corrects: fresh first, else the sent one."""
    out: dict = {}
    for frame in (sent, fresh):
        target = _target(frame)
        for e, k, c, v in zip(target["employee_id"], target["kind"], target["pay_code"],
                              frame["rule_version"].astype(object), strict=True):
            out[(e, k, c or "")] = v
    return out


def _case_of_employee(leave_periods: pd.DataFrame) -> pd.Series:
    if not len(leave_periods):
        return pd.Series(dtype=object)
    first = leave_periods.sort_values("period_start").drop_duplicates("employee_id")
    return pd.Series(first["case_number"].to_numpy(dtype=object), index=first["employee_id"].astype(str))
