"""File name patterns of vendor feeds: render the name we send, recognise the names we receive.

A pattern is literal text with placeholders: ``{date:<strftime>}`` for the business date the name carries
(at most one) and ``{name}`` for a variable such as the client id or batch id. The same pattern gives the
glob used to list a remote folder. Names with path separators or ``..`` are refused both ways: a vendor's
listing must never steer us outside the folder, and we never write outside it.

Example::

    p = FilePattern("HARBOR_ELIG_{client}_{date:%Y%m%d}.txt.pgp")
    p.render(date(2026, 3, 20), client="ACME")   # "HARBOR_ELIG_ACME_20260320.txt.pgp"
    p.match("HARBOR_ELIG_ACME_20260320.txt.pgp")  # PatternMatch(date(2026, 3, 20), {"client": "ACME"})
    p.glob()                                      # "HARBOR_ELIG_*_*.txt.pgp"
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from schemas.errors import ConfigError

__all__ = ["DATE_PLACEHOLDER", "FilePattern", "PatternMatch"]

DATE_PLACEHOLDER = "date"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
# strftime directives we can both render and parse back with fixed width.
_DIRECTIVES = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{2}", "d": r"\d{2}", "H": r"\d{2}", "M": r"\d{2}",
               "S": r"\d{2}", "j": r"\d{3}"}
_VARIABLE_VALUE = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_FORBIDDEN_LITERAL = set("/\\*?[]{}")


class PatternMatch(NamedTuple):
    """What a received name says: its business date (None when the pattern has no date) and variables."""

    business_date: date | None
    vars: dict[str, str]


def _is_safe_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and ".." not in name and "\x00" not in name


class FilePattern:
    """A compiled file name pattern; immutable, hashable and usable as a pydantic field type (from a str)."""

    __slots__ = ("_date_format", "_glob", "_regex", "_text", "_variables")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise ConfigError("file pattern must be a non-empty string")
        if "/" in text or "\\" in text or ".." in text:
            raise ConfigError("file pattern must be a bare file name (no path separators, no '..')")
        regex: list[str] = []
        glob: list[str] = []
        variables: list[str] = []
        date_format: str | None = None
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            regex.append(self._literal(text[pos:m.start()]))
            glob.append(text[pos:m.start()])
            name, spec = m.group(1), m.group(2)
            if name == DATE_PLACEHOLDER:
                if date_format is not None:
                    raise ConfigError("file pattern has more than one {date} placeholder")
                date_format = spec or "%Y%m%d"
                regex.append(f"(?P<{DATE_PLACEHOLDER}>{self._date_regex(date_format)})")
            else:
                if spec:
                    raise ConfigError(f"placeholder {{{name}}} takes no format (only {{date:...}} does)")
                if name in variables:
                    raise ConfigError(f"placeholder {{{name}}} appears twice")
                variables.append(name)
                regex.append(f"(?P<{name}>{_VARIABLE_VALUE})")
            glob.append("*")
            pos = m.end()
        regex.append(self._literal(text[pos:]))
        glob.append(text[pos:])
        self._text = text
        self._regex = re.compile("".join(regex))
        self._glob = "".join(glob)
        self._variables = tuple(variables)
        self._date_format = date_format

    @staticmethod
    def _literal(part: str) -> str:
        bad = sorted(set(part) & _FORBIDDEN_LITERAL)
        if bad:
            raise ConfigError(f"file pattern has unexpected character(s) {''.join(bad)!r} outside a placeholder")
        return re.escape(part)

    @staticmethod
    def _date_regex(fmt: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(fmt):
            ch = fmt[i]
            if ch == "%":
                directive = fmt[i + 1:i + 2]
                if directive not in _DIRECTIVES:
                    raise ConfigError(f"date format %{directive} is not supported (use %Y %y %m %d %H %M %S %j)")
                out.append(_DIRECTIVES[directive])
                i += 2
            else:
                if ch in _FORBIDDEN_LITERAL:
                    raise ConfigError(f"date format has unexpected character {ch!r}")
                out.append(re.escape(ch))
                i += 1
        return "".join(out)

    # --- the three things a feed does with its pattern ---------------------------------------------------

    def render(self, business_date: date | None = None, **variables: str) -> str:
        """The file name for ``business_date`` and the given variables; every placeholder must be filled."""
        missing = [v for v in self._variables if v not in variables]
        extra = sorted(set(variables) - set(self._variables))
        if missing or extra:
            raise ConfigError(f"file pattern {self._text!r}: missing {missing} / unknown {extra} variable(s)")
        if self._date_format is not None and business_date is None:
            raise ConfigError(f"file pattern {self._text!r} needs a business date")
        for name, value in variables.items():
            if not isinstance(value, str) or not re.fullmatch(_VARIABLE_VALUE, value) or ".." in value:
                raise ConfigError(f"file pattern variable {name!r}: not a safe name part "
                                  f"(letters, digits, '.', '_', '-')")

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == DATE_PLACEHOLDER:
                assert business_date is not None and self._date_format is not None
                return business_date.strftime(self._date_format)
            return variables[name]

        name = _PLACEHOLDER.sub(fill, self._text)
        if not _is_safe_name(name):
            raise ConfigError(f"file pattern {self._text!r} rendered an unsafe name")
        return name

    def match(self, name: str) -> PatternMatch | None:
        """The business date and variables in ``name``, or None when it is not this feed's file."""
        if not _is_safe_name(name):
            return None
        m = self._regex.fullmatch(name)
        if m is None:
            return None
        business_date: date | None = None
        if self._date_format is not None:
            try:
                business_date = datetime.strptime(m.group(DATE_PLACEHOLDER), self._date_format).date()
            except ValueError:  # e.g. 20260230: digits in place but not a calendar date
                return None
        return PatternMatch(business_date, {v: m.group(v) for v in self._variables})

    def glob(self) -> str:
        """A shell glob that lists candidate files (``match`` still decides)."""
        return self._glob

    # --- value semantics ---------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def variables(self) -> tuple[str, ...]:
        return self._variables

    @property
    def has_date(self) -> bool:
        return self._date_format is not None

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"FilePattern({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FilePattern) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Validate from a string (errors become ValidationErrors at the key), serialize back to it."""
        from_str = core_schema.no_info_after_validator_function(cls._coerce, core_schema.str_schema())
        return core_schema.json_or_python_schema(
            json_schema=from_str,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_str]),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def _coerce(cls, text: str) -> FilePattern:
        try:
            return cls(text)
        except ConfigError as exc:
            raise ValueError(exc.reason) from None
