"""Google Ads source against the simulated Google Ads API: real dlt pipelines into DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import orjson
import pandas as pd
import pytest
import requests

from core.layout import WarehouseLayout
from ingestion.common import prefetch
from ingestion.common.failures import PartialLoadError
from ingestion.common.http import AuthError, Outcome, RetryPolicy
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.common.validate import InvalidConfiguration, ids
from ingestion.common.windows import CONCURRENT_CHUNKS
from ingestion.google_ads import google_ads, settings
from ingestion.google_ads.client import classify, describe_error, normalize_customer_id
from ingestion.google_ads.helpers import batched_tables, rows_to_table
from simulator.apis import simulator_server
from simulator.google import GoogleAdsApi, parse_gaql
from simulator.server import SimulatorServer
from simulator.world import RESTATEMENT_DAYS, World
from tests.conftest import END_DATE
from tests.ingestion.loopback import Loopback, dropped_days
from tests.warehouse import raw_column_types, raw_table

TABLES = ("customers", "campaigns", "ad_groups", "ads", "keywords", "ad_performance_daily",
          "keyword_performance_daily")
QUICK = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=0.2)
QUICK_RETRIES = {"retry": QUICK}


# -- helpers ----------------------------------------------------------------------------------
def google(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["network"] == "google"]


def customer_ids(world: World) -> list[str]:
    return google(world.accounts)["account_id"].tolist()


def dashed(customer_id: str) -> str:
    return f"{customer_id[:3]}-{customer_id[3:6]}-{customer_id[6:]}"


def api(server: SimulatorServer) -> GoogleAdsApi:
    return next(a for a in server.apis if a.name == "google_ads")


def source(server: SimulatorServer, **overrides):
    world = server.world
    kwargs = {
        "customer_ids": [dashed(c) for c in customer_ids(world)],
        "access_token": server.tokens["google_ads"],
        "developer_token": server.tokens["google_ads_developer"],
        "base_url": server.base_url, "start_date": world.start_date.isoformat(),
        "end_date": END_DATE.isoformat(), **QUICK_RETRIES, **overrides,
    }
    return google_ads(**kwargs)


def load(server: SimulatorServer, warehouse: Path, pipelines_dir: Path, **overrides):
    pipeline = make_pipeline("google_ads", warehouse, pipelines_dir)
    return run_source(source(server, **overrides), pipeline), pipeline


def table(warehouse: Path, name: str) -> pd.DataFrame:
    return raw_table(warehouse, "raw_google_ads", name)


def column_types(warehouse: Path, name: str) -> dict[str, str]:
    return raw_column_types(warehouse, "raw_google_ads", name)


def last_days(pipeline, resource: str) -> dict[str, str]:
    state = pipeline.state["sources"]["google_ads"]["resources"]
    return dict(state.get(resource, {}).get("last_loaded_day", {}))


def assert_ad_days_match(loaded: pd.DataFrame, world: World, accounts: list[str] | None = None,
                         until: str | None = None) -> None:
    """Row for row: the loaded ad-days are the world's Google ad-days, raw values as strings."""
    truth = google(world.ad_daily())
    if accounts is not None:
        truth = truth[truth["account_id"].isin(accounts)]
        loaded = loaded[loaded["customer__id"].isin(accounts)]
    if until is not None:
        truth = truth[truth["date"] <= until]
    key = settings.AD_PERFORMANCE_DAILY.key_columns
    assert not loaded.duplicated(key).any()
    assert len(loaded) == len(truth)
    joined = truth.merge(loaded, left_on=["account_id", "ad_group_id", "ad_id", "date"],
                         right_on=key, how="left", validate="one_to_one")
    assert joined["segments__date"].notna().all(), "some world ad-days were not loaded"
    assert (joined["metrics__cost_micros"] == (joined["spend_cents"] * 10_000).astype(str)).all()
    assert (joined["metrics__impressions"] == joined["impressions"].astype(str)).all()
    assert (joined["metrics__clicks"] == joined["clicks"].astype(str)).all()
    assert (joined["metrics__interactions"] == joined["clicks"].astype(str)).all()
    assert ((joined["metrics__conversions"] * 100).round().astype(int)
            == joined["conversions_centi"]).all()
    assert (joined["campaign__id"] == joined["campaign_id"]).all()
    # Spend per customer and local day in the customer's currency, exactly.
    loaded_days = loaded.assign(cents=loaded["metrics__cost_micros"].map(int) // 10_000).groupby(
        ["customer__id", "segments__date"])["cents"].sum()
    true_days = truth.groupby(["account_id", "date"])["spend_cents"].sum()
    assert loaded_days.to_dict() == true_days.to_dict()


