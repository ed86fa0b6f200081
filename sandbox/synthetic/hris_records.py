"""Northwind HRIS API records, shaped exactly as ``docs/vendors.md`` shows them.

Two outputs: ``<endpoint>.jsonl`` (one compact JSON record per line, sorted by id, or for endpoints
without an id by worker then natural key), which the HTTP simulator serves; and page files
``<endpoint>/page-0001.json`` with ``{"data": [...], "next_cursor": ...}``, the local-file stand-in for the
paginated API (the cursor is base64url of ``{"p":<next page>}`` without padding, null on the last page).
Money and hours are 2-dp strings, dates ISO 8601, timestamps UTC with a ``Z``.

Example::

    paths = write_hris_records(generate_employer(), Path("/tmp/hris"))
    paths["workers"].read_text().splitlines()[0]
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sandbox.synthetic.model import Enrollment, HoursLine, SyntheticEmployer, TimeOffBalance, Worker

Endpoint = Literal["workers", "hours_worked", "benefit_enrollments", "time_off_balances"]
ENDPOINTS: tuple[Endpoint, ...] = ("workers", "hours_worked", "benefit_enrollments", "time_off_balances")
MAX_PAGE_SIZE = 500


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def worker_record(w: Worker) -> dict[str, Any]:
    return {
        "id": w.worker_id,
        "ssn": w.ssn,
        "legal_name": {"first": w.first_name, "middle": w.middle_name, "last": w.last_name},
        "birth_date": _d(w.birth_date),
        "gender": w.gender,
        "home_address": {"line1": w.home_address.line1, "line2": w.home_address.line2,
                         "city": w.home_address.city, "state": w.home_address.state,
                         "postal_code": w.home_address.postal_code},
        "work_email": w.work_email,
        "employment": {
            "status": w.status,
            "hire_date": _d(w.hire_date), "adjusted_service_date": _d(w.adjusted_service_date),
            "termination_date": _d(w.termination_date),
            "worksite": {"id": w.worksite.worksite_id, "state": w.worksite.state,
                         "employees_within_75_miles": w.worksite.employees_within_75_miles},
            "full_time": w.full_time, "flsa": w.flsa,
            "scheduled_hours_per_week": _amount(w.scheduled_hours_per_week),
            "scheduled_days_per_week": w.scheduled_days_per_week,
            "pay": {"basis": w.pay_basis, "rate": _amount(w.pay_rate),
                    "period": "year" if w.pay_basis == "salary" else "hour", "frequency": "biweekly"},
            "key_employee": w.key_employee, "spouse_worker_id": w.spouse_worker_id, "union_code": w.union_code,
            "supervisor_id": w.supervisor_id, "payroll_file_number": w.payroll_file_number,
            "payroll_company_code": w.payroll_company_code,
        },
        "updated_at": _stamp(w.updated_at),
    }


def hours_record(h: HoursLine) -> dict[str, Any]:
    return {"worker_id": h.worker_id, "period_start": _d(h.period_start), "period_end": _d(h.period_end),
            "pay_code": h.pay_code, "hours": _amount(h.hours), "worked": h.worked}


def enrollment_record(e: Enrollment) -> dict[str, Any]:
    return {"worker_id": e.worker_id, "plan_type": e.plan_type, "carrier": e.carrier, "plan_code": e.plan_code,
            "tier": e.tier, "coverage_amount": _amount(e.coverage_amount),
            "benefit_salary": _amount(e.benefit_salary),
            "ee_premium_per_period": _amount(e.ee_premium_per_period),
            "er_premium_per_period": _amount(e.er_premium_per_period), "tax": e.tax,
            "deduction_code": e.deduction_code, "effective_date": _d(e.effective_date), "end_date": _d(e.end_date)}


def balance_record(b: TimeOffBalance) -> dict[str, Any]:
    return {"worker_id": b.worker_id, "policy": b.policy, "balance_hours": _amount(b.balance_hours),
            "as_of": _d(b.as_of)}


def endpoint_records(emp: SyntheticEmployer, endpoint: Endpoint) -> list[dict[str, Any]]:
    """An endpoint's records in a stable order: by id, else by worker and natural key."""
    if endpoint == "workers":
        return [worker_record(w) for w in sorted(emp.workers, key=lambda w: w.worker_id)]
    if endpoint == "hours_worked":
        rows: Iterable[Any] = sorted(emp.hours, key=lambda h: (h.worker_id, h.period_start, h.pay_code))
        return [hours_record(h) for h in rows]
    if endpoint == "benefit_enrollments":
        rows = sorted(emp.enrollments, key=lambda e: (e.worker_id, e.plan_type, e.effective_date))
        return [enrollment_record(e) for e in rows]
    return [balance_record(b) for b in sorted(emp.balances, key=lambda b: (b.worker_id, b.policy))]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder, not one per record


def _dumps(record: dict[str, Any]) -> str:
    return _ENCODER.encode(record)


def write_hris_records(emp: SyntheticEmployer, dest_dir: Path) -> dict[str, Path]:
    """Write ``<dest>/<endpoint>.jsonl`` for the four endpoints; returns endpoint -> path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for endpoint in ENDPOINTS:
        path = dest_dir / f"{endpoint}.jsonl"
        text = "".join(_dumps(r) + "\n" for r in endpoint_records(emp, endpoint))
        path.write_bytes(text.encode("utf-8"))
        paths[endpoint] = path
    return paths


def cursor_for(page_number: int) -> str:
    """The opaque cursor naming a page, as Northwind spells it: ``eyJwIjoyfQ`` is page 2."""
    raw = json.dumps({"p": page_number}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def write_hris_pages(
    emp: SyntheticEmployer, dest_dir: Path, page_size: int = MAX_PAGE_SIZE,
) -> dict[str, list[Path]]:
    """Write ``<dest>/<endpoint>/page-NNNN.json`` pages; an empty endpoint still gets one empty page."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE} (Northwind's maximum), got {page_size}")
    out: dict[str, list[Path]] = {}
    for endpoint in ENDPOINTS:
        records = endpoint_records(emp, endpoint)
        folder = dest_dir / endpoint
        folder.mkdir(parents=True, exist_ok=True)
        pages = [records[i:i + page_size] for i in range(0, len(records), page_size)] or [[]]
        out[endpoint] = []
        for number, data in enumerate(pages, start=1):
            body = {"data": data, "next_cursor": cursor_for(number + 1) if number < len(pages) else None}
            path = folder / f"page-{number:04d}.json"
            path.write_bytes((json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
            out[endpoint].append(path)
    return out
