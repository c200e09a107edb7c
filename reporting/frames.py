"""A query's rows as the pandas frame DuckDB's `.df()` gives, handed over through Arrow.

`.df()` makes a Python object of every text value on the way to pandas; Arrow hands the text
columns over as they are. The ad table at size L (16,960 rows, ten text columns) took 122-124
ms that way and 95-102 ms this way (benchmarks/results/reports.md). The frame is the same as
`.df()`'s, column types and every bit of the values included: decimals and huge integers as
floats, converted as DuckDB converts them; dates as timestamps; whole numbers and booleans
with nulls as pandas' nullable types; text columns without a value as objects."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

# `.df()`'s types for a column with nulls (without nulls, numpy's own)
_NULLABLE = {
    pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype(),
}


def frame(con: duckdb.DuckDBPyConnection, sql: str,
          params: Mapping[str, object] | Sequence[object] | None = None) -> pd.DataFrame:
    """The rows of `sql` (with `params`) as `con.execute(sql, params).df()` has them."""
    _ignore_arrow_copy_warning()
    return frame_of(con.execute(sql, params).to_arrow_table())


_ARROW_COPY = "Arrow output on a DB-API result"
_IGNORED = ("ignore", re.compile(_ARROW_COPY, re.I), UserWarning, re.compile(__name__), 0)


def _ignore_arrow_copy_warning() -> None:
    """DuckDB warns that a prepared statement's Arrow result is copied once more than a
    relation's: a copy of Arrow buffers, far cheaper than `.df()`'s objects, and a relation
    with bound parameters took 6-8 ms more a query. Ignored for this module's own calls (the
    warning names its caller) by a filter put first whenever it is not: one added once at
    import is lost when a `warnings.catch_warnings` block that imported this module ends, one
    set and restored around each call is not safe in the dashboard's threads, and adding one
    at every call would reset every module's record of the warnings it has shown."""
    if not warnings.filters or warnings.filters[0] != _IGNORED:
        warnings.filterwarnings("ignore", message=_ARROW_COPY, category=UserWarning,
                                module=__name__)


def frame_of(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as DuckDB's `.df()` has the same rows."""
    columns = {}
    for name, column in zip(_unique(table.column_names), table.columns, strict=True):
        if pa.types.is_decimal(column.type):
            columns[name] = pd.Series(_decimal_as_duckdb(column), dtype="float64")
            continue
        if pa.types.is_date(column.type):
            column = column.cast(pa.timestamp("us"))
        if _is_text(column.type) and column.null_count == len(column):
            # no text to infer a string type from (every value null, or no rows): objects
            columns[name] = pd.Series([None] * len(column), dtype=object)
            continue
        nullable = _NULLABLE.get(column.type) if column.null_count else None
        columns[name] = column.to_pandas(
            types_mapper=None if nullable is None else {column.type: nullable}.get)
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _unique(names: list[str]) -> list[str]:
    """Column names as `.df()` makes them unique: a name already taken (in any case) gets
    `_N`, its Nth repeat, until it is free (`a`, `a`, `A`, `a_1` -> `a`, `a_1`, `A_2`,
    `a_1_1`)."""
    taken: set[str] = set()
    repeats: dict[str, int] = {}
    unique = []
    for name in names:
        chosen = name
        while chosen.lower() in taken:
            repeats[name.lower()] = repeats.get(name.lower(), 0) + 1
            chosen = f"{name}_{repeats[name.lower()]}"
        taken.add(chosen.lower())
        unique.append(chosen)
    return unique


def _decimal_as_duckdb(column: pa.ChunkedArray) -> np.ndarray:
    """A decimal column as `.df()` converts it: the unscaled integer as a double, divided by
    10 to the scale (Arrow's own cast rounds differently in the last bit, for about a third of
    values), nulls as NaN. From the values' buffer for precisions up to 18; beyond, value by
    value through Python's integers."""
    kind = column.type
    parts = []
    for chunk in column.chunks:
        if kind.precision <= 18:
            # each value's lowest 8 bytes (little-endian) hold the whole unscaled integer
            width = kind.byte_width // 8 or 1
            words = np.frombuffer(chunk.buffers()[1],
                                  dtype=np.int64 if kind.byte_width >= 8 else np.int32)
            start = chunk.offset * width
            unscaled = words[start:start + len(chunk) * width:width].astype(np.float64)
        else:
            unscaled = np.array([float(int(value.scaleb(kind.scale))) if value is not None
                                 else 0.0 for value in chunk.to_pylist()], dtype=np.float64)
        values = unscaled / 10.0 ** kind.scale
        values[chunk.is_null().to_numpy(zero_copy_only=False)] = np.nan
        parts.append(values)
    return np.concatenate(parts) if parts else np.array([], dtype=np.float64)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) \
        or pa.types.is_string_view(kind)
