"""connectors.pgp against real GnuPG and Sequoia (sq): round trips, every rejection, interop both ways."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType, SimpleNamespace

import pytest

from connectors import pgp
from connectors.pgp import PgpKeys, decrypt_verify, encrypt_sign, pgp_session
from connectors.staging import StagingArea
from sandbox.keys import KeyPair, gpg_home, vendor_seal
from schemas.errors import ConfigError, RejectedInput, SignatureError

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(120), pytest.mark.usefixtures("gpg_peer",
                                                                                     "no_gpg_leftovers")]

FIRST_LINE = b"CASE_NUMBER,ABSENCE_PERIOD_KEY,EMPLOYEE_ID,LEAVE_REASON\r\n"


@pytest.fixture
def plaintext(tmp_path: Path) -> Path:
    """A ~3 MB synthetic leave file (hex noise keeps gpg writing output before it reaches a bad MDC)."""
    rows = [b"NTN-%06d,ABS-%d,E%05d,%s\r\n" % (i, i, i, os.urandom(24).hex().encode()) for i in range(40_000)]
    path = tmp_path / "leave.csv"
    path.write_bytes(FIRST_LINE + b"".join(rows))
    return path


def _leftovers(folder: Path, *allowed: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p not in allowed)


def _sq(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["sq", *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=60, check=False)


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_encrypt_sign_then_decrypt_verify_round_trips(armor: bool, plaintext: Path, tmp_path: Path,
                                                      pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    sealed = encrypt_sign(plaintext, tmp_path / "out.pgp", keys=keys_for(pgp_keyring.harbor, pgp_keyring.hub),
                          armor=armor)
    head = sealed.path.read_bytes()[:40]
    assert head.startswith(b"-----BEGIN PGP MESSAGE-----") is armor
    assert sealed.sha256 == hashlib.sha256(sealed.path.read_bytes()).hexdigest()
    hub_keys = keys_for(pgp_keyring.hub, pgp_keyring.harbor)
    verified = decrypt_verify(sealed.path, tmp_path / "back.csv", keys=hub_keys)
    assert verified.path.read_bytes() == plaintext.read_bytes()
    expected_sha = hashlib.sha256(plaintext.read_bytes()).hexdigest()
    assert verified.sha256_plaintext == sealed.sha256_plaintext == expected_sha
    assert verified.sha256_received == sealed.sha256
    assert verified.signer_fingerprint == pgp_keyring.harbor.fingerprint
    assert abs(verified.signature_time - datetime.now(UTC)) < timedelta(minutes=5)


def test_vendor_file_made_by_gpg_cli_decrypts_with_plaintext_and_received_hashes(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, hub_keys: PgpKeys) -> None:
    src = tmp_path / "HARBOR_LEAVE_20250102.csv.pgp"
    vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.harbor)
    verified = decrypt_verify(src, tmp_path / "leave.out", keys=hub_keys)
    assert verified.size == plaintext.stat().st_size
    assert verified.sha256_received == hashlib.sha256(src.read_bytes()).hexdigest()
    assert (verified.path.stat().st_mode & 0o777) == 0o600


def test_staged_decrypt_never_writes_plaintext_and_reader_returns_it(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, hub_keys: PgpKeys) -> None:
    src = tmp_path / "in.pgp"
    vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.harbor)
    with StagingArea() as area:
        verified = decrypt_verify(src, area.path("leave.csv"), keys=hub_keys, staging_key=area.key)
        on_disk = verified.path.read_bytes()
        assert FIRST_LINE not in on_disk and b"NTN-000001" not in on_disk
        assert _leftovers(area.root) == ["leave.csv"]
        with verified.open() as fh:
            assert fh.read() == plaintext.read_bytes()


def test_encrypt_sign_reads_a_staged_source_through_the_segment_reader(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    with StagingArea() as area:
        with area.writer("elig.txt") as w:
            w.write(plaintext.read_bytes())
        sealed = encrypt_sign(area.path("elig.txt"), tmp_path / "elig.pgp",
                              keys=keys_for(pgp_keyring.harbor, pgp_keyring.hub), staging_key=area.key)
    assert sealed.plaintext_size == plaintext.stat().st_size
    hub_keys = keys_for(pgp_keyring.hub, pgp_keyring.harbor)
    verified = decrypt_verify(sealed.path, tmp_path / "elig.txt", keys=hub_keys)
    assert verified.path.read_bytes() == plaintext.read_bytes()


def test_tampered_staged_source_raises_and_leaves_no_encrypted_output(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    with StagingArea() as area:
        with area.writer("elig.txt") as w:
            w.write(plaintext.read_bytes())
        raw = bytearray(area.path("elig.txt").read_bytes())
        raw[len(raw) // 2] ^= 0x01
        area.path("elig.txt").write_bytes(bytes(raw))
        with pytest.raises(RejectedInput):
            encrypt_sign(area.path("elig.txt"), tmp_path / "elig.pgp",
                         keys=keys_for(pgp_keyring.harbor, pgp_keyring.hub), staging_key=area.key)
    assert _leftovers(tmp_path, plaintext) == []


def _flip_middle(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])


def _make_bad(kind: str, plaintext: Path, dest: Path, ring: SimpleNamespace) -> None:
    if kind == "unsigned":
        vendor_seal(plaintext, dest, recipients=[ring.hub], signer=None)
    elif kind == "wrong_signer":
        vendor_seal(plaintext, dest, recipients=[ring.hub], signer=ring.mallory)
    elif kind == "our_own_key_signed":
        vendor_seal(plaintext, dest, recipients=[ring.hub], signer=ring.hub)
    elif kind == "wrong_recipient":
        vendor_seal(plaintext, dest, recipients=[ring.mallory], signer=ring.harbor)
    elif kind == "tampered":
        vendor_seal(plaintext, dest, recipients=[ring.hub], signer=ring.harbor)
        _flip_middle(dest)
    elif kind == "truncated":
        vendor_seal(plaintext, dest, recipients=[ring.hub], signer=ring.harbor, armor=False)
        _truncate(dest)
    elif kind == "trailing_garbage":
        vendor_seal(plaintext, dest, recipients=[ring.hub], signer=ring.harbor)
        dest.write_bytes(dest.read_bytes() + os.urandom(4096))
    elif kind == "not_openpgp":
        dest.write_bytes(plaintext.read_bytes())
    elif kind == "signed_not_encrypted":
        with gpg_home() as home:
            subprocess.run(["gpg", "--homedir", str(home), "--batch", "--import"],
                           input=ring.harbor.secret_armored.encode(), capture_output=True, check=True)
            subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--output", str(dest),
                            "--sign", str(plaintext)], capture_output=True, check=True)
    else:  # pragma: no cover
        raise AssertionError(kind)


_DECRYPT_FAILED = "decryption failed"
BAD_KINDS = [("unsigned", "not signed"), ("wrong_signer", "unknown"),
             ("our_own_key_signed", "not by an expected vendor key"),
             ("wrong_recipient", "not encrypted to our key"),
             ("tampered", _DECRYPT_FAILED), ("truncated", _DECRYPT_FAILED), ("trailing_garbage", _DECRYPT_FAILED),
             ("not_openpgp", _DECRYPT_FAILED), ("signed_not_encrypted", _DECRYPT_FAILED)]


@pytest.mark.parametrize("staged", [False, True], ids=["plain", "staged"])
@pytest.mark.parametrize(("kind", "reason"), BAD_KINDS, ids=[k for k, _ in BAD_KINDS])
def test_bad_inbound_file_raises_signature_error_and_leaves_no_output(
        kind: str, reason: str, staged: bool, plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace,
        hub_keys: PgpKeys) -> None:
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    src = work / "in.pgp"
    _make_bad(kind, plaintext, src, pgp_keyring)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(SignatureError, match=reason) as info:
        decrypt_verify(src, out_dir / "leave.csv", keys=hub_keys, staging_key=os.urandom(32) if staged else None)
    assert isinstance(info.value, RejectedInput)
    assert list(out_dir.iterdir()) == []
    assert "NTN-" not in str(info.value)


def test_one_session_serves_many_files_and_judges_each_on_its_own(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, hub_keys: PgpKeys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's files share one GNUPGHOME (keys imported once); a bad file in the middle is refused alone and
    leaves nothing, and the files after it still verify."""
    import gnupg

    kinds = ["good", "tampered", "unsigned", "wrong_signer", "good"]
    sources = []
    for i, kind in enumerate(kinds):
        src = tmp_path / f"in{i}.pgp"
        if kind == "good":
            vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.harbor)
        else:
            _make_bad(kind, plaintext, src, pgp_keyring)
        sources.append(src)
    out = tmp_path / "out"
    out.mkdir()
    imports = []
    real_import = gnupg.GPG.import_keys
    monkeypatch.setattr(gnupg.GPG, "import_keys",
                        lambda gpg, *a, **kw: imports.append(1) or real_import(gpg, *a, **kw))
    verdicts = []
    with pgp_session(hub_keys) as session:
        home = session.home
        for i, src in enumerate(sources):
            try:
                verified = session.decrypt_verify(src, out / f"{i}.csv", staging_key=os.urandom(32))
                verdicts.append(verified.signer_fingerprint)
            except SignatureError as exc:
                verdicts.append(str(exc))
            assert home.is_dir()
    assert len(imports) == 2, "the vendor's public key and our secret key, once each for the whole run"
    assert not home.exists()
    assert verdicts[0] == verdicts[4] == pgp_keyring.harbor.fingerprint
    assert all(v != pgp_keyring.harbor.fingerprint for v in verdicts[1:4])
    assert sorted(p.name for p in out.iterdir()) == ["0.csv", "4.csv"]


