"""The simulator's portal profile (company currency, time zone) and sparse worlds: what real
vendor accounts leave out or keep elsewhere, served deterministically and reflected in the truth.

Fast: the server over HTTP and the truth functions, no dlt pipeline and no dbt.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from simulator.apis import simulator_server
from simulator.config import source_settings
from simulator.facebook import CREATIVE_HOMES
from simulator.protocol import FAULT_KINDS
from simulator.server import SimulatorServer
from simulator.truth import (
    REPORTS,
    closed_won_deals,
    contacts_per_ad,
    spend_by_account_day,
    write_truth,
)
from simulator.truth import (
    attributed_contacts as truth_attributed,
)
from simulator.world import COMPANY_CURRENCY, PORTAL_TIME_ZONE, World
from tests.conftest import END_DATE, SEED
from tests.simulator.simulator_http import (
    accounts,
    facebook_edge,
    google_search,
    linkedin_get,
)

PORTAL = {"company_currency": "EUR", "portal_time_zone": "Europe/Stockholm"}
FB_AD_FIELDS = ("id,name,campaign_id,creative{id,name,link_url,object_url,url_tags,template_url,"
                "object_story_spec,asset_feed_spec}")


@pytest.fixture(scope="module")
def sparse_world() -> World:
    return World.generate("S", SEED, END_DATE, sparse=True, **PORTAL)


@pytest.fixture(scope="module")
def sparse_server(sparse_world: World) -> Iterator[SimulatorServer]:
    with simulator_server(sparse_world) as server:
        yield server


# -- HTTP helpers -------------------------------------------------------------------------------

def facebook_ads(server: SimulatorServer, account: str) -> list[dict]:
    return facebook_edge(server, account, "ads", FB_AD_FIELDS)


def linkedin_analytics(server: SimulatorServer, account: str) -> dict:
    s, e = server.world.start_date, server.world.end_date
    return linkedin_get(
        server, "adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY"
        f"&dateRange=(start:(year:{s.year},month:{s.month},day:{s.day}),"
        f"end:(year:{e.year},month:{e.month},day:{e.day}))"
        f"&accounts=List(urn%3Ali%3AsponsoredAccount%3A{account})"
        "&fields=impressions,clicks,costInLocalCurrency,likes,totalEngagements,"
        "externalWebsiteConversions,landingPageClicks,dateRange,pivotValues")


def hubspot_get(server: SimulatorServer, path: str, **params: Any) -> dict:
    response = requests.get(f"{server.base_url}{path}", params=params, timeout=10,
                            headers={"Authorization": f"Bearer {server.tokens['hubspot']}"})
    assert response.status_code == 200, response.text
    return response.json()


def hubspot_all(server: SimulatorServer, path: str, **params: Any) -> list[dict]:
    results, after = [], None
    while True:
        page = hubspot_get(server, path, **params, **({"after": after} if after else {}))
        results.extend(page["results"])
        if "paging" not in page:
            return results
        after = page["paging"]["next"]["after"]


def creative_home(creative: dict) -> str | None:
    """Which of `CREATIVE_HOMES` a sparse creative keeps its destination in (None: several)."""
    story = creative.get("object_story_spec", {})
    found = [home for home, present in (
        ("link_data", "link_data" in story), ("video_data", "video_data" in story),
        ("asset_feed_spec", "asset_feed_spec" in creative),
        ("object_url", "object_url" in creative)) if present]
    if not found:
        return "page_post"
    return found[0] if len(found) == 1 else None


def destination(creative: dict, home: str) -> str | None:
    story = creative.get("object_story_spec", {})
    return {
        "link_data": lambda: story["link_data"]["link"],
        "video_data": lambda: story["video_data"]["call_to_action"]["value"]["link"],
        "asset_feed_spec": lambda: creative["asset_feed_spec"]["link_urls"][0]["website_url"],
        "object_url": lambda: creative["object_url"],
        "page_post": lambda: None,
    }[home]()


# -- portal profile -----------------------------------------------------------------------------

def test_the_default_world_keeps_its_usd_new_york_portal(world_s):
    assert (world_s.company_currency, world_s.portal_time_zone, world_s.sparse) == (
        COMPANY_CURRENCY, PORTAL_TIME_ZONE, False) == ("USD", "America/New_York", False)
    rates = world_s.exchange_rates
    assert set(rates["to_currency"]) == {"USD"}
    assert set(rates["from_currency"]) == {"EUR", "GBP", "SEK"}
    # The same draws as ever: the first rates are the currencies' starting points.
    first = rates.groupby("from_currency")["rate"].first()
    assert first.to_dict() == {"EUR": 1.086957, "GBP": 1.265823, "SEK": 0.095238}
    assert not world_s.teams.empty and not world_s.account_access.empty


def test_rates_into_another_company_currency_derive_from_the_same_usd_rates(world_s):
    eur = World.generate("S", SEED, END_DATE, company_currency="EUR")
    usd = world_s.exchange_rates.set_index(["from_currency", "rate_id"])["rate"]
    rates = eur.exchange_rates
    assert set(rates["to_currency"]) == {"EUR"}
    assert set(rates["from_currency"]) == {"USD", "GBP", "SEK"}
    assert (rates.groupby("from_currency")["effective_at"].min() < eur.start_date).all()
    for row in rates.itertuples(index=False):
        k = row.rate_id.split("-")[1]
        eur_in_usd = usd[("EUR", f"EUR-{k}")]
        from_in_usd = 1.0 if row.from_currency == "USD" else usd[
            (row.from_currency, f"{row.from_currency}-{k}")]
        # derived from the unrounded USD rates: equal up to the rounding to six decimals
        assert row.rate == pytest.approx(from_in_usd / eur_in_usd, abs=2e-6)
        assert row.rate == round(row.rate, 6)
    # The world's money is the same advertiser's.
    pd.testing.assert_frame_equal(eur.base_ad_daily, world_s.base_ad_daily)


def test_unknown_company_currency_or_zone_is_refused():
    with pytest.raises(ValueError, match="unknown company currency"):
        World.generate("S", SEED, END_DATE, company_currency="XYZ")
    with pytest.raises(Exception, match="Mars"):
        World.generate("S", SEED, END_DATE, portal_time_zone="Mars/Olympus")


def test_hubspot_serves_the_portals_currency_and_time_zone(sparse_server):
    details = hubspot_get(sparse_server, "/account-info/v3/details")
    assert details["companyCurrency"] == "EUR" and details["timeZone"] == "Europe/Stockholm"
    assert details["additionalCurrencies"] == ["GBP", "SEK", "USD"]
    assert details["utcOffset"] == "+01:00"  # 2026-10-31 is after the switch to CET
    assert hubspot_get(sparse_server, "/settings/v3/currencies/company-currency") == {
        "currencyCode": "EUR", "currencyName": "Euro"}
    rates = hubspot_all(sparse_server, "/settings/v3/currencies/exchange-rates")
    assert {r["toCurrencyCode"] for r in rates} == {"EUR"}
    assert {r["fromCurrencyCode"] for r in rates} == {"USD", "GBP", "SEK"}
    # Some ad accounts keep their own currency and zone, unlike the portal.
    world = sparse_server.world
    assert ("USD", "America/New_York") in set(zip(world.accounts["currency"],
                                                  world.accounts["time_zone"], strict=True))


# -- sparse world: shape ------------------------------------------------------------------------

def test_a_sparse_world_has_a_real_accounts_gaps(sparse_world, world_s):
    google = accounts(sparse_world, "google")
    with_keywords = set(sparse_world.keywords["account_id"])
    assert google[0] in with_keywords and google[-1] not in with_keywords
    assert google[-1] not in set(sparse_world.keyword_daily()["account_id"])
    sessions = sparse_world.sessions
    bare = sessions[sessions["account_id"] == google[-1]]
    assert len(bare) and not bare["landing_url"].astype(str).str.contains("hsa_tgt=kwd").any()
    assert sessions.loc[sessions["account_id"] == google[0], "landing_url"].astype(
        str).str.contains("hsa_tgt=kwd-").any()

    empty = sorted(set(accounts(sparse_world, "linkedin")) - set(accounts(world_s, "linkedin")))
    assert len(empty) == 1
    assert sparse_world.accounts.set_index("account_id").loc[empty[0], "currency"] == "EUR"
    assert not sparse_world.campaigns["account_id"].isin(empty).any()
    assert not sparse_world.ad_daily()["account_id"].isin(empty).any()

    assert sparse_world.teams.empty and sparse_world.account_access.empty
    deals = sparse_world.deals
    assert deals["deal_currency_code"].isna().any() and deals["deal_currency_code"].notna().any()
    open_deals = deals[deals["dealstage"] == "appointmentscheduled"]
    assert open_deals["amount"].isna().any()
    assert deals.loc[deals["dealstage"] != "appointmentscheduled", "amount"].notna().all()


def test_source_settings_list_the_chosen_networks_and_no_access_file_when_sparse(
        sparse_server, simulator, tmp_path: Path):
    default = source_settings(simulator, tmp_path)
    assert "SOURCES__HUBSPOT__ACCESS_CONFIG_PATH" in default
    assert {k.split("__")[1] for k in default} == {"FACEBOOK_ADS", "GOOGLE_ADS", "LINKEDIN_ADS",
                                                   "HUBSPOT"}
    only = source_settings(simulator, tmp_path, networks=("linkedin",))
    assert {k.split("__")[1] for k in only} == {"LINKEDIN_ADS", "HUBSPOT"}
    assert {k: v for k, v in default.items() if "LINKEDIN" in k or "HUBSPOT" in k} == only

    sparse = source_settings(sparse_server, tmp_path / "sparse")
    assert "SOURCES__HUBSPOT__ACCESS_CONFIG_PATH" not in sparse
    assert not (tmp_path / "sparse").exists()
    ids = json.loads(sparse["SOURCES__LINKEDIN_ADS__ACCOUNT_IDS"])
    assert ids == accounts(sparse_server.world, "linkedin") and len(ids) == 2
    with pytest.raises(ValueError, match="unknown networks"):
        source_settings(simulator, tmp_path, networks=("tiktok",))


# -- sparse rendering: Facebook -----------------------------------------------------------------

def test_sparse_facebook_creatives_use_every_home_and_never_link_url(sparse_server):
    world = sparse_server.world
    truth = world.ads.set_index("ad_id")
    homes_seen = set()
    for account in accounts(world, "facebook"):
        for ad in facebook_ads(sparse_server, account):
            creative = ad["creative"]
            expected = truth.loc[ad["id"]]
            assert "link_url" not in creative
            home = creative_home(creative)
            assert home is not None, creative  # exactly one home
            if home != "page_post":
                assert destination(creative, home) == expected["final_url"]
            text = json.dumps(creative)
            if not expected["is_tracked"]:
                assert "hsa_" not in text and "utm_" not in text
                continue
            homes_seen.add(home)
            if home == "asset_feed_spec":
                assert "url_tags" not in creative
                tags = creative["asset_feed_spec"]["link_urls"][0]["url_tags"]
            else:
                tags = creative["url_tags"]
            assert f"hsa_ad={ad['id']}" in tags and f"hsa_cam={ad['campaign_id']}" in tags
    assert homes_seen == set(CREATIVE_HOMES)


def test_sparse_facebook_leaves_out_optional_fields(sparse_server):
    world = sparse_server.world
    account = accounts(world, "facebook")[0]
    campaigns = facebook_edge(sparse_server, account, "campaigns",
                              "id,configured_status,start_time,stop_time,daily_budget,"
                              "lifetime_budget")
    assert any("start_time" not in c for c in campaigns)
    assert any("start_time" in c for c in campaigns)
    assert any("configured_status" not in c for c in campaigns)
    assert not any({"stop_time", "daily_budget", "lifetime_budget"} & set(c) for c in campaigns)
    ad_sets = facebook_edge(sparse_server, account, "adsets",
                            "id,daily_budget,optimization_goal,billing_event,start_time")
    for name in ("daily_budget", "optimization_goal", "billing_event", "start_time"):
        assert any(name not in s for s in ad_sets) and any(name in s for s in ad_sets)
    assert any("name" not in ad["creative"] for ad in facebook_ads(sparse_server, account))

    response = requests.get(f"{sparse_server.base_url}/v21.0/act_{account}/insights", params={
        "access_token": sparse_server.tokens["facebook_ads"], "level": "ad",
        "time_increment": "1", "limit": 5000, "fields": "ad_id,impressions,clicks,"
        "inline_link_clicks,spend,actions", "time_range": json.dumps({
            "since": world.start_date.isoformat(), "until": world.end_date.isoformat()})},
        timeout=10)
    rows = response.json()["data"]
    daily = world.ad_daily().set_index(["ad_id", "date"])
    assert all("spend" in r and "impressions" in r for r in rows)
    without_clicks = [r for r in rows if "clicks" not in r]
    assert without_clicks  # the S world has ad-days without clicks
    for row in rows:
        truth = daily.loc[(row["ad_id"], row["date_start"])]
        assert ("clicks" in row) == (truth["clicks"] > 0)
        assert ("inline_link_clicks" in row) == (truth["link_clicks"] > 0)


# -- sparse rendering: Google -------------------------------------------------------------------

def test_sparse_google_omits_unset_fields_and_empty_results(sparse_server):
    world = sparse_server.world
    first, bare = accounts(world, "google")[0], accounts(world, "google")[-1]
    ads = google_search(sparse_server, first, "SELECT ad_group_ad.ad.id, ad_group_ad.ad.name, "
                        "ad_group_ad.ad.final_url_suffix, ad_group_ad.ad.tracking_url_template, "
                        "campaign.id, campaign.advertising_channel_type, "
                        "campaign.final_url_suffix, campaign.tracking_url_template "
                        "FROM ad_group_ad")["results"]
    tracked = world.ads.set_index("ad_id")["is_tracked"]
    campaign_level = set()
    for row in ads:
        ad, campaign = row["adGroupAd"]["ad"], row["campaign"]
        assert ("name" in ad) == (campaign["advertisingChannelType"] != "SEARCH")
        assert "" not in ad.values() and "" not in campaign.values()
        homes = [ad.get("finalUrlSuffix", ""), ad.get("trackingUrlTemplate", ""),
                 campaign.get("finalUrlSuffix", ""), campaign.get("trackingUrlTemplate", "")]
        assert any("hsa_" in h for h in homes) == tracked[ad["id"]]
        if tracked[ad["id"]] and "hsa_" not in campaign.get("finalUrlSuffix", ""):
            assert "hsa_" in ad["finalUrlSuffix"]  # the campaign left it to its ads
        elif tracked[ad["id"]]:
            campaign_level.add(campaign["id"])
    assert campaign_level  # other tracked campaigns keep theirs

    customers = [google_search(sparse_server, c, "SELECT customer.id, customer.descriptive_name "
                               "FROM customer")["results"][0]["customer"]
                 for c in accounts(world, "google")]
    assert ["descriptiveName" in c for c in customers] == [False, True]

    keywords = google_search(sparse_server, bare, "SELECT ad_group_criterion.criterion_id "
                             "FROM ad_group_criterion")
    assert "results" not in keywords and "fieldMask" in keywords
    criteria = google_search(sparse_server, first, "SELECT ad_group_criterion.criterion_id, "
                             "ad_group_criterion.cpc_bid_micros, "
                             "ad_group_criterion.effective_cpc_bid_micros, "
                             "ad_group_criterion.position_estimates.first_page_cpc_micros "
                             "FROM ad_group_criterion")["results"]
    criteria = [r["adGroupCriterion"] for r in criteria]
    assert all("effectiveCpcBidMicros" in c for c in criteria)
    assert any("cpcBidMicros" not in c for c in criteria)
    assert any("positionEstimates" not in c for c in criteria)

    between = f"segments.date BETWEEN '{world.start_date}' AND '{world.end_date}'"
    metrics = google_search(sparse_server, first, "SELECT ad_group_ad.ad.id, segments.date, "
                            "metrics.impressions, metrics.clicks, metrics.cost_micros "
                            f"FROM ad_group_ad WHERE {between}")["results"]
    assert all({"impressions", "costMicros"} <= set(r["metrics"]) for r in metrics)
    assert any("clicks" not in r["metrics"] for r in metrics)
    assert all(r["metrics"].get("clicks") != "0" for r in metrics)
    shares = google_search(sparse_server, first, "SELECT ad_group_criterion.criterion_id, "
                           "segments.date, metrics.impressions, "
                           "metrics.search_top_impression_share FROM keyword_view "
                           f"WHERE {between}")["results"]
    with_share = ["searchTopImpressionShare" in r["metrics"] for r in shares]
    assert any(with_share) and not all(with_share)


# -- sparse rendering: LinkedIn -----------------------------------------------------------------

def test_the_freshly_connected_linkedin_account_is_empty(sparse_server):
    empty = accounts(sparse_server.world, "linkedin")[-1]
    assert linkedin_get(sparse_server, f"adAccounts/{empty}")["currency"] == "EUR"
    for collection, finder in (("adCampaignGroups", "search"), ("adCampaigns", "search"),
                               ("creatives", "criteria")):
        page = linkedin_get(sparse_server, f"adAccounts/{empty}/{collection}?q={finder}")
        assert page["elements"] == []
    assert linkedin_analytics(sparse_server, empty)["elements"] == []
    spend = spend_by_account_day(sparse_server.world)
    assert empty not in set(spend["account_id"])


def test_sparse_linkedin_creatives_and_analytics(sparse_server):
    world = sparse_server.world
    account = accounts(world, "linkedin")[0]
    ads = world.ads.set_index("ad_id")
    creatives = linkedin_get(sparse_server,
                             f"adAccounts/{account}/creatives?q=criteria&pageSize=1000")
    forms = set()
    for creative in creatives["elements"]:
        ad = ads.loc[creative["id"].rsplit(":", 1)[1]]
        assert "servingHoldReasons" not in creative
        (form, content), = creative["content"].items()
        forms.add(form)
        if form == "reference":
            assert content.startswith("urn:li:share:") and ad["campaign_type"] != "TEXT_AD"
            continue
        assert form == ("textAd" if ad["campaign_type"] == "TEXT_AD" else "spotlight")
        assert content["landingPage"].startswith(ad["final_url"])
        assert (f"hsa_ad={creative['id'].rsplit(':', 1)[1]}" in content["landingPage"]) == bool(
            ad["is_tracked"])
    assert forms == {"textAd", "spotlight", "reference"}
    assert any("name" not in c for c in creatives["elements"])
    groups = linkedin_get(sparse_server, f"adAccounts/{account}/adCampaignGroups?q=search")
    assert not any("backfilled" in g for g in groups["elements"])
    assert any("totalBudget" not in g for g in groups["elements"])

    elements = linkedin_analytics(sparse_server, account)["elements"]
    assert all({"impressions", "costInLocalCurrency", "dateRange", "pivotValues"} <= set(e)
               for e in elements)
    assert any("clicks" not in e for e in elements)
    assert not any(e.get(m) == 0 for e in elements for m in ("clicks", "likes"))


# -- sparse rendering: HubSpot ------------------------------------------------------------------

def test_sparse_hubspot_users_teams_deals_contacts_and_events(sparse_server):
    world = sparse_server.world
    users = hubspot_all(sparse_server, "/settings/v3/users")
    kinds = [("roleIds" in u, "roleId" in u) for u in users]
    assert {(True, False), (False, True), (False, False)} == set(kinds)
    assert all(isinstance(u["roleIds"], list) for u in users if "roleIds" in u)
    assert not any("primaryTeamId" in u or "secondaryTeamIds" in u for u in users)
    assert hubspot_get(sparse_server, "/settings/v3/users/teams") == {"results": []}

    deals = hubspot_all(sparse_server, "/crm/v3/objects/deals", limit=100,
                        properties="amount,deal_currency_code,dealstage")
    currency = world.deals.set_index("deal_id")["deal_currency_code"]
    for deal in deals:
        has = "deal_currency_code" in deal["properties"]
        assert has == pd.notna(currency[deal["id"]])
    assert any(d["properties"]["amount"] is None and d["properties"]["dealstage"]
               == "appointmentscheduled" for d in deals)

    contacts = hubspot_all(sparse_server, "/crm/v3/objects/contacts", limit=100,
                           properties="firstname,hs_analytics_source")
    assert any(c["properties"]["firstname"] is None for c in contacts)
    assert any("hs_analytics_source" not in c["properties"] for c in contacts)
    assert all("firstname" in c["properties"] for c in contacts)

    views = hubspot_all(sparse_server, "/events/v3/events", objectType="contact",
                        eventType="e_visited_page", limit=1000)
    assert any("hs_referrer" not in v["properties"] for v in views)
    assert all(v["properties"].get("hs_referrer") != "" for v in views)
    forms = hubspot_all(sparse_server, "/events/v3/events", objectType="contact",
                        eventType="e_submitted_form", limit=1000)
    assert forms and not any("hs_form_title" in f["properties"] for f in forms)


def test_a_sparse_fault_renders_the_default_world_sparsely(fresh_simulator):
    server = fresh_simulator
    account = accounts(server.world, "facebook")[0]
    assert all("link_url" in ad["creative"] for ad in facebook_ads(server, account))
    assert "sparse" in FAULT_KINDS
    server.faults.add(kind="sparse", api="facebook_ads", times=None)
    creatives = [ad["creative"] for ad in facebook_ads(server, account)]
    assert not any("link_url" in c for c in creatives)
    # Other APIs render as ever until they are named too.
    google = accounts(server.world, "google")[0]
    none = google_search(server, google, "SELECT campaign.id FROM campaign WHERE campaign.id = 1")
    assert none["results"] == []
    server.faults.add(kind="sparse", api="google_ads", times=None)
    none = google_search(server, google, "SELECT campaign.id FROM campaign WHERE campaign.id = 1")
    assert "results" not in none
    server.faults.clear()
    assert all("link_url" in ad["creative"] for ad in facebook_ads(server, account))


# -- truth --------------------------------------------------------------------------------------

def test_spend_in_company_currency_is_each_ad_days_spend_times_the_rate_of_the_day(
        sparse_world):
    """As the warehouse converts it: each ad-day at the day's rate, to the micro, then summed."""
    truth = spend_by_account_day(sparse_world)
    rates = sparse_world.exchange_rates
    row = truth[(truth["currency"] == "SEK") & (truth["date"] == "2026-10-20")].iloc[0]
    sek = rates[(rates["from_currency"] == "SEK")
                & (rates["effective_at"] <= dt.date(2026, 10, 20))]
    rate = sek.sort_values("effective_at")["rate"].iloc[-1]
    assert sek["effective_at"].max() == dt.date(2026, 10, 7)  # the second rate, not the first
    daily = sparse_world.ad_daily()
    ads = daily[(daily["account_id"] == row["account_id"]) & (daily["date"] == "2026-10-20")]
    assert len(ads) > 1
    by_hand = sum((Decimal(int(cents)) / 100 * Decimal(str(rate))).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP) for cents in ads["spend_cents"])
    assert row["spend_company_currency"] == by_hand
    in_eur = truth[truth["currency"] == "EUR"]
    assert (in_eur["spend_company_currency"] == in_eur["spend"]).all()


