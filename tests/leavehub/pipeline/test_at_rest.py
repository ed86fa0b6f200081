"""Nothing sensitive at rest: everything the hub keeps under LEAVEHUB_HOME is sealed, 0600 in 0700 folders.

Marker strings are planted in a column the mapping never reads (a diagnosis, as a FINEOS-like extract carries)
of Harbor leave files, config only: the layout names a DIAGNOSIS column, no field maps it. One good file and one
file with a bad row run through the local transport (archived) and through SFTP on a real sshd (archived on the
vendor's server). Every byte under LEAVEHUB_HOME is read while each download is being posted (downloads of a
vendor that sends plaintext land sealed) and after the run: no marker anywhere, every file 0600 and every
folder 0700. The operator command `leavehub archive open` returns the exact bytes received (an
archived file by vendor and name, any other kept file by path), with the key from the environment only. An
outbound file for a vendor that takes plaintext waits in the outbox sealed.
"""

from __future__ import annotations

import os
import shutil
import stat
from datetime import date
from pathlib import Path

import pytest
import yaml
from local_hubs import local_vendor_yaml
from pg_databases import db_upgrade
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.pipeline.runner import run_feed
from leavehub.settings import REPO_ROOT, Settings
from leavehub.store.pii import generate_key
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, render_csv

pytestmark = pytest.mark.timeout(180)

FEED = "harbor_leave.leave_periods"
DIAGNOSIS_MARKER = "DXMARKER-M54.5-lumbago-7Q3Z"
BAD_ROW_MARKER = "DXMARKER-F32.1-depressive-9K2W"
MARKERS = (DIAGNOSIS_MARKER, BAD_ROW_MARKER)
BUSINESS_DATE = date(2026, 11, 20)


def hub_env(tmp_path: Path, transport: dict) -> dict[str, str]:
    """A hub whose harbor_leave vendor uses ``transport`` (no OpenPGP) and whose leave layout has DIAGNOSIS."""
    home, mappings = tmp_path / "home", tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings" / "harbor_leave", mappings / "harbor_leave")
    vendor = local_vendor_yaml(REPO_ROOT / "mappings" / "harbor_leave" / "vendor.yaml")
    vendor["transport"] = transport
    (mappings / "harbor_leave" / "vendor.yaml").write_text(yaml.safe_dump(vendor, sort_keys=False), "utf-8")
    mapping_path = mappings / "harbor_leave" / "leave_periods.yaml"
    text = mapping_path.read_text(encoding="utf-8")
    mapping_path.write_text(text.replace("PREMIUM_METHOD, COVERAGE_REVOKED, UPDATED_AT]",
                                         "PREMIUM_METHOD, COVERAGE_REVOKED, UPDATED_AT, DIAGNOSIS]"), "utf-8")
    return {"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings),
            "LEAVEHUB_DB_URL": db_upgrade(f"sqlite:///{home / 'leavehub.db'}"), "LEAVEHUB_PII_KEY": generate_key()}


def leave_bytes(rows: list[dict[str, str]], diagnosis: str) -> bytes:
    columns = (*LEAVE_COLUMNS, "DIAGNOSIS")
    return render_csv(columns, ([row[c] for c in LEAVE_COLUMNS] + [diagnosis] for row in rows))


def good_and_bad(rows: list[dict[str, str]]) -> tuple[bytes, bytes]:
    picked = list({r["ABSENCE_PERIOD_KEY"]: r for r in rows[:40]}.values())[:4]
    bad = [dict(picked[0], PERIOD_START="2026-02-30")]
    return leave_bytes(picked, DIAGNOSIS_MARKER), leave_bytes(bad, BAD_ROW_MARKER)


def audit(home: Path, wire: Path | None = None) -> None:
    """No marker in any byte under ``home``; files 0600, folders 0700 (the home itself included). Files in
    ``wire`` (the vendor's own drop folder, files still waiting there) are the vendor's, not kept by the hub."""
    assert stat.S_IMODE(home.stat().st_mode) == 0o700, "LEAVEHUB_HOME must be private"
    files = 0
    for path in home.rglob("*"):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            assert mode == 0o700, f"{path.relative_to(home)} is a folder with mode {mode:o}"
            continue
        if wire is not None and wire in path.parents:
            continue
        files += 1
        assert mode == 0o600, f"{path.relative_to(home)} is a file with mode {mode:o}"
        data = path.read_bytes()
        for marker in MARKERS:
            assert marker.encode() not in data, f"marker in plaintext in {path.relative_to(home)}"
    assert files, "the audit must have something to read"


