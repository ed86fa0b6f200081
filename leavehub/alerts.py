"""Alerts: tell a person that a file is missing, a sequence has a hole, or a file was quarantined.

A leaf of the engine (it imports only settings and config): the pipeline and operations both send through it.

The channel is employer config (``employer.yaml`` ``alerts:``), a closed set:

    log       the log only (the default)
    webhook   POST the alert as JSON to a URL held in an environment variable or an Airflow connection
    email     a plain-text e-mail through an SMTP relay (a connection, or a bare host/port)

Every alert is logged whatever the channel, so a dead webhook still leaves a trace. ``send_alert`` is called
from failure paths (a run that already failed, a check that found a missing file): it never raises into them -
a delivery problem is logged (class and status only; a webhook URL may embed a token, so it is never logged)
and reported in the returned ``Delivery``. An alert carries feed, business date, file name, counts and reasons;
callers never put a record value in it.

Example::

    send_alert(Alert("missing_file", "harbor_leave.absences", date(2026, 11, 20),
                     "no file for 2026-11-20 by 09:00 America/Los_Angeles", {"expected": "HARBOR_ABSENCE_..."}))
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any, Literal

from leavehub.config.employer import AlertChannel, EmailAlerts, LogAlerts, WebhookAlerts
from leavehub.settings import Settings

__all__ = ["Alert", "AlertKind", "Delivery", "alert_channel", "alerts_for_receipts", "send_alert"]

log = logging.getLogger(__name__)

AlertKind = Literal["missing_file", "sequence_gap", "quarantined", "release_failed", "backfill_failed",
                    "task_failed", "rejected_by_vendor", "not_acknowledged", "schema_drift"]
DetailValue = str | int | float | bool | None
USER_AGENT = "LeaveHub-alerts/1"
MAX_BACKOFF_SECONDS = 5.0


@dataclass(frozen=True)
class Alert:
    """One thing a person should look at. ``details`` holds names, counts and reasons - never a value."""

    kind: AlertKind
    feed: str
    business_date: date | None
    summary: str
    details: Mapping[str, DetailValue] = field(default_factory=dict)
    alert_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    raised_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_json(self) -> dict[str, Any]:
        """The webhook body; ``alert_id`` lets a receiver drop a retried delivery it already has."""
        return {"source": "leavehub", "alert_id": self.alert_id, "kind": self.kind, "feed": self.feed,
                "business_date": self.business_date.isoformat() if self.business_date else None,
                "summary": self.summary, "details": dict(self.details), "raised_at": self.raised_at.isoformat()}

    def subject(self) -> str:
        day = f" {self.business_date.isoformat()}" if self.business_date else ""
        return f"[LeaveHub] {self.kind} {self.feed}{day}: {self.summary}"[:200]


@dataclass(frozen=True)
class Delivery:
    """What became of one alert: the channel tried, whether it got through, how many attempts, why not."""

    channel: str
    delivered: bool
    attempts: int = 0
    problem: str | None = None


def alert_channel(settings: Settings | None = None) -> AlertChannel:
    """The configured channel; a broken or missing employer.yaml falls back to ``log`` (and says so)."""
    from schemas.errors import ConfigError

    settings = settings or Settings.from_env()
    try:
        return settings.employer.alerts
    except ConfigError as exc:
        log.warning("alerts: employer config unusable (%s); alerting to the log only", exc)
        return LogAlerts()


def send_alert(alert: Alert, channel: AlertChannel | None = None, *, settings: Settings | None = None,
               env: Mapping[str, str] | None = None, backoff_seconds: float = 0.5,
               sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Log ``alert`` and deliver it to the channel; never raises (a delivery problem is logged and returned)."""
    log.warning("ALERT %s %s %s: %s %s", alert.kind, alert.feed,
                alert.business_date.isoformat() if alert.business_date else "-", alert.summary,
                json.dumps(dict(alert.details), sort_keys=True, default=str))
    try:
        channel = channel if channel is not None else alert_channel(settings)
        if isinstance(channel, WebhookAlerts):
            return _post_webhook(alert, channel, os.environ if env is None else env, backoff_seconds, sleep)
        if isinstance(channel, EmailAlerts):
            return _send_email(alert, channel, os.environ if env is None else env)
        return Delivery("log", True, 1)
    except Exception as exc:  # an alert must never turn a handled failure into a crash
        log.error("alerts: %s not delivered (%s)", alert.alert_id, type(exc).__name__)
        return Delivery(getattr(channel, "type", "?"), False, 0, type(exc).__name__)


def alerts_for_receipts(receipts: list[Any]) -> list[Alert]:
    """An alert for every rejected receipt of a run (``RunOutcome.receipts``): file, error count, report; and
    one for every applied file with schema drift (new columns, unseen codes): the file, how many, the first."""
    alerts = []
    for r in receipts:
        if r.status == "APPLIED" and getattr(r, "warnings", None):
            alerts.append(Alert("schema_drift", r.feed, r.business_date,
                                f"{r.file} applied with {len(r.warnings)} schema drift warning(s)",
                                {"file": r.file, "warnings": len(r.warnings), "ledger_id": r.ledger_id,
                                 "first": r.warnings[0].reason[:200], "line": r.warnings[0].line}))
        if r.status != "REJECTED":
            continue
        report = r.quarantine_report
        alerts.append(Alert("quarantined", r.feed, r.business_date,
                            f"{r.file} rejected with {r.errors} error(s) and quarantined",
                            {"file": r.file, "errors": r.errors, "ledger_id": r.ledger_id,
                             "report": report.name if report is not None else None,
                             "quarantine_id": report.parent.name if report is not None else None}))
    return alerts


