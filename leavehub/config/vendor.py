"""The typed model of ``mappings/<vendor>/vendor.yaml``: how we reach a vendor and which feeds it has.

A vendor is data: this file plus one mapping file per feed. Every choice is a closed set and every section
forbids unknown keys, so a typo fails the deploy with the file, key path and line. ``load_vendors`` loads the
whole ``mappings/`` folder and keeps going past a broken vendor: the good ones are usable (their DAGs still
appear) and each broken one is reported with its own ``ConfigError``.

Example::

    harbor = load_vendor(Path("mappings/harbor_leave"))
    harbor.feeds["leave_periods"].file_pattern.glob()     # "HARBOR_LEAVE_*.csv.pgp"
    harbor.feeds["leave_periods"].arrival.deadline(date(2026, 3, 2))  # 2026-03-02 09:00 America/Los_Angeles
    found = load_vendors(Path("mappings")); found.raise_for_errors()
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from connectors.transports.pagination import CursorPagination, OffsetPagination, PagePagination, Pagination
from leavehub.config.employer import IanaTimeZone
from leavehub.config.file_pattern import FilePattern
from leavehub.config.yaml_lines import load_located, validate_located
from schemas.errors import ConfigError

__all__ = [
    "VENDOR_FILE",
    "WEEKDAYS",
    "Acknowledgements",
    "ArrivalWindow",
    "AssetSchedule",
    "CronSchedule",
    "CursorPagination",
    "Endpoint",
    "FeedSpec",
    "HttpTransport",
    "LocalTransport",
    "OffsetPagination",
    "PagePagination",
    "PayCalendarSchedule",
    "PgpSettings",
    "SftpTransport",
    "Supersede",
    "VendorConfig",
    "VendorSet",
    "load_vendor",
    "load_vendors",
    "transport_problem",
]

VENDOR_FILE = "vendor.yaml"

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
FeedRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
KeyColumns = Annotated[list[NonEmpty], Field(min_length=1)]
BareFileName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- transport ---------------------------------------------------------------------------------------


class LocalTransport(_Section):
    """Folders on this machine (tests, the sandbox, a mounted share)."""

    type: Literal["local"]
    inbound_dir: NonEmpty
    outbound_dir: NonEmpty
    archive_dir: NonEmpty | None = None


class SftpTransport(_Section):
    """An SFTP server; host, user, key and pinned host key live in the Airflow connection, never here."""

    type: Literal["sftp"]
    connection_id: NonEmpty
    inbound_dir: NonEmpty = Field(description="where the vendor drops files for us")
    outbound_dir: NonEmpty = Field(description="where we put files for the vendor")
    archive_dir: NonEmpty | None = None


class HttpTransport(_Section):
    """A REST API with OAuth2 client credentials from the Airflow connection."""

    type: Literal["http"]
    connection_id: NonEmpty
    token_path: NonEmpty = Field(pattern=r"^/")


Transport = Annotated[LocalTransport | SftpTransport | HttpTransport, Field(discriminator="type")]


class PgpSettings(_Section):
    """OpenPGP for file transports; keys come from the named connection."""

    connection_id: NonEmpty
    armor: bool = False
    sign: bool = True
    verify: bool = True
    max_expansion: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="an inbound file may decrypt to at most this many times its received size "
                                  "(or plaintext_floor_mb, whichever is larger); default 64")
    plaintext_floor_mb: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None, description="... but is always allowed this many MiB; default 64")

    def plaintext_limits(self) -> dict[str, int]:
        """The limits this vendor sets, as keyword arguments of ``connectors.pgp.plaintext_limit``."""
        limits = {"max_expansion": self.max_expansion, "floor": (self.plaintext_floor_mb or 0) << 20}
        return {k: v for k, v in limits.items() if v}


# --- feed parts --------------------------------------------------------------------------------------


class Supersede(_Section):
    """How a newer record with the same ``record_key`` replaces an older one, and what two rows with one key
    in one file mean: ``reject`` the file (default; both lines are named) or ``last_row_wins``."""

    rule: Literal["updated_at", "file_date", "append_only", "full_snapshot"]
    column: NonEmpty | None = Field(default=None, description="the vendor's updated-at column (updated_at only)")
    within_file: Literal["reject", "last_row_wins"] = "reject"
    scope: Annotated[list[NonEmpty], Field(min_length=1)] | None = Field(
        default=None, description="full_snapshot only: canonical fields a FULL file restates (e.g. a register's "
                                  "payroll_company_code and check_date); absent keys close only within them")

    @model_validator(mode="after")
    def _column_only_for_updated_at(self) -> Self:
        if self.rule == "updated_at" and self.column is None:
            raise ValueError("rule updated_at needs `column` (the vendor's updated-at column)")
        if self.rule != "updated_at" and self.column is not None:
            raise ValueError(f"`column` is only for rule updated_at, not {self.rule}")
        if self.rule != "full_snapshot" and self.scope is not None:
            raise ValueError(f"`scope` is only for rule full_snapshot, not {self.rule}")
        return self


_CRON_PRESETS = {"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"}
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?$")


def _check_cron(expr: str) -> str:
    if expr in _CRON_PRESETS:
        return expr
    parts = expr.split()
    if len(parts) != 5:
        raise ValueError("cron needs 5 fields (minute hour day month weekday) or a preset like @daily")
    for part, (low, high), what in zip(parts, _CRON_RANGES, ("minute", "hour", "day", "month", "weekday"),
                                       strict=True):
        for item in part.split(","):
            if not _CRON_FIELD.match(item):
                raise ValueError(f"cron {what} field {part!r} is not valid")
            for number in re.findall(r"\d+", item.split("/")[0]):
                if not low <= int(number) <= high:
                    raise ValueError(f"cron {what} {number} is outside {low}-{high}")
    return expr


class CronSchedule(_Section):
    type: Literal["cron"]
    cron: NonEmpty
    timezone: IanaTimeZone

    @field_validator("cron")
    @classmethod
    def _cron_is_valid(cls, value: str) -> str:
        return _check_cron(value)


class AssetSchedule(_Section):
    """Run when other feeds have produced data (``"vendor.feed"``), e.g. a census after the HRIS pull."""

    type: Literal["asset"]
    assets: Annotated[list[FeedRef], Field(min_length=1)]


class PayCalendarSchedule(_Section):
    """Run relative to the payroll calendar, e.g. 2 days before each pay date's processing."""

    type: Literal["pay_calendar"]
    event: Literal["pay_date", "period_end", "period_close"]
    offset_days: Annotated[int, Field(ge=-31, le=31)] = 0


