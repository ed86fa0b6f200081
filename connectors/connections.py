"""Connections (host, login, secrets, extras) resolved from the environment exactly as Airflow stores them.

Why: in production a DAG hands us Airflow's ``Connection``; on the command line, in tests and in the sandbox
the same settings come from ``AIRFLOW_CONN_<CONN_ID>`` environment variables, which Airflow itself also reads.
Parsing both forms here (a URI, or JSON when the value starts with ``{``) keeps connectors free of Airflow
imports and lets one ``vendor.yaml`` connection id work everywhere. Secrets never leave this object by
accident: ``repr`` masks the password and every extra whose key looks secret, and errors name the variable,
never its value.

URI form (Airflow's): ``sftp://login:password@host:2222/schema?host_key=ssh-ed25519%20AAAA...&key_file=/k``,
all parts URL-decoded; extras are the query string, or the JSON in a single ``__extra__`` parameter.

Example::

    conn = get_connection("harbor_leave_sftp")      # reads AIRFLOW_CONN_HARBOR_LEAVE_SFTP
    conn.extra["host_key"]
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from schemas.errors import ConfigError

__all__ = ["ENV_PREFIX", "Connection", "connection_uri", "env_var_name", "from_airflow", "get_connection"]

ENV_PREFIX = "AIRFLOW_CONN_"
EXTRA_KEY = "__extra__"
#: Substrings of extra keys whose values are masked in ``repr`` (Airflow masks the same family of names).
SECRET_HINTS = ("password", "passwd", "passphrase", "secret", "private_key", "token", "api_key", "apikey",
                "authorization", "credential", "keyfile_dict")
_MASK = "***"


@dataclass(frozen=True)
class Connection:
    """One connection's settings; immutable, with secrets masked in ``repr``.

    Example: ``Connection("harbor_leave_sftp", "sftp", "sftp.harbor.example", 22, "acme", None, None, {})``
    """

    conn_id: str
    conn_type: str
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        shown = {k: (_MASK if is_secret_key(k) else v) for k, v in self.extra.items()}
        return (f"Connection(conn_id={self.conn_id!r}, conn_type={self.conn_type!r}, host={self.host!r}, "
                f"port={self.port!r}, login={self.login!r}, password={_MASK if self.password else None!r}, "
                f"schema={self.schema!r}, extra={shown!r})")

    __str__ = __repr__

    def __post_init__(self) -> None:
        # frozen means frozen: the extras cannot be changed behind the dataclass's back either
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))


def is_secret_key(key: str) -> bool:
    """True when an extra's key names a secret (``private_key``, ``client_secret``, ``token`` ...)."""
    k = key.lower()
    return any(hint in k for hint in SECRET_HINTS)


def env_var_name(conn_id: str) -> str:
    """The environment variable Airflow reads for ``conn_id``: ``harbor_sftp`` -> ``AIRFLOW_CONN_HARBOR_SFTP``."""
    return ENV_PREFIX + conn_id.upper()


def get_connection(conn_id: str, environ: Mapping[str, str] | None = None) -> Connection:
    """Resolve ``conn_id`` from ``AIRFLOW_CONN_<CONN_ID>`` (URI or JSON), as Airflow's env backend does.

    Raises :class:`ConfigError` naming the variable (never its value) when it is missing or malformed.
    Example: ``get_connection("harbor_leave_sftp").host``
    """
    env = os.environ if environ is None else environ
    var = env_var_name(conn_id)
    raw = env.get(var)
    if raw is None or not raw.strip():
        raise ConfigError(f"connection {conn_id!r} is not defined: set environment variable {var}",
                          key_path=var)
    raw = raw.strip()
    if raw.startswith("{"):
        return _from_json(conn_id, raw, var)
    return _from_uri(conn_id, raw, var)


def from_airflow(obj: Any) -> Connection:
    """Adapt an Airflow ``Connection`` (or anything with its attributes) without importing Airflow.

    Example (in a DAG task): ``from_airflow(BaseHook.get_connection("harbor_leave_sftp"))``
    """
    conn_id = str(getattr(obj, "conn_id", None) or "unnamed")
    extra: Any = getattr(obj, "extra_dejson", None)
    if extra is None:
        extra = _extra_from_text(getattr(obj, "extra", None), conn_id, "extra")
    if not isinstance(extra, Mapping):
        raise ConfigError(f"connection {conn_id!r}: extra is not a JSON object", key_path="extra")
    return Connection(
        conn_id=conn_id,
        conn_type=_normalize_type(getattr(obj, "conn_type", None) or ""),
        host=getattr(obj, "host", None) or None,
        port=_port(getattr(obj, "port", None), conn_id, "port"),
        login=getattr(obj, "login", None) or None,
        password=getattr(obj, "password", None) or None,
        schema=getattr(obj, "schema", None) or None,
        extra=dict(extra),
    )