# -- webhook -------------------------------------------------------------------------------------------------


def _webhook_target(channel: WebhookAlerts, env: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """URL and extra headers. A connection's password, when set, is sent as a bearer token."""
    if channel.url_env is not None:
        url = (env.get(channel.url_env) or "").strip()
        if not url:
            raise LookupError(f"environment variable {channel.url_env} is not set")
        return _checked_url(url), {}
    from connectors.connections import get_connection

    assert channel.connection_id is not None
    conn = get_connection(channel.connection_id, env)
    host = (conn.host or "").strip()
    schema = (conn.schema or "").strip()
    path = str(conn.extra.get("endpoint", "")) or ("" if schema.lower() in ("http", "https") else schema)
    if "://" in host:
        base = host.rstrip("/")
    else:
        scheme = schema.lower() if schema.lower() in ("http", "https") else (
            conn.conn_type if conn.conn_type in ("http", "https") else "https")
        base = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
    url = f"{base}/{path.lstrip('/')}" if path else base
    headers = {"Authorization": f"Bearer {conn.password}"} if conn.password else {}
    return _checked_url(url), headers


def _checked_url(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("webhook URL must be http(s)")  # never echo the URL: it may hold a token
    return url


class _Retryable(Exception):
    """A delivery failure worth another attempt (network error, 429, 5xx)."""


def _post_webhook(alert: Alert, channel: WebhookAlerts, env: Mapping[str, str], backoff_seconds: float,
                  sleep: Callable[[float], None]) -> Delivery:
    try:
        url, headers = _webhook_target(channel, env)
    except Exception as exc:
        log.error("alerts: webhook not configured usably (%s: %s); alert %s logged only",
                  type(exc).__name__, exc if isinstance(exc, LookupError | ValueError) else "", alert.alert_id)
        return Delivery("webhook", False, 0, type(exc).__name__)
    body = json.dumps(alert.as_json(), sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Idempotency-Key": alert.alert_id,
               **headers}
    problem = ""
    for attempt in range(1, channel.retries + 2):
        try:
            status = _post_once(url, body, headers, channel.timeout_seconds)
            log.info("alerts: %s delivered to webhook (HTTP %s, attempt %d)", alert.alert_id, status, attempt)
            return Delivery("webhook", True, attempt)
        except _Retryable as exc:
            problem = str(exc)
        except urllib.error.HTTPError as exc:  # 4xx other than 429: the receiver refuses; retrying won't help
            log.error("alerts: webhook refused %s (HTTP %s); not retried", alert.alert_id, exc.code)
            return Delivery("webhook", False, attempt, f"HTTP {exc.code}")
        log.warning("alerts: webhook attempt %d for %s failed (%s)", attempt, alert.alert_id, problem)
        if attempt <= channel.retries:
            sleep(min(backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
    log.error("alerts: %s not delivered to webhook after %d attempt(s) (%s)", alert.alert_id,
              channel.retries + 1, problem)
    return Delivery("webhook", False, channel.retries + 1, problem)


def _post_once(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 429 or exc.code >= 500:
            raise _Retryable(f"HTTP {exc.code}") from None
        raise
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
        reason = getattr(exc, "reason", exc)
        raise _Retryable(type(reason).__name__ if isinstance(reason, BaseException) else "URLError") from None


# -- e-mail --------------------------------------------------------------------------------------------------


def _send_email(alert: Alert, channel: EmailAlerts, env: Mapping[str, str]) -> Delivery:
    host, port, login, password, starttls = channel.host, channel.port, None, None, channel.starttls
    if channel.smtp_connection_id is not None:
        from connectors.connections import get_connection

        conn = get_connection(channel.smtp_connection_id, env)
        host, port = conn.host, conn.port or channel.port
        login, password = conn.login, conn.password
        starttls = str(conn.extra.get("starttls", starttls)).lower() in ("true", "1", "yes")
    message = EmailMessage()
    message["Subject"] = alert.subject()
    message["From"] = channel.from_address
    message["To"] = ", ".join(channel.to)
    message["Message-ID"] = f"<{alert.alert_id}@leavehub>"
    lines = [alert.summary, "", f"kind: {alert.kind}", f"feed: {alert.feed}",
             f"business date: {alert.business_date.isoformat() if alert.business_date else '-'}",
             f"raised at: {alert.raised_at.isoformat()}"]
    lines += [f"{key}: {value}" for key, value in sorted(alert.details.items())]
    message.set_content("\n".join(lines) + "\n")
    try:
        with smtplib.SMTP(host or "", port, timeout=channel.timeout_seconds) as smtp:
            if starttls:
                smtp.starttls()
            if login:
                smtp.login(login, password or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        log.error("alerts: %s not delivered by e-mail (%s)", alert.alert_id, type(exc).__name__)
        return Delivery("email", False, 1, type(exc).__name__)
    log.info("alerts: %s e-mailed to %d recipient(s)", alert.alert_id, len(channel.to))
    return Delivery("email", True, 1)