def test_one_session_encrypts_and_signs_many_files(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    with pgp_session(keys_for(pgp_keyring.harbor, pgp_keyring.hub)) as session:
        sealed = [session.encrypt_sign(plaintext, tmp_path / f"out{i}.pgp", armor=bool(i % 2)) for i in range(3)]
    with pgp_session(keys_for(pgp_keyring.hub, pgp_keyring.harbor)) as session:
        for i, s in enumerate(sealed):
            verified = session.decrypt_verify(s.path, tmp_path / f"back{i}.csv")
            assert verified.sha256_plaintext == s.sha256_plaintext
            assert verified.sha256_received == s.sha256
    assert len({s.sha256 for s in sealed}) == 3


def test_a_session_judges_key_expiry_at_each_file_not_when_it_opened(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A session can outlive a key's last day: the file after it is refused, in both directions."""
    src = tmp_path / "in.pgp"
    vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.expiring)
    with pgp_session(keys_for(pgp_keyring.hub, pgp_keyring.expiring)) as session:
        verified = session.decrypt_verify(src, tmp_path / "a.csv")
        assert verified.signer_fingerprint == pgp_keyring.expiring.fingerprint
        assert session.encrypt_sign(plaintext, tmp_path / "a.pgp").size > 0
        monkeypatch.setattr(pgp, "_now", lambda: datetime.now(UTC) + timedelta(days=11))
        with pytest.raises(SignatureError, match="expired"):
            session.decrypt_verify(src, tmp_path / "b.csv")
        with pytest.raises(ConfigError, match="recipient"):
            session.encrypt_sign(plaintext, tmp_path / "b.pgp")
    assert not (tmp_path / "b.csv").exists() and not (tmp_path / "b.pgp").exists()


@pytest.mark.parametrize("which", ["expired", "revoked"])
def test_signature_by_expired_or_revoked_vendor_key_is_refused(
        which: str, plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    src = tmp_path / "in.pgp"
    if which == "expired":
        signer, hub_view = pgp_keyring.expired, pgp_keyring.expired
        vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=signer, at=pgp_keyring.expired_signed_at)
    else:
        signer, hub_view = pgp_keyring.revoked_valid, pgp_keyring.revoked
        vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=signer)
    with pytest.raises(SignatureError, match=which):
        decrypt_verify(src, tmp_path / "out.csv", keys=keys_for(pgp_keyring.hub, hub_view))
    assert not (tmp_path / "out.csv").exists()
    assert _leftovers(tmp_path, plaintext, src) == []


