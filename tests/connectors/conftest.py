"""OpenPGP key fixtures for connector tests: real gpg and sq key pairs generated at run time (never committed).

A test that needs ``gpg`` or ``sq`` requests ``gpg_peer`` / ``sq_peer``: it skips with a message when the tool
is missing, and FAILS instead under ``CI=true``. ``no_gpg_leftovers`` checks that an operation left no
gpg-agent process and no temporary GNUPGHOME behind.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import psutil
import pytest

from connectors.pgp import PgpKeys
from sandbox.keys import (
    KeyPair,
    generate_expired_key_pair,
    generate_key_pair,
    generate_revoked_key_pair,
    generate_sq_key_pair,
)

PGP_HOME_PREFIX = "lhpgp-"


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        msg = f"real peer missing: {', '.join(missing)} not installed"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI=true: realpeer tests must run)")
        pytest.skip(msg)


@pytest.fixture(scope="session")
def gpg_peer() -> None:
    """GnuPG (gpg + gpgconf) must be installed."""
    _require("gpg", "gpgconf")


@pytest.fixture(scope="session")
def sq_peer() -> None:
    """Sequoia's sq must be installed."""
    _require("sq")


@pytest.fixture(scope="session")
def pgp_keyring(tmp_path_factory: pytest.TempPathFactory, gpg_peer: None) -> SimpleNamespace:
    """Every key a test needs, made once per session.

    The hub's key is back-dated 120 days so that a vendor key that expired since can have signed a file
    to the hub while it was still valid.
    """
    folder = tmp_path_factory.mktemp("pgpkeys")
    now = datetime.now(UTC)
    revoked_valid, revoked = generate_revoked_key_pair(folder, "revoked")
    return SimpleNamespace(
        hub=generate_key_pair(folder, "hub", created_at=now - timedelta(days=120), expires="3y"),
        hub_pw=generate_key_pair(folder, "hubpw", passphrase="correct horse battery"),
        harbor=generate_key_pair(folder, "harbor"),
        harbor_next=generate_key_pair(folder, "harbornext"),
        mallory=generate_key_pair(folder, "mallory"),
        expired=generate_expired_key_pair(folder, "expired", created_days_ago=60, valid_days=30),
        expired_signed_at=now - timedelta(days=45),
        expiring=generate_key_pair(folder, "expiring", expires="10d"),
        revoked_valid=revoked_valid,
        revoked=revoked,
    )


@pytest.fixture(scope="session")
def sq_vendor(tmp_path_factory: pytest.TempPathFactory, sq_peer: None) -> KeyPair:
    """A vendor key made by sq: signatures come from a signing subkey, not the primary."""
    return generate_sq_key_pair(tmp_path_factory.mktemp("sqkeys"), "sqvendor")


@pytest.fixture
def keys_for(pgp_keyring: SimpleNamespace) -> Callable[..., PgpKeys]:
    """``keys_for(me, *vendors)``: the PgpKeys of a connection where ``me`` holds the secret key."""

    def make(me: KeyPair, *vendors: KeyPair, passphrase: str | None = None) -> PgpKeys:
        extra = me.connection_extra(list(vendors))
        if passphrase is not None:
            extra["passphrase"] = passphrase
        return PgpKeys.from_connection(SimpleNamespace(extra=extra))

    return make


@pytest.fixture
def hub_keys(pgp_keyring: SimpleNamespace, keys_for: Callable[..., PgpKeys]) -> PgpKeys:
    """The hub's connection to Harbor: our secret key, Harbor's public key and pinned fingerprint."""
    return keys_for(pgp_keyring.hub, pgp_keyring.harbor)


def _pgp_homes() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), PGP_HOME_PREFIX + "*"))) | set(
        glob.glob(f"/tmp/{PGP_HOME_PREFIX}*"))


def _pgp_agents() -> list[int]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "gpg-agent" in (proc.info["name"] or "") + cmd and PGP_HOME_PREFIX in cmd:
            found.append(proc.pid)
    return found


@pytest.fixture
def no_gpg_leftovers() -> Iterator[None]:
    """After the test: no gpg-agent of ours running (waits up to 5 s), no temporary GNUPGHOME left."""
    before = _pgp_homes()
    yield
    deadline = time.monotonic() + 5
    while _pgp_agents() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _pgp_agents() == [], "a gpg-agent started for a temporary GNUPGHOME is still running"
    assert _pgp_homes() - before == set(), "a temporary GNUPGHOME was left behind"
