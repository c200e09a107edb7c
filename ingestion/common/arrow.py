"""Pages of API records to Arrow tables, without a Python dict per row through dlt's normalizer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import pyarrow as pa


def flatten(record: Mapping[str, Any], prefix: str = "", sep: str = "__") -> dict[str, Any]:
    """Nested objects become `parent__child` columns; lists stay whole as JSON text."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{sep}{key}" if prefix else key
        if isinstance(value, Mapping):
            out.update(flatten(value, name, sep))
        elif isinstance(value, list):
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
    if extra:
        for row in rows:
            row.update(extra)
    names: dict[str, None] = {}
    for row in rows:
        for key in row:
            names.setdefault(key, None)
    known = known or {}
    arrays = []
    fields = []
    for name in names:
        values = [row.get(name) for row in rows]
        arrays.append(_column(values, known.get(name)))
        fields.append(pa.field(name, arrays[-1].type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _column(values: list[Any], declared: pa.DataType | None) -> pa.Array:
    if declared is not None:
        if pa.types.is_string(declared):
            values = [None if v is None else v if isinstance(v, str) else _text(v) for v in values]
        return pa.array(values, type=declared)
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) <= 1 or kinds <= {int, float}:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    # Mixed types in one column: Arrow would null out the odd ones, so keep them all as text.
    return pa.array([None if v is None else _text(v) for v in values], type=pa.string())


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
