"""Facebook Ads source against the simulated Graph API: real dlt pipelines into throwaway DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import orjson
import pandas as pd
import pytest
import requests

from core.layout import WarehouseLayout
from ingestion.common.failures import PartialLoadError
from ingestion.common.http import Outcome, RetryPolicy
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.common.validate import InvalidConfiguration, ids
from ingestion.facebook_ads import facebook_ads, settings
from ingestion.facebook_ads.client import classify, describe_error, normalize_account_id
from ingestion.facebook_ads.helpers import account_today
from simulator.apis import simulator_server
from simulator.facebook import decimal_count, money
from simulator.server import SimulatorServer
from simulator.world import World
from tests.conftest import END_DATE, SEED
from tests.ingestion.loopback import Loopback, dropped_days
from tests.warehouse import raw_column_types, raw_table

TABLES = ("ad_accounts", "campaigns", "ad_sets", "ads", "ad_insights")
QUICK = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=0.2)
QUICK_RETRIES = {"retry": QUICK}


# -- helpers ----------------------------------------------------------------------------------
def fb_account_ids(world: World) -> list[str]:
    return world.accounts.loc[world.accounts["network"] == "facebook", "account_id"].tolist()


def fb(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["network"] == "facebook"]


def source(server: SimulatorServer, **overrides):
    world = server.world
    kwargs = {
        "access_token": server.tokens["facebook_ads"], "base_url": server.base_url,
        "account_ids": fb_account_ids(world), "start_date": world.start_date.isoformat(),
        "end_date": END_DATE.isoformat(), **QUICK_RETRIES, **overrides,
    }
    return facebook_ads(**kwargs)


def load(server: SimulatorServer, warehouse: Path, pipelines_dir: Path, **overrides):
    pipeline = make_pipeline("facebook_ads", warehouse, pipelines_dir)
    return run_source(source(server, **overrides), pipeline), pipeline


def table(warehouse: Path, name: str) -> pd.DataFrame:
    return raw_table(warehouse, "raw_facebook_ads", name)


def column_types(warehouse: Path, name: str) -> dict[str, str]:
    return raw_column_types(warehouse, "raw_facebook_ads", name)


def to_cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def action(actions_json: str | None, action_type: str) -> int:
    """An action's value in hundredths (values such as "1.5" are exact decimals)."""
    for item in orjson.loads(actions_json) if isinstance(actions_json, str) else []:
        if item["action_type"] == action_type:
            return to_cents(item["value"])
    return 0


def assert_insights_match(loaded: pd.DataFrame, world: World,
                          accounts: list[str] | None = None) -> None:
    """Row for row: the loaded insights are the world's facebook ad-days, values as strings."""
    truth = fb(world.ad_daily())
    if accounts is not None:
        truth = truth[truth["account_id"].isin(accounts)]
        loaded = loaded[loaded["account_id"].isin(accounts)]
    assert not loaded.duplicated(list(settings.INSIGHTS_PRIMARY_KEY)).any()
    assert len(loaded) == len(truth)
    joined = truth.merge(loaded, left_on=["account_id", "ad_id", "date"],
                         right_on=["account_id", "ad_id", "date_start"], how="left",
                         validate="one_to_one", suffixes=("", "_raw"))
    assert joined["date_start"].notna().all(), "some world ad-days were not loaded"
    assert (joined["spend"] == joined["spend_cents"].map(money)).all()
    assert (joined["impressions_raw"] == joined["impressions"].astype(str)).all()
    assert (joined["clicks_raw"] == joined["clicks"].astype(str)).all()
    assert (joined["inline_link_clicks"] == joined["link_clicks"].astype(str)).all()
    assert (joined["adset_id"] == joined["ad_group_id"]).all()
    assert (joined["campaign_id_raw"] == joined["campaign_id"]).all()
    likes = joined["actions"].map(lambda a: action(a, "like"))
    engagements = joined["actions"].map(lambda a: action(a, "post_engagement"))
    leads = joined["actions"].map(lambda a: action(a, "lead"))
    assert (likes == joined["likes"] * 100).all()
    assert (engagements == joined["engagements"] * 100).all()
    assert (leads == joined["conversions_centi"]).all()
    # Spend per account and local day in the account currency, to the cent.
    loaded_days = loaded.assign(cents=loaded["spend"].map(to_cents)).groupby(
        ["account_id", "date_start"])["cents"].sum()
    true_days = truth.groupby(["account_id", "date"])["spend_cents"].sum()
    assert loaded_days.to_dict() == true_days.to_dict()


