"""Measuring helpers the benches share: timers, peak RSS, machine load, a scratch PostgreSQL database, and the
naive baseline of bench/mapping_bench.py.

The naive baseline is what a hand-written importer does without the mapping engine: ``csv.DictReader`` and one
pydantic ``LeavePeriod`` per row, with the same trims, code tables, regex and Y/N flags as the reference
mapping, so the ratio compares like with like (every value typed and validated, every bad value counted).

Example::

    wall, cpu, rows, errors = naive_leave_periods(path, codes_file, limit=100_000)
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import resource
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["PG_ADMIN_URL", "Timing", "best_of", "load_average", "naive_leave_periods", "peak_rss_mb",
           "postgres_database", "reset_peak_rss", "rss_mb"]

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Timing:
    """The best (lowest wall) of several runs, with every run kept for the report.

    ``cpu`` is the process CPU time (all threads) of the best run: on a shared machine a waiting process
    loses wall time but not CPU time, so CPU ratios are the steadier comparison of single-threaded work.
    """

    best: float
    runs: tuple[float, ...]
    result: Any = None
    cpu: float = 0.0

    def rate(self, rows: int) -> float:
        return rows / self.best if self.best > 0 else float("inf")


def best_of(repeat: int, run: Callable[[], Any]) -> Timing:
    """Run ``run`` ``repeat`` times; the best wall time wins (the machine is shared, noise only adds)."""
    runs: list[float] = []
    cpus: list[float] = []
    result: Any = None
    for _ in range(max(1, repeat)):
        started, cpu = time.perf_counter(), time.process_time()
        result = run()
        runs.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    best = runs.index(min(runs))
    return Timing(runs[best], tuple(runs), result, cpus[best])


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB.

    Linux: ``VmHWM`` of /proc/self/status, the high-water mark of THIS address space. ``ru_maxrss`` is not
    used there because it survives ``exec``: a child started from a big parent reports the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """This process's resident set size now, in MB (``VmRSS``; the peak where /proc is missing)."""
    now = _status_mb("VmRSS")
    return now if now is not None else peak_rss_mb()


def reset_peak_rss() -> bool:
    """Reset the peak RSS to the RSS now (Linux: ``5`` into /proc/self/clear_refs), so a later ``peak_rss_mb``
    measures one step and not the set-up before it. False where the OS cannot (the peak then keeps the set-up)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def load_average() -> tuple[float, float, float]:
    """1, 5 and 15-minute load averages (zeros where the OS has none)."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


# -- the naive baseline ---------------------------------------------------------------------------------------

# canonical field -> (vendor column, code table or None); mirrors mappings/harbor_leave/leave_periods.yaml
_TEXT = {"case_number": "CASE_NUMBER", "absence_period_key": "ABSENCE_PERIOD_KEY", "employee_id": "EMPLOYEE_ID"}
_CODED = {"plan": ("PLAN", "plan"), "reason_category": ("LEAVE_REASON", "leave_reason"),
          "period_type": ("PERIOD_TYPE", "period_type"), "decision": ("DECISION", "decision"),
          "rtw_outcome": ("RTW_OUTCOME", "rtw_outcome"), "premium_method": ("PREMIUM_METHOD", "premium_method")}
_PLAIN = {"period_start": "PERIOD_START", "period_end": "PERIOD_END", "notice_date": "NOTICE_DATE",
          "decision_date": "DECISION_DATE", "last_day_worked": "LAST_DAY_WORKED", "rtw_date": "RTW_DATE",
          "reduced_hours_per_week": "REDUCED_HOURS_WEEK", "weekly_benefit": "WEEKLY_BENEFIT",
          "updated_at": "UPDATED_AT"}
_FLAGS = {"pto_election": "PTO_ELECTION", "topup_agreement": "TOPUP_AGREEMENT",
          "advance_agreement": "ADVANCE_AGREEMENT", "coverage_revoked": "COVERAGE_REVOKED"}
_YN = {"Y": True, "N": False}
_CASE_NUMBER = re.compile(r"^NTN-\d+$")


def _code_tables(codes_file: Path) -> dict[str, dict[str, str]]:
    tables = yaml.safe_load(codes_file.read_text(encoding="utf-8"))["tables"]
    return {name: {str(k): str(v) for k, v in table["values"].items()} for name, table in tables.items()}


def naive_leave_periods(path: Path, codes_file: Path, *, limit: int) -> tuple[float, float, int, int]:
    """Map and validate the first ``limit`` rows one at a time; (wall s, CPU s, rows, bad values)."""
    from pydantic import ValidationError

    from schemas.models import LeavePeriod

    tables = _code_tables(codes_file)
    coded = {field: (column, tables[table]) for field, (column, table) in _CODED.items()}
    rows = bad = 0
    started, cpu = time.perf_counter(), time.process_time()
    with path.open(newline="", encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            if rows >= limit:
                break
            rows += 1
            values: dict[str, Any] = {}
            errors = 0
            for field, column in _TEXT.items():
                values[field] = record[column].strip() or None
            if values["case_number"] and not _CASE_NUMBER.match(values["case_number"]):
                errors += 1
            for field, (column, table) in coded.items():
                text = record[column].strip()
                values[field] = table.get(text, text) if text else None  # unknown: the enum refuses it
            for field, column in _PLAIN.items():
                values[field] = record[column].strip() or None
            for field, column in _FLAGS.items():
                text = record[column].strip()
                values[field] = _YN.get(text, text) if text else None
            try:
                LeavePeriod(**values)
            except ValidationError as exc:
                errors += exc.error_count()
            bad += errors
    return time.perf_counter() - started, time.process_time() - cpu, rows, bad


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str | None]:
    """A fresh database of our own (``<prefix>_<pid>``) on the local PostgreSQL, dropped afterwards.

    Yields its URL, or None when PostgreSQL does not answer (it is optional for the benches).
    """
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3, autocommit=True)
    except Exception as exc:  # PostgreSQL is optional here
        print(f"postgres: not measured ({type(exc).__name__})", file=sys.stderr)
        yield None
        return
    name = f"{prefix}_{os.getpid()}"
    try:
        admin.execute(f"CREATE DATABASE {name}")
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
