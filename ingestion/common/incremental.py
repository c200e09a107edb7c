"""Incremental loading by day with a look-back window, state kept per account.

Networks restate recent days, so every run re-pulls `lookback_days` before the last loaded day and
merges on the natural key. The state moves only after an account's window loaded completely, and
dlt commits it with the data, so a failed run never advances it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from typing import Any


def parse_day(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def latest_day_anywhere() -> dt.date:
    """Today at UTC+14, the earliest zone: no account anywhere has a later day yet."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


def incremental_window(
    last_day: dt.date | None,
    start_date: dt.date,
    lookback_days: int,
    today: dt.date,
) -> tuple[dt.date, dt.date] | None:
    """The days to pull: from the look-back before the last loaded day (or `start_date`) to today.

    Never earlier than `start_date`; None when there is nothing to pull.
    """
    if lookback_days < 0:
        raise ValueError(f"lookback_days must be >= 0, got {lookback_days}")
    start = start_date if last_day is None else last_day - dt.timedelta(days=lookback_days)
    start = max(start, start_date)
    if start > today:
        return None
    return start, today


def date_chunks(start: dt.date, end: dt.date, days: int) -> list[tuple[dt.date, dt.date]]:
    """Split [start, end] into consecutive inclusive ranges of at most `days` days."""
    if days < 1:
        raise ValueError(f"chunk size must be >= 1 day, got {days}")
    chunks = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + dt.timedelta(days=days - 1))
        chunks.append((cursor, stop))
        cursor = stop + dt.timedelta(days=1)
    return chunks


class AccountState:
    """Per-account last loaded day inside a dlt resource state."""

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self._days: MutableMapping[str, str] = state.setdefault("last_loaded_day", {})

    def last_day(self, account_id: str) -> dt.date | None:
        return parse_day(self._days.get(account_id))

    def advance(self, account_id: str, day: dt.date) -> None:
        previous = self.last_day(account_id)
        if previous is None or day > previous:
            self._days[account_id] = day.isoformat()
