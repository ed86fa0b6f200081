"""Operations fixtures: a hub on local folders over SQLite, and the real peers alerts go to.

``ops_hub``       a temporary LEAVEHUB_HOME, a mappings root holding ``harbor_leave`` rewritten for local
                  folders without OpenPGP (and ``northwind_hris``, which harbor's census schedules on), a
                  copy of employer.yaml whose ``alerts:`` a test can set, a fresh PII key, and a migrated
                  SQLite store.
``webhook_sink``  a real HTTP server on 127.0.0.1 (a thread) recording every POST; tests script its replies.
``smtp_sink``     a real SMTP server on 127.0.0.1 (a thread; smtpd is deprecated and gone in 3.12, aiosmtpd is not
                  installed) speaking enough RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
"""

from __future__ import annotations

import json
import shutil
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_hubs import local_vendor_yaml

from leavehub.settings import REPO_ROOT, Settings
from leavehub.store.pii import generate_key

GOLDEN = REPO_ROOT / "tests" / "mappings" / "golden" / "harbor_leave"
ABSENCES_GOLDEN = GOLDEN / "HARBOR_ABSENCE_20261120.csv"


@dataclass
class OpsHub:
    home: Path
    mappings: Path
    employer: Path
    env: dict[str, str]
    store: Any

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def vendor_yaml(self, vendor: str = "harbor_leave") -> Path:
        return self.mappings / vendor / "vendor.yaml"

    def set_alerts(self, alerts: dict[str, Any]) -> None:
        data = yaml.safe_load(self.employer.read_text(encoding="utf-8"))
        data["alerts"] = alerts
        self.employer.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def edit_feed(self, feed: str, vendor: str = "harbor_leave", **changes: Any) -> None:
        """Set (or, with None, drop) keys of one feed in the hub's copy of vendor.yaml."""
        data = yaml.safe_load(self.vendor_yaml(vendor).read_text(encoding="utf-8"))
        for key, value in changes.items():
            if value is None:
                data["feeds"][feed].pop(key, None)
            else:
                data["feeds"][feed][key] = value
        self.vendor_yaml(vendor).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def only_window(self, feed_id: str) -> None:
        """Drop every arrival window but ``feed_id``'s, so a check's result is about that feed alone."""
        for vendor_yaml in self.mappings.glob("*/vendor.yaml"):
            data = yaml.safe_load(vendor_yaml.read_text(encoding="utf-8"))
            for name in data["feeds"]:
                if f"{data['vendor']}.{name}" != feed_id:
                    self.edit_feed(name, data["vendor"], arrival=None)

    def absence_file(self, business_date: date, *, decision: str = "Approved", name: str | None = None,
                     stamp: str = "") -> Path:
        """A Harbor absences file for ``business_date`` (unique content per date; ``decision`` of row 1)."""
        text = ABSENCES_GOLDEN.read_text(encoding="utf-8")
        text = text.replace("Approved", decision, 1).replace("2026-11-19T18:00:00Z",
                                                             f"{business_date.isoformat()}T18:00:0{stamp or 0}Z")
        folder = self.home.parent / "drop"
        folder.mkdir(exist_ok=True)
        path = folder / (name or f"HARBOR_ABSENCE_{business_date:%Y%m%d}.csv")
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def ops_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpsHub]:
    home, mappings = tmp_path / "home", tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings" / "harbor_leave", mappings / "harbor_leave")
    shutil.copytree(REPO_ROOT / "mappings" / "northwind_hris", mappings / "northwind_hris")  # harbor's assets
    derived = local_vendor_yaml(REPO_ROOT / "mappings" / "harbor_leave" / "vendor.yaml")
    (mappings / "harbor_leave" / "vendor.yaml").write_text(yaml.safe_dump(derived, sort_keys=False),
                                                          encoding="utf-8")
    employer = tmp_path / "employer.yaml"
    shutil.copy(REPO_ROOT / "employer.yaml", employer)
    env = {"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings), "LEAVEHUB_EMPLOYER": str(employer),
           "LEAVEHUB_DB_URL": f"sqlite:///{home / 'leavehub.db'}", "LEAVEHUB_PII_KEY": generate_key()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEAVEHUB_ENV", raising=False)
    from pg_databases import db_upgrade

    from leavehub.pipeline.runner import open_store

    db_upgrade(env["LEAVEHUB_DB_URL"])
    store = open_store(Settings.from_env(env))
    try:
        yield OpsHub(home, mappings, employer, env, store)
    finally:
        store.dispose()


# -- webhook sink --------------------------------------------------------------------------------------------


@dataclass
class WebhookSink:
    """Received POSTs, and the replies to give: ``statuses`` are used in turn, then 204 for ever."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r["json"] for r in self.received]


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    sink = WebhookSink(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            with sink.lock:
                sink.received.append({"path": self.path, "headers": dict(self.headers), "raw": raw,
                                      "json": json.loads(raw or b"null")})
                status = sink.statuses.pop(0) if sink.statuses else 204
            if sink.delay_seconds:
                time.sleep(sink.delay_seconds)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/leavehub"
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- SMTP sink -----------------------------------------------------------------------------------------------


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def parsed(self) -> list[Message]:
        with self.lock:
            return [message_from_bytes(m["data"], policy=policy.default) for m in self.messages]


class _SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 10
    sink: SmtpSink

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self._reply("220 sink.local ESMTP test sink")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink.local")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip())
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline(65536)) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                with self.sink.lock:
                    self.sink.messages.append({"from": sender, "to": recipients, "data": b"".join(lines)})
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink("127.0.0.1", 0)
    handler = type("Handler", (_SmtpHandler,), {"sink": sink})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound then released) - for "the peer is down"."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
