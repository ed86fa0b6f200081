"""A feed's plan: its vendor.yaml entry, checked mapping, compiled mapper, layout and keys, built once.

vendor.yaml is the home of what a feed IS (direction, format, record key, supersede rule); the mapping file
repeats its vendor, feed (unless several feeds share it) and direction and its layout names its format, so
building a plan checks that they agree and refuses the feed with the file and key path when they do not.
The mapping is loaded, checked and compiled once (codes included); the plan is passed down to every step.

Example::

    plan = load_feed("harbor_leave.leave_periods")
    plan.mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=day)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leavehub.settings import Settings
from schemas.errors import ConfigError

if TYPE_CHECKING:
    from leavehub.config.feed_keys import EntityKey
    from leavehub.config.vendor import FeedSpec, VendorConfig
    from leavehub.mapping.loader import Mapper
    from leavehub.mapping.model import MappingFile

__all__ = ["FeedPlan", "build_plan", "check_vendor_plans", "load_feed", "split_feed_id"]


def split_feed_id(feed_id: str) -> tuple[str, str]:
    """``"harbor_leave.leave_periods"`` -> ``("harbor_leave", "leave_periods")``."""
    vendor, sep, feed = feed_id.partition(".")
    if not sep or not vendor or not feed:
        raise ConfigError(f"feed id {feed_id!r} must look like VENDOR.FEED")
    return vendor, feed


@dataclass(frozen=True)
class FeedPlan:
    """Everything one feed needs, read from ``mappings/<vendor>/``, cross-checked and compiled once."""

    vendor: VendorConfig
    name: str
    settings: Settings
    folder: Path
    mapping: MappingFile
    mapper: Mapper
    keys: dict[str, EntityKey]
    parsed_layout: Any = None  # connectors.formats Layout; None when the mapping declares none

    @property
    def id(self) -> str:
        return f"{self.vendor.vendor}.{self.name}"

    @property
    def spec(self) -> FeedSpec:
        """The feed's entry in vendor.yaml."""
        return self.vendor.feeds[self.name]

    @property
    def layout(self) -> Any:
        if self.parsed_layout is None:
            raise ConfigError(f"{self.id}: the mapping declares no layout",
                              file=str(self.folder / self.spec.mapping), key_path="layout")
        return self.parsed_layout

    def supersede_plan(self, entity: str) -> Any:
        """How ``entity``'s records from this feed replace stored ones (``leavehub.store.SupersedePlan``)."""
        from leavehub.store import SupersedePlan, SupersedeRule

        supersede = self.spec.supersede
        return SupersedePlan(SupersedeRule(supersede.rule), self.keys[entity].stamp, supersede.within_file,
                             tuple(supersede.scope or ()))

    @property
    def mapping_version(self) -> str:
        return f"{self.mapping.version}@{self.mapping.effective_date.isoformat()}"


def build_plan(vendor: VendorConfig, name: str, folder: Path, settings: Settings) -> FeedPlan:
    """Load, check and compile feed ``name`` of ``vendor`` (folder ``folder``); ``ConfigError`` names the file,
    key path and, for a fact stated in both files that disagrees, both statements."""
    from connectors.formats import parse_layout
    from leavehub.config.feed_keys import feed_keys
    from leavehub.mapping.loader import load_compiled

    spec = vendor.feeds[name]
    mapping_file, vendor_file = folder / spec.mapping, str(folder / "vendor.yaml")
    mapping, mapper = load_compiled(mapping_file)
    sharing = [other for other, feed in vendor.feeds.items() if feed.mapping == spec.mapping]
    stated = {"vendor": (mapping.vendor, vendor.vendor), "direction": (mapping.direction, spec.direction),
              # a mapping shared by several feeds (a full and a change 834) names itself, not one of them
              "feed": (mapping.feed, name if len(sharing) == 1 else mapping.feed)}
    for key, (in_mapping, in_vendor) in stated.items():
        if in_mapping != in_vendor:
            where = "vendor" if key == "vendor" else f"feeds.{name}" if key == "feed" else f"feeds.{name}.{key}"
            raise ConfigError(f"{spec.mapping} says {key} {in_mapping!r} but vendor.yaml says {in_vendor!r}",
                              file=vendor_file, key_path=where)
    layout = None
    if mapping.layout:
        try:
            layout = parse_layout(mapping.layout)
        except ConfigError:
            raise
        except ValueError as exc:  # pydantic ValidationError
            raise ConfigError(f"layout: {exc}", file=str(mapping_file), key_path="layout") from None
        if layout.type != spec.format:
            raise ConfigError(f"{spec.mapping}'s layout is {layout.type!r} but vendor.yaml says format "
                              f"{spec.format!r}", file=vendor_file, key_path=f"feeds.{name}.format")
        if layout.type == "json" and spec.endpoint is not None:
            layout = _with_records_path(layout, mapping.layout, spec, name, mapping_file)
    keys = feed_keys(vendor, name, mapping.targets or [], file=vendor_file) if spec.direction == "in" else {}
    _check_scope(spec, name, list(keys), vendor_file)
    return FeedPlan(vendor=vendor, name=name, settings=settings, folder=folder, mapping=mapping, mapper=mapper,
                    keys=keys, parsed_layout=layout)


