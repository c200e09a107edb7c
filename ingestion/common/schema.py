"""The documented shape of every raw table: its columns and their types, its merge key and how
it is written.

Vendors leave a field out of a response when it has no value, when the object's type does not
carry it, or when the API version or the caller's permissions don't include it; and dlt creates
a column only when some row carried it. So a staging model that reads a documented but absent
field would fail the build. Each resource therefore declares its documented columns (names and
types) as dlt hints: dlt creates them with the table and fills them with nulls in every load
that lacks them. A resource whose input is legitimately absent (no keywords in an account, no
teams) still yields one empty table, so the table exists with those columns. Fields nobody
declared still land as new columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dlt
import pyarrow as pa

# dlt's data type for each Arrow type a documented column can have.
_DLT_TYPES = {
    pa.string(): "text",
    pa.int64(): "bigint",
    pa.float64(): "double",
    pa.bool_(): "bool",
    pa.timestamp("us", tz="UTC"): "timestamp",
}


def dlt_type(kind: pa.DataType) -> str:
    try:
        return _DLT_TYPES[kind]
    except KeyError:
        raise ValueError(f"no dlt data type declared for Arrow type {kind}") from None


@dataclass(frozen=True)
class RawTable:
    """One raw table: `columns` and the merge key by the names the API's flattened JSON gives
    them (`dailyBudget__amount`; dlt stores it as `daily_budget__amount`), and the write
    disposition."""

    name: str
    columns: Mapping[str, pa.DataType]
    primary_key: tuple[str, ...]
    write_disposition: str = "merge"

    def column_hints(self) -> dict[str, dict[str, Any]]:
        """The documented columns as dlt column hints: typed, nullable except the key."""
        keys = set(self.primary_key)
        return {name: {"data_type": dlt_type(kind), "nullable": name not in keys}
                for name, kind in self.columns.items()}

    def resource_hints(self) -> dict[str, Any]:
        """Keyword arguments for `dlt.resource` / `dlt.transformer`."""
        return {"name": self.name, "write_disposition": self.write_disposition,
                "primary_key": list(self.primary_key), "columns": self.column_hints()}

    def empty(self) -> pa.Table:
        """No rows, every documented column: what a resource yields when it has nothing."""
        keys = set(self.primary_key)
        return pa.schema([pa.field(name, kind, nullable=name not in keys)
                          for name, kind in self.columns.items()]).empty_table()


def or_empty(tables: Iterable[pa.Table], table: RawTable) -> Iterator[pa.Table]:
    """`tables`, or one empty table of `table`'s documented columns when there were none (or
    only empty ones), so the raw table exists whatever the API returned."""
    rows = 0
    for item in tables:
        rows += item.num_rows
        yield item
    if not rows:
        yield table.empty()


def not_connected_source(source_name: str, tables: Iterable[RawTable]) -> Any:
    """A dlt source of `source_name`'s tables that loads nothing but their documented columns:
    what a network that is not connected (no configuration at all) leaves in the warehouse, so
    every model built from it runs and finds it empty."""
    tables = list(tables)

    def resources() -> list[Any]:
        return [dlt.resource([table.empty()], **table.resource_hints()) for table in tables]

    resources.__name__ = source_name
    resources.__qualname__ = f"not_connected.{source_name}"
    return dlt.source(resources, name=source_name, max_table_nesting=0)()
