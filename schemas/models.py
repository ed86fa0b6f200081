"""Every canonical model of LeaveHub in one import, and ``ENTITIES``: the entity name -> model registry.

The models live in topic modules (``people``, ``leave``, ``benefits``, ``pay``, ``exchange``); mapping
files name an entity by its snake_case key here (``leave_period``) and its fields by name. Each model
declares ``natural_key``: the canonical fields that identify one record, so the store can upsert by it.

Example::

    from schemas.models import ENTITIES
    ENTITIES["leave_period"].natural_key  # ("absence_period_key",)
"""

from __future__ import annotations

from schemas.benefits import Enrollment, PremiumBillLine, PremiumLedgerEntry
from schemas.exchange import FileExchange
from schemas.leave import Absence, BenefitPayment, LeaveCase, LeavePeriod, LeaveStatusUpdate
from schemas.pay import PayInstruction, PayPeriod, PayrollRegisterLine
from schemas.people import (
    EligibilitySnapshot,
    Employee,
    Employment,
    HoursWorked,
    IdentityLink,
    TimeOffBalance,
)
from schemas.types import CanonicalModel
from schemas.version import SCHEMA_VERSION

__all__ = [
    "ENTITIES",
    "SCHEMA_VERSION",
    "Absence",
    "BenefitPayment",
    "CanonicalModel",
    "EligibilitySnapshot",
    "Employee",
    "Employment",
    "Enrollment",
    "FileExchange",
    "HoursWorked",
    "IdentityLink",
    "LeaveCase",
    "LeavePeriod",
    "LeaveStatusUpdate",
    "PayInstruction",
    "PayPeriod",
    "PayrollRegisterLine",
    "PremiumBillLine",
    "PremiumLedgerEntry",
    "TimeOffBalance",
    "entity_name",
]

ENTITIES: dict[str, type[CanonicalModel]] = {
    "employee": Employee,
    "employment": Employment,
    "identity_link": IdentityLink,
    "eligibility_snapshot": EligibilitySnapshot,
    "hours_worked": HoursWorked,
    "time_off_balance": TimeOffBalance,
    "leave_case": LeaveCase,
    "leave_period": LeavePeriod,
    "absence": Absence,
    "benefit_payment": BenefitPayment,
    "leave_status_update": LeaveStatusUpdate,
    "enrollment": Enrollment,
    "premium_ledger_entry": PremiumLedgerEntry,
    "premium_bill_line": PremiumBillLine,
    "pay_period": PayPeriod,
    "pay_instruction": PayInstruction,
    "payroll_register_line": PayrollRegisterLine,
    "file_exchange": FileExchange,
}

_NAME_OF: dict[type[CanonicalModel], str] = {model: name for name, model in ENTITIES.items()}


def entity_name(model: type[CanonicalModel]) -> str:
    """The registry key of a canonical model: ``entity_name(LeavePeriod) == "leave_period"``."""
    try:
        return _NAME_OF[model]
    except KeyError:
        raise KeyError(f"{model.__name__} is not a canonical entity") from None
