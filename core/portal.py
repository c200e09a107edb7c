"""The portal's settings outside dbt: its company currency and its time zone.

Both are HubSpot's account settings (the account info API, loaded as `raw_hubspot.account_info`).
Each has one override (core/settings.py), an environment variable, which dbt reads too
(dbt_project.yml): a portal that wants another reporting currency or another day boundary sets
it once, and the models, the schedule, the daily partitions and the reports all follow. What the
marts were built with is `marts.dim_portal`, which the reports read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

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


def loaded_settings(warehouse: Path, overrides: Mapping[str, str] | None = None
                    ) -> PortalSettings:
    """The portal's settings as loaded into `warehouse` (read-only), with `overrides`
    (`Settings.portal_overrides`) on top.
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
    return _with_overrides(portal_id, zone, currency, overrides or {})


def _with_overrides(portal_id: str | None, zone: str | None, currency: str | None,
                    forced: Mapping[str, str]) -> PortalSettings:
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