def assert_keyword_days_match(loaded: pd.DataFrame, world: World) -> None:
    truth = world.keyword_daily()
    key = settings.KEYWORD_PERFORMANCE_DAILY.key_columns
    assert not loaded.duplicated(key).any()
    assert len(loaded) == len(truth)
    joined = truth.merge(loaded, left_on=["ad_group_id", "criterion_id", "date"], right_on=key,
                         how="left", validate="one_to_one")
    assert (joined["metrics__cost_micros"] == (joined["spend_cents"] * 10_000).astype(str)).all()
    assert (joined["metrics__impressions"] == joined["impressions"].astype(str)).all()
    assert (joined["metrics__clicks"] == joined["clicks"].astype(str)).all()
    assert (joined["metrics__search_top_impression_share"]
            == joined["search_top_impression_share"]).all()
    assert (joined["metrics__search_absolute_top_impression_share"]
            == joined["search_absolute_top_impression_share"]).all()


def search(server: SimulatorServer, customer_id: str, body: dict, headers: dict | None = None):
    if headers is None:
        headers = {"Authorization": f"Bearer {server.tokens['google_ads']}",
                   "developer-token": server.tokens["google_ads_developer"]}
    url = f"{server.base_url}/{settings.API_VERSION}/customers/{customer_id}/googleAds:search"
    return requests.post(url, json=body, headers=headers, timeout=10)


def failure_codes(response: requests.Response) -> list[dict]:
    return [e["errorCode"] for d in response.json()["error"]["details"] for e in d["errors"]]


# -- full loads against the shared simulator -----------------------------------------------------
def test_every_table_loads_and_equals_the_world(simulator, warehouse, pipelines_dir):
    world = simulator.world
    load(simulator, warehouse, pipelines_dir)

    customers = table(warehouse, "customers").set_index("customer__id").sort_index()
    accounts = google(world.accounts).set_index("account_id").sort_index()
    assert list(customers.index) == list(accounts.index)
    assert (customers["customer__currency_code"] == accounts["currency"]).all()
    assert (customers["customer__time_zone"] == accounts["time_zone"]).all()
    assert (customers["customer__descriptive_name"] == accounts["name"]).all()

    campaigns = table(warehouse, "campaigns").set_index("campaign__id").sort_index()
    truth = google(world.campaigns).set_index("campaign_id").sort_index()
    assert list(campaigns.index) == list(truth.index)
    assert (campaigns["campaign__status"] == truth["raw_status"]).all()
    assert (campaigns["campaign__advertising_channel_type"] == truth["campaign_type"]).all()
    assert (campaigns["customer__id"] == truth["account_id"]).all()
    # HubSpot tracking (hsa_*) only on tracked campaigns.
    has_hsa = campaigns["campaign__final_url_suffix"].fillna("").str.contains("hsa_cam=")
    assert (has_hsa == truth["is_tracked"]).all()

    groups = table(warehouse, "ad_groups").set_index("ad_group__id").sort_index()
    truth = google(world.ad_groups).set_index("ad_group_id").sort_index()
    assert list(groups.index) == list(truth.index)
    assert (groups["ad_group__status"] == truth["raw_status"]).all()
    assert (groups["campaign__id"] == truth["campaign_id"]).all()

    ads = table(warehouse, "ads").set_index("ad_group_ad__ad__id").sort_index()
    truth = google(world.ads).set_index("ad_id").sort_index()
    assert list(ads.index) == list(truth.index)
    assert (ads["ad_group_ad__status"] == truth["raw_status"]).all()
    assert (ads["ad_group__id"] == truth["ad_group_id"]).all()
    assert (ads["ad_group_ad__ad__final_urls"].map(json.loads).str[0] == truth["final_url"]).all()
    tracking = (ads["ad_group_ad__ad__final_url_suffix"].fillna("")
                + ads["ad_group_ad__ad__tracking_url_template"].fillna(""))
    tracked_here = pd.Series([f"hsa_ad={i}" in t for i, t in tracking.items()], tracking.index)
    assert (tracked_here == truth["is_tracked"]).all()
    assert ads["ad_group_ad__ad__tracking_url_template"].notna().any()
    assert ads["ad_group_ad__ad__final_url_suffix"].notna().any()

    keywords = table(warehouse, "keywords").set_index("ad_group_criterion__criterion_id")
    truth = world.keywords.set_index("criterion_id")
    keywords = keywords.loc[truth.index]
    assert len(keywords) == len(truth)
    assert (keywords["ad_group_criterion__keyword__text"] == truth["text"]).all()
    assert (keywords["ad_group_criterion__keyword__match_type"] == truth["match_type"]).all()
    assert (keywords["ad_group_criterion__cpc_bid_micros"]
            == truth["cpc_bid_micros"].astype(str)).all()
    assert (keywords["ad_group_criterion__position_estimates__first_page_cpc_micros"]
            == truth["first_page_cpc_micros"].astype(str)).all()
    assert (keywords["ad_group_criterion__position_estimates__top_of_page_cpc_micros"]
            == truth["top_of_page_cpc_micros"].astype(str)).all()

    assert_ad_days_match(table(warehouse, "ad_performance_daily"), world)
    assert_keyword_days_match(table(warehouse, "keyword_performance_daily"), world)