def test_spend_in_usd_portal_keeps_usd_accounts_spend(world_s):
    truth = spend_by_account_day(world_s)
    usd = truth[truth["currency"] == "USD"]
    assert (usd["spend_company_currency"] == usd["spend"]).all()
    assert (truth.loc[truth["currency"] != "USD", "spend_company_currency"]
            != truth.loc[truth["currency"] != "USD", "spend"]).all()


def test_contacts_per_ad_follow_hubspots_reports(world_s):
    """By hand, for every contact that submitted more than once, a web form created and that
    has no lead: the ad of the first submission's session, of the last one's, the last
    tracked-ad session up to the first submission, and every ad of those sessions;
    `attributed_contacts` credits exactly those, and `contacts_per_ad` counts them. (Old and
    lead-ad contacts: test_simulator_leads.py.)"""
    tracked = set(world_s.ads.loc[world_s.ads["is_tracked"], "ad_id"])
    sessions = world_s.sessions
    on_ads = sessions[sessions["ad_id"].isin(tracked)]
    ad_of = on_ads.set_index("session_id")["ad_id"]
    forms = world_s.form_submissions.sort_values(["submitted_at", "submission_id"])
    created = world_s.contacts.set_index("contact_id")["createdate"]
    by_web_form = forms[forms["is_first"]].set_index("contact_id")["submitted_at"]
    by_web_form = by_web_form[by_web_form == created.reindex(by_web_form.index)].index
    twice = forms[forms["contact_id"].duplicated(keep=False)
                  & forms["contact_id"].isin(by_web_form)
                  & ~forms["contact_id"].isin(world_s.leads["contact_id"])]
    assert twice["contact_id"].nunique() > 3
    expected: dict[str, dict[str, object]] = {report: {} for report in REPORTS}
    for contact, mine in twice.groupby("contact_id"):
        first, last = mine[mine["is_first"]].iloc[0], mine.iloc[-1]
        for report, form in (("first_form_submission", first), ("last_form_submission", last)):
            if form["session_id"] in ad_of.index:
                expected[report][contact] = ad_of[form["session_id"]]
        before = on_ads[(on_ads["contact_id"] == contact)
                        & (on_ads["started_at"] <= first["submitted_at"])]
        if len(before):
            expected["last_ad_interaction"][contact] = (
                before.sort_values("visit_rank")["ad_id"].iloc[-1])
            expected["all_interactions"][contact] = set(before["ad_id"])
    for report in REPORTS:
        credited = truth_attributed(world_s, report)
        mine = credited[credited["contact_id"].isin(twice["contact_id"])]
        if report == "all_interactions":
            got = {c: set(ads) for c, ads in mine.groupby("contact_id")["ad_id"]}
        else:
            got = dict(zip(mine["contact_id"], mine["ad_id"], strict=True))
        assert got == expected[report] and got, report
        per_ad = contacts_per_ad(world_s, report)
        assert per_ad["contacts"].sum() == len(credited)
        assert not credited.duplicated(["contact_id", "ad_id"]).any()
    with pytest.raises(ValueError, match="unknown report"):
        contacts_per_ad(world_s, "linear")


