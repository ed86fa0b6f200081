"""A reconciliation run: load one check date's frames from the store, compute, keep the exceptions, write both
reports. What the CLI command and the DAG task call.

Example::

    files = run_reconciliation(store, vendors, check_date=date(2026, 3, 13), out_dir=Path("var/reports"))
    files.workbook, files.html
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from leavehub.config.vendor import VendorSet
from leavehub.reconcile.compute import compute
from leavehub.reconcile.html_report import write_html
from leavehub.reconcile.loader import load_inputs, save_exceptions
from leavehub.reconcile.result import Reconciliation
from leavehub.reconcile.scorecard import Deadline
from leavehub.reconcile.workbook import write_workbook
from leavehub.store import Store

__all__ = ["ReportFiles", "arrival_deadlines", "run_reconciliation", "write_reports"]


@dataclass(frozen=True)
class ReportFiles:
    """Where the reports went, and what they say in one line (no PII)."""

    workbook: Path
    html: Path
    exceptions: int
    amount_cents: int

    def summary(self) -> dict[str, object]:
        return {"workbook": str(self.workbook), "html": str(self.html), "exceptions": self.exceptions,
                "amount_cents": self.amount_cents}


def arrival_deadlines(vendors: VendorSet) -> dict[str, Deadline]:
    """``"vendor.feed"`` -> the deadline function of each inbound feed that declares an arrival window."""
    return {f"{name}.{feed_name}": spec.arrival.deadline
            for name, vendor in vendors.vendors.items() for feed_name, spec in vendor.feeds.items()
            if spec.direction == "in" and spec.arrival is not None}


def write_reports(result: Reconciliation, out_dir: Path) -> ReportFiles:
    stem = f"reconciliation-{result.check_date.isoformat()}"
    workbook = write_workbook(result, out_dir / f"{stem}.xlsx")
    html = write_html(result, out_dir / f"{stem}.html")
    return ReportFiles(workbook, html, len(result.exceptions), int(result.exceptions["amount_cents"].sum()))


def run_reconciliation(store: Store, vendors: VendorSet, *, check_date: date, out_dir: Path,
                       weeks: int = 8, mappings_root: Path | None = None) -> ReportFiles:
    """``mappings_root`` (the settings') lets the register be compared with what the pay run sent (the pay book
    in the store)."""
    inputs = load_inputs(store, check_date=check_date, weeks=weeks, mappings_root=mappings_root)
    result = compute(inputs, arrival_deadlines(vendors), check_date=check_date, weeks=weeks)
    save_exceptions(store, result.exceptions, check_date=check_date)
    return write_reports(result, out_dir)
