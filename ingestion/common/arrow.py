"""Pages of API records to Arrow tables, without a Python dict per row through dlt's normalizer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common.http import ApiError


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
    keys: Iterable[str] = (),
) -> pa.Table:
    """Records to one Arrow table, built column by column (no dict per row is rebuilt).

    Nested objects become `parent__child` columns and lists JSON text, as `flatten` would.
    `known` pins the types of documented fields (strings stay strings even when a page happens to
    hold only digits); fields nobody declared are inferred, so a new API field lands as a new
    column. A value whose type contradicts its neighbours is kept as text rather than dropped.
    `extra` adds constant columns (the account id the page belongs to, say); `keys` are the merge
    key columns, marked not-null as dlt's primary-key hint has them.
    """
    records = records if isinstance(records, list) else list(records)
    known = known or {}
    columns: dict[str, pa.Array] = {}
    _collect(records, "", known, columns)
    for name, value in (extra or {}).items():
        columns[name] = pa.array([value] * len(records), type=known.get(name))
    if not columns:
        return pa.table({})
    table = pa.Table.from_arrays(list(columns.values()), names=list(columns))
    return with_keys(table, keys) if keys else table


def with_keys(table: pa.Table, keys: Iterable[str]) -> pa.Table:
    """Mark the merge-key columns not-null, as dlt's primary-key hint has them.

    A record without its key cannot be merged: that is an error naming the key, not a row to drop.
    """
    keys = set(keys)
    for key in keys & set(table.column_names):
        nulls = table.column(key).null_count
        if nulls:
            raise ValueError(f"{nulls} record(s) without the merge key {key!r}")
    fields = [f.with_nullable(False) if f.name in keys else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def undelivered(table: pa.Table, columns: Iterable[str]) -> list[str]:
    """The `columns` that none of `table`'s rows carries (absent, or null in every row).

    A report row may leave a metric out when it has none, but a whole response without its
    spend did not deliver the metric at all (a version or permission change): loading it as
    zero would be silently wrong, so the sources refuse it."""
    if not table.num_rows:
        return []
    return [name for name in columns
            if name not in table.column_names or table.column(name).null_count == table.num_rows]


def require_delivered(table: pa.Table, columns: Iterable[str], source: str, account: str,
                      endpoint: str) -> pa.Table:
    """`table` (one or more pages of a response, as the source batches them), unless none of
    its rows carries one of `columns` (see `undelivered`): then an ApiError naming the source,
    the account, the endpoint and the field, which fails that account's load and keeps its
    state where it was."""
    missing = undelivered(table, columns)
    if missing:
        raise ApiError(source, account, endpoint,
                       f"{table.num_rows} rows and none carries {', '.join(missing)}: the API "
                       "did not deliver it")
    return table


def batched_pages(pages: Iterable[list[dict[str, Any]]],
                  max_rows: int) -> Iterator[list[dict[str, Any]]]:
    """Join consecutive pages into batches of about `max_rows` records (never splitting a page),
    so dlt gets few large Arrow tables."""
    batch: list[dict[str, Any]] = []
    for page in pages:
        batch.extend(page)
        if len(batch) >= max_rows:
            yield batch
            batch = []
    if batch:
        yield batch


def _collect(records: list, prefix: str, known: Mapping[str, pa.DataType],
             out: dict[str, pa.Array]) -> None:
    names = dict.fromkeys(chain.from_iterable(r for r in records if type(r) is dict))
    for key in names:
        name = f"{prefix}__{key}" if prefix else key
        values = [r.get(key) if type(r) is dict else None for r in records]
        kinds = set(map(type, values))
        if dict in kinds:
            _collect(values, name, known, out)
            kinds.discard(dict)
            kinds.discard(type(None))
            if kinds:  # scalars beside objects in one field: keep them too, as text
                out[name] = pa.array([None if type(v) is dict else _text(v) for v in values],
                                     type=pa.string())
        elif list in kinds:
            out[name] = pa.array([None if v is None else _text(v) for v in values],
                                 type=pa.string())
        else:
            out[name] = _column(values, known.get(name))


def _column(values: list[Any], declared: pa.DataType | None) -> pa.Array:
    # Nested values were flattened away, so what is left is scalars: Arrow either takes them as
    # one type or raises on a mix, and a mix is kept whole as text.
    try:
        return pa.array(values, type=declared)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    text = pa.array([None if v is None else _text(v) for v in values], type=pa.string())
    if declared is not None and not pa.types.is_string(declared):
        # A documented boolean or number sent as text ("false", "17"), as some API versions
        # and examples do, is the same value; anything else is refused, not dropped.
        try:
            return pc.cast(text, declared)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ValueError(f"values do not fit the documented type {declared}: "
                             f"{values[:5]}") from None
    return text


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    return orjson.dumps(value).decode()
