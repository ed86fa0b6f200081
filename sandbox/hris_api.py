"""Northwind HRIS API simulator: a real HTTP server process on loopback, with fault switches.

Why: the HTTP transport must be proven against a peer that really paginates, rate-limits, expires tokens,
answers 503, stalls and drops connections mid-body - not against mocks. The server serves a folder of
``<endpoint>.jsonl`` files (one record per line, shaped as in ``docs/vendors.md``):

    POST /oauth/token                   client credentials (form) -> bearer token, expires after ``--token-ttl``
    GET  /v1/workers                    ?updated_since=&page_size=&cursor=   (page_size max 500, opaque cursor)
    GET  /v1/hours_worked               ?from=&to=
    GET  /v1/benefit_enrollments        ?as_of=
    GET  /v1/time_off_balances          ?as_of=
    POST /v1/leave_status_updates       Idempotency-Key replay, 409 newer update, 422 field errors
    POST /_admin/faults                 set faults at run time (JSON, see ``Faults``); GET /_admin/stats: counters
    GET  /_admin/updates                the write-backs applied (id, key, worker, date, status) and how many
                                        times each Idempotency-Key was applied (never more than once)
    POST /_admin/updates                an update keyed in at the HRIS itself ({"worker_id", "effective_date"}):
                                        the hub's older updates for that worker then answer 409

Run ``python -m sandbox.hris_api --data DIR --port 0``; it prints one JSON ready line with its port on stdout and
logs request lines (query values redacted) on stderr. ``HrisSimulator`` starts and stops it for tests and benches:

    with HrisSimulator(data_dir, client_id="hub", client_secret="s3cret") as sim:
        sim.set_faults(rate_limit_next=3, retry_after=0)
"""

from __future__ import annotations

import argparse
import base64
import collections
import dataclasses
import email.utils
import hmac
import json
import math
import os
import random
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ENDPOINTS = ("workers", "hours_worked", "benefit_enrollments", "time_off_balances")
FILTERS = {"workers": ("updated_since",), "hours_worked": ("from", "to"),
           "benefit_enrollments": ("as_of",), "time_off_balances": ("as_of",)}
LEAVE_TYPES = {"FMLA", "STATE", "STD", "LTD", "WC", "PERSONAL"}
UPDATE_FIELDS = {"worker_id", "status", "leave_type", "paid", "effective_date", "expected_return_date",
                 "source_case"}
ADMIN_TOKEN_ENV, SECRET_ENV = "HRIS_SIM_ADMIN_TOKEN", "HRIS_SIM_CLIENT_SECRET"
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Faults:
    """Fault switches; counters (``*_next``) count down per /v1 request that reaches that check."""

    rate_limit_next: int = 0  # 429 storm: the next N requests
    retry_after: float = 1.0  # the Retry-After a storm sends
    retry_after_format: str = "seconds"  # "seconds" | "date"
    unavailable_next: int = 0  # 503 for the next N requests
    unavailable_rate: float = 0.0  # ... and/or this fraction of requests
    unauthorized_next: int = 0  # 401 for the next N requests even with a valid token
    delay_seconds: float = 0.0  # slow responses
    delay_next: int = -1  # -1: every request while delay_seconds > 0
    drop_next: int = 0  # GET: half the body then close; POST: apply, then close without answering
    # A broken page answered 200: "malformed" (cut JSON), "html" (an error page), "data_not_list" or
    # "cursor_loop" (the page sends back the cursor it was asked with); after ``bad_page_after`` good pages.
    bad_page: str = ""
    bad_page_after: int = 0
    empty: bool = False  # every page answers properly with no records (nothing changed that day)


def _parse_date(value: str, kind: type) -> Any:
    return datetime.fromisoformat(value) if kind is datetime else date.fromisoformat(value)


