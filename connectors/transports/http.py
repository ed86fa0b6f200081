"""HTTP API transport: OAuth2 client credentials, declared pagination, bounded retries, page-by-page streaming.

Why: vendor APIs (the Northwind HRIS first) hand us leave, pay and enrollment feeds as paged JSON. Every vendor
differs only in data a ``vendor.yaml`` can declare (token path, pagination style, retry budget), so this module
is one client for all of them. It streams one page at a time into the mapping pipeline and decides *how a failure
is handled* by raising from the one exception tree:

    TransientError  429 past the budget; 408, 5xx, timeouts, dropped connections past the retry bound
                    (one ``RetryPolicy`` per request, run by ``connectors.transports.retry``; Retry-After on
                    429 and 503 is honoured)
    ConfigError     bad credentials (after ONE token refresh), 3xx, 403, 404, 405, an unusable base URL
    RejectedInput   other 4xx (400, 409, 422 ...): ``http_status`` says which; 422 field names in ``errors``
    FormatError     a 2xx body that is not the JSON shape the pagination declares

Messages name the method, the path and the status - never a query value, a token, the secret or a body.
Paths (and a relative ``token_path``) are appended to ``base_url``; a full URL is used as it is.

Example::

    client = ApiClient("https://api.northwind.example", token_path="/oauth/token", client_id="hub",
                       client_secret=secret)
    for page in client.iter_pages("/v1/workers", {"updated_since": "2026-11-01T00:00:00Z"}): ...
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from connectors.transports.pagination import (
    DEFAULT_PAGINATION,
    CursorPagination,
    OffsetPagination,
    PagePagination,
    Pagination,
)
from connectors.transports.retry import RetryLater, RetryPolicy, RetryTally, call_with_retries
from schemas.errors import ConfigError, FormatError, RejectedInput, RowError, TransientError

__all__ = ["ApiClient", "ApiResponse", "parse_retry_after"]

log = logging.getLogger(__name__)

RETRIABLE_STATUS = frozenset({408, 500, 502, 503, 504})
CONFIG_STATUS = frozenset({403, 404, 405})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
_SAFE_REASON = re.compile(r"^[A-Za-z_ .-]{1,60}$")


@dataclass(frozen=True)
class ApiResponse:
    """A successful write-back: status, parsed JSON body and whether the vendor replayed an earlier answer."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None when absent/garbled.

    Example: ``parse_retry_after("2") == 2.0``; a date in the past gives ``0.0``.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _is_timeout(exc: requests.RequestException) -> bool:
    """requests reports a read timeout while reading the body as ConnectionError(ReadTimeoutError)."""
    return isinstance(exc, requests.Timeout) or any(isinstance(a, ReadTimeoutError) for a in exc.args)


def _is_loopback(host: str) -> bool:
    try:
        return host.lower() in _LOOPBACK_NAMES or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, *, allow_insecure_http: bool, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} must be an http(s) URL with a host", key_path=what)
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigError(f"{what} uses plain http to a non-loopback host: credentials would travel in clear;"
                          " use https or set allow_insecure_http", key_path=what)


