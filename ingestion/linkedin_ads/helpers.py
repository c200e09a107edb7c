"""Parsing: LinkedIn elements to Arrow tables, with the key columns the raw tables need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from ingestion.common.arrow import to_table, with_keys
from ingestion.common.http import ApiError
from ingestion.linkedin_ads import settings


def element_day(element: Mapping[str, Any]) -> str:
    """`dateRange.start` as `YYYY-MM-DD` (a UTC day: LinkedIn reports in UTC)."""
    start = (element.get("dateRange") or {}).get("start") or {}
    return dt.date(int(start["year"]), int(start["month"]), int(start["day"])).isoformat()


def element_creative(element: Mapping[str, Any]) -> str:
    """The creative URN a `pivot=CREATIVE` element is about (its one pivot value)."""
    values = element.get("pivotValues") or []
    return str(values[0])


def analytics_rows(elements: Iterable[Mapping[str, Any]], account_id: str) -> list[dict]:
    """Elements as delivered, plus the key columns: account id, creative URN and day."""
    rows = []
    for element in elements:
        try:
            keys = {"account_id": account_id, "creative_urn": element_creative(element),
                    "date": element_day(element)}
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ApiError(settings.SOURCE_NAME, account_id, f"GET {settings.ANALYTICS_PATH}",
                           f"an element lacks pivotValues or dateRange.start ({exc!r}): "
                           f"{dict(element)!r:.200}") from None
        rows.append({**keys, **element})
    return rows


def analytics_table(rows: list[dict], account_id: str) -> pa.Table:
    return _keys_required(to_table(rows, known=settings.ANALYTICS_COLUMNS),
                          settings.ANALYTICS_PRIMARY_KEY, account_id, "ad_analytics_daily")


def entity_table(table: str, records: list[dict], account_id: str) -> pa.Table:
    return _keys_required(to_table(records, known=settings.COLUMNS[table]), ("id",),
                          account_id, table)


def _keys_required(table: pa.Table, keys: tuple[str, ...], account_id: str,
                   name: str) -> pa.Table:
    """Mark the merge key non-nullable in the Arrow schema too, as the dlt hints declare it."""
    for key in keys:
        nulls = table.column(key).null_count if key in table.column_names else table.num_rows
        if nulls:
            raise ApiError(settings.SOURCE_NAME, account_id, name,
                           f"{nulls} record(s) without the merge key {key!r}")
    return with_keys(table, keys)
