"""File transports: one protocol (:class:`Transport`) for SFTP and local folders.

Light on purpose: importing this package (as a DAG file or an Airflow retry rule does at parse time) loads
neither paramiko nor requests; :class:`SftpTransport` is imported on first use of the name.

Example::

    from connectors.transports import SftpTransport
    t = SftpTransport.from_connection(conn, inbound_dir="outbound", outbound_dir="inbound")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.transports.base import RemoteFile, Transport, TransportBase, UnsafeRemoteName
from connectors.transports.local import LocalTransport

if TYPE_CHECKING:  # pragma: no cover
    from connectors.transports.sftp import HostKeyMismatch, SftpSettings, SftpTransport

__all__ = [
    "HostKeyMismatch",
    "LocalTransport",
    "RemoteFile",
    "SftpSettings",
    "SftpTransport",
    "Transport",
    "TransportBase",
    "UnsafeRemoteName",
]

_LAZY = {"SftpTransport", "SftpSettings", "HostKeyMismatch"}


def __getattr__(name: str) -> Any:
    """Import the paramiko-based names only when asked for (PEP 562)."""
    if name in _LAZY:
        from connectors.transports import sftp

        return getattr(sftp, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
