"""File sets in the pipeline: find the files of one extract in the inbox, read and join them, and hand the
joined rows on as ONE arrival, so mapping, staging, rejection and quarantine are the single-file path's.

    names in the inbox -> complete sets (every member of one business date), incomplete ones wait
    each member: verify -> read with its own layout (whole: a set is joined in memory, sized like one extract)
    join on the keys (leavehub.mapping.file_sets) -> chunks of joined rows, lines of the base file

All or nothing for the set: one intake stages every row; a bad member, a bad join or a bad row rejects the
whole set and quarantines every member. The ledger gets one entry for the set (the intake's, named after the
set) and one per member file, with the member's rows, status and errors.

Example::

    sets, waiting = arrived_sets(feed, ["FNX_20261120_vpei.csv", "FNX_20261120_vpeiclaimdetails.csv"])
    # -> [], ["FNX_20261120_vpei.csv", ...]: one member is still missing
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from leavehub.mapping.drift import Drift, merge_drift
from leavehub.pipeline.exchange import ConnectionResolver
from leavehub.pipeline.feeds import FeedPlan
from leavehub.pipeline.inbound import (
    CHUNK_ROWS,
    Plaintext,
    apply_chunks,
    content_outcome,
    file_arrival,
    new_columns,
    quarantine_file,
    verified_plaintext,
)
from leavehub.pipeline.outcome import Receipt, Rejection
from schemas.errors import RejectedInput, RowError

__all__ = ["ArrivedSet", "MemberRead", "arrived_sets", "joined_chunks", "member_layouts", "read_member",
           "receive_file_set", "sample_set", "set_digest"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArrivedSet:
    """The files of one extract: member name (vendor.yaml ``file_set``) -> file name, and its business date."""

    business_date: date | None
    files: dict[str, str]

    @property
    def name(self) -> str:
        """The set's name in the ledger: its base file's name and how many files it joins."""
        first = next(iter(self.files.values()))
        return f"{first} (set of {len(self.files)})"


def arrived_sets(feed: FeedPlan, names: list[str]) -> tuple[list[ArrivedSet], list[str]]:
    """Complete sets among ``names`` in business-date order, and the names of incomplete ones (they wait)."""
    patterns = feed.spec.file_set
    groups: dict[tuple[Any, ...], dict[str, str]] = {}
    for name in sorted(names):
        for member, pattern in patterns.items():
            matched = pattern.match(name)
            if matched is not None:
                key = (matched.business_date or date.min, tuple(sorted(matched.vars.items())))
                groups.setdefault(key, {})[member] = name
                break
    complete, waiting = [], []
    for key in sorted(groups):
        files = groups[key]
        if set(files) == set(patterns):
            ordered = {member: files[member] for member in feed.mapping.file_set.members}
            complete.append(ArrivedSet(key[0] if key[0] != date.min else None, ordered))
        else:
            waiting += files.values()
    return complete, waiting


@dataclass
class MemberRead:
    """One member read whole: its rows as Arrow text, each row's line, row errors and schema drift."""

    table: Any
    lines: np.ndarray
    errors: list[RowError] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)


def read_member(member: str, layout: Any, stream: Any, name: str) -> MemberRead:
    """Read one member file with its layout (``FormatError`` names the file and line, as for one file)."""
    import pyarrow as pa

    from connectors.formats import read_chunks
    tables, lines, errors, drift = [], [], [], []
    for chunk in read_chunks(layout, stream, name=name):
        tables.append(pa.Table.from_pandas(chunk.frame, preserve_index=False))
        lines.append(chunk.lines())
        errors += [replace(e, reason=f"{member}: {e.reason}") for e in chunk.row_errors]
        drift += new_columns(chunk, name)
    table = pa.concat_tables(tables) if tables else pa.table({})
    return MemberRead(table, np.concatenate(lines) if lines else np.zeros(0, np.int64), errors, drift)


def joined_chunks(table: Any, lines: np.ndarray, rows: int) -> Iterator[Any]:
    """The joined rows as reader ``Chunk`` s of at most ``rows`` rows whose ``line_of`` gives base lines."""
    from connectors.formats.chunk import Chunk, string_frame

    total = table.num_rows
    for start in range(0, max(total, 1), rows):
        piece = table.slice(start, rows)
        piece_lines = lines[start:start + piece.num_rows]
        first_line = int(piece_lines[0]) if len(piece_lines) else 1
        offsets = piece_lines - (first_line + np.arange(len(piece_lines)))
        yield Chunk(string_frame(piece), start + 1, first_line, tuple(table.column_names),
                    is_last=start + rows >= total, break_offsets=offsets if offsets.any() else None)


def set_digest(digests: list[str]) -> str:
    """The set's content hash: SHA-256 over its members' hashes in member order (a resent set is known)."""
    return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()


