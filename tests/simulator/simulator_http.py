"""Requests to a running simulator as the sources make them, for tests of what it serves: each
helper asserts the answer is a 200 and returns its JSON."""

from __future__ import annotations

import json

import requests

from simulator.server import SimulatorServer
from simulator.world import World

# Every effective status: Graph hides deleted and archived objects unless the filter names them.
FB_STATUSES = json.dumps(["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "CAMPAIGN_PAUSED",
                          "ADSET_PAUSED"])
LINKEDIN_HEADERS = {"LinkedIn-Version": "202501", "X-Restli-Protocol-Version": "2.0.0"}


def accounts(world: World, network: str) -> list[str]:
    return world.accounts.loc[world.accounts["network"] == network, "account_id"].tolist()


def facebook_edge(server: SimulatorServer, account: str, edge: str, fields: str) -> list[dict]:
    """One page (up to 5,000) of an ad account's `campaigns`, `adsets` or `ads`, any status."""
    response = requests.get(f"{server.base_url}/v21.0/act_{account}/{edge}", params={
        "access_token": server.tokens["facebook_ads"], "fields": fields, "limit": 5000,
        "effective_status": FB_STATUSES}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def google_search(server: SimulatorServer, customer: str, query: str,
                  page_token: str | None = None) -> dict:
    """One page of a GAQL query (`nextPageToken` names the next)."""
    response = requests.post(
        f"{server.base_url}/v21/customers/{customer}/googleAds:search",
        headers={"authorization": f"Bearer {server.tokens['google_ads']}",
                 "developer-token": server.tokens["google_ads_developer"]},
        json={"query": query, **({"pageToken": page_token} if page_token else {})}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def linkedin_get(server: SimulatorServer, path: str) -> dict:
    """`GET /rest/<path>` (query included, Rest.li encoded)."""
    response = requests.get(f"{server.base_url}/rest/{path}", timeout=10, headers={
        "Authorization": f"Bearer {server.tokens['linkedin_ads']}", **LINKEDIN_HEADERS})
    assert response.status_code == 200, response.text
    return response.json()
