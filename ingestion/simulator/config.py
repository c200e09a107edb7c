"""The dlt configuration that points all four sources at a running simulator."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from ingestion.simulator.server import SimulatorServer


def source_settings(server: SimulatorServer, data_dir: Path) -> dict[str, str]:
    """Environment variables (dlt's `SOURCES__<NAME>__<KEY>`) for the sources to use `server`."""
    from ingestion.simulator.hubspot import write_access_config

    world = server.world
    access_file = write_access_config(world, data_dir / "ad_account_access.json")

    def ids(network: str) -> str:
        return json.dumps(world.accounts.loc[world.accounts["network"] == network,
                                             "account_id"].tolist())

    start = world.start_date.isoformat()
    # The simulator's "today" is its last day of data, wherever the clock is: look-back windows
    # then cover the days it restates.
    end = world.end_date.isoformat()
    url = server.base_url
    settings = {
        "SOURCES__FACEBOOK_ADS__BASE_URL": url,
        "SOURCES__FACEBOOK_ADS__ACCESS_TOKEN": server.tokens["facebook_ads"],
        "SOURCES__FACEBOOK_ADS__ACCOUNT_IDS": ids("facebook"),
        "SOURCES__FACEBOOK_ADS__START_DATE": start,
        "SOURCES__GOOGLE_ADS__BASE_URL": url,
        "SOURCES__GOOGLE_ADS__ACCESS_TOKEN": server.tokens["google_ads"],
        "SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN": server.tokens["google_ads_developer"],
        "SOURCES__GOOGLE_ADS__CUSTOMER_IDS": ids("google"),
        "SOURCES__GOOGLE_ADS__START_DATE": start,
        "SOURCES__LINKEDIN_ADS__BASE_URL": url,
        "SOURCES__LINKEDIN_ADS__ACCESS_TOKEN": server.tokens["linkedin_ads"],
        "SOURCES__LINKEDIN_ADS__ACCOUNT_IDS": ids("linkedin"),
        "SOURCES__LINKEDIN_ADS__START_DATE": start,
        "SOURCES__HUBSPOT__BASE_URL": url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": server.tokens["hubspot"],
        # An ad click early on an account's first local day can be the day before in UTC.
        "SOURCES__HUBSPOT__START_DATE": (world.start_date - dt.timedelta(days=1)).isoformat(),
        "SOURCES__HUBSPOT__ACCESS_CONFIG_PATH": str(access_file),
    }
    for name in ("FACEBOOK_ADS", "GOOGLE_ADS", "LINKEDIN_ADS"):
        settings[f"SOURCES__{name}__END_DATE"] = end
    # CRM events are UTC instants: an ad click late on an account's last local day can fall on
    # the next UTC day.
    settings["SOURCES__HUBSPOT__END_DATE"] = (world.end_date + dt.timedelta(days=1)).isoformat()
    return settings


def apply_environment(settings: dict[str, str]) -> None:
    os.environ.update(settings)
