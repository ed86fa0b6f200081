"""The archive of processed vendor files: list what is kept, and open one for an authorised operator.

A local-transport vendor's processed files are archived sealed (``<name>.lhstg``, AES-GCM under the "archive"
key derived from ``LEAVEHUB_PII_KEY``); see :mod:`leavehub.pipeline.at_rest`. Opening one needs that key in the
environment (the operator's session, or the secret store's injection), never a file in the repository, and
gives back the exact bytes the vendor sent. An SFTP vendor's archive is a folder on the vendor's server: nothing
of it is kept here.

``open_kept`` opens any other sealed file the hub keeps (an outbox file waiting to be sent, a quarantined
plaintext arrival) by its path, with the key of the folder it sits in.

Example::

    for kept in archived_files(settings): print(kept.vendor, kept.name, kept.size)
    with open_archived(settings, "acme_leave", "ACME_LEAVE_20260302.csv") as plain: data = plain.read()
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from leavehub.pipeline.at_rest import SEALED_SUFFIX, KeptKind, at_rest_key, open_sealed
from leavehub.settings import Settings
from schemas.errors import ConfigError

__all__ = ["ArchivedFile", "archived_files", "open_archived", "open_kept"]


@dataclass(frozen=True)
class ArchivedFile:
    vendor: str
    name: str  # the archived name, without the sealing suffix (a re-delivery carries a stamp after it)
    path: Path
    size: int  # sealed size on disk
    archived_at: datetime


def archive_folders(settings: Settings) -> dict[str, Path]:
    """Each local-transport vendor's archive folder, by vendor (vendors without one are left out)."""
    from leavehub.config.vendor import VENDOR_FILE, load_vendor
    from leavehub.pipeline.exchange import local_folder

    folders = {}
    for vendor_yaml in sorted(Path(settings.mappings_root).glob(f"*/{VENDOR_FILE}")):
        try:  # only the transport matters here: a vendor whose feeds are broken still has its archive
            transport = load_vendor(vendor_yaml.parent, check_mappings=False).transport
        except ConfigError:
            continue
        if transport.type == "local" and transport.archive_dir:
            folders[vendor_yaml.parent.name] = local_folder(settings, vendor_yaml.parent.name,
                                                            transport.archive_dir)
    return folders


def archived_files(settings: Settings, vendor: str | None = None) -> list[ArchivedFile]:
    """Every sealed archived file (of one vendor, when given), by vendor then name."""
    found = []
    for name, folder in archive_folders(settings).items():
        if vendor is not None and name != vendor:
            continue
        for path in sorted(folder.glob(f"*{SEALED_SUFFIX}")):
            if path.name.startswith("."):
                continue  # a temp file still being written
            st = path.stat()
            found.append(ArchivedFile(name, path.name.removesuffix(SEALED_SUFFIX), path, st.st_size,
                                      datetime.fromtimestamp(st.st_mtime, UTC)))
    return found


def open_archived(settings: Settings, vendor: str, name: str) -> BinaryIO:
    """The exact bytes of archived file ``name`` of ``vendor``; LookupError when there is no such file."""
    folders = archive_folders(settings)
    if vendor not in folders:
        raise LookupError(f"vendor {vendor!r} keeps no local archive (see `leavehub archive list`)")
    wanted = name.removesuffix(SEALED_SUFFIX)
    if not wanted or "/" in wanted or "\\" in wanted or wanted.startswith("."):
        raise LookupError(f"{name!r} is not an archived file name")
    path = folders[vendor] / f"{wanted}{SEALED_SUFFIX}"
    if not path.is_file():
        raise LookupError(f"no archived file {wanted!r} for vendor {vendor!r} (see `leavehub archive list`)")
    return open_sealed(path, at_rest_key("archive"))


KEY_OF_FOLDER: dict[str, KeptKind] = {"exchange": "archive", "outbox": "outbox", "quarantine": "quarantine",
                                      "quarantine-released": "quarantine"}


def open_kept(settings: Settings, path: Path) -> BinaryIO:
    """The exact bytes of any sealed file the hub keeps under LEAVEHUB_HOME (archive, outbox, quarantine),
    unsealed with the key of the folder it sits in; LookupError for anything else."""
    home = settings.home.resolve()
    target = Path(path).resolve()
    if home not in target.parents or not target.is_file():
        raise LookupError(f"{path} is not a file kept under LEAVEHUB_HOME")
    if not target.name.endswith(SEALED_SUFFIX):
        raise LookupError(f"{target.name} is not sealed by the hub (OpenPGP files open with the vendor's key)")
    kind = KEY_OF_FOLDER.get(target.relative_to(home).parts[0])
    if kind is None:
        raise LookupError(f"{path} is not in a folder whose files the hub keeps sealed")
    return open_sealed(target, at_rest_key(kind))