def audit_while_posting(monkeypatch: pytest.MonkeyPatch, home: Path, wire: Path | None = None) -> list[str]:
    """Audit ``home`` at the moment each downloaded file is posted (mid-run, when a download exists)."""
    import leavehub.pipeline.runner as runner

    seen: list[str] = []
    post = runner.receive_file

    def audited(feed, path, **kwargs):  # type: ignore[no-untyped-def]
        assert Path(path).is_file(), "the download exists while it is posted"
        audit(home, wire)
        seen.append(kwargs.get("name") or Path(path).name)
        return post(feed, path, **kwargs)

    monkeypatch.setattr(runner, "receive_file", audited)
    return seen


def test_local_transport_archives_sealed_and_the_operator_gets_the_exact_bytes(tmp_path, monkeypatch,
                                                                              harbor_leave_rows):
    env = hub_env(tmp_path, {"type": "local", "inbound_dir": "outbound", "outbound_dir": "inbound",
                             "archive_dir": "archive"})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    good, bad = good_and_bad(harbor_leave_rows)
    drop = settings.local_exchange_dir / "harbor_leave" / "outbound"
    drop.mkdir(parents=True)
    (drop / "HARBOR_LEAVE_20260302.csv").write_bytes(good)
    (drop / "HARBOR_LEAVE_20260303.csv").write_bytes(bad)
    posted = audit_while_posting(monkeypatch, settings.home, wire=drop)

    outcome = run_feed(FEED, settings=settings)

    assert posted == ["HARBOR_LEAVE_20260302.csv", "HARBOR_LEAVE_20260303.csv"], "downloads land sealed"

    assert [r.status for r in outcome.receipts] == ["APPLIED", "REJECTED"], outcome.summary()
    assert not list(drop.iterdir()), "both files must leave the vendor's folder"
    archive = settings.local_exchange_dir / "harbor_leave" / "archive"
    assert sorted(p.name for p in archive.iterdir()) == ["HARBOR_LEAVE_20260302.csv.lhstg",
                                                         "HARBOR_LEAVE_20260303.csv.lhstg"]
    audit(settings.home)

    listed = CliRunner().invoke(app, ["archive", "list"])
    assert listed.exit_code == 0, listed.output
    assert "HARBOR_LEAVE_20260302.csv" in listed.output and "HARBOR_LEAVE_20260303.csv" in listed.output
    opened = CliRunner().invoke(app, ["archive", "open", "harbor_leave", "HARBOR_LEAVE_20260302.csv"])
    assert opened.exit_code == 0, opened.output
    assert opened.stdout_bytes == good
    out = tmp_path / "restored.csv"
    opened = CliRunner().invoke(app, ["archive", "open", "harbor_leave", "HARBOR_LEAVE_20260303.csv",
                                      "--out", str(out)])
    assert opened.exit_code == 0, opened.output
    assert out.read_bytes() == bad and stat.S_IMODE(out.stat().st_mode) == 0o600

    [quarantined] = (settings.home / "quarantine").rglob("*.lhstg")
    opened = CliRunner().invoke(app, ["archive", "open", "--path", str(quarantined)])
    assert opened.exit_code == 0, opened.output
    assert opened.stdout_bytes == bad, "any kept file opens by its path, with its folder's key"
    outside = CliRunner().invoke(app, ["archive", "open", "--path", str(tmp_path / "restored.csv")])
    assert outside.exit_code == 1 and "not a file kept under LEAVEHUB_HOME" in outside.output

    rejected = outcome.receipts[1]
    dismissed = CliRunner().invoke(app, ["quarantine", "release", str(rejected.ledger_id)])
    assert dismissed.exit_code == 0, dismissed.output
    [released] = (settings.home / "quarantine-released").rglob("*.lhstg")
    audit(settings.home)  # the released entry and its release.json are kept private too
    opened = CliRunner().invoke(app, ["archive", "open", "--path", str(released)])
    assert opened.exit_code == 0 and opened.stdout_bytes == bad

    monkeypatch.setenv("LEAVEHUB_PII_KEY", generate_key())  # not the deployment's key: nothing opens
    refused = CliRunner().invoke(app, ["archive", "open", "harbor_leave", "HARBOR_LEAVE_20260302.csv"])
    assert refused.exit_code == 1 and DIAGNOSIS_MARKER.encode() not in refused.stdout_bytes
    monkeypatch.delenv("LEAVEHUB_PII_KEY")
    monkeypatch.delenv("LEAVEHUB_ENV", raising=False)  # a sandbox left in the environment would lend its dev key
    refused = CliRunner().invoke(app, ["archive", "open", "harbor_leave", "HARBOR_LEAVE_20260302.csv"])
    assert refused.exit_code == 1 and "LEAVEHUB_PII_KEY" in refused.output


