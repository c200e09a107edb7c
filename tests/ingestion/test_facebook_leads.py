"""Facebook lead ads' leads (the Ad `leads` edge) through the source's real code paths: payloads
written by hand from Graph's documented shapes, answered on loopback, loaded by a real dlt
pipeline into a throwaway DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ingestion.common.failures import PartialLoadError
from ingestion.common.http import RetryPolicy
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.facebook_ads import facebook_ads, settings
from ingestion.facebook_ads.helpers import lead_ads, lead_email
from tests.ingestion.loopback import Loopback, Request, dropped_days
from tests.warehouse import raw_column_types, raw_table

QUICK_RETRIES = {"retry": RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.1)}
TOKEN = "EAAB-handwritten-leads"

ACCOUNT = {"id": "act_1010", "account_id": "1010", "name": "Nordic Shoes", "currency": "EUR",
           "timezone_name": "Europe/Stockholm", "account_status": 1,
           "created_time": "2025-01-10T09:00:00+0100"}
CAMPAIGNS = [
    {"id": "2001", "objective": "OUTCOME_LEADS"},
    {"id": "2002", "objective": "OUTCOME_TRAFFIC"},
    # Graph leaves `objective` out of this one: its ads are asked too
    {"id": "2003"},
    {"id": "2004", "objective": "LEAD_GENERATION"},
]
ADS = [
    {"id": "4001", "campaign_id": "2001", "adset_id": "3001"},  # leads on two pages
    {"id": "4002", "campaign_id": "2001", "adset_id": "3001"},  # a lead ad nobody answered
    {"id": "4003", "campaign_id": "2002", "adset_id": "3003"},  # a traffic ad: never asked
    {"id": "4004", "campaign_id": "2003", "adset_id": "3004"},  # no objective: an organic lead
    {"id": "4005", "campaign_id": "2004", "adset_id": "3005",  # a legacy lead objective
     "effective_status": "DELETED"},
]
for _ad in ADS:
    _ad.update({"account_id": "1010", "name": f"Ad {_ad['id']}"})
    _ad.setdefault("effective_status", "ACTIVE")


def field(name: str, *values: str) -> dict:
    return {"name": name, "values": list(values)}


# Stockholm is UTC+2 in May: the window 2026-05-04..2026-05-05 (the account's days) is
# 2026-05-03T22:00Z .. 2026-05-05T22:00Z.
LEADS = {
    "4001": [
        # a full lead; the email with capitals and spaces, as the person typed it
        {"id": "9001", "created_time": "2026-05-04T08:00:00+0000", "ad_id": "4001",
         "form_id": "7001", "adset_id": "3001", "campaign_id": "2001", "is_organic": False,
         "field_data": [field("full_name", "Ana Example"),
                        field("email", "  Ana.Example@Mail.COM ")]},
        # no campaign_id nor adset_id (Graph leaves out what it does not resolve); only a
        # work email
        {"id": "9002", "created_time": "2026-05-04T12:30:00+0000", "ad_id": "4001",
         "form_id": "7001", "is_organic": False,
         "field_data": [field("work_email", "bo@firm.example"), field("phone_number", "+46")]},
        # 00:30 on the 4th in Stockholm, the 3rd in UTC: inside the window
        {"id": "9003", "created_time": "2026-05-03T22:30:00+0000", "ad_id": "4001",
         "form_id": "7001", "adset_id": "3001", "campaign_id": "2001", "is_organic": False,
         "field_data": [field("email", "early@example.org")]},
        # the 6th in Stockholm: after the window's last day, dropped and said
        {"id": "9004", "created_time": "2026-05-05T22:15:00+0000", "ad_id": "4001",
         "form_id": "7001", "adset_id": "3001", "campaign_id": "2001", "is_organic": False,
         "field_data": [field("email", "late@example.org")]},
    ],
    "4002": [],
    # an organic lead: no ad, ad set or campaign on it; no field_data at all
    "4004": [{"id": "9005", "created_time": "2026-05-05T09:00:00+0000", "form_id": "7002",
              "is_organic": True}],
    "4005": [{"id": "9006", "created_time": "2026-05-05T10:00:00+0000", "ad_id": "4005",
              "form_id": "7003", "adset_id": "3005", "campaign_id": "2004",
              "field_data": [field("email", "")]}],
}


def created_after(lead: dict, filtering: str) -> bool:
    """Graph's `time_created GREATER_THAN <unix seconds>` filter."""
    [rule] = json.loads(filtering)
    assert rule["field"] == "time_created" and rule["operator"] == "GREATER_THAN", rule
    created = dt.datetime.strptime(lead["created_time"], "%Y-%m-%dT%H:%M:%S%z")
    return created.timestamp() > rule["value"]