def test_raw_values_keep_the_api_types(simulator, warehouse, pipelines_dir):
    load(simulator, warehouse, pipelines_dir, start_date=END_DATE.isoformat())
    facts = column_types(warehouse, "ad_performance_daily")
    for name in ("customer__id", "ad_group_ad__ad__id", "metrics__impressions",
                 "metrics__clicks", "metrics__cost_micros", "metrics__interactions"):
        assert facts[name] == "VARCHAR", name
    assert facts["metrics__conversions"] == "DOUBLE"
    keywords = column_types(warehouse, "keyword_performance_daily")
    assert keywords["metrics__search_top_impression_share"] == "DOUBLE"
    bids = column_types(warehouse, "keywords")
    assert bids["ad_group_criterion__effective_cpc_bid_micros"] == "VARCHAR"


def test_small_pages_chunks_and_batches_still_load_everything(fresh_simulator, warehouse,
                                                              pipelines_dir):
    google_api = api(fresh_simulator)
    google_api.page_size = 7
    served = []
    handle = google_api.handle
    google_api.handle = lambda request: served.append(request.path) or handle(request)
    load(fresh_simulator, warehouse, pipelines_dir, chunk_days=10, batch_rows=40)
    world = fresh_simulator.world
    rows = len(google(world.ad_daily())) + len(world.keyword_daily())
    assert len(served) > rows / 7
    assert_ad_days_match(table(warehouse, "ad_performance_daily"), world)
    assert_keyword_days_match(table(warehouse, "keyword_performance_daily"), world)
    assert len(table(warehouse, "ads")) == len(google(world.ads))


