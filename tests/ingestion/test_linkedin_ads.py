"""LinkedIn Ads source against the simulated Marketing API: real dlt pipelines into DuckDB,
checked against the world's own numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import requests
from dlt.common.normalizers.naming.snake_case import NamingConvention

from ingestion.common.failures import PartialLoadError
from ingestion.common.http import RetryPolicy
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.common.validate import InvalidConfiguration, ids
from ingestion.linkedin_ads import linkedin_ads
from ingestion.linkedin_ads import settings as linkedin_settings
from ingestion.linkedin_ads.client import (
    LinkedInClient,
    normalize_account_id,
    query_string,
    restli_date_range,
    restli_list,
)
from simulator.apis import simulator_server
from simulator.linkedin import (
    NEW_ANALYTICS_FIELD,
    NEW_ENTITY_FIELD,
    LinkedInApi,
    parse_restli,
)
from simulator.server import SimulatorServer
from simulator.world import SIZES, World
from tests.conftest import END_DATE, SEED
from tests.ingestion.loopback import Loopback, dropped_days

SOURCE = "linkedin_ads"
DATASET = "raw_linkedin_ads"
FAST = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=1.0)
FAST_RETRIES = {"retry": FAST}


# -- helpers ----------------------------------------------------------------------------------

def linkedin_accounts(world: World) -> list[str]:
    return world.accounts.loc[world.accounts["network"] == "linkedin", "account_id"].tolist()


def linkedin_api(server: SimulatorServer) -> LinkedInApi:
    return next(api for api in server.apis if api.name == SOURCE)


def source_for(server: SimulatorServer, **overrides):
    world = server.world
    settings = {
        "access_token": server.tokens[SOURCE], "account_ids": linkedin_accounts(world),
        "base_url": server.base_url, "start_date": world.start_date.isoformat(),
        "end_date": world.end_date.isoformat(), **FAST_RETRIES, **overrides,
    }
    return linkedin_ads(**settings)


def run(source, warehouse: Path, pipelines_dir: Path):
    pipeline = make_pipeline(SOURCE, warehouse, pipelines_dir)
    run_source(source, pipeline)
    return pipeline


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def columns(warehouse: Path, table: str) -> dict[str, str]:
    frame = query(warehouse, f"select column_name, data_type from information_schema.columns "
                             f"where table_schema = '{DATASET}' and table_name = '{table}'")
    return dict(zip(frame["column_name"], frame["data_type"], strict=True))


def truth(world: World) -> pd.DataFrame:
    """The world's LinkedIn ad-days now, keyed like the raw table."""
    daily = world.ad_daily()
    daily = daily[daily["network"] == "linkedin"].copy()
    daily["creative_urn"] = "urn:li:sponsoredCreative:" + daily["ad_id"]
    return daily


def loaded_daily(warehouse: Path) -> pd.DataFrame:
    return query(warehouse, f"""
        select account_id, creative_urn, date, impressions, clicks, likes, total_engagements,
               landing_page_clicks, external_website_conversions,
               cast(round(cast(cost_in_local_currency as decimal(18, 2)) * 100) as bigint)
                   as spend_cents
        from {DATASET}.ad_analytics_daily""")


def assert_daily_matches_world(warehouse: Path, world: World) -> None:
    """Row for row, every ad-day of the world is loaded once with its exact numbers."""
    loaded = loaded_daily(warehouse)
    expected = truth(world)
    assert not loaded.duplicated(["account_id", "creative_urn", "date"]).any()
    assert len(loaded) == len(expected)
    merged = expected.merge(loaded, on=["account_id", "creative_urn", "date"],
                            suffixes=("", "_loaded"), validate="one_to_one")
    assert len(merged) == len(expected)
    for world_col, raw_col in [("impressions", "impressions"), ("clicks", "clicks"),
                               ("likes", "likes"), ("engagements", "total_engagements"),
                               ("link_clicks", "landing_page_clicks"),
                               ("spend_cents", "spend_cents_loaded")]:
        assert (merged[world_col].to_numpy() == merged[raw_col].to_numpy()).all(), world_col
    conversions = merged["conversions_centi"].to_numpy() // 100
    assert (conversions == merged["external_website_conversions"].to_numpy()).all()


def spend_by_account_day(frame: pd.DataFrame, cents: str) -> pd.Series:
    return frame.groupby(["account_id", "date"])[cents].sum().sort_index()


@pytest.fixture
def two_account_simulator() -> Iterator[SimulatorServer]:
    """A world with two LinkedIn accounts (USD and EUR), for failure isolation."""
    size = dataclasses.replace(SIZES["S"], name="S-li2",
                               accounts={"facebook": 1, "google": 1, "linkedin": 2})
    with simulator_server(World.generate(size, SEED, END_DATE)) as server:
        yield server