def _check_scope(spec: FeedSpec, name: str, entities: list[str], vendor_file: str) -> None:
    """A snapshot's ``scope`` names canonical fields every entity of the feed has (the merge compares them)."""
    from schemas.models import ENTITIES

    scope = spec.supersede.scope if spec.supersede is not None else None
    for entity in entities if scope else []:
        unknown = [f for f in scope if f not in ENTITIES[entity].model_fields]
        if unknown:
            raise ConfigError(f"supersede.scope names {', '.join(unknown)}, not a field of {entity}",
                              file=vendor_file, key_path=f"feeds.{name}.supersede.scope")


def _with_records_path(layout: Any, stated: dict[str, Any], spec: FeedSpec, name: str, mapping_file: Path) -> Any:
    """An API feed's JSON layout finds a page's records where vendor.yaml's pagination says (its one home)."""
    from connectors.transports.pagination import DEFAULT_PAGINATION

    if "records_path" in stated:
        raise ConfigError(f"{spec.mapping}: layout.records_path repeats what vendor.yaml states as "
                          f"feeds.{name}.endpoint.pagination.records_path; remove it from the mapping",
                          file=str(mapping_file), key_path="layout.records_path")
    pagination = (spec.endpoint.pagination if spec.endpoint else None) or DEFAULT_PAGINATION
    return layout.model_copy(update={"records_path": pagination.records_path})


def check_vendor_plans(folder: Path, settings: Settings | None = None) -> dict[str, FeedPlan]:
    """Build every feed's plan of the vendor in ``folder``: what ``leavehub mapping check vendor.yaml`` runs."""
    from leavehub.config.vendor import load_vendor

    vendor = load_vendor(folder)
    settings = settings or Settings.from_env()
    return {name: build_plan(vendor, name, Path(folder), settings) for name in vendor.feeds}


def load_feed(feed_id: str, settings: Settings | None = None) -> FeedPlan:
    """Resolve ``VENDOR.FEED`` from the mappings folder and build its plan; a typo names the known feeds."""
    from leavehub.config.vendor import load_vendor

    settings = settings or Settings.from_env()
    vendor_name, feed_name = split_feed_id(feed_id)
    folder = settings.mappings_root / vendor_name
    if not (folder / "vendor.yaml").is_file():
        known = sorted(p.parent.name for p in settings.mappings_root.glob("*/vendor.yaml"))
        raise ConfigError(f"no vendor {vendor_name!r} (known: {', '.join(known) or 'none'})",
                          file=str(settings.mappings_root))
    vendor = load_vendor(folder)
    if feed_name not in vendor.feeds:
        raise ConfigError(f"vendor {vendor_name!r} has no feed {feed_name!r} "
                          f"(feeds: {', '.join(sorted(vendor.feeds))})", file=str(folder / "vendor.yaml"))
    return build_plan(vendor, feed_name, folder, settings)
