"""What the payroll register says about premiums: deductions taken, and each employee's latest net pay.

LedgerPay's register (canonical ``payroll_register_line``) is per company, file number and check date, one line
per type (``EARN``, ``DED``, ``MEMO``, ``TAX``), code and batch. File numbers become employee ids through the
identity links (``payroll_company_code``, ``payroll_file_number`` -> ``employee_id``); a line whose file number
no link names is left out. Pure functions over frames: no store, no I/O.

- ``register_deductions``: the ``DED`` lines as ``employee_id, deduction_code, check_date, amount, batch_id``.
- ``register_wages``: the earnings lines (``EARN``) as ``employee_id, check_date, amount``: what a state's
  average weekly wage is worked out from.
- ``register_net_pay``: per employee, the net of the latest check before a date that paid anything:
  ``EARN`` - ``DED`` - ``TAX`` (``MEMO`` lines are third-party pay, not paid by payroll), its earnings, and its
  disposable earnings ``EARN`` - ``TAX`` (what a cap on disposable earnings is a percent of). The check back from
  leave is not in the register yet when its pay data is built, and a leave check pays nothing, so the last
  PAID check is the best known measure of what a check at work leaves above the floor.

Example::

    taken = register_deductions(store.current("payroll_register_line"), store.current("identity_link"))
    net = register_net_pay(register, links, before=date(2026, 5, 1))  # employee_id, net_pay, gross_pay, ...
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from leavehub.rules.money import day_number, days_column, decimal_array, scaled_integers

__all__ = ["DEDUCTION_COLUMNS", "register_deductions", "register_net_pay", "register_wages"]

DEDUCTION_COLUMNS = ("employee_id", "deduction_code", "check_date", "amount", "batch_id")
_KEYS = ["payroll_company_code", "payroll_file_number"]


def _with_employees(register: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    if not len(register) or not len(links):
        return register.iloc[0:0].assign(employee_id=pd.Series(dtype=object))
    ids = links[[*_KEYS, "employee_id"]].dropna().astype({k: str for k in _KEYS})
    ids = ids.drop_duplicates(_KEYS, keep="last")
    lines = register.astype({k: str for k in _KEYS})
    return lines.merge(ids, on=_KEYS)


def register_deductions(register: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The register's ``DED`` lines (``DEDUCTION_COLUMNS``), file numbers resolved to employees."""
    lines = _with_employees(register, links)
    if not len(lines):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEDUCTION_COLUMNS})
    ded = lines.loc[lines["line_type"].astype(str) == "DED"].rename(columns={"code": "deduction_code"})
    return ded[list(DEDUCTION_COLUMNS)].reset_index(drop=True)


def register_wages(register: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """``employee_id, check_date, amount`` (exact decimals): the register's earnings (``EARN``) lines."""
    lines = _with_employees(register, links)
    if not len(lines):
        return pd.DataFrame({"employee_id": pd.Series(dtype=object), "check_date": pd.Series(dtype=object),
                             "amount": pd.Series(dtype=pd.ArrowDtype(pa.decimal128(14, 2)))})
    earn = lines.loc[lines["line_type"].astype(str) == "EARN", ["employee_id", "check_date", "amount"]]
    return earn.reset_index(drop=True)


def register_net_pay(register: pd.DataFrame, links: pd.DataFrame, *, before: date) -> pd.DataFrame:
    """``employee_id, net_pay, gross_pay, disposable_pay`` (exact decimals): the net, the earnings and the
    earnings less taxes of each employee's latest check dated before ``before`` whose earnings were above zero;
    employees with no such check are absent (net unknown)."""
    lines = _with_employees(register, links)
    money = pd.ArrowDtype(pa.decimal128(14, 2))
    empty = pd.DataFrame({"employee_id": pd.Series(dtype=object), **{c: pd.Series(dtype=money) for c in
                                                                     ("net_pay", "gross_pay", "disposable_pay")}})
    if not len(lines):
        return empty
    day = days_column(lines["check_date"])
    lines = lines.loc[day < day_number(before)]
    if not len(lines):
        return empty
    kind = lines["line_type"].astype(str).to_numpy()
    cents = scaled_integers(lines["amount"])
    taken = np.where(np.isin(kind, ("DED", "TAX")), -cents, 0)
    per = pd.DataFrame({"employee_id": lines["employee_id"].astype(str).to_numpy(),
                        "day": days_column(lines["check_date"]), "earn": np.where(kind == "EARN", cents, 0),
                        "net": np.where(kind == "EARN", cents, taken),
                        "disposable": np.where(kind == "EARN", cents, np.where(kind == "TAX", -cents, 0))})
    checks = per.groupby(["employee_id", "day"], as_index=False)[["earn", "net", "disposable"]].sum()
    paid = checks.loc[checks["earn"] > 0].sort_values(["employee_id", "day"]).drop_duplicates("employee_id",
                                                                                              keep="last")
    if not len(paid):
        return empty
    return pd.DataFrame({"employee_id": paid["employee_id"].to_numpy(dtype=object),
                         **{name: pd.arrays.ArrowExtensionArray(decimal_array(paid[column].to_numpy()))
                            for name, column in (("net_pay", "net"), ("gross_pay", "earn"),
                                                 ("disposable_pay", "disposable"))}}).reset_index(drop=True)
