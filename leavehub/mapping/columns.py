"""Whole-column conversions behind the mapping rules, in pyarrow.compute: no per-row Python.

Each parser returns the converted column and a mask of the values it could not convert (null where the
input was null), so the caller can report every bad value and keep going. By concern:

    columns   the shared vocabulary (``Column``, ``failed`` ...) and text: null words, booleans, code tables,
              lists, concatenation, regular expressions
    dates     dates and date-times, parsed and formatted, in a zone
    numbers   exact decimals (never through float: shape-checked text cast straight to ``decimal128``), integers

Example::

    values, bad = lookup_codes(text, {"A": "APPROVED"}, unknown="reject", default=None)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NULL_TEXT",
    "Column",
    "chunked",
    "concat_columns",
    "failed",
    "join_lists",
    "lookup_codes",
    "no_flags",
    "null_column",
    "null_words",
    "parse_bools",
    "regex_extract",
    "split_lists",
    "strict_cast",
    "trim_text",
]

Column = pa.ChunkedArray
NULL_TEXT = pa.scalar(None, pa.string())


def chunked(values: pa.Array | pa.ChunkedArray) -> Column:
    """``values`` as a ``Column`` (one chunk when it was an array)."""
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def strict_cast(values: Column, target: pa.DataType) -> Column | None:
    """The fast path: a strict Arrow cast of the whole column, or None if any value fails (then the caller
    takes the slow path that finds *which* values fail)."""
    try:
        return chunked(pc.cast(values, target))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def no_flags(values: Column) -> Column:
    """An all-false mask as long as ``values``."""
    return pa.chunked_array([pa.array(np.zeros(len(values), dtype=bool))], pa.bool_())


def null_column(length: int, type_: pa.DataType) -> Column:
    """``length`` nulls of ``type_``."""
    return pa.chunked_array([pa.nulls(length, type_)], type_)


def failed(values: Column, result: Column) -> Column:
    """Input present, output missing: the conversion failed."""
    return pc.and_(pc.is_valid(values), pc.is_null(result))


# -- text: null words, booleans, code tables, lists, concatenation, regular expressions ---------------------------


def trim_text(values: Column) -> Column:
    """Trim whitespace at both ends; text left empty becomes null (``trim``).

    Most vendor columns hold nothing to trim, so each chunk is first checked on its raw UTF-8 bytes: the first
    and last byte of every value. A chunk whose values all start and end in a printable ASCII character
    (0x21-0x7E) and none of which is empty is returned as it is, without copying; any other chunk (a space,
    a control or a non-ASCII byte at an edge, an empty value) takes the full Unicode-aware trim.
    """
    chunks = [chunk if _nothing_to_trim(chunk) else _trim_chunk(chunk) for chunk in values.chunks]
    return pa.chunked_array(chunks, values.type)


def _nothing_to_trim(chunk: pa.Array) -> bool:
    if not pa.types.is_string(chunk.type):
        return False
    if chunk.null_count == len(chunk):
        return True
    buffers = chunk.buffers()
    if buffers[2] is None:
        return False
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    lengths = np.diff(offsets)
    present = lengths > 0
    if chunk.null_count:
        present_or_null = present | ~chunk.is_valid().to_numpy(zero_copy_only=False)
        if not present_or_null.all():
            return False  # an empty (not null) value: it must become null
    elif not present.all():
        return False
    data_bytes = np.frombuffer(buffers[2], dtype=np.uint8)
    starts = offsets[:-1][present]
    edges = np.concatenate([data_bytes[starts], data_bytes[starts + lengths[present] - 1]])
    return not bool(((edges <= 0x20) | (edges >= 0x7F)).any())


def _trim_chunk(chunk: pa.Array) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(chunk)
    return pc.if_else(pc.equal(trimmed, ""), NULL_TEXT, trimmed)


def null_words(values: Column, words: list[str]) -> Column:
    """Values equal to one of ``words`` ("Please Select", "00000000") become null."""
    hit = pc.is_in(values, value_set=pa.array(words, pa.string()))
    return chunked(pc.if_else(hit, NULL_TEXT, values))


def parse_bools(values: Column, true_values: list[str], false_values: list[str]) -> tuple[Column, Column]:
    """Y/N-style text -> bool; text in neither list is flagged (one hash lookup per value: the position in
    true + false values says which; a word in both lists reads as true)."""
    words = list(dict.fromkeys([*true_values, *false_values]))
    index = pc.index_in(values, value_set=pa.array(words, pa.string()))
    result = chunked(pc.less(index, pa.scalar(len(dict.fromkeys(true_values)), pa.int32())))
    return result, failed(values, result)


def lookup_codes(values: Column, table: dict[str, str | None], unknown: str, default: str | None
                 ) -> tuple[Column, Column]:
    """Translate codes through ``table`` (``is_in``/``take``); unknown codes rejected, passed or defaulted.

    Works on text and on list<text> columns (every item translated). The mask flags rows holding an unknown
    code whatever ``unknown`` says: a row error under ``reject``, schema drift (a warning) otherwise. A code
    the table maps to None becomes null and is not unknown.
    """
    if pa.types.is_list(values.type):
        return _lookup_lists(values, table, unknown, default)
    keys = pa.array(list(table), pa.string())
    codes = pa.array(list(table.values()), pa.string())
    index = pc.index_in(values, value_set=keys)
    mapped = pc.take(codes, index)
    missing = pc.and_(pc.is_valid(values), pc.is_null(index))
    if unknown == "pass":
        return chunked(pc.if_else(missing, values, mapped)), chunked(missing)
    if unknown == "default":
        return chunked(pc.if_else(missing, pa.scalar(default, pa.string()), mapped)), chunked(missing)
    return chunked(mapped), chunked(missing)


def _rebuild_lists(chunk: pa.ListArray, items: pa.Array, keep: np.ndarray | None = None) -> pa.ListArray:
    offsets = chunk.offsets.to_numpy()
    if keep is not None:
        counts = np.concatenate([[0], np.cumsum(keep, dtype=np.int32)])
        offsets = counts[offsets]
        items = items.filter(pa.array(keep))
    empty = pc.equal(pa.array(np.diff(offsets)), 0)
    mask = pc.or_(pc.fill_null(chunk.is_null(), True), empty)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, mask=mask)


def _lookup_lists(values: Column, table: dict[str, str | None], unknown: str, default: str | None
                  ) -> tuple[Column, Column]:
    chunks, masks = [], []
    for chunk in values.chunks:
        items, missing = lookup_codes(chunked(chunk.values), table, unknown, default)
        chunks.append(_rebuild_lists(chunk, items.combine_chunks()))
        offsets = chunk.offsets.to_numpy()
        bad_items = pc.fill_null(missing, False).to_numpy(zero_copy_only=False)
        per_row = np.add.reduceat(np.append(bad_items, False).astype(np.int32), offsets[:-1]) if len(chunk) else []
        per_row = np.where(np.diff(offsets) > 0, per_row, 0) if len(chunk) else per_row
        masks.append(pa.array(np.asarray(per_row) > 0, pa.bool_()))
    return pa.chunked_array(chunks, pa.list_(pa.string())), pa.chunked_array(masks, pa.bool_())


def split_lists(values: Column, separator: str) -> Column:
    """"FMLA; CFRA;" -> ["FMLA", "CFRA"]: split, trim items, drop empty items; an empty list is null."""
    out = []
    for chunk in pc.split_pattern(values, separator).chunks:
        items = pc.utf8_trim_whitespace(chunk.values)
        keep = pc.fill_null(pc.greater(pc.utf8_length(items), 0), False).to_numpy(zero_copy_only=False)
        out.append(_rebuild_lists(chunk, items, keep))
    return pa.chunked_array(out, pa.list_(pa.string()))


def join_lists(values: Column, separator: str) -> Column:
    """["FMLA", "CFRA"] -> "FMLA;CFRA"."""
    return chunked(pc.binary_join(values, separator))


def concat_columns(columns: list[Column], separator: str) -> Column:
    """Join several text columns row-wise, skipping empty ones; all empty -> null.

    (pyarrow 26's ``null_handling="skip"`` drops rows where every input is null, so such rows get an
    empty first input and become null again afterwards.)
    """
    if len(columns) == 1:
        return columns[0]
    texts = [pc.cast(c, pa.string()) for c in columns]
    all_null = pc.is_null(texts[0])
    for text in texts[1:]:
        all_null = pc.and_(all_null, pc.is_null(text))
    texts[0] = pc.if_else(all_null, "", texts[0])
    joined = pc.binary_join_element_wise(*texts, separator, null_handling="skip")
    return chunked(pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined))


def regex_extract(values: Column, pattern: str, group: int) -> tuple[Column, Column]:
    """Keep capture ``group`` (0 = whole match) of the first match of ``pattern``; no match -> null, flagged."""
    matched = pc.match_substring_regex(values, pattern)
    if group == 0 and pattern.startswith("^") and pattern.endswith("$") and "|" not in pattern \
            and not pattern.endswith("\\$"):
        result = chunked(pc.if_else(pc.fill_null(matched, False), values, pa.scalar(None, pa.string())))
        return result, failed(values, result)  # an anchored whole match keeps the value: no rewrite pass
    wrapped, replacement = (f"({pattern})", "\\1") if group == 0 else (f"(?:{pattern})", f"\\{group}")
    kept = pc.replace_substring_regex(values, pattern=f"^(?s:.*?){wrapped}(?s:.*)$", replacement=replacement,
                                      max_replacements=1)
    result = chunked(pc.if_else(pc.fill_null(matched, False), kept, pa.scalar(None, pa.string())))
    return result, failed(values, result)