def _schedule_type(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return f"{kind}_schedule" if isinstance(kind, str) else None


# Tags are "<type>_schedule", not "cron": pydantic puts the tag in error locations, and a tag equal to a
# field name ("cron") would make the error point at the wrong key.
Schedule = Annotated[
    Annotated[CronSchedule, Tag("cron_schedule")]
    | Annotated[AssetSchedule, Tag("asset_schedule")]
    | Annotated[PayCalendarSchedule, Tag("pay_calendar_schedule")],
    Discriminator(_schedule_type, custom_error_type="schedule_type",
                  custom_error_message="schedule `type` must be one of: cron, asset, pay_calendar"),
]


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_DAYS = re.compile(r"^\s*(business_date|last_pull_date)\s*(?:([+-])\s*(\d{1,4})\s*d)?\s*$")
PLACEHOLDERS = "{business_date}, {business_date - 35d}, {last_pull} or {last_pull_date - 35d}"


class Endpoint(_Section):
    """One API endpoint of an http feed, read with GET (a write-back names its own endpoint in code).

    A param's text may hold placeholders, filled in per pull: ``{business_date}`` (ISO date), the business
    date moved by whole days (``{business_date - 35d}``), ``{last_pull}``: when the last pull of this feed that
    the store took (APPLIED or DUPLICATE) started, less ``overlap_minutes``, as ISO 8601 UTC - so
    ``updated_since: "{last_pull}"`` asks only for what changed since - and ``{last_pull_date - 35d}``: that
    moment's UTC date moved by whole days (for an API that filters by date, re-reading a correction window). A
    param holding a ``last_pull`` placeholder is left out when there is no such pull yet (the first pull is
    whole), when a run asks for a whole pull, and - with ``whole_every_days: N`` - when no whole pull the store
    took has a business date within the N days before this one's (a vendor that cannot say what changed, like
    an hours API filtered by period, gets its older corrections re-read that often).
    """

    path: NonEmpty = Field(pattern=r"^/")
    pagination: Pagination | None = None
    params: dict[str, str | int | bool] = Field(default_factory=dict)
    overlap_minutes: Annotated[int, Field(ge=0, le=10_080)] = Field(
        60, description="how much earlier than the last pull's start {last_pull} reaches back (clock skew, "
                        "records committed while it ran)")
    whole_every_days: Annotated[int, Field(ge=1, le=366)] | None = Field(
        None, description="pull whole (the {last_pull} params left out) when the last whole pull's business date "
                          "is this many days or more before this pull's")

    @field_validator("params")
    @classmethod
    def _known_placeholders(cls, params: dict[str, str | int | bool]) -> dict[str, str | int | bool]:
        for name, value in params.items():
            for expr in _PLACEHOLDER.findall(value) if isinstance(value, str) else ():
                if expr.strip() != "last_pull" and not _DAYS.match(expr):
                    raise ValueError(f"param {name}: unknown placeholder {{{expr}}}; use {PLACEHOLDERS}")
        return params

    @model_validator(mode="after")
    def _whole_every_days_needs_a_delta(self) -> Self:
        if self.whole_every_days is not None and not self.uses_last_pull:
            raise ValueError("whole_every_days needs a param with a {last_pull} placeholder: every pull of this "
                             "endpoint is whole already")
        return self

    @property
    def uses_last_pull(self) -> bool:
        return any(_needs_last_pull(v) for v in self.params.values())

    def resolve_params(self, business_date: date, last_pull: datetime | None) -> dict[str, str | int | bool]:
        """The params of one pull, placeholders filled in (see the class doc)."""
        since = None if last_pull is None else (last_pull - timedelta(minutes=self.overlap_minutes)).astimezone(
            ZoneInfo("UTC"))

        def fill(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.strip() == "last_pull":
                return since.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[union-attr]  # left out when None
            base, sign, days = _DAYS.match(expr).groups()  # type: ignore[union-attr]  # validated
            day = business_date if base == "business_date" else since.date()  # type: ignore[union-attr]
            return (day + timedelta(days=int(days or 0) * (-1 if sign == "-" else 1))).isoformat()

        return {name: _PLACEHOLDER.sub(fill, value) if isinstance(value, str) else value
                for name, value in self.params.items() if since is not None or not _needs_last_pull(value)}


def _needs_last_pull(value: object) -> bool:
    """A param value with a ``{last_pull}`` or ``{last_pull_date ...}`` placeholder."""
    return isinstance(value, str) and any(expr.strip().startswith("last_pull")
                                          for expr in _PLACEHOLDER.findall(value))


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class ArrivalWindow(_Section):
    """When an inbound feed's file for a business date must have arrived, so silence becomes an alert.

    ``days`` are the weekdays that HAVE a business date (a Mon-Fri feed sends nothing for Saturday);
    the file for business date D is due by ``expected_by`` on D + ``lag_days`` in ``timezone``.
    """

    expected_by: ClockTime = Field(description="HH:MM, 24-hour, in `timezone`")
    timezone: IanaTimeZone
    days: Literal["daily"] | Annotated[list[Weekday], Field(min_length=1, max_length=7)] = "daily"
    lag_days: Annotated[int, Field(ge=0, le=7)] = 0

    @field_validator("days")
    @classmethod
    def _days_are_distinct(cls, value: Any) -> Any:
        if isinstance(value, list) and len(set(value)) != len(value):
            raise ValueError("days are listed twice")
        return value

    def expects(self, business_date: date) -> bool:
        """True when the feed sends a file for ``business_date`` (its weekday is one of ``days``)."""
        return self.days == "daily" or WEEKDAYS[business_date.weekday()] in self.days

    def deadline(self, business_date: date) -> datetime:
        """The aware instant by which the file for ``business_date`` is due."""
        hour, minute = (int(part) for part in self.expected_by.split(":"))
        day = business_date + timedelta(days=self.lag_days)
        return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(self.timezone))


# --- feed and vendor ---------------------------------------------------------------------------------


def transport_problem(feed: FeedSpec, transport_type: str | None) -> str | None:
    """Why ``feed`` does not fit a transport of ``transport_type`` (None when it does or the type is unknown)."""
    if transport_type == "http":
        if feed.endpoint is None:
            return "an http feed needs `endpoint`"
    elif transport_type in ("sftp", "local"):
        if (feed.file_pattern is None) == (feed.file_set is None):
            return f"a {transport_type} feed needs `file_pattern` (one file) or `file_set` (several), not both"
        if feed.endpoint is not None:
            return f"`endpoint` is only for http feeds, not {transport_type}"
    return None


class FeedSpec(_Section):
    """One exchange with the vendor: a file or endpoint, its format, its mapping, keys and schedule."""

    direction: Literal["in", "out"]
    format: Literal["delimited", "fixed_width", "json", "x12"]
    mapping: BareFileName = Field(description="mapping file in the same folder")
    file_pattern: FilePattern | None = None
    file_set: Annotated[dict[Slug, FilePattern], Field(min_length=2)] | None = Field(
        default=None, description="the files of one extract by name (the mapping's file_set joins them), "
                                  "each pattern with the same {date}; they are applied all or nothing")
    file_kind: Literal["full", "change"]
    record_key: KeyColumns | dict[Slug, KeyColumns] = Field(
        default_factory=list, description="vendor columns or JSON paths (per entity when the mapping has several)")
    supersede: Supersede | None = None
    schedule: Schedule | None = None
    endpoint: Endpoint | None = None
    arrival: ArrivalWindow | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _inbound_feeds_know_their_records(self, info: ValidationInfo) -> Self:
        if self.direction == "out" and self.arrival is not None:
            raise ValueError("`arrival` is only for inbound feeds (what we expect a vendor to send)")
        if self.direction == "in" and not self.record_key:
            raise ValueError("an inbound feed needs `record_key` (the vendor's stable key columns)")
        if self.direction == "in" and self.supersede is None:
            raise ValueError("an inbound feed needs `supersede` (how a newer record replaces an older one)")
        problem = transport_problem(self, (info.context or {}).get("transport_type"))
        if problem:
            raise ValueError(problem)
        return self


class Acknowledgements(_Section):
    """Where the vendor's answers to our X12 files land (``SUMMIT_999_{control_number}.x12.pgp`` in the
    inbound folder) and how long an interchange may go unanswered before it is alerted."""

    file_pattern: FilePattern
    expected_within_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 24


class VendorConfig(_Section):
    """The whole vendor.yaml."""

    version: Annotated[int, Field(ge=1)]
    vendor: Slug
    name: NonEmpty
    role: Literal["hris", "tpa", "carrier", "payroll"]
    transport: Transport
    pgp: PgpSettings | None = None
    feeds: Annotated[dict[Slug, FeedSpec], Field(min_length=1)]
    acknowledgements: Acknowledgements | None = None
    description: str | None = None

    @field_validator("vendor")
    @classmethod
    def _vendor_is_its_folder(cls, value: str, info: ValidationInfo) -> str:
        folder = (info.context or {}).get("folder")
        if folder is not None and value != folder:
            raise ValueError(f"vendor {value!r} must equal its folder name {folder!r}")
        return value

    @model_validator(mode="after")
    def _feeds_fit_the_transport(self) -> Self:
        for name, feed in self.feeds.items():
            problem = transport_problem(feed, self.transport.type)
            if problem:
                raise ValueError(f"feeds.{name}: {problem}")
        if self.pgp is not None and self.transport.type == "http":
            raise ValueError("pgp is for file transports (sftp, local), not http")
        if self.acknowledgements is not None and not any(f.format == "x12" and f.direction == "out"
                                                         for f in self.feeds.values()):
            raise ValueError("acknowledgements answer outbound x12 feeds; this vendor has none")
        return self

    def feed_refs(self) -> list[str]:
        """``"vendor.feed"`` for every feed (the asset names other feeds schedule on)."""
        return [f"{self.vendor}.{name}" for name in self.feeds]


def load_vendor(folder: Path, *, check_mappings: bool = True) -> VendorConfig:
    """Load ``folder/vendor.yaml``; with ``check_mappings`` every feed's mapping file must exist beside it."""
    folder = Path(folder)
    doc = load_located(folder / VENDOR_FILE)
    transport = doc.data.get("transport") if isinstance(doc.data, dict) else None
    context: dict[str, Any] = {
        "folder": folder.name,
        "transport_type": transport.get("type") if isinstance(transport, dict) else None,
    }
    config = validate_located(VendorConfig, doc, context)
    if check_mappings:
        for name, feed in config.feeds.items():
            if not (folder / feed.mapping).is_file():
                raise ConfigError(f"mapping file {feed.mapping!r} not found in {folder}", file=doc.file,
                                  key_path=f"feeds.{name}.mapping", line=doc.line_of(("feeds", name, "mapping")))
            if feed.file_set is not None:
                _check_file_set_members(folder, name, feed, doc)
    return config


def _check_file_set_members(folder: Path, name: str, feed: FeedSpec, doc: Any) -> None:
    """A feed's ``file_set`` names exactly the files its mapping's ``file_set`` joins (base + join)."""
    data = load_located(folder / feed.mapping).data
    spec = data.get("file_set") if isinstance(data, dict) else None
    joined: list[str] = []
    if isinstance(spec, dict):
        joined = [str(spec.get("base")), *(spec.get("join") or {})]
    declared = list(feed.file_set or {})
    if sorted(joined) != sorted(declared):
        where = ("feeds", name, "file_set")
        raise ConfigError(f"the feed's file_set ({', '.join(declared) or 'none'}) and mapping {feed.mapping}'s "
                          f"file_set ({', '.join(joined) or 'none'}) must name the same files", file=doc.file,
                          key_path=".".join(where), line=doc.line_of(where))


@dataclass
class VendorSet:
    """Every vendor under a mappings root: the ones that loaded, and a ConfigError for each that did not."""

    vendors: dict[str, VendorConfig] = field(default_factory=dict)
    errors: dict[str, ConfigError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def feed(self, ref: str) -> tuple[VendorConfig, FeedSpec]:
        """The vendor and feed for ``"vendor.feed"``; KeyError when either is unknown."""
        vendor_name, _, feed_name = ref.partition(".")
        vendor = self.vendors[vendor_name]
        return vendor, vendor.feeds[feed_name]

    def raise_for_errors(self) -> None:
        """Raise one ConfigError listing every broken vendor (for CI and deploy checks)."""
        if self.errors:
            listed = "; ".join(str(err) for _, err in sorted(self.errors.items()))
            raise ConfigError(f"{len(self.errors)} vendor config(s) broken: {listed}")


def load_vendors(root: Path, *, check_mappings: bool = True) -> VendorSet:
    """Load every ``root/<vendor>/vendor.yaml``; a broken vendor is recorded, never hides the others.

    Folders starting with ``.`` or ``_`` are skipped (shared material); any other folder without a
    vendor.yaml is an error, so a misnamed ``vendor.yml`` cannot silently drop a vendor.
    """
    found = VendorSet()
    for folder in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        if not (folder / VENDOR_FILE).is_file():
            found.errors[folder.name] = ConfigError(f"no {VENDOR_FILE} in vendor folder", file=str(folder))
            continue
        try:
            found.vendors[folder.name] = load_vendor(folder, check_mappings=check_mappings)
        except ConfigError as exc:
            found.errors[folder.name] = exc
    _check_asset_references(found)
    return found


def _check_asset_references(found: VendorSet) -> None:
    """An asset schedule must name a feed that exists (references to a broken vendor are not re-reported)."""
    known = {ref for vendor in found.vendors.values() for ref in vendor.feed_refs()}
    for vendor_name, vendor in list(found.vendors.items()):
        for feed_name, feed in vendor.feeds.items():
            if not isinstance(feed.schedule, AssetSchedule):
                continue
            dangling = [a for a in feed.schedule.assets if a not in known and a.split(".")[0] not in found.errors]
            if dangling:
                found.errors[vendor_name] = ConfigError(
                    f"schedule names unknown feed(s) {', '.join(dangling)}",
                    file=str(Path(vendor_name) / VENDOR_FILE), key_path=f"feeds.{feed_name}.schedule.assets")
                del found.vendors[vendor_name]
                break