class Graph:
    """The Graph of one ad account, its entity edges and its ads' `leads` edges, in pages of
    `size` records (`paging.cursors.after`, `paging.next` absent on the last page). Entity
    edges send every field whatever `fields` asked for."""

    def __init__(self, size: int = 2, ads: list[dict] = ADS) -> None:
        self.size = size
        self.ads = ads
        self.base_url = ""

    def answer(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 400, {"error": {"message": "Invalid OAuth access token.",
                                   "type": "OAuthException", "code": 190}}
        if request.path == "/v21.0/act_1010":
            return 200, ACCOUNT
        edge = request.path.removeprefix("/v21.0/")
        if edge == "act_1010/campaigns":
            return self.page(request, CAMPAIGNS)
        if edge == "act_1010/ads":
            return self.page(request, self.ads)
        if edge.endswith("/leads") and edge.removesuffix("/leads") in LEADS:
            leads = LEADS[edge.removesuffix("/leads")]
            return self.page(request, [lead for lead in leads
                                       if created_after(lead, request.query["filtering"])])
        if edge.startswith("act_1010/"):  # ad sets and insights: none
            return 200, {"data": []}
        return 400, {"error": {"message": f"Unsupported get request: {request.path}",
                               "type": "GraphMethodException", "code": 100,
                               "error_subcode": 33}}

    def page(self, request: Request, records: list) -> tuple[int, Any]:
        start = int(request.query.get("after") or 0)
        data = records[start:start + self.size]
        if not data:
            return 200, {"data": []}
        end = start + len(data)
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(end)}}
        if end < len(records):
            paging["next"] = f"{self.base_url}{request.path}?after={end}"
        return 200, {"data": data, "paging": paging}


def load(warehouse, pipelines_dir, graph: Graph, **overrides):
    with Loopback(graph.answer) as server:
        graph.base_url = server.base_url
        source = facebook_ads(**{
            "access_token": TOKEN, "account_ids": ["act_1010"], "base_url": server.base_url,
            "start_date": "2026-05-04", "end_date": "2026-05-05", **QUICK_RETRIES,
            **overrides})
        run_source(source, make_pipeline("facebook_ads", warehouse, pipelines_dir))
    return server.requests


def leads(warehouse) -> dict[str, dict]:
    table = raw_table(warehouse, "raw_facebook_ads", "leads")
    table = table.astype(object).where(table.notna(), None)
    return {row["id"]: row for row in table.to_dict("records")}


