"""The demo: the main job end to end on one machine, on embedded defaults.

Starts the simulators (sshd for Harbor Leave's SFTP, the Northwind HRIS API), generates a synthetic employer
(about 2,000 employees and a year of leave), then runs every reference exchange in dependency order: pull the
HRIS (workers, hours worked, PTO balances, enrollments), send Harbor the eligibility census (encrypted and signed,
over SFTP), and post Harbor's leave periods, absences and benefit payments (verified before parsing). A second
pass shows idempotency: nothing new is posted or sent. The store and every file of the run live under
``var/demo`` (the previous demo's folder is replaced, so it can run twice in a row).

Example::

    python -m sandbox.demo --employees 2000
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from leavehub.pipeline.runner import RunOutcome, run_feed
from leavehub.settings import REPO_ROOT, Settings
from sandbox.stack import SandboxStack

ORDER = (
    "northwind_hris.workers",
    "northwind_hris.hours_worked",
    "northwind_hris.time_off_balances",
    "northwind_hris.benefit_enrollments",
    "harbor_leave.eligibility",
    "harbor_leave.leave_periods",
    "harbor_leave.absences",
    "harbor_leave.benefit_payments",
)


def run_demo(home: Path, *, employees: int, seed: int = 7, year: int = 2026, console: Console | None = None
             ) -> list[RunOutcome]:
    console = console or Console(width=120)
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    os.environ.update({"LEAVEHUB_HOME": str(home), "LEAVEHUB_ENV": "sandbox"})
    os.environ.pop("LEAVEHUB_DB_URL", None)
    business_date = date(year, 12, 31)
    outcomes: list[RunOutcome] = []
    t0 = time.monotonic()
    with console.status("starting simulators and generating the synthetic employer"), \
            SandboxStack(home / "sandbox", employees=employees, seed=seed, year=year) as stack:
        os.environ.update(stack.env)
        console.print(f"[green]simulators up[/] in {time.monotonic() - t0:.1f} s: {stack.describe()}")
        settings = Settings.from_env()
        for attempt in ("first pass", "second pass (idempotency: nothing new)"):
            console.rule(attempt)
            for feed_id in ORDER:
                started = time.monotonic()
                outcome = run_feed(feed_id, business_date=business_date, settings=settings)
                outcomes.append(outcome)
                console.print(f"{_line(outcome)}  [dim]{time.monotonic() - started:.1f} s[/]")
        census = sorted(stack.harbor_dir("inbound").glob("*.pgp"))
        _summary(console, outcomes, home, census)
    console.print(f"[bold green]demo finished[/] in {time.monotonic() - t0:.0f} s")
    return outcomes


def _line(outcome: RunOutcome) -> str:
    if outcome.sent:
        return f"  {outcome.feed:<38} {outcome.sent.status:<12} {outcome.sent.file} ({outcome.sent.records} rows)"
    statuses = Counter(r.status for r in outcome.receipts)
    records = Counter()
    for r in outcome.receipts:
        records.update(r.records)
    counts = ", ".join(f"{k}={v}" for k, v in sorted(records.items()))
    return f"  {outcome.feed:<38} {dict(statuses)} {counts}"


def _summary(console: Console, outcomes: list[RunOutcome], home: Path, census: list[Path]) -> None:
    table = Table("feed", "files applied", "duplicates", "rejected", "records posted / sent",
                  title="What was exchanged (both passes)")
    by_feed: dict[str, list[RunOutcome]] = {}
    for o in outcomes:
        by_feed.setdefault(o.feed, []).append(o)
    for feed, runs in by_feed.items():
        receipts = [r for o in runs for r in o.receipts]
        status = Counter(r.status for r in receipts)
        posted = sum(sum(r.records.values()) for r in receipts)
        sent = [o.sent for o in runs if o.sent]
        if sent:
            posted = sum(s.records for s in sent if s.status == "SENT")
        table.add_row(feed, str(status.get("APPLIED", 0) + sum(s.status == "SENT" for s in sent)),
                      str(status.get("DUPLICATE", 0) + sum(s.status == "ALREADY_SENT" for s in sent)),
                      str(status.get("REJECTED", 0)), str(posted))
    console.print(table)
    console.print(f"store:       {Settings.from_env().db_url}")
    console.print(f"census sent: {', '.join(str(p) for p in census) or 'none'}")
    console.print(f"quarantine:  {home / 'quarantine'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, default=REPO_ROOT / "var" / "demo")
    args = parser.parse_args(argv)
    outcomes = run_demo(args.home.resolve(), employees=args.employees, seed=args.seed)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
