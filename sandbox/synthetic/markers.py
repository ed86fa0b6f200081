"""Marker PII for leak audits: unique SSNs, birth dates and names planted on a few workers.

A PII audit greps logs, error reports, staged files and outbound payloads for these strings; a hit where
the vendor's mapping does not ask for the field is a leak. Markers are chosen to collide with nothing else
the generator makes: SSN area 999 (ordinary SSNs here use 900-998), birth dates no other worker has, and
surnames outside the embedded name list. ``Markers`` lists each value in every spelling it may take on the
wire: ``123-45-6789`` and ``123456789``; ``YYYY-MM-DD``, ``MM/DD/YYYY`` and X12's ``YYYYMMDD``; names as
written, upper-case (X12 NM1) and lower-case (e-mail local parts).

Example::

    markers = plant_markers(emp)          # rewrites the chosen workers in place; same result every call
    assert not markers.found_in(log_text)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sandbox.synthetic.model import SyntheticEmployer, Worker

MARKER_PEOPLE = (
    ("999-41-7723", date(1961, 2, 13), "Ottoline", "Quarrington"),
    ("999-58-3107", date(1979, 11, 29), "Barnaby", "Fenwickshaw"),
    ("999-06-9254", date(1990, 5, 7), "Wilhelmina", "Thistlewood"),
)


@dataclass(frozen=True, slots=True)
class Markers:
    """The planted workers and every spelling of their marker values."""

    worker_ids: tuple[str, ...]
    ssns: tuple[str, ...]
    birth_dates: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.ssns + self.birth_dates + self.names

    def found_in(self, text: str) -> list[str]:
        """The marker strings that occur in ``text`` (an empty list means no leak)."""
        return [m for m in self.all if m in text]


def _choose(emp: SyntheticEmployer) -> list[Worker]:
    """An on-leave or leave-case worker, an active worker and a recently terminated one, by fixed rules."""
    with_cases = {p.employee_id for p in emp.leave_periods}
    scenario_ids = {s.employee_id for s in emp.scenarios}
    recent = emp.as_of - timedelta(days=89)

    def first(rule: object) -> Worker:
        return next(w for w in emp.workers if w.worker_id not in scenario_ids and rule(w))  # type: ignore[operator]

    picks = [first(lambda w: w.worker_id in with_cases and w.status != "terminated")]
    picks.append(first(lambda w: w.status == "active" and w.worker_id not in with_cases and w not in picks))
    picks.append(first(lambda w: w.status == "terminated" and w.termination_date is not None
                       and w.termination_date >= recent and w not in picks))
    return picks


def plant_markers(emp: SyntheticEmployer) -> Markers:
    """Give three workers the marker SSN, birth date and name (idempotent: same workers, same values)."""
    order = [ssn for ssn, *_ in MARKER_PEOPLE]
    planted = sorted((w for w in emp.workers if w.ssn in order), key=lambda w: order.index(w.ssn))
    chosen = planted or _choose(emp)
    taken_births = {w.birth_date for w in emp.workers if not w.ssn.startswith("999-")}
    ssns: list[str] = []
    births: list[str] = []
    names: list[str] = []
    for worker, (ssn, birth, first, last) in zip(chosen, MARKER_PEOPLE, strict=True):
        while birth in taken_births:
            birth += timedelta(days=1)
        worker.ssn, worker.birth_date, worker.first_name, worker.last_name = ssn, birth, first, last
        worker.middle_name = None
        worker.work_email = f"{first}.{last}@example.com".lower()
        ssns += [ssn, ssn.replace("-", "")]
        births += [birth.isoformat(), birth.strftime("%m/%d/%Y"), birth.strftime("%Y%m%d")]
        names += [first, last, first.upper(), last.upper(), first.lower(), last.lower(), f"{first} {last}"]
    return Markers(tuple(w.worker_id for w in chosen), tuple(ssns), tuple(births), tuple(names))
