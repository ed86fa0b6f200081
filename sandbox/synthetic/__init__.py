"""Synthetic employer and vendor-format writers: a seeded, deterministic test oracle for LeaveHub.

The generator writes vendor files straight from the vendor specs and imports nothing of the product
(``leavehub``, ``connectors``), so a mapping bug cannot hide by being shared with the files it reads.

    emp = generate_employer(seed=7, employees=2000, year=2026)
    write_hris_records(emp, Path("/tmp/hris"))       # Northwind API records (.jsonl) for the simulator
    write_harbor_files(emp, Path("/tmp/harbor"))     # HARBOR_LEAVE/ABSENCE/PAY change files (plaintext)
    write_leave_periods_bulk(Path("/tmp/big.csv"), rows=1_000_000, bad_fraction=0.001)
    emp.scenario(10)                                 # docs/domain.md scenario 10, findable by number

``write_leave_periods_bulk`` lives in ``sandbox.synthetic.bulk`` and is imported lazily (it pulls numpy
and pyarrow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.synthetic.generator import generate_employer
from sandbox.synthetic.harbor_files import write_harbor_files
from sandbox.synthetic.hris_records import write_hris_pages, write_hris_records
from sandbox.synthetic.markers import Markers, plant_markers
from sandbox.synthetic.model import Scenario, SyntheticEmployer

if TYPE_CHECKING:
    from sandbox.synthetic.bulk import BulkResult, write_leave_periods_bulk

__all__ = [
    "BulkResult",
    "Markers",
    "Scenario",
    "SyntheticEmployer",
    "generate_employer",
    "plant_markers",
    "write_harbor_files",
    "write_hris_pages",
    "write_hris_records",
    "write_leave_periods_bulk",
]


def __getattr__(name: str) -> Any:
    if name in ("BulkResult", "write_leave_periods_bulk"):
        from sandbox.synthetic import bulk

        return getattr(bulk, name)
    raise AttributeError(name)
