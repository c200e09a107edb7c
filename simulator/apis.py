"""The composition: the four simulated vendor APIs and the server they answer on.

The server imports no vendor module; it is handed their classes here, in routing order (the
first API that claims a path serves it)."""

from __future__ import annotations

from simulator.facebook import FacebookApi
from simulator.google import GoogleAdsApi
from simulator.hubspot import HubSpotApi
from simulator.linkedin import LinkedInApi
from simulator.protocol import ApiFactory
from simulator.server import SimulatorServer
from simulator.world import World

VENDOR_APIS: tuple[ApiFactory, ...] = (FacebookApi, GoogleAdsApi, LinkedInApi, HubSpotApi)


def simulator_server(world: World, port: int = 0, host: str = "127.0.0.1",
                     tokens: dict[str, str] | None = None) -> SimulatorServer:
    """A server on `world` that speaks all four APIs (not started: see `SimulatorServer`)."""
    return SimulatorServer(world, VENDOR_APIS, port=port, host=host, tokens=tokens)
