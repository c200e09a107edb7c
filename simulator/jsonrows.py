"""Rows of JSON objects rendered column by column in Arrow, for the simulator's big pages.

A large backfill asks the simulator for millions of rows; rendering them one Python object (or
one format string) per row made the simulator, not the loader, what a benchmark measured. Here
each field is encoded as a whole column (numbers cast to text, plain strings quoted) and the rows
are concatenated by Arrow's element-wise join, so no Python code runs per row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

Path = tuple[str, ...]

# Characters JSON requires escaped in a string.
_NEEDS_ESCAPE = re.compile(rb'["\\\x00-\x1f]')


def rows_json(columns: Sequence[tuple[Path, Sequence[Any] | pa.Array]],
              nulls: bool = False) -> bytes | None:
    """The rows as JSON objects joined by commas (no brackets): field `path` of row i holds
    `values[i]`, nested by path. None when a value is missing, as the vendors leave such keys out
    (the caller builds those pages record by record); with `nulls`, a missing value is sent as
    `null` instead, as HubSpot sends a property that has no value."""
    if not columns:
        return None
    arrays = [values if isinstance(values, pa.Array) else _to_array(values)
              for _, values in columns]
    n = len(arrays[0])
    if n == 0 or (not nulls and any(array.null_count for array in arrays)):
        return None
    tree = path_tree([path for path, _ in columns])
    pieces: list[pa.Scalar | pa.Array] = []
    text: list[str] = []

    def emit(node: dict[str, Any]) -> None:
        text.append("{")
        for position, (key, value) in enumerate(node.items()):
            text.append(("," if position else "") + orjson.dumps(key).decode() + ":")
            if isinstance(value, dict):
                emit(value)
                continue
            encoded, quoted = (_encoded_or_null(arrays[value]) if arrays[value].null_count
                               else _encoded(arrays[value]))
            if quoted:
                text.append('"')
            pieces.append(pa.scalar("".join(text)))
            pieces.append(encoded)
            text.clear()
            if quoted:
                text.append('"')
        text.append("}")

    emit(tree)
    pieces.append(pa.scalar("".join(text) + ","))
    joined = pc.binary_join_element_wise(*pieces, "")
    if not isinstance(joined, pa.Array):  # every piece was a constant
        joined = pa.array([joined.as_py()] * n)
    return _contiguous_bytes(joined)[:-1]  # without the last row's comma


def records(columns: Sequence[tuple[Path, Sequence[Any] | pa.Array]]) -> list[dict[str, Any]]:
    """The rows as nested dicts, for pages `rows_json` leaves to it: a missing (None) value
    leaves its key out, and an object left empty is left out too, as the vendors do.

    A page is up to 10,000 rows: building each row with one generated expression is several
    times faster than walking every field's path per row. The expression holds only the indices
    of the columns and the names in their paths (repr-quoted), never a value."""
    if not columns:  # an empty page
        return []
    columns = [(path, values.to_pylist() if isinstance(values, pa.Array) else list(values))
               for path, values in columns]

    def emit(node: dict[str, Any]) -> str:
        items = (f"{key!r}: {emit(v) if isinstance(v, dict) else f'a{v}'}"
                 for key, v in node.items())
        return "{" + ", ".join(items) + "}"

    args = ", ".join(f"a{i}" for i in range(len(columns)))
    tree = path_tree([path for path, _ in columns])
    build = eval(f"lambda {args}: {emit(tree)}")  # noqa: S307 (indices and reprs only)
    rows = list(map(build, *(values for _, values in columns)))
    for path, values in columns:
        if None not in values:
            continue
        for row, value in zip(rows, values, strict=True):
            if value is None:
                parents = [row]
                for key in path[:-1]:
                    parents.append(parents[-1][key])
                del parents[-1][path[-1]]
                for depth in range(len(path) - 1, 0, -1):
                    if parents[depth]:
                        break
                    del parents[depth - 1][path[depth - 1]]
    return rows


def path_tree(paths: Sequence[Path]) -> dict[str, Any]:
    """Paths nested as objects: each leaf holds the index of its path in `paths`."""
    tree: dict[str, Any] = {}
    for index, path in enumerate(paths):
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = index
    return tree


def _to_array(values: Sequence[Any]) -> pa.Array:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        return pa.array(values, pa.string())
    if kinds <= {bool}:
        return pa.array(values, pa.bool_())
    if kinds <= {int}:
        return pa.array(values, pa.int64())
    if kinds <= {int, float}:
        return pa.array(values, pa.float64())
    if kinds <= {list, dict}:
        return pa.array(values)
    raise TypeError(f"cannot render a column of {sorted(k.__name__ for k in kinds)}")


def _encoded(array: pa.Array) -> tuple[pa.Array, bool]:
    """A column as JSON value text, and whether the text still needs its quotes."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if _NEEDS_ESCAPE.search(_contiguous_bytes(array)):
            return pa.array([orjson.dumps(v).decode() for v in array.to_pylist()]), False
        return array, True
    if pa.types.is_boolean(kind):
        return pc.if_else(array, "true", "false"), False
    if pa.types.is_integer(kind):
        return pc.cast(array, pa.string()), False
    if pa.types.is_floating(kind):
        if not pc.all(pc.is_finite(array)).as_py():
            raise ValueError("JSON has no NaN or infinity")
        text = pc.cast(array, pa.string())
        # a whole number keeps its point (2.0, not 2), as JSON encoders write doubles
        whole = pc.invert(pc.match_substring_regex(text, "[.e]"))
        return pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text), False
    if pa.types.is_list(kind) or pa.types.is_struct(kind):
        return pa.array([orjson.dumps(v).decode() for v in array.to_pylist()], pa.string()), False
    raise TypeError(f"cannot render a column of {kind}")


def _encoded_or_null(array: pa.Array) -> tuple[pa.Array, bool]:
    """A column with missing values as JSON value text, `null` where a value is missing."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        stand_in: Any = ""
    elif pa.types.is_boolean(kind):
        stand_in = False
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        stand_in = 0
    elif pa.types.is_null(kind):
        return pa.array(["null"] * len(array), pa.string()), False
    else:
        raise TypeError(f"cannot render a column of {kind} with missing values")
    encoded, quoted = _encoded(pc.fill_null(array, pa.scalar(stand_in, kind)))
    if quoted:
        encoded = pc.binary_join_element_wise('"', encoded, '"', "")
    return pc.if_else(pc.is_valid(array), encoded, "null"), False


def _contiguous_bytes(array: pa.Array) -> bytes:
    """All the strings of a string array back to back: its data buffer between the offsets of
    its first and last value."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=width)[array.offset:array.offset + len(array) + 1]
    start, end = int(bounds[0]), int(bounds[-1])
    return data.slice(start, end - start).to_pybytes()