def test_leads_of_lead_ads_load_with_the_email_and_the_ad_they_were_asked_for(
        warehouse, pipelines_dir, caplog):
    with caplog.at_level("WARNING"):
        requests = load(warehouse, pipelines_dir, Graph(size=2))
    loaded = leads(warehouse)
    assert sorted(loaded) == ["9001", "9002", "9003", "9005", "9006"]
    ana = loaded["9001"]
    assert ana["email"] == "  Ana.Example@Mail.COM "  # as delivered: staging normalises
    assert json.loads(ana["field_data"])[1] == field("email", "  Ana.Example@Mail.COM ")
    assert (ana["account_id"], ana["requested_ad_id"], ana["ad_id"]) == ("1010", "4001", "4001")
    assert (ana["campaign_id"], ana["adset_id"], ana["form_id"]) == ("2001", "3001", "7001")
    assert ana["is_organic"] is False
    assert ana["created_time"] == "2026-05-04T08:00:00+0000"
    assert ana["created_at_utc"] == dt.datetime(2026, 5, 4, 8, tzinfo=dt.UTC)
    # no campaign or ad set on the lead: left null here, resolved through the ad downstream
    bo = loaded["9002"]
    assert bo["email"] == "bo@firm.example"
    assert bo["campaign_id"] is None and bo["adset_id"] is None
    organic = loaded["9005"]
    assert organic["ad_id"] is None and organic["requested_ad_id"] == "4004"
    assert organic["email"] is None and organic["field_data"] is None
    assert loaded["9006"]["email"] is None  # an empty answer is no email

    # which ads were asked: lead objectives and the unknown one, never the traffic ad
    asked = [r.path for r in requests if r.path.endswith("/leads")]
    assert sorted(set(asked)) == ["/v21.0/4001/leads", "/v21.0/4002/leads",
                                  "/v21.0/4004/leads", "/v21.0/4005/leads"]
    assert asked.count("/v21.0/4001/leads") == 2  # paged
    first = next(r for r in requests if r.path == "/v21.0/4001/leads")
    assert set(first.query["fields"].split(",")) == set(settings.LEAD_FIELDS)
    # created after midnight of the 4th in Stockholm, to the second
    since = dt.datetime(2026, 5, 3, 22, tzinfo=dt.UTC).timestamp()
    assert json.loads(first.query["filtering"]) == [
        {"field": "time_created", "operator": "GREATER_THAN", "value": int(since) - 1}]

    # the lead of the 6th (Stockholm) is dropped and said
    [dropped] = dropped_days(caplog.records)
    assert dropped.startswith("facebook_ads: account act_1010: asked for 2026-05-04..2026-05-05")
    assert "2026-05-06 (1)" in dropped

    windows = raw_table(warehouse, "raw_facebook_ads", "load_windows")
    assert sorted(windows[["report", "account_id", "start_date", "end_date"]]
                  .values.tolist()) == [["ad_insights", "1010", "2026-05-04", "2026-05-05"],
                                        ["leads", "1010", "2026-05-04", "2026-05-05"]]


def test_a_rerun_merges_leads_on_their_id_and_moves_the_window(warehouse, pipelines_dir):
    load(warehouse, pipelines_dir, Graph(size=5), end_date="2026-05-05")
    requests = load(warehouse, pipelines_dir, Graph(size=5), end_date="2026-05-06",
                    lookback_days=0)
    loaded = leads(warehouse)
    # the lead of the 6th lands now; nothing twice
    assert sorted(loaded) == ["9001", "9002", "9003", "9004", "9005", "9006"]
    assert len(raw_table(warehouse, "raw_facebook_ads", "leads")) == 6
    first = next(r for r in requests if r.path == "/v21.0/4001/leads")
    since = dt.datetime(2026, 5, 4, 22, tzinfo=dt.UTC).timestamp()  # the 5th in Stockholm
    assert json.loads(first.query["filtering"])[0]["value"] == int(since) - 1


def test_an_account_without_lead_ads_leaves_the_table_empty_with_every_column(
        warehouse, pipelines_dir):
    requests = load(warehouse, pipelines_dir, Graph(ads=[{"id": "4003", "campaign_id": "2002"}]))
    assert not [r for r in requests if r.path.endswith("/leads")]
    assert len(raw_table(warehouse, "raw_facebook_ads", "leads")) == 0
    types = raw_column_types(warehouse, "raw_facebook_ads", "leads")
    assert {c: types[c] for c in ("id", "created_time", "campaign_id", "adset_id", "email",
                                  "field_data", "is_organic", "created_at_utc")} == {
        "id": "VARCHAR", "created_time": "VARCHAR", "campaign_id": "VARCHAR",
        "adset_id": "VARCHAR", "email": "VARCHAR", "field_data": "VARCHAR",
        "is_organic": "BOOLEAN", "created_at_utc": "TIMESTAMP WITH TIME ZONE"}


