"""A FINEOS-like multi-file extract added by configuration only (tests/vendors/data/bay_state_claims), through
the real pipeline: the three files of a day are one set, joined on their class/index ids, applied all or
nothing with one ledger entry per file plus one for the set; a set with a file missing waits; a never-read
diagnosis and bank account reach no store, work folder, log or report."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from vendor_hub import DATA, vendor_hub_in_env

from leavehub.pipeline.runner import run_feed
from schemas.errors import ConfigError

pytestmark = pytest.mark.timeout(240)

FEED = "bay_state_claims.payments"
MEMBERS = ("vpei", "vpeipaymentdetails", "vpeiclaimdetails")
MARKERS = [f"DXMARKER-FNX-000{i}" for i in range(1, 4)] + [f"BANKMARK-000{i}" for i in range(1, 4)]


def name(member: str, day: str = "20261120") -> str:
    return f"FNX_{day}_{member}.csv"


def sample(member: str) -> str:
    return (DATA / "bay_state_claims" / "samples" / name(member)).read_text(encoding="utf-8")


@pytest.fixture
def hub(tmp_path, monkeypatch):
    return vendor_hub_in_env(tmp_path, monkeypatch, "bay_state_claims")


def drop(hub, files: dict[str, str]):
    folder = hub.settings.local_exchange_dir / "bay_state_claims" / "outbound"
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8", newline="")
    return folder


def test_the_three_files_of_a_day_apply_as_one_set_with_a_ledger_entry_each(hub):
    inbox = drop(hub, {name(m): sample(m) for m in MEMBERS})

    outcome = run_feed(FEED, settings=hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "APPLIED" and receipt.file == "FNX_20261120_vpei.csv (set of 3)", outcome.summary()
    assert receipt.records == {"benefit_payment": 3}
    assert not list(inbox.iterdir()), "every member leaves the vendor's folder once posted"
    store = hub.open_store()
    payments = {r["payment_key"]: r for r in store.current("benefit_payment").to_dict("records")}
    assert sorted(payments) == ["501", "502", "503"]
    assert Decimal(str(payments["501"]["gross"])) == Decimal("850.00")
    assert payments["502"]["case_number"] is None and payments["502"]["payment_date"] == dt.date(2026, 11, 20)
    assert payments["503"]["period_end"] == dt.date(2026, 11, 7)
    entries = store.ledger(vendor="bay_state_claims")
    by_name = {e.file_name: e for e in entries}
    assert sorted(by_name) == sorted([receipt.file, *(name(m) for m in MEMBERS)])
    set_entry = by_name[receipt.file]
    assert set_entry.status == "APPLIED" and set_entry.id == receipt.ledger_id
    for member in MEMBERS:
        entry = by_name[name(member)]
        assert (entry.status, entry.batch_id, entry.records_read) == ("APPLIED", f"set:{set_entry.id}", 3)

    stored = [p.read_bytes().decode("latin-1") for p in hub.home.rglob("*") if p.is_file()]
    assert not [m for m in MARKERS for text in stored if m in text], "a never_read value is in the home folder"

    again = drop(hub, {name(m): sample(m) for m in MEMBERS})
    outcome = run_feed(FEED, settings=hub.settings)
    assert [r.status for r in outcome.receipts] == ["DUPLICATE"] and not list(again.iterdir())
    assert len(store.current("benefit_payment")) == 3


def test_a_set_with_a_file_missing_waits_and_a_given_incomplete_set_is_refused(hub, tmp_path):
    inbox = drop(hub, {name("vpei"): sample("vpei"), name("vpeiclaimdetails"): sample("vpeiclaimdetails")})

    outcome = run_feed(FEED, settings=hub.settings)

    assert outcome.receipts == [] and len(list(inbox.iterdir())) == 2, "the set waits for its third file"
    given = [inbox / name("vpei"), inbox / name("vpeiclaimdetails")]
    with pytest.raises(ConfigError, match="make no complete set"):
        run_feed(FEED, files=given, settings=hub.settings)
    drop(hub, {name("vpeipaymentdetails"): sample("vpeipaymentdetails")})
    outcome = run_feed(FEED, files=sorted(inbox.iterdir()), settings=hub.settings)
    assert [r.status for r in outcome.receipts] == ["APPLIED"], outcome.summary()


def test_one_bad_row_in_one_member_rejects_the_whole_set_and_quarantines_every_file(hub, caplog):
    details = sample("vpeipaymentdetails").replace("7326,502,", "7326,599,")   # 502 loses its detail row
    drop(hub, {name("vpei"): sample("vpei"), name("vpeipaymentdetails"): details,
               name("vpeiclaimdetails"): sample("vpeiclaimdetails")})

    with caplog.at_level(logging.DEBUG):
        outcome = run_feed(FEED, settings=hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "REJECTED", outcome.summary()
    store = hub.open_store()
    assert store.current("benefit_payment").empty, "all or nothing for the set"
    assert {e.status for e in store.ledger(vendor="bay_state_claims")} == {"QUARANTINED"}
    assert len(store.ledger(vendor="bay_state_claims")) == 4
    reports = hub.reports()
    assert sorted(r["file"] for r in reports) == sorted(name(m) for m in MEMBERS)
    errors = reports[0]["errors"]
    assert sorted((e["line"], e["reason"]) for e in errors) == [
        (3, "no vpeipaymentdetails row for this record"),
        (4, "vpeipaymentdetails: this row matches no record of the base file")]
    alerts = [r for r in caplog.records if r.getMessage().startswith("ALERT quarantined")]
    assert len(alerts) == 1, "one set, one event, one alert"
    seen = [caplog.text, outcome.summary()] + [p.read_bytes().decode("latin-1")
                                               for p in hub.home.rglob("*") if p.is_file()]
    for marker in MARKERS:
        assert not any(marker in text for text in seen), f"{marker} reached the store, a log or a report"


def test_a_new_column_in_one_member_is_schema_drift_not_a_rejection(hub, caplog):
    lines = sample("vpei").splitlines()
    lines = [lines[0] + ",PAYMENTCORRSTATUS"] + [line + ",Pending" for line in lines[1:]]
    drop(hub, {name("vpei"): "\r\n".join(lines) + "\r\n",
               name("vpeipaymentdetails"): sample("vpeipaymentdetails"),
               name("vpeiclaimdetails"): sample("vpeiclaimdetails")})

    with caplog.at_level(logging.WARNING):
        outcome = run_feed(FEED, settings=hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "APPLIED", outcome.summary()
    reason = ("schema drift: FNX_20261120_vpei.csv has column(s) the layout does not declare: PAYMENTCORRSTATUS "
              "(3 row(s))")
    assert [(w.line, w.reason) for w in receipt.warnings] == [(1, reason)]
    entry = next(e for e in hub.open_store().ledger(vendor="bay_state_claims") if e.file_name == receipt.file)
    assert [(e["severity"], e["reason"]) for e in entry.errors] == [("warning", reason)]
    assert len([r for r in caplog.records if r.getMessage().startswith("ALERT schema_drift")]) == 1


def test_vendor_yaml_and_the_mapping_must_name_the_same_files(hub):
    from typer.testing import CliRunner

    from leavehub.cli import app

    vendor = hub.mappings / "bay_state_claims" / "vendor.yaml"
    vendor.write_text(vendor.read_text(encoding="utf-8").replace("vpeiclaimdetails:", "vpeiclaimdetail:"),
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["mapping", "check", str(vendor)])
    assert result.exit_code != 0 and "must name the same files" in result.output


def test_a_set_previews_with_the_files_beside_its_sample_and_never_shows_a_never_read_value(hub, tmp_path):
    from typer.testing import CliRunner

    from leavehub.cli import app

    folder = tmp_path / "samples"
    folder.mkdir()
    for member in MEMBERS[:2]:
        (folder / name(member)).write_text(sample(member), encoding="utf-8", newline="")
    lonely = CliRunner().invoke(app, ["mapping", "preview", FEED, str(folder / name("vpei"))])
    assert lonely.exit_code == 2 and "other files of its set" in lonely.output
    (folder / name("vpeiclaimdetails")).write_text(sample("vpeiclaimdetails"), encoding="utf-8", newline="")

    shown = CliRunner().invoke(app, ["mapping", "preview", FEED, str(folder / name("vpei")), "--format", "json"])

    assert shown.exit_code == 0, shown.output
    assert "NTN-8801-ABS-01" in shown.output and "850.00" in shown.output
    assert not [m for m in MARKERS if m in shown.output]
