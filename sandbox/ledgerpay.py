"""LedgerPay's side of the SFTP exchange: payroll applies each pay-data import the hub puts in ``/import/`` and,
when it runs a check date, writes the register ``LEDGERPAY_REGISTER_<CO>_<YYYYMMDD>.csv.pgp`` into ``/export/``
(encrypted to the hub, signed by LedgerPay); imports move to ``archive/``. It also publishes the pay calendar.

How payroll applies an import (``PR<CO>EPI_<BATCHID>.csv.pgp``, read with gpg, the signature checked):
a ``NEW`` batch is held for the next payroll run; the same Batch ID with identical content again is a duplicate
and ignored; ``REPLACE`` swaps the held lines of that Batch ID, and is refused once the batch was processed.
Running payroll turns each held line into a register line carrying its Batch ID: Cancel Pay -> ``EARN REG``
with Reg Earnings (0.00 when none), hours -> ``EARN <code>`` with the hours, earnings -> ``EARN <code>``, memo ->
``MEMO <code>``, Adjust Ded -> ``DED <code>``, Block Ded -> ``DED <code>`` 0.00 (not taken); lines of one
employee with the same type and code in one batch add up (the register's key: company, file number, check,
type, code, batch). So after a clean run the register's batch lines are the instructions sent, line for line
(summed per code). Payroll adds its own withholding on what it paid each file number (its ``EARN`` lines):
``TAX FIT`` 10%, ``TAX SS`` 6.2%, ``TAX MED`` 1.45% (``WITHHOLDING``, half up to the cent), no Batch ID.

Switches (``PayrollErrors``) make payroll err, each on the first N lines it applies to, and every injected error
is written to the manifest (JSON, beside the SFTP home, never sent to the hub): ``drop_line`` (a line missing),
``change_amount`` (+1.00), ``take_blocked`` (a blocked deduction taken anyway: ``DED`` with the plan's amount),
``ignore_cancel`` (pay not cancelled: the scheduled pay instead of Reg Earnings).

Example::

    payroll = LedgerPaySimulator(sshd.vendor_dir("ledgerpay"), hub=hub_key, ledgerpay=lp_key)
    payroll.publish_calendar("NWD", 2026, periods)
    payroll.apply_imports()
    payroll.run_payroll("NWD", check_date=date(2026, 3, 20), period=(date(2026, 3, 2), date(2026, 3, 15)))
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sandbox.keys import KeyPair, gpg_home, run_gpg

__all__ = ["LEDGERPAY_FOLDERS", "REGISTER_COLUMNS", "WITHHOLDING", "LedgerPaySimulator", "PayrollErrors"]

LEDGERPAY_FOLDERS = ("import", "export", "archive")
REGISTER_COLUMNS = ("CO_CODE", "FILE_NO", "PAY_PERIOD_START", "PAY_PERIOD_END", "CHECK_DATE", "LINE_TYPE", "CODE",
                    "HOURS", "AMOUNT", "BATCH_ID")
CALENDAR_COLUMNS = ("CO_CODE", "FREQUENCY", "PERIOD_START", "PERIOD_END", "CHECK_DATE", "PROCESSING_DEADLINE")
_FREQUENCY = {"WEEKLY": "W", "BIWEEKLY": "B", "SEMIMONTHLY": "S", "MONTHLY": "M"}
WITHHOLDING = {"FIT": Decimal("0.10"), "SS": Decimal("0.062"), "MED": Decimal("0.0145")}
"""The simulated payroll's flat withholding on each check's earnings (federal income tax, social security,
Medicare): real payroll computes them from the W-4 and the year's wages; a flat rate is enough to give the
register's net and disposable earnings their shape."""


@dataclass(frozen=True)
class PayrollErrors:
    """How many lines payroll gets wrong per run, by kind of error (all 0: a clean payroll)."""

    drop_line: int = 0
    change_amount: int = 0
    take_blocked: int = 0
    ignore_cancel: int = 0


