"""A LeaveHub on local folders, shared by the pipeline tests and the fault suite (imported by their conftests).

``local_hub`` gives each test a temporary LEAVEHUB_HOME, a temporary mappings root holding a copy of
``mappings/harbor_leave`` whose vendor.yaml is rewritten for ``type: local`` without ``pgp`` (and without the
``.pgp`` suffix in its file patterns), a fresh PII key, and a store URL: a SQLite file under the home (upgraded
as ``leavehub db upgrade`` would), or a PostgreSQL database this session created (127.0.0.1:5432, trust auth),
migrated once, truncated before each test and dropped at the end. Without PostgreSQL the postgres tests skip;
under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pg_databases import db_upgrade, scratch_database

from leavehub.settings import REPO_ROOT, Settings
from leavehub.store.pii import generate_key


def local_vendor_yaml(source: Path) -> dict[str, Any]:
    """The reference vendor.yaml rewritten for local folders: no SFTP connection, no OpenPGP."""
    vendor = yaml.safe_load(source.read_text(encoding="utf-8"))
    vendor["transport"] = {"type": "local", "inbound_dir": "outbound", "outbound_dir": "inbound",
                           "archive_dir": "archive"}
    vendor.pop("pgp", None)
    for feed in vendor["feeds"].values():
        if "file_pattern" in feed:
            feed["file_pattern"] = feed["file_pattern"].removesuffix(".pgp")
    return vendor


class HubOnEnv:
    """A test hub's settings and store, read from its environment ``env`` (LocalHub and VendorHub share this)."""

    env: dict[str, str]

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def open_store(self) -> Any:
        from leavehub.pipeline.runner import open_store

        return open_store(self.settings)


@dataclass
class LocalHub(HubOnEnv):
    home: Path
    mappings: Path
    db_url: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def pipeline_pg_url() -> Iterator[str]:
    """A database of this session's own, migrated once; dropped at the end."""
    from leavehub.store import PiiCipher, Store

    with scratch_database("leavehub_pipeline") as url:
        store = Store.open(url, cipher=PiiCipher(os.urandom(32)))
        store.migrate()
        store.dispose()
        yield url


def _truncate(url: str) -> None:
    from sqlalchemy import create_engine, text

    from leavehub.store.tables import METADATA

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            tables = ", ".join(t.name for t in METADATA.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.realpeer])])
def local_hub(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHub]:
    """A hub on local folders, its environment set for ``Settings.from_env`` and the CLI."""
    home, mappings = tmp_path / "home", tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings" / "harbor_leave", mappings / "harbor_leave")
    derived = local_vendor_yaml(REPO_ROOT / "mappings" / "harbor_leave" / "vendor.yaml")
    (mappings / "harbor_leave" / "vendor.yaml").write_text(yaml.safe_dump(derived, sort_keys=False),
                                                          encoding="utf-8")
    if request.param == "postgres":
        url = request.getfixturevalue("pipeline_pg_url")
        _truncate(url)
    else:
        url = db_upgrade(f"sqlite:///{home / 'leavehub.db'}")
    env = {"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings), "LEAVEHUB_DB_URL": url,
           "LEAVEHUB_PII_KEY": generate_key()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEAVEHUB_ENV", raising=False)
    yield LocalHub(home=home, mappings=mappings, db_url=url, env={**os.environ, **env})


def add_vendor(hub: LocalHub, vendor: str, *, inbound_dir: str | None = None, outbound_dir: str | None = None
               ) -> LocalHub:
    """Copy ``mappings/<vendor>`` into the hub's mappings root. With folders, its file transport becomes local
    folders under the hub's exchange (``inbound_dir``: what the hub picks up, ``outbound_dir``: where it puts),
    without OpenPGP; without them (an API vendor) it is copied as it is."""
    target = hub.mappings / vendor
    shutil.copytree(REPO_ROOT / "mappings" / vendor, target)
    if inbound_dir is not None or outbound_dir is not None:
        config = local_vendor_yaml(REPO_ROOT / "mappings" / vendor / "vendor.yaml")
        config["transport"] = {"type": "local", "inbound_dir": inbound_dir or "outbound",
                               "outbound_dir": outbound_dir or "inbound", "archive_dir": "archive"}
        (target / "vendor.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return hub


def with_ledgerpay(hub: LocalHub) -> LocalHub:
    """``hub`` plus LedgerPay on local folders: its calendar and register picked up from ``export``, the pay-data
    import put in ``import``."""
    return add_vendor(hub, "ledgerpay", inbound_dir="export", outbound_dir="import")


def write_leave(folder: Path, name: str, rows: list[dict[str, str]]) -> Path:
    """``rows`` as a HARBOR_LEAVE CSV named ``name`` in ``folder`` (created if missing), exactly as Harbor
    writes it (RFC 4180, CRLF, header row)."""
    from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, render_csv

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(render_csv(LEAVE_COLUMNS, ([row[c] for c in LEAVE_COLUMNS] for row in rows)))
    return path


@pytest.fixture(scope="session")
def harbor_leave_rows() -> list[dict[str, str]]:
    """Rows of the synthetic employer's HARBOR_LEAVE files (the generator is independent of the product)."""
    import csv
    import io
    import tempfile

    from sandbox.synthetic import generate_employer, write_harbor_files

    with tempfile.TemporaryDirectory() as folder:
        paths = write_harbor_files(generate_employer(seed=7, employees=300), Path(folder))
        rows: list[dict[str, str]] = []
        for path in paths:
            if path.name.startswith("HARBOR_LEAVE_"):
                rows += list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    assert len(rows) > 20, "the generator should produce a year of leave periods"
    return rows
