"""Pages of API records to Arrow tables, without a Python dict per row through dlt's normalizer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

import orjson
import pyarrow as pa


def flatten(record: Mapping[str, Any], prefix: str = "", sep: str = "__") -> dict[str, Any]:
    """Nested objects become `parent__child` columns; lists stay whole as JSON text."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{sep}{key}" if prefix else key
        kind = type(value)
        if kind is dict:
            out.update(flatten(value, name, sep))
        elif kind is list:
            out[name] = orjson.dumps(value).decode()
        else:
            out[name] = value
    return out


def to_table(
    records: Iterable[Mapping[str, Any]],
    known: Mapping[str, pa.DataType] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> pa.Table:
    """Records to one Arrow table.

    `known` pins the types of documented fields (strings stay strings even when a page happens to
    hold only digits); fields nobody declared are inferred, so a new API field lands as a new
    column. A value whose type contradicts its neighbours is kept as text rather than dropped.
    `extra` adds constant columns (the account id the page belongs to, say).
    """
    rows = [flatten(r) for r in records]
    names = list(dict.fromkeys(chain.from_iterable(rows)))
    known = known or {}
    arrays = [_column([row.get(name) for row in rows], known.get(name)) for name in names]
    table = pa.Table.from_arrays(arrays, names=names) if names else pa.table({})
    for name, value in (extra or {}).items():
        column = pa.array([value] * len(rows), type=known.get(name))
        if name in names:
            table = table.set_column(names.index(name), name, column)
        else:
            table = table.append_column(name, column)
    return table


def _column(values: list[Any], declared: pa.DataType | None) -> pa.Array:
    # Nested values were flattened away, so what is left is scalars: Arrow either takes them as
    # one type or raises on a mix, and a mix is kept whole as text.
    try:
        return pa.array(values, type=declared)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    if declared is not None and not pa.types.is_string(declared):
        raise ValueError(f"values do not fit the documented type {declared}: {values[:5]}")
    return pa.array([None if v is None else _text(v) for v in values], type=pa.string())


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
