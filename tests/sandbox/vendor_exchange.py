"""A hub wired to one vendor over real peers, shared by the sandbox exchange tests (LedgerPay, Summit Mutual).

``vendor_exchange`` starts OpenSSH sshd for the vendor, makes OpenPGP key pairs for the hub and the vendor,
copies the vendor's mappings, points the hub at them through the environment (``LEAVEHUB_*`` and the vendor's
``AIRFLOW_CONN_<VENDOR>_PGP``), upgrades a fresh SQLite store as ``leavehub db upgrade`` would (a run never
migrates) and opens it. Each test module then stages its own data and starts its own simulator.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pg_databases import db_upgrade

from leavehub.settings import REPO_ROOT, Settings
from leavehub.store.pii import generate_key

__all__ = ["VendorExchange", "vendor_exchange"]


@dataclass(frozen=True)
class VendorExchange:
    """What a vendor's simulator and the test need: the sshd, both key pairs, the settings and the open store."""

    sshd: Any
    hub_key: Any
    vendor_key: Any
    settings: Settings
    store: Any


@contextlib.contextmanager
def vendor_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendor: str,
                    key_name: str) -> Iterator[VendorExchange]:
    """The hub and an sshd serving ``vendor`` (key pair ``key_name``); the store is disposed afterwards."""
    from leavehub.pipeline.runner import open_store
    from sandbox.keys import generate_key_pair
    from sandbox.sshd import SshdServer

    if shutil.which("sshd") is None and not Path("/usr/sbin/sshd").exists():
        pytest.skip("OpenSSH sshd not installed")
    hub_key = generate_key_pair(tmp_path / "keys", "hub")
    vendor_key = generate_key_pair(tmp_path / "keys", key_name)
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings" / vendor, mappings / vendor)
    with SshdServer(tmp_path / "sshd", [vendor]) as sshd:
        env = {**sshd.airflow_env(), "LEAVEHUB_HOME": str(tmp_path / "home"), "LEAVEHUB_MAPPINGS": str(mappings),
               "LEAVEHUB_DB_URL": f"sqlite:///{tmp_path / 'home' / 'leavehub.db'}",
               "LEAVEHUB_PII_KEY": generate_key(),
               f"AIRFLOW_CONN_{vendor.upper()}_PGP": json.dumps(
                   {"conn_type": "generic", "extra": hub_key.connection_extra([vendor_key])})}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = Settings.from_env()
        settings.home.mkdir(parents=True, exist_ok=True)
        db_upgrade(settings.db_url)  # what `leavehub db upgrade` does; a run never migrates
        store = open_store(settings)
        try:
            yield VendorExchange(sshd, hub_key, vendor_key, settings, store)
        finally:
            store.dispose()