@dataclass
class LedgerPaySimulator:
    """Payroll for the hub's imports in ``home`` (LedgerPay's SFTP home for the hub: import, export, archive)."""

    home: Path
    hub: KeyPair
    ledgerpay: KeyPair
    errors: PayrollErrors = field(default_factory=PayrollErrors)
    scheduled_pay: dict[str, str] = field(default_factory=dict)    # FILE_NO -> the check's regular pay
    deductions: dict[str, dict[str, str]] = field(default_factory=dict)  # FILE_NO -> plan code -> amount
    held: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # Batch ID -> its rows, not processed
    processed: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    events: list[dict[str, str]] = field(default_factory=list)    # duplicates, replaces, refusals
    companies: dict[str, str] = field(default_factory=dict)        # Batch ID -> company code (from the name)

    def __post_init__(self) -> None:
        for sub in LEDGERPAY_FOLDERS:
            (self.home / sub).mkdir(parents=True, exist_ok=True)

    # -- files in and out ---------------------------------------------------------------------------------

    def _seal(self, name: str, text: str) -> Path:
        with gpg_home(prefix="lhledgerpay-") as home:
            run_gpg(home, "--import", stdin=self.ledgerpay.secret_armored.encode())
            run_gpg(home, "--import", stdin=self.hub.public_armored.encode())
            plain = home / "plain.csv"
            plain.write_text(text, encoding="utf-8")
            part = self.home / "export" / f".{name}.part"
            run_gpg(home, "--trust-model", "always", "--yes", "--output", str(part), "--recipient",
                    self.hub.fingerprint, "--sign", "--local-user", self.ledgerpay.fingerprint, "--encrypt",
                    str(plain))
        return part.rename(self.home / "export" / name)

    def _open(self, path: Path) -> str:
        with gpg_home(prefix="lhledgerpay-") as home:
            run_gpg(home, "--import", stdin=self.ledgerpay.secret_armored.encode())
            run_gpg(home, "--import", stdin=self.hub.public_armored.encode())
            status = home / "status.txt"
            text = run_gpg(home, "--trust-model", "always", "--status-file", str(status), "--decrypt", str(path))
            if f"VALIDSIG {self.hub.fingerprint}" not in status.read_text():
                raise ValueError(f"{path.name}: not signed by the hub")
            return text.decode("utf-8")

    def publish_calendar(self, company: str, year: int, periods: list[dict[str, Any]]) -> Path:
        """``periods``: dicts of ``frequency`` (BIWEEKLY ...), ``period_start``, ``period_end``, ``check_date``,
        ``deadline`` (an aware UTC datetime)."""
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CALENDAR_COLUMNS)
        for p in periods:
            deadline: datetime = p["deadline"]
            writer.writerow([company, _FREQUENCY[p["frequency"]], p["period_start"].isoformat(),
                             p["period_end"].isoformat(), p["check_date"].isoformat(),
                             deadline.strftime("%Y-%m-%dT%H:%M:%SZ")])
        return self._seal(f"LEDGERPAY_CALENDAR_{company}_{year}.csv.pgp", out.getvalue())

    def apply_imports(self) -> list[str]:
        """Take in every complete import waiting in import/ (temporary upload names are left alone)."""
        taken = []
        for path in sorted((self.home / "import").glob("PR*EPI_*.csv.pgp")):
            rows = list(csv.DictReader(io.StringIO(self._open(path), newline="")))
            self._take(path.name, rows)
            path.rename(self.home / "archive" / path.name)
            taken.append(path.name)
        return taken

    def _take(self, name: str, rows: list[dict[str, str]]) -> None:
        """Hold the import's rows under its Batch ID (from the file name: an emptied REPLACE has no rows)."""
        company, batch = name.split(".")[0].removeprefix("PR").split("EPI_", 1)
        action = rows[0]["Batch Action"] if rows else "REPLACE"
        self.companies[batch] = company
        if batch in self.processed:
            what = "duplicate_ignored" if rows == self.processed[batch] else "refused_after_processing"
            self.events.append({"event": what, "batch_id": batch, "file": name})
        elif batch in self.held and action != "REPLACE":
            what = "duplicate_ignored" if rows == self.held[batch] else "refused_new_with_known_batch_id"
            self.events.append({"event": what, "batch_id": batch, "file": name})
        else:
            if batch in self.held:
                self.events.append({"event": "replaced", "batch_id": batch, "file": name})
            self.held[batch] = rows

    # -- payroll ------------------------------------------------------------------------------------------

    def run_payroll(self, company: str, *, check_date: date, period: tuple[date, date]) -> Path:
        """Process every held batch of ``company`` onto ``check_date``; write the register and the manifest."""
        mine = {b: rows for b, rows in self.held.items() if self.companies.get(b) == company}
        lines: list[dict[str, str]] = []
        for batch, rows in mine.items():
            for row in rows:
                lines.append(self._register_line(row, batch))
            self.processed[batch] = self.held.pop(batch)
        base = {"CO_CODE": company, "PAY_PERIOD_START": period[0].isoformat(),
                "PAY_PERIOD_END": period[1].isoformat(), "CHECK_DATE": check_date.isoformat()}
        lines = [{**base, **line} for line in _summed(lines)]
        lines, injected = self._inject(lines, base)
        lines += _withholding(lines, base)
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=REGISTER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(lines)
        manifest = {"company": company, "check_date": check_date.isoformat(), "batches": sorted(mine),
                    "errors": asdict(self.errors), "injected": injected, "events": self.events}
        path = self.home.parent / f"ledgerpay_manifest_{company}_{check_date:%Y%m%d}.json"
        path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        self.events = []
        return self._seal(f"LEDGERPAY_REGISTER_{company}_{check_date:%Y%m%d}.csv.pgp", out.getvalue())

    @staticmethod
    def _register_line(row: dict[str, str], batch: str) -> dict[str, str]:
        line = {"FILE_NO": row["File #"], "BATCH_ID": batch, "HOURS": ""}
        if row["Cancel Pay"] == "Y":
            return {**line, "LINE_TYPE": "EARN", "CODE": "REG", "AMOUNT": row["Reg Earnings"] or "0.00"}
        if row["Hours 3 Code"]:
            return {**line, "LINE_TYPE": "EARN", "CODE": row["Hours 3 Code"], "HOURS": row["Hours 3 Amount"],
                    "AMOUNT": "0.00"}
        if row["Earnings 3 Code"]:
            return {**line, "LINE_TYPE": "EARN", "CODE": row["Earnings 3 Code"],
                    "AMOUNT": row["Earnings 3 Amount"]}
        if row["Memo Code"]:
            return {**line, "LINE_TYPE": "MEMO", "CODE": row["Memo Code"], "AMOUNT": row["Memo Amount"]}
        if row["Adjust Ded Code"]:
            return {**line, "LINE_TYPE": "DED", "CODE": row["Adjust Ded Code"], "AMOUNT": row["Adjust Ded Amount"]}
        return {**line, "LINE_TYPE": "DED", "CODE": row["Block Ded Code"], "AMOUNT": "0.00"}

    def _inject(self, lines: list[dict[str, str]], base: dict[str, str]
                ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """Apply the error switches, first lines first; returns the lines and what was injected."""
        injected: list[dict[str, str]] = []

        def note(error: str, line: dict[str, str], **more: str) -> None:
            injected.append({"error": error, "file_no": line["FILE_NO"], "line_type": line["LINE_TYPE"],
                             "code": line["CODE"], "batch_id": line["BATCH_ID"], **more})

        out = list(lines)
        for line in [ln for ln in out if ln["CODE"] == "REG" and ln["BATCH_ID"]][:self.errors.ignore_cancel]:
            scheduled = self.scheduled_pay.get(line["FILE_NO"], "0.00")
            note("pay_not_cancelled", line, paid=scheduled)
            out[out.index(line)] = {**line, "AMOUNT": scheduled, "BATCH_ID": ""}
        blocked = [ln for ln in out if ln["LINE_TYPE"] == "DED" and ln["AMOUNT"] == "0.00" and ln["BATCH_ID"]]
        for line in blocked[:self.errors.take_blocked]:
            taken = self.deductions.get(line["FILE_NO"], {}).get(line["CODE"], "10.00")
            note("blocked_deduction_taken", line, taken=taken)
            out[out.index(line)] = {**line, "AMOUNT": taken, "BATCH_ID": ""}
        priced = [ln for ln in out if ln["BATCH_ID"] and Decimal(ln["AMOUNT"] or "0") != 0]
        changed_lines = []
        for line in priced[:self.errors.change_amount]:
            changed = f"{Decimal(line['AMOUNT']) + Decimal('1.00'):.2f}"
            note("amount_changed", line, sent=line["AMOUNT"], paid=changed)
            changed_lines.append({**line, "AMOUNT": changed})
            out[out.index(line)] = changed_lines[-1]
        # a dropped line is one payroll did not already get wrong: each injected fault stays visible
        for line in [ln for ln in out if ln["BATCH_ID"] and ln not in changed_lines][:self.errors.drop_line]:
            note("line_dropped", line)
            out.remove(line)
        return out, injected


def _withholding(lines: list[dict[str, str]], base: dict[str, str]) -> list[dict[str, str]]:
    """Payroll's own ``TAX`` lines (no Batch ID) on each file number's earnings, ``WITHHOLDING`` rates."""
    earned: dict[str, Decimal] = {}
    for line in lines:
        if line["LINE_TYPE"] == "EARN":
            earned[line["FILE_NO"]] = earned.get(line["FILE_NO"], Decimal(0)) + Decimal(line["AMOUNT"] or "0")
    return [{**base, "FILE_NO": file_no, "LINE_TYPE": "TAX", "CODE": code, "HOURS": "", "BATCH_ID": "",
             "AMOUNT": f"{(gross * rate).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"}
            for file_no, gross in earned.items() if gross > 0 for code, rate in WITHHOLDING.items()]


def _summed(lines: list[dict[str, str]]) -> list[dict[str, str]]:
    """One register line per employee, type, code and batch (the register's key): hours and amounts of the
    import's lines with the same code add up (two cases' LOA hours, two payments' memo lines)."""
    out: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for line in lines:
        key = (line["FILE_NO"], line["LINE_TYPE"], line["CODE"], line["BATCH_ID"])
        if key not in out:
            out[key] = dict(line)
            continue
        kept = out[key]
        for name in ("HOURS", "AMOUNT"):
            if line[name] or kept[name]:
                kept[name] = f"{Decimal(kept[name] or '0') + Decimal(line[name] or '0'):.2f}"
    return list(out.values())
