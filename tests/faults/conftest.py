"""The fault suite: hostile and unlucky input, each tried against real peers, each a test with its verdict.

Every test under ``tests/faults/`` is one fault (or a small family of one fault's variants) tried the way an
attacker or an unlucky operator would: a real sshd, real gpg, real HTTP servers, SQLite AND PostgreSQL. Its
verdict is what it asserts - the fault was survived: the bad input quarantined with a report (never echoing a
value), nothing half-applied, nothing lost or posted twice, the feed not stalled, bounded in time and memory.

Files: ``test_faults_<area>.py``, one per area (the runner's file-by-file isolation, OpenPGP, YAML, readers...).
Every test here is marked ``fault`` automatically; ``pytest -m fault`` runs the suite. The ``fault_measure``
fixture records what ``bench/fault_report.py`` sums across the suite (from the junit XML properties):

    records_lost         records of valid input that did not reach the store       (must be 0)
    records_duplicated   records posted more than once                              (must be 0)
    rejected_bytes       bytes written under LEAVEHUB_HOME while refusing bad input (bounded)

Measure, never assume: count what is in the store and on disk after the fault.

Shared fixtures come from the suite's own modules, not copies: ``local_hub`` and ``harbor_leave_rows``
(``tests/local_hubs.py``), a real sshd (``tests/sshd_peers.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from local_hubs import LocalHub, harbor_leave_rows, local_hub, pipeline_pg_url
from sshd_peers import serve_sshd

from sandbox.sshd import SshdServer

__all__ = ["LocalHub", "harbor_leave_rows", "local_hub", "pipeline_pg_url"]

FAULTS_DIR = Path(__file__).parent
MEASURES = ("records_lost", "records_duplicated", "rejected_bytes")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if FAULTS_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.fault)


@pytest.fixture
def fault_measure(record_property: Callable[[str, object], None]) -> Callable[..., None]:
    """``fault_measure(records_lost=0, records_duplicated=0, rejected_bytes=n)``: what this fault cost."""

    def measure(**values: int) -> None:
        unknown = sorted(set(values) - set(MEASURES))
        assert not unknown, f"unknown fault measure(s): {unknown}"
        for name, value in values.items():
            record_property(name, int(value))

    return measure


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    """A real sshd (OpenSSH) serving Harbor's SFTP home, shared by a module."""
    yield from serve_sshd(tmp_path_factory.mktemp("faults_sshd"), ["harbor_leave"])


@pytest.fixture
def sftp_hub(local_hub, sshd, monkeypatch):
    """``local_hub`` with Harbor on the real sshd (no OpenPGP) and a leave pattern with a free-text part."""
    vendor_file = local_hub.mappings / "harbor_leave" / "vendor.yaml"
    vendor = yaml.safe_load(vendor_file.read_text(encoding="utf-8"))
    vendor["transport"] = {"type": "sftp", "connection_id": "harbor_leave_sftp", "inbound_dir": "outbound",
                           "outbound_dir": "inbound", "archive_dir": "archive"}
    vendor["feeds"]["leave_periods"]["file_pattern"] = "HARBOR_LEAVE_{batch}_{date:%Y%m%d}.csv"
    vendor_file.write_text(yaml.safe_dump(vendor, sort_keys=False), encoding="utf-8")
    home = sshd.vendor_dir("harbor_leave")
    for sub in ("inbound", "outbound", "archive"):
        (home / sub).mkdir(exist_ok=True)
        for stale in (home / sub).iterdir():
            stale.unlink()
    monkeypatch.setenv("AIRFLOW_CONN_HARBOR_LEAVE_SFTP", sshd.connection_uri("harbor_leave"))
    return local_hub