class ApiClient:
    """One vendor API: token cache, retries and pagination over a pooled ``requests.Session``.

    Not shared between threads (``requests.Session`` is not thread-safe): make one per task. ``session`` is
    injectable (a session with a mounted fake adapter makes a mock transport for tests).
    Example: ``with ApiClient.from_connection(get_connection("northwind_hris")) as api: api.get_json("/v1/ping")``
    """

    def __init__(self, base_url: str, *, token_path: str, client_id: str, client_secret: str,
                 timeout: tuple[float, float] = (5, 30), retry: RetryPolicy | None = None,
                 session: requests.Session | None = None, allow_insecure_http: bool = False,
                 user_agent: str = "LeaveHub/0.1") -> None:
        _check_url(base_url, allow_insecure_http=allow_insecure_http, what="base_url")
        if not client_id or not client_secret:
            raise ConfigError("client_id and client_secret are required", key_path="login/password")
        self.base_url = base_url.rstrip("/")
        self.token_url = token_path if "://" in token_path else self._url(token_path)
        _check_url(self.token_url, allow_insecure_http=allow_insecure_http, what="token_path")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._owns_session = session is None
        self.session = session or self._new_session()
        self.session.headers.setdefault("User-Agent", user_agent)
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = threading.Lock()

    def __repr__(self) -> str:  # never the secret or the token
        return f"ApiClient({self.base_url!r}, client_id={self.client_id!r})"

    @classmethod
    def from_connection(cls, conn: Any, **overrides: Any) -> ApiClient:
        """Build a client from an Airflow-style connection (duck-typed: host, port, schema, login, password, extra)

        ``login``/``password`` are the OAuth client id/secret. The scheme is ``schema`` when it says http(s)
        (HttpHook style), else ``conn_type`` when it does (URI style, where ``schema`` is a base path), else https.
        ``extra``: ``token_path`` (default ``/oauth/token``), ``base_path``, ``connect_timeout``, ``read_timeout``,
        ``allow_insecure_http``. Example: ``ApiClient.from_connection(get_connection("northwind_hris"))``.
        """
        extra: Mapping[str, Any] = getattr(conn, "extra", None) or {}
        host = (getattr(conn, "host", None) or "").strip()
        if not host:
            raise ConfigError("connection has no host", key_path=f"{getattr(conn, 'conn_id', '?')}.host")
        schema = (getattr(conn, "schema", None) or "").strip()
        conn_type = (getattr(conn, "conn_type", None) or "").strip().lower()
        base_path = str(extra.get("base_path", ""))
        if schema.lower() in ("http", "https"):
            scheme = schema.lower()
        else:
            scheme = conn_type if conn_type in ("http", "https") else "https"
            base_path = base_path or schema
        if "://" in host:
            base = host.rstrip("/")
        else:
            port = getattr(conn, "port", None)
            base = f"{scheme}://{host}" + (f":{int(port)}" if port else "")
        if base_path:
            base = f"{base}/{base_path.strip('/')}"
        kwargs: dict[str, Any] = {
            "token_path": str(extra.get("token_path", "/oauth/token")),
            "client_id": getattr(conn, "login", None) or "",
            "client_secret": getattr(conn, "password", None) or "",
            "timeout": (float(extra.get("connect_timeout", 5)), float(extra.get("read_timeout", 30))),
            "allow_insecure_http": str(extra.get("allow_insecure_http", "")).lower() in ("1", "true", "yes"),
        }
        kwargs.update(overrides)
        return cls(base, **kwargs)

    # -- public calls -------------------------------------------------------------------------------------------

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET one JSON object with auth and retries. Example: ``api.get_json("/v1/workers", {"page_size": 1})``"""
        return self._json(self._send("GET", path, params=params), path)

    def iter_pages(
        self, path: str, params: Mapping[str, Any] | None = None, pagination: Pagination | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page's records as a list, fetching the next page only when asked (no accumulation).

        A page that fails mid-transfer is re-requested with the same cursor/page/offset, so each record is
        fetched exactly once. Example: ``for chunk in api.iter_pages("/v1/workers"): frame = to_frame(chunk)``.
        """
        pg = pagination or DEFAULT_PAGINATION
        query: dict[str, Any] = {**(params or {}), pg.size_param: pg.page_size}
        page_no, offset, seen_cursors, served = getattr(pg, "first_page", 1), 0, set(), 0
        while True:
            if isinstance(pg, PagePagination):
                query[pg.page_param] = page_no
            elif isinstance(pg, OffsetPagination):
                query[pg.offset_param] = offset
            served += 1
            where = f"GET {path} page {served}"
            body = self._json(self._send("GET", path, params=query), where)
            records = pg.records_of(body)
            if not isinstance(records, list):
                raise FormatError(f"{where}: body has no list at '{pg.records_path}'", field=pg.records_path)
            if records:
                yield records
            if isinstance(pg, CursorPagination):
                cursor = body.get(pg.next_cursor_field)
                if cursor in (None, ""):
                    return
                if cursor in seen_cursors:
                    raise FormatError(f"{where}: the vendor repeated a cursor (pagination loop)")
                seen_cursors.add(cursor)
                query[pg.cursor_param] = cursor
            else:
                if not records or (pg.stop_on_short_page and len(records) < pg.page_size):
                    return
                page_no += 1
                offset += len(records)

    def iter_records(
        self, path: str, params: Mapping[str, Any] | None = None, pagination: Pagination | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield records one by one, page by page. Example: ``ids = {w["id"] for w in api.iter_records(p)}``."""
        for page in self.iter_pages(path, params, pagination):
            yield from page

    def post_json(self, path: str, body: Mapping[str, Any], *, idempotency_key: str) -> ApiResponse:
        """POST a write-back with an ``Idempotency-Key``, so retries after a lost answer never apply it twice.

        409 and 422 raise ``RejectedInput`` (``http_status`` set; 422 field names in ``errors``).
        Example: ``api.post_json("/v1/leave_status_updates", update, idempotency_key=str(batch_uuid))``.
        """
        if not idempotency_key or not idempotency_key.strip():
            raise ConfigError("post_json needs a non-empty idempotency_key", key_path="idempotency_key")
        resp = self._send("POST", path, json_body=dict(body), headers={"Idempotency-Key": idempotency_key})
        replayed = resp.headers.get("Idempotent-Replayed", "").lower() == "true"
        return ApiResponse(status=resp.status_code, body=self._json(resp, path), replayed=replayed)

    def close(self) -> None:
        """Release pooled connections (only when this client created the session)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token -------------------------------------------------------------------------------------------------

    def _bearer(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires_at:
                self._fetch_token()
            assert self._token is not None
            return self._token

    def _fetch_token(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self._client_secret}
        resp = self._send("POST", self.token_url, form=form, authenticate=False)
        body = self._json(resp, "token endpoint")
        token, ttl = body.get("access_token"), body.get("expires_in", 300)
        if not isinstance(token, str) or not token:
            raise FormatError("token endpoint answered without an access_token")
        try:
            ttl = float(ttl)
        except (TypeError, ValueError):
            ttl = 300.0
        self._token = token
        self._token_expires_at = time.monotonic() + ttl - min(60.0, ttl * 0.1)
        log.info("obtained an access token (expires in %.0fs)", ttl)

    # -- the retry loop --------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"

    def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None,
              form: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
              authenticate: bool = True) -> requests.Response:
        """Send until a 2xx within the retry policy (``connectors.transports.retry``), refreshing the token once
        on 401, or raise the class that says what to do next."""
        url, where = self._url(path), f"{method} {urlsplit(self._url(path)).path}"
        refreshed = False

        def attempt(number: int) -> requests.Response:
            nonlocal refreshed
            req_headers = dict(headers or {})
            if authenticate:
                req_headers["Authorization"] = f"Bearer {self._bearer()}"
            started = time.monotonic()
            try:
                resp = self.session.request(method, url, params=params, json=json_body, data=form,
                                            headers=req_headers, timeout=self.timeout, allow_redirects=False)
                resp.content  # read the whole body inside the try: a dropped connection fails here  # noqa: B018
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader) as exc:
                raise ConfigError(f"{where}: unusable request ({type(exc).__name__})") from None
            except requests.RequestException as exc:
                raise RetryLater("timed out" if _is_timeout(exc) else f"failed ({type(exc).__name__})") from None
            status = resp.status_code
            log.debug("%s -> %s in %.3fs (attempt %d)", where, status, time.monotonic() - started, number)
            if 200 <= status < 300:
                return resp
            if status == 401 and authenticate and not refreshed:
                log.info("%s -> 401: refreshing the access token once", where)
                refreshed = True
                with self._token_lock:
                    self._token = None
                raise RetryLater("HTTP 401", wait=0.0, counted=False, status=status)
            if status == 429 or status in RETRIABLE_STATUS:
                honoured = parse_retry_after(resp.headers.get("Retry-After")) if status in (429, 503) else None
                raise RetryLater(f"HTTP {status}", wait=honoured, rate_limited=status == 429, status=status)
            if status == 401 or not authenticate:
                what = "API rejected a freshly issued token" if authenticate else (
                    "token endpoint rejected the client credentials")
                raise self._status_error(
                    ConfigError(f"{where}: {what} (HTTP {status}{self._oauth_code(resp)})"), status)
            raise self._client_error(where, resp)

        def give_up(exc: BaseException, tally: RetryTally) -> BaseException:
            later = exc if isinstance(exc, RetryLater) else RetryLater(type(exc).__name__)
            if later.rate_limited:
                message = (f"{where}: rate limited {tally.rate_limited} time(s); waiting {tally.next_wait:.1f}s "
                           f"more would pass the {self.retry.budget:.0f}s budget or the 429 bound")
            else:
                message = f"{where}: {later.reason}; gave up after {tally.failures} attempt(s)"
            return self._status_error(TransientError(message), later.status)

        def on_retry(exc: BaseException, tally: RetryTally) -> None:
            reason = exc.reason if isinstance(exc, RetryLater) else type(exc).__name__
            log.warning("%s %s: retrying in %.2fs (%d failure(s), %d rate limit(s))", where, reason,
                        tally.next_wait, tally.failures, tally.rate_limited)

        return call_with_retries(attempt, self.retry, give_up=give_up, on_retry=on_retry)

    @staticmethod
    def _status_error(exc: Exception, status: int | None) -> Exception:
        exc.http_status = status  # type: ignore[attr-defined]
        return exc

    @staticmethod
    def _oauth_code(resp: requests.Response) -> str:
        """The standard OAuth ``error`` code (``invalid_client`` ...) when it is one; never free text."""
        try:
            code = resp.json().get("error")
        except (ValueError, AttributeError):
            return ""
        return f", {code}" if isinstance(code, str) and re.fullmatch(r"[a-z_]{3,40}", code) else ""

    def _client_error(self, where: str, resp: requests.Response) -> Exception:
        status = resp.status_code
        if status in CONFIG_STATUS or 300 <= status < 400:
            return self._status_error(ConfigError(f"{where}: HTTP {status} (check the URL and permissions)"),
                                      status)
        errors: list[RowError] = []
        if status == 422:
            try:
                raw = resp.json().get("errors") or []
            except (ValueError, AttributeError):
                raw = []
            for item in raw if isinstance(raw, list) else []:
                if isinstance(item, dict) and isinstance(item.get("field"), str):
                    reason = item.get("reason")
                    safe = reason if isinstance(reason, str) and _SAFE_REASON.match(reason) else "invalid"
                    errors.append(RowError(row=None, field=item["field"][:80], reason=safe))
        label = {409: "conflict", 422: "unprocessable"}.get(status, "rejected")
        fields = ", ".join(e.field or "?" for e in errors)
        msg = f"{where}: HTTP {status} {label}" + (f" (fields: {fields})" if fields else "")
        return self._status_error(RejectedInput(msg, errors=errors), status)

    @staticmethod
    def _json(resp: requests.Response, where: str) -> dict[str, Any]:
        try:
            body = resp.json()
        except ValueError:
            raise FormatError(f"{where}: response is not JSON (HTTP {resp.status_code})") from None
        if not isinstance(body, dict):
            raise FormatError(f"{where}: response JSON is not an object")
        return body

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        # retries are ours (429 budget, same-cursor page retries); urllib3 must not retry underneath us
        no_retries = Retry(total=0, read=False, redirect=False)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=4, max_retries=no_retries)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session
