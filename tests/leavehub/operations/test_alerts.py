"""send_alert delivers to a real webhook and a real SMTP server, retries within bounds, and never raises."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

import pytest

from leavehub.alerts import Alert, alert_channel, alerts_for_receipts, send_alert
from leavehub.config.employer import EmailAlerts, LogAlerts, WebhookAlerts

pytestmark = pytest.mark.realpeer

ALERT = Alert("missing_file", "harbor_leave.absences", date(2026, 11, 20), "no file for 2026-11-20 by 09:00",
              {"expected": "HARBOR_ABSENCE_20261120.csv", "ledger_id": 7})


def webhook(url_env: str = "LH_TEST_HOOK", **kw: object) -> WebhookAlerts:
    return WebhookAlerts.model_validate({"type": "webhook", "url_env": url_env, **kw})


def test_webhook_receives_the_alert_as_json_with_an_idempotency_key(webhook_sink: Any) -> None:
    delivery = send_alert(ALERT, webhook(), env={"LH_TEST_HOOK": webhook_sink.url}, sleep=lambda s: None)
    assert delivery.delivered and delivery.attempts == 1
    [request] = webhook_sink.received
    assert request["path"] == "/hooks/leavehub"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == ALERT.alert_id
    assert request["json"] == {"source": "leavehub", "alert_id": ALERT.alert_id, "kind": "missing_file",
                               "feed": "harbor_leave.absences", "business_date": "2026-11-20",
                               "summary": "no file for 2026-11-20 by 09:00",
                               "details": {"expected": "HARBOR_ABSENCE_20261120.csv", "ledger_id": 7},
                               "raised_at": ALERT.raised_at.isoformat()}


def test_webhook_retries_a_server_error_and_sends_the_same_alert_id(webhook_sink: Any) -> None:
    webhook_sink.statuses = [503, 500]
    waits: list[float] = []
    delivery = send_alert(ALERT, webhook(retries=2), env={"LH_TEST_HOOK": webhook_sink.url},
                          sleep=waits.append)
    assert delivery.delivered and delivery.attempts == 3
    assert [b["alert_id"] for b in webhook_sink.bodies()] == [ALERT.alert_id] * 3
    assert waits == [0.5, 1.0]  # bounded exponential backoff


def test_webhook_gives_up_after_the_retry_bound(webhook_sink: Any) -> None:
    webhook_sink.statuses = [503] * 10
    delivery = send_alert(ALERT, webhook(retries=1), env={"LH_TEST_HOOK": webhook_sink.url},
                          sleep=lambda s: None)
    assert not delivery.delivered and delivery.attempts == 2 and delivery.problem == "HTTP 503"
    assert len(webhook_sink.received) == 2


def test_webhook_client_error_is_not_retried(webhook_sink: Any) -> None:
    webhook_sink.statuses = [400]
    delivery = send_alert(ALERT, webhook(retries=3), env={"LH_TEST_HOOK": webhook_sink.url},
                          sleep=lambda s: None)
    assert not delivery.delivered and delivery.problem == "HTTP 400"
    assert len(webhook_sink.received) == 1


def test_webhook_that_hangs_is_cut_off_by_the_timeout(webhook_sink: Any) -> None:
    webhook_sink.delay_seconds = 2.0
    started = time.monotonic()
    delivery = send_alert(ALERT, webhook(retries=1, timeout_seconds=0.3),
                          env={"LH_TEST_HOOK": webhook_sink.url}, sleep=lambda s: None)
    assert not delivery.delivered and delivery.attempts == 2
    assert time.monotonic() - started < 1.8


def test_unreachable_webhook_never_raises_and_logs_without_the_url(caplog: pytest.LogCaptureFixture,
                                                                   closed_port: int) -> None:
    secret_url = f"http://127.0.0.1:{closed_port}/T000/B000/secret-token-xyz"
    with caplog.at_level(logging.INFO):
        delivery = send_alert(ALERT, webhook(retries=1), env={"LH_TEST_HOOK": secret_url}, sleep=lambda s: None)
    assert not delivery.delivered and delivery.attempts == 2
    assert "secret-token-xyz" not in caplog.text
    assert "ALERT missing_file harbor_leave.absences 2026-11-20" in caplog.text  # the log always has it


def test_webhook_env_var_unset_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    delivery = send_alert(ALERT, webhook(), env={})
    assert not delivery.delivered and delivery.problem == "LookupError"
    assert "LH_TEST_HOOK is not set" in caplog.text


def test_webhook_from_a_connection_sends_its_password_as_bearer(webhook_sink: Any) -> None:
    port = webhook_sink.url.split(":")[2].split("/")[0]
    conn = f'{{"conn_type": "http", "host": "127.0.0.1", "port": {port}, "password": "s3cret", ' \
           f'"extra": {{"endpoint": "/hooks/leavehub"}}}}'
    channel = WebhookAlerts.model_validate({"type": "webhook", "connection_id": "ops_hook"})
    delivery = send_alert(ALERT, channel, env={"AIRFLOW_CONN_OPS_HOOK": conn})
    assert delivery.delivered
    assert webhook_sink.received[0]["headers"]["Authorization"] == "Bearer s3cret"


def test_email_reaches_the_smtp_server(smtp_sink: Any) -> None:
    channel = EmailAlerts.model_validate({"type": "email", "host": smtp_sink.host, "port": smtp_sink.port,
                                          "from": "leavehub@example.com",
                                          "to": ["ops@example.com", "b@example.com"]})
    delivery = send_alert(ALERT, channel)
    assert delivery.delivered
    [raw] = smtp_sink.messages
    assert raw["to"] == ["<ops@example.com>", "<b@example.com>"]
    [message] = smtp_sink.parsed()
    assert message["Subject"] == ("[LeaveHub] missing_file harbor_leave.absences 2026-11-20: "
                                  "no file for 2026-11-20 by 09:00")
    assert message["From"] == "leavehub@example.com"
    body = message.get_payload(decode=True).decode()
    assert "expected: HARBOR_ABSENCE_20261120.csv" in body and "ledger_id: 7" in body


def test_email_through_a_connection(smtp_sink: Any) -> None:
    channel = EmailAlerts.model_validate({"type": "email", "smtp_connection_id": "ops_smtp",
                                          "from": "leavehub@example.com", "to": ["ops@example.com"]})
    env = {"AIRFLOW_CONN_OPS_SMTP": f"smtp://{smtp_sink.host}:{smtp_sink.port}"}
    assert send_alert(ALERT, channel, env=env).delivered
    assert len(smtp_sink.messages) == 1


def test_email_relay_down_is_reported_not_raised(closed_port: int) -> None:
    channel = EmailAlerts.model_validate({"type": "email", "host": "127.0.0.1", "port": closed_port,
                                          "from": "leavehub@example.com", "to": ["ops@example.com"],
                                          "timeout_seconds": 2})
    delivery = send_alert(ALERT, channel)
    assert not delivery.delivered and delivery.problem == "ConnectionRefusedError"


def test_channel_comes_from_employer_yaml(ops_hub, webhook_sink: Any, monkeypatch) -> None:
    assert isinstance(alert_channel(ops_hub.settings), LogAlerts)  # the sandbox's default
    ops_hub.set_alerts({"type": "webhook", "url_env": "LH_TEST_HOOK"})
    monkeypatch.setenv("LH_TEST_HOOK", webhook_sink.url)
    assert send_alert(ALERT, settings=ops_hub.settings).delivered
    assert webhook_sink.bodies()[0]["kind"] == "missing_file"


def test_broken_employer_yaml_falls_back_to_the_log(ops_hub) -> None:
    ops_hub.employer.write_text("version: [\n", encoding="utf-8")
    delivery = send_alert(ALERT, settings=ops_hub.settings)
    assert delivery.channel == "log" and delivery.delivered


def test_receipt_alerts_name_file_and_counts_only() -> None:
    from pathlib import Path

    from leavehub.pipeline.outcome import Receipt

    rejected = Receipt("harbor_leave.absences", "HARBOR_ABSENCE_20261121.csv", "REJECTED", date(2026, 11, 21),
                       errors=2, quarantine_report=Path("/q/feed/20261121T0000Z-X/X.errors.json"), ledger_id=5)
    applied = Receipt("harbor_leave.absences", "HARBOR_ABSENCE_20261120.csv", "APPLIED", date(2026, 11, 20))
    [alert] = alerts_for_receipts([applied, rejected])
    assert alert.kind == "quarantined" and alert.feed == "harbor_leave.absences"
    assert dict(alert.details) == {"file": "HARBOR_ABSENCE_20261121.csv", "errors": 2, "ledger_id": 5,
                                   "report": "X.errors.json", "quarantine_id": "20261121T0000Z-X"}
