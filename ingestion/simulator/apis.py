"""The four simulated vendor APIs, built against one server."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingestion.simulator.server import Api, SimulatorServer


def build(server: SimulatorServer) -> list[Api]:
    from ingestion.simulator.facebook import FacebookApi
    from ingestion.simulator.google import GoogleAdsApi
    from ingestion.simulator.hubspot import HubSpotApi
    from ingestion.simulator.linkedin import LinkedInApi

    return [FacebookApi(server), GoogleAdsApi(server), LinkedInApi(server), HubSpotApi(server)]