@pytest.mark.parametrize("which", ["expired", "revoked"])
def test_encrypting_to_expired_or_revoked_recipient_is_a_config_error(
        which: str, plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    vendor = pgp_keyring.expired if which == "expired" else pgp_keyring.revoked
    with pytest.raises(ConfigError, match="recipient"):
        encrypt_sign(plaintext, tmp_path / "out.pgp", keys=keys_for(pgp_keyring.hub, vendor))
    assert _leftovers(tmp_path, plaintext) == []


def test_rotation_accepts_a_signature_from_either_expected_fingerprint(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    keys = keys_for(pgp_keyring.hub, pgp_keyring.harbor, pgp_keyring.harbor_next)
    for i, signer in enumerate([pgp_keyring.harbor, pgp_keyring.harbor_next]):
        src = tmp_path / f"in{i}.pgp"
        vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=signer)
        assert decrypt_verify(src, tmp_path / f"out{i}", keys=keys).signer_fingerprint == signer.fingerprint


def test_key_expiring_within_30_days_logs_a_warning_every_run_without_user_ids(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable,
        caplog: pytest.LogCaptureFixture) -> None:
    src = tmp_path / "in.pgp"
    vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.expiring)
    keys = keys_for(pgp_keyring.hub, pgp_keyring.expiring)
    with caplog.at_level(logging.WARNING, logger="connectors.pgp"):
        for run in range(2):
            decrypt_verify(src, tmp_path / f"out{run}", keys=keys)
    warnings = [r.getMessage() for r in caplog.records
                if r.name == "connectors.pgp" and r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all(pgp_keyring.expiring.fingerprint in w and "expires" in w for w in warnings)
    assert "sandbox.invalid" not in caplog.text and "LeaveHub sandbox" not in caplog.text


def test_key_valid_for_years_logs_no_expiry_warning(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, hub_keys: PgpKeys,
        caplog: pytest.LogCaptureFixture) -> None:
    src = tmp_path / "in.pgp"
    vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.harbor)
    with caplog.at_level(logging.WARNING, logger="connectors.pgp"):
        decrypt_verify(src, tmp_path / "out", keys=hub_keys)
    assert not [r for r in caplog.records if r.name == "connectors.pgp"]


