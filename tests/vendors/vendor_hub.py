"""A hub for the config-only test vendors under ``tests/vendors/data``: their folders copied into a private
mappings root, vendor.yaml rewritten for local folders (or kept on SFTP + OpenPGP), a private home and key.

A plain module with a unique name (not ``conftest``) so the tests import it whatever else is on sys.path.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from local_hubs import HubOnEnv
from pg_databases import db_upgrade

from leavehub.store.pii import generate_key

DATA = Path(__file__).parent / "data"
LOCAL = {"type": "local", "inbound_dir": "outbound", "outbound_dir": "inbound", "archive_dir": "archive"}


@dataclass
class VendorHub(HubOnEnv):
    home: Path
    mappings: Path
    env: dict[str, str]

    def reports(self) -> list[dict[str, Any]]:
        """Every quarantine report, oldest first."""
        from leavehub.pipeline.quarantine import list_quarantine

        return [json.loads(e.report.read_text(encoding="utf-8"))
                for e in list_quarantine(self.settings.quarantine_dir)]


def vendor_hub(tmp_path: Path, vendor: str, transport: dict[str, Any] | None = LOCAL,
               extra_env: dict[str, str] | None = None) -> VendorHub:
    """Copy ``data/<vendor>`` into a fresh mappings root; ``transport`` replaces vendor.yaml's (and drops
    OpenPGP, and ``.pgp`` from the file patterns) unless it is None (SFTP + OpenPGP as configured)."""
    home, mappings = tmp_path / "home", tmp_path / "mappings"
    shutil.copytree(DATA / vendor, mappings / vendor, ignore=shutil.ignore_patterns("samples"))
    if transport is not None:
        path = mappings / vendor / "vendor.yaml"
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        config["transport"] = transport
        config.pop("pgp", None)
        for feed in config["feeds"].values():
            for key in ("file_pattern",):
                if key in feed:
                    feed[key] = feed[key].removesuffix(".pgp")
            for member, pattern in (feed.get("file_set") or {}).items():
                feed["file_set"][member] = pattern.removesuffix(".pgp")
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = {"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings),
           "LEAVEHUB_DB_URL": db_upgrade(f"sqlite:///{home / 'leavehub.db'}"), "LEAVEHUB_PII_KEY": generate_key(),
           **(extra_env or {})}
    return VendorHub(home, mappings, env)


def sample(vendor: str, name: str) -> bytes:
    return (DATA / vendor / "samples" / name).read_bytes()


def vendor_hub_in_env(tmp_path: Path, monkeypatch: Any, vendor: str) -> VendorHub:
    """``vendor_hub`` on local folders with its environment set for the test (``LEAVEHUB_ENV`` unset)."""
    hub = vendor_hub(tmp_path, vendor)
    for key, value in hub.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("LEAVEHUB_ENV", raising=False)
    return hub
