"""The portal's settings outside dbt: its company currency and its time zone.

Both are HubSpot's account settings (the account info API, loaded as `raw_hubspot.account_info`).
Each has one override, an environment variable, which dbt reads too (dbt_project.yml): a portal
that wants another reporting currency or another day boundary sets it once, and the models, the
schedule, the daily partitions and the reports all follow. What the marts were built with is
`marts.dim_portal`, which the reports read.
"""

from __future__ import annotations

import logging
import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.common.validate import InvalidConfiguration

log = logging.getLogger(__name__)

COMPANY_CURRENCY_ENV = "ADS_ANALYTICS_COMPANY_CURRENCY"
PORTAL_TIME_ZONE_ENV = "ADS_ANALYTICS_PORTAL_TIME_ZONE"
# Before any portal is loaded (a first run, a warehouse without HubSpot) and without an
# override, days are counted in UTC.
FALLBACK_TIME_ZONE = "UTC"

_LOADED = """
    select cast(portal_id as varchar), time_zone, company_currency
    from raw_hubspot.account_info
    order by _dlt_load_id desc nulls last
    limit 1
"""


@dataclass(frozen=True)
class PortalSettings:
    """The company currency and the time zone, each with where it came from: `override`,
    `portal` (HubSpot's settings as loaded) or `unknown` (nothing loaded yet)."""

    company_currency: str | None
    time_zone: str
    portal_id: str | None = None
    company_currency_source: str = "unknown"
    time_zone_source: str = "unknown"


def overrides() -> dict[str, str]:
    """The settings the environment overrides: {"company_currency": ..., "time_zone": ...}.
    One that cannot be used is refused, naming its variable: it sets every source's days or
    money, the schedule and the partitions."""
    found = {"company_currency": os.environ.get(COMPANY_CURRENCY_ENV, "").strip().upper(),
             "time_zone": os.environ.get(PORTAL_TIME_ZONE_ENV, "").strip()}
    currency, zone = found["company_currency"], found["time_zone"]
    if currency and not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
        raise InvalidConfiguration(f"{COMPANY_CURRENCY_ENV} {currency!r} is not a currency code "
                                   "like SEK")
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InvalidConfiguration(f"{PORTAL_TIME_ZONE_ENV} {zone!r} is not an IANA time "
                                       "zone (like Europe/Stockholm)") from None
    return {key: value for key, value in found.items() if value}


def loaded_settings(warehouse: Path) -> PortalSettings:
    """The portal's settings as loaded into `warehouse` (read-only), with the overrides on top.
    A warehouse that cannot be read now (missing, no HubSpot yet, being written by a run) gives
    the overrides, else UTC and an unknown currency."""
    portal_id = zone = currency = None
    if Path(warehouse).exists():
        try:
            with duckdb.connect(str(warehouse), read_only=True) as con:
                rows = con.execute(_LOADED).fetchall()
            if rows:
                portal_id, zone, currency = rows[0]
        except duckdb.CatalogException:
            pass  # no HubSpot loaded yet
        except duckdb.Error as exc:  # being written by a run, say: say so, it matters
            log.warning("the portal's time zone could not be read from %s (%s): UTC (or the "
                        "override) is used for the schedule and the partitions", warehouse,
                        str(exc).splitlines()[0])
    return _with_overrides(portal_id, zone, currency)


def _with_overrides(portal_id: str | None, zone: str | None,
                    currency: str | None) -> PortalSettings:
    forced = overrides()
    return PortalSettings(
        company_currency=forced.get("company_currency") or currency,
        time_zone=forced.get("time_zone") or zone or FALLBACK_TIME_ZONE,
        portal_id=portal_id,
        company_currency_source=("override" if "company_currency" in forced
                                 else "portal" if currency else "unknown"),
        time_zone_source=("override" if "time_zone" in forced
                          else "portal" if zone else "unknown"),
    )


def built_settings(con: duckdb.DuckDBPyConnection) -> PortalSettings | None:
    """What the marts were built with (`marts.dim_portal`), or None for marts built before
    it existed."""
    try:
        row = con.execute("""
            select portal_id, company_currency_code, time_zone, company_currency_source,
                   time_zone_source
            from marts.dim_portal limit 1""").fetchall()
    except duckdb.CatalogException:
        return None
    if not row:
        return None
    portal_id, currency, zone, currency_source, zone_source = row[0]
    return PortalSettings(currency, zone, portal_id, currency_source, zone_source)