@pytest.mark.parametrize("passphrase", ["", None], ids=["empty", "none"])
def test_empty_passphrase_on_unprotected_key_keeps_the_first_line(
        passphrase: str | None, plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace,
        keys_for: Callable) -> None:
    sealed = encrypt_sign(plaintext, tmp_path / "out.pgp",
                          keys=keys_for(pgp_keyring.harbor, pgp_keyring.hub, passphrase=passphrase))
    verified = decrypt_verify(sealed.path, tmp_path / "back.csv",
                              keys=keys_for(pgp_keyring.hub, pgp_keyring.harbor, passphrase=passphrase))
    assert verified.path.read_bytes().startswith(FIRST_LINE)
    assert verified.path.read_bytes() == plaintext.read_bytes()


def test_passphrase_protected_key_signs_and_decrypts_and_a_wrong_one_is_refused(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, keys_for: Callable) -> None:
    me = pgp_keyring.hub_pw
    sealed = encrypt_sign(plaintext, tmp_path / "to_me.pgp", keys=keys_for(pgp_keyring.harbor, me))
    assert decrypt_verify(sealed.path, tmp_path / "a", keys=keys_for(me, pgp_keyring.harbor)).size > 0
    with pytest.raises(ConfigError):
        encrypt_sign(plaintext, tmp_path / "b.pgp", keys=keys_for(me, pgp_keyring.harbor, passphrase="wrong"))
    with pytest.raises(SignatureError):
        decrypt_verify(sealed.path, tmp_path / "c", keys=keys_for(me, pgp_keyring.harbor, passphrase="wrong"))
    assert not (tmp_path / "b.pgp").exists() and not (tmp_path / "c").exists()