def test_a_failing_leads_edge_fails_the_account_naming_the_ad_and_keeps_its_state(
        warehouse, pipelines_dir, monkeypatch):
    monkeypatch.delitem(LEADS, "4002")  # answered as an unknown object: code 100
    with pytest.raises(PartialLoadError) as failed:
        load(warehouse, pipelines_dir, Graph())
    message = str(failed.value)
    assert "facebook_ads: account act_1010: GET /v21.0/4002/leads" in message
    assert TOKEN not in message
    assert len(raw_table(warehouse, "raw_facebook_ads", "leads")) == 0


def test_lead_ads_are_those_of_lead_objectives_or_of_campaigns_without_one():
    assert lead_ads(CAMPAIGNS, ADS) == ["4001", "4002", "4004", "4005"]
    # an ad whose campaign was not listed is asked too
    assert lead_ads([], [{"id": "1", "campaign_id": "9"}]) == ["1"]


def test_the_email_is_the_first_answered_email_question():
    assert lead_email([field("email", "a@b.org")]) == "a@b.org"
    assert lead_email([field("work_email", "w@b.org"), field("email", "a@b.org")]) == "a@b.org"
    assert lead_email([field("email"), field("work_email", "w@b.org")]) == "w@b.org"
    assert lead_email([field("full_name", "Ana")]) is None
    assert lead_email(None) is None


def test_the_simulated_leads_load_as_the_world_made_them(simulator, warehouse, pipelines_dir):
    """Against the simulator's Ad `leads` edge: every Facebook lead of the world whose day (in
    its account's time zone) the load asked for, with its ad, ad set, campaign, form, email and
    time; only ads of lead campaigns are asked."""
    world = simulator.world
    accounts = world.accounts[world.accounts["network"] == "facebook"]
    source = facebook_ads(access_token=simulator.tokens["facebook_ads"],
                          base_url=simulator.base_url,
                          account_ids=accounts["account_id"].tolist(),
                          start_date=world.start_date.isoformat(),
                          end_date=world.end_date.isoformat(), **QUICK_RETRIES)
    pipeline = make_pipeline("facebook_ads", warehouse, pipelines_dir)
    run_source(source.with_resources("load_windows", "leads"), pipeline)

    truth = world.leads[world.leads["network"] == "facebook"].merge(
        accounts[["account_id", "time_zone"]], on="account_id")
    local_day = [t.tz_convert(z).date() for t, z in zip(truth["created_at"],
                                                        truth["time_zone"], strict=True)]
    truth = truth[[world.start_date <= d <= world.end_date for d in local_day]]
    loaded = raw_table(warehouse, "raw_facebook_ads", "leads").set_index("id")
    assert len(truth) > 0 and sorted(loaded.index) == sorted(truth["lead_id"])
    truth = truth.set_index("lead_id").loc[loaded.index]
    for raw, world_column in (("ad_id", "ad_id"), ("adset_id", "ad_group_id"),
                              ("campaign_id", "campaign_id"), ("form_id", "form_id"),
                              ("account_id", "account_id"), ("email", "email")):
        assert (loaded[raw] == truth[world_column]).all(), raw
    assert (loaded["created_at_utc"] == truth["created_at"].dt.floor("s")).all()
    campaigns = world.campaigns.set_index("campaign_id")["campaign_type"]
    assert set(campaigns[truth["campaign_id"]]) == {"OUTCOME_LEADS"}
