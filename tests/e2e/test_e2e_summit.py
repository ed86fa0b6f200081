"""Summit Mutual against the sandbox's demo employer: the 834s the hub writes from what the HRIS and Harbor sent
pass pyx12 (Summit's simulator validates each one with ``x12n_document`` and answers with pyx12's own 999), and
the answers set each transaction set's status on the next run.

Pinned: the first change file (every member an add, 021) and the full file (every member 030) are valid
005010X220A1 and accepted; their ISA13s follow each other; the next run reads Summit's answers before sending.
"""

from __future__ import annotations

import pytest
from e2e_support import BUSINESS_DATE

from leavehub.pipeline.runner import open_store, run_feed

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(600)]


def test_the_demo_employers_834s_pass_pyx12_and_are_accepted(sandbox, first_run):
    from leavehub.store.x12_sets import transaction_sets

    summit = sandbox.stack.summit
    change = run_feed("summit_mutual.enrollment_change", business_date=BUSINESS_DATE)
    assert change.sent.status == "SENT" and change.sent.records > 0, change.summary()
    (first,) = summit.answer_pending()
    assert first.valid and first.set_status == "A", first
    full = run_feed("summit_mutual.enrollment_full", business_date=BUSINESS_DATE)
    assert [s.status for a in full.acknowledgements for s in a.sets] == ["ACCEPTED"], full.summary()
    assert full.sent.status == "SENT" and full.sent.records == change.sent.records
    (second,) = summit.answer_pending()
    assert second.valid and second.set_status == "A" and second.control_number == first.control_number + 1
    again = run_feed("summit_mutual.enrollment_change", business_date=BUSINESS_DATE)
    assert again.sent.status == "ALREADY_SENT" and len(again.acknowledgements) == 1
    store = open_store(first_run.settings)
    try:
        sets = transaction_sets(store.engine, "summit_mutual")
    finally:
        store.dispose()
    assert sorted((s.control_number, s.status) for s in sets) == [(first.control_number, "ACCEPTED"),
                                                                   (second.control_number, "ACCEPTED")]
