"""A vendor's code tables: vendor code <-> canonical code, and what an unknown code does.

One ``codes.yaml`` per vendor folder holds named tables shared by all of the vendor's mappings. Each table
says explicitly what happens to a code it does not list (``reject``: a row error; ``pass``: keep as is;
``default X``: use X), because a silent new value is how bad data gets into payroll.

Example (codes.yaml)::

    tables:
      decision: {unknown: reject, values: {Approved: APPROVED, Denied: DENIED}}
      gender_834: {unknown: default U, values: {F: F, M: M, U: U}, send: {X: U}}
      relationship: {unknown: reject, values: {SP: SPOUSE, "Please Select": null}}   # a known "no value"
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CodeTable", "CodesFile", "UnknownDefault"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnknownDefault(_Rule):
    default: str


class CodeTable(_Rule):
    """Vendor code -> canonical code, and what an unknown code does: ``reject`` (row error), ``pass`` (keep
    as is) or ``default X`` / ``{default: X}``. ``send`` adds canonical -> vendor pairs used outbound only
    (e.g. an 834 sends gender X as U). A vendor code listed as ``null`` is a known way of saying "no value":
    it maps to null inbound and is never sent."""

    unknown: Annotated[str, Field(pattern=r"^(reject|pass|default\s+\S.*)$")] | UnknownDefault
    values: dict[str, str | None] = Field(min_length=1)
    send: dict[str, str] = Field(default_factory=dict)

    @property
    def behaviour(self) -> tuple[Literal["reject", "pass", "default"], str | None]:
        if isinstance(self.unknown, UnknownDefault):
            return "default", self.unknown.default
        if self.unknown.startswith("default"):
            return "default", self.unknown.split(None, 1)[1].strip()
        return self.unknown, None  # type: ignore[return-value]

    def inbound(self) -> dict[str, str | None]:
        return dict(self.values)

    def outbound(self) -> dict[str, str]:
        """Canonical -> vendor: the first vendor code listed for a canonical code wins, then ``send``."""
        out: dict[str, str] = {}
        for vendor_code, canonical in self.values.items():
            if canonical is not None:
                out.setdefault(canonical, vendor_code)
        out.update(self.send)
        return out


class CodesFile(_Rule):
    """A vendor's shared code tables (``mappings/<vendor>/codes.yaml``)."""

    version: int = Field(default=1, ge=1)
    tables: dict[str, CodeTable] = Field(min_length=1)
