"""The dlt configuration that points the sources at a running simulator."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path

from simulator.server import SimulatorServer

# network -> (dlt source name, the key its account ids go under)
NETWORK_SOURCES = {
    "facebook": ("FACEBOOK_ADS", "ACCOUNT_IDS"),
    "google": ("GOOGLE_ADS", "CUSTOMER_IDS"),
    "linkedin": ("LINKEDIN_ADS", "ACCOUNT_IDS"),
}


def source_settings(server: SimulatorServer, folder: Path | None = None,
                    networks: Iterable[str] = ("facebook", "google", "linkedin")
                    ) -> dict[str, str]:
    """Environment variables (dlt's `SOURCES__<NAME>__<KEY>`) for the sources to use `server`:
    the listed ad networks' and HubSpot's. The world's ad-account access file is written into
    `folder` (default: the server's own, see `SimulatorServer.folder`) and named; a sparse
    world's portal has none, so none is written or named."""
    from simulator.hubspot import write_access_config

    world = server.world
    networks = tuple(networks)
    unknown = sorted(set(networks) - set(NETWORK_SOURCES))
    if unknown:
        raise ValueError(f"unknown networks {unknown}; choose from {sorted(NETWORK_SOURCES)}")
    day = dt.timedelta(days=1)
    settings: dict[str, str] = {}
    for network in (n for n in NETWORK_SOURCES if n in networks):
        source, ids_key = NETWORK_SOURCES[network]
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
    if "google" in networks:
        settings["SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN"] = server.tokens["google_ads_developer"]
    settings.update({
        "SOURCES__HUBSPOT__BASE_URL": server.base_url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": server.tokens["hubspot"],
        # CRM events are UTC instants; an ad click on an account's first or last local day can
        # fall on the UTC day before or after.
        "SOURCES__HUBSPOT__START_DATE": (world.start_date - day).isoformat(),
        "SOURCES__HUBSPOT__END_DATE": (world.end_date + day).isoformat(),
    })
    if not world.sparse:
        folder = server.folder if folder is None else folder
        access_file = write_access_config(world, folder / "ad_account_access.json")
        settings["SOURCES__HUBSPOT__ACCESS_CONFIG_PATH"] = str(access_file)
    return settings


def apply_environment(settings: dict[str, str]) -> None:
    os.environ.update(settings)
