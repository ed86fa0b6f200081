"""Version of the canonical schema: semantic versioning over the models in ``schemas.models``.

Bump MAJOR when a field is removed, renamed or narrowed; MINOR when a field or code is added; PATCH for
documentation. The exported JSON Schemas carry it, and every stored record and computed line records it.

Example::

    from schemas.version import SCHEMA_VERSION  # "1.0.0"
"""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION"]

SCHEMA_VERSION = "1.0.0"