def test_python_memory_stays_bounded_while_streaming_20_mb(
        tmp_path: Path, pgp_keyring: SimpleNamespace, hub_keys: PgpKeys) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        for _ in range(20):
            fh.write(os.urandom(512 * 1024).hex().encode())
    src = tmp_path / "big.pgp"
    vendor_seal(big, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.harbor, compress_algo="none")
    tracemalloc.start()
    try:
        with StagingArea() as area:
            verified = decrypt_verify(src, area.path("big"), keys=hub_keys, staging_key=area.key)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert verified.size == big.stat().st_size
    assert peak < 12 * 1024 * 1024, f"peak Python allocations {peak / 1e6:.1f} MB for a 20 MB file"


def test_pgp_keys_from_connection_accepts_json_extra_and_hides_secrets(pgp_keyring: SimpleNamespace) -> None:
    hub, harbor, nxt = pgp_keyring.hub, pgp_keyring.harbor, pgp_keyring.harbor_next
    extra = {"private_key": hub.secret_armored, "passphrase": "",
             "vendor_public_keys": harbor.public_armored + "\n" + nxt.public_armored,
             "vendor_fingerprints": f"{harbor.fingerprint.lower()}\n{nxt.fingerprint}"}
    keys = PgpKeys.from_connection(SimpleNamespace(extra=json.dumps(extra)))
    assert PgpKeys.from_connection(SimpleNamespace(extra=MappingProxyType(extra))) == keys
    assert keys.vendor_fingerprints == (harbor.fingerprint, nxt.fingerprint)
    assert keys.recipient_fingerprints == keys.vendor_fingerprints
    assert keys.passphrase is None
    assert "PRIVATE" not in repr(keys) and "PUBLIC KEY" not in repr(keys)


def test_expected_fingerprint_without_a_matching_public_key_is_a_config_error(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace) -> None:
    src = tmp_path / "in.pgp"
    vendor_seal(plaintext, src, recipients=[pgp_keyring.hub], signer=pgp_keyring.harbor)
    extra = pgp_keyring.hub.connection_extra([pgp_keyring.harbor]) | {
        "vendor_fingerprints": [pgp_keyring.mallory.fingerprint]}
    with pytest.raises(ConfigError, match="vendor key"):
        decrypt_verify(src, tmp_path / "out", keys=PgpKeys.from_connection(SimpleNamespace(extra=extra)))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("algo", ["none", "zip", "zlib", "bzip2"])
def test_every_compression_setting_round_trips(algo: str, tmp_path: Path, pgp_keyring: SimpleNamespace,
                                                keys_for: Callable) -> None:
    src = tmp_path / "small.csv"
    src.write_bytes(FIRST_LINE * 200)
    sealed = encrypt_sign(src, tmp_path / "s.pgp", keys=keys_for(pgp_keyring.harbor, pgp_keyring.hub),
                          compress_algo=algo, compress_level=9)
    if algo == "none":
        assert sealed.size > src.stat().st_size
    else:
        assert sealed.size < src.stat().st_size // 4
    verified = decrypt_verify(sealed.path, tmp_path / "o", keys=keys_for(pgp_keyring.hub, pgp_keyring.harbor))
    assert verified.path.read_bytes() == src.read_bytes()


def test_importing_the_pgp_module_does_not_import_gnupg() -> None:
    code = "import sys, connectors.pgp; assert 'gnupg' not in sys.modules, 'gnupg imported'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("patch", "key_path"), [
    ({"vendor_fingerprints": ["ABCD"]}, "extra.vendor_fingerprints"),
    ({"vendor_fingerprints": []}, "extra.vendor_fingerprints"),
    ({"private_key": "not a key"}, "extra.private_key"),
    ({"vendor_public_keys": []}, "extra.vendor_public_keys"),
])
def test_pgp_keys_from_connection_names_the_bad_key(patch: dict, key_path: str,
                                                     pgp_keyring: SimpleNamespace) -> None:
    extra = pgp_keyring.hub.connection_extra([pgp_keyring.harbor]) | patch
    with pytest.raises(ConfigError) as info:
        PgpKeys.from_connection(SimpleNamespace(extra=extra))
    assert info.value.key_path == key_path