def member_layouts(feed: FeedPlan) -> dict[str, Any]:
    """Every member's layout: the base file's is the mapping's ``layout``."""
    from connectors.formats import parse_layout

    spec = feed.mapping.file_set
    return {spec.base: feed.layout, **{m: parse_layout(member.layout) for m, member in spec.join.items()}}


def sample_set(feed: FeedPlan, sample: Path, rows: int) -> tuple[Iterator[Any], list[RowError]]:
    """``mapping preview`` of a set feed: ``sample`` and the other files of its set beside it, read and joined
    as a run would (chunks of joined rows, and the join's and members' errors). FormatError when a file of
    the set is not beside the sample."""
    from leavehub.mapping.file_sets import join_file_set
    from schemas.errors import FormatError

    sets, _ = arrived_sets(feed, [p.name for p in sample.parent.iterdir() if p.is_file()])
    arrived = next((s for s in sets if sample.name in s.files.values()), None)
    if arrived is None:
        raise FormatError(f"a sample of {feed.id} comes with the other files of its set beside it "
                          f"({', '.join(feed.spec.file_set)}, one business date)", file=sample.name)
    spec, layouts = feed.mapping.file_set, member_layouts(feed)
    reads = {}
    for member, name in arrived.files.items():
        with (sample.parent / name).open("rb") as stream:
            reads[member] = read_member(member, layouts[member], stream, name)
    base = reads[spec.base]
    joined = join_file_set(spec, base.table, base.lines, {m: (reads[m].table, reads[m].lines) for m in spec.join})
    errors = [e for r in reads.values() for e in r.errors] + joined.errors
    return joined_chunks(joined.table, joined.lines, rows), errors


def receive_file_set(feed: FeedPlan, paths: dict[str, Path], *, store: Any, arrived: ArrivedSet,
                     connections: ConnectionResolver | None = None) -> Receipt:
    """Post one complete set: verify and read every member, join, then map and apply as ONE arrival.

    Returns the set's ``Receipt`` (named after the set, one alert at most); never raises for bad content.
    """
    import pyarrow as pa

    from leavehub.mapping.file_sets import join_file_set

    spec = feed.mapping.file_set
    layouts = member_layouts(feed)
    bday = arrived.business_date
    with contextlib.ExitStack() as held:
        plains: dict[str, Plaintext] = {}
        reads: dict[str, MemberRead] = {}
        for member in spec.members:  # verify, then read, every member
            name = arrived.files[member]
            try:
                plains[member] = held.enter_context(verified_plaintext(feed, paths[member], connections,
                                                                       name=name))
            except RejectedInput as exc:
                return _reject_set(feed, paths, arrived, plains, Rejection.of(exc), store)
            with plains[member].open() as stream:
                read = content_outcome(lambda m=member, s=stream, n=name: read_member(m, layouts[m], s, n))
            if isinstance(read, Rejection):
                return _reject_set(feed, paths, arrived, plains, read, store)
            reads[member] = read
        base = reads[spec.base]
        joined = content_outcome(lambda: join_file_set(spec, base.table, base.lines,
                                                       {m: (reads[m].table, reads[m].lines) for m in spec.join}))
        if isinstance(joined, Rejection):
            return _reject_set(feed, paths, arrived, plains, joined, store)
        found = [e for r in reads.values() for e in r.errors] + joined.errors
        refused = Rejection("ValidationFailed", f"{len(found)} bad value(s) or rows across the set; the whole set "
                            "is rejected", sorted(found, key=_order)) if found else None
        receipt = Receipt(feed=feed.id, file=arrived.name, status="APPLIED", business_date=bday)
        receipt.warnings += [d.as_error() for d in merge_drift([d for r in reads.values() for d in r.drift])]
        table = joined.table if joined.table.num_rows or base.table.num_columns else pa.table({})
        outcome = apply_chunks(feed, _set_arrival(feed, arrived, plains, empty=joined.table.num_rows == 0),
                               joined_chunks(table, joined.lines, CHUNK_ROWS), store=store, receipt=receipt,
                               refused=refused)
        if isinstance(outcome, Rejection):
            return _reject_set(feed, paths, arrived, plains, outcome, store, reads)
        if outcome.status == "DUPLICATE":
            _record_members(store, feed, arrived, plains, reads, "DUPLICATE", outcome.duplicate_of)
            return Receipt(feed=feed.id, file=arrived.name, status="DUPLICATE", business_date=bday,
                           duplicate_of=outcome.duplicate_of)
        _record_members(store, feed, arrived, plains, reads, "APPLIED", outcome.ledger_id)
        return outcome


def _order(error: RowError) -> tuple[str, int, int]:
    return (error.column or "", error.line or 0, error.row or 0)


