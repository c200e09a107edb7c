"""Small pure helpers: batching pages into tables, an account's local today."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)



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


