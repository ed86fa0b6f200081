"""Instruction lines as rows of LedgerPay's pay-data import ``PR<CO>EPI_<BATCHID>.csv``.

One row per instruction line, in the spec's column order; each kind fills its own columns: a cancel line sets
``Cancel Pay`` Y and ``Reg Earnings`` (what payroll pays for the time worked), hours go to ``Hours 3``, earnings
to ``Earnings 3``, third-party sick pay to ``Memo``, arrears and refunds to ``Adjust Ded``, a deduction payroll
must not take to ``Block Ded Code``. Pay codes are translated by ``mappings/ledgerpay/codes.yaml`` (table
``pay_code``, reversed: canonical -> LedgerPay); a code the table lacks is a ``ConfigError``, never sent raw.
``File #`` is the employee's payroll file number (the employee id when HRIS sends none); ``Pay #`` is 1.

Example::

    rows = import_rows(lines, batch_id="NWD2026032001", action="NEW", company="NWD", codes=pay_codes(folder))
    write_import(rows, sink)        # UTF-8 CSV with a header, CRLF
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError

__all__ = ["IMPORT_COLUMNS", "import_rows", "pay_codes", "write_import"]

IMPORT_COLUMNS = (
    "Co Code", "Batch ID", "Batch Action", "File #", "Pay #", "Cancel Pay", "Reg Earnings", "Reg Hours",
    "Hours 3 Code", "Hours 3 Amount", "Earnings 3 Code", "Earnings 3 Amount", "Memo Code", "Memo Amount",
    "Adjust Ded Code", "Adjust Ded Amount", "Block Ded Code",
)
_CODE_COLUMN = {"HOURS": ("Hours 3 Code", "Hours 3 Amount", "hours"),
                "EARNINGS": ("Earnings 3 Code", "Earnings 3 Amount", "amount"),
                "MEMO": ("Memo Code", "Memo Amount", "amount")}


def pay_codes(folder: Path) -> dict[str, str]:
    """Canonical pay code -> LedgerPay code, from the vendor's ``codes.yaml`` (first vendor code wins)."""
    from leavehub.mapping.loader import load_codes

    table = load_codes(folder / "codes.yaml").tables.get("pay_code")
    if table is None:
        raise ConfigError("codes.yaml has no pay_code table", file=str(folder / "codes.yaml"), key_path="tables")
    out: dict[str, str] = {}
    for vendor_code, canonical in table.values.items():
        if canonical is not None:
            out.setdefault(canonical, vendor_code)
    return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def import_rows(lines: list[dict[str, Any]], *, batch_id: str, action: str, company: str,
                codes: dict[str, str], file_numbers: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The import's rows for ``lines`` (instruction records with Decimal/None values), in their order."""
    file_numbers = file_numbers or {}
    rows = []
    for line in lines:
        row = dict.fromkeys(IMPORT_COLUMNS, "")
        row.update({"Co Code": company, "Batch ID": batch_id, "Batch Action": action, "Pay #": "1",
                    "File #": file_numbers.get(line["employee_id"]) or line["employee_id"]})
        kind = line["kind"]
        if kind == "CANCEL_REGULAR_PAY":
            row["Cancel Pay"] = "Y"
            row["Reg Earnings"] = _text(line.get("amount"))
        elif kind in _CODE_COLUMN:
            code_column, amount_column, value = _CODE_COLUMN[kind]
            code = codes.get(line["pay_code"])
            if code is None:
                raise ConfigError(f"LedgerPay has no code for pay code {line['pay_code']} (add it to the pay_code "
                                  "table)", key_path="tables.pay_code")
            row[code_column], row[amount_column] = code, _text(line.get(value))
        elif kind == "DEDUCTION_ADJUSTMENT":
            row["Adjust Ded Code"], row["Adjust Ded Amount"] = line["deduction_code"], _text(line.get("amount"))
        elif kind == "BLOCK_DEDUCTION":
            row["Block Ded Code"] = line["deduction_code"]
        else:
            raise ValueError(f"unknown instruction kind {kind!r}")
        rows.append(row)
    return rows


def write_import(rows: list[dict[str, str]], sink: Any) -> int:
    """Write the CSV (header, CRLF, UTF-8) to a binary ``sink``; returns the rows written."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=IMPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    sink.write(text.getvalue().encode("utf-8"))
    return len(rows)
