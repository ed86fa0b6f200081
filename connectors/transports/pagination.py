"""How an API endpoint pages: the one model vendor.yaml declares and the HTTP transport follows.

A closed set of three styles, each forbidding unknown keys (a typo in vendor.yaml fails with its key path):

    cursor  send ``cursor_param`` = the body's ``next_cursor_field`` until it is null or empty
    page    count ``page_param`` up from ``first_page``
    offset  advance ``offset_param`` by the records received (safe when a vendor caps the page size)

Every style finds a page's records at ``records_path`` (a dotted key into the page's JSON object: ``data``,
``result.items``) and asks for ``page_size`` of them with ``size_param``. This is the one statement of where an
API page keeps its records: the feed's JSON layout takes it from here (a mapping never repeats it).
Page and offset styles stop on an empty page, or on a short one with ``stop_on_short_page`` (one request
fewer, but records are lost if the vendor quietly caps the page size).

Example (vendor.yaml)::

    endpoint:
      path: /v1/workers
      pagination: {type: cursor, page_size: 500, records_path: data}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

__all__ = ["DEFAULT_PAGINATION", "CursorPagination", "OffsetPagination", "PagePagination", "Pagination",
           "parse_pagination"]

_Name = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
_PageSize = Annotated[int, Field(ge=1, le=10_000)]


class _Style(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    page_size: _PageSize
    records_path: Annotated[str, StringConstraints(pattern=r"^[^.\s]+(\.[^.\s]+)*$")] = "data"

    def records_of(self, page: Mapping[str, Any]) -> Any:
        """What the page holds at ``records_path`` (None when a key on the way is missing)."""
        found: Any = page
        for key in self.records_path.split("."):
            if not isinstance(found, Mapping) or key not in found:
                return None
            found = found[key]
        return found


class CursorPagination(_Style):
    type: Literal["cursor"] = "cursor"
    size_param: _Name = "page_size"
    cursor_param: _Name = "cursor"
    next_cursor_field: _Name = "next_cursor"


class PagePagination(_Style):
    type: Literal["page"] = "page"
    size_param: _Name = "page_size"
    page_param: _Name = "page"
    first_page: Annotated[int, Field(ge=0)] = 1
    stop_on_short_page: bool = False


class OffsetPagination(_Style):
    type: Literal["offset"] = "offset"
    size_param: _Name = "limit"
    offset_param: _Name = "offset"
    stop_on_short_page: bool = False


Pagination = Annotated[CursorPagination | PagePagination | OffsetPagination, Field(discriminator="type")]
# an endpoint that states no pagination: cursor pages of 500, records at ``data``
DEFAULT_PAGINATION = CursorPagination(page_size=500)
_ADAPTER: TypeAdapter[CursorPagination | PagePagination | OffsetPagination] = TypeAdapter(Pagination)


def parse_pagination(data: object) -> CursorPagination | PagePagination | OffsetPagination:
    """Validate a pagination block (a pydantic ValidationError names the bad key)."""
    return _ADAPTER.validate_python(data)
