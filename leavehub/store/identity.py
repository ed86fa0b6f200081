"""Identity: one person, many ids. Lookups over the effective-dated crosswalk (entity ``identity_link``).

One employer per deployment, so ``employee_id`` (the HRIS worker id, the hub's id for a person) is unique
here. Payroll file numbers and TPA ids change over time, so every lookup is "as of a date": a link counts
on ``on`` when ``effective_from <= on`` and ``effective_to`` is empty or not before ``on`` (inclusive, as the
model says). Only currently known, open versions are consulted.

Example::

    store.identity.employee_for(payroll=("C01", "004512"), on=date(2026, 3, 2))   # "W000123"
    store.identity.vendor_ids("W000123", on=date(2026, 3, 2)).tpa_employee_id
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Engine, and_, or_, select

from leavehub.store.tables import versions_table

__all__ = ["AmbiguousIdentity", "IdentityCrosswalk", "VendorIds"]


class AmbiguousIdentity(LookupError):
    """One vendor id maps to more than one employee on the date asked (the crosswalk needs fixing)."""


@dataclass(frozen=True)
class VendorIds:
    """Every system's id for one employee on one date."""

    employee_id: str
    hris_worker_id: str | None
    payroll_company_code: str | None
    payroll_file_number: str | None
    tpa_employee_id: str | None
    carrier_member_id: str | None
    effective_from: date
    effective_to: date | None


class IdentityCrosswalk:
    """Read-only lookups; the links themselves arrive like any entity (``identity_link`` through an intake)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._links = versions_table("identity_link")

    def _effective_on(self, on: date) -> ColumnElement[bool]:
        t = self._links.c
        return and_(t.superseded_at.is_(None), t.valid_to.is_(None), t.effective_from <= on,
                    or_(t.effective_to.is_(None), t.effective_to >= on))

    def employee_for(self, *, on: date, hris_worker_id: str | None = None,
                     payroll: tuple[str, str] | None = None, tpa_employee_id: str | None = None,
                     carrier_member_id: str | None = None) -> str | None:
        """The hub employee id for exactly one vendor id on ``on``; None when unknown.

        Raises ``AmbiguousIdentity`` (without the id) when two employees claim it, ``ValueError`` when not
        exactly one kind of id is given.
        """
        t = self._links.c
        given = [(hris_worker_id, [t.hris_worker_id == hris_worker_id]),
                 (payroll, [t.payroll_company_code == payroll[0], t.payroll_file_number == payroll[1]]
                  if payroll else []),
                 (tpa_employee_id, [t.tpa_employee_id == tpa_employee_id]),
                 (carrier_member_id, [t.carrier_member_id == carrier_member_id])]
        chosen = [conditions for value, conditions in given if value is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of hris_worker_id, payroll, tpa_employee_id, carrier_member_id")
        query = select(t.employee_id).where(self._effective_on(on), *chosen[0]).distinct()
        with self._engine.connect() as connection:
            found = connection.execute(query).scalars().all()
        if len(found) > 1:
            raise AmbiguousIdentity(f"the id maps to {len(found)} employees on {on.isoformat()}")
        return found[0] if found else None

    def vendor_ids(self, employee_id: str, *, on: date) -> VendorIds | None:
        """Every vendor id of ``employee_id`` effective on ``on`` (the latest-starting link if several)."""
        t = self._links.c
        query = (select(t.employee_id, t.hris_worker_id, t.payroll_company_code, t.payroll_file_number,
                        t.tpa_employee_id, t.carrier_member_id, t.effective_from, t.effective_to)
                 .where(self._effective_on(on), t.employee_id == employee_id)
                 .order_by(t.effective_from.desc()).limit(1))
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return VendorIds(**row) if row else None
