"""Shared constants of the end-to-end tests (imported by their conftest and the test modules)."""

from __future__ import annotations

from datetime import date

BUSINESS_DATE = date(2026, 12, 31)
EMPLOYEES = 300
HRIS_FEEDS = ("workers", "hours_worked", "benefit_enrollments", "time_off_balances")
HARBOR_IN_FEEDS = ("leave_periods", "absences", "benefit_payments")
