"""Small pure helpers: batching pages into tables, an account's local today."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

# Rows per Arrow table: big enough that dlt writes few files, small enough to stay in memory.
BATCH_ROWS = 50_000


def batched(pages: Iterable[list[dict[str, Any]]],
            max_rows: int = BATCH_ROWS) -> Iterator[list[dict[str, Any]]]:
    """Join consecutive pages into batches of about `max_rows` records (never splitting a page)."""
    batch: list[dict[str, Any]] = []
    for page in pages:
        batch.extend(page)
        if len(batch) >= max_rows:
            yield batch
            batch = []
    if batch:
        yield batch


def account_today(account: dict[str, Any], now: dt.datetime | None = None) -> dt.date:
    """Today in the ad account's time zone: insights days are the account's local days."""
    now = now or dt.datetime.now(dt.UTC)
    name = account.get("timezone_name") or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("facebook_ads: unknown time zone %r on %s; using UTC", name, account.get("id"))
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


