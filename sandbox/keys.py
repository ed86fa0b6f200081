"""OpenPGP key pairs for the sandbox and the tests, generated at run time with the ``gpg`` command line.

Why: the hub and every simulated vendor need their own key pair, and tests need keys in awkward states
(expired, expiring soon, revoked). Keys are never committed; they are made in seconds (ed25519 for
signing and certification, cv25519 for encryption) into a folder the caller owns, usually a pytest
``tmp_path``. This module plays the *vendor's* side too (:func:`vendor_seal`): it drives ``gpg``
directly, never ``connectors.pgp``, so tests compare our code against an independent invocation.

Example::

    hub = generate_key_pair(tmp_path, "hub")
    harbor = generate_key_pair(tmp_path, "harbor", expires="10d")
    vendor_seal(csv, csv_pgp, recipients=[hub], signer=harbor)
    with vendor_sealer([hub], harbor) as sealer:  # many files: one GNUPGHOME, keys imported once
        sealer.seal_all([(csv, csv_pgp), (csv2, csv2_pgp)])
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = [
    "KeyPair",
    "VendorSealer",
    "generate_expired_key_pair",
    "generate_key_pair",
    "generate_revoked_key_pair",
    "generate_sq_key_pair",
    "gpg_home",
    "run_gpg",
    "vendor_seal",
    "vendor_sealer",
]

GPG_TIMEOUT_S = 120


@dataclass(frozen=True)
class KeyPair:
    """One generated OpenPGP key: armored public and secret key text plus fingerprints, as files too."""

    name: str
    fingerprint: str
    public_armored: str = field(repr=False)
    secret_armored: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)
    subkey_fingerprints: tuple[str, ...] = ()
    public_path: Path | None = None
    secret_path: Path | None = None

    def connection_extra(self, vendors: Sequence[KeyPair]) -> dict[str, object]:
        """The ``extra`` dict of a connection whose private key is this one and whose peers are ``vendors``.

        Example: ``SimpleNamespace(extra=hub.connection_extra([harbor]))`` feeds ``PgpKeys.from_connection``.
        """
        return {
            "private_key": self.secret_armored,
            "passphrase": self.passphrase,
            "vendor_public_keys": [v.public_armored for v in vendors],
            "vendor_fingerprints": [v.fingerprint for v in vendors],
            "recipient_fingerprints": [v.fingerprint for v in vendors],
        }


def _short_tmp() -> str:
    # gpg-agent puts its sockets in the homedir when /run/user/<uid> is absent; a Unix socket path is
    # limited to ~107 bytes, so the homedir must stay short whatever TMPDIR says.
    base = tempfile.gettempdir()
    return base if len(base) <= 40 else "/tmp"


@contextlib.contextmanager
def gpg_home(prefix: str = "lhsbx-") -> Iterator[Path]:
    """A throw-away GNUPGHOME (0700); its gpg-agent is stopped and the folder removed on exit.

    Example: ``with gpg_home() as home: _gpg(home, "--list-keys")``
    """
    home = Path(tempfile.mkdtemp(prefix=prefix, dir=_short_tmp()))
    try:
        yield home
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True,
                       timeout=30, check=False)
        shutil.rmtree(home, ignore_errors=True)


def _gpg(home: Path, *args: str, stdin: bytes | None = None, faked_time: datetime | None = None) -> bytes:
    cmd = ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--pinentry-mode", "loopback"]
    if faked_time is not None:
        cmd += ["--faked-system-time", faked_time.astimezone(UTC).strftime("%Y%m%dT%H%M%S") + "!"]
    cmd += list(args)
    proc = subprocess.run(cmd, input=stdin if stdin is not None else b"", capture_output=True,
                          timeout=GPG_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"gpg failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return proc.stdout


run_gpg = _gpg  #: public name of the raw ``gpg --homedir H --batch ...`` runner (sandbox simulators use it)


def _fingerprints(home: Path) -> tuple[str, tuple[str, ...]]:
    out = _gpg(home, "--with-colons", "--fixed-list-mode", "--list-keys").decode()
    fprs: list[str] = []
    for line in out.splitlines():
        if line.startswith("fpr:"):
            fprs.append(line.split(":")[9])
    if not fprs:
        raise RuntimeError("no key generated")
    return fprs[0], tuple(fprs[1:])


def _generate_into(home: Path, name: str, *, expires: str, passphrase: str | None,
                   faked_time: datetime | None, algo: str) -> str:
    uid = f"LeaveHub sandbox {name} <{name}@sandbox.invalid>"
    pp_args = ["--passphrase-fd", "0"] if passphrase else ["--passphrase", ""]
    pp_in = (passphrase + "\n").encode() if passphrase else None
    if algo == "rsa3072":
        primary, sub = "rsa3072", "rsa3072"
    else:
        primary, sub = "ed25519", "cv25519"
    _gpg(home, *pp_args, "--quick-gen-key", uid, primary, "sign,cert", expires,
         stdin=pp_in, faked_time=faked_time)
    fpr, _ = _fingerprints(home)
    _gpg(home, *pp_args, "--quick-add-key", fpr, sub, "encr", expires, stdin=pp_in, faked_time=faked_time)
    return fpr


def _export(home: Path, folder: Path, name: str, fpr: str, passphrase: str | None) -> KeyPair:
    pub = _gpg(home, "--armor", "--export", fpr).decode()
    pp_args = ["--passphrase-fd", "0"] if passphrase else []
    sec = _gpg(home, *pp_args, "--armor", "--export-secret-keys", fpr,
               stdin=(passphrase + "\n").encode() if passphrase else None).decode()
    folder.mkdir(parents=True, exist_ok=True)
    pub_path, sec_path = folder / f"{name}.pub.asc", folder / f"{name}.sec.asc"
    pub_path.write_text(pub)
    fd = os.open(sec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(sec)
    (folder / f"{name}.fpr").write_text(fpr + "\n")
    primary, subs = _fingerprints(home)
    return KeyPair(name=name, fingerprint=primary, public_armored=pub, secret_armored=sec,
                   passphrase=passphrase, subkey_fingerprints=subs, public_path=pub_path, secret_path=sec_path)


def generate_key_pair(folder: Path, name: str, *, expires: str = "2y", passphrase: str | None = None,
                      algo: str = "ed25519", created_at: datetime | None = None) -> KeyPair:
    """Generate a key pair and write ``<name>.pub.asc``, ``<name>.sec.asc`` (0600), ``<name>.fpr``.

    ``expires`` is gpg's syntax (``"10d"``, ``"2y"``, ``"never"``); ``algo`` is ``"ed25519"`` (fast, the
    default) or ``"rsa3072"`` for peers that need RSA; ``created_at`` back-dates the key (gpg
    ``--faked-system-time``).

    Example: ``generate_key_pair(tmp_path, "harbor", expires="10d")``
    """
    with gpg_home() as home:
        fpr = _generate_into(home, name, expires=expires, passphrase=passphrase, faked_time=created_at,
                             algo=algo)
        return _export(home, folder, name, fpr, passphrase)


def generate_expired_key_pair(folder: Path, name: str, *, created_days_ago: int = 60,
                              valid_days: int = 30) -> KeyPair:
    """A key created ``created_days_ago`` days ago that expired after ``valid_days``: for refusal tests.

    To sign with it while it was still valid use ``vendor_seal(..., at=<a time inside its validity>)``; the
    recipient's key must exist at that time too (back-date it with ``created_at``).
    """
    created = datetime.now(UTC) - timedelta(days=created_days_ago)
    return generate_key_pair(folder, name, expires=f"{valid_days}d", created_at=created)


def generate_revoked_key_pair(folder: Path, name: str) -> tuple[KeyPair, KeyPair]:
    """A key pair and the same key after its revocation certificate was applied: ``(valid, revoked)``.

    The vendor still signs with the secret key of ``valid``; the hub holds the public key of ``revoked``.
    """
    with gpg_home() as home:
        fpr = _generate_into(home, name, expires="2y", passphrase=None, faked_time=None, algo="ed25519")
        valid = _export(home, folder, name, fpr, None)
        rev = (home / "openpgp-revocs.d" / f"{fpr}.rev").read_text()
        # gpg writes the certificate with a leading ":" so that an accidental import does nothing.
        rev = rev.replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----")
        _gpg(home, "--import", stdin=rev.encode())
        revoked = _export(home, folder, f"{name}-revoked", fpr, None)
        return valid, revoked


def generate_sq_key_pair(folder: Path, name: str) -> KeyPair:
    """A key pair made by Sequoia's ``sq`` (cert-only primary, separate signing and encryption subkeys).

    Why: an interop peer that is not GnuPG, and a key whose signatures come from a *subkey*.
    Example: ``vendor = generate_sq_key_pair(tmp_path, "sqvendor")``
    """
    folder.mkdir(parents=True, exist_ok=True)
    sec_path, pub_path = folder / f"{name}.sec.asc", folder / f"{name}.pub.asc"

    def sq(*args: str) -> str:
        proc = subprocess.run(["sq", *args], capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=GPG_TIMEOUT_S, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"sq failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode()

    sq("key", "generate", "--userid", f"<{name}@sandbox.invalid>", "--export", str(sec_path))
    os.chmod(sec_path, 0o600)
    sq("key", "extract-cert", str(sec_path), "--output", str(pub_path))
    fprs = [line.split(":", 1)[1].strip() for line in sq("inspect", str(pub_path)).splitlines()
            if line.strip().startswith(("Fingerprint:", "Subkey:"))]
    (folder / f"{name}.fpr").write_text(fprs[0] + "\n")
    return KeyPair(name=name, fingerprint=fprs[0], public_armored=pub_path.read_text(),
                   secret_armored=sec_path.read_text(), subkey_fingerprints=tuple(fprs[1:]),
                   public_path=pub_path, secret_path=sec_path)


class VendorSealer:
    """Seals many files as a vendor would, in ONE GNUPGHOME: the keys are imported once (a fresh home and its
    imports cost more than sealing a small file). Made by :func:`vendor_sealer`; :meth:`seal_all` runs a few
    gpg processes at once, each worker in a home of its own: one gpg-agent signing for several gpg processes
    at once now and then fails a signature ("Unmatched parentheses in S-expression").

    Example: ``with vendor_sealer([hub], harbor) as sealer: sealer.seal_all([(csv, csv_pgp), ...])``
    """

    def __init__(self, home: Path, recipients: Sequence[KeyPair], signer: KeyPair | None, *, armor: bool,
                 at: datetime | None, compress_algo: str) -> None:
        self.home, self.at = home, at
        self.recipients, self.signer, self.armor, self.compress_algo = recipients, signer, armor, compress_algo
        for kp in recipients:
            _gpg(home, "--import", stdin=kp.public_armored.encode())
        self.args = ["--trust-model", "always", "--yes", "--compress-algo", compress_algo]
        for kp in recipients:
            self.args += ["--recipient", kp.fingerprint]
        self.stdin: bytes | None = None
        if signer is not None:
            _gpg(home, "--import", stdin=signer.secret_armored.encode())
            self.args += ["--sign", "--local-user", signer.fingerprint]
            if signer.passphrase:
                self.args += ["--passphrase-fd", "0"]
                self.stdin = (signer.passphrase + "\n").encode()
        if armor:
            self.args.append("--armor")

    def seal(self, src: Path, dest: Path) -> None:
        """Encrypt ``src`` to the recipients (and sign it) into ``dest``."""
        _gpg(self.home, *self.args, "--output", str(dest), "--encrypt", str(src), stdin=self.stdin,
             faked_time=self.at)

    def seal_all(self, pairs: Iterable[tuple[Path, Path]], *, workers: int | None = None) -> None:
        """:meth:`seal` every ``(src, dest)``, ``workers`` gpg processes at a time (default: one per CPU), each
        worker with its own GNUPGHOME and agent."""
        todo = list(pairs)
        count = max(1, min(workers or os.cpu_count() or 2, len(todo)))
        with contextlib.ExitStack() as homes:
            sealers = [self] + [homes.enter_context(vendor_sealer(
                self.recipients, self.signer, armor=self.armor, at=self.at, compress_algo=self.compress_algo))
                for _ in range(count - 1)]
            with ThreadPoolExecutor(max_workers=count) as pool:
                for done in [pool.submit(_seal_each, sealer, todo[n::count]) for n, sealer in enumerate(sealers)]:
                    done.result()


def _seal_each(sealer: VendorSealer, pairs: list[tuple[Path, Path]]) -> None:
    for src, dest in pairs:
        sealer.seal(src, dest)


@contextlib.contextmanager
def vendor_sealer(recipients: Sequence[KeyPair], signer: KeyPair | None, *, armor: bool = False,
                  at: datetime | None = None, compress_algo: str = "zlib") -> Iterator[VendorSealer]:
    """A :class:`VendorSealer` in a throw-away GNUPGHOME (its agent stopped and folder removed on exit).

    ``at`` fakes the clock (to sign with a key that has since expired).
    """
    with gpg_home() as home:
        yield VendorSealer(home, recipients, signer, armor=armor, at=at, compress_algo=compress_algo)


def vendor_seal(src: Path, dest: Path, *, recipients: Sequence[KeyPair], signer: KeyPair | None,
                armor: bool = False, at: datetime | None = None, compress_algo: str = "zlib") -> None:
    """Encrypt ``src`` to ``recipients`` and (unless ``signer`` is None) sign it, as a vendor would: one file
    (many share one GNUPGHOME with :func:`vendor_sealer`).

    ``at`` fakes the clock (to sign with a key that has since expired).

    Example: ``vendor_seal(csv, out, recipients=[hub], signer=harbor, armor=False)``
    """
    with vendor_sealer(recipients, signer, armor=armor, at=at, compress_algo=compress_algo) as sealer:
        sealer.seal(src, dest)
