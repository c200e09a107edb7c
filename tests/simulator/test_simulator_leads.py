"""Contacts a web form did not create, and lead ads: the world's old and lead-ad contacts, the
lead APIs the simulator serves (Graph's Ad `leads` edge, LinkedIn's `leadFormResponses` and
`leadForms`), and the truth's rules for them (only contacts their conversion created count;
a lead is a conversion on its ad, without a session).

Fast: the world, the server over HTTP and the truth functions; no dlt pipeline, no dbt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import requests

from simulator.apis import simulator_server
from simulator.server import SimulatorServer
from simulator.truth import (
    NEW_CONTACT_TOLERANCE,
    REPORTS,
    attributed_contacts,
    contacts_per_ad,
    conversions,
    deals_in_report,
    entity_counts,
    lead_contacts,
    new_contacts,
    old_contacts,
    write_truth,
)
from simulator.world import OFFLINE_SOURCES, World
from tests.conftest import END_DATE, SEED
from tests.simulator.simulator_http import LINKEDIN_HEADERS, accounts, linkedin_get

GRAPH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")


@pytest.fixture(scope="module")
def world_m() -> World:
    return World.generate("M", SEED, END_DATE)


@pytest.fixture(scope="module")
def sparse_server() -> Iterator[SimulatorServer]:
    with simulator_server(World.generate("S", SEED, END_DATE, sparse=True)) as server:
        yield server


# -- the world --------------------------------------------------------------------------------

def test_about_eight_percent_of_contacts_are_old(world_m):
    contacts = world_m.contacts
    old = contacts[contacts["analytics_source"] == "OFFLINE"]
    assert 0.07 <= len(old) / len(contacts) <= 0.09
    assert set(old["analytics_source_data_1"]) == set(OFFLINE_SOURCES)
    others = contacts.loc[contacts["analytics_source"] != "OFFLINE", "analytics_source_data_1"]
    assert set(others.dropna()) == {"Facebook", "LinkedIn"}
    # Created 2 to 180 days before their first visit, and they still visit and submit forms.
    first_visit = world_m.sessions.groupby("contact_id")["started_at"].min()
    before = first_visit.reindex(old["contact_id"]).to_numpy() - old["createdate"].to_numpy()
    assert before.min() >= pd.Timedelta(days=2) and before.max() <= pd.Timedelta(days=180)
    assert before.max() > pd.Timedelta(days=60)
    assert old["contact_id"].isin(world_m.form_submissions["contact_id"]).all()
    on_ads = world_m.sessions[world_m.sessions["ad_id"].notna()]
    assert old["contact_id"].isin(on_ads["contact_id"]).mean() > 0.3


def test_a_few_percent_of_contacts_come_from_lead_ads(world_m):
    leads, contacts = world_m.leads, world_m.contacts.set_index("contact_id")
    n = len(contacts)
    created = leads[leads["is_first"]]
    later = leads[~leads["is_first"]]
    assert 0.03 <= len(created) / n <= 0.05 and 0.01 <= len(later) / n <= 0.03
    assert not leads["contact_id"].duplicated().any()
    assert set(leads["network"]) == {"facebook", "linkedin"}
    assert leads["lead_id"].is_unique
    # Same email as the contact; a lead's contact is created 1 to 15 minutes after it, PAID_SOCIAL.
    assert (leads["email"].to_numpy()
            == contacts["email"].reindex(leads["contact_id"]).to_numpy()).all()
    lag = (contacts["createdate"].reindex(created["contact_id"]).to_numpy()
           - created["created_at"].to_numpy())
    assert lag.min() >= pd.Timedelta(minutes=1) and lag.max() <= pd.Timedelta(minutes=15)
    assert (contacts["analytics_source"].reindex(created["contact_id"]) == "PAID_SOCIAL").all()
    # Inside the history.
    start = pd.Timestamp(world_m.start_date, tz="UTC")
    end = pd.Timestamp(END_DATE + dt.timedelta(days=1), tz="UTC")
    assert leads["created_at"].min() >= start and leads["created_at"].max() < end


def test_leads_are_on_ads_of_tracked_lead_campaigns_with_clicks_that_day(world_m):
    leads = world_m.leads
    ads = world_m.ads.set_index("ad_id")
    mine = ads.loc[leads["ad_id"]]
    assert mine["is_tracked"].all()
    assert (mine["network"].to_numpy() == leads["network"].to_numpy()).all()
    assert set(mine["campaign_type"]) == {"OUTCOME_LEADS", "SPONSORED_UPDATES"}
    for column in ("account_id", "campaign_id", "ad_group_id"):
        assert (mine[column].to_numpy() == leads[column].to_numpy()).all()
    days = world_m.ad_daily().set_index(["ad_id", "date"])["clicks"]
    day = leads["created_at"].dt.strftime("%Y-%m-%d")
    assert (days.reindex(list(zip(leads["ad_id"], day, strict=True))).to_numpy() > 0).all()
    # One form per campaign.
    assert (leads.groupby("campaign_id")["form_id"].nunique() == 1).all()


def test_a_lead_is_sometimes_the_first_and_sometimes_a_later_submission(world_m):
    leads, forms = world_m.leads, world_m.form_submissions
    sessions = world_m.sessions.groupby("contact_id")["started_at"].min()
    first_form = forms.groupby("contact_id")["submitted_at"].min()
    created = leads[leads["is_first"]].set_index("contact_id")["created_at"]
    # A lead that created its contact comes before any visit of it; some never submit a web
    # form, some do, later.
    assert (created < sessions.reindex(created.index)).all()
    with_forms = created.index.isin(first_form.index)
    assert 0.3 < with_forms.mean() < 0.7
    assert (first_form.reindex(created.index[with_forms]) > created[with_forms]).all()
    # A lead after a web form.
    later = leads[~leads["is_first"]].set_index("contact_id")["created_at"]
    assert (later > first_form.reindex(later.index)).all()


def test_leads_are_no_hubspot_form_submissions(simulator):
    """Contacts a lead created and that never submitted a web form have no form submission
    event in HubSpot, whatever the window."""
    world = simulator.world
    silent = set(world.leads.loc[world.leads["is_first"], "contact_id"]) - set(
        world.form_submissions["contact_id"])
    assert silent
    response = requests.get(f"{simulator.base_url}/events/v3/events", timeout=10, params={
        "eventType": "e_submitted_form", "limit": 1000}, headers={
        "Authorization": f"Bearer {simulator.tokens['hubspot']}"})
    assert response.status_code == 200
    served = response.json()["results"]
    assert len(served) == len(world.form_submissions) and "paging" not in response.json()
    assert not silent & {event["objectId"] for event in served}


def test_hubspot_serves_the_offline_source_and_its_drill_down(simulator):
    world = simulator.world
    response = requests.get(f"{simulator.base_url}/crm/v3/objects/contacts", timeout=10, params={
        "limit": 100, "properties": "hs_analytics_source,hs_analytics_source_data_1"},
        headers={"Authorization": f"Bearer {simulator.tokens['hubspot']}"})
    contacts = {c["id"]: c["properties"] for c in response.json()["results"]}
    truth = world.contacts.set_index("contact_id")
    old = [c for c, p in contacts.items() if p["hs_analytics_source"] == "OFFLINE"]
    assert old
    for contact in old:
        assert contacts[contact]["hs_analytics_source_data_1"] in OFFLINE_SOURCES
        assert contacts[contact]["createdate"] == truth.loc[contact, "createdate"].strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")


def test_the_same_seed_gives_the_same_leads_and_sizes_keep_their_shares(world_s, world_m):
    again = World.generate("S", SEED, END_DATE)
    pd.testing.assert_frame_equal(again.leads, world_s.leads)
    pd.testing.assert_frame_equal(again.contacts, world_s.contacts)
    share_s = len(lead_contacts(world_s)) / len(world_s.contacts)
    share_m = len(lead_contacts(world_m)) / len(world_m.contacts)
    assert 0.02 <= share_s <= 0.1 and 0.05 <= share_m <= 0.07


def test_entity_counts_and_written_truth_have_the_leads(world_s, tmp_path):
    counts = entity_counts(world_s)
    assert counts["leads"] == len(world_s.leads) == (
        counts["facebook_leads"] + counts["linkedin_leads"])
    written = {p.stem for p in write_truth(world_s, tmp_path)}
    assert {"leads", "conversions", "contacts_per_ad_all_interactions"} <= written
    assert len(pd.read_parquet(tmp_path / "leads.parquet")) == len(world_s.leads)


# -- Facebook: the Ad's leads edge ---------------------------------------------------------------

def fb_leads(server: SimulatorServer, ad_id: str, **params) -> requests.Response:
    return requests.get(f"{server.base_url}/v21.0/{ad_id}/leads", timeout=10, params={
        "access_token": server.tokens["facebook_ads"], **params})


def busiest_ad(world: World, network: str) -> str:
    leads = world.leads[world.leads["network"] == network]
    counts = leads["ad_id"].value_counts()
    assert counts.iloc[0] >= 2
    return counts.index[0]


def test_facebook_leads_have_only_the_fields_asked_for(simulator):
    world = simulator.world
    ad = busiest_ad(world, "facebook")
    mine = world.leads[world.leads["ad_id"] == ad].set_index("lead_id")
    body = fb_leads(simulator, ad, fields="id,created_time,ad_id,form_id,field_data").json()
    assert {lead["id"] for lead in body["data"]} == set(mine.index)
    for lead in body["data"]:
        assert set(lead) == {"id", "created_time", "ad_id", "form_id", "field_data"}
        truth = mine.loc[lead["id"]]
        assert GRAPH_TIME.match(lead["created_time"])
        assert lead["created_time"] == truth["created_at"].strftime("%Y-%m-%dT%H:%M:%S+0000")
        assert lead["ad_id"] == ad and lead["form_id"] == truth["form_id"]
        assert lead["field_data"] == [
            {"name": "email", "values": [truth["email"]]},
            {"name": "full_name", "values": [f"Contact {truth['contact_id']}"]}]
    # Asked for the others, they come; asked for nothing, Graph's default id and created_time.
    other = fb_leads(simulator, ad, fields="adset_id,campaign_id,is_organic,platform").json()
    truth = mine.iloc[0]
    assert {(d["adset_id"], d["campaign_id"], d["is_organic"]) for d in other["data"]} == {
        (truth["ad_group_id"], truth["campaign_id"], False)}
    assert {d["platform"] for d in other["data"]} <= {"fb", "ig"}
    assert all(set(d) == {"id", "created_time"} for d in fb_leads(simulator, ad).json()["data"])


def test_facebook_leads_page_by_cursor_newest_first(simulator):
    world = simulator.world
    ad = busiest_ad(world, "facebook")
    expected = world.leads[world.leads["ad_id"] == ad].sort_values(
        "created_at", ascending=False)["lead_id"].tolist()
    seen, url, params = [], None, {"limit": 1, "fields": "id"}
    response = fb_leads(simulator, ad, **params)
    while True:
        body = response.json()
        assert len(body["data"]) == 1
        seen += [lead["id"] for lead in body["data"]]
        assert body["paging"]["cursors"]["after"]
        url = body["paging"].get("next")
        if url is None:
            break
        response = requests.get(url, timeout=10)
    assert seen == expected


def test_facebook_leads_filter_on_time_created(simulator):
    world = simulator.world
    ad = busiest_ad(world, "facebook")
    mine = world.leads[world.leads["ad_id"] == ad].sort_values("created_at")
    middle = int(mine["created_at"].iloc[1].timestamp())
    ids = mine["lead_id"].tolist()

    def filtered(*rules: tuple[str, int]) -> list[str]:
        spec = json.dumps([{"field": "time_created", "operator": op, "value": value}
                           for op, value in rules])
        body = fb_leads(simulator, ad, fields="id", filtering=spec).json()
        return sorted(lead["id"] for lead in body["data"])

    # Strictly after, strictly before, both.
    assert filtered(("GREATER_THAN", middle)) == sorted(ids[2:])
    assert filtered(("GREATER_THAN", middle - 1)) == sorted(ids[1:])
    assert filtered(("LESS_THAN", middle)) == sorted(ids[:1])
    assert filtered(("GREATER_THAN", middle - 1), ("LESS_THAN", middle + 1)) == [ids[1]]
    far = int(pd.Timestamp(END_DATE + dt.timedelta(days=2), tz="UTC").timestamp())
    assert fb_leads(simulator, ad, filtering=json.dumps(
        [{"field": "time_created", "operator": "GREATER_THAN", "value": far}])).json() == {
        "data": []}


def test_facebook_ad_without_leads_answers_an_empty_list(simulator):
    world = simulator.world
    fb = world.ads[world.ads["network"] == "facebook"]
    without = fb.loc[~fb["ad_id"].isin(world.leads["ad_id"]), "ad_id"].iloc[0]
    response = fb_leads(simulator, without, fields="id,created_time")
    assert response.status_code == 200 and response.json() == {"data": []}


def test_facebook_leads_need_a_token_a_known_ad_and_a_known_filter(simulator):
    ad = busiest_ad(simulator.world, "facebook")
    url = f"{simulator.base_url}/v21.0/{ad}/leads"
    missing = requests.get(url, timeout=10).json()["error"]
    assert missing["code"] == 104
    wrong = requests.get(url, params={"access_token": "nope"}, timeout=10).json()["error"]
    assert wrong["code"] == 190
    unknown = fb_leads(simulator, "123456")
    assert unknown.status_code == 400 and unknown.json()["error"]["error_subcode"] == 33
    bad = fb_leads(simulator, ad, filtering=json.dumps(
        [{"field": "ad.effective_status", "operator": "IN", "value": ["ACTIVE"]}]))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100
    nope = fb_leads(simulator, ad, fields="id,phone")
    assert nope.status_code == 400 and "(phone)" in nope.json()["error"]["message"]


# -- LinkedIn: leadFormResponses and leadForms ---------------------------------------------------

def responses_query(account: str, **extra: str) -> str:
    params = {"q": "owner",
              "owner": f"(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A{account})",
              "leadType": "(leadType:SPONSORED)", "limitedToTestLeads": "false", **extra}
    return "leadFormResponses?" + "&".join(f"{k}={v}" for k, v in params.items())


def all_responses(server: SimulatorServer, account: str, count: int = 1, **extra) -> list[dict]:
    """Every page, by `start` / `count`, to `paging.total`."""
    elements: list[dict] = []
    while True:
        body = linkedin_get(server, responses_query(account, start=str(len(elements)),
                                                    count=str(count), **extra))
        assert body["paging"]["start"] == len(elements) and body["paging"]["count"] == count
        elements += body["elements"]
        if len(elements) >= body["paging"]["total"]:
            assert len(elements) == body["paging"]["total"]
            return elements


def test_linkedin_lead_form_responses_in_the_documented_shape(simulator):
    world = simulator.world
    [account] = accounts(world, "linkedin")
    truth = world.leads[world.leads["network"] == "linkedin"].set_index("lead_id")
    assert len(truth) >= 2
    elements = all_responses(simulator, account)
    assert [e["id"] for e in elements] == list(
        truth.sort_values("created_at", ascending=False).index)
    for element in elements:
        lead = truth.loc[element["id"]]
        form = linkedin_get(simulator, f"leadForms/{lead['form_id']}")
        email_question = [q["questionId"] for q in form["content"]["questions"]
                          if q["predefinedField"] == "EMAIL"]
        answers = {a["questionId"]: a["answerDetails"]["textQuestionAnswer"]["answer"]
                   for a in element["formResponse"]["answers"]}
        assert element == {
            "id": element["id"],
            "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{account}"},
            "submitter": element["submitter"],
            "leadType": "SPONSORED",
            "versionedLeadGenFormUrn":
                f"urn:li:versionedLeadGenForm:(urn:li:leadGenForm:{lead['form_id']},1)",
            "submittedAt": int(lead["created_at"].timestamp() * 1000),
            "testLead": False,
            "leadMetadata": {"sponsoredLeadMetadata": {
                "campaign": f"urn:li:sponsoredCampaign:{lead['ad_group_id']}"}},
            "associatedEntity": {
                "associatedCreative": f"urn:li:sponsoredCreative:{lead['ad_id']}"},
            "formResponse": {"answers": element["formResponse"]["answers"],
                             "consentResponses": []},
        }
        assert element["submitter"].startswith("urn:li:person:")
        assert form["id"] == int(lead["form_id"]) and form["owner"] == element["owner"]
        assert [answers[q] for q in email_question] == [lead["email"]]


def test_linkedin_lead_form_responses_filter_on_submission_time(simulator):
    world = simulator.world
    [account] = accounts(world, "linkedin")
    leads = world.leads[world.leads["network"] == "linkedin"].sort_values("created_at")
    first_ms = int(leads["created_at"].iloc[0].timestamp() * 1000)
    # start inclusive, end exclusive
    after = all_responses(simulator, account, 10,
                          submittedAtTimeRange=f"(start:{first_ms},end:{first_ms + 1})")
    assert [e["id"] for e in after] == [leads["lead_id"].iloc[0]]
    before = linkedin_get(simulator, responses_query(
        account, submittedAtTimeRange=f"(start:0,end:{first_ms})"))
    assert before["elements"] == [] and before["paging"]["total"] == 0
    others = linkedin_get(simulator, responses_query(account).replace(
        "(leadType:SPONSORED)", "(leadType:EVENT)"))
    assert others["elements"] == []
    tests = linkedin_get(simulator, responses_query(account).replace(
        "limitedToTestLeads=false", "limitedToTestLeads=true"))
    assert tests["elements"] == []


def test_linkedin_lead_forms_by_owner(simulator):
    world = simulator.world
    [account] = accounts(world, "linkedin")
    body = linkedin_get(simulator, "leadForms?q=owner&owner=(sponsoredAccount:"
                        f"urn%3Ali%3AsponsoredAccount%3A{account})")
    leads = world.leads[world.leads["network"] == "linkedin"]
    assert sorted(f["id"] for f in body["elements"]) == sorted(
        int(f) for f in leads["form_id"].unique())
    assert body["paging"]["total"] == len(body["elements"])
    fields = {q["predefinedField"] for f in body["elements"] for q in f["content"]["questions"]}
    assert fields == {"FIRST_NAME", "LAST_NAME", "EMAIL"}


def test_linkedin_lead_endpoints_need_auth_a_version_and_access(simulator):
    [account] = accounts(simulator.world, "linkedin")
    url = f"{simulator.base_url}/rest/{responses_query(account)}"
    assert requests.get(url, headers=LINKEDIN_HEADERS, timeout=10).status_code == 401
    bearer = {"Authorization": f"Bearer {simulator.tokens['linkedin_ads']}"}
    unversioned = requests.get(url, headers={**bearer, "X-Restli-Protocol-Version": "2.0.0"},
                               timeout=10)
    assert unversioned.status_code == 400 and unversioned.json()["code"] == "VERSION_MISSING"
    headers = {**bearer, **LINKEDIN_HEADERS}
    stranger = requests.get(f"{simulator.base_url}/rest/{responses_query('1')}",
                            headers=headers, timeout=10)
    assert stranger.status_code == 403
    no_form = requests.get(f"{simulator.base_url}/rest/leadForms/999", headers=headers,
                           timeout=10)
    assert no_form.status_code == 404
    wrong_q = requests.get(url.replace("q=owner", "q=form"), headers=headers, timeout=10)
    assert wrong_q.status_code == 400


def test_sparse_linkedin_leads_without_a_creative_credit_their_ad_group(sparse_server):
    """What the API sends without `associatedEntity`, the truth credits to the lead's LinkedIn
    campaign (our ad group) with no ad; the others to their creative."""
    world = sparse_server.world
    [account, *_] = [a for a in accounts(world, "linkedin")
                     if (world.leads["account_id"] == a).any()]
    elements = all_responses(sparse_server, account, 10)
    bare = {e["id"] for e in elements if "associatedEntity" not in e}
    assert bare and len(bare) < len(elements)
    leads = world.leads.set_index("lead_id")
    credited = attributed_contacts(world, "first_form_submission").set_index("contact_id")
    for element in elements:
        lead = leads.loc[element["id"]]
        if not lead["is_first"]:
            continue
        row = credited.loc[lead["contact_id"]]
        assert row["ad_group_id"] == lead["ad_group_id"]
        if element["id"] in bare:
            assert pd.isna(row["ad_id"])
        else:
            assert row["ad_id"] == lead["ad_id"]
    per_ad = contacts_per_ad(world, "first_form_submission")
    assert per_ad["ad_id"].isna().sum() >= 1


# -- truth, on a world built by hand -------------------------------------------------------------

T0 = pd.Timestamp("2026-10-20 08:00", tz="UTC")


def at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


# ad -> (network, account, campaign, ad group)
HAND_ADS = {"901": ("facebook", "11", "21", "31"), "902": ("linkedin", "12", "22", "32"),
            "903": ("google", "13", "23", "33"), "904": ("facebook", "11", "24", "34")}


@pytest.fixture(scope="module")
def hand_world(world_s) -> World:
    """Six contacts, built by hand (times in minutes after 08:00):

    - 1 (a web form created it): google ad 903 at 60, facebook ad 901 at 120, organic at 180;
      forms at 125 (on 901's session) and 185; a LinkedIn lead on 902 at 240;
    - 2 (a LinkedIn lead on 902 at 0 created it, at 7): facebook ad 901 at 60, form at 70;
    - 3 (old, created 30 days before): facebook ad 901 at 120, form at 122;
    - 4 (a Facebook lead on 901 at 300 created it, at 301): google ad 903 at 240; no form;
    - 5 (created 4 minutes before its first form, within the tolerance): 903 at 360, form 370;
    - 6 (created 6 minutes before its first form: old): 903 at 420, form at 430;
    - 904 is an untracked ad: 1's click on it at 100 is no ad interaction.
    Contacts 2 and 3 are customers with a won deal each."""
    def ad(ad_id: str | None) -> dict:
        network, account, campaign, group = HAND_ADS[ad_id] if ad_id else (None,) * 4
        return {"network": network, "account_id": account, "campaign_id": campaign,
                "ad_group_id": group, "ad_id": ad_id}

    sessions = pd.DataFrame([
        {"session_id": sid, "contact_id": contact, "started_at": at(minute),
         "visit_rank": rank, **ad(ad_id)}
        for sid, contact, minute, rank, ad_id in [
            ("5001", "1", 60, 0, "903"), ("5002", "1", 100, 1, "904"),
            ("5003", "1", 120, 2, "901"), ("5004", "1", 180, 3, None),
            ("5011", "2", 60, 0, "901"), ("5021", "3", 120, 0, "901"),
            ("5031", "4", 240, 0, "903"), ("5041", "5", 360, 0, "903"),
            ("5051", "6", 420, 0, "903")]])
    forms = pd.DataFrame([
        {"submission_id": fid, "contact_id": contact, "session_id": sid,
         "submitted_at": at(minute), "is_first": first}
        for fid, contact, sid, minute, first in [
            ("7001", "1", "5003", 125, True), ("7002", "1", "5004", 185, False),
            ("7011", "2", "5011", 70, True), ("7021", "3", "5021", 122, True),
            ("7041", "5", "5041", 370, True), ("7051", "6", "5051", 430, True)]])
    leads = pd.DataFrame([
        {"lead_id": lid, "contact_id": contact, "created_at": at(minute), "form_id": "61",
         "email": f"c{contact}@example.org", "is_first": first, **ad(ad_id)}
        for lid, contact, minute, ad_id, first in [
            ("8001", "1", 240, "902", False), ("8011", "2", 0, "902", True),
            ("8031", "4", 300, "901", True)]])
    contacts = pd.DataFrame({
        "contact_id": ["1", "2", "3", "4", "5", "6"],
        "createdate": [at(125), at(7), at(122) - pd.Timedelta(days=30), at(301), at(366),
                       at(424)],
        "lifecyclestage": ["lead", "customer", "customer", "lead", "lead", "lead"]})
    ads = pd.DataFrame([{**ad(ad_id), "is_tracked": ad_id != "904"} for ad_id in HAND_ADS])
    deals = pd.DataFrame({
        "deal_id": ["91", "92"], "dealname": ["Deal 91", "Deal 92"], "amount": [1000.0, 2000.0],
        "deal_currency_code": ["USD", "USD"], "dealstage": ["closedwon", "closedwon"],
        "closedate": [at(60 * 24 * 5), at(60 * 24 * 6)], "createdate": [at(600), at(600)],
        "pipeline": "default"})
    deal_contacts = pd.DataFrame({"deal_id": ["91", "92"], "contact_id": ["2", "3"]})
    return dataclasses.replace(world_s, sessions=sessions, form_submissions=forms, leads=leads,
                               contacts=contacts, ads=ads, deals=deals,
                               deal_contacts=deal_contacts, sparse=False)


def credited(world: World, report: str, networks=None) -> dict[str, set[str]]:
    rows = attributed_contacts(world, report, networks)
    return {c: set(ads) for c, ads in rows.groupby("contact_id")["ad_id"]}


def test_only_contacts_their_conversion_created_count(hand_world):
    assert pd.Timedelta(minutes=5) == NEW_CONTACT_TOLERANCE
    assert list(new_contacts(hand_world)) == ["1", "2", "4", "5"]
    assert list(old_contacts(hand_world)) == ["3", "6"]
    assert sorted(lead_contacts(hand_world)) == ["1", "2", "4"]
    converted = conversions(hand_world).set_index("contact_id")
    assert converted["converted_at"].to_dict() == {
        "1": at(125), "2": at(0), "3": at(122), "4": at(300), "5": at(370), "6": at(430)}
    assert converted["kind"].to_dict() == {"1": "form_submission", "2": "lead", "3":
                                           "form_submission", "4": "lead",
                                           "5": "form_submission", "6": "form_submission"}


def test_each_report_credits_the_ads_hubspot_would(hand_world):
    expected = {
        "first_form_submission": {"1": {"901"}, "2": {"902"}, "4": {"901"}, "5": {"903"}},
        # 1's latest conversion is its LinkedIn lead; 2's its web form on 901's session
        "last_form_submission": {"1": {"902"}, "2": {"901"}, "4": {"901"}, "5": {"903"}},
        # the lead itself is 2's and 4's last ad interaction; untracked 904 is none
        "last_ad_interaction": {"1": {"901"}, "2": {"902"}, "4": {"901"}, "5": {"903"}},
        # up to the conversion only: not 1's later lead on 902, nor 2's later click on 901
        "all_interactions": {"1": {"903", "901"}, "2": {"902"}, "4": {"903", "901"},
                             "5": {"903"}},
    }
    assert set(expected) == set(REPORTS)
    for report, ads in expected.items():
        assert credited(hand_world, report) == ads, report
    per_ad = contacts_per_ad(hand_world, "all_interactions").set_index("ad_id")["contacts"]
    assert per_ad.to_dict() == {"901": 2, "902": 1, "903": 3}
    assert per_ad.sum() > len(new_contacts(hand_world))  # overlap is expected


def test_old_contacts_deals_count_in_no_report(hand_world):
    for report in REPORTS:
        assert deals_in_report(hand_world, report)["deal_id"].tolist() == ["91"], report


def test_a_network_not_connected_brings_no_leads(hand_world):
    """Without LinkedIn, its leads are not loaded: contact 2 then converts at its web form,
    which did not create it (created 63 minutes earlier), so it counts nowhere; contact 1's
    latest conversion is its second web form, on an organic session."""
    networks = ("facebook", "google")
    assert list(new_contacts(hand_world, networks)) == ["1", "4", "5"]
    assert "2" in old_contacts(hand_world, networks)
    assert credited(hand_world, "first_form_submission", networks) == {
        "1": {"901"}, "4": {"901"}, "5": {"903"}}
    assert credited(hand_world, "last_form_submission", networks) == {
        "4": {"901"}, "5": {"903"}}
    assert deals_in_report(hand_world, "first_form_submission", networks).empty
    only_facebook = credited(hand_world, "all_interactions", ("facebook",))
    assert only_facebook == {"1": {"901"}, "4": {"901"}}


def test_leads_credit_their_ad_in_the_generated_world(world_s):
    """Every contact a lead created counts for the lead's ad under first_form_submission and
    last_ad_interaction; no old contact counts anywhere."""
    leads = world_s.leads[world_s.leads["is_first"]].set_index("contact_id")
    old = set(world_s.contacts.loc[world_s.contacts["analytics_source"] == "OFFLINE",
                                   "contact_id"])
    assert len(leads) >= 5 and len(old) >= 10
    for report in ("first_form_submission", "last_ad_interaction"):
        chosen = attributed_contacts(world_s, report).set_index("contact_id")["ad_id"]
        assert (chosen.reindex(leads.index) == leads["ad_id"]).all(), report
    for report in REPORTS:
        assert not old & set(attributed_contacts(world_s, report)["contact_id"]), report
    # All interactions never reach past the conversion: a web-form contact's later lead is
    # credited under all_interactions only when it also had a click on that ad before.
    later = world_s.leads[~world_s.leads["is_first"]]
    everything = attributed_contacts(world_s, "all_interactions")
    pairs = set(zip(everything["contact_id"], everything["ad_id"], strict=True))
    clicks = world_s.sessions[world_s.sessions["ad_id"].notna()]
    first_form = world_s.form_submissions[world_s.form_submissions["is_first"]].set_index(
        "contact_id")["submitted_at"]
    for lead in later.itertuples(index=False):
        before = clicks[(clicks["contact_id"] == lead.contact_id)
                        & (clicks["ad_id"] == lead.ad_id)
                        & (clicks["started_at"] <= first_form[lead.contact_id])]
        assert ((lead.contact_id, lead.ad_id) in pairs) == (
            len(before) > 0 and lead.contact_id not in old), lead.lead_id
    assert np.isin(list(later["contact_id"]), list(first_form.index)).all()