# --- Interop with Sequoia: gpg talking to gpg proves nothing about the wire format. ---

@pytest.mark.parametrize(("armor", "compression"), [(False, "zlib"), (True, "zip"), (False, "none")])
def test_sq_encrypted_and_signed_file_decrypts_and_subkey_signer_maps_to_primary(
        armor: bool, compression: str, plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace,
        sq_vendor: KeyPair, keys_for: Callable) -> None:
    src = tmp_path / "sq.pgp"
    args = ["encrypt", "--recipient-cert", str(pgp_keyring.hub.public_path), "--signer-key",
            str(sq_vendor.secret_path), "--compression", compression, "--output", str(src), str(plaintext)]
    if not armor:
        args.insert(1, "--binary")
    proc = _sq(*args)
    assert proc.returncode == 0, proc.stderr.decode()
    verified = decrypt_verify(src, tmp_path / "out.csv", keys=keys_for(pgp_keyring.hub, sq_vendor))
    assert verified.path.read_bytes() == plaintext.read_bytes()
    assert verified.signer_fingerprint == sq_vendor.fingerprint


def test_sq_default_padding_is_rejected_cleanly_by_gpg_2_2(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, sq_vendor: KeyPair,
        keys_for: Callable) -> None:
    """Known gap: sq 0.27's default ``--compression pad`` reads as a manipulated message to GnuPG 2.2.

    Pinned so that a GnuPG upgrade that accepts it shows up here; vendors on sq must pick zlib/zip/none.
    """
    src = tmp_path / "sq.pgp"
    proc = _sq("encrypt", "--binary", "--recipient-cert", str(pgp_keyring.hub.public_path), "--signer-key",
               str(sq_vendor.secret_path), "--compression", "pad", "--output", str(src), str(plaintext))
    assert proc.returncode == 0, proc.stderr.decode()
    with pytest.raises(SignatureError):
        decrypt_verify(src, tmp_path / "out.csv", keys=keys_for(pgp_keyring.hub, sq_vendor))
    assert not (tmp_path / "out.csv").exists()


def test_sq_file_signed_by_another_sq_key_is_refused(
        plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, sq_vendor: KeyPair,
        keys_for: Callable) -> None:
    src = tmp_path / "sq.pgp"
    proc = _sq("encrypt", "--recipient-cert", str(pgp_keyring.hub.public_path), "--signer-key",
               str(sq_vendor.secret_path), "--compression", "zlib", "--output", str(src), str(plaintext))
    assert proc.returncode == 0, proc.stderr.decode()
    with pytest.raises(SignatureError, match="signature"):
        decrypt_verify(src, tmp_path / "out.csv", keys=keys_for(pgp_keyring.hub, pgp_keyring.harbor))
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_sq_decrypts_and_verifies_our_encrypt_sign_output(
        armor: bool, plaintext: Path, tmp_path: Path, pgp_keyring: SimpleNamespace, sq_vendor: KeyPair,
        keys_for: Callable) -> None:
    sealed = encrypt_sign(plaintext, tmp_path / "out.pgp", keys=keys_for(pgp_keyring.hub, sq_vendor), armor=armor)
    out = tmp_path / "sq_out.csv"
    proc = _sq("decrypt", "--recipient-key", str(sq_vendor.secret_path), "--signer-cert",
               str(pgp_keyring.hub.public_path), "--output", str(out), str(sealed.path))
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.read_bytes() == plaintext.read_bytes()
    # The same check fails against the wrong signer certificate: sq really verifies.
    bad = _sq("decrypt", "--recipient-key", str(sq_vendor.secret_path), "--signer-cert",
              str(pgp_keyring.mallory.public_path), "--output", str(tmp_path / "x"), str(sealed.path))
    assert bad.returncode != 0