def test_config_comes_from_dlt_environment_with_dashed_ids(simulator, warehouse, pipelines_dir,
                                                           monkeypatch):
    world = simulator.world
    ids = customer_ids(world)
    env = {
        "SOURCES__GOOGLE_ADS__BASE_URL": simulator.base_url,
        "SOURCES__GOOGLE_ADS__ACCESS_TOKEN": simulator.tokens["google_ads"],
        "SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN": simulator.tokens["google_ads_developer"],
        "SOURCES__GOOGLE_ADS__LOGIN_CUSTOMER_ID": "987-654-3210",
        "SOURCES__GOOGLE_ADS__CUSTOMER_IDS": json.dumps([dashed(c) for c in ids]),
        "SOURCES__GOOGLE_ADS__START_DATE": (END_DATE - dt.timedelta(days=4)).isoformat(),
        "SOURCES__GOOGLE_ADS__END_DATE": END_DATE.isoformat(),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    pipeline = make_pipeline("google_ads", warehouse, pipelines_dir)
    run_source(google_ads().with_resources("customers", "ad_performance_daily"), pipeline)
    assert sorted(table(warehouse, "customers")["customer__id"]) == sorted(ids)
    loaded = table(warehouse, "ad_performance_daily")
    assert loaded["segments__date"].min() == env["SOURCES__GOOGLE_ADS__START_DATE"]
    recent = google(world.ad_daily())
    assert len(loaded) == int((recent["date"] >= env["SOURCES__GOOGLE_ADS__START_DATE"]).sum())


def test_module_entrypoint_loads_into_the_configured_warehouse(simulator, tmp_path):
    world = simulator.world
    warehouse = tmp_path / "cli" / "warehouse.duckdb"
    start = (END_DATE - dt.timedelta(days=2)).isoformat()
    env = {
        **os.environ,
        "ADS_ANALYTICS_WAREHOUSE": str(warehouse),
        "DLT_DATA_DIR": str(tmp_path / "dlt"),
        "SOURCES__GOOGLE_ADS__BASE_URL": simulator.base_url,
        "SOURCES__GOOGLE_ADS__ACCESS_TOKEN": simulator.tokens["google_ads"],
        "SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN": simulator.tokens["google_ads_developer"],
        "SOURCES__GOOGLE_ADS__CUSTOMER_IDS": json.dumps(customer_ids(world)),
        "SOURCES__GOOGLE_ADS__START_DATE": start,
        "SOURCES__GOOGLE_ADS__END_DATE": END_DATE.isoformat(),
    }
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "ingestion.google_ads"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert simulator.tokens["google_ads"] not in done.stdout + done.stderr
    # into the warehouse's build, as a run's loads (the next run's build publishes it)
    loaded = table(WarehouseLayout(warehouse).build, "ad_performance_daily")
    assert len(loaded) == int((google(world.ad_daily())["date"] >= start).sum())


# -- incremental and restatement ---------------------------------------------------------------
def test_rerun_after_restatement_updates_recent_days_and_duplicates_nothing(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    _, pipeline = load(fresh_simulator, warehouse, pipelines_dir)
    before = table(warehouse, "ad_performance_daily")
    assert set(last_days(pipeline, "ad_performance_daily").values()) == {END_DATE.isoformat()}

    fresh_simulator.restate()
    load(fresh_simulator, warehouse, pipelines_dir)
    after = table(warehouse, "ad_performance_daily")
    assert_ad_days_match(after, world)
    assert_keyword_days_match(table(warehouse, "keyword_performance_daily"), world)
    # The restated days really changed, and only they did.
    key = settings.AD_PERFORMANCE_DAILY.key_columns
    merged = before.merge(after, on=key, suffixes=("_old", "_new"))
    changed = merged[merged["metrics__cost_micros_old"] != merged["metrics__cost_micros_new"]]
    cutoff = (END_DATE - dt.timedelta(days=RESTATEMENT_DAYS - 1)).isoformat()
    assert len(changed) > 0
    assert (changed["segments__date"] >= cutoff).all()


def test_incremental_run_pulls_only_the_lookback_window(fresh_simulator, warehouse,
                                                        pipelines_dir):
    load(fresh_simulator, warehouse, pipelines_dir)
    queries = []
    google_api = api(fresh_simulator)
    handle = google_api.handle
    google_api.handle = lambda request: queries.append(request.json()["query"]) or handle(request)
    load(fresh_simulator, warehouse, pipelines_dir, lookback_days=5)
    expected = f"BETWEEN '{END_DATE - dt.timedelta(days=5):%Y-%m-%d}' AND '{END_DATE:%Y-%m-%d}'"
    daily = [q for q in queries if "segments.date" in q]
    assert daily and all(expected in q for q in daily)


# -- faults ------------------------------------------------------------------------------------
def test_rate_limit_with_retry_after_is_honoured_and_loaded(fresh_simulator, warehouse,
                                                           pipelines_dir):
    rule = fresh_simulator.faults.add(kind="rate_limit", api="google_ads", match="googleAds",
                                      times=3, retry_after=0.1)
    started = time.monotonic()
    # A long backoff that only the server's Retry-After can shorten.
    load(fresh_simulator, warehouse, pipelines_dir,
         retry=replace(QUICK, backoff_base=30, backoff_cap=30))
    assert rule.times == 0
    assert time.monotonic() - started < 20
    assert_ad_days_match(table(warehouse, "ad_performance_daily"), fresh_simulator.world)


@pytest.mark.parametrize("kind", ["server_error", "malformed", "slow"])
def test_server_errors_malformed_and_slow_pages_are_retried_and_loaded(
        kind, fresh_simulator, warehouse, pipelines_dir):
    # Slow pages outlast the client's timeout once, then answer in time.
    rule = fresh_simulator.faults.add(kind=kind, api="google_ads", match="googleAds", times=2,
                                      delay=0.6)
    load(fresh_simulator, warehouse, pipelines_dir,
         retry=replace(QUICK, timeout=0.3 if kind == "slow" else 10))
    assert rule.times == 0
    world = fresh_simulator.world
    assert_ad_days_match(table(warehouse, "ad_performance_daily"), world)
    assert_keyword_days_match(table(warehouse, "keyword_performance_daily"), world)


def test_expired_token_fails_fast_without_the_token_and_keeps_earlier_data(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    first = customer_ids(world)[0]
    early = (END_DATE - dt.timedelta(days=10)).isoformat()
    load(fresh_simulator, warehouse, pipelines_dir, customer_ids=[first], end_date=early)
    fresh_simulator.faults.add(kind="expired_token", api="google_ads", times=None)
    started = time.monotonic()
    with pytest.raises(PartialLoadError) as caught:
        # Were auth errors retried, this backoff would take minutes.
        load(fresh_simulator, warehouse, pipelines_dir, customer_ids=[first],
             retry=replace(QUICK, backoff_base=30, backoff_cap=30, max_attempts=6))
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "google_ads" in message and first in message
    assert "OAUTH_TOKEN_EXPIRED" in message
    assert fresh_simulator.tokens["google_ads"] not in message
    assert fresh_simulator.tokens["google_ads_developer"] not in message
    assert all(isinstance(f, AuthError) and f.account == first for f in caught.value.failures)
    # What loaded before the fault is still there, untouched.
    assert_ad_days_match(table(warehouse, "ad_performance_daily"), world, [first], until=early)


@pytest.mark.parametrize("header", ["access_token", "developer_token"])
def test_a_wrong_credential_is_an_auth_error_that_never_prints_it(header, simulator, warehouse,
                                                                  pipelines_dir):
    wrong = "wrong-secret-value-123"
    with pytest.raises(PartialLoadError) as caught:
        load(simulator, warehouse, pipelines_dir, **{header: wrong})
    assert all(isinstance(f, AuthError) for f in caught.value.failures)
    assert "UNAUTHENTICATED" in str(caught.value)
    assert wrong not in str(caught.value)


def test_one_failing_account_does_not_stop_the_others_nor_advance_its_state(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    failing, healthy = customer_ids(world)
    early = (END_DATE - dt.timedelta(days=10)).isoformat()
    load(fresh_simulator, warehouse, pipelines_dir, end_date=early)

    fresh_simulator.faults.add(kind="expired_token", api="google_ads", match=failing, times=None)
    with pytest.raises(PartialLoadError) as caught:
        load(fresh_simulator, warehouse, pipelines_dir)
    assert {f.account for f in caught.value.failures} == {failing}
    loaded = table(warehouse, "ad_performance_daily")
    assert_ad_days_match(loaded, world, [healthy])
    assert_ad_days_match(loaded, world, [failing], until=early)
    pipeline = make_pipeline("google_ads", warehouse, pipelines_dir)
    for resource in ("ad_performance_daily", "keyword_performance_daily"):
        days = last_days(pipeline, resource)
        assert days == {failing: early, healthy: END_DATE.isoformat()}

    fresh_simulator.faults.clear()
    load(fresh_simulator, warehouse, pipelines_dir)
    assert_ad_days_match(table(warehouse, "ad_performance_daily"), world)
    assert_keyword_days_match(table(warehouse, "keyword_performance_daily"), world)


def test_a_new_api_field_lands_as_a_new_column(fresh_simulator, warehouse, pipelines_dir):
    load(fresh_simulator, warehouse, pipelines_dir)
    fresh_simulator.faults.add(kind="new_field", api="google_ads", times=None)
    load(fresh_simulator, warehouse, pipelines_dir)
    loaded = table(warehouse, "ad_performance_daily")
    assert "ad_group_ad__primary_status" in loaded.columns
    # The re-pulled look-back window carries the new field; older rows keep a null there.
    recent = loaded["segments__date"] >= (END_DATE - dt.timedelta(days=30)).isoformat()
    assert (loaded.loc[recent, "ad_group_ad__primary_status"] == "ELIGIBLE").all()
    assert loaded.loc[~recent, "ad_group_ad__primary_status"].isna().all()
    assert "campaign__primary_status" in table(warehouse, "campaigns").columns
    assert_ad_days_match(loaded, fresh_simulator.world)


# -- the simulated API -------------------------------------------------------------------------
def test_simulator_returns_exactly_the_selected_fields_in_google_types(simulator):
    customer = customer_ids(simulator.world)[0]
    query = ("SELECT ad_group_ad.ad.id, segments.date, metrics.cost_micros, metrics.conversions "
             f"FROM ad_group_ad WHERE segments.date = '{END_DATE:%Y-%m-%d}'")
    body = search(simulator, customer, {"query": query}).json()
    assert body["fieldMask"] == (
        "adGroupAd.ad.id,segments.date,metrics.costMicros,metrics.conversions")
    assert "nextPageToken" not in body
    row = body["results"][0]
    assert set(row) == {"adGroupAd", "segments", "metrics"}
    assert set(row["adGroupAd"]) == {"resourceName", "ad"}
    assert row["adGroupAd"]["resourceName"].startswith(f"customers/{customer}/adGroupAds/")
    assert isinstance(row["adGroupAd"]["ad"]["id"], str)
    assert isinstance(row["metrics"]["costMicros"], str)
    assert isinstance(row["metrics"]["conversions"], float)
    truth = google(simulator.world.ad_daily())
    truth = truth[(truth["account_id"] == customer) & (truth["date"] == END_DATE.isoformat())]
    assert len(body["results"]) == len(truth)


def test_simulator_pages_with_tokens_until_the_last_page(fresh_simulator):
    api(fresh_simulator).page_size = 25
    customer = customer_ids(fresh_simulator.world)[0]
    query = "SELECT campaign.id, ad_group.id, ad_group_ad.ad.id FROM ad_group_ad"
    rows, token, pages = [], None, 0
    while True:
        body = search(fresh_simulator, customer,
                      {"query": query, **({"pageToken": token} if token else {})}).json()
        rows += body["results"]
        pages += 1
        token = body.get("nextPageToken")
        if not token:
            break
    ads = google(fresh_simulator.world.ads)
    assert len(rows) == int((ads["account_id"] == customer).sum())
    assert pages == -(-len(rows) // 25)
    bad = search(fresh_simulator, customer, {"query": query + " LIMIT 3", "pageToken": "bm9wZQ"})
    assert bad.status_code == 400
    assert failure_codes(bad) == [{"requestError": "INVALID_PAGE_TOKEN"}]


@pytest.mark.parametrize(("query", "code"), [
    ("SELECT campaign.no_such_field FROM campaign", {"queryError": "UNRECOGNIZED_FIELD"}),
    ("SELECT campaign.id FROM no_such_resource",
     {"queryError": "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"}),
    ("SELECT ad_group_ad.ad.id, segments.date FROM ad_group_ad",
     {"queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"}),
    ("SELECT campaign.id, metrics.clicks FROM campaign",
     {"queryError": "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE"}),
])
def test_simulator_rejects_bad_gaql_in_googles_error_shape(query, code, simulator):
    response = search(simulator, customer_ids(simulator.world)[0], {"query": query})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["@type"].endswith("errors.GoogleAdsFailure")
    assert failure_codes(response) == [code]


def test_simulator_checks_bearer_token_developer_token_and_customer(simulator):
    customer = customer_ids(simulator.world)[0]
    query = {"query": "SELECT customer.id FROM customer"}
    token = simulator.tokens["google_ads"]
    developer = simulator.tokens["google_ads_developer"]
    missing = search(simulator, customer, query, {"developer-token": developer})
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
    no_dev = search(simulator, customer, query, {"Authorization": f"Bearer {token}"})
    assert failure_codes(no_dev) == [{"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"}]
    headers = {"Authorization": f"Bearer {token}", "developer-token": developer}
    denied = search(simulator, "1112223334", query, headers)
    assert denied.status_code == 403
    assert denied.json()["error"]["status"] == "PERMISSION_DENIED"
    dashed_login = search(simulator, customer, query, {**headers, "login-customer-id": "1-2"})
    assert dashed_login.status_code == 400
    ok = search(simulator, customer, query, {**headers, "login-customer-id": "9876543210"})
    assert ok.json()["results"][0]["customer"]["id"] == customer


def test_simulator_filters_orders_and_aggregates(simulator):
    world = simulator.world
    customer = customer_ids(world)[0]
    campaign = google(world.campaigns).query("account_id == @customer")["campaign_id"].iloc[0]
    query = (f"SELECT ad_group.id, metrics.clicks FROM ad_group_ad WHERE campaign.id = {campaign}"
             " AND segments.date BETWEEN '2026-10-01' AND '2026-10-31'"
             " ORDER BY metrics.clicks DESC")
    rows = search(simulator, customer, {"query": query}).json()["results"]
    clicks = [int(r["metrics"]["clicks"]) for r in rows]
    truth = google(world.ad_daily())
    truth = truth[(truth["campaign_id"] == campaign) & (truth["date"] >= "2026-10-01")]
    assert clicks == sorted(clicks, reverse=True)
    assert sum(clicks) == truth["clicks"].sum()
    assert len(rows) == truth["ad_id"].nunique()


def test_gaql_parser_reads_between_in_and_order():
    query = parse_gaql("SELECT campaign.id, segments.date FROM ad_group_ad WHERE segments.date "
                       "BETWEEN '2026-01-01' AND '2026-01-31' AND campaign.status IN ('ENABLED', "
                       "'PAUSED') AND metrics.clicks > 0 ORDER BY segments.date DESC LIMIT 5")
    assert query.resource == "ad_group_ad"
    assert [(c.field, c.op) for c in query.where] == [
        ("segments.date", "BETWEEN"), ("campaign.status", "IN"), ("metrics.clicks", ">")]
    assert query.where[1].value == ("ENABLED", "PAUSED")
    assert query.order == (("segments.date", True),) and query.limit == 5


# -- client pieces -----------------------------------------------------------------------------
def _response(status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = orjson.dumps(body)
    return response


def _google_error(status: int, name: str, code: dict) -> dict:
    return {"error": {"code": status, "message": "m", "status": name, "details": [{
        "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
        "errors": [{"errorCode": code, "message": "detail"}], "requestId": "r1"}]}}


@pytest.mark.parametrize(("status", "name", "code", "expected"), [
    (429, "RESOURCE_EXHAUSTED", {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"}, Outcome.RETRY),
    (500, "INTERNAL", {"internalError": "INTERNAL_ERROR"}, Outcome.RETRY),
    (401, "UNAUTHENTICATED", {"authenticationError": "OAUTH_TOKEN_EXPIRED"}, Outcome.AUTH),
    (403, "PERMISSION_DENIED", {"authorizationError": "USER_PERMISSION_DENIED"}, Outcome.AUTH),
    (400, "INVALID_ARGUMENT", {"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"},
     Outcome.AUTH),
    (400, "INVALID_ARGUMENT", {"authenticationError": "CLIENT_CUSTOMER_ID_INVALID"},
     Outcome.AUTH),
    (400, "INVALID_ARGUMENT", {"queryError": "UNRECOGNIZED_FIELD"}, Outcome.ERROR),
])
def test_google_errors_are_classified(status, name, code, expected):
    assert classify(_response(status, _google_error(status, name, code))) is expected


def test_error_description_names_status_code_and_request_id():
    text = describe_error(_response(401, _google_error(401, "UNAUTHENTICATED",
                                                       {"authenticationError": "X"})))
    assert "UNAUTHENTICATED" in text and "authenticationError=X" in text and "r1" in text


def test_customer_ids_are_a_list_with_or_without_dashes():
    parse_customer_ids = partial(ids, "google_ads", "customer_ids",
                                 normalize=normalize_customer_id)
    assert parse_customer_ids(["123-456-7890", "1112223334"]) == ["1234567890", "1112223334"]
    assert parse_customer_ids([1234567890, "123-456-7890"]) == ["1234567890"]
    assert parse_customer_ids([]) == []
    with pytest.raises(ValueError):
        parse_customer_ids(["act_123"])
    with pytest.raises(InvalidConfiguration, match=r"^google_ads: customer_ids '123-456-7890' "
                                                   r"is not a list of ids"):
        parse_customer_ids("123-456-7890")


def test_rows_flatten_to_snake_case_columns_with_documented_types():
    rows = [{"customer": {"id": "1234567890"}, "adGroup": {"id": "5"},
             "adGroupAd": {"resourceName": "r", "ad": {"id": "1"}},
             "metrics": {"costMicros": "1230000", "conversions": 1.5},
             "segments": {"date": "2026-10-01"}}]
    arrow = rows_to_table(rows, settings.AD_PERFORMANCE_DAILY)
    assert arrow.column("metrics__cost_micros").to_pylist() == ["1230000"]
    assert arrow.column("ad_group_ad__ad__id").to_pylist() == ["1"]
    # Documented columns the page lacked are still there, typed.
    assert str(arrow.schema.field("metrics__impressions").type) == "string"
    assert set(settings.AD_PERFORMANCE_DAILY.columns) <= set(arrow.column_names)


def test_pages_are_batched_into_few_tables():
    page = [{"customer": {"id": str(i)}} for i in range(10)]
    tables = list(batched_tables([page] * 5, settings.CUSTOMERS, batch_rows=25))
    assert [t.num_rows for t in tables] == [30, 20]


def test_a_sparse_advertiser_loads_every_documented_column(warehouse, pipelines_dir):
    """Google's JSON leaves unset optional fields and empty lists out: on a sparse advertiser
    search ads have no name, a customer no descriptive name, keywords no bid of their own, and
    one customer no keywords at all (its query has no `results`). Every column is there."""
    world = World.generate("S", 7, END_DATE, sparse=True)
    with simulator_server(world) as server:
        load(server, warehouse, pipelines_dir)
    for name, declared in settings.TABLES.items():
        types = column_types(warehouse, name)
        assert set(declared.columns) <= set(types), name
    assert table(warehouse, "customers")["customer__descriptive_name"].isna().any()
    ads = table(warehouse, "ads")
    assert ads["ad_group_ad__ad__name"].isna().any()
    keywords = table(warehouse, "keywords")
    assert keywords["ad_group_criterion__cpc_bid_micros"].isna().any()
    assert keywords["ad_group_criterion__effective_cpc_bid_micros"].notna().all()
    without = set(customer_ids(world)) - set(keywords["customer__id"])
    assert len(without) == 1
    daily = table(warehouse, "ad_performance_daily")
    assert daily["metrics__clicks"].isna().any() and daily["metrics__cost_micros"].notna().all()


# -- the days each request asked for; a failing customer (payloads written by hand from the
# Google Ads API's documented REST shapes) --
HW_CUSTOMER = {"resourceName": "customers/1234567890", "id": "1234567890"}
HW_CAMPAIGN = {"resourceName": "customers/1234567890/campaigns/111", "id": "111"}
HW_AD_GROUP = {"resourceName": "customers/1234567890/adGroups/222", "id": "222"}


def hw_metric_row(resource: str, day: str, cost_micros: str) -> dict:
    """One row of a date-segmented report, as googleAds:search renders it (int64 as text)."""
    row = {"customer": HW_CUSTOMER, "campaign": HW_CAMPAIGN, "adGroup": HW_AD_GROUP,
           "segments": {"date": day},
           "metrics": {"impressions": "10", "clicks": "1", "costMicros": cost_micros}}
    if resource == "ad_group_ad":
        row["adGroupAd"] = {"resourceName": "customers/1234567890/adGroupAds/222~333",
                            "ad": {"resourceName": "customers/1234567890/ads/333", "id": "333"}}
    else:
        row["adGroupCriterion"] = {
            "resourceName": "customers/1234567890/adGroupCriteria/222~444", "criterionId": "444"}
    return row


def google_ignoring_the_date_range(request):
    """Every date-segmented query answered with the same three days, whatever its BETWEEN asked
    for; the other queries match nothing (a response without `results`)."""
    query = request.body["query"]
    resource = query.split(" FROM ")[1].split()[0]
    answer = {"fieldMask": "segments.date", "requestId": "hw-1"}
    if "segments.date" in query:
        answer["results"] = [hw_metric_row(resource, "2026-05-03", "1000000"),
                             hw_metric_row(resource, "2026-05-04", "2000000"),
                             hw_metric_row(resource, "2026-05-05", "4000000")]
    return 200, answer


def test_report_rows_keep_only_the_days_each_request_asked_for_and_say_what_was_dropped(
        warehouse, pipelines_dir, caplog):
    with Loopback(google_ignoring_the_date_range) as api:
        source = google_ads(customer_ids=["123-456-7890"], access_token="ya29.handwritten",
                            developer_token="dev-handwritten", base_url=api.base_url,
                            start_date="2026-05-04", end_date="2026-05-05", chunk_days=1,
                            **QUICK_RETRIES)
        with caplog.at_level("WARNING"):
            run_source(source, make_pipeline("google_ads", warehouse, pipelines_dir))
    for name in ("ad_performance_daily", "keyword_performance_daily"):
        loaded = table(warehouse, name).sort_values("segments__date")
        assert loaded[["segments__date", "metrics__cost_micros"]].values.tolist() == [
            ["2026-05-04", "2000000"], ["2026-05-05", "4000000"]], name
    dropped = dropped_days(caplog.records)
    assert len(dropped) == 4, dropped  # two reports, two one-day requests each
    assert all(m.startswith("google_ads: account 1234567890: ") for m in dropped)
    assert all("2 rows" in m and "2026-05-03 (1)" in m for m in dropped)
    windows = table(warehouse, "load_windows").sort_values("report")
    assert windows[["report", "account_id", "start_date", "end_date"]].values.tolist() == [
        ["ad_performance_daily", "1234567890", "2026-05-04", "2026-05-05"],
        ["keyword_performance_daily", "1234567890", "2026-05-04", "2026-05-05"]]


def google_refusing_one_customer(request):
    """Customer 111-111-1111 is not reachable with these credentials (Google's documented
    PERMISSION_DENIED body); 123-456-7890 answers with a day of metrics."""
    if "/customers/1111111111/" in request.path:
        return 403, {"error": {
            "code": 403, "status": "PERMISSION_DENIED",
            "message": "The caller does not have permission",
            "details": [{"@type": "type.googleapis.com/google.ads.googleads.v21.errors."
                                  "GoogleAdsFailure",
                         "errors": [{"errorCode": {"authorizationError":
                                                   "USER_PERMISSION_DENIED"},
                                     "message": "User doesn't have permission to access "
                                                "customer."}],
                         "requestId": "hw-2"}]}}
    query = request.body["query"]
    answer = {"fieldMask": "customer.id", "requestId": "hw-3"}
    if "segments.date" in query:
        resource = query.split(" FROM ")[1].split()[0]
        answer["results"] = [hw_metric_row(resource, "2026-05-05", "4000000")]
    return 200, answer


def test_a_failing_customer_is_named_once_and_skipped_for_the_rest_of_the_run(
        warehouse, pipelines_dir):
    with Loopback(google_refusing_one_customer) as api:
        source = google_ads(customer_ids=["111-111-1111", "123-456-7890"],
                            access_token="ya29.handwritten", developer_token="dev-handwritten",
                            base_url=api.base_url, start_date="2026-05-05",
                            end_date="2026-05-05", **QUICK_RETRIES)
        with pytest.raises(PartialLoadError) as caught:
            run_source(source, make_pipeline("google_ads", warehouse, pipelines_dir))
    [failure] = caught.value.failures
    assert failure.account == "1111111111" and "USER_PERMISSION_DENIED" in str(caught.value)
    assert "parts of the load failed" not in str(caught.value)
    # one request found the customer failing; nothing else was asked of it
    assert [r.path for r in api.requests if "1111111111" in r.path] == [
        "/v21/customers/1111111111/googleAds:search"]
    assert table(warehouse, "ad_performance_daily")["customer__id"].tolist() == ["1234567890"]


def test_reports_are_read_one_at_a_time_with_their_chunks_ahead(simulator, warehouse,
                                                                 pipelines_dir, monkeypatch):
    """dlt reads each report (customer and table) to its end before the next, so what is read
    ahead is one report's chunks: at most two chunks open at once (each with its thread and its
    pages read ahead), not two for every customer and table. (dlt's default took turns between
    all of them: at size L, replayed, 86 pages in 17 threads and 1.3 GB resident against 9 pages
    in 4 threads and 755 MiB.)"""
    open_now = most = 0
    lock = threading.Lock()
    start, close = prefetch._Ahead.__init__, prefetch._Ahead.close

    def opened(self, *args, **kwargs):
        nonlocal open_now, most
        start(self, *args, **kwargs)
        with lock:
            open_now += 1
            most = max(most, open_now)

    def closed(self):
        nonlocal open_now
        close(self)
        with lock:
            open_now -= 1

    monkeypatch.setattr(prefetch._Ahead, "__init__", opened)
    monkeypatch.setattr(prefetch._Ahead, "close", closed)
    # Each customer's 45 days of each table in five chunks, and handed on in batches of 100 rows:
    # each report yields many times (at size L its 50,000-row batches do), so dlt could take
    # turns between them
    load(simulator, warehouse, pipelines_dir, chunk_days=10, batch_rows=100)
    assert len(customer_ids(simulator.world)) == 2
    assert most == CONCURRENT_CHUNKS, most  # 8 when dlt took turns (checked)
    assert_ad_days_match(table(warehouse, "ad_performance_daily"), simulator.world)