def get(server: SimulatorServer, path: str, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {server.tokens['facebook_ads']}"}
    return requests.get(f"{server.base_url}{path}", params=params, headers=headers, timeout=10)


def insights_params(world: World, **extra) -> dict[str, str]:
    return {"level": "ad", "time_increment": "1", "limit": "1000",
            "fields": ",".join(settings.INSIGHT_FIELDS),
            "time_range": json.dumps({"since": world.start_date.isoformat(),
                                      "until": END_DATE.isoformat()}), **extra}


# -- full loads against the shared simulator -----------------------------------------------------
def test_every_table_loads_and_equals_the_world(simulator, warehouse, pipelines_dir):
    world = simulator.world
    load(simulator, warehouse, pipelines_dir)

    accounts = table(warehouse, "ad_accounts").set_index("account_id")
    truth = fb(world.accounts).set_index("account_id")
    assert sorted(accounts.index) == sorted(truth.index)
    assert (accounts["id"] == "act_" + accounts.index).all()
    assert accounts["currency"].to_dict() == truth["currency"].to_dict()
    assert accounts["timezone_name"].to_dict() == truth["time_zone"].to_dict()

    campaigns = table(warehouse, "campaigns").set_index("id")
    true_campaigns = fb(world.campaigns).set_index("campaign_id")
    assert sorted(campaigns.index) == sorted(true_campaigns.index)
    assert campaigns["objective"].to_dict() == true_campaigns["campaign_type"].to_dict()
    assert campaigns["status"].to_dict() == true_campaigns["raw_status"].to_dict()
    assert sorted(table(warehouse, "ad_sets")["id"]) == sorted(fb(world.ad_groups)["ad_group_id"])

    ads = table(warehouse, "ads").set_index("id")
    true_ads = fb(world.ads).set_index("ad_id")
    assert sorted(ads.index) == sorted(true_ads.index)
    assert (ads["adset_id"] == true_ads["ad_group_id"].reindex(ads.index)).all()
    assert (ads["creative__link_url"] == true_ads["final_url"].reindex(ads.index)).all()
    tracked = true_ads["is_tracked"].reindex(ads.index)
    assert ads.loc[tracked, "creative__url_tags"].str.contains("hsa_ad=").all()
    assert ads.loc[~tracked, "creative__url_tags"].isna().all()

    assert_insights_match(table(warehouse, "ad_insights"), world)
    # Raw values stay as the API sent them: counts and money are text until dbt types them.
    types = column_types(warehouse, "ad_insights")
    assert {types[c] for c in ("spend", "impressions", "clicks", "date_start")} == {"VARCHAR"}


def test_small_pages_and_chunks_still_load_everything(simulator, warehouse, pipelines_dir):
    load(simulator, warehouse, pipelines_dir, page_size=3, insights_page_size=7, chunk_days=4)
    world = simulator.world
    assert len(table(warehouse, "ads")) == len(fb(world.ads))
    assert len(table(warehouse, "campaigns")) == len(fb(world.campaigns))
    assert_insights_match(table(warehouse, "ad_insights"), world)


def test_config_comes_from_dlt_environment_with_act_prefixed_ids(
        simulator, warehouse, pipelines_dir, monkeypatch):
    world = simulator.world
    ids = fb_account_ids(world)
    env = {
        "SOURCES__FACEBOOK_ADS__BASE_URL": simulator.base_url,
        "SOURCES__FACEBOOK_ADS__ACCESS_TOKEN": simulator.tokens["facebook_ads"],
        "SOURCES__FACEBOOK_ADS__ACCOUNT_IDS": json.dumps([f"act_{i}" for i in ids]),
        "SOURCES__FACEBOOK_ADS__START_DATE": (END_DATE - dt.timedelta(days=6)).isoformat(),
        "SOURCES__FACEBOOK_ADS__END_DATE": END_DATE.isoformat(),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    run_source(facebook_ads(), make_pipeline("facebook_ads", warehouse, pipelines_dir))
    loaded = table(warehouse, "ad_insights")
    assert sorted(loaded["account_id"].unique()) == sorted(ids)
    assert loaded["date_start"].min() == env["SOURCES__FACEBOOK_ADS__START_DATE"]
    recent = fb(world.ad_daily())
    recent = recent[recent["date"] >= env["SOURCES__FACEBOOK_ADS__START_DATE"]]
    assert len(loaded) == len(recent)


def test_module_entrypoint_loads_into_the_configured_warehouse(simulator, tmp_path):
    world = simulator.world
    warehouse = tmp_path / "cli" / "warehouse.duckdb"
    env = {
        **os.environ,
        "ADS_ANALYTICS_WAREHOUSE": str(warehouse),
        "DLT_DATA_DIR": str(tmp_path / "dlt"),
        "SOURCES__FACEBOOK_ADS__BASE_URL": simulator.base_url,
        "SOURCES__FACEBOOK_ADS__ACCESS_TOKEN": simulator.tokens["facebook_ads"],
        "SOURCES__FACEBOOK_ADS__ACCOUNT_IDS": json.dumps(fb_account_ids(world)),
        "SOURCES__FACEBOOK_ADS__START_DATE": (END_DATE - dt.timedelta(days=2)).isoformat(),
        "SOURCES__FACEBOOK_ADS__END_DATE": END_DATE.isoformat(),
    }
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "ingestion.facebook_ads"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert simulator.tokens["facebook_ads"] not in done.stdout + done.stderr
    # into the warehouse's build, as a run's loads (the next run's build publishes it)
    loaded = table(WarehouseLayout(warehouse).build, "ad_insights")
    truth = fb(world.ad_daily())
    assert len(loaded) == int((truth["date"] >= env["SOURCES__FACEBOOK_ADS__START_DATE"]).sum())


# -- incremental and restatement ---------------------------------------------------------------
def test_rerun_after_restatement_updates_recent_days_and_duplicates_nothing(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    _, pipeline = load(fresh_simulator, warehouse, pipelines_dir)
    before = table(warehouse, "ad_insights")
    state = pipeline.state["sources"]["facebook_ads"]["resources"]["ad_insights"]
    assert state["last_loaded_day"] == dict.fromkeys(fb_account_ids(world), END_DATE.isoformat())

    fresh_simulator.restate()
    # The second run marks what it pulled: only the look-back window comes again.
    fresh_simulator.faults.add(kind="new_field", api="facebook_ads", times=None)
    load(fresh_simulator, warehouse, pipelines_dir, lookback_days=10)
    after = table(warehouse, "ad_insights")

    assert_insights_match(after, world)
    changed = before.merge(after, on=list(settings.INSIGHTS_PRIMARY_KEY))
    changed = changed[changed["spend_x"] != changed["spend_y"]]
    assert len(changed) > 0
    assert changed["date_start"].min() >= (END_DATE - dt.timedelta(days=2)).isoformat()
    repulled = after.loc[after["quality_ranking"].notna(), "date_start"]
    assert repulled.min() == (END_DATE - dt.timedelta(days=10)).isoformat()
    assert repulled.max() == END_DATE.isoformat()


# -- faults ------------------------------------------------------------------------------------
def test_throttling_with_retry_after_is_retried_and_loaded(fresh_simulator, warehouse,
                                                           pipelines_dir):
    faults = fresh_simulator.faults
    throttle = faults.add(kind="rate_limit", api="facebook_ads", match="/insights", times=2,
                          retry_after=0.05)
    limited = faults.add(kind="rate_limit", api="facebook_ads", match="/campaigns", times=1,
                         retry_after=0.05)
    started = time.monotonic()
    # A huge backoff base: finishing quickly proves the server's Retry-After was used.
    load(fresh_simulator, warehouse, pipelines_dir,
         retry=replace(QUICK, backoff_base=30.0, backoff_cap=60.0))
    assert time.monotonic() - started < 20
    assert throttle.times == 0 and limited.times == 0
    assert_insights_match(table(warehouse, "ad_insights"), fresh_simulator.world)
    assert len(table(warehouse, "campaigns")) == len(fb(fresh_simulator.world.campaigns))


def test_server_errors_malformed_and_slow_pages_are_retried_and_loaded(
        fresh_simulator, warehouse, pipelines_dir):
    faults = fresh_simulator.faults
    rules = [
        faults.add(kind="server_error", api="facebook_ads", match="/insights", times=2),
        faults.add(kind="server_error", api="facebook_ads", match="/ads?", times=1),
        faults.add(kind="malformed", api="facebook_ads", match="/insights", times=2),
        faults.add(kind="slow", api="facebook_ads", match="/adsets", times=1, delay=0.3),
    ]
    load(fresh_simulator, warehouse, pipelines_dir, page_size=50,
         retry=replace(QUICK, max_attempts=6))
    assert [r.times for r in rules] == [0, 0, 0, 0]
    world = fresh_simulator.world
    assert_insights_match(table(warehouse, "ad_insights"), world)
    assert len(table(warehouse, "ads")) == len(fb(world.ads))
    assert len(table(warehouse, "ad_sets")) == len(fb(world.ad_groups))


def test_expired_token_fails_fast_without_the_token_and_keeps_earlier_data(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    load(fresh_simulator, warehouse, pipelines_dir)
    before = table(warehouse, "ad_insights")

    fresh_simulator.restate()
    fresh_simulator.faults.add(kind="expired_token", api="facebook_ads", times=None)
    started = time.monotonic()
    with pytest.raises(PartialLoadError) as caught:
        load(fresh_simulator, warehouse, pipelines_dir,
             retry=replace(QUICK, backoff_base=30.0, backoff_cap=60.0))
    assert time.monotonic() - started < 15, "an expired token must not be retried"
    message = str(caught.value)
    assert "facebook_ads" in message and "190" in message
    for account_id in fb_account_ids(world):
        assert f"act_{account_id}" in message
    assert fresh_simulator.tokens["facebook_ads"] not in message
    # Everything loaded before the failure is intact.
    after = table(warehouse, "ad_insights")
    key = ["ad_id", "date_start"]
    pd.testing.assert_frame_equal(before.sort_values(key).reset_index(drop=True),
                                  after.sort_values(key).reset_index(drop=True))


def test_a_wrong_token_is_an_auth_error_that_never_prints_it(simulator, warehouse, pipelines_dir):
    wrong = "EAAB-wrong-token-1234567890"
    with pytest.raises(PartialLoadError) as caught:
        load(simulator, warehouse, pipelines_dir, access_token=wrong)
    message = str(caught.value)
    assert "authentication failed" in message and "facebook_ads" in message
    assert wrong not in message


def test_one_failing_account_does_not_stop_the_others_nor_advance_its_state(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    bad, good = fb_account_ids(world)
    fresh_simulator.faults.add(kind="expired_token", api="facebook_ads", match=f"act_{bad}",
                               times=None)
    with pytest.raises(PartialLoadError) as caught:
        load(fresh_simulator, warehouse, pipelines_dir)
    assert f"act_{bad}" in str(caught.value) and f"act_{good}" not in str(caught.value)
    loaded = table(warehouse, "ad_insights")
    assert set(loaded["account_id"]) == {good}
    assert_insights_match(loaded, world, accounts=[good])
    pipeline = make_pipeline("facebook_ads", warehouse, pipelines_dir)
    state = pipeline.state["sources"]["facebook_ads"]["resources"]["ad_insights"]
    assert state["last_loaded_day"] == {good: END_DATE.isoformat()}

    fresh_simulator.faults.clear()
    load(fresh_simulator, warehouse, pipelines_dir)
    assert_insights_match(table(warehouse, "ad_insights"), world)
    assert set(table(warehouse, "ad_accounts")["account_id"]) == {bad, good}


def test_a_new_api_field_lands_as_a_new_column(fresh_simulator, warehouse, pipelines_dir):
    fresh_simulator.faults.add(kind="new_field", api="facebook_ads", times=None)
    load(fresh_simulator, warehouse, pipelines_dir)
    assert "quality_ranking" in column_types(warehouse, "ad_insights")
    assert "smart_promotion_type" in column_types(warehouse, "campaigns")
    assert "is_prepay_account" in column_types(warehouse, "ad_accounts")
    assert table(warehouse, "ad_insights")["quality_ranking"].eq("AVERAGE").all()
    assert_insights_match(table(warehouse, "ad_insights"), fresh_simulator.world)


# -- deleted ads -------------------------------------------------------------------------------
@pytest.fixture
def world_with_deleted() -> World:
    """The S world with one campaign deleted and one archived (with their ad sets and ads)."""
    world = World.generate("S", SEED, END_DATE)
    campaigns = fb(world.campaigns)
    spending = fb(world.ad_daily())["campaign_id"].value_counts()
    chosen = [c for c in spending.index if c in set(campaigns["campaign_id"])][:2]
    for campaign_id, status in zip(chosen, ("DELETED", "ARCHIVED"), strict=True):
        for frame in (world.campaigns, world.ad_groups, world.ads):
            rows = frame["campaign_id"] == campaign_id
            frame.loc[rows, "raw_status"] = status
            frame.loc[rows, "status"] = status.lower()
    return world


def test_deleted_and_archived_ads_spend_is_loaded(world_with_deleted, warehouse, pipelines_dir):
    world = world_with_deleted
    gone = set(fb(world.ads).loc[fb(world.ads)["raw_status"].isin(["DELETED", "ARCHIVED"]),
                                  "ad_id"])
    with simulator_server(world) as server:
        account = fb(world.ads).loc[fb(world.ads)["ad_id"].isin(gone), "account_id"].iloc[0]
        # The API hides them by default, as Graph does for level=ad insights and edges.
        plain = get(server, f"/v21.0/act_{account}/insights", **insights_params(world)).json()
        assert plain["data"] and not {r["ad_id"] for r in plain["data"]} & gone
        ads = get(server, f"/v21.0/act_{account}/ads", fields="id", limit="500").json()
        assert not {r["id"] for r in ads["data"]} & gone

        load(server, warehouse, pipelines_dir)
    loaded = table(warehouse, "ad_insights")
    assert gone & set(loaded["ad_id"])
    assert_insights_match(loaded, world)
    statuses = table(warehouse, "campaigns")["effective_status"]
    assert {"DELETED", "ARCHIVED"} <= set(statuses)


# -- the simulator speaks Graph ------------------------------------------------------------------
def test_simulator_pages_with_cursors_and_omits_next_on_the_last_page(simulator):
    world = simulator.world
    account = fb_account_ids(world)[0]
    params = insights_params(world, limit="40")
    seen, pages = [], 0
    while True:
        body = get(simulator, f"/v21.0/act_{account}/insights", **params).json()
        pages += 1
        seen += [(r["ad_id"], r["date_start"]) for r in body["data"]]
        if "next" not in body["paging"]:
            break
        assert body["paging"]["next"].startswith(simulator.base_url)
        params["after"] = body["paging"]["cursors"]["after"]
    truth = fb(world.ad_daily())
    assert len(seen) == len(set(seen)) == int((truth["account_id"] == account).sum())
    assert pages == -(-len(seen) // 40)


def test_simulator_checks_the_token_in_query_or_header(simulator):
    account = fb_account_ids(simulator.world)[0]
    url = f"{simulator.base_url}/v21.0/act_{account}"
    ok = requests.get(url, params={"access_token": simulator.tokens["facebook_ads"],
                                   "fields": "id,currency"}, timeout=10)
    assert ok.status_code == 200 and ok.json()["id"] == f"act_{account}"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 104
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    error = wrong.json()["error"]
    assert wrong.status_code == 400 and error["code"] == 190 and error["type"] == "OAuthException"
    assert "fbtrace_id" in error
    unknown = get(simulator, "/v21.0/act_42")
    assert unknown.json()["error"]["code"] == 100 and unknown.json()["error"]["error_subcode"] == 33


# -- pure pieces -------------------------------------------------------------------------------
def _graph_response(status: int, error: dict | None, text: str | None = None):
    response = requests.Response()
    response.status_code = status
    response._content = text.encode() if text is not None else orjson.dumps({"error": error})
    return response


@pytest.mark.parametrize(("status", "code", "expected"), [
    (400, 4, Outcome.RETRY), (400, 17, Outcome.RETRY), (400, 613, Outcome.RETRY),
    (400, 80000, Outcome.RETRY), (400, 80014, Outcome.RETRY), (500, 2, Outcome.RETRY),
    (400, 190, Outcome.AUTH), (401, 190, Outcome.AUTH), (403, 200, Outcome.AUTH),
    (400, 100, Outcome.ERROR),
])
def test_graph_error_codes_are_classified(status, code, expected):
    error = {"message": "m", "type": "OAuthException", "code": code, "fbtrace_id": "x"}
    assert classify(_graph_response(status, error)) is expected


def test_non_graph_error_bodies_fall_back_to_the_http_status():
    assert classify(_graph_response(503, None, text="<html>busy</html>")) is Outcome.RETRY
    assert classify(_graph_response(404, None, text="nope")) is Outcome.ERROR


def test_error_description_names_code_subcode_and_trace():
    error = {"message": "Session has expired", "type": "OAuthException", "code": 190,
             "error_subcode": 463, "fbtrace_id": "AbC"}
    text = describe_error(_graph_response(400, error))
    assert "#190/463" in text and "Session has expired" in text and "AbC" in text


def test_account_ids_are_a_list_with_or_without_the_act_prefix():
    parse_account_ids = partial(ids, "facebook_ads", "account_ids", normalize=normalize_account_id)
    assert parse_account_ids(["act_1", " 2", "act_1"]) == ["1", "2"]
    assert parse_account_ids(["act_3", 4]) == ["3", "4"]
    with pytest.raises(InvalidConfiguration, match=r"^facebook_ads: account_ids 'act_1, 2' is "
                                                   r"not a list of ids: write a TOML list"):
        parse_account_ids("act_1, 2")


def test_spend_and_fractional_counts_render_exactly():
    assert [money(c) for c in (0, 5, 1234, 100_000)] == ["0.00", "0.05", "12.34", "1000.00"]
    assert [decimal_count(c) for c in (300, 250, 125)] == ["3", "2.5", "1.25"]


def test_today_is_the_accounts_local_day():
    now = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    assert account_today({"timezone_name": "America/New_York"}, now) == dt.date(2026, 2, 28)
    assert account_today({"timezone_name": "Europe/Stockholm"}, now) == dt.date(2026, 3, 1)



def test_a_sparse_advertiser_loads_every_documented_column(warehouse, pipelines_dir):
    """Graph leaves unset fields out: on a sparse advertiser no row carries a stop time, a
    campaign budget or a page-tab link, and the columns are there anyway, typed; each
    creative's destination sits in one of its documented homes."""
    world = World.generate("S", SEED, END_DATE, sparse=True)
    with simulator_server(world) as server:
        load(server, warehouse, pipelines_dir)
    for name, declared in settings.TABLES.items():
        columns = raw_column_types(warehouse, "raw_facebook_ads", name)
        for column in declared.columns:
            stored = column.lower()
            assert stored in columns, (name, column)
    ads = table(warehouse, "ads")
    assert ads["creative__link_url"].isna().all()
    homes = ["creative__object_story_spec__link_data__link",
             "creative__object_story_spec__video_data__call_to_action__value__link",
             "creative__asset_feed_spec__link_urls", "creative__object_url"]
    assert all(ads[home].notna().any() for home in homes)
    # an ad of an existing post has no destination anywhere
    assert (ads[homes].isna().all(axis=1)).any()
    insights = table(warehouse, "ad_insights")
    assert insights["clicks"].isna().any() and insights["spend"].notna().all()


def test_a_response_without_spend_fails_the_account_naming_the_field(
        simulator, warehouse, pipelines_dir, monkeypatch):
    """A row may leave out a count it has none of; a response whose rows all lack spend did
    not deliver it (a version or permission change), and loading it as zero would be wrong."""
    from ingestion.facebook_ads.client import FacebookClient

    real = FacebookClient.insights

    def without_spend(self, account_id, since, until):
        for page in real(self, account_id, since, until):
            yield page.drop_columns(["spend"])

    monkeypatch.setattr(FacebookClient, "insights", without_spend)
    with pytest.raises(PartialLoadError) as failed:
        load(simulator, warehouse, pipelines_dir)
    message = str(failed.value)
    assert "facebook_ads: account act_" in message
    assert "rows and none carries spend: the API did not deliver it" in message
    assert len(table(warehouse, "ad_insights")) == 0


# -- the days each request asked for (payloads written by hand from Graph's documented shapes) --
HW_ACCOUNT = {"id": "act_1010", "account_id": "1010", "name": "Nordic Shoes", "currency": "EUR",
              "timezone_name": "Europe/Stockholm", "account_status": 1,
              "created_time": "2025-01-10T09:00:00+0100"}


def hw_insight(day: str, spend: str) -> dict:
    """One `level=ad&time_increment=1` insights row, as Graph sends it (numbers as strings)."""
    return {"account_id": "1010", "campaign_id": "2001", "adset_id": "3001", "ad_id": "4001",
            "date_start": day, "date_stop": day, "impressions": "100", "clicks": "2",
            "spend": spend}


def graph_ignoring_the_time_range(request):
    """A Graph that answers every insights request with the same three days, whatever its
    `time_range` asked for (a day either side of a request is what slipped in)."""
    if request.path == "/v21.0/act_1010":
        return 200, HW_ACCOUNT
    if request.path == "/v21.0/act_1010/insights":
        rows = [hw_insight("2026-05-03", "1.00"), hw_insight("2026-05-04", "2.00"),
                hw_insight("2026-05-05", "4.00")]
        # the last page: cursors, but no `paging.next`
        return 200, {"data": rows, "paging": {"cursors": {"before": "MAZDZD", "after": "MgZDZD"}}}
    return 200, {"data": []}


def test_insights_keep_only_the_days_each_request_asked_for_and_say_what_was_dropped(
        warehouse, pipelines_dir, caplog):
    with Loopback(graph_ignoring_the_time_range) as graph:
        source = facebook_ads(access_token="EAAB-handwritten", account_ids=["act_1010"],
                              base_url=graph.base_url, start_date="2026-05-04",
                              end_date="2026-05-05", chunk_days=1, **QUICK_RETRIES)
        with caplog.at_level("WARNING"):
            run_source(source, make_pipeline("facebook_ads", warehouse, pipelines_dir))
    asked = [json.loads(r.query["time_range"]) for r in graph.requests
             if r.path.endswith("/insights")]
    # the two chunks are asked for at once, in either order
    assert sorted(asked, key=lambda r: r["since"]) == [
        {"since": "2026-05-04", "until": "2026-05-04"},
        {"since": "2026-05-05", "until": "2026-05-05"}]
    loaded = table(warehouse, "ad_insights").sort_values("date_start")
    # each day once, from the request that asked for it; 2026-05-03 nowhere
    assert loaded[["date_start", "spend"]].values.tolist() == [["2026-05-04", "2.00"],
                                                              ["2026-05-05", "4.00"]]
    dropped = dropped_days(caplog.records)
    assert len(dropped) == 2, dropped
    first, second = dropped
    assert first.startswith("facebook_ads: account act_1010: ")
    assert "2026-05-04..2026-05-04" in first and "2 rows" in first
    assert "2026-05-03 (1)" in first and "2026-05-05 (1)" in first
    assert "2026-05-03 (1)" in second and "2026-05-04 (1)" in second
    windows = table(warehouse, "load_windows").sort_values("report")
    assert windows[["report", "account_id", "start_date", "end_date"]].values.tolist() == [
        ["ad_insights", "1010", "2026-05-04", "2026-05-05"],
        ["leads", "1010", "2026-05-04", "2026-05-05"]]
    assert windows["requested_at"].notna().all() and windows["_dlt_load_id"].notna().all()


def test_the_load_windows_table_exists_empty_when_nothing_was_asked(warehouse, pipelines_dir):
    with Loopback(graph_ignoring_the_time_range) as graph:
        source = facebook_ads(access_token="EAAB-handwritten", account_ids=[],
                              base_url=graph.base_url, end_date="2026-05-05", **QUICK_RETRIES)
        run_source(source, make_pipeline("facebook_ads", warehouse, pipelines_dir))
    assert len(table(warehouse, "load_windows")) == 0
    assert {"report", "account_id", "start_date", "end_date", "requested_at"} <= set(
        column_types(warehouse, "load_windows"))
