"""End-to-end fixtures: the whole sandbox (OpenSSH sshd with Harbor's sealed files, the Northwind HRIS process,
run-time OpenPGP keys) for the session, with marker PII planted, DEBUG logging captured to a file, and one hub
home that the first full run fills.

The session's environment carries the stack's ``AIRFLOW_CONN_*`` connections, a fresh ``LEAVEHUB_PII_KEY`` and
``LEAVEHUB_HOME`` (store: SQLite under that home). Without sshd or gpg the tests skip with the reason; they are
``realpeer`` tests, so under CI=true that skip is a failure.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e_support import BUSINESS_DATE, EMPLOYEES, HARBOR_IN_FEEDS, HRIS_FEEDS
from pg_databases import db_upgrade

from leavehub.settings import Settings
from leavehub.store.pii import generate_key
from sandbox.keys import KeyPair, gpg_home, run_gpg
from sandbox.synthetic import Markers, plant_markers


@dataclass
class Sandbox:
    stack: Any
    markers: Markers
    root: Path

    def key(self, name: str) -> KeyPair:
        keys = self.stack.root / "keys"
        return KeyPair(name=name, fingerprint=(keys / f"{name}.fpr").read_text().strip(),
                       public_armored=(keys / f"{name}.pub.asc").read_text(),
                       secret_armored=(keys / f"{name}.sec.asc").read_text())

    def harbor_open(self, sealed: Path) -> tuple[bytes, str]:
        """Decrypt a file the hub sent, as Harbor would: (plaintext, gpg status lines)."""
        with gpg_home() as home:
            run_gpg(home, "--import", stdin=self.key("harbor_leave").secret_armored.encode())
            run_gpg(home, "--import", stdin=self.key("hub").public_armored.encode())
            status = home / "status.txt"
            plain = run_gpg(home, "--trust-model", "always", "--status-file", str(status), "--decrypt",
                            str(sealed))
            return plain, status.read_text()


@dataclass
class FirstRun:
    """What the first full run did, per feed."""

    settings: Settings
    outcomes: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="session")
def debug_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every log record of the session at DEBUG, in one file (the PII audit reads it)."""
    path = tmp_path_factory.mktemp("logs") / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory, debug_log: Path) -> Iterator[Sandbox]:
    """The simulators, seeded with a small employer on whom marker SSNs, birth dates and names are planted."""
    import sandbox.stack as stack_module

    for tool in ("sshd", "gpg", "ssh-keygen"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            pytest.skip(f"{tool} is not installed")
    real_generate = stack_module.generate_employer

    def generate_with_markers(*args: Any, **kwargs: Any) -> Any:
        emp = real_generate(*args, **kwargs)
        plant_markers(emp)
        return emp

    root = tmp_path_factory.mktemp("e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(stack_module, "generate_employer", generate_with_markers)
        stack = stack_module.SandboxStack(root / "sandbox", employees=EMPLOYEES)
        try:
            stack.start()
        except (OSError, RuntimeError) as exc:
            pytest.skip(f"sandbox did not start: {exc}")
    try:
        yield Sandbox(stack=stack, markers=plant_markers(stack.employer), root=root)
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def hub_env(sandbox: Sandbox) -> Iterator[dict[str, str]]:
    """The session's environment: the stack's connections, a PII key, and the hub home."""
    env = {**sandbox.stack.env, "LEAVEHUB_HOME": str(sandbox.root / "hub"), "LEAVEHUB_PII_KEY": generate_key()}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        mp.delenv("LEAVEHUB_DB_URL", raising=False)
        mp.delenv("LEAVEHUB_MAPPINGS", raising=False)
        db_upgrade(Settings.from_env().db_url)
        yield env


@pytest.fixture(scope="session")
def first_run(sandbox: Sandbox, hub_env: dict[str, str]) -> FirstRun:
    """HRIS pulls over HTTP, the census out over SFTP + OpenPGP, Harbor's files in: once, in that order."""
    from leavehub.pipeline.runner import run_feed

    done = FirstRun(settings=Settings.from_env())
    for feed in HRIS_FEEDS:
        done.outcomes[f"northwind_hris.{feed}"] = run_feed(f"northwind_hris.{feed}", business_date=BUSINESS_DATE)
    done.outcomes["harbor_leave.eligibility"] = run_feed("harbor_leave.eligibility", business_date=BUSINESS_DATE)
    for feed in HARBOR_IN_FEEDS:
        done.outcomes[f"harbor_leave.{feed}"] = run_feed(f"harbor_leave.{feed}", business_date=BUSINESS_DATE)
    return done
