"""The employer's configuration: who the employer is to each vendor, its time zone, and where alerts go.

The employer's pay-during-leave POLICY (hour rounding, FMLA leave-year method, top-ups ...) is its own
effective-dated file beside this one, ``policy.yaml`` (see ``leavehub.config.policy``). Loaded from
``employer.yaml`` with errors that name the file, the key path and the line. Stored times are always UTC;
``time_zone`` is only for business dates and schedules.

Example::

    employer = load_employer()                           # $LEAVEHUB_EMPLOYER or the repo's employer.yaml
    employer.payroll.company_codes                       # ["NWD"]: LedgerPay company codes
    employer.alerts.type                                 # "log" unless employer.yaml names a channel
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from leavehub.config.yaml_lines import load_model
from leavehub.settings import DEFAULT_EMPLOYER_FILE
from schemas.errors import ConfigError

__all__ = [
    "DEFAULT_EMPLOYER_FILE",
    "EMPLOYER_ENV",
    "AlertChannel",
    "CarrierSettings",
    "EmailAlerts",
    "EmployerConfig",
    "IanaTimeZone",
    "LogAlerts",
    "PayRunSchedule",
    "PayrollSettings",
    "ReconciliationSettings",
    "TpaSettings",
    "WebhookAlerts",
    "employer_file",
    "load_employer",
]

EMPLOYER_ENV = "LEAVEHUB_EMPLOYER"


def _iana_zone(name: str) -> str:
    """Accept only a real IANA zone name (``America/Los_Angeles``); abbreviations like ``PST`` are ambiguous."""
    if not name or name != name.strip() or name.upper() in {"PST", "EST", "CST", "MST"}:
        raise ValueError("not an IANA time zone name (e.g. America/Los_Angeles)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r}") from None
    return name


IanaTimeZone = Annotated[str, AfterValidator(_iana_zone)]
"""An IANA time zone name, checked against the zone database on load."""

Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


CronText = Annotated[str, StringConstraints(pattern=r"^\S+( \S+){4}$", max_length=100)]
FeedRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", max_length=130)]


class PayRunSchedule(_Section):
    """When a company's pay-run DAG looks at the pay calendar (``cron``, employer time zone) and how close to a
    processing deadline a check date must be to be sent (``lead_days``): each run sends (or replaces, or finds
    unchanged) every check date whose deadline is still ahead and at most ``lead_days`` away."""

    cron: CronText = "0 * * * *"
    lead_days: Annotated[int, Field(ge=1, le=31)] = 3


class PayrollSettings(_Section):
    """Who the employer is to its payroll vendor, and when the pay run goes. How leave hours round is policy
    (``policy.yaml``)."""

    company_codes: Annotated[list[Code], Field(min_length=1)]
    pay_run: PayRunSchedule = Field(default_factory=PayRunSchedule)


class CarrierSettings(_Section):
    group_number: Code


class TpaSettings(_Section):
    client_id: Code


class ReconciliationSettings(_Section):
    """When the reconciliation runs and how far back its vendor scorecard looks.

    It runs after the payroll register for a check date has arrived: ``after`` names the inbound feed
    (``vendor.feed``) whose asset event, carrying the register's check date, triggers it.
    """

    after: FeedRef = "ledgerpay.payroll_register"
    scorecard_weeks: Annotated[int, Field(ge=1, le=104)] = 8


EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$", max_length=100)]
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)]
EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", max_length=254)]
HostName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.:\[\]-]+$", max_length=253)]


class LogAlerts(_Section):
    """Alerts go to the log only (the default: a deployment without a channel still leaves a trace)."""

    type: Literal["log"] = "log"


class WebhookAlerts(_Section):
    """POST each alert as JSON. The URL is a secret (chat webhooks embed a token), so it is never in this file:
    name the environment variable that holds it (``url_env``) or an Airflow connection (``connection_id``)."""

    type: Literal["webhook"]
    url_env: EnvVarName | None = None
    connection_id: ConnectionId | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    retries: Annotated[int, Field(ge=0, le=5)] = 2

    @model_validator(mode="after")
    def _exactly_one_url_source(self) -> Self:
        if (self.url_env is None) == (self.connection_id is None):
            raise ValueError("webhook alerts need exactly one of url_env or connection_id")
        return self


class EmailAlerts(_Section):
    """Send each alert as a plain-text e-mail through an SMTP relay: an Airflow connection (host, port, login,
    password; extra ``starttls``) or a bare ``host``/``port`` relay that needs no credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["email"]
    smtp_connection_id: ConnectionId | None = None
    host: HostName | None = None
    port: Annotated[int, Field(ge=1, le=65535)] = 25
    starttls: bool = False
    from_address: EmailAddress = Field(alias="from")
    to: Annotated[list[EmailAddress], Field(min_length=1, max_length=50)]
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0

    @model_validator(mode="after")
    def _exactly_one_relay(self) -> Self:
        if (self.smtp_connection_id is None) == (self.host is None):
            raise ValueError("email alerts need exactly one of smtp_connection_id or host")
        return self


AlertChannel = Annotated[LogAlerts | WebhookAlerts | EmailAlerts, Field(discriminator="type")]
"""Where alerts go: a closed set (``log`` | ``webhook`` | ``email``), chosen by ``type``."""


class EmployerConfig(_Section):
    """The whole employer.yaml (the pay-during-leave policy lives in policy.yaml)."""

    version: Annotated[int, Field(ge=1)]
    effective_date: date
    name: Annotated[str, Field(min_length=1, max_length=200)]
    fein: Annotated[str | None, StringConstraints(pattern=r"^\d{2}-?\d{7}$")] = None
    time_zone: IanaTimeZone
    payroll: PayrollSettings
    carrier: CarrierSettings
    tpa: TpaSettings
    alerts: AlertChannel = Field(default_factory=LogAlerts)
    reconciliation: ReconciliationSettings = Field(default_factory=ReconciliationSettings)

    @property
    def zone(self) -> ZoneInfo:
        """The employer's zone, for turning UTC instants into business dates."""
        return ZoneInfo(self.time_zone)


def employer_file(path: Path | None = None) -> Path:
    """Which employer.yaml to read: the argument, else ``$LEAVEHUB_EMPLOYER``, else the repo's one."""
    if path is not None:
        return Path(path)
    from leavehub.settings import Settings

    return Settings.from_env().employer_file


def load_employer(path: Path | None = None) -> EmployerConfig:
    """Load and validate the employer config; any problem is a ``ConfigError`` naming file, key and line."""
    file = employer_file(path)
    if not file.is_file():
        raise ConfigError("employer config not found (set LEAVEHUB_EMPLOYER or pass a path)", file=str(file))
    return load_model(EmployerConfig, file)