@pytest.mark.realpeer
def test_sftp_archive_stays_on_the_vendor_server_and_nothing_is_left_here(tmp_path, monkeypatch,
                                                                        harbor_leave_rows):
    from sandbox.sshd import SSHD, SshdServer

    if shutil.which(SSHD) is None and os.environ.get("CI", "").lower() != "true":
        pytest.skip("OpenSSH sshd not installed")
    env = hub_env(tmp_path, {"type": "sftp", "connection_id": "harbor_leave_sftp", "inbound_dir": "outbound",
                             "outbound_dir": "inbound", "archive_dir": "archive"})
    good, bad = good_and_bad(harbor_leave_rows)
    with SshdServer(tmp_path / "sshd", ["harbor_leave"]).start() as server:
        env["AIRFLOW_CONN_HARBOR_LEAVE_SFTP"] = server.connection_uri("harbor_leave")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        remote = server.vendor_dir("harbor_leave")
        for sub in ("outbound", "inbound", "archive"):
            (remote / sub).mkdir(exist_ok=True)
        (remote / "outbound" / "HARBOR_LEAVE_20260302.csv").write_bytes(good)
        (remote / "outbound" / "HARBOR_LEAVE_20260303.csv").write_bytes(bad)
        posted = audit_while_posting(monkeypatch, Path(env["LEAVEHUB_HOME"]))

        outcome = run_feed(FEED, settings=Settings.from_env())

        assert len(posted) == 2, "each SFTP download is audited while it is posted: it landed sealed"

        assert [r.status for r in outcome.receipts] == ["APPLIED", "REJECTED"], outcome.summary()
        assert sorted(p.name for p in (remote / "archive").iterdir()) == ["HARBOR_LEAVE_20260302.csv",
                                                                          "HARBOR_LEAVE_20260303.csv"]
    audit(Path(env["LEAVEHUB_HOME"]))


def test_a_plaintext_outbound_file_waits_in_the_store_sealed_and_is_sent_byte_for_byte(tmp_path, monkeypatch):
    from sqlalchemy import select

    from leavehub.pipeline.at_rest import SEALED_SUFFIX, at_rest_key, open_sealed
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.outbound import send_feed
    from leavehub.pipeline.runner import open_store
    from leavehub.store.tables import OUTBOUND_ARTIFACT
    from schemas.errors import LeaveHubError

    env = hub_env(tmp_path, {"type": "local", "inbound_dir": "outbound", "outbound_dir": "inbound",
                             "archive_dir": "archive"})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    shutil.copytree(REPO_ROOT / "mappings" / "northwind_hris", Path(env["LEAVEHUB_MAPPINGS"]) / "northwind_hris")
    settings = Settings.from_env()
    feed = load_feed("harbor_leave.eligibility", settings)
    store = open_store(settings)
    wire = settings.local_exchange_dir / "harbor_leave" / "inbound"
    wire.parent.mkdir(parents=True)
    wire.write_bytes(b"")  # the vendor's folder is unusable: the send fails after the build
    with pytest.raises((OSError, LeaveHubError)):
        send_feed(feed, store=store, business_date=BUSINESS_DATE)
    wire.unlink()
    assert not [p for p in (settings.home / "outbox").rglob("*") if p.is_file()], "nothing kept on this disk"
    with store.engine.connect() as connection:
        [batch_id] = connection.execute(select(OUTBOUND_ARTIFACT.c.batch_id)).scalars().all()
    pending = store.artifact(batch_id)
    assert pending is not None and pending.sealed and pending.content
    kept = tmp_path / f"kept{SEALED_SUFFIX}"
    kept.write_bytes(pending.content)
    with open_sealed(kept, at_rest_key("outbox")) as plain:
        built = plain.read()
    assert built and built not in pending.content, "the kept artifact is sealed and opens to the built file"
    audit(settings.home)

    sent = send_feed(feed, store=store, business_date=BUSINESS_DATE)
    assert (wire / sent.file).read_bytes() == built
    assert store.artifact(pending.batch_id) is None, "dropped once SENT"
