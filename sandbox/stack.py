"""The whole sandbox on one machine: keys, a synthetic employer, Harbor's SFTP (OpenSSH sshd on loopback, files
encrypted and signed as Harbor would send them), Summit Mutual's SFTP on the same sshd (its simulator answers
each 834 with the TA1/999 pyx12 computes: ``stack.summit.answer_pending()``), LedgerPay's SFTP on the same sshd
(its payroll simulator applies pay-data imports and writes registers: ``stack.ledgerpay``) and Northwind's HRIS
API (a real HTTP server process).

``SandboxStack.env`` holds the ``AIRFLOW_CONN_*`` connections the reference vendor.yaml files name, so the same
``leavehub run`` (or Airflow task) that talks to a real vendor talks to the simulators.

Example::

    with SandboxStack(Path("var/sandbox"), employees=2000) as stack:
        os.environ.update(stack.env)
        run_feed("harbor_leave.leave_periods")
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, Self

from sandbox.hris_api import HrisSimulator
from sandbox.keys import generate_key_pair, vendor_sealer
from sandbox.ledgerpay import LedgerPaySimulator
from sandbox.sshd import SshdServer
from sandbox.summit import SummitSimulator
from sandbox.synthetic import generate_employer, write_harbor_files, write_hris_records

__all__ = ["SFTP_VENDORS", "SandboxStack"]

SFTP_VENDORS = ("harbor_leave", "summit_mutual", "ledgerpay")
HRIS_CLIENT_ID = "leavehub-sandbox"


class SandboxStack:
    """Start every simulator and seed it with one synthetic employer; ``stop`` leaves no process behind."""

    def __init__(self, root: Path, *, employees: int = 2000, seed: int = 7, year: int = 2026,
                 through: date | None = None, hris_rate_limit: float = 0) -> None:
        self.root = Path(root).resolve()
        self.employees, self.seed, self.year, self.through = employees, seed, year, through
        self.hris_rate_limit = hris_rate_limit
        self.sshd: SshdServer | None = None
        self.hris: HrisSimulator | None = None
        self.summit: SummitSimulator | None = None
        self.ledgerpay: LedgerPaySimulator | None = None
        self.env: dict[str, str] = {}
        self.employer: Any = None
        self.harbor_files: list[str] = []

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Self:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        try:
            # gpg works in processes of its own: the keys are made, and Harbor's files sealed, on a background
            # thread while this one generates the employer, writes the HRIS records and starts the API
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-gpg") as background:
                keys = self.root / "keys"
                made = background.submit(lambda: [generate_key_pair(keys, name) for name in
                                                  ("hub", "harbor_leave", "summit_mutual", "ledgerpay")])
                self.employer = generate_employer(seed=self.seed, employees=self.employees, year=self.year)
                hub, harbor, summit, payroll = made.result()
                self.sshd = SshdServer(self.root / "sshd", list(SFTP_VENDORS)).start()
                seeded = background.submit(self._seed_harbor, hub, harbor)
                self.summit = SummitSimulator(self.sshd.vendor_dir("summit_mutual"), hub=hub, summit=summit)
                self.ledgerpay = LedgerPaySimulator(self.sshd.vendor_dir("ledgerpay"), hub=hub,
                                                    ledgerpay=payroll)
                hris_data = self.root / "hris"
                write_hris_records(self.employer, hris_data)
                secret = secrets.token_urlsafe(24)
                self.hris = HrisSimulator(hris_data, client_id=HRIS_CLIENT_ID, client_secret=secret,
                                          rate_limit=self.hris_rate_limit, log_path=self.root / "hris.log").start()
                seeded.result()
            self.env = {
                **self.sshd.airflow_env(),
                "AIRFLOW_CONN_HARBOR_LEAVE_PGP": json.dumps(
                    {"conn_type": "generic", "extra": hub.connection_extra([harbor])}),
                "AIRFLOW_CONN_SUMMIT_MUTUAL_PGP": json.dumps(
                    {"conn_type": "generic", "extra": hub.connection_extra([summit])}),
                "AIRFLOW_CONN_LEDGERPAY_PGP": json.dumps(
                    {"conn_type": "generic", "extra": hub.connection_extra([payroll])}),
                "AIRFLOW_CONN_NORTHWIND_HRIS_API": json.dumps({
                    "conn_type": "http", "host": "127.0.0.1", "port": self.hris.port, "schema": "http",
                    "login": HRIS_CLIENT_ID, "password": secret,
                    "extra": {"token_path": "/oauth/token", "allow_insecure_http": True}}),
                "LEAVEHUB_ENV": "sandbox",
            }
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.summit is not None:
            self.summit.stop()
            self.summit = None
        if self.hris is not None:
            self.hris.stop()
            self.hris = None
        if self.sshd is not None:
            self.sshd.stop()
            self.sshd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- vendors' side -------------------------------------------------------------------------------

    def harbor_dir(self, folder: str) -> Path:
        """A folder of Harbor's SFTP home: ``outbound`` (Harbor's drops), ``inbound`` (ours), ``archive``."""
        assert self.sshd is not None
        path = self.sshd.vendor_dir("harbor_leave") / folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _seed_harbor(self, hub: Any, harbor: Any) -> None:
        """Harbor's CHANGE files for the year, encrypted to the hub and signed by Harbor, in its outbound/."""
        for folder in ("inbound", "outbound", "archive"):
            self.harbor_dir(folder)
        # One GNUPGHOME for the whole batch: Harbor's own gpg, independent of connectors.pgp.
        with tempfile.TemporaryDirectory(prefix="harbor-plain-") as plain, \
                vendor_sealer([hub], harbor) as sealer:
            paths = write_harbor_files(self.employer, Path(plain), through=self.through)
            pairs = [(path, self.harbor_dir("outbound") / f"{path.name}.pgp") for path in paths]
            sealer.seal_all(pairs)
            self.harbor_files += [sealed.name for _, sealed in pairs]

    def describe(self) -> dict[str, Any]:
        """What is running where (no secrets): for ``leavehub sandbox status`` and the demo summary."""
        return {
            "root": str(self.root),
            "sftp": {"host": "127.0.0.1", "port": self.sshd.port if self.sshd else None,
                     "harbor_outbound_files": len(self.harbor_files)},
            "hris_api": self.hris.url if self.hris else None,
            "summit_834s_answered": len(self.summit.answers) if self.summit else None,
            "employees": self.employees,
            "seed": self.seed,
        }
