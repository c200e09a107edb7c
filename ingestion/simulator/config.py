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

    day = dt.timedelta(days=1)
    settings: dict[str, str] = {}
    for source, network, ids_key in (("FACEBOOK_ADS", "facebook", "ACCOUNT_IDS"),
                                     ("GOOGLE_ADS", "google", "CUSTOMER_IDS"),
                                     ("LINKEDIN_ADS", "linkedin", "ACCOUNT_IDS")):
        ids = world.accounts.loc[world.accounts["network"] == network, "account_id"].tolist()
        settings.update({
            f"SOURCES__{source}__BASE_URL": server.base_url,
            f"SOURCES__{source}__ACCESS_TOKEN": server.tokens[source.lower()],
            f"SOURCES__{source}__{ids_key}": json.dumps(ids),
            f"SOURCES__{source}__START_DATE": world.start_date.isoformat(),
            # The simulator's "today" is its last day of data, wherever the clock is: look-back
            # windows then cover the days it restates.
            f"SOURCES__{source}__END_DATE": world.end_date.isoformat(),
        })
    settings["SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN"] = server.tokens["google_ads_developer"]
    settings.update({
        "SOURCES__HUBSPOT__BASE_URL": server.base_url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": server.tokens["hubspot"],
        # CRM events are UTC instants; an ad click on an account's first or last local day can
        # fall on the UTC day before or after.
        "SOURCES__HUBSPOT__START_DATE": (world.start_date - day).isoformat(),
        "SOURCES__HUBSPOT__END_DATE": (world.end_date + day).isoformat(),
        "SOURCES__HUBSPOT__ACCESS_CONFIG_PATH": str(access_file),
    })
    return settings


def apply_environment(settings: dict[str, str]) -> None:
    os.environ.update(settings)