def connection_uri(conn_type: str, host: str, *, port: int | None = None, login: str | None = None,
                   password: str | None = None, schema: str | None = None,
                   extra: Mapping[str, Any] | None = None) -> str:
    """Build an Airflow connection URI; extras go in the query string (or ``__extra__`` JSON if not all text).

    Why: the simulators hand out ``AIRFLOW_CONN_*`` values that Airflow and :func:`get_connection` both read.
    Example: ``connection_uri("sftp", "127.0.0.1", port=2222, login="hub", extra={"key_file": "/k"})``
    """
    auth = ""
    if login is not None or password is not None:
        auth = quote(login or "", safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        auth += "@"
    netloc = auth + quote(host, safe="")
    if port is not None:
        netloc += f":{int(port)}"
    uri = f"{conn_type.replace('_', '-')}://{netloc}/{quote(schema or '', safe='')}"
    if extra:
        if all(isinstance(v, str) for v in extra.values()):
            query = urlencode(dict(extra), quote_via=quote, safe="")
        else:
            query = urlencode({EXTRA_KEY: json.dumps(dict(extra))}, quote_via=quote, safe="")
        uri += "?" + query
    return uri


def _from_uri(conn_id: str, raw: str, var: str) -> Connection:
    if raw.count("://") > 2 or "://" not in raw:
        raise ConfigError(f"connection {conn_id!r}: {var} is neither a URI nor JSON", key_path=var)
    try:
        parts = urlsplit(raw)
        conn_type = parts.scheme
        rest = raw[len(conn_type) + 3:]
        protocol = None
        if "://" in rest:  # Airflow's "http://https://host" form: a protocol prefix for the host
            protocol, rest = rest.split("://", 1)
            if "@" in protocol or ":" in protocol:
                raise ValueError("malformed protocol prefix")
        inner = urlsplit("//" + rest)
        host = unquote(inner.hostname or "") or None
        if protocol and host:
            host = f"{protocol}://{host}"
        port = inner.port
        login = unquote(inner.username) if inner.username else None
        password = unquote(inner.password) if inner.password else None
        schema = unquote(inner.path[1:]) if inner.path[1:] else None
        query = dict(parse_qsl(inner.query, keep_blank_values=True))
    except ValueError:
        # the parser's message may quote the value: do not chain or repeat it
        raise ConfigError(f"connection {conn_id!r}: {var} is not a valid connection URI",
                          key_path=var) from None
    if EXTRA_KEY in query:
        extra = _extra_from_text(query[EXTRA_KEY], conn_id, f"{var} {EXTRA_KEY}")
    else:
        extra = query
    return Connection(conn_id, _normalize_type(conn_type), host, port, login, password, schema, extra)


def _from_json(conn_id: str, raw: str, var: str) -> Connection:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"connection {conn_id!r}: {var} is not valid JSON (line {exc.lineno}, "
                          f"column {exc.colno})", key_path=var) from None
    if not isinstance(data, dict):
        raise ConfigError(f"connection {conn_id!r}: {var} JSON is not an object", key_path=var)
    unknown = set(data) - {"conn_type", "host", "login", "password", "port", "schema", "extra", "description",
                           "uri"}
    if unknown:
        raise ConfigError(f"connection {conn_id!r}: {var} has unknown keys {sorted(unknown)}", key_path=var)
    if data.get("uri"):
        return _from_uri(conn_id, str(data["uri"]), var)
    extra = data.get("extra") or {}
    if isinstance(extra, str):
        extra = _extra_from_text(extra, conn_id, f"{var} extra")
    if not isinstance(extra, dict):
        raise ConfigError(f"connection {conn_id!r}: {var} extra is not an object", key_path=f"{var}.extra")
    return Connection(
        conn_id=conn_id,
        conn_type=_normalize_type(str(data.get("conn_type") or "")),
        host=data.get("host") or None,
        port=_port(data.get("port"), conn_id, f"{var}.port"),
        login=data.get("login") or None,
        password=data.get("password") or None,
        schema=data.get("schema") or None,
        extra=extra,
    )


def _extra_from_text(text: Any, conn_id: str, where: str) -> dict[str, Any]:
    if text in (None, ""):
        return {}
    try:
        value = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        raise ConfigError(f"connection {conn_id!r}: {where} is not valid JSON", key_path=where) from None
    if not isinstance(value, dict):
        raise ConfigError(f"connection {conn_id!r}: {where} is not a JSON object", key_path=where)
    return value


def _port(value: Any, conn_id: str, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"connection {conn_id!r}: port is not a number", key_path=where) from None
    if not 0 < port < 65536:
        raise ConfigError(f"connection {conn_id!r}: port out of range", key_path=where)
    return port


def _normalize_type(conn_type: str) -> str:
    """Airflow's normalisation: ``postgresql`` -> ``postgres``, dashes -> underscores."""
    if conn_type == "postgresql":
        return "postgres"
    return conn_type.replace("-", "_")
