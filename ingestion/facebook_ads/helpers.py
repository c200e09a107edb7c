"""Small pure helpers: an account's time zone and local today, the ads asked for leads, leads
as Arrow tables."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common.arrow import to_table
from ingestion.common.http import ApiError
from ingestion.facebook_ads import settings

log = logging.getLogger(__name__)


def account_zone(account: dict[str, Any]) -> ZoneInfo:
    """The ad account's time zone (`timezone_name`): its insights and leads days are local."""
    name = account.get("timezone_name") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("facebook_ads: unknown time zone %r on %s; using UTC", name, account.get("id"))
        return ZoneInfo("UTC")


def account_today(account: dict[str, Any], now: dt.datetime | None = None) -> dt.date:
    """Today in the ad account's time zone: insights days are the account's local days."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(account_zone(account)).date()


def lead_ads(campaigns: Iterable[Mapping[str, Any]],
             ads: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ads worth asking for leads: those of campaigns with a lead objective, and those
    whose campaign shows no objective (not listed, or `objective` left out)."""
    objectives = {str(c["id"]): c.get("objective") for c in campaigns if c.get("id")}
    return [str(ad["id"]) for ad in ads
            if ad.get("id") and objectives.get(str(ad.get("campaign_id")))
            in (*settings.LEAD_OBJECTIVES, None)]


def lead_email(field_data: Any) -> str | None:
    """The first answer to an email question in a lead's `field_data`
    (`[{"name": "email", "values": ["a@b.org"]}, ...]`), as delivered."""
    answers = {item.get("name"): item.get("values") for item in field_data or []
               if isinstance(item, dict)}
    for name in settings.LEAD_EMAIL_FIELDS:
        values = answers.get(name)
        if isinstance(values, list) and values and values[0] not in (None, ""):
            return str(values[0])
    return None


def leads_table(records: list[dict[str, Any]], account_id: str, ad_id: str) -> pa.Table:
    """One ad's leads as delivered, with the account and ad asked, the email answer and
    `created_at_utc` (`created_time`, `2026-11-02T10:11:12+0000`, as an instant)."""
    rows = [{**record, "email": lead_email(record.get("field_data"))} for record in records]
    table = to_table(rows, known=settings.LEAD_COLUMNS,
                     extra={"account_id": account_id, "requested_ad_id": ad_id}, keys=("id",))
    created = (table.column("created_time") if "created_time" in table.column_names
               else pa.nulls(table.num_rows, pa.string()))
    try:
        instants = pc.cast(created, settings.LEAD_COLUMNS["created_at_utc"])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ApiError(settings.SOURCE_NAME, f"act_{account_id}",
                       f"GET {settings.AD_LEADS_PATH.format(version='{v}', ad_id=ad_id)}",
                       f"a lead's created_time is not an ISO 8601 time: {exc}") from None
    return table.append_column(pa.field("created_at_utc", instants.type), instants)


