"""Smoke check: the synthetic employer's clean vendor files map through mappings/ with zero errors.

The sandbox writers follow the vendor specs without importing the product, so a mapping that disagrees with
the spec shows up here as errors. The census is then built from the mapped HRIS data: one row per kept
employee, a trailer that counts them, and a file that reads back.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from golden_helpers import layout_of, map_file, write_vendor_file

from connectors.formats import read_chunks
from leavehub.config.policy import load_policy
from leavehub.rules.fmla import census_eligibility
from sandbox.synthetic import generate_employer, write_harbor_files, write_hris_pages

HARBOR_FEED = {"HARBOR_LEAVE": "leave_periods", "HARBOR_ABSENCE": "absences", "HARBOR_PAY": "benefit_payments"}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    emp = generate_employer(seed=7, employees=200)
    root = tmp_path_factory.mktemp("synthetic")
    return emp, write_harbor_files(emp, root / "harbor"), write_hris_pages(emp, root / "hris")


def test_every_synthetic_file_maps_without_errors(synthetic: tuple) -> None:
    emp, harbor_files, hris_pages = synthetic
    counts: Counter[str] = Counter()
    errors = []
    for path in harbor_files:
        feed = HARBOR_FEED[path.name.rsplit("_", 1)[0]]
        frames, found = map_file("harbor_leave", feed, path, emp.as_of)
        errors += [(path.name, e.as_dict()) for e in found]
        counts.update({entity: len(frame) for entity, frame in frames.items()})
    for feed, pages in hris_pages.items():
        for path in pages:
            frames, found = map_file("northwind_hris", feed, path, emp.as_of)
            errors += [(f"{feed}/{path.name}", e.as_dict()) for e in found]
            counts.update({entity: len(frame) for entity, frame in frames.items()})
    assert errors == []
    assert counts["employee"] == counts["employment"] == counts["identity_link"] == 200
    for entity in ("leave_period", "absence", "benefit_payment", "hours_worked", "time_off_balance",
                   "enrollment"):
        assert counts[entity] > 0, entity


def test_census_from_synthetic_hris_data_has_one_row_per_kept_employee(synthetic: tuple) -> None:
    emp, _, hris_pages = synthetic
    parts: dict[str, list[pd.DataFrame]] = {}
    for feed in ("workers", "benefit_enrollments", "hours_worked"):
        for path in hris_pages[feed]:
            frames, _ = map_file("northwind_hris", feed, path, emp.as_of)
            for entity, frame in frames.items():
                parts.setdefault(entity, []).append(frame)
    frames = {entity: pd.concat(found, ignore_index=True) for entity, found in parts.items()}
    # the census joins the hub's FMLA determination on its business date (what the pipeline derives)
    fmla = load_policy().on(emp.as_of).fmla
    frames["eligibility_snapshot"] = census_eligibility(frames["employment"], frames["hours_worked"],
                                                        pd.DataFrame(), fmla, emp.as_of)
    data = write_vendor_file("harbor_leave", "eligibility", frames, emp.as_of)

    kept = sorted(w.worker_id for w in emp.workers
                  if w.status != "terminated"
                  or (w.termination_date is not None and 0 <= (emp.as_of - w.termination_date).days <= 90))
    (chunk,) = read_chunks(layout_of("harbor_leave", "eligibility"), io.BytesIO(data), name="census.txt")
    assert chunk.frame["EMPLOYEE_ID"].tolist() == kept
    assert chunk.business_date == emp.as_of
    assert chunk.frame["SSN"].str.fullmatch(r"\d{9}").all()
    site = {w.worker_id: "Y" if w.worksite.employees_within_75_miles >= 50 else "N" for w in emp.workers}
    assert chunk.frame["ELIG_50_75"].tolist() == [site[w] for w in kept], "the worksite test as the HRIS says"
    with_hours = set(frames["hours_worked"]["employee_id"].astype(str))
    filled = chunk.frame["HOURS_WORKED_12M"].notna()
    assert (filled == chunk.frame["EMPLOYEE_ID"].isin(with_hours)).all(), "hours only where the HRIS sent some"


def test_synthetic_file_names_match_the_vendor_patterns(synthetic: tuple) -> None:
    from golden_helpers import MAPPINGS

    from leavehub.config.vendor import load_vendor

    feeds = load_vendor(MAPPINGS / "harbor_leave").feeds
    _, harbor_files, _ = synthetic
    for path in harbor_files:
        pattern = feeds[HARBOR_FEED[path.name.rsplit("_", 1)[0]]].file_pattern
        assert pattern.match(Path(path.name + ".pgp").name) is not None, path.name
