"""GAQL result rows to Arrow tables with stable, snake_case raw columns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from ingestion.common.arrow import batched_pages, to_table, with_keys
from ingestion.common.jsonpage import concat_pages
from ingestion.google_ads.settings import Table, snake


def rows_to_table(rows: list[dict[str, Any]], table: Table) -> pa.Table:
    """One Arrow table: nested rows flattened (`campaign__id`), values exactly as delivered.

    Documented columns are always present (typed nulls when a page lacks them, as Google leaves
    unset fields out); fields nobody declared become new columns.
    """
    return _raw_columns(to_table(rows, known=table.known_types), table)


def _raw_columns(arrow: pa.Table, table: Table) -> pa.Table:
    arrow = arrow.rename_columns([snake(name) for name in arrow.column_names])
    for name, kind in table.columns.items():
        if name not in arrow.column_names:
            arrow = arrow.append_column(pa.field(name, kind), pa.nulls(len(arrow), kind))
    return with_keys(arrow, table.key_columns)


def batched_tables(
    pages: Iterable[list[dict[str, Any]]], table: Table, batch_rows: int
) -> Iterator[pa.Table]:
    """Several pages per Arrow table, so dlt sees few large tables, never a dict per row."""
    for batch in batched_pages(pages, batch_rows):
        yield rows_to_table(batch, table)


def joined_tables(pages: Iterable[pa.Table], table: Table, batch_rows: int) -> Iterator[pa.Table]:
    """Pages already read as Arrow (`Table.page_shape`), joined into tables of about
    `batch_rows` rows with the raw column names."""
    for joined in concat_pages(pages, batch_rows):
        yield _raw_columns(joined, table)
