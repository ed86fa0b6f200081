"""Where LeaveHub keeps things, from the environment with embedded defaults for the sandbox.

Settings are loaded once per process (``Settings.from_env()`` at the entry point: the CLI command, the Airflow
task) and passed down; the employer file is parsed once, on first use of ``settings.employer``. This module is
the one home of the defaults: the repository root, the work folder and the store URL.

Nothing secret lives here: keys and passwords come from Airflow connections or the environment, never from a
repo file.

| setting        | environment            | default                                  |
|----------------|------------------------|------------------------------------------|
| mappings root  | LEAVEHUB_MAPPINGS      | <repo>/mappings                          |
| employer file  | LEAVEHUB_EMPLOYER      | <repo>/employer.yaml                     |
| work folder    | LEAVEHUB_HOME          | <repo>/var                               |
| store URL      | LEAVEHUB_DB_URL        | sqlite:///<home>/leavehub.db             |

Example::

    settings = Settings.from_env()
    settings.quarantine_dir  # Path(".../var/quarantine")
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_EMPLOYER_FILE", "REPO_ROOT", "Settings"]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EMPLOYER_FILE = REPO_ROOT / "employer.yaml"


@dataclass(frozen=True)
class Settings:
    mappings_root: Path
    employer_file: Path
    home: Path
    db_url: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("LEAVEHUB_HOME") or REPO_ROOT / "var").resolve()
        return cls(
            mappings_root=Path(env.get("LEAVEHUB_MAPPINGS") or REPO_ROOT / "mappings").resolve(),
            employer_file=Path(env.get("LEAVEHUB_EMPLOYER") or DEFAULT_EMPLOYER_FILE).resolve(),
            home=home,
            db_url=env.get("LEAVEHUB_DB_URL") or f"sqlite:///{home / 'leavehub.db'}",
        )

    @cached_property
    def employer(self) -> Any:
        """The employer config (``leavehub.config.employer.EmployerConfig``), parsed once per settings."""
        from leavehub.config.employer import load_employer

        return load_employer(self.employer_file)

    @property
    def quarantine_dir(self) -> Path:
        """Rejected files, kept as received (or encrypted), each beside its machine-readable error report."""
        return self.home / "quarantine"

    @property
    def local_exchange_dir(self) -> Path:
        """Root of the local-folder transport: <root>/<vendor>/{inbound,outbound,archive}."""
        return self.home / "exchange"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"