def _set_arrival(feed: FeedPlan, arrived: ArrivedSet, plains: dict[str, Plaintext], *, empty: bool) -> Any:
    members = list(arrived.files)
    return file_arrival(feed, arrived.name, sum(plains[m].size for m in members if m in plains),
                    set_digest([plains[m].sha256_received for m in members if m in plains]),
                    set_digest([plains[m].sha256_plaintext for m in members if m in plains]),
                    arrived.business_date, record_count=0 if empty else None)


def _record_members(store: Any, feed: FeedPlan, arrived: ArrivedSet, plains: dict[str, Plaintext],
                    reads: dict[str, MemberRead], status: str, set_id: int | None,
                    errors: list[RowError] | None = None) -> list[int]:
    """One ledger entry per member file, pointing at the set's entry (``batch_id`` ``set:<id>``)."""
    ids = []
    for member, name in arrived.files.items():
        plain = plains.get(member)
        arrival = file_arrival(feed, name, plain.size if plain else None, plain.sha256_received if plain else None,
                           plain.sha256_plaintext if plain else None, arrived.business_date)
        read = reads[member].table.num_rows if member in reads else 0
        ids.append(store.record_set_member(arrival, status, read=read, set_id=set_id, errors=errors))
    return ids


def _reject_set(feed: FeedPlan, paths: dict[str, Path], arrived: ArrivedSet, plains: dict[str, Plaintext],
                rejection: Rejection, store: Any, reads: dict[str, MemberRead] | None = None) -> Receipt:
    """All or nothing: the set's ledger entry REJECTED, every member quarantined beside the set's report."""
    if rejection.ledger_id is None:
        rejection.ledger_id = store.record_rejection(_set_arrival(feed, arrived, plains, empty=False),
                                                     rejection.errors)
    set_id = rejection.ledger_id
    store.mark_quarantined(set_id)
    member_ids = _record_members(store, feed, arrived, plains, reads or {}, "REJECTED", set_id, rejection.errors)
    receipt: Receipt | None = None
    for (member, name), ledger_id in zip(arrived.files.items(), member_ids, strict=True):
        kept = quarantine_file(feed, paths[member], replace(rejection, ledger_id=ledger_id), store=store,
                               name=name, business_date=arrived.business_date, plain=plains.get(member))
        receipt = receipt or kept
    assert receipt is not None
    return Receipt(feed=feed.id, file=arrived.name, status="REJECTED", business_date=arrived.business_date,
                   errors=receipt.errors, quarantine_report=receipt.quarantine_report, ledger_id=set_id,
                   reason=rejection.reason)


def post_local_sets(feed: FeedPlan, files: list[Path], *, store: Any,
                    connections: ConnectionResolver | None = None) -> list[Receipt]:
    """``leavehub run --file``: the given files must make complete sets (ConfigError names what is missing)."""
    from schemas.errors import ConfigError

    by_name = {p.name: p for p in files}
    sets, waiting = arrived_sets(feed, list(by_name))
    unknown = sorted(set(by_name) - {n for s in sets for n in s.files.values()} - set(waiting))
    if waiting or unknown:
        raise ConfigError(f"{feed.id} takes sets of {', '.join(feed.spec.file_set)}; these files make no "
                          f"complete set: {', '.join(sorted(waiting + unknown))[:300]}",
                          file=str(feed.folder / "vendor.yaml"), key_path=f"feeds.{feed.name}.file_set")
    return [receive_file_set(feed, {m: by_name[n] for m, n in s.files.items()}, store=store, arrived=s,
                             connections=connections) for s in sets]


def fetch_and_post_sets(feed: FeedPlan, store: Any, connections: ConnectionResolver | None, outcome: Any) -> None:
    """Every complete set waiting at the vendor, oldest first; a set with a member missing stays to wait."""
    import shutil
    import tempfile

    from leavehub.pipeline.at_rest import work_dir
    from leavehub.pipeline.exchange import open_file_transport, pickup_glob

    downloads = Path(tempfile.mkdtemp(prefix=f"lh-{feed.vendor.vendor}-", dir=work_dir(feed)))
    try:
        with open_file_transport(feed, connections) as transport:
            sets, waiting = arrived_sets(feed, [r.name for r in transport.list(pickup_glob(feed))])
            for name in waiting:
                log.info("%s: %s waits for the other files of its set", feed.id, name[:80])
            for index, arrived in enumerate(sets):
                local = {m: transport.get(n, downloads / f"set{index:05d}-{k}")
                         for k, (m, n) in enumerate(arrived.files.items())}
                outcome.receipts.append(receive_file_set(feed, local, store=store, arrived=arrived,
                                                         connections=connections))
                for name in arrived.files.values():
                    transport.archive(name)  # posted, duplicate or safely quarantined: never fetched twice
                for path in local.values():
                    path.unlink(missing_ok=True)
    finally:
        shutil.rmtree(downloads, ignore_errors=True)
