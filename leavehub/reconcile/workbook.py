"""The reconciliation workbook (XLSX), written row by row with openpyxl's write-only mode.

Sheets: ``Summary`` (count and money at stake per exception type, then a total), one sheet per exception type
(every type, empty ones too, so the layout never shifts), ``Premium aging`` and ``Vendor scorecard``. Every
sheet has a bold frozen header row and an autofilter; money cells carry a currency format and are written as
exact ``Decimal`` dollars; every text cell is SSN-masked. Write-only mode streams rows to the file, so the
workbook's size does not grow memory.

Example::

    write_workbook(result, Path("var/reports/reconciliation-2026-03-13.xlsx"))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from leavehub.reconcile.arrears import AGING_BUCKETS
from leavehub.reconcile.exceptions import EXCEPTION_TYPES, to_decimal
from leavehub.reconcile.result import Reconciliation, mask_ssns
from leavehub.reconcile.scorecard import SCORECARD_COLUMNS

__all__ = ["CURRENCY", "write_workbook"]

CURRENCY = '"$"#,##0.00;[Red]-"$"#,##0.00'
PERCENT = '0.0"%"'
_BOLD = Font(bold=True)

EXCEPTION_HEADERS = ("Employee", "Subject", "Money at stake", "Reason", "Suggested action", "Open since",
                     "Check date")


def write_workbook(result: Reconciliation, path: Path) -> Path:
    workbook = Workbook(write_only=True)
    summary = result.summary()
    _sheet(workbook, "Summary", ("Exception type", "Title", "Area", "Count", "Money at stake"),
           _summary_rows(summary), money={4}, widths=(28, 50, 18, 10, 18))
    for name in EXCEPTION_TYPES:
        rows = result.exceptions.loc[result.exceptions["exception_type"] == name]
        _sheet(workbook, name[:31], EXCEPTION_HEADERS, _exception_rows(rows), money={2},
               widths=(14, 30, 16, 80, 60, 12, 12))
    _sheet(workbook, "Premium aging", ("Employee", "Plan", "Deduction", *AGING_BUCKETS, "Outstanding",
                                       "Oldest (days)"),
           _aging_rows(result.aging), money={3, 4, 5, 6, 7}, widths=(14, 14, 12, 14, 14, 14, 14, 16, 14))
    _sheet(workbook, "Vendor scorecard", tuple(c.replace("_", " ") for c in SCORECARD_COLUMNS),
           _plain_rows(result.scorecard, SCORECARD_COLUMNS), percent={7, 13},
           widths=(16, 22, 10) + (12,) * (len(SCORECARD_COLUMNS) - 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _sheet(workbook: Workbook, title: str, headers: tuple[str, ...], rows: Iterable[list[Any]], *,
           money: set[int] = frozenset(), percent: set[int] = frozenset(), widths: tuple[int, ...] = ()) -> None:
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = _BOLD
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in _cells(sheet, rows, money, percent):
        sheet.append(row)
        count += 1
    # written with the sheet's footer when the workbook is saved, so it may follow the streamed rows
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"


def _cells(sheet: WriteOnlyWorksheet, rows: Iterable[list[Any]], money: set[int],
           percent: set[int]) -> Iterator[list[Any]]:
    """Rows as written: formatted cells only where a format is needed (money, percent, dates); plain values
    elsewhere, which openpyxl writes without building a cell object (most of a sheet's cost)."""
    for row in rows:
        out: list[Any] = []
        for i, value in enumerate(row):
            if isinstance(value, str):
                out.append(_bold(sheet, value) if value == "Total" else mask_ssns(value))
                continue
            if i in money or i in percent or isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = CURRENCY if i in money else PERCENT if i in percent else "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(value)
        yield out


def _bold(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = _BOLD
    return cell


def _summary_rows(summary: pd.DataFrame) -> Iterator[list[Any]]:
    for row in summary.itertuples(index=False):
        yield [row.exception_type, row.title, row.area, int(row.count), to_decimal(row.amount_cents)]
    yield ["Total", "", "", int(summary["count"].sum()), to_decimal(summary["amount_cents"].sum())]


def _exception_rows(rows: pd.DataFrame) -> Iterator[list[Any]]:
    columns = [rows[c].tolist() for c in ("employee_id", "subject_key", "amount_cents", "reason", "action",
                                          "first_seen", "check_date")]
    for employee, subject, cents, reason, action, first, check in zip(*columns, strict=True):
        yield [employee, subject, to_decimal(cents), reason, action, first, check]


def _aging_rows(aging: pd.DataFrame) -> Iterator[list[Any]]:
    for row in aging.itertuples(index=False):
        values = list(row)
        yield [*values[:3], *(to_decimal(v) for v in values[3:8]), int(values[8])]


def _plain_rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> Iterator[list[Any]]:
    for row in frame[list(columns)].itertuples(index=False):
        yield [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row]
