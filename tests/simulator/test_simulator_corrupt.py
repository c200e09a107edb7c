"""Corrupt vendor data, switched on per kind: what the simulator serves, and what its truth says a
correct pipeline makes of it (the corrupt rows named, the spend it keeps).

Fast: the server over HTTP and the truth functions, no dlt pipeline and no dbt.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import requests

from simulator.apis import simulator_server
from simulator.corrupt import (
    CORRUPTIONS,
    HOSTILE_NAMES,
    INVALID_TIME_ZONE,
    UNKNOWN_CURRENCY,
)
from simulator.server import SimulatorServer
from simulator.truth import (
    EXPECTED,
    corrupt_rows,
    out_of_window_rows,
    spend_by_account_day,
    write_truth,
)
from simulator.world import World
from tests.conftest import END_DATE, SEED
from tests.simulator.simulator_http import (
    accounts,
    facebook_edge,
    google_search,
    linkedin_get,
)

FB_FIELDS = "account_id,account_currency,campaign_id,adset_id,ad_id,spend,impressions"
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def corrupt_world() -> World:
    return World.generate("S", SEED, END_DATE, corrupt=CORRUPTIONS)


@pytest.fixture(scope="module")
def corrupt_server(corrupt_world: World) -> Iterator[SimulatorServer]:
    with simulator_server(corrupt_world) as server:
        yield server


# -- what each API serves, as (account, ad, date, spend in cents) per row ---------------------

def cents(text: str) -> int:
    return int(Decimal(text) * 100)


def facebook_pages(server: SimulatorServer, account: str, since: dt.date, until: dt.date,
                   limit: int = 5000) -> list[list[dict]]:
    url = f"{server.base_url}/v21.0/act_{account}/insights"
    params: dict | None = {
        "access_token": server.tokens["facebook_ads"], "level": "ad", "time_increment": "1",
        "fields": FB_FIELDS, "limit": limit,
        "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()})}
    pages = []
    while url:
        response = requests.get(url, params=params, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["data"])
        url, params = body.get("paging", {}).get("next"), None
    return pages


def facebook_rows(pages: list[list[dict]]) -> list[tuple]:
    return [(r["account_id"], r["ad_id"], r["date_start"], cents(r["spend"]))
            for page in pages for r in page]


def google_pages(server: SimulatorServer, customer: str, since: dt.date,
                 until: dt.date) -> list[list[dict]]:
    query = ("SELECT customer.id, ad_group_ad.ad.id, segments.date, metrics.cost_micros "
             f"FROM ad_group_ad WHERE segments.date BETWEEN '{since}' AND '{until}'")
    pages, token = [], None
    while True:
        body = google_search(server, customer, query, token)
        pages.append(body.get("results", []))
        token = body.get("nextPageToken")
        if not token:
            return pages


def google_rows(pages: list[list[dict]]) -> list[tuple]:
    return [(r["customer"]["id"], r["adGroupAd"]["ad"]["id"], r["segments"]["date"],
             int(r["metrics"]["costMicros"]) // 10_000) for page in pages for r in page]


def linkedin_rows(server: SimulatorServer, account: str, since: dt.date,
                  until: dt.date) -> list[tuple]:
    body = linkedin_get(
        server, "adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY"
        f"&dateRange=(start:(year:{since.year},month:{since.month},day:{since.day}),"
        f"end:(year:{until.year},month:{until.month},day:{until.day}))"
        f"&accounts=List(urn%3Ali%3AsponsoredAccount%3A{account})"
        "&fields=costInLocalCurrency,impressions,dateRange,pivotValues")
    rows = []
    for element in body["elements"]:
        start = element["dateRange"]["start"]
        day = dt.date(start["year"], start["month"], start["day"])
        ad = element["pivotValues"][0].rsplit(":", 1)[1]
        rows.append((account, ad, day.isoformat(), cents(element["costInLocalCurrency"])))
    return rows


def served(server: SimulatorServer, network: str, account: str, since: dt.date,
           until: dt.date) -> list[tuple]:
    if network == "facebook":
        return facebook_rows(facebook_pages(server, account, since, until))
    if network == "google":
        return google_rows(google_pages(server, account, since, until))
    return linkedin_rows(server, account, since, until)


def world_rows(world: World, network: str, account: str) -> list[tuple]:
    daily = world.ad_daily()
    daily = daily[(daily["network"] == network) & (daily["account_id"] == account)]
    return list(zip(daily["account_id"], daily["ad_id"], daily["date"], daily["spend_cents"],
                    strict=True))


def listed(world: World, kind: str) -> pd.DataFrame:
    rows = corrupt_rows(world)
    return rows[rows["kind"] == kind].reset_index(drop=True)


# -- switches ---------------------------------------------------------------------------------

def test_corruptions_are_off_by_default_and_an_unknown_one_is_refused(world_s, simulator,
                                                                      corrupt_server):
    assert world_s.corrupt == frozenset()
    health = requests.get(f"{simulator.base_url}/_simulator/health", timeout=5).json()
    assert health["corrupt"] == []
    health = requests.get(f"{corrupt_server.base_url}/_simulator/health", timeout=5).json()
    assert health["corrupt"] == sorted(CORRUPTIONS)
    assert corrupt_rows(world_s).empty
    assert list(corrupt_rows(world_s).columns) == [
        "kind", "network", "account_id", "campaign_id", "ad_id", "date", "value", "expected"]
    with pytest.raises(ValueError, match="unknown corruption 'meteor'"):
        World.generate("S", SEED, END_DATE, corrupt=("meteor",))


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_each_switch_corrupts_only_its_own_kind(kind, world_s):
    world = World.generate("S", SEED, END_DATE, corrupt=(kind,))
    rows = corrupt_rows(world)
    assert set(rows["kind"]) == {kind}
    assert (rows["expected"] == EXPECTED[kind]).all()
    # The rest of the advertiser is the default one: its sessions, contacts and deals.
    pd.testing.assert_frame_equal(world.sessions, world_s.sessions)
    pd.testing.assert_frame_equal(world.deals, world_s.deals)


# -- negative spend ---------------------------------------------------------------------------

def test_negative_spend_is_served_as_is_and_quarantined_by_the_truth(corrupt_server, world_s):
    world = corrupt_server.world
    negative = listed(world, "negative_spend")
    assert set(negative["network"]) == {"facebook", "google", "linkedin"}
    daily = world.ad_daily().set_index(["ad_id", "date"])["spend_cents"]
    clean = world_s.ad_daily().set_index(["ad_id", "date"])["spend_cents"]
    keys = list(zip(negative["ad_id"], negative["date"], strict=True))
    # A negative ad-day is the same ad-day with its spend negated; the others are untouched.
    assert (daily.loc[keys] == -clean.loc[keys]).all() and (daily.loc[keys] < 0).all()
    assert int((daily < 0).sum()) == len(negative)
    assert negative["value"].tolist() == [str(Decimal(int(c)).scaleb(-2))
                                          for c in daily.loc[keys]]
    for network in ("facebook", "google", "linkedin"):
        account = negative.loc[negative["network"] == network, "account_id"].iloc[0]
        rows = served(corrupt_server, network, account, world.start_date, world.end_date)
        spend = {(ad, day): c for _, ad, day, c in rows}
        mine = negative[negative["account_id"] == account]
        # (Facebook hides deleted ads' rows by default: those are not served to compare)
        shown = [(ad, day) for ad, day in zip(mine["ad_id"], mine["date"], strict=True)
                 if (ad, day) in spend]
        assert shown, f"no negative ad-day of {network} account {account} was served"
        for ad, day in shown:
            assert spend[ad, day] == daily.loc[(ad, day)] < 0
    # The truth keeps the quarantined ad-days out of spend, impressions and clicks.
    truth = spend_by_account_day(world)
    kept = world.ad_daily()[world.ad_daily()["spend_cents"] >= 0]
    assert truth["spend_cents"].sum() == kept["spend_cents"].sum()
    assert truth["clicks"].sum() == kept["clicks"].sum()
    assert (truth["spend_cents"] >= 0).all()


# -- duplicate rows ---------------------------------------------------------------------------

def test_a_duplicate_row_comes_twice_within_one_page(corrupt_server):
    world = corrupt_server.world
    twice = listed(world, "duplicate_row")
    assert set(twice["network"]) == {"facebook", "google", "linkedin"}
    google = next(api for api in corrupt_server.apis if api.name == "google_ads")
    google.page_size = 100
    try:
        for network in ("facebook", "google", "linkedin"):
            for account in accounts(world, network):
                since, until = world.start_date + 3 * DAY, world.end_date - 3 * DAY
                expected = {(ad, day) for ad, day in twice.loc[
                    twice["account_id"] == account, ["ad_id", "date"]].itertuples(index=False)
                    if since.isoformat() <= day <= until.isoformat()}
                if network == "facebook":
                    pages = [facebook_rows([p]) for p in facebook_pages(
                        corrupt_server, account, since, until, limit=100)]
                elif network == "google":
                    pages = [google_rows([p]) for p in google_pages(corrupt_server, account,
                                                                    since, until)]
                else:
                    pages = [linkedin_rows(corrupt_server, account, since, until)]
                assert len(pages) > 1 or network == "linkedin"
                seen_twice = set()
                for page in pages:
                    counts = pd.Series([(ad, day) for _, ad, day, _ in page]).value_counts()
                    assert counts.max() <= 2
                    seen_twice |= set(counts[counts == 2].index)
                all_rows = [(ad, day) for page in pages for _, ad, day, _ in page]
                # Each duplicate's two copies share a page; none straddles two.
                assert seen_twice == {key for key in expected if key in set(all_rows)}
                assert len(all_rows) == len(set(all_rows)) + len(seen_twice)
    finally:
        google.page_size = 10_000
    # Duplicates count once: the truth is the world's, as if none had been sent twice.
    clean = World.generate("S", SEED, END_DATE, corrupt=("duplicate_row",))
    default = World.generate("S", SEED, END_DATE)
    pd.testing.assert_frame_equal(spend_by_account_day(clean), spend_by_account_day(default))


# -- rows outside the requested window --------------------------------------------------------

def test_each_report_brings_a_row_before_and_one_after_the_requested_window(corrupt_server):
    world = corrupt_server.world
    since, until = world.start_date + 10 * DAY, world.start_date + 19 * DAY
    strays = out_of_window_rows(world, since, until)
    assert set(strays["network"]) == {"facebook", "google", "linkedin"}
    assert set(strays["date"]) == {(since - DAY).isoformat(), (until + DAY).isoformat()}
    for network in ("facebook", "google", "linkedin"):
        for account in accounts(world, network):
            rows = served(corrupt_server, network, account, since, until)
            outside = sorted((ad, day) for _, ad, day, _ in rows
                             if not since.isoformat() <= day <= until.isoformat())
            expected = strays[strays["account_id"] == account]
            assert outside == sorted(zip(expected["ad_id"], expected["date"], strict=True))
            assert len(outside) == 2
            # The one before opens the response, the one after closes it.
            assert rows[0][2] == (since - DAY).isoformat()
            assert rows[-1][2] == (until + DAY).isoformat()
    # A request for days without data gets no rows at all, stray or not.
    empty = world.end_date + 30 * DAY
    assert served(corrupt_server, "google", accounts(world, "google")[0], empty, empty) == []
    # The truth lists the strays of a load of the whole history, and keeps them out of spend.
    whole = listed(world, "out_of_window")
    assert set(whole["date"]) == {(world.start_date - DAY).isoformat(),
                                  (world.end_date + DAY).isoformat()}
    truth = spend_by_account_day(world)
    assert truth["date"].min() >= world.start_date.isoformat()
    assert truth["date"].max() <= world.end_date.isoformat()


# -- account settings -------------------------------------------------------------------------

def test_an_unknown_currency_and_an_invalid_time_zone_on_an_ad_account(corrupt_server, world_s):
    world = corrupt_server.world
    base = corrupt_server.base_url
    currency = listed(world, "unknown_currency")
    zone = listed(world, "invalid_time_zone")
    assert set(currency["network"]) == {"facebook", "google", "linkedin"}
    assert set(zone["network"]) == {"facebook", "google"}  # LinkedIn accounts have no zone
    assert (currency["value"] == UNKNOWN_CURRENCY).all()
    assert (zone["value"] == INVALID_TIME_ZONE).all()

    fb = currency.loc[currency["network"] == "facebook", "account_id"].iloc[0]
    node = requests.get(f"{base}/v21.0/act_{fb}", timeout=10, params={
        "access_token": corrupt_server.tokens["facebook_ads"],
        "fields": "currency,timezone_name"}).json()
    assert node["currency"] == UNKNOWN_CURRENCY and node["timezone_name"] == INVALID_TIME_ZONE
    first = facebook_pages(corrupt_server, fb, world.start_date, world.end_date)[0][0]
    assert first["account_currency"] == UNKNOWN_CURRENCY

    customer = currency.loc[currency["network"] == "google", "account_id"].iloc[0]
    found = google_search(corrupt_server, customer,
                          "SELECT customer.currency_code, customer.time_zone FROM customer")
    assert found["results"][0]["customer"] == {
        "resourceName": f"customers/{customer}", "currencyCode": UNKNOWN_CURRENCY,
        "timeZone": INVALID_TIME_ZONE}

    linkedin = currency.loc[currency["network"] == "linkedin", "account_id"].iloc[0]
    assert linkedin_get(corrupt_server, f"adAccounts/{linkedin}")["currency"] == UNKNOWN_CURRENCY

    # The truth: native spend as ever, no company-currency spend without a rate.
    truth = spend_by_account_day(world)
    clean = spend_by_account_day(world_s)
    odd = truth["account_id"].isin(currency["account_id"])
    assert (truth.loc[odd, "currency"] == UNKNOWN_CURRENCY).all()
    assert truth.loc[odd, "spend_company_currency"].isna().all()
    assert truth.loc[~odd, "spend_company_currency"].notna().all()
    negative = listed(world, "negative_spend")
    unaffected = ~clean["account_id"].isin(negative["account_id"])
    merged = clean[unaffected].merge(truth, on=["network", "account_id", "date"],
                                     suffixes=("", "_corrupt"))
    assert (merged["spend"] == merged["spend_corrupt"]).all()


# -- hostile names ----------------------------------------------------------------------------

def test_hostile_names_are_served_verbatim_by_every_network(corrupt_server):
    world = corrupt_server.world
    names = listed(world, "hostile_names")
    for network in ("facebook", "google", "linkedin"):
        mine = names[names["network"] == network]
        assert set(mine["value"]) == set(HOSTILE_NAMES)
        assert mine["ad_id"].notna().any() and mine["ad_id"].isna().any()  # ads and campaigns
    served_names: set[str] = set()
    for account in accounts(world, "facebook"):
        for edge in ("campaigns", "ads"):
            data = facebook_edge(corrupt_server, account, edge, "name")
            served_names |= {r["name"] for r in data}
    for customer in accounts(world, "google"):
        for query in ("SELECT campaign.name FROM campaign",
                      "SELECT ad_group_ad.ad.name FROM ad_group_ad"):
            for row in google_search(corrupt_server, customer, query)["results"]:
                resource = row.get("campaign") or row.get("adGroupAd", {}).get("ad", {})
                served_names.add(resource.get("name"))
    for account in accounts(world, "linkedin"):
        for collection, finder in (("adCampaignGroups", "search"), ("creatives", "criteria")):
            body = linkedin_get(corrupt_server, f"adAccounts/{account}/{collection}?q={finder}"
                                "&pageSize=1000")
            served_names |= {r.get("name") for r in body["elements"]}
    assert set(HOSTILE_NAMES) <= served_names


# -- truth as files ---------------------------------------------------------------------------

def test_the_corrupt_rows_are_written_with_the_truth(corrupt_world, tmp_path: Path):
    written = {path.name for path in write_truth(corrupt_world, tmp_path)}
    assert "corrupt_rows.parquet" in written
    rows = pd.read_parquet(tmp_path / "corrupt_rows.parquet")
    assert set(rows["kind"]) == set(CORRUPTIONS)
    spend = pd.read_parquet(tmp_path / "spend_by_account_day.parquet")
    odd = spend["currency"] == UNKNOWN_CURRENCY
    assert odd.any() and spend.loc[odd, "spend_company_currency"].isna().all()


# -- the command line -------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["demo"], ["simulator", "serve"]])
def test_the_command_line_switches_corruptions_on(command):
    from orchestration.cli import CliError, _parser, _world

    def world(*options: str) -> World:
        args = _parser().parse_args([*command, "--seed", str(SEED), *options])
        return _world(args, "S")

    assert world().corrupt == frozenset()
    assert world("--corrupt", "negative_spend,hostile_names").corrupt == {"negative_spend",
                                                                         "hostile_names"}
    assert world("--corrupt", "all").corrupt == set(CORRUPTIONS)
    with pytest.raises(CliError, match="unknown corruption 'meteor'"):
        world("--corrupt", "meteor")
