"""Canonical leave schema: the shared language of LeaveHub. Imports nothing of ours.

Light on purpose: importing ``schemas`` (as a DAG file or an Airflow retry rule does at parse time) loads
only the exception tree. The models live in ``schemas.models`` and the code lists in ``schemas.codes``.
"""

from schemas.errors import (
    ConfigError,
    DuplicateInput,
    FormatError,
    LeaveHubError,
    RejectedInput,
    RowError,
    SignatureError,
    TransientError,
    ValidationFailed,
)

__all__ = [
    "ConfigError",
    "DuplicateInput",
    "FormatError",
    "LeaveHubError",
    "RejectedInput",
    "RowError",
    "SignatureError",
    "TransientError",
    "ValidationFailed",
]
