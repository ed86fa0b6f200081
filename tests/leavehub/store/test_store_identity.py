"""Identity crosswalk: effective-dated lookups between HRIS, payroll, TPA and carrier ids."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
import pytest
from store_builders import arrival

from leavehub.store import AmbiguousIdentity, Store, SupersedeRule


def links(*rows: dict) -> pd.DataFrame:
    records = [{"record_key": f"{r['employee_id']}@{r['effective_from']}", "_row": i, **r}
               for i, r in enumerate(rows, start=1)]
    schema = pa.schema([("record_key", pa.string()), ("_row", pa.int64()), ("employee_id", pa.string()),
                        ("effective_from", pa.date32()), ("effective_to", pa.date32()),
                        ("hris_worker_id", pa.string()), ("payroll_company_code", pa.string()),
                        ("payroll_file_number", pa.string()), ("tpa_employee_id", pa.string()),
                        ("carrier_member_id", pa.string())])
    return pa.Table.from_pylist(records, schema=schema).to_pandas(types_mapper=pd.ArrowDtype)


@pytest.fixture
def crosswalk(store: Store) -> Store:
    frame = links(
        {"employee_id": "W1", "effective_from": date(2020, 1, 1), "effective_to": date(2025, 12, 31),
         "hris_worker_id": "W1", "payroll_company_code": "C01", "payroll_file_number": "004512",
         "tpa_employee_id": "T-77", "carrier_member_id": "M-1"},
        {"employee_id": "W1", "effective_from": date(2026, 1, 1), "hris_worker_id": "W1",
         "payroll_company_code": "C02", "payroll_file_number": "000009", "tpa_employee_id": "T-77",
         "carrier_member_id": "M-1"},
        {"employee_id": "W2", "effective_from": date(2026, 1, 1), "hris_worker_id": "W2",
         "payroll_company_code": "C01", "payroll_file_number": "004512", "tpa_employee_id": "T-88"},
    )
    with store.intake(arrival("xwalk", vendor="acme_hris", feed="identity")) as intake:
        intake.stage("identity_link", frame, SupersedeRule.FILE_DATE)
    return store


def test_a_payroll_file_number_resolves_to_whoever_held_it_on_the_date(crosswalk: Store) -> None:
    ids = crosswalk.identity
    assert ids.employee_for(payroll=("C01", "004512"), on=date(2024, 6, 1)) == "W1"
    assert ids.employee_for(payroll=("C01", "004512"), on=date(2026, 6, 1)) == "W2"
    assert ids.employee_for(payroll=("C02", "000009"), on=date(2024, 6, 1)) is None


def test_tpa_carrier_and_hris_ids_resolve(crosswalk: Store) -> None:
    ids = crosswalk.identity
    assert ids.employee_for(tpa_employee_id="T-88", on=date(2026, 3, 1)) == "W2"
    assert ids.employee_for(carrier_member_id="M-1", on=date(2026, 3, 1)) == "W1"
    assert ids.employee_for(hris_worker_id="W2", on=date(2025, 3, 1)) is None


def test_vendor_ids_follow_the_effective_dates(crosswalk: Store) -> None:
    old = crosswalk.identity.vendor_ids("W1", on=date(2025, 12, 31))
    new = crosswalk.identity.vendor_ids("W1", on=date(2026, 1, 1))
    assert (old.payroll_company_code, new.payroll_company_code) == ("C01", "C02")
    assert crosswalk.identity.vendor_ids("W9", on=date(2026, 1, 1)) is None


def test_an_id_claimed_by_two_employees_is_ambiguous_and_exactly_one_id_kind_is_required(
        crosswalk: Store) -> None:
    with crosswalk.intake(arrival("xwalk2", vendor="acme_hris", feed="identity")) as intake:
        intake.stage("identity_link", links({"employee_id": "W3", "effective_from": date(2026, 1, 1),
                                             "tpa_employee_id": "T-88"}), SupersedeRule.FILE_DATE)
    with pytest.raises(AmbiguousIdentity) as caught:
        crosswalk.identity.employee_for(tpa_employee_id="T-88", on=date(2026, 3, 1))
    assert "T-88" not in str(caught.value)
    with pytest.raises(ValueError, match="exactly one"):
        crosswalk.identity.employee_for(on=date(2026, 3, 1))
