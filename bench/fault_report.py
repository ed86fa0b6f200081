"""Run the fault suite (tests/faults) and report what it proved: faults tried and survived, records lost or
duplicated, bytes written by rejected input, peak memory. The last line is JSON.

Every fault test asserts its own verdict; the figures here are MEASURED by the tests (``fault_measure`` records
records lost, records duplicated and bytes left on disk by rejected input as junit XML properties), summed over
the suite. A fault test that records nothing contributes nothing to those sums - it is counted, not assumed.
Peak RSS is the largest resident set of the pytest process tree (``getrusage(RUSAGE_CHILDREN)``).

    python bench/fault_report.py            # the whole suite, SQLite and PostgreSQL
    python bench/fault_report.py --smoke    # SQLite only, without the slow race test
    python bench/fault_report.py --junit var/artifacts/junit.xml   # sum a suite run that already happened (CI)

Exit 1 when a fault was not survived or any record was lost or duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURES = ("records_lost", "records_duplicated", "rejected_bytes")


@dataclass
class FaultReport:
    faults_tried: int = 0
    survived: int = 0
    not_survived: int = 0
    skipped: int = 0
    records_lost: int = 0
    records_duplicated: int = 0
    rejected_bytes: int = 0
    measured_faults: int = 0
    peak_rss_mb: float = 0.0
    seconds: float = 0.0
    by_file: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.not_survived == 0 and self.records_lost == 0 and self.records_duplicated == 0


def run_suite(selection: list[str], junit: Path) -> tuple[int, float, float]:
    """pytest in a subprocess; (return code, seconds, peak RSS of the process tree in MB)."""
    env = {**os.environ, "CI": os.environ.get("CI", "true"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
                           "-o", "junit_family=xunit1", *selection], cwd=ROOT, env=env, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=3600)
    seconds = time.monotonic() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024  # KiB on Linux
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    print(f"pytest: {tail[0]}")
    return done.returncode, seconds, peak


def read_junit(junit: Path, report: FaultReport) -> None:
    for case in ET.parse(junit).getroot().iter("testcase"):
        if not (case.get("classname") or "").startswith("tests.faults."):
            continue  # a whole-suite report: only the fault suite counts here
        report.faults_tried += 1
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        module = Path(case.get("file")).stem if case.get("file") else case.get("classname", "").split(".")[-1]
        report.by_file[module] = report.by_file.get(module, 0) + 1
        if case.find("skipped") is not None:
            report.skipped += 1
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            report.not_survived += 1
            report.failures.append(name)
            continue
        report.survived += 1
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if any(m in props for m in MEASURES):
            report.measured_faults += 1
        for measure in MEASURES:
            setattr(report, measure, getattr(report, measure) + int(props.get(measure) or 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="SQLite only, no race test (CI)")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression (e.g. one area)")
    parser.add_argument("--junit", type=Path, help="read this junit XML of a finished run instead of running")
    args = parser.parse_args(argv)
    if args.junit:  # CI: the suite already ran once in the test stage; count it, do not run it twice
        report = FaultReport()
        read_junit(args.junit, report)
        return _print(report, 0)
    selection = ["tests/faults"]
    keyword = args.keyword or ("not postgres and not race" if args.smoke else None)
    if keyword:
        selection += ["-k", keyword]
    report = FaultReport()
    with tempfile.TemporaryDirectory(prefix="lh-faults-") as folder:
        junit = Path(folder) / "faults.xml"
        code, report.seconds, report.peak_rss_mb = run_suite(selection, junit)
        if not junit.is_file():
            print(f"pytest wrote no report (exit {code})")
            return 1
        read_junit(junit, report)
    return _print(report, code)


def _print(report: FaultReport, code: int) -> int:
    areas = ", ".join(f"{k} {v}" for k, v in sorted(report.by_file.items()))
    print(f"faults tried         {report.faults_tried:>10,}  ({areas})")
    print(f"survived             {report.survived:>10,}  (skipped {report.skipped}, "
          f"not survived {report.not_survived})")
    print(f"records lost         {report.records_lost:>10,}  (measured by {report.measured_faults} fault(s))")
    print(f"records duplicated   {report.records_duplicated:>10,}")
    print(f"rejected input bytes {report.rejected_bytes:>10,}  (written while refusing bad input)")
    if report.seconds:
        print(f"peak RSS             {report.peak_rss_mb:>10.1f} MB;  {report.seconds:.1f} s")
    else:
        print("peak RSS, seconds    (not measured: read from an earlier run's junit XML)")
    for failure in report.failures:
        print(f"NOT SURVIVED: {failure}")
    summary = {k: v for k, v in asdict(report).items() if k not in ("failures", "by_file")}
    summary["peak_rss_mb"] = round(report.peak_rss_mb, 1)
    summary["seconds"] = round(report.seconds, 1)
    print(json.dumps(summary, sort_keys=True))
    return 0 if report.ok and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
