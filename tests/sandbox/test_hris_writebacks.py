"""The HRIS simulator's write-back side, as a real process: what it records and answers for leave status updates.

Pinned: every applied update is listed with its key and body fields, and each key is applied at most once
however often it is sent (a lost answer included); a key sent again with another body is a 422; an update keyed
in at the HRIS makes older hub updates a 409; the Idempotency-Key is derived from the update, not random.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hris_fixture import client_for, running_simulator, write_dataset

from leavehub.pipeline.writeback import idempotency_key
from schemas.errors import RejectedInput

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(60)]

UPDATE = {"worker_id": "W000001", "status": "on_leave", "leave_type": "FMLA", "paid": False,
          "effective_date": "2026-11-02", "expected_return_date": None, "source_case": "NTN-1"}


def test_the_simulator_lists_applied_updates_and_applies_each_key_once(tmp_path: Path) -> None:
    write_dataset(tmp_path, workers=5)
    with running_simulator(tmp_path) as sim, client_for(sim) as api:
        api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-1")
        sim.set_faults(drop_next=1)  # applied, answer lost: the client's retry is replayed
        later = {**UPDATE, "effective_date": "2026-11-09", "paid": True, "leave_type": "STD"}
        assert api.post_json("/v1/leave_status_updates", later, idempotency_key="k-2").replayed
        api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-1")
        with pytest.raises(RejectedInput) as reused:
            api.post_json("/v1/leave_status_updates", later, idempotency_key="k-1")
        seen = sim.updates()
    assert reused.value.http_status == 422
    assert [e.field for e in reused.value.errors] == ["Idempotency-Key"]
    assert seen["applied_per_key"] == {"k-1": 1, "k-2": 1}
    assert [(u["key"], u["effective_date"], u["paid"]) for u in seen["updates"]] == [
        ("k-1", "2026-11-02", False), ("k-2", "2026-11-09", True)]


def test_an_update_keyed_in_at_the_hris_makes_older_hub_updates_a_409(tmp_path: Path) -> None:
    write_dataset(tmp_path, workers=5)
    with running_simulator(tmp_path) as sim, client_for(sim) as api:
        sim.enter_update("W000001", "2026-11-20")
        with pytest.raises(RejectedInput) as conflict:
            api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-old")
        newer = api.post_json("/v1/leave_status_updates", {**UPDATE, "effective_date": "2026-11-23"},
                              idempotency_key="k-new")
        assert sim.updates()["applied_per_key"] == {"k-new": 1}
    assert conflict.value.http_status == 409 and newer.status == 201


def test_the_idempotency_key_is_derived_from_the_update_and_its_predecessor() -> None:
    key = idempotency_key("northwind_hris.leave_status", UPDATE, None)
    assert key == idempotency_key("northwind_hris.leave_status", dict(reversed(UPDATE.items())), None)
    assert key != idempotency_key("northwind_hris.leave_status", {**UPDATE, "paid": True}, None)
    # the same body again after another update is a new update, with a new key
    assert key != idempotency_key("northwind_hris.leave_status", UPDATE, "a-previous-key")
    assert len(key) == 36
