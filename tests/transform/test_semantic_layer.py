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
from metricflow_semantics.errors.error_classes import InvalidQueryException
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

from core.paths import DBT_PROJECT_DIR, REPO_ROOT
from core.settings import WAREHOUSE_ENV

JAN_1, JAN_2, JAN_3, FEB_1 = (dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3),
                              dt.date(2026, 2, 1))
JANUARY = (dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 31))
ONE_MODEL = "{{ Entity('attribution_model') }} = '%s'"
DEFAULT_MODEL = ONE_MODEL % "first_form_submission"

# The two campaign facts' additive columns (docs/data-contract.md, Metrics), each a measure and
# a simple metric of the same name; each credit also a `<name>_by_model` metric.
NETWORK_MEASURES = [
    "impressions", "clicks", "spend", "spend_company_currency", "engagements", "likes",
    "network_conversions", "sessions",
]
CREDIT_MEASURES = [
    "contacts", "subscribers", "leads", "mqls", "sqls", "opportunities", "customers",
    "evangelists", "others", "deals", "revenue_company_currency",
    "estimated_revenue_company_currency",
]
RATIOS = {
    "ctr": ("clicks", "impressions"),
    "cpc": ("spend_company_currency", "clicks"),
    "cost_per_session": ("spend_company_currency", "sessions"),
    "cost_per_contact": ("spend_company_currency", "contacts"),
    "cost_per_subscriber": ("spend_company_currency", "subscribers"),
    "cost_per_lead": ("spend_company_currency", "leads"),
    "cost_per_mql": ("spend_company_currency", "mqls"),
    "cost_per_sql": ("spend_company_currency", "sqls"),
    "cost_per_opportunity": ("spend_company_currency", "opportunities"),
    "cost_per_customer": ("spend_company_currency", "customers"),
    "cost_per_evangelist": ("spend_company_currency", "evangelists"),
    "cost_per_other": ("spend_company_currency", "others"),
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
# `c2` is untracked (sessions null, no credit rows). 1 February lies outside every January
# query.
CAMPAIGNS = [  # network, ad_account_id, campaign_id, campaign_name, type, status, is_tracked
    ("facebook", "111", "c1", "Spring leads", "LEAD_GENERATION", "active", True),
    ("google", "222", "c1", "Brand search", "SEARCH", "active", True),
    ("google", "222", "c2", "Display", "DISPLAY", "paused", False),
]
CURRENCIES = {"facebook": "EUR", "google": "USD"}
# fct_campaign_performance_daily, no model:
# (network, campaign, day): impressions, clicks, spend, spend_company_currency, sessions
NETWORK_DAYS = {
    ("facebook", "c1", JAN_1): (1000, 10, 9, 10, 4),
    ("facebook", "c1", JAN_2): (3000, 90, 45, 50, 6),
    ("facebook", "c1", FEB_1): (5000, 500, 450, 500, 9),
    ("google", "c1", JAN_1): (100, 5, 20, 20, 2),
    ("google", "c1", JAN_2): (100, 25, 30, 30, 0),
    ("google", "c2", JAN_1): (400, 4, 8, 8, None),
    ("google", "c2", JAN_2): (600, 6, 12, 12, None),
}
# fct_campaign_credit_by_model_daily, tracked campaigns only (estimated = 100 per contact):
# (model, network, campaign, day): contacts, customers, deals, revenue, estimated revenue.
# Google's c1 has a first_form_submission contact on 3 January, a day it did not spend.
CREDIT_DAYS = {
    ("first_form_submission", "facebook", "c1", JAN_1): (2, 0, 0, 0, 200),
    ("first_form_submission", "facebook", "c1", JAN_2): (3, 1, 1, 150, 300),
    ("first_form_submission", "facebook", "c1", FEB_1): (1, 0, 0, 0, 100),
    ("first_form_submission", "google", "c1", JAN_1): (1, 1, 1, 25, 100),
    ("first_form_submission", "google", "c1", JAN_3): (1, 0, 0, 0, 100),
    ("linear", "facebook", "c1", JAN_1): (1.5, 0, 0, 0, 150),
    ("linear", "facebook", "c1", JAN_2): (2.5, 0.5, 0.5, 75, 250),
    ("linear", "google", "c1", JAN_1): (0.5, 0.5, 0.5, 12.5, 50),
    ("linear", "google", "c1", JAN_2): (0.5, 0, 0, 0, 50),
    ("all_interactions", "facebook", "c1", JAN_2): (3, 2, 0, 0, 300),
    ("all_interactions", "google", "c1", JAN_2): (1, 1, 0, 0, 100),
}
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
# first_form_submission: the contacts of CREDIT_DAYS, one ad each, and L through a channel.
# all_interactions: contact A is credited to both Facebook ads and to Google's c1, B to one
# Facebook ad; C converted through a channel, not an ad.
CONTACT_CREDITS = [  # model, contact, network, campaign, ad_group, ad, keyword, stage, day
    ("first_form_submission", "D", "facebook", "c1", "s1", "a1", None, "lead", JAN_1),
    ("first_form_submission", "E", "facebook", "c1", "s1", "a2", None, "lead", JAN_1),
    ("first_form_submission", "F", "facebook", "c1", "s1", "a1", None, "lead", JAN_2),
    ("first_form_submission", "G", "facebook", "c1", "s1", "a2", None, "lead", JAN_2),
    ("first_form_submission", "H", "facebook", "c1", "s1", "a1", None, "customer", JAN_2),
    ("first_form_submission", "I", "google", "c1", "g1", "x1", "k1", "customer", JAN_1),
    ("first_form_submission", "J", "google", "c1", "g1", "x1", "k1", "lead", JAN_3),
    ("first_form_submission", "K", "facebook", "c1", "s1", "a1", None, "lead", FEB_1),
    ("first_form_submission", "L", None, None, None, None, None, "lead", JAN_2),
    ("all_interactions", "A", "facebook", "c1", "s1", "a1", None, "customer", JAN_2),
    ("all_interactions", "A", "facebook", "c1", "s1", "a2", None, "customer", JAN_2),
    ("all_interactions", "A", "google", "c1", "g1", "x1", "k1", "customer", JAN_2),
    ("all_interactions", "B", "facebook", "c1", "s1", "a1", None, "lead", JAN_2),
    ("all_interactions", "C", None, None, None, None, None, "lead", JAN_2),
]

_CREDIT_COLUMNS = ", ".join(f"{name} double" for name in CREDIT_MEASURES[:-2])
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
        "network varchar, ad_account_id varchar, campaign_id varchar, date_day date, "
        "currency_code varchar, impressions bigint, clicks bigint, spend decimal(18, 6), "
        "spend_company_currency decimal(18, 6), engagements bigint, likes bigint, "
        "network_conversions decimal(18, 4), sessions bigint",
    "fct_campaign_credit_by_model_daily":
        "attribution_model varchar, network varchar, ad_account_id varchar, "
        f"campaign_id varchar, date_day date, {_CREDIT_COLUMNS}, "
        "revenue_company_currency decimal(18, 6), "
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
ACCOUNTS = {network: account for network, account, *_ in CAMPAIGNS}


def _campaign_rows() -> list[tuple]:
    """fct_campaign_performance_daily: one row per campaign-day, engagements, likes and
    network conversions 0."""
    return [(network, ACCOUNTS[network], campaign, day, CURRENCIES[network], imps, clicks,
             spend, spend_cc, 0, 0, 0, sessions)
            for (network, campaign, day), (imps, clicks, spend, spend_cc, sessions)
            in sorted(NETWORK_DAYS.items())]


def _credit_rows() -> list[tuple]:
    """fct_campaign_credit_by_model_daily: the contacts that are not customers are leads."""
    rows = []
    for (model, network, campaign, day), credit in sorted(CREDIT_DAYS.items()):
        contacts, customers, deals, revenue, estimated = credit
        stages = (0, contacts - customers, 0, 0, 0, customers, 0, 0)
        rows.append((model, network, ACCOUNTS[network], campaign, day, contacts, *stages, deals,
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
        insert("fct_campaign_credit_by_model_daily", _credit_rows())
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
               [(m, contact, n, ACCOUNTS.get(n), c, g, ad, kw, stage, day)
                for m, contact, n, c, g, ad, kw, stage, day in CONTACT_CREDITS])
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
        "campaign_credit": ["model.ads_analytics.fct_campaign_credit_by_model_daily"],
        "ad_performance": ["model.ads_analytics.fct_ad_performance_daily"],
        "keyword_performance": ["model.ads_analytics.fct_keyword_performance_daily"],
        "contact_attribution": ["model.ads_analytics.fct_contact_attribution"],
        "campaigns": ["model.ads_analytics.dim_campaigns"],
        "ad_accounts": ["model.ads_analytics.dim_ad_accounts"],
        "ads": ["model.ads_analytics.dim_ads"],
        "keywords": ["model.ads_analytics.dim_keywords"],
    }
    for name in ("campaign_performance", "campaign_credit"):
        assert {d["name"]: d["type"] for d in models[name]["dimensions"]} == {
            "date_day": "time", "network": "categorical"}, name


def test_a_campaign_is_its_network_and_id_and_a_keyword_its_ad_group_and_id(parsed):
    models = _semantic_models(parsed)
    entities = {(model, e["name"]): (e["type"], e["expr"])
                for model, node in models.items() for e in node["entities"]}
    assert entities[("campaigns", "campaign")] == ("primary", "network || '|' || campaign_id")
    for fact in ("campaign_performance", "campaign_credit"):
        assert entities[(fact, "campaign")] == ("foreign", "network || '|' || campaign_id")
        assert entities[(fact, "ad_account")] == (
            "foreign", "network || '|' || ad_account_id")
    assert entities[("ad_accounts", "ad_account")] == (
        "primary", "network || '|' || ad_account_id")
    assert entities[("keywords", "keyword")] == ("primary", "ad_group_id || '|' || keyword_id")


def test_the_attribution_model_is_an_entity_of_both_per_model_facts_and_the_key_of_neither(
        parsed):
    """One filter then reaches the metrics of both facts, and the facts are never joined on
    it; the network fact has no model at all."""
    entities = {(model, e["name"]): e["type"] for model, node in _semantic_models(parsed).items()
                for e in node["entities"]}
    having = {model: kind for (model, name), kind in entities.items()
              if name == "attribution_model"}
    assert having == {"campaign_credit": "foreign", "contact_attribution": "foreign"}


def test_every_measure_of_the_two_campaign_facts_is_a_summed_measure_and_a_metric(parsed):
    models = _semantic_models(parsed)
    metrics = _metrics(parsed)
    for fact, names in (("campaign_performance", NETWORK_MEASURES),
                        ("campaign_credit", CREDIT_MEASURES)):
        measures = models[fact]["measures"]
        assert [m["name"] for m in measures] == names, fact
        assert {m["agg"] for m in measures} == {"sum"}, fact
        for name in names:
            assert metrics[name]["type"] == "simple", name
            assert metrics[name]["type_params"]["measure"]["name"] == name
    for name in CREDIT_MEASURES:
        by_model = metrics[f"{name}_by_model"]
        assert by_model["type"] == "simple", name
        assert by_model["type_params"]["measure"]["name"] == name


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


def _model_filters(metric: dict) -> list[str]:
    wheres = (metric["filter"] or {}).get("where_filters", [])
    return [w["where_sql_template"] for w in wheres
            if "attribution_model" in w["where_sql_template"]]


def test_crm_metrics_pin_the_default_report_and_their_by_model_twins_keep_one_model(parsed):
    """A simple metric over a per-model fact either carries first_form_submission in its own
    filter and in meta (an unfiltered query is right), or is named *_by_model, carries no
    model and meta `one` (the query keeps one). Every other metric (network metrics, and the
    ratios, whose CRM parts are default-report metrics) has no attribution_model meta."""
    metrics = _metrics(parsed)
    per_model = {"campaign_credit", "contact_attribution"}
    measure_model = {measure["name"]: name for name, node in _semantic_models(parsed).items()
                     for measure in node["measures"]}
    pinned, by_model = set(), set()
    for name, metric in metrics.items():
        sources = {measure_model[m["name"]] for m in metric["type_params"]["input_measures"]}
        meta = metric["config"]["meta"]
        if metric["type"] != "simple" or not sources & per_model:
            assert "attribution_model" not in meta, name
            assert not _model_filters(metric), name
            assert not any(m["name"].endswith("_by_model")
                           for m in metric["type_params"]["metrics"]), name
        elif name.endswith("_by_model"):
            by_model.add(name)
            assert meta == {"attribution_model": "one"}, name
            assert not _model_filters(metric), name
            assert "Keep one attribution_model" in metric["description"], name
        else:
            pinned.add(name)
            assert meta == {"attribution_model": "first_form_submission"}, name
            assert len(_model_filters(metric)) == 1, name
            assert DEFAULT_MODEL in _model_filters(metric)[0], name
            assert "first_form_submission" in metric["description"], name
    assert pinned == {*CREDIT_MEASURES, "distinct_contacts"}
    assert by_model == {f"{name}_by_model" for name in pinned}


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
# January. Facebook: 4000 impressions, 100 clicks, spend 60, 10 sessions; first_form_submission
# contacts 5. Google: c1 and c2 together 1200 impressions, 40 clicks, spend 70 (untracked c2's
# 20 too, as in the reports), 2 sessions; contacts 2 (c1 only, one of them on 3 January, a day
# without spend). 1 February is left out.
NETWORKS_FIRST_FORM = [
    {"campaign__network": "facebook", "spend_company_currency": 60, "impressions": 4000,
     "clicks": 100, "ctr": 100 / 4000, "cpc": 60 / 100, "contacts": 5,
     "cost_per_contact": 60 / 5, "cost_per_session": 60 / 10},
    {"campaign__network": "google", "spend_company_currency": 70, "impressions": 1200,
     "clicks": 40, "ctr": 40 / 1200, "cpc": 70 / 40, "contacts": 2,
     "cost_per_contact": 70 / 2, "cost_per_session": 70 / 2},
]


def test_ctr_over_two_days_is_their_clicks_over_their_impressions(engine, warehouse):
    """Facebook: 10/1000 then 90/3000; over both days 100/4000 = 2.5%, not the 2% mean."""
    rows = mf_query(engine, warehouse, ["ctr"], ["campaign__network"])
    assert rows[0]["campaign__network"] == "facebook"
    assert rows[0]["ctr"] == pytest.approx(0.025)


def test_spend_ctr_cpc_and_cost_per_contact_by_network_need_no_filter(engine, warehouse):
    """Network metrics from the model-free fact, contacts from the credit fact under the
    default report, in one query and without a where."""
    metrics = ["spend_company_currency", "impressions", "clicks", "ctr", "cpc", "contacts",
               "cost_per_contact", "cost_per_session"]
    rows = mf_query(engine, warehouse, metrics, ["campaign__network"])
    _close(rows, NETWORKS_FIRST_FORM)


def test_an_unfiltered_sum_counts_each_campaign_day_once(engine, warehouse):
    """The naive query is right: spend and clicks summed as they are over the campaign fact
    (one row per campaign-day) and contacts summed over the credit fact under the default
    report are what MetricFlow returns unfiltered, not a multiple over the three models."""
    naive = _rows(warehouse, """
        select network, sum(spend_company_currency) as spend, sum(clicks) as clicks
        from marts.fct_campaign_performance_daily
        where date_day between date '2026-01-01' and date '2026-01-31'
        group by network order by network""")
    assert [(r["network"], r["spend"], r["clicks"]) for r in naive] == [
        ("facebook", 60, 100), ("google", 70, 40)]
    rows = mf_query(engine, warehouse, ["spend_company_currency", "clicks", "contacts"],
                    ["campaign__network"])
    assert [(r["campaign__network"], r["spend_company_currency"], r["clicks"], r["contacts"])
            for r in rows] == [("facebook", 60, 100, 5), ("google", 70, 40, 2)]


def test_a_by_model_metric_under_another_model_changes_the_credit_not_the_spend(
        engine, warehouse):
    linear = [ONE_MODEL % "linear"]
    _close(mf_query(engine, warehouse, ["contacts_by_model", "customers_by_model",
                                        "revenue_company_currency_by_model"],
                    ["campaign__network"], linear), [
        {"campaign__network": "facebook", "contacts_by_model": 4, "customers_by_model": 0.5,
         "revenue_company_currency_by_model": 75},
        {"campaign__network": "google", "contacts_by_model": 1, "customers_by_model": 0.5,
         "revenue_company_currency_by_model": 12.5},
    ])
    spend = mf_query(engine, warehouse, ["spend_company_currency"], ["campaign__network"])
    assert [r["spend_company_currency"] for r in spend] == [60, 70]


def test_by_model_metrics_grouped_by_the_model_give_each_models_total(engine, warehouse):
    rows = mf_query(engine, warehouse, ["contacts_by_model"], ["attribution_model"])
    assert [(r["attribution_model"], r["contacts_by_model"]) for r in rows] == [
        ("all_interactions", 4), ("first_form_submission", 7), ("linear", 5)]


def test_the_default_metrics_keep_their_report_whatever_the_query_asks(engine, warehouse):
    """A where on another model is added to the metric's own filter: nothing matches both,
    so the *_by_model metric is the one to ask for under another model."""
    assert mf_query(engine, warehouse, ["contacts"], ["attribution_model"]) == [
        {"attribution_model": "first_form_submission", "contacts": 7}]
    assert mf_query(engine, warehouse, ["contacts"], ["campaign__network"],
                    [ONE_MODEL % "linear"]) == []


def test_a_where_on_the_model_cannot_reach_the_network_metrics(engine, warehouse):
    """The campaign fact has no model, so MetricFlow refuses the filter rather than
    ignoring it: query spend on its own, or with the default-report metrics."""
    with pytest.raises(InvalidQueryException, match="spend_company_currency"):
        mf_query(engine, warehouse, ["spend_company_currency", "contacts_by_model"],
                 ["campaign__network"], [ONE_MODEL % "linear"])


ROI_BY_CAMPAIGN = [
    # Facebook c1: revenue 150, spend 60; estimated 500. Google c1: 25 against 50; estimated
    # 200. Google c2 is untracked: no revenue, no ROI.
    {"campaign__network": "facebook", "campaign__campaign_name": "Spring leads",
     "spend_company_currency": 60, "revenue_company_currency": 150, "roi": 1.5,
     "roi_estimate": (500 - 60) / 60},
    {"campaign__network": "google", "campaign__campaign_name": "Brand search",
     "spend_company_currency": 50, "revenue_company_currency": 25, "roi": -0.5,
     "roi_estimate": 3.0},
    {"campaign__network": "google", "campaign__campaign_name": "Display",
     "spend_company_currency": 20, "revenue_company_currency": None, "roi": None,
     "roi_estimate": None},
]


def test_roi_by_campaign_keeps_same_ids_of_two_networks_apart(engine, warehouse):
    rows = mf_query(engine, warehouse, ["spend_company_currency", "revenue_company_currency",
                                        "roi", "roi_estimate"],
                    ["campaign__network", "campaign__campaign_name"])
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


def test_distinct_contacts_under_the_default_report_need_no_filter(engine, warehouse):
    """First form submission credits each contact to one ad: D ... J in January (K converted
    in February, L through a channel, not an ad)."""
    by_network = mf_query(engine, warehouse, ["distinct_contacts", "cost_per_distinct_contact"],
                          ["campaign__network"])
    _close(by_network, [
        {"campaign__network": "facebook", "distinct_contacts": 5,
         "cost_per_distinct_contact": 60 / 5},
        {"campaign__network": "google", "distinct_contacts": 2,
         "cost_per_distinct_contact": 70 / 2},
    ])
    assert mf_query(engine, warehouse, ["distinct_contacts"], []) == [{"distinct_contacts": 7}]


def test_distinct_contacts_by_model_count_a_contact_once_whatever_it_was_credited_to(
        engine, warehouse):
    """all_interactions: A to both Facebook ads and Google's c1, B to one Facebook ad, C to a
    channel. The credit fact sums A once per ad; the distinct count takes it once. One where
    reaches both facts."""
    where = [ONE_MODEL % "all_interactions"]
    by_network = mf_query(engine, warehouse, ["contacts_by_model", "distinct_contacts_by_model"],
                          ["campaign__network"], where)
    _close(by_network, [
        {"campaign__network": "facebook", "contacts_by_model": 3,
         "distinct_contacts_by_model": 2},
        {"campaign__network": "google", "contacts_by_model": 1,
         "distinct_contacts_by_model": 1},
    ])
    assert mf_query(engine, warehouse, ["distinct_contacts_by_model"], [], where) == [
        {"distinct_contacts_by_model": 2}]


def test_the_saved_queries_run(engine, warehouse):
    """Google's contact of 3 January has no spend beside it: the day is kept, with no cost
    per contact."""
    rows = mf_query(engine, warehouse, [], saved_query="network_performance_daily")
    days = sorted((r["campaign__network"], str(r["metric_time__day"])[:10], r["ctr"],
                   r["contacts"], r["cost_per_contact"]) for r in rows)
    assert days == [
        ("facebook", "2026-01-01", pytest.approx(0.01), 2, pytest.approx(5)),
        ("facebook", "2026-01-02", pytest.approx(0.03), 3, pytest.approx(50 / 3)),
        ("google", "2026-01-01", pytest.approx(9 / 500), 1, pytest.approx(28)),
        ("google", "2026-01-02", pytest.approx(31 / 700), None, None),
        ("google", "2026-01-03", None, 1, None),
    ]
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
    """Plain SQL over the two campaign facts, the credit one kept to one model, gives what
    MetricFlow gives (Google's contact on a day without spend included)."""
    examples = readme_examples()
    network = "spend, CTR, CPC and cost per contact by network: January 2026, first_form_submission"
    roi = "ROI by campaign under both ROI settings: January 2026, first_form_submission"
    keywords = "keyword CTR, CPC and conversion rate: January 2026 (Google; no attribution model)"
    contacts = "distinct contacts by network: January 2026, all_interactions"
    assert set(examples) == {network, roi, keywords, contacts}
    for name in (network, roi):
        assert "marts.fct_campaign_performance_daily" in examples[name], name
        assert "marts.fct_campaign_credit_by_model_daily" in examples[name], name
        assert "attribution_model = 'first_form_submission'" in examples[name], name
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
