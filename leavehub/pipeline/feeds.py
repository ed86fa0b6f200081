"""A feed, resolved: its vendor config, compiled mapping and layout, loaded once and reused for every file.

Example::

    feed = load_feed("harbor_leave.leave_periods")
    feed.mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=day)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from leavehub.settings import Settings
from schemas.errors import ConfigError

__all__ = ["Feed", "load_feed", "split_feed_id"]


def split_feed_id(feed_id: str) -> tuple[str, str]:
    """``"harbor_leave.leave_periods"`` -> ``("harbor_leave", "leave_periods")``."""
    vendor, sep, feed = feed_id.partition(".")
    if not sep or not vendor or not feed:
        raise ConfigError(f"feed id {feed_id!r} must look like VENDOR.FEED")
    return vendor, feed


@dataclass
class Feed:
    """Everything one feed needs, read from ``mappings/<vendor>/``."""

    vendor: Any  # leavehub.config.vendor.VendorConfig
    name: str
    settings: Settings
    folder: Path
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return f"{self.vendor.vendor}.{self.name}"

    @property
    def spec(self) -> Any:
        """The feed's entry in vendor.yaml."""
        return self.vendor.feeds[self.name]

    @cached_property
    def mapping(self) -> Any:
        from leavehub.mapping.loader import load_mapping

        return load_mapping(self.folder / self.spec.mapping)

    @cached_property
    def layout(self) -> Any:
        from connectors.formats import parse_layout

        try:
            return parse_layout(self.mapping.layout)
        except ConfigError:
            raise
        except ValueError as exc:  # pydantic ValidationError
            raise ConfigError(f"layout: {exc}", file=str(self.folder / self.spec.mapping), key_path="layout") \
                from None

    @cached_property
    def mapper(self) -> Any:
        from leavehub.mapping.compiler import compile_mapping

        return compile_mapping(self.mapping, base_dir=self.folder)

    @cached_property
    def keys(self) -> dict[str, Any]:
        """Per entity, its record key fields and supersede stamp (``leavehub.config.feed_keys.EntityKey``)."""
        from leavehub.config.feed_keys import feed_keys

        return feed_keys(self.vendor, self.name, self.mapping.targets or [],
                         file=str(self.folder / "vendor.yaml"))

    def supersede_plan(self, entity: str) -> Any:
        """How ``entity``'s records from this feed replace stored ones (``leavehub.store.SupersedePlan``)."""
        from leavehub.store import SupersedePlan, SupersedeRule

        supersede = self.spec.supersede
        return SupersedePlan(SupersedeRule(supersede.rule), self.keys[entity].stamp, supersede.within_file)

    @property
    def mapping_version(self) -> str:
        return f"{self.mapping.version}@{self.mapping.effective_date.isoformat()}"


def load_feed(feed_id: str, settings: Settings | None = None) -> Feed:
    """Resolve ``VENDOR.FEED`` from the mappings folder; a typo names the known feeds."""
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
    return Feed(vendor=vendor, name=feed_name, settings=settings, folder=folder)
