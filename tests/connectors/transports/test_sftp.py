"""SftpTransport against a real OpenSSH sshd: integrity, pinned host keys, atomic uploads, faults, timeouts."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import paramiko
import pytest

from connectors.transports.base import UnsafeRemoteName
from connectors.transports.retry import RetryPolicy
from connectors.transports.sftp import (
    PREFERRED_CIPHERS,
    HostKeyMismatch,
    HostKeyPins,
    SftpSettings,
    SftpTransport,
)
from schemas.errors import ConfigError, TransientError

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(60)]

FAST = SftpSettings(connect_timeout=2, auth_timeout=3, io_timeout=2,
                    retry=RetryPolicy(attempts=2, budget=4, backoff_base=0.1, backoff_max=0.3))


def _random_file(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _other_host_key(tmp_path: Path) -> str:
    key = tmp_path / "other_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return " ".join(key.with_name(key.name + ".pub").read_text().split()[:2])


def _accepted_logins(server) -> int:
    return (server.state / "sshd.log").read_text(errors="replace").count("Accepted publickey")


# -- integrity and atomicity ---------------------------------------------------------------------------------


def test_round_trip_put_list_get_archive_keeps_sha256(sshd, vendor_home, make_sftp, tmp_path):
    src = tmp_path / "census.txt.pgp"
    digest = _random_file(src, 3 * 1024 * 1024 + 17)
    t = make_sftp(sshd)
    landed = t.put(src, "HARBOR_ELIG_ACME_20260101.txt.pgp")
    assert landed.size == src.stat().st_size
    assert _sha(vendor_home / "inbound" / "HARBOR_ELIG_ACME_20260101.txt.pgp") == digest

    os.replace(vendor_home / "inbound" / "HARBOR_ELIG_ACME_20260101.txt.pgp",
               vendor_home / "outbound" / "HARBOR_LEAVE_20260101.csv.pgp")
    (vendor_home / "outbound" / "notes.txt").write_text("not ours")
    listed = t.list("HARBOR_LEAVE_*.csv.pgp")
    assert [f.name for f in listed] == ["HARBOR_LEAVE_20260101.csv.pgp"]
    assert listed[0].size == src.stat().st_size and listed[0].mtime.tzinfo is not None

    dest = t.get("HARBOR_LEAVE_20260101.csv.pgp", tmp_path / "got.pgp")
    assert _sha(dest) == digest
    assert t.archive("HARBOR_LEAVE_20260101.csv.pgp") == "HARBOR_LEAVE_20260101.csv.pgp"
    assert t.list("*.pgp") == []
    assert _sha(vendor_home / "archive" / "HARBOR_LEAVE_20260101.csv.pgp") == digest


def test_upload_is_never_visible_under_final_name_until_complete(sshd, vendor_home, make_sftp, tmp_path):
    src = tmp_path / "big.pgp"
    _random_file(src, 2 * 1024 * 1024)
    seen: list[tuple[bool, list[str]]] = []

    def progress(done: int, total: int) -> None:
        if done < total:
            names = os.listdir(vendor_home / "inbound")
            seen.append(((vendor_home / "inbound" / "final.pgp").exists(), names))

    make_sftp(sshd).put(src, "final.pgp", progress=progress)
    assert seen, "progress was never reported mid-upload"
    assert not any(final for final, _ in seen)
    assert all(n.startswith(".final.pgp.part-") for _, names in seen for n in names)
    assert os.listdir(vendor_home / "inbound") == ["final.pgp"]


def test_archive_keeps_both_files_when_the_same_name_is_delivered_twice(sshd, vendor_home, make_sftp):
    t = make_sftp(sshd)
    for body in (b"first", b"second"):
        (vendor_home / "outbound" / "HARBOR_PAY_20260102.csv.pgp").write_bytes(body)
        t.archive("HARBOR_PAY_20260102.csv.pgp")
    archived = sorted(p.read_bytes() for p in (vendor_home / "archive").iterdir())
    assert archived == [b"first", b"second"]


def test_get_of_missing_file_raises_file_not_found_and_leaves_no_local_file(sshd, vendor_home, make_sftp,
                                                                            tmp_path):
    with pytest.raises(FileNotFoundError):
        make_sftp(sshd).get("nope.pgp", tmp_path / "nope.pgp")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["../escape.pgp", "/etc/passwd", "a/../../b", "sub/x.pgp", "x\x00y", "a\\b",
                                  "..", ".", ""])
def test_path_traversal_names_are_refused_before_any_connection(sshd, make_sftp, tmp_path, name):
    t = make_sftp(sshd)
    (tmp_path / "f").write_bytes(b"x")
    for call in (lambda: t.get(name, tmp_path / "out"), lambda: t.put(tmp_path / "f", name),
                 lambda: t.archive(name)):
        with pytest.raises(UnsafeRemoteName):
            call()
    assert t.socket is None


# -- host keys ----------------------------------------------------------------------------------------------


def test_unknown_host_key_is_refused_before_authenticating(sshd, make_sftp, tmp_path):
    before = _accepted_logins(sshd)
    t = make_sftp(sshd, host_key=_other_host_key(tmp_path))
    started = time.monotonic()
    with pytest.raises(HostKeyMismatch) as err:
        t.list()
    assert time.monotonic() - started < 3, "a host-key mismatch must not be retried"
    assert sshd.host_key_fingerprint in str(err.value)
    assert _accepted_logins(sshd) == before


def test_changed_host_key_is_refused(fresh_sshd, make_sftp):
    t = make_sftp(fresh_sshd)
    t.connect()
    t.close()
    fresh_sshd.rotate_host_key()
    with pytest.raises(HostKeyMismatch):
        t.list()


def test_rotation_with_old_and_new_key_pinned_is_accepted_on_both_sides(fresh_sshd, make_sftp, tmp_path):
    old_line = fresh_sshd.host_key_line
    saved = tmp_path / "old_host_key"
    for suffix in ("", ".pub"):
        Path(f"{saved}{suffix}").write_bytes((fresh_sshd.state / f"ssh_host_ed25519_key{suffix}").read_bytes())
    new_line = fresh_sshd.rotate_host_key()
    assert new_line != old_line
    for pins in (f"{old_line}\n{new_line}", f"{new_line}, {old_line}"):
        make_sftp(fresh_sshd, host_key=pins).connect()
    fresh_sshd.rotate_host_key(saved)
    make_sftp(fresh_sshd, host_key=f"{old_line},{new_line}").connect()


def test_fingerprint_pin_accepts_the_right_key_and_refuses_another(sshd, make_sftp):
    make_sftp(sshd, host_key="", host_key_fingerprint=sshd.host_key_fingerprint).connect()
    with pytest.raises(HostKeyMismatch):
        make_sftp(sshd, host_key="", host_key_fingerprint="SHA256:" + "A" * 43).connect()


def test_connection_without_any_pinned_host_key_is_a_config_error(sshd, harbor_connection):
    conn = harbor_connection(sshd, host_key="")
    with pytest.raises(ConfigError, match="no host key pinned"):
        SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound")
    conn = harbor_connection(sshd, no_host_key_check="true")
    with pytest.raises(ConfigError, match="no_host_key_check"):
        SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound")


# -- authentication ------------------------------------------------------------------------------------------


def test_private_key_text_in_extra_authenticates(sshd, vendor_home, make_sftp):
    text = sshd.client_key_path("harbor_leave").read_text()
    assert make_sftp(sshd, key_file="", private_key=text).list() == []
    one_line = text.replace("\n", "\\n")
    assert make_sftp(sshd, key_file="", private_key=one_line).list() == []


def test_unauthorised_key_is_a_config_error_and_not_retried(sshd, make_sftp, tmp_path):
    key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    log = sshd.state / "sshd.log"
    connections_before = log.read_text().count("Connection from")
    with pytest.raises(ConfigError, match="authentication"):
        make_sftp(sshd, key_file=str(key)).list()
    assert log.read_text().count("Connection from") == connections_before + 1


def test_password_login_refused_by_server_is_a_config_error(sshd, harbor_connection, tmp_path):
    # The sandbox sshd offers keys only (password login needs PAM or a system password); this pins that a
    # refused password is reported as configuration, not retried as a network error.
    conn = harbor_connection(sshd, key_file="")
    conn = type(conn)(conn.conn_id, conn.conn_type, conn.host, conn.port, conn.login, "not-the-password",
                      None, dict(conn.extra))
    t = SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound", settings=FAST)
    with pytest.raises(ConfigError, match="authentication") as err:
        t.list()
    assert "not-the-password" not in str(err.value) and "not-the-password" not in repr(t)


# -- socket tuning -------------------------------------------------------------------------------------------


def test_tcp_nodelay_is_set_and_aes_gcm_negotiated(sshd, make_sftp):
    t = make_sftp(sshd)
    t.connect()
    assert t.socket is not None
    assert t.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert t.session_info["cipher"] in PREFERRED_CIPHERS


# -- faults and timeouts -------------------------------------------------------------------------------------


def test_sshd_killed_mid_upload_leaves_no_final_file_and_a_retry_after_restart_completes(fresh_sshd, make_sftp,
                                                                                         tmp_path):
    src = tmp_path / "elig.pgp"
    digest = _random_file(src, 8 * 1024 * 1024)
    inbound = fresh_sshd.vendor_dir("harbor_leave") / "inbound"
    t = make_sftp(fresh_sshd, settings=FAST)
    killed: list[int] = []

    def kill_midway(done: int, total: int) -> None:
        if not killed and done >= 2 * 1024 * 1024:
            killed.append(done)
            fresh_sshd.stop()

    started = time.monotonic()
    with pytest.raises(TransientError):
        t.put(src, "HARBOR_ELIG_ACME.txt.pgp", progress=kill_midway)
    assert killed, "the upload finished before the server could be killed"
    assert time.monotonic() - started < FAST.retry.budget + FAST.io_timeout + 2
    assert not (inbound / "HARBOR_ELIG_ACME.txt.pgp").exists()

    fresh_sshd.start()
    t.put(src, "HARBOR_ELIG_ACME.txt.pgp")
    assert _sha(inbound / "HARBOR_ELIG_ACME.txt.pgp") == digest
    assert os.listdir(inbound) == ["HARBOR_ELIG_ACME.txt.pgp"], "the stale partial upload was not cleaned up"


def test_stalled_session_is_abandoned_after_io_timeout_and_retried_on_a_new_one(fresh_sshd, make_sftp):
    t = make_sftp(fresh_sshd, settings=FAST)
    t.connect()
    first = t.session_info
    for pid in fresh_sshd.session_pids():
        os.kill(pid, signal.SIGSTOP)  # the session hangs mid-conversation; the listener still accepts
    started = time.monotonic()
    assert t.list() == []
    assert FAST.io_timeout - 0.5 < time.monotonic() - started < FAST.retry.budget + 2
    assert t.session_info and t.session_info is not first


def test_unreachable_server_raises_transient_error_within_the_budget(make_sftp, sshd, harbor_connection):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    conn = harbor_connection(sshd)
    conn = type(conn)(conn.conn_id, conn.conn_type, conn.host, port, conn.login, None, None, dict(conn.extra))
    t = SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound", settings=FAST)
    started = time.monotonic()
    with pytest.raises(TransientError, match="after"):
        t.list()
    assert time.monotonic() - started < FAST.retry.budget + 1


def test_server_that_never_sends_a_banner_times_out_within_the_budget(sshd, harbor_connection):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever speaks
        conn = harbor_connection(sshd)
        conn = type(conn)(conn.conn_id, conn.conn_type, conn.host, silent.getsockname()[1], conn.login, None,
                          None, dict(conn.extra))
        t = SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound", settings=FAST)
        started = time.monotonic()
        with pytest.raises(TransientError):
            t.list()
        elapsed = time.monotonic() - started
    assert FAST.connect_timeout - 0.5 < elapsed < FAST.retry.budget + 1.5
    assert threading.active_count() < 20  # paramiko threads of the failed attempts did not pile up


# -- password login (paramiko's own server: the sandbox sshd is key-only) -----------------------------------------


class _PasswordOnly(paramiko.ServerInterface):
    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == "hub" and password == SERVER_PASSWORD
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _EmptyFolder(paramiko.SFTPServerInterface):
    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes]:
        return []


SERVER_PASSWORD = "s3cret-Pa55"


def test_password_login_works_and_the_password_never_reaches_the_log(tmp_path, caplog):
    host_key_file = tmp_path / "hk"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key_file)], check=True)
    host_key = paramiko.Ed25519Key.from_private_key_file(str(host_key_file))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        server = paramiko.Transport(conn)
        server.add_server_key(host_key)
        server.set_subsystem_handler("sftp", paramiko.SFTPServer, _EmptyFolder)
        server.start_server(server=_PasswordOnly())
        done.wait(15)
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        pins = HostKeyPins.parse(f"{host_key.get_name()} {host_key.get_base64()}", None)
        caplog.set_level(logging.DEBUG)
        with SftpTransport(host="127.0.0.1", port=listener.getsockname()[1], username="hub", pins=pins,
                           password=SERVER_PASSWORD, inbound_dir=".", outbound_dir=".", settings=FAST) as t:
            assert t.list() == []
            assert SERVER_PASSWORD not in repr(t)
        assert SERVER_PASSWORD not in caplog.text
    finally:
        done.set()
        thread.join(10)
        listener.close()
    assert not thread.is_alive()