# -- Rest.li and client units -----------------------------------------------------------------

def test_restli_query_encodes_urns_and_the_simulator_parses_them_back():
    urn = "urn:li:sponsoredAccount:507084756"
    encoded = restli_list([urn])
    assert encoded == "List(urn%3Ali%3AsponsoredAccount%3A507084756)"
    assert parse_restli(encoded) == [urn]
    date_range = restli_date_range(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert date_range == "(start:(year:2026,month:10,day:1),end:(year:2026,month:10,day:31))"
    assert parse_restli(date_range) == {"start": {"year": "2026", "month": "10", "day": "1"},
                                        "end": {"year": "2026", "month": "10", "day": "31"}}
    assert parse_restli("(status:(values:List(ACTIVE,PAUSED)))") == {
        "status": {"values": ["ACTIVE", "PAUSED"]}}
    joined = query_string({"q": "analytics", "accounts": encoded})
    assert joined == f"q=analytics&accounts={encoded}"


def test_account_ids_are_a_list_of_ids_or_urns():
    parse_account_ids = partial(ids, "linkedin_ads", "account_ids", normalize=normalize_account_id)
    assert parse_account_ids(["1", "urn:li:sponsoredAccount:2", "1"]) == ["1", "2"]
    assert parse_account_ids([3, "urn:li:sponsoredAccount:4"]) == ["3", "4"]
    with pytest.raises(InvalidConfiguration, match="not a list of ids"):
        parse_account_ids("1, 2")


def test_simulator_checks_linkedin_headers(simulator):
    account = linkedin_accounts(simulator.world)[0]
    url = f"{simulator.base_url}/rest/adAccounts/{account}"
    good = {"Authorization": f"Bearer {simulator.tokens[SOURCE]}", "LinkedIn-Version": "202509",
            "X-Restli-Protocol-Version": "2.0.0"}
    assert requests.get(url, headers=good, timeout=10).json()["id"] == int(account)
    bad_token = requests.get(url, headers={**good, "Authorization": "Bearer nope"}, timeout=10)
    assert bad_token.status_code == 401
    assert bad_token.json()["serviceErrorCode"] == 65600
    no_version = requests.get(url, headers={k: v for k, v in good.items()
                                            if k != "LinkedIn-Version"}, timeout=10)
    assert no_version.status_code == 400 and no_version.json()["code"] == "VERSION_MISSING"
    old = requests.get(url, headers={**good, "LinkedIn-Version": "202001"}, timeout=10)
    assert old.status_code == 426
    no_restli = requests.get(url, headers={k: v for k, v in good.items()
                                           if k != "X-Restli-Protocol-Version"}, timeout=10)
    assert no_restli.status_code == 400


def test_analytics_truncates_silently_at_the_cap_and_the_client_chunks_under_it(
        fresh_simulator):
    api = linkedin_api(fresh_simulator)
    api.max_elements = 25
    world = fresh_simulator.world
    account = linkedin_accounts(world)[0]
    client = LinkedInClient(fresh_simulator.base_url, fresh_simulator.tokens[SOURCE],
                            max_elements=25, chunk_days=30, **FAST_RETRIES)
    whole = client.analytics(account, world.start_date, world.end_date)
    assert len(whole) == 25  # no error, no paging: just cut off
    chunks = list(client.analytics_chunks(account, world.start_date, world.end_date))
    assert all(len(elements) < 25 for _, _, elements in chunks)
    assert chunks[0][0] == world.start_date and chunks[-1][1] == world.end_date
    for (_, stop, _), (start, _, _) in zip(chunks, chunks[1:], strict=False):
        assert start == stop + dt.timedelta(days=1)
    assert sum(len(elements) for _, _, elements in chunks) == len(truth(world))


# -- full loads --------------------------------------------------------------------------------

def test_every_table_loads_and_matches_the_world(simulator, warehouse, pipelines_dir,
                                                 monkeypatch):
    world = simulator.world
    # Configured the way users do it: dlt config from the environment.
    for key, value in {
        "BASE_URL": simulator.base_url, "ACCESS_TOKEN": simulator.tokens[SOURCE],
        "ACCOUNT_IDS": json.dumps(linkedin_accounts(world)),
        "START_DATE": world.start_date.isoformat(), "END_DATE": world.end_date.isoformat(),
    }.items():
        monkeypatch.setenv(f"SOURCES__LINKEDIN_ADS__{key}", value)
    run(linkedin_ads(), warehouse, pipelines_dir)

    li = {name: frame[frame["network"] == "linkedin"] for name, frame in (
        ("accounts", world.accounts), ("campaigns", world.campaigns),
        ("groups", world.ad_groups), ("ads", world.ads))}
    accounts = query(warehouse, f"select id, currency from {DATASET}.ad_accounts")
    assert sorted(accounts["id"].astype(str)) == sorted(li["accounts"]["account_id"])
    assert dict(zip(accounts["id"].astype(str), accounts["currency"], strict=True)) == dict(
        zip(li["accounts"]["account_id"], li["accounts"]["currency"], strict=True))
    groups = query(warehouse, f"select id, account, status from {DATASET}.campaign_groups")
    assert sorted(groups["id"].astype(str)) == sorted(li["campaigns"]["campaign_id"])
    assert set(groups["status"]) == set(li["campaigns"]["raw_status"])
    campaigns = query(warehouse, f"select id, campaign_group from {DATASET}.campaigns")
    assert sorted(campaigns["id"].astype(str)) == sorted(li["groups"]["ad_group_id"])
    assert campaigns["campaign_group"].str.startswith("urn:li:sponsoredCampaignGroup:").all()
    creatives = query(warehouse, f"select id, campaign, intended_status from {DATASET}.creatives")
    assert sorted(creatives["id"]) == sorted("urn:li:sponsoredCreative:" + li["ads"]["ad_id"])
    assert creatives["campaign"].str.startswith("urn:li:sponsoredCampaign:").all()

    assert_daily_matches_world(warehouse, world)
    loaded = loaded_daily(warehouse)
    expected = truth(world)
    pd.testing.assert_series_equal(spend_by_account_day(loaded, "spend_cents"),
                                   spend_by_account_day(expected, "spend_cents"),
                                   check_names=False, check_dtype=False)
    # Raw as delivered: money stays a decimal string, the day sits beside the raw dateRange.
    types = columns(warehouse, "ad_analytics_daily")
    assert types["cost_in_local_currency"] == "VARCHAR"
    assert types["impressions"] == "BIGINT"
    assert {"date_range__start__year", "date_range__end__day", "pivot_values"} <= set(types)
    sample = query(warehouse, f"""
        select date, date_range__start__year as y, date_range__start__month as m,
               date_range__start__day as d, pivot_values, creative_urn
        from {DATASET}.ad_analytics_daily limit 50""")
    for row in sample.itertuples():
        assert row.date == dt.date(row.y, row.m, row.d).isoformat()
        assert row.pivot_values == f'["{row.creative_urn}"]'


def test_tiny_pages_and_a_tiny_analytics_cap_still_load_everything(fresh_simulator, warehouse,
                                                                  pipelines_dir):
    linkedin_api(fresh_simulator).max_elements = 30
    run(source_for(fresh_simulator, page_size=2, analytics_max_elements=30, chunk_days=60,
                   batch_rows=100), warehouse, pipelines_dir)
    world = fresh_simulator.world
    assert_daily_matches_world(warehouse, world)
    counts = query(warehouse, f"""
        select (select count(*) from {DATASET}.campaign_groups) as groups,
               (select count(*) from {DATASET}.campaigns) as campaigns,
               (select count(*) from {DATASET}.creatives) as creatives""").iloc[0]
    assert counts["groups"] == (world.campaigns["network"] == "linkedin").sum()
    assert counts["campaigns"] == (world.ad_groups["network"] == "linkedin").sum()
    assert counts["creatives"] == (world.ads["network"] == "linkedin").sum()


def test_rerun_after_restatement_updates_recent_days_without_duplicates(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    run(source_for(fresh_simulator), warehouse, pipelines_dir)
    before = loaded_daily(warehouse)
    fresh_simulator.restate()
    run(source_for(fresh_simulator, lookback_days=5), warehouse, pipelines_dir)
    assert_daily_matches_world(warehouse, world)
    after = loaded_daily(warehouse)
    changed = before.merge(after, on=["account_id", "creative_urn", "date"])
    changed = changed[changed["spend_cents_x"] != changed["spend_cents_y"]]
    assert not changed.empty
    assert changed["date"].min() > (END_DATE - dt.timedelta(days=5)).isoformat()


def test_throttling_server_errors_truncated_and_slow_pages_are_retried(
        fresh_simulator, warehouse, pipelines_dir):
    faults = fresh_simulator.faults
    rules = [
        faults.add(kind="rate_limit", api=SOURCE, match="adAnalytics", times=2,
                   retry_after=0.1),
        faults.add(kind="server_error", api=SOURCE, match="adCampaigns", times=2),
        faults.add(kind="malformed", api=SOURCE, match="creatives", times=1),
        faults.add(kind="malformed", api=SOURCE, match="adAnalytics", times=1),
        faults.add(kind="slow", api=SOURCE, match="adCampaignGroups", times=1, delay=0.3),
    ]
    started = time.monotonic()
    run(source_for(fresh_simulator), warehouse, pipelines_dir)
    assert time.monotonic() - started < 30
    assert all(rule.times == 0 for rule in rules)
    assert_daily_matches_world(warehouse, fresh_simulator.world)
    campaigns = query(warehouse, f"select count(*) as n from {DATASET}.campaigns")["n"][0]
    assert campaigns == (fresh_simulator.world.ad_groups["network"] == "linkedin").sum()


def test_expired_token_fails_fast_names_source_and_account_and_keeps_loaded_data(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    account = linkedin_accounts(world)[0]
    run(source_for(fresh_simulator), warehouse, pipelines_dir)
    before = loaded_daily(warehouse)

    fresh_simulator.faults.add(kind="expired_token", api=SOURCE, times=None)
    started = time.monotonic()
    with pytest.raises(PartialLoadError) as failure:
        run(source_for(fresh_simulator,
                       retry=dataclasses.replace(FAST, max_attempts=6, backoff_base=2.0)),
            warehouse, pipelines_dir)
    assert time.monotonic() - started < 15  # one try, no backoff: auth is not retried
    message = str(failure.value)
    assert SOURCE in message and f"account {account}" in message
    assert "INVALID_ACCESS_TOKEN" in message
    assert fresh_simulator.tokens[SOURCE] not in message
    # What the earlier run loaded is untouched.
    pd.testing.assert_frame_equal(
        loaded_daily(warehouse).sort_values(["creative_urn", "date"]).reset_index(drop=True),
        before.sort_values(["creative_urn", "date"]).reset_index(drop=True))


def test_new_api_fields_land_as_new_columns(fresh_simulator, warehouse, pipelines_dir):
    fresh_simulator.faults.add(kind="new_field", api=SOURCE, times=None)
    run(source_for(fresh_simulator), warehouse, pipelines_dir)
    assert "average_dwell_time" in columns(warehouse, "ad_analytics_daily")
    assert "associated_entity" in columns(warehouse, "campaigns")
    assert "associated_entity" in columns(warehouse, "creatives")
    value = query(warehouse, f"select distinct average_dwell_time as v "
                             f"from {DATASET}.ad_analytics_daily")["v"].tolist()
    assert value == [NEW_ANALYTICS_FIELD[1]]
    entity = query(warehouse, f"select distinct associated_entity as v "
                              f"from {DATASET}.campaigns")["v"].tolist()
    assert entity == [NEW_ENTITY_FIELD[1]]
    assert_daily_matches_world(warehouse, fresh_simulator.world)


def test_one_failing_account_does_not_stop_the_others_and_keeps_its_state(
        two_account_simulator, warehouse, pipelines_dir):
    server = two_account_simulator
    world = server.world
    good, bad = linkedin_accounts(world)
    server.faults.add(kind="expired_token", api=SOURCE, match=bad, times=None)
    with pytest.raises(PartialLoadError) as failure:
        pipeline = make_pipeline(SOURCE, warehouse, pipelines_dir)
        run_source(source_for(server), pipeline)
    assert f"account {bad}" in str(failure.value) and f"account {good}" not in str(failure.value)

    loaded = loaded_daily(warehouse)
    assert set(loaded["account_id"]) == {good}
    expected = truth(world)
    assert len(loaded) == (expected["account_id"] == good).sum()
    state = pipeline.state["sources"][SOURCE]["resources"]["ad_analytics_daily"]
    assert state["last_loaded_day"] == {good: END_DATE.isoformat()}

    server.faults.clear()
    run(source_for(server), warehouse, pipelines_dir)
    assert_daily_matches_world(warehouse, world)
    accounts = query(warehouse, f"select id from {DATASET}.ad_accounts")
    assert sorted(accounts["id"].astype(str)) == sorted([good, bad])


def test_a_sparse_advertiser_and_an_empty_account_load_every_documented_column(
        warehouse, pipelines_dir):
    """LinkedIn leaves optional fields out, creatives keep their landing page in the content
    variant of their type (or show none), and a newly connected account has nothing: every
    column and table is there anyway."""
    world = World.generate("S", SEED, END_DATE, sparse=True)
    with simulator_server(world) as server:
        run(source_for(server), warehouse, pipelines_dir)
    normalize = NamingConvention().normalize_path
    for name, declared in linkedin_settings.TABLES.items():
        loaded = columns(warehouse, name)
        for column in declared.columns:
            assert normalize(column) in loaded, (name, column)
    creatives = query(warehouse, f"select * from {DATASET}.creatives")
    for home in ("content__text_ad__landing_page", "content__spotlight__landing_page",
                 "content__reference"):
        assert creatives[home].notna().any(), home
    accounts = query(warehouse, f"select id from {DATASET}.ad_accounts")
    groups = query(warehouse, f"select distinct account from {DATASET}.campaign_groups")
    empty = {int(a) for a in linkedin_accounts(world)} - {
        int(urn.rsplit(":", 1)[1]) for urn in groups["account"]}
    assert len(empty) == 1 and empty <= set(accounts["id"])


# -- the days each request asked for (payloads written by hand from the Marketing API's
# documented shapes) --
def hw_element(day: int, cost: str) -> dict:
    """One `pivot=CREATIVE&timeGranularity=DAILY` adAnalytics element of May 2026."""
    date = {"year": 2026, "month": 5, "day": day}
    return {"dateRange": {"start": date, "end": date},
            "pivotValues": ["urn:li:sponsoredCreative:9001"], "impressions": 10, "clicks": 1,
            "costInLocalCurrency": cost}


def linkedin_ignoring_the_date_range(request):
    """adAnalytics answers every request with the same three days, whatever its `dateRange`
    asked for; the account has no campaign groups, campaigns or creatives."""
    if request.path == "/rest/adAccounts/507":
        return 200, {"id": 507, "name": "Nordic Shoes", "currency": "USD", "status": "ACTIVE",
                     "type": "BUSINESS", "test": False}
    if request.path == linkedin_settings.ANALYTICS_PATH:
        return 200, {"paging": {"start": 0, "count": 10, "links": []}, "elements": [
            hw_element(3, "1.00"), hw_element(4, "2.00"), hw_element(5, "4.00")]}
    return 200, {"elements": [], "metadata": {}}


def test_analytics_keep_only_the_days_each_request_asked_for_and_say_what_was_dropped(
        warehouse, pipelines_dir, caplog):
    with Loopback(linkedin_ignoring_the_date_range) as api:
        source = linkedin_ads(access_token="AQV-handwritten", account_ids=["507"],
                              base_url=api.base_url, start_date="2026-05-04",
                              end_date="2026-05-05", chunk_days=1, **FAST_RETRIES)
        with caplog.at_level("WARNING"):
            run(source, warehouse, pipelines_dir)
    loaded = query(warehouse, f"select date, cost_in_local_currency from {DATASET}."
                              "ad_analytics_daily order by date")
    assert loaded.values.tolist() == [["2026-05-04", "2.00"], ["2026-05-05", "4.00"]]
    dropped = dropped_days(caplog.records)
    assert len(dropped) == 2, dropped
    assert all(m.startswith("linkedin_ads: account 507: ") and "2 rows" in m for m in dropped)
    assert "2026-05-03 (1)" in dropped[0] and "2026-05-05 (1)" in dropped[0]
    windows = query(warehouse, f"select report, account_id, start_date, end_date "
                               f"from {DATASET}.load_windows order by report")
    assert windows.values.tolist() == [
        ["ad_analytics_daily", "507", "2026-05-04", "2026-05-05"],
        ["lead_form_responses", "507", "2026-05-04", "2026-05-05"]]


def test_module_entrypoint_says_in_one_line_why_it_loads_nothing(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SOURCES__")}
    env.update({"ADS_ANALYTICS_WAREHOUSE": str(tmp_path / "w.duckdb"),
                "DLT_DATA_DIR": str(tmp_path / "dlt")})

    def run(**settings: str) -> tuple[int, str]:
        done = subprocess.run([sys.executable, "-m", "ingestion.linkedin_ads"], cwd=tmp_path,
                              env={**env, **settings, "PYTHONPATH": str(root)},
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stderr.strip().splitlines()[-1]

    code, line = run()
    assert code == 1 and line.startswith("linkedin_ads: not connected (none of ")
    code, line = run(SOURCES__LINKEDIN_ADS__ACCESS_TOKEN="a-secret",
                     SOURCES__LINKEDIN_ADS__ACCOUNT_IDS="[507084756]",
                     SOURCES__LINKEDIN_ADS__START_DATE="2026-13-45")
    assert code == 1
    assert line == "linkedin_ads: start_date '2026-13-45' is not a date (YYYY-MM-DD)"