def test_closed_won_deals_in_the_company_currency(sparse_world, tmp_path: Path):
    won = closed_won_deals(sparse_world)
    deals = sparse_world.deals.set_index("deal_id")
    assert len(won) == ((deals["dealstage"] == "closedwon") & deals["closedate"].notna()).sum()
    missing = won[won["deal_currency_code"].isna()]
    assert len(missing) and (missing["currency"] == "EUR").all()
    assert (missing["amount_company_currency"] == missing["amount"]).all()
    foreign = won[won["currency"] != "EUR"].iloc[0]
    local = foreign["closed_at"].tz_convert("Europe/Stockholm").date()
    assert foreign["close_date"] == local
    rates = sparse_world.exchange_rates
    rate = rates[(rates["from_currency"] == foreign["currency"])
                 & (rates["effective_at"] <= local)].sort_values("effective_at")["rate"].iloc[-1]
    assert foreign["amount_company_currency"] == (
        foreign["amount"] * Decimal(str(rate))).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    assert all(len(ids) == 1 for ids in won["contact_ids"])
    written = {p.stem for p in write_truth(sparse_world, tmp_path)}
    assert {"closed_won_deals", *(f"contacts_per_ad_{r}" for r in REPORTS)} <= written
    assert pd.read_parquet(tmp_path / "spend_by_account_day.parquet")[
        "spend_company_currency"].str.match(r"^\d+\.\d{6}$").all()