class HrisState:
    """Everything the handlers share, behind one lock: data, tokens, rate windows, faults, idempotency."""

    def __init__(self, data_dir: Path, client_id: str, client_secret: str, token_ttl: float,
                 rate_limit: float, max_page_size: int, seed: int | None) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.token_ttl, self.rate_limit, self.max_page_size = token_ttl, rate_limit, max_page_size
        self.lock = threading.RLock()
        self.faults = Faults()
        self.random = random.Random(seed)
        self.tokens: dict[str, float] = {}
        self.windows: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.stats: collections.Counter[str] = collections.Counter()
        self.idempotency: dict[str, tuple[str, int, bytes]] = {}
        self.latest_update: dict[str, str] = {}  # worker_id -> newest effective_date applied
        self.applied: list[dict[str, Any]] = []  # every write-back applied, in order
        self.applied_per_key: collections.Counter[str] = collections.Counter()
        self.rows: dict[str, list[tuple[str, dict[str, Any]]]] = {e: self._load(data_dir / f"{e}.jsonl")
                                                                  for e in ENDPOINTS}
        self.worker_ids = {keys["id"] for _, keys in self.rows["workers"]}
        self.views: collections.OrderedDict[tuple, list[str]] = collections.OrderedDict()

    @staticmethod
    def _load(path: Path) -> list[tuple[str, dict[str, Any]]]:
        if not path.exists():
            return []
        rows = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    keys = {k: rec.get(k) for k in ("id", "updated_at", "period_start", "period_end",
                                                     "effective_date", "end_date", "as_of")}
                    if keys["updated_at"]:
                        keys["updated_at"] = datetime.fromisoformat(keys["updated_at"])
                    rows.append((line.strip(), keys))
        return rows

    def view(self, endpoint: str, flt: dict[str, str]) -> list[str]:
        """The records (raw JSON lines) matching a filter, cached so paging a filter costs one scan."""
        key = (endpoint, tuple(sorted(flt.items())))
        with self.lock:
            if key in self.views:
                self.views.move_to_end(key)
                return self.views[key]
        rows = self.rows[endpoint]
        if endpoint == "workers" and "updated_since" in flt:
            since = _parse_date(flt["updated_since"], datetime)
            rows = [r for r in rows if r[1]["updated_at"] and r[1]["updated_at"] >= since]
        if "from" in flt:
            rows = [r for r in rows if (r[1]["period_end"] or "") >= str(_parse_date(flt["from"], date))]
        if "to" in flt:
            rows = [r for r in rows if (r[1]["period_start"] or "") <= str(_parse_date(flt["to"], date))]
        if endpoint == "benefit_enrollments" and "as_of" in flt:
            day = str(_parse_date(flt["as_of"], date))
            rows = [r for r in rows if (r[1]["effective_date"] or "") <= day
                    and (r[1]["end_date"] is None or r[1]["end_date"] >= day)]
        elif endpoint == "time_off_balances" and "as_of" in flt:
            day = str(_parse_date(flt["as_of"], date))
            rows = [r for r in rows if (r[1]["as_of"] or "") <= day]
        lines = [raw for raw, _ in rows]
        with self.lock:
            self.views[key] = lines
            while len(self.views) > 32:
                self.views.popitem(last=False)
        return lines

    def take(self, name: str) -> bool:
        """Consume one unit of a ``*_next`` fault counter; True when the fault fires."""
        with self.lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False

    def set_faults(self, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if changes.pop("reset", False):
                self.faults = Faults()
            if changes.pop("expire_tokens", False):
                self.tokens.clear()
            known = {f.name: f.type for f in dataclasses.fields(Faults)}
            unknown = sorted(set(changes) - set(known))
            if unknown:
                raise ValueError(f"unknown fault(s): {', '.join(unknown)}")
            for name, value in changes.items():
                default = getattr(Faults, name)
                setattr(self.faults, name, type(default)(value))
            return dataclasses.asdict(self.faults)


class Handler(BaseHTTPRequestHandler):
    """One request: admin, token, or a /v1 call through the fault and rate-limit gates."""

    protocol_version = "HTTP/1.1"
    server_version = "NorthwindHRIS-sim/1.0"
    # TCP_NODELAY: a response is two writes (headers, then the body); with Nagle's algorithm the body's last
    # segment waits for the client's delayed ACK of the headers, ~40 ms per request on a kept-alive
    # connection - 10 s of a 261-page pull spent waiting, the CPUs idle.
    disable_nagle_algorithm = True
    state: HrisState
    admin_token: str | None

    # -- plumbing ----------------------------------------------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        parts = urlsplit(self.path)
        redacted = parts.path + ("?" + "&".join(f"{k}=..." for k in parse_qs(parts.query)) if parts.query else "")
        sys.stderr.write(f"{self.log_date_time_string()} {self.command} {redacted} {code}\n")

    def log_error(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.log_date_time_string()} error ({len(args)} detail(s) withheld)\n")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self.state.lock:
            self.state.stats[f"status_{status}"] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self, data: bytes) -> None:
        """Promise the whole body, write half of it, then close the socket under the client."""
        with self.state.lock:
            self.state.stats["dropped"] += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        body = self._body() if method == "POST" else b""
        try:
            if parts.path.startswith("/_admin/"):
                return self._admin(method, parts.path, body)
            if parts.path == "/oauth/token" and method == "POST":
                return self._token(body)
            name = parts.path.removeprefix("/v1/")
            api = (method == "GET" and name in ENDPOINTS) or (method == "POST" and name == "leave_status_updates")
            if parts.path.startswith("/v1/") and api:
                return self._api(method, name, parse_qs(parts.query), body)
            self._send(404, {"error": "not_found"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- admin and token ------------------------------------------------------------------------------------
    def _admin(self, method: str, path: str, body: bytes) -> None:
        if self.admin_token and not hmac.compare_digest(self.headers.get("X-Admin-Token", ""), self.admin_token):
            return self._send(403, {"error": "forbidden"})
        if method == "GET" and path == "/_admin/stats":
            with self.state.lock:
                stats = dict(self.state.stats)
            return self._send(200, stats)
        if path == "/_admin/updates":
            return self._admin_updates(method, body)
        if method == "POST" and path == "/_admin/faults":
            try:
                return self._send(200, self.state.set_faults(json.loads(body or b"{}")))
            except (ValueError, TypeError) as exc:
                return self._send(400, {"error": str(exc)})
        self._send(404, {"error": "not_found"})

    def _admin_updates(self, method: str, body: bytes) -> None:
        st = self.state
        if method == "GET":
            with st.lock:
                return self._send(200, {"updates": list(st.applied), "applied_per_key": dict(st.applied_per_key)})
        try:
            entered = json.loads(body or b"{}")
            worker, day = entered["worker_id"], str(date.fromisoformat(entered["effective_date"]))
        except (ValueError, KeyError, TypeError):
            return self._send(400, {"error": "needs worker_id and an ISO effective_date"})
        with st.lock:
            st.latest_update[worker] = max(day, st.latest_update.get(worker, day))
        self._send(200, {"worker_id": worker, "effective_date": day})

    def _token(self, body: bytes) -> None:
        st = self.state
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        with st.lock:
            st.stats["token_requests"] += 1
        if form.get("grant_type") != "client_credentials":
            return self._send(400, {"error": "unsupported_grant_type"})
        ok = hmac.compare_digest(form.get("client_id", ""), st.client_id) & hmac.compare_digest(
            form.get("client_secret", ""), st.client_secret)
        if not ok:
            return self._send(401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="northwind"'})
        token = secrets.token_urlsafe(24)
        with st.lock:
            st.tokens[token] = time.monotonic() + st.token_ttl
            st.stats["tokens_issued"] += 1
        self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": int(st.token_ttl)})

    # -- the API -------------------------------------------------------------------------------------------
    def _api(self, method: str, name: str, query: dict[str, list[str]], body: bytes) -> None:
        st, f = self.state, self.state.faults
        with st.lock:
            st.stats[f"requests_{name}"] += 1
        if f.delay_seconds > 0 and (f.delay_next < 0 or st.take("delay_next")):
            time.sleep(f.delay_seconds)
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        with st.lock:
            valid = token in st.tokens and st.tokens[token] > time.monotonic()
        if not valid or st.take("unauthorized_next"):
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return self._send(401, {"error": "invalid_token"}, challenge)
        if st.take("rate_limit_next"):
            wait = f.retry_after
            value = (email.utils.formatdate(time.time() + wait, usegmt=True)
                     if f.retry_after_format == "date" else str(math.ceil(wait)))
            return self._send(429, {"error": "rate_limited"}, {"Retry-After": value})
        if st.rate_limit > 0:
            now = time.monotonic()
            with st.lock:
                window = st.windows[st.client_id]
                while window and window[0] <= now - 1.0:
                    window.popleft()
                limited = len(window) >= st.rate_limit
                if limited:
                    wait = max(1, math.ceil(window[0] + 1.0 - now))
                else:
                    window.append(now)
            if limited:
                return self._send(429, {"error": "rate_limited"}, {"Retry-After": str(wait)})
        with st.lock:
            unavailable = f.unavailable_rate > 0 and st.random.random() < f.unavailable_rate
        if st.take("unavailable_next") or unavailable:
            return self._send(503, {"error": "unavailable"}, {"Retry-After": "0"})
        if method == "POST":
            return self._update(body)
        self._page(name, query)

    def _page(self, name: str, query: dict[str, list[str]]) -> None:
        st = self.state
        q = {k: v[-1] for k, v in query.items()}
        flt = {k: q[k] for k in FILTERS[name] if k in q}
        try:
            size = int(q.get("page_size", "100"))
            if not 1 <= size <= st.max_page_size:
                raise ValueError
        except ValueError:
            return self._send(400, {"error": "invalid_parameter", "field": "page_size"})
        fingerprint = hmac.new(b"cursor", repr(sorted(flt.items())).encode(), "sha256").hexdigest()[:12]
        offset = 0
        if q.get("cursor"):
            try:
                raw = json.loads(base64.urlsafe_b64decode(q["cursor"] + "=" * (-len(q["cursor"]) % 4)))
                if raw["e"] != name or raw["f"] != fingerprint:
                    raise ValueError
                offset = int(raw["o"])
            except (ValueError, KeyError, TypeError):
                return self._send(400, {"error": "invalid_cursor", "field": "cursor"})
        try:
            lines = st.view(name, flt)
        except ValueError:
            return self._send(400, {"error": "invalid_parameter", "field": ",".join(sorted(flt))})
        end = offset + size
        cursor = None
        if end < len(lines):
            token = json.dumps({"e": name, "o": end, "f": fingerprint}, separators=(",", ":")).encode()
            cursor = base64.urlsafe_b64encode(token).decode().rstrip("=")
        served = [] if st.faults.empty else lines[offset:end]
        cursor = None if st.faults.empty else cursor
        data = ('{"data":[' + ",".join(served) + '],"next_cursor":' + json.dumps(cursor) + "}").encode()
        with st.lock:
            st.stats[f"records_{name}"] += len(served)
        if st.take("drop_next"):
            return self._drop(data)
        if st.faults.bad_page and not st.take("bad_page_after"):
            return self._bad_page(st.faults.bad_page, data, q.get("cursor") or cursor)
        self._send(200, data)

    def _bad_page(self, kind: str, data: bytes, cursor: str | None) -> None:
        """A 200 whose body is not the page the API promises."""
        if kind == "html":
            body = b"<html><body><h1>Service maintenance</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if kind == "malformed":
            return self._send(200, data[: max(1, len(data) // 2)])
        if kind == "data_not_list":
            return self._send(200, {"data": {"records": "see attachment"}, "next_cursor": None})
        if kind == "cursor_loop":
            body = json.loads(data)
            body["next_cursor"] = cursor or "loop"
            return self._send(200, body)
        raise ValueError(f"unknown bad_page {kind!r}")

    def _update(self, body: bytes) -> None:
        st = self.state
        key = self.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self._send(400, {"errors": [{"field": "Idempotency-Key", "reason": "required"}]})
        digest = hmac.new(b"body", body, "sha256").hexdigest()
        try:
            update = json.loads(body)
        except ValueError:
            update = None
        errors = _validate_update(update, st.worker_ids)
        with st.lock:
            seen = st.idempotency.get(key)
            replay = seen is not None
            if replay:
                st.stats["replays"] += 1
            elif not errors:  # 422s are not remembered: a corrected body may reuse the key
                newest = st.latest_update.get(update["worker_id"])
                if newest is not None and newest >= update["effective_date"]:
                    seen = (digest, 409, json.dumps({"error": "newer_update_exists"}).encode())
                else:
                    st.latest_update[update["worker_id"]] = update["effective_date"]
                    st.stats["updates_applied"] += 1
                    answer = {"id": f"LSU-{st.stats['updates_applied']:06d}", "applied": True}
                    st.applied.append({"id": answer["id"], "key": key, **{k: update.get(k) for k in (
                        "worker_id", "status", "leave_type", "paid", "effective_date", "expected_return_date",
                        "source_case")}})
                    st.applied_per_key[key] += 1
                    seen = (digest, 201, json.dumps(answer).encode())
                st.idempotency[key] = seen
        if seen is None:
            return self._send(422, {"errors": errors})
        if replay and seen[0] != digest:
            return self._send(422, {"errors": [{"field": "Idempotency-Key", "reason": "reused_with_other_body"}]})
        if st.take("drop_next"):
            return self._drop(seen[2])
        self._send(seen[1], seen[2], {"Idempotent-Replayed": "true"} if replay else None)


def _validate_update(update: Any, worker_ids: set[str]) -> list[dict[str, str]]:
    """Field errors for a leave status update, in the spec's ``{"field", "reason"}`` shape."""
    if not isinstance(update, dict):
        return [{"field": "body", "reason": "not_a_json_object"}]
    errors = [{"field": k, "reason": "unexpected"} for k in sorted(set(update) - UPDATE_FIELDS)]
    errors += [{"field": k, "reason": "required"} for k in ("worker_id", "status", "paid", "effective_date",
                                                            "source_case") if update.get(k) is None]
    if isinstance(update.get("worker_id"), str) and update["worker_id"] not in worker_ids:
        errors.append({"field": "worker_id", "reason": "unknown_worker"})
    if update.get("status") not in (None, "on_leave", "active"):
        errors.append({"field": "status", "reason": "not_in_code_list"})
    if update.get("leave_type") not in (None, *LEAVE_TYPES) or (
            update.get("status") == "on_leave" and update.get("leave_type") is None):
        errors.append({"field": "leave_type", "reason": "not_in_code_list"})
    if "paid" in update and not isinstance(update["paid"], bool):
        errors.append({"field": "paid", "reason": "not_a_boolean"})
    for k in ("effective_date", "expected_return_date"):
        if update.get(k) is not None:
            try:
                date.fromisoformat(update[k])
            except (TypeError, ValueError):
                errors.append({"field": k, "reason": "not_an_iso_date"})
    return errors


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        sys.stderr.write(f"connection error: {sys.exc_info()[0].__name__}\n")


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m sandbox.hris_api --data DIR --port 0 [--rate-limit 10] [--faults JSON]``."""
    p = argparse.ArgumentParser(prog="python -m sandbox.hris_api", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1"], help="loopback only")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--client-id", default="leavehub")
    p.add_argument("--client-secret", default=os.environ.get(SECRET_ENV), help=f"default: ${SECRET_ENV}")
    p.add_argument("--token-ttl", type=float, default=3600)
    p.add_argument("--rate-limit", type=float, default=10, help="requests/s per client; 0 disables")
    p.add_argument("--max-page-size", type=int, default=500)
    p.add_argument("--faults", default="{}", help='JSON, e.g. {"unavailable_rate": 0.1}')
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when the parent closes stdin (or dies)")
    args = p.parse_args(argv)
    if not args.client_secret:
        p.error(f"--client-secret or ${SECRET_ENV} is required")
    state = HrisState(args.data, args.client_id, args.client_secret, args.token_ttl, args.rate_limit,
                      args.max_page_size, args.seed)
    state.set_faults(json.loads(args.faults))
    handler = type("BoundHandler", (Handler,), {"state": state, "admin_token": os.environ.get(ADMIN_TOKEN_ENV)})
    server = _Server((args.host, args.port), handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.exit_on_stdin_eof:  # a parent killed with SIGKILL cannot stop us: its end of the pipe closing does
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), server.shutdown()), daemon=True).start()
    port = server.server_address[1]
    counts = {e: len(state.rows[e]) for e in ENDPOINTS}
    print(json.dumps({"ready": True, "port": port, "url": f"http://127.0.0.1:{port}", "records": counts}),
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class HrisSimulator:
    """Start/stop the simulator as a child process; the process is killed on ``stop()``, exit or GC.

    Example: ``with HrisSimulator(d, client_id="hub", client_secret="s") as sim: ApiClient(sim.url, ...)``
    """

    def __init__(self, data_dir: str | Path, *, client_id: str, client_secret: str, token_ttl: float = 3600,
                 rate_limit: float = 10, faults: dict[str, Any] | None = None, log_path: str | Path | None = None,
                 seed: int | None = 7, startup_timeout: float = 20) -> None:
        self.data_dir, self.client_id, self.client_secret = Path(data_dir), client_id, client_secret
        self.token_ttl, self.rate_limit, self.faults, self.seed = token_ttl, rate_limit, faults or {}, seed
        self._own_log = log_path is None
        if log_path is None:
            fd, log_path = tempfile.mkstemp(prefix="hris_api_", suffix=".log")
            os.close(fd)
        self.log_path = Path(log_path)
        self.startup_timeout = startup_timeout
        self.admin_token = secrets.token_urlsafe(16)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("simulator not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HrisSimulator:
        cmd = [sys.executable, "-m", "sandbox.hris_api", "--data", str(self.data_dir), "--port", "0",
               "--client-id", self.client_id, "--token-ttl", str(self.token_ttl),
               "--rate-limit", str(self.rate_limit), "--faults", json.dumps(self.faults), "--exit-on-stdin-eof"]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        env = {**os.environ, SECRET_ENV: self.client_secret, ADMIN_TOKEN_ENV: self.admin_token,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        self._finalizer = weakref.finalize(self, _kill, self.proc)
        try:
            self.port = self._await_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _await_ready(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    line = self.proc.stdout.readline()
                    if not line:
                        break
                    if line.startswith(b"{") and json.loads(line).get("ready"):
                        return int(json.loads(line)["port"])
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"HRIS simulator did not become ready (exit={self.proc.poll()}):\n{tail}")

    def _admin(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        headers = {"X-Admin-Token": self.admin_token, "Content-Type": "application/json"}
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise ValueError(f"admin {path}: HTTP {exc.code} {exc.read()[:200]!r}") from None

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Change faults at run time, e.g. ``set_faults(drop_next=1)``, ``set_faults(expire_tokens=True)``."""
        return self._admin("POST", "/_admin/faults", faults)

    def stats(self) -> dict[str, int]:
        """Counters: token_requests, tokens_issued, requests_<endpoint>, status_<code>, dropped, replays ..."""
        return self._admin("GET", "/_admin/stats")

    def updates(self) -> dict[str, Any]:
        """The write-backs applied (``updates``: id, key, body fields) and ``applied_per_key``: key -> count."""
        return self._admin("GET", "/_admin/updates")

    def enter_update(self, worker_id: str, effective_date: str) -> dict[str, Any]:
        """An update keyed in at the HRIS for ``worker_id`` on ``effective_date`` (older ones then get 409)."""
        return self._admin("POST", "/_admin/updates", {"worker_id": worker_id, "effective_date": effective_date})

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            self._finalizer()
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe:
                    pipe.close()
            self.proc = None
        if self._own_log:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> HrisSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    main()
