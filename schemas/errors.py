"""The one exception tree of LeaveHub, split by what the caller should do.

    LeaveHubError
    ├── RejectedInput (ValueError)      bad input: quarantine the file, alert, never retry
    │   ├── FormatError                 the bytes do not parse as the declared layout
    │   ├── SignatureError              OpenPGP: not signed / wrong signer / tampered / bad key
    │   └── ValidationFailed            rows fail the mapping or canonical validation
    ├── TransientError (ConnectionError) network or peer hiccup: retry with backoff
    ├── ConfigError (ValueError)        broken vendor.yaml / mapping / employer config: fail the deploy or CI
    └── DuplicateInput                  the same content arrived before: record, post nothing

It lives at the bottom layer (``schemas``) so that connectors, the engine and Airflow retry rules can all
import it without importing each other. Errors carry *where* (file, line, field) and *why*; they never carry
the offending value of a PII field.

Example::

    raise ConfigError("unknown rule 'trimm'", file="mappings/harbor_leave/absences.yaml",
                      key_path="fields.hours", line=12)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


class LeaveHubError(Exception):
    """Base of every error LeaveHub raises on purpose."""


@dataclass(frozen=True)
class RowError:
    """One bad value: where it is and why, with the CLASS of the value, never the value itself.

    ``value_class`` is a coarse description such as ``"empty"``, ``"text(11)"``, ``"digits(9)"`` so a report
    can explain the failure without leaking an SSN or birth date.
    """

    row: int | None
    field: str | None
    reason: str
    value_class: str | None = None
    line: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class RejectedInput(LeaveHubError, ValueError):
    """The input is wrong; retrying will not help. Quarantine it, alert, fail the run."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        errors: list[RowError] | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.errors: list[RowError] = list(errors or [])
        parts = (file, f"line {line}" if line is not None else None, f"field {field}" if field else None)
        where = ", ".join(p for p in parts if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class FormatError(RejectedInput):
    """The bytes do not parse as the declared layout (columns, quoting, trailer count, encoding)."""


class SignatureError(RejectedInput):
    """OpenPGP verification failed: unsigned, unknown/wrong signer, tampered, truncated, expired or revoked key."""


class ValidationFailed(RejectedInput):
    """One or more rows fail mapping or canonical validation; ``errors`` lists every one of them."""


class TransientError(LeaveHubError, ConnectionError):
    """A temporary failure of a peer or the network. Safe to retry with backoff: every step is idempotent."""


class ConfigError(LeaveHubError, ValueError):
    """A configuration file is wrong. Names the file, the key path and the line when known."""

    def __init__(self, message: str, *, file: str | None = None, key_path: str | None = None,
                 line: int | None = None) -> None:
        self.file = file
        self.key_path = key_path
        self.line = line
        self.reason = message
        where = ":".join(p for p in (file, str(line) if line is not None else None) if p)
        if key_path:
            where = f"{where} [{key_path}]" if where else f"[{key_path}]"
        super().__init__(f"{where}: {message}" if where else message)


class DuplicateInput(LeaveHubError):
    """The same content (by verified-plaintext hash or vendor control number) was already received."""

    def __init__(self, message: str, *, original_file_id: int | None = None) -> None:
        self.original_file_id = original_file_id
        super().__init__(message)
