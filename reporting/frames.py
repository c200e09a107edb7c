"""A query's rows as the pandas frame DuckDB's `.df()` gives, handed over through Arrow.

`.df()` makes a Python object of every text value on the way to pandas; Arrow hands the text
columns over as they are. For the ad table at size L (16,960 rows, ten text columns) that was
most of the time between the query's end and the frame (benchmarks/results/reports.md). The
frame is the same as `.df()`'s, column types included: decimals and huge integers as floats,
dates as timestamps, whole numbers and booleans with nulls as pandas' nullable types, text
columns without a value as objects.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import duckdb
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
    with warnings.catch_warnings():
        # DuckDB warns that a prepared statement's Arrow result is copied once more than a
        # relation's would be: a copy of Arrow buffers, far cheaper than `.df()`'s objects,
        # and a relation has no bound parameters
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
        table = con.execute(sql, params).to_arrow_table()
    return frame_of(table)


def frame_of(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as DuckDB's `.df()` has the same rows."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_decimal(column.type):
            column = column.cast(pa.float64())
        elif pa.types.is_date(column.type):
            column = column.cast(pa.timestamp("us"))
        if _is_text(column.type) and column.null_count == len(column):
            # no text to infer a string type from (every value null, or no rows): objects
            columns[name] = pd.Series([None] * len(column), dtype=object)
            continue
        nullable = _NULLABLE.get(column.type) if column.null_count else None
        columns[name] = column.to_pandas(
            types_mapper=None if nullable is None else {column.type: nullable}.get)
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) \
        or pa.types.is_string_view(kind)
