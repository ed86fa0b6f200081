"""The shape of one row of the file exchange ledger: every file or API batch in or out, and where it stands.

The ledger is what makes exchanges exactly-once: an inbound file is known by the SHA-256 of the bytes
received AND of the verified plaintext (a re-encrypted copy of the same content is a DUPLICATE), and by a
vendor control number where the format has one; an outbound batch gets its id and control numbers when built.

Example::

    FileExchange(exchange_id="01J...", vendor="harbor_leave", feed="leave_periods", direction=FileDirection.IN,
                 file_name="HARBOR_LEAVE_20260320.csv.pgp", status=FileStatus.RECEIVED,
                 recorded_at=datetime(2026, 3, 20, 6, tzinfo=UTC))
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from schemas.codes import AckStatus, FileDirection, FileKind, FileStatus
from schemas.columns import Key, PathText, Printable, UtcDatetime
from schemas.types import CanonicalModel

__all__ = ["FileExchange"]

Sha256 = Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9a-f]{64}$")]
Fingerprint = Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9A-F]{16,64}$")]
"""An OpenPGP key id or fingerprint in upper-case hex."""


class FileExchange(CanonicalModel):
    """One file or API batch exchanged with a vendor, identified by ``exchange_id``."""

    natural_key: ClassVar[tuple[str, ...]] = ("exchange_id",)

    exchange_id: Key
    vendor: Key
    feed: Key
    direction: FileDirection
    file_name: Annotated[str, Field(min_length=1, max_length=255), Printable()]
    business_date: date | None = None
    file_kind: FileKind | None = None
    status: FileStatus
    bytes_sha256: Sha256 | None = None
    plaintext_sha256: Sha256 | None = None
    control_number: Key | None = None
    batch_id: Key | None = None
    record_count: Annotated[int | None, Field(ge=0)] = None
    rows_applied: Annotated[int | None, Field(ge=0)] = None
    duplicate_of: Key | None = None
    ack_status: AckStatus | None = None
    signer_fingerprint: Fingerprint | None = None
    error_report_path: PathText | None = None
    recorded_at: UtcDatetime
    updated_at: UtcDatetime | None = None
