"""The semantic layer (dbt semantic models and metrics, MetricFlow spec): what `dbt parse` makes
of it, and what MetricFlow and the documented SQL (docs/semantic-layer.md) compute from it on
a small hand-built `marts` schema whose answers are worked out by hand below."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

from orchestration.paths import DBT_PROJECT_DIR, REPO_ROOT, WAREHOUSE_ENV

JAN_1, JAN_2, FEB_1 = dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 2, 1)
JANUARY = (dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 31))
ONE_MODEL = "{{ Entity('attribution_model') }} = '%s'"

# The campaign fact's additive columns (docs/data-contract.md, Metrics), each a measure and a
# simple metric.
CAMPAIGN_MEASURES = [
    "impressions", "clicks", "spend", "spend_company_currency", "engagements", "likes",
    "network_conversions", "sessions", "contacts", "leads", "mqls", "sqls", "opportunities",
    "customers", "deals", "revenue_company_currency", "estimated_revenue_company_currency",
]
RATIOS = {
    "ctr": ("clicks", "impressions"),
    "cpc": ("spend_company_currency", "clicks"),
    "cost_per_session": ("spend_company_currency", "sessions"),
    "cost_per_contact": ("spend_company_currency", "contacts"),
    "cost_per_lead": ("spend_company_currency", "leads"),
    "cost_per_mql": ("spend_company_currency", "mqls"),
    "cost_per_sql": ("spend_company_currency", "sqls"),
    "cost_per_opportunity": ("spend_company_currency", "opportunities"),
    "cost_per_deal": ("spend_company_currency", "deals"),
    "cost_per_distinct_contact": ("spend_company_currency", "distinct_contacts"),
    "ad_ctr": ("ad_clicks", "ad_impressions"),
    "ad_cpc": ("ad_spend_company_currency", "ad_clicks"),
    "ad_cost_per_session": ("ad_spend_company_currency", "ad_sessions"),
    "keyword_ctr": ("keyword_clicks", "keyword_impressions"),
    "keyword_cpc": ("keyword_spend_company_currency", "keyword_clicks"),
    "keyword_conversion_rate": ("keyword_conversions", "keyword_interactions"),
}

# --- the hand-built marts ---------------------------------------------------------------------
# Campaign `c1` exists on Facebook and on Google: the entities must keep them apart. Google's
# `c2` is untracked (CRM metrics null). 1 February lies outside every January query.
CAMPAIGNS = [  # network, ad_account_id, campaign_id, campaign_name, type, status, is_tracked
    ("facebook", "111", "c1", "Spring leads", "LEAD_GENERATION", "active", True),
    ("google", "222", "c1", "Brand search", "SEARCH", "active", True),
    ("google", "222", "c2", "Display", "DISPLAY", "paused", False),
]
NETWORK_DAYS = {  # (network, campaign, day): impressions, clicks, spend, spend_company_currency
    ("facebook", "c1", JAN_1): (1000, 10, 9, 10),
    ("facebook", "c1", JAN_2): (3000, 90, 45, 50),
    ("facebook", "c1", FEB_1): (5000, 500, 450, 500),
    ("google", "c1", JAN_1): (100, 5, 20, 20),
    ("google", "c1", JAN_2): (100, 25, 30, 30),
    ("google", "c2", JAN_1): (400, 4, 8, 8),
    ("google", "c2", JAN_2): (600, 6, 12, 12),
}
# (model, network, campaign, day): sessions, contacts, customers, deals, revenue, estimated
CRM_DAYS = {
    ("first_form_submission", "facebook", "c1", JAN_1): (4, 2, 0, 0, 0, 200),
    ("first_form_submission", "facebook", "c1", JAN_2): (6, 3, 1, 1, 150, 300),
    ("first_form_submission", "facebook", "c1", FEB_1): (9, 9, 0, 0, 0, 900),
    ("first_form_submission", "google", "c1", JAN_1): (2, 1, 1, 1, 25, 100),
    ("linear", "facebook", "c1", JAN_1): (4, 1.5, 0, 0, 0, 150),
    ("linear", "facebook", "c1", JAN_2): (6, 2.5, 0.5, 0.5, 75, 250),
    ("linear", "google", "c1", JAN_1): (2, 0.5, 0.5, 0.5, 12.5, 50),
    ("linear", "google", "c1", JAN_2): (0, 0.5, 0, 0, 0, 50),
}
MODELS = ("first_form_submission", "linear", "all_interactions")
ADS = [  # network, account, campaign, ad_group, ad, ad_name, day, impressions, clicks, spend
    ("facebook", "111", "c1", "s1", "a1", "Carousel", JAN_1, 600, 6, 6),
    ("facebook", "111", "c1", "s1", "a2", "Video", JAN_1, 400, 4, 4),
    ("facebook", "111", "c1", "s1", "a1", "Carousel", JAN_2, 1000, 40, 20),
    ("facebook", "111", "c1", "s1", "a2", "Video", JAN_2, 2000, 50, 30),
]
KEYWORDS = [  # ad_group_id, keyword_id, text, match_type, day, imps, clicks, spend, conv, inter
    ("g1", "k1", "ads analytics", "EXACT", JAN_1, 60, 3, 12, 1, 4),
    ("g1", "k1", "ads analytics", "EXACT", JAN_2, 40, 17, 18, 2, 16),
    ("g2", "k1", "marketing reports", "BROAD", JAN_1, 40, 2, 8, 0, 2),
    ("g2", "k1", "marketing reports", "BROAD", JAN_2, 60, 8, 12, 3, 8),
]
# all_interactions: contact A is credited to both Facebook ads and to Google's c1, B to one
# Facebook ad; C converted through a channel, not an ad.
CONTACT_CREDITS = [  # model, contact, network, campaign, ad_group, ad, keyword, stage
    ("all_interactions", "A", "facebook", "c1", "s1", "a1", None, "customer"),
    ("all_interactions", "A", "facebook", "c1", "s1", "a2", None, "customer"),
    ("all_interactions", "A", "google", "c1", "g1", "x1", "k1", "customer"),
    ("all_interactions", "B", "facebook", "c1", "s1", "a1", None, "lead"),
    ("all_interactions", "C", None, None, None, None, None, "lead"),
]

TABLES = {
    "dim_ad_accounts": "network varchar, ad_account_id varchar, ad_account_name varchar, "
                       "currency_code varchar, time_zone varchar, is_time_zone_aligned boolean",
    "dim_campaigns": "network varchar, ad_account_id varchar, campaign_id varchar, "
                     "campaign_name varchar, campaign_type varchar, status varchar, "
                     "is_tracked boolean",
    "dim_ads": "network varchar, ad_id varchar, ad_name varchar, ad_group_id varchar, "
               "ad_group_name varchar, status varchar, is_tracked boolean",
    "dim_keywords": "network varchar, campaign_id varchar, campaign_name varchar, "
                    "ad_group_id varchar, ad_group_name varchar, keyword_id varchar, "
                    "keyword_text varchar, match_type varchar, status varchar, "
                    "max_cpc decimal(18, 6), first_page_cpc decimal(18, 6), "
                    "top_of_page_cpc decimal(18, 6)",
    "fct_campaign_performance_daily":
        "attribution_model varchar, network varchar, ad_account_id varchar, "
        "campaign_id varchar, date_day date, impressions bigint, clicks bigint, "
        "spend decimal(18, 6), spend_company_currency decimal(18, 6), engagements bigint, "
        "likes bigint, network_conversions decimal(18, 4), sessions bigint, contacts double, "
        "leads double, mqls double, sqls double, opportunities double, customers double, "
        "deals double, revenue_company_currency decimal(18, 6), "
        "estimated_revenue_company_currency decimal(18, 6)",
    "fct_ad_performance_daily":
        "network varchar, ad_account_id varchar, campaign_id varchar, ad_group_id varchar, "
        "ad_id varchar, date_day date, impressions bigint, clicks bigint, "
        "spend decimal(18, 6), spend_company_currency decimal(18, 6), engagements bigint, "
        "likes bigint, network_conversions decimal(18, 4), sessions bigint",
    "fct_keyword_performance_daily":
        "network varchar, ad_account_id varchar, campaign_id varchar, ad_group_id varchar, "
        "keyword_id varchar, date_day date, impressions bigint, clicks bigint, "
        "spend decimal(18, 6), spend_company_currency decimal(18, 6), "
        "conversions decimal(18, 4), interactions bigint",
    "fct_contact_attribution":
        "attribution_model varchar, contact_id varchar, network varchar, "
        "ad_account_id varchar, campaign_id varchar, ad_group_id varchar, ad_id varchar, "
        "keyword_id varchar, lifecycle_stage varchar, attributed_date date",
    "metricflow_time_spine": "date_day date",
}


def _campaign_rows() -> list[tuple]:
    tracked = {(c[0], c[2]): c[6] for c in CAMPAIGNS}
    accounts = {c[0]: c[1] for c in CAMPAIGNS}
    keys = {(m, n, c, d) for n, c, d in NETWORK_DAYS for m in MODELS} | set(CRM_DAYS)
    rows = []
    for model, network, campaign, day in sorted(keys):
        imps, clicks, spend, spend_cc = NETWORK_DAYS.get((network, campaign, day), (0, 0, 0, 0))
        crm: tuple[Any, ...] = CRM_DAYS.get((model, network, campaign, day), (0,) * 6)
        if not tracked[(network, campaign)]:
            crm = (None,) * 6
        sessions, contacts, customers, deals, revenue, estimated = crm
        rows.append((model, network, accounts[network], campaign, day, imps, clicks, spend,
                     spend_cc, 0, 0, 0, sessions, contacts, 0, 0, 0, 0, customers, deals,
                     revenue, estimated))
    return rows


def build_marts(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for table, columns in TABLES.items():
            con.execute(f"create table marts.{table} ({columns})")

        def insert(table: str, rows: list[tuple]) -> None:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"insert into marts.{table} values ({marks})", rows)

        insert("dim_ad_accounts", [("facebook", "111", "FB", "EUR", "Europe/Berlin", False),
                                   ("google", "222", "G", "USD", "America/New_York", True)])
        insert("dim_campaigns", [(n, a, c, name, kind, status, tracked)
                                 for n, a, c, name, kind, status, tracked in CAMPAIGNS])
        insert("fct_campaign_performance_daily", _campaign_rows())
        insert("dim_ads", sorted({(n, ad, name, group, "Set 1", "active", True)
                                  for n, _, _, group, ad, name, *_ in ADS}))
        insert("fct_ad_performance_daily",
               [(n, a, c, g, ad, day, imps, clicks, spend, spend, None, None, 0, None)
                for n, a, c, g, ad, _, day, imps, clicks, spend in ADS])
        insert("dim_keywords", sorted({("google", "c1", "Brand search", group, group.upper(), kw,
                                        text, match, "active", 1, 0.5, 2)
                                       for group, kw, text, match, *_ in KEYWORDS}))
        insert("fct_keyword_performance_daily",
               [("google", "222", "c1", group, kw, day, imps, clicks, spend, spend, conv, inter)
                for group, kw, _, _, day, imps, clicks, spend, conv, inter in KEYWORDS])
        insert("fct_contact_attribution",
               [(m, contact, n, {"facebook": "111", "google": "222"}.get(n), c, g, ad, kw,
                 stage, JAN_2) for m, contact, n, c, g, ad, kw, stage in CONTACT_CREDITS])
        insert("metricflow_time_spine", [(JAN_1 + dt.timedelta(days=i),) for i in range(32)])


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict[str, Any]:
    """`dbt parse` of the project into its own target folder: the manifest and the semantic
    manifest MetricFlow reads. The warehouse file is named as the profile names it, so the
    relations the semantic manifest names are the hand-built ones."""
    workdir = tmp_path_factory.mktemp("semantic")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WAREHOUSE_ENV, str(workdir / "warehouse.duckdb"))
        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
             str(DBT_PROJECT_DIR), "--target-path", str(workdir / "target"),
             "--log-path", str(workdir / "logs"), "--quiet"])
    assert result.success, result.exception
    target = workdir / "target"
    return {
        "workdir": workdir,
        "manifest": json.loads((target / "manifest.json").read_text()),
        "semantic_manifest": (target / "semantic_manifest.json").read_text(),
    }


@pytest.fixture(scope="module")
def warehouse(parsed) -> Iterator[duckdb.DuckDBPyConnection]:
    path = parsed["workdir"] / "warehouse.duckdb"
    build_marts(path)
    with duckdb.connect(str(path), read_only=True) as con:
        yield con


class _DuckDb:
    """What MetricFlow needs to write DuckDB SQL; the tests run that SQL themselves."""

    sql_engine_type = SqlEngine.DUCKDB
    sql_plan_renderer = DuckDbSqlPlanRenderer()


@pytest.fixture(scope="module")
def engine(parsed) -> MetricFlowEngine:
    manifest = parse_manifest_from_dbt_generated_manifest(parsed["semantic_manifest"])
    return MetricFlowEngine(SemanticManifestLookup(manifest), _DuckDb())


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def mf_query(engine: MetricFlowEngine, con: duckdb.DuckDBPyConnection, metrics: list[str],
             group_by: list[str] | None = None, where: list[str] | None = None,
             saved_query: str | None = None) -> list[dict[str, Any]]:
    """A MetricFlow query over January (as `mf query --start-time --end-time`), run on DuckDB."""
    request = MetricFlowQueryRequest.create(
        saved_query_name=saved_query, metric_names=metrics or None, group_by_names=group_by,
        where_constraints=where, time_constraint_start=JANUARY[0],
        time_constraint_end=JANUARY[1], order_by_names=group_by)
    return _rows(con, engine.explain(request).sql_statement.sql)


def _close(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(rows) == len(expected), rows
    for row, want in zip(rows, expected, strict=True):
        assert set(want) <= set(row), (row, want)
        for key, value in want.items():
            if value is None or isinstance(value, str):
                assert row[key] == value, (key, row, want)
            else:
                assert float(row[key]) == pytest.approx(value), (key, row, want)


# --- what dbt parses --------------------------------------------------------------------------

def _semantic_models(parsed) -> dict[str, dict]:
    return {node["name"]: node for node in parsed["manifest"]["semantic_models"].values()}


def _metrics(parsed) -> dict[str, dict]:
    return {node["name"]: node for node in parsed["manifest"]["metrics"].values()}


def test_semantic_models_sit_on_the_marts_they_describe(parsed):
    models = _semantic_models(parsed)
    on = {name: node["depends_on"]["nodes"] for name, node in models.items()}
    assert on == {
        "campaign_performance": ["model.ads_analytics.fct_campaign_performance_daily"],
        "ad_performance": ["model.ads_analytics.fct_ad_performance_daily"],
        "keyword_performance": ["model.ads_analytics.fct_keyword_performance_daily"],
        "contact_attribution": ["model.ads_analytics.fct_contact_attribution"],
        "campaigns": ["model.ads_analytics.dim_campaigns"],
        "ad_accounts": ["model.ads_analytics.dim_ad_accounts"],
        "ads": ["model.ads_analytics.dim_ads"],
        "keywords": ["model.ads_analytics.dim_keywords"],
    }
    campaign = models["campaign_performance"]
    assert {d["name"]: d["type"] for d in campaign["dimensions"]} == {
        "date_day": "time", "network": "categorical"}


def test_a_campaign_is_its_network_and_id_and_a_keyword_its_ad_group_and_id(parsed):
    models = _semantic_models(parsed)
    entities = {(model, e["name"]): (e["type"], e["expr"])
                for model, node in models.items() for e in node["entities"]}
    assert entities[("campaigns", "campaign")] == ("primary", "network || '|' || campaign_id")
    assert entities[("campaign_performance", "campaign")] == (
        "foreign", "network || '|' || campaign_id")
    assert entities[("ad_accounts", "ad_account")] == (
        "primary", "network || '|' || ad_account_id")
    assert entities[("campaign_performance", "ad_account")][0] == "foreign"
    assert entities[("keywords", "keyword")] == ("primary", "ad_group_id || '|' || keyword_id")


def test_the_attribution_model_is_an_entity_of_both_per_model_facts_and_the_key_of_neither(
        parsed):
    """One filter then reaches the metrics of both facts, and the facts are never joined."""
    entities = {(model, e["name"]): e["type"] for model, node in _semantic_models(parsed).items()
                for e in node["entities"]}
    having = {model: kind for (model, name), kind in entities.items()
              if name == "attribution_model"}
    assert having == {"campaign_performance": "foreign", "contact_attribution": "foreign"}


def test_every_additive_column_of_the_campaign_fact_is_a_summed_measure_and_a_metric(parsed):
    measures = _semantic_models(parsed)["campaign_performance"]["measures"]
    assert [m["name"] for m in measures] == CAMPAIGN_MEASURES
    assert {m["agg"] for m in measures} == {"sum"}
    metrics = _metrics(parsed)
    for name in CAMPAIGN_MEASURES:
        assert metrics[name]["type"] == "simple", name
        assert metrics[name]["type_params"]["measure"]["name"] == name


def test_ratio_metrics_divide_their_documented_parts(parsed):
    metrics = _metrics(parsed)
    ratios = {name: (m["type_params"]["numerator"]["name"],
                     m["type_params"]["denominator"]["name"])
              for name, m in metrics.items() if m["type"] == "ratio"}
    assert ratios == RATIOS


def test_roi_is_revenue_less_spend_over_spend_under_each_roi_setting(parsed):
    metrics = _metrics(parsed)
    for name, revenue in (("roi", "revenue_company_currency"),
                          ("roi_estimate", "estimated_revenue_company_currency")):
        params = metrics[name]["type_params"]
        assert metrics[name]["type"] == "derived"
        assert {m["name"] for m in params["metrics"]} == {revenue, "spend_company_currency"}
        assert " ".join(params["expr"].split()) == (
            f"({revenue} - spend_company_currency) / nullif(spend_company_currency, 0)")


def test_every_metric_over_a_per_model_fact_says_to_keep_one_attribution_model(parsed):
    metrics = _metrics(parsed)
    per_model = {"campaign_performance", "contact_attribution"}
    measure_model = {measure["name"]: name for name, node in _semantic_models(parsed).items()
                     for measure in node["measures"]}
    for name, metric in metrics.items():
        sources = {measure_model[m["name"]] for m in metric["type_params"]["input_measures"]}
        if sources & per_model:
            assert metric["config"]["meta"] == {"attribution_model": "one"}, name
            assert "attribution_model" in metric["description"], name
        else:
            assert "attribution_model" not in metric["config"]["meta"], name


def test_the_time_spine_is_daily_and_built_after_the_campaign_fact(parsed):
    spine = parsed["manifest"]["nodes"]["model.ads_analytics.metricflow_time_spine"]
    assert spine["depends_on"]["nodes"] == [
        "model.ads_analytics.fct_campaign_performance_daily"]
    assert spine["time_spine"]["standard_granularity_column"] == "date_day"
    assert spine["columns"]["date_day"]["granularity"] == "day"
    configured = json.loads(parsed["semantic_manifest"])["project_configuration"]
    assert [s["primary_column"] for s in configured["time_spines"]] == [
        {"name": "date_day", "time_granularity": "day"}]


# --- what MetricFlow computes -----------------------------------------------------------------
# January, first_form_submission. Facebook: 4000 impressions, 100 clicks, spend 60, contacts 5.
# Google: c1 and c2 together 1200 impressions, 40 clicks, spend 70 (untracked c2's 20 too, as
# in the reports), contacts 1 (c1 only). 1 February is left out.
NETWORKS_FIRST_FORM = [
    {"campaign__network": "facebook", "spend_company_currency": 60, "impressions": 4000,
     "clicks": 100, "ctr": 100 / 4000, "cpc": 60 / 100, "contacts": 5,
     "cost_per_contact": 60 / 5, "cost_per_session": 60 / 10},
    {"campaign__network": "google", "spend_company_currency": 70, "impressions": 1200,
     "clicks": 40, "ctr": 40 / 1200, "cpc": 70 / 40, "contacts": 1,
     "cost_per_contact": 70 / 1, "cost_per_session": 70 / 2},
]


def test_ctr_over_two_days_is_their_clicks_over_their_impressions(engine, warehouse):
    """Facebook: 10/1000 then 90/3000; over both days 100/4000 = 2.5%, not the 2% mean."""
    rows = mf_query(engine, warehouse, ["ctr"], ["campaign__network"],
                    [ONE_MODEL % "first_form_submission"])
    assert rows[0]["campaign__network"] == "facebook"
    assert rows[0]["ctr"] == pytest.approx(0.025)


def test_spend_ctr_cpc_and_cost_per_contact_by_network_under_one_model(engine, warehouse):
    metrics = ["spend_company_currency", "impressions", "clicks", "ctr", "cpc", "contacts",
               "cost_per_contact", "cost_per_session"]
    rows = mf_query(engine, warehouse, metrics, ["campaign__network"],
                    [ONE_MODEL % "first_form_submission"])
    _close(rows, NETWORKS_FIRST_FORM)


def test_another_model_changes_the_crm_metrics_not_the_network_metrics(engine, warehouse):
    rows = mf_query(engine, warehouse, ["spend_company_currency", "clicks", "contacts",
                                        "cost_per_contact"],
                    ["campaign__network"], [ONE_MODEL % "linear"])
    _close(rows, [
        {"campaign__network": "facebook", "spend_company_currency": 60, "clicks": 100,
         "contacts": 4, "cost_per_contact": 15},
        {"campaign__network": "google", "spend_company_currency": 70, "clicks": 40,
         "contacts": 1, "cost_per_contact": 70},
    ])


def test_without_one_model_sums_count_every_models_copy(engine, warehouse):
    """Why every campaign metric says to keep one model: three models here, so three times
    the clicks (CTR, a ratio of two tripled sums, is unharmed)."""
    rows = mf_query(engine, warehouse, ["clicks", "ctr"], ["campaign__network"])
    assert [row["clicks"] for row in rows] == [300, 120]
    assert rows[0]["ctr"] == pytest.approx(0.025)


ROI_BY_CAMPAIGN = [
    # Facebook c1: revenue 150, spend 60; estimated 500. Google c1: 25 against 50; estimated
    # 100. Google c2 is untracked: no revenue, no ROI.
    {"campaign__network": "facebook", "campaign__campaign_name": "Spring leads",
     "spend_company_currency": 60, "revenue_company_currency": 150, "roi": 1.5,
     "roi_estimate": (500 - 60) / 60},
    {"campaign__network": "google", "campaign__campaign_name": "Brand search",
     "spend_company_currency": 50, "revenue_company_currency": 25, "roi": -0.5,
     "roi_estimate": 1.0},
    {"campaign__network": "google", "campaign__campaign_name": "Display",
     "spend_company_currency": 20, "revenue_company_currency": None, "roi": None,
     "roi_estimate": None},
]


def test_roi_by_campaign_keeps_same_ids_of_two_networks_apart(engine, warehouse):
    rows = mf_query(engine, warehouse, ["spend_company_currency", "revenue_company_currency",
                                        "roi", "roi_estimate"],
                    ["campaign__network", "campaign__campaign_name"],
                    [ONE_MODEL % "first_form_submission"])
    rows.sort(key=lambda row: (row["campaign__network"], -row["spend_company_currency"]))
    _close(rows, ROI_BY_CAMPAIGN)


KEYWORDS_JANUARY = [
    # g1/k1: 100 impressions, 20 clicks, spend 30, 3 conversions of 20 interactions;
    # g2/k1 (the same criterion id in another ad group): 100, 10, 20, 3 of 10.
    {"keyword__keyword_text": "ads analytics", "keyword_ctr": 0.2, "keyword_cpc": 1.5,
     "keyword_conversion_rate": 0.15},
    {"keyword__keyword_text": "marketing reports", "keyword_ctr": 0.1, "keyword_cpc": 2.0,
     "keyword_conversion_rate": 0.3},
]


def test_keyword_metrics_per_keyword_need_no_attribution_model(engine, warehouse):
    rows = mf_query(engine, warehouse, ["keyword_ctr", "keyword_cpc", "keyword_conversion_rate"],
                    ["keyword__keyword_text"])
    _close(rows, KEYWORDS_JANUARY)


def test_ad_metrics_per_ad_need_no_attribution_model(engine, warehouse):
    rows = mf_query(engine, warehouse, ["ad_impressions", "ad_ctr", "ad_cpc"], ["ad__ad_name"])
    _close(rows, [
        {"ad__ad_name": "Carousel", "ad_impressions": 1600, "ad_ctr": 46 / 1600,
         "ad_cpc": 26 / 46},
        {"ad__ad_name": "Video", "ad_impressions": 2400, "ad_ctr": 54 / 2400, "ad_cpc": 34 / 54},
    ])


def test_distinct_contacts_count_a_contact_once_whatever_it_was_credited_to(engine, warehouse):
    """A: both Facebook ads and Google's c1; B: one Facebook ad; C: a channel, no ad. The
    spend beside them comes from the campaign fact, under the same one filter."""
    where = [ONE_MODEL % "all_interactions"]
    by_network = mf_query(engine, warehouse, ["distinct_contacts", "cost_per_distinct_contact"],
                          ["campaign__network"], where)
    _close(by_network, [
        {"campaign__network": "facebook", "distinct_contacts": 2,
         "cost_per_distinct_contact": 60 / 2},
        {"campaign__network": "google", "distinct_contacts": 1,
         "cost_per_distinct_contact": 70 / 1},
    ])
    assert mf_query(engine, warehouse, ["distinct_contacts"], [], where) == [
        {"distinct_contacts": 2}]


def test_the_saved_queries_run(engine, warehouse):
    rows = mf_query(engine, warehouse, [], saved_query="network_performance_daily")
    facebook = sorted((str(r["metric_time__day"])[:10], r["ctr"], r["cost_per_contact"])
                      for r in rows if r["campaign__network"] == "facebook")
    assert facebook == [("2026-01-01", pytest.approx(0.01), pytest.approx(5)),
                        ("2026-01-02", pytest.approx(0.03), pytest.approx(50 / 3))]
    roi = mf_query(engine, warehouse, [], saved_query="campaign_roi")
    assert sorted((r["campaign__campaign_name"], r["roi"]) for r in roi) == [
        ("Brand search", -0.5), ("Display", None), ("Spring leads", 1.5)]


# --- the documented SQL ---------------------------------------------------------------------

def readme_examples() -> dict[str, str]:
    """The SQL blocks of docs/semantic-layer.md, by their first line."""
    section = (REPO_ROOT / "docs" / "semantic-layer.md").read_text()
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    return {block.splitlines()[0].removeprefix("-- "): block for block in blocks}


def _as_readme_names(rows: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    return [{names.get(key, key): value for key, value in row.items()} for row in rows]


def test_the_readme_sql_gives_the_semantic_layers_numbers(warehouse):
    examples = readme_examples()
    network = "spend, CTR, CPC and cost per contact by network: January 2026, first_form_submission"
    roi = "ROI by campaign under both ROI settings: January 2026, first_form_submission"
    keywords = "keyword CTR, CPC and conversion rate: January 2026 (Google; no attribution model)"
    contacts = "distinct contacts by network: January 2026, all_interactions"
    assert set(examples) == {network, roi, keywords, contacts}
    _close(_rows(warehouse, examples[network]), _as_readme_names(
        [{k: v for k, v in row.items() if k != "cost_per_session"} for row in NETWORKS_FIRST_FORM],
        {"campaign__network": "network"}))
    _close(_rows(warehouse, examples[roi]), _as_readme_names(
        ROI_BY_CAMPAIGN, {"campaign__network": "network",
                          "campaign__campaign_name": "campaign_name"}))
    _close(_rows(warehouse, examples[keywords]), _as_readme_names(
        KEYWORDS_JANUARY, {"keyword__keyword_text": "keyword_text", "keyword_ctr": "ctr",
                           "keyword_cpc": "cpc", "keyword_conversion_rate": "conversion_rate"}))
    assert [(r["network"], r["distinct_contacts"]) for r in _rows(warehouse, examples[contacts])
            ] == [("facebook", 2), ("google", 1)]
