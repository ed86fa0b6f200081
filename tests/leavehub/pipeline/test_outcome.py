"""Outcomes are values in the ledger's words: the vocabulary a receipt may use is the ledger's."""

from __future__ import annotations

from datetime import date
from typing import get_args

from leavehub.pipeline.outcome import RECORD_OUTCOMES, Receipt, ReceiptStatus, Rejection, RunOutcome
from leavehub.store import RecordOutcomes
from schemas.codes import FileStatus
from schemas.errors import FormatError


def test_a_receipt_speaks_the_ledgers_vocabulary() -> None:
    assert set(get_args(ReceiptStatus)) <= {status.value for status in FileStatus}
    assert RECORD_OUTCOMES == tuple(RecordOutcomes().as_dict())  # the store's per-record counts, in its order
    assert Receipt("f.x", "F.csv", "APPLIED", date(2026, 3, 2)).record_outcomes == {}


def test_a_run_is_ok_unless_a_file_was_rejected() -> None:
    applied = Receipt("f.x", "A.csv", "APPLIED", date(2026, 3, 2))
    duplicate = Receipt("f.x", "B.csv", "DUPLICATE", date(2026, 3, 2))
    rejected = Receipt("f.x", "C.csv", "REJECTED", None, reason="bad")
    assert RunOutcome("f.x", receipts=[applied, duplicate]).ok
    run = RunOutcome("f.x", receipts=[applied, rejected, duplicate])
    assert not run.ok and run.rejected == [rejected] and run.applied == [applied]


def test_a_rejection_is_listed_like_a_row_error_and_an_unforeseen_one_names_only_its_class() -> None:
    trailer = Rejection.of(FormatError("trailer count 9, 10 rows read", file="F.csv", line=12))
    assert [(e.line, e.reason) for e in trailer.errors] == [(12, "trailer count 9, 10 rows read")]
    unforeseen = Rejection.unexpected(ValueError("could not parse '123-45-6789'"))
    assert "123-45-6789" not in repr(unforeseen) and "ValueError" in unforeseen.reason
