"""The optional config sections operations add: employer ``alerts`` and a feed's ``arrival`` window."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from leavehub.config.employer import EmailAlerts, LogAlerts, WebhookAlerts, load_employer
from leavehub.config.vendor import ArrivalWindow, load_vendor, load_vendors
from leavehub.settings import REPO_ROOT
from schemas.errors import ConfigError


def employer_with(tmp_path: Path, alerts_yaml: str) -> Path:
    text = (REPO_ROOT / "employer.yaml").read_text(encoding="utf-8").split("\nalerts:")[0]
    path = tmp_path / "employer.yaml"
    path.write_text(text + "\n" + alerts_yaml, encoding="utf-8")
    return path


def test_repo_employer_alerts_to_the_log_and_every_inbound_reference_feed_has_a_window() -> None:
    assert isinstance(load_employer(REPO_ROOT / "employer.yaml").alerts, LogAlerts)
    vendors = load_vendors(REPO_ROOT / "mappings")
    vendors.raise_for_errors()
    windows = {f"{v}.{n}": f.arrival for v, c in vendors.vendors.items() for n, f in c.feeds.items()}
    assert windows["harbor_leave.leave_periods"] is not None
    assert windows["harbor_leave.benefit_payments"].days == ["fri"]
    assert windows["harbor_leave.eligibility"] is None  # outbound


def test_employer_without_alerts_defaults_to_log(tmp_path: Path) -> None:
    assert isinstance(load_employer(employer_with(tmp_path, "")).alerts, LogAlerts)


def test_webhook_and_email_channels_load(tmp_path: Path) -> None:
    hook = load_employer(employer_with(tmp_path, "alerts: {type: webhook, url_env: OPS_HOOK_URL, retries: 1}\n"))
    assert isinstance(hook.alerts, WebhookAlerts) and hook.alerts.url_env == "OPS_HOOK_URL"
    mail = load_employer(employer_with(tmp_path, "alerts:\n  type: email\n  host: smtp.example.com\n"
                                                 "  from: hub@example.com\n  to: [ops@example.com]\n"))
    assert isinstance(mail.alerts, EmailAlerts)
    assert mail.alerts.from_address == "hub@example.com" and mail.alerts.port == 25


@pytest.mark.parametrize(("alerts", "needle"), [
    ("alerts: {type: pager}\n", "alerts"),
    ("alerts: {type: webhook}\n", "exactly one of url_env or connection_id"),
    ("alerts: {type: webhook, url_env: https://hooks.example.com/x}\n", "[alerts.url_env]"),
    ("alerts: {type: email, from: a@example.com, to: [b@example.com]}\n", "exactly one of smtp_connection_id"),
    ("alerts: {type: email, host: h, from: not-an-address, to: [b@example.com]}\n", "from"),
    ("alerts: {type: log, url_env: X}\n", "url_env"),
])
def test_bad_alert_channels_are_config_errors_with_the_line(tmp_path: Path, alerts: str, needle: str) -> None:
    path = employer_with(tmp_path, alerts)
    with pytest.raises(ConfigError) as caught:
        load_employer(path)
    assert needle in str(caught.value)
    assert caught.value.line == len(path.read_text(encoding="utf-8").splitlines())


def test_arrival_window_deadline_and_days() -> None:
    window = ArrivalWindow(expected_by="09:00", timezone="America/Los_Angeles", days=["mon", "fri"])
    assert window.deadline(date(2026, 11, 20)) == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # PST = UTC-8
    assert window.deadline(date(2026, 7, 3)) == datetime(2026, 7, 3, 16, 0, tzinfo=UTC)  # PDT = UTC-7
    assert window.expects(date(2026, 11, 20)) and not window.expects(date(2026, 11, 19))
    lagged = ArrivalWindow(expected_by="06:30", timezone="UTC", lag_days=1)
    assert lagged.deadline(date(2026, 11, 20)) == datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
    assert lagged.expects(date(2026, 11, 22))  # daily


def write_vendor(tmp_path: Path, feed_changes: dict, feed: str = "absences") -> Path:
    folder = tmp_path / "harbor_leave"
    folder.mkdir()
    data = yaml.safe_load((REPO_ROOT / "mappings" / "harbor_leave" / "vendor.yaml").read_text(encoding="utf-8"))
    data["feeds"][feed].update(feed_changes)
    (folder / "vendor.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("changes", "feed", "needle"), [
    ({"arrival": {"expected_by": "9:00", "timezone": "UTC"}}, "absences", "expected_by"),
    ({"arrival": {"expected_by": "24:00", "timezone": "UTC"}}, "absences", "expected_by"),
    ({"arrival": {"expected_by": "09:00", "timezone": "PST"}}, "absences", "timezone"),
    ({"arrival": {"expected_by": "09:00", "timezone": "UTC", "days": ["mon", "mon"]}}, "absences", "twice"),
    ({"arrival": {"expected_by": "09:00", "timezone": "UTC", "days": ["monday"]}}, "absences", "days"),
    ({"arrival": {"expected_by": "09:00", "timezone": "UTC", "days": "weekdays"}}, "absences", "days"),
    ({"arrival": {"expected_by": "09:00", "timezone": "UTC"}}, "eligibility", "only for inbound feeds"),
])
def test_bad_arrival_windows_are_refused_at_their_key(tmp_path: Path, changes: dict, feed: str,
                                                      needle: str) -> None:
    folder = write_vendor(tmp_path, changes, feed)
    with pytest.raises(ConfigError) as caught:
        load_vendor(folder, check_mappings=False)
    assert needle in str(caught.value)
    assert f"feeds.{feed}" in (caught.value.key_path or "")
