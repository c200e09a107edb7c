"""The code location loads, and its graph is the one a reviewer expects: keys, groups, jobs."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from dagster import AssetKey, FreshnessPolicy

from orchestration.definitions import MAIN_JOB, build_definitions

RAW_TABLES = {
    "raw_facebook_ads": {"ad_accounts", "campaigns", "ad_sets", "ads", "ad_insights",
                         "leads", "load_windows"},
    "raw_google_ads": {"customers", "campaigns", "ad_groups", "ads", "keywords",
                       "ad_performance_daily", "keyword_performance_daily", "load_windows"},
    "raw_linkedin_ads": {"ad_accounts", "campaign_groups", "campaigns", "creatives",
                         "ad_analytics_daily", "lead_form_responses", "load_windows"},
    "raw_hubspot": {"account_info", "contacts", "deals", "deal_contact_associations",
                    "page_views", "form_submissions", "exchange_rates", "users", "teams",
                    "ad_account_access"},
}


# One worker builds the module's definitions once (each new warehouse path parses dbt again).
# pytest 9.2 with pytest-xdist 3.8 ignores xdist_group (pytest-xdist#1386): each worker that
# gets a test of this module builds them once until that is fixed.
pytestmark = pytest.mark.xdist_group("definitions")


@pytest.fixture(scope="module")
def location(tmp_path_factory):
    """The definitions, built once for this module (each new warehouse path parses dbt again)."""
    return _graph(tmp_path_factory.mktemp("location"))


def _warehouse(location):
    defs, _ = location
    return defs.resources["warehouse"].file


def _graph(tmp_path):
    defs = build_definitions(tmp_path / "w.duckdb")
    return defs, defs.resolve_asset_graph()


def test_every_raw_table_is_an_ingestion_asset(location):
    defs, graph = location
    keys = {key for key in graph.get_all_asset_keys()}
    for dataset, tables in RAW_TABLES.items():
        for table in tables:
            key = AssetKey([dataset, table])
            assert key in keys, key
            assert graph.get(key).group_name == "ingestion"


def test_graph_has_no_stub_assets(location):
    _, graph = location
    external = [key for key in graph.get_all_asset_keys() if not graph.get(key).is_materializable]
    assert external == []


def test_dbt_sources_are_the_dlt_tables(location):
    _, graph = location
    staging = graph.get(AssetKey(["stg_linkedin_ads__ad_analytics_daily"]))
    assert AssetKey(["raw_linkedin_ads", "ad_analytics_daily"]) in staging.parent_keys
    assert staging.group_name == "staging"
    mart = graph.get(AssetKey(["fct_ad_performance_daily"]))
    assert mart.group_name == "marts"


def test_every_raw_table_feeds_its_staging_model(location):
    _, graph = location
    for dataset, tables in RAW_TABLES.items():
        source = dataset.removeprefix("raw_")
        # the windows the loads asked for are read by the check of the days loaded
        for table in tables - {"load_windows"}:
            children = graph.get(AssetKey([dataset, table])).child_keys
            assert AssetKey([f"stg_{source}__{table}"]) in children, (dataset, table)


def test_the_performance_mart_reaches_back_to_every_network(location):
    _, graph = location
    upstream, todo = set(), [AssetKey(["fct_ad_performance_daily"])]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in upstream:
                upstream.add(parent)
                todo.append(parent)
    for dataset in ("raw_facebook_ads", "raw_google_ads", "raw_linkedin_ads"):
        assert any(key.path[0] == dataset for key in upstream), dataset


def _upstream(graph, key: AssetKey) -> set[AssetKey]:
    found, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def test_attribution_marts_reach_back_through_the_data_driven_model(location):
    _, graph = location
    campaign_daily = _upstream(graph, AssetKey(["fct_campaign_credit_by_model_daily"]))
    for key in (["int_attribution_state_weights"], ["fct_contact_attribution"],
                ["fct_deal_attribution"], ["raw_hubspot", "page_views"],
                ["raw_hubspot", "form_submissions"], ["raw_hubspot", "deals"]):
        assert AssetKey(key) in campaign_daily, key
    goals = _upstream(graph, AssetKey(["fct_goal_progress"]))
    assert AssetKey(["goals"]) in goals and AssetKey(["goal_campaigns"]) in goals
    assert graph.get(AssetKey(["fct_ad_touchpoints"])).group_name == "marts"
    assert graph.get(AssetKey(["dim_ad_account_access"])).group_name == "marts"
    # Singular dbt tests over several models are checks on the model they guard.
    checks = {(check.asset_key.path[-1], check.name) for check in graph.asset_check_keys}
    assert ("fct_contact_attribution", "assert_attribution_credits_sum_to_one") in checks
    assert ("fct_campaign_performance_daily",
            "assert_campaign_spend_matches_ad_performance") in checks
    assert ("dim_ad_accounts", "assert_ad_account_time_zones_aligned") in checks
    assert ("int_ad_performance_unioned", "assert_ad_days_within_requested_windows") in checks


def test_the_time_spine_is_a_mart_read_from_the_campaign_fact_not_an_island(location):
    _, graph = location
    spine = graph.get(AssetKey(["metricflow_time_spine"]))
    assert spine.group_name == "marts"
    assert set(spine.parent_keys) == {AssetKey(["fct_campaign_performance_daily"])}


def test_report_assets_follow_the_marts_they_read_in_the_main_job(location):
    defs, graph = location
    reports = {key.path[-1] for key in graph.get_all_asset_keys()
               if graph.get(key).group_name == "reports"}
    assert reports == {"report_overview", "report_campaigns", "report_summary"}
    for name in reports:
        parents = {key.path[-1] for key in graph.get(AssetKey([name])).parent_keys}
        assert {"fct_campaign_performance_daily", "fct_contact_attribution",
                "fct_deal_attribution", "dim_campaigns", "dim_ad_account_access"} <= parents
    main = defs.resolve_job_def(MAIN_JOB)
    assert {AssetKey([name]) for name in reports} <= set(main.asset_layer.executable_asset_keys)


def test_main_job_and_quality_checks_exist(location):
    defs, graph = location
    assert defs.resolve_job_def(MAIN_JOB) is not None
    checks = {(check.asset_key.path[-1], check.name) for check in graph.asset_check_keys}
    assert {("fct_ad_performance_daily", "gx_spend"),
            ("fct_ad_performance_daily", "gx_spend_jumps"),
            ("fct_ad_performance_daily", "gx_currency"),
            ("int_exchange_rates_daily", "gx_rate_moves"),
            ("dim_ad_accounts", "gx_time_zone"),
            ("dim_ad_accounts", "gx_time_zone_alignment")} <= checks
    specs = {spec.name: spec for checks_def in defs.asset_checks or []
             for spec in checks_def.check_specs}
    # Reconciliation, currencies and zones block; jumps, rate moves and alignment warn.
    assert specs["gx_spend"].blocking and specs["gx_currency"].blocking
    assert specs["gx_time_zone"].blocking
    assert not specs["gx_spend_jumps"].blocking and not specs["gx_rate_moves"].blocking
    assert not specs["gx_time_zone_alignment"].blocking


def test_code_location_builds_on_load_not_on_import(location, monkeypatch):
    from dagster import Definitions

    from core.settings import WAREHOUSE_ENV
    from orchestration import definitions

    monkeypatch.setenv(WAREHOUSE_ENV, str(_warehouse(location)))
    loaded = definitions.defs()
    assert isinstance(loaded, Definitions)
    assert loaded.resolve_job_def(MAIN_JOB).name == MAIN_JOB


def test_daily_schedule_runs_the_main_job_in_the_portal_time_zone(location, monkeypatch):
    from core.settings import PORTAL_TIME_ZONE_ENV
    from orchestration.definitions import DAILY_SCHEDULE

    defs, _ = location
    schedule = defs.resolve_schedule_def(DAILY_SCHEDULE)
    assert schedule.job_name == MAIN_JOB
    assert schedule.cron_schedule == "0 6 * * *"
    # nothing loaded yet: no portal to take a zone from
    assert schedule.execution_timezone == "UTC"
    # the loaded portal's own zone (HubSpot's account info)
    warehouse = _warehouse(location)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""
            create schema raw_hubspot;
            create table raw_hubspot.account_info as
            select 24681357 as portal_id, 'Asia/Tokyo' as time_zone, 'JPY' as company_currency,
                   null::varchar as currency_settings__currency_code,
                   null::varchar as currency_settings__id, '1' as _dlt_load_id""")
    try:
        defs = build_definitions(warehouse)
        assert defs.resolve_schedule_def(DAILY_SCHEDULE).execution_timezone == "Asia/Tokyo"
        partitions = defs.resolve_asset_graph().get(
            AssetKey(["raw_hubspot", "contacts"])).partitions_def
        assert partitions.timezone == "Asia/Tokyo"
        # the one override wins over the portal's
        monkeypatch.setenv(PORTAL_TIME_ZONE_ENV, "Europe/Stockholm")
        defs = build_definitions(warehouse)
        assert defs.resolve_schedule_def(DAILY_SCHEDULE).execution_timezone == "Europe/Stockholm"
    finally:
        warehouse.unlink()


def test_each_source_has_a_dbt_step_of_the_models_built_from_it_alone(location):
    defs, _ = location
    job = defs.resolve_job_def(MAIN_JOB)
    steps = {}
    for node in job.graph.node_dict.values():
        outputs = node.definition.output_defs
        steps[node.name] = {out.name for out in outputs}
    assert {"dbt_facebook_ads", "dbt_google_ads", "dbt_linkedin_ads", "dbt_hubspot",
            "dbt_warehouse", "dbt_guarded_marts"} <= set(steps)
    # Staging of a network (and what reads only it) in its step; cross-network models and the
    # CRM models that read ad data in the warehouse step.
    assert "stg_facebook_ads__ad_insights" in steps["dbt_facebook_ads"]
    assert "stg_linkedin_ads__ad_analytics_daily" in steps["dbt_linkedin_ads"]
    assert {"stg_hubspot__contacts", "int_sessions", "int_exchange_rates_daily"} <= steps[
        "dbt_hubspot"]
    assert {"int_ads_unioned", "fct_ad_performance_daily", "dim_ad_accounts",
            "fct_contact_attribution"} <= steps["dbt_warehouse"]
    # the semantic layer's time spine is built from the campaign fact's days, after it
    assert {"fct_campaign_performance_daily", "fct_campaign_credit_by_model_daily",
            "metricflow_time_spine"} <= steps["dbt_guarded_marts"]
    dbt_steps = [outputs for name, outputs in steps.items() if name.startswith("dbt_")]
    every = [model for outputs in dbt_steps for model in outputs]
    assert len(every) == len(set(every)), "a model in two steps"


def test_raw_tables_are_daily_partitions_in_the_portal_zone_backfilled_a_month_a_run(location):
    from dagster import BackfillPolicy, DailyPartitionsDefinition

    _, graph = location
    for dataset, tables in RAW_TABLES.items():
        for table in tables:
            node = graph.get(AssetKey([dataset, table]))
            partitions = node.partitions_def
            assert isinstance(partitions, DailyPartitionsDefinition)
            # no portal loaded yet (the schedule test loads one): UTC days
            assert partitions.timezone == "UTC"
            assert partitions.start.date().isoformat() == "2024-01-01"
            assert node.backfill_policy == BackfillPolicy.multi_run(30)
    # what reads them is not partitioned: one build over whatever days were loaded
    assert graph.get(AssetKey(["fct_ad_performance_daily"])).partitions_def is None


def test_materializing_from_the_asset_graph_runs_in_one_process(location):
    defs, _ = location
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def test_every_raw_table_has_a_load_check(location):
    _, graph = location
    loaded = {check.asset_key for check in graph.asset_check_keys
              if check.name == "every_account_loaded"}
    assert loaded == {AssetKey([dataset, table])
                      for dataset, tables in RAW_TABLES.items() for table in tables}


def test_every_raw_table_has_a_26_hour_freshness_policy_and_nothing_else_checks_it(location):
    """Dagster's freshness daemon evaluates the policy between runs: no freshness checks, no
    sensor to run them."""
    defs, graph = location
    policy = FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=26))
    for dataset, tables in RAW_TABLES.items():
        for table in tables:
            assert graph.get(AssetKey([dataset, table])).freshness_policy == policy, table
    assert not [check for check in graph.asset_check_keys if "freshness" in check.name]
    assert not [sensor for sensor in defs.sensors or [] if "freshness" in sensor.name]


def test_a_new_dagster_home_allows_one_run_and_one_warehouse_step_at_a_time(tmp_path,
                                                                            monkeypatch):
    import yaml

    from orchestration.jobs import dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    settings = yaml.safe_load((dagster_home() / "dagster.yaml").read_text())
    assert settings["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert settings["concurrency"]["pools"]["default_limit"] == 1
    # the daemon fails a run whose process died and frees the warehouse slot it held
    assert settings["run_monitoring"]["enabled"] is True
    # an instance someone configured is left alone
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    assert "concurrency" not in (dagster_home() / "dagster.yaml").read_text()


def test_a_networks_report_tables_load_with_the_windows_they_asked_for(location):
    """A network's tables load whole (its report rows and the windows they were asked for, which
    the warehouse checks their days against); HubSpot's tables may load alone."""
    from dagster import AssetSelection, Definitions, define_asset_job
    from dagster._core.errors import DagsterInvalidDefinitionError

    defs, _ = location
    for network in ("facebook_ads", "google_ads", "linkedin_ads"):
        report = {"facebook_ads": "ad_insights", "google_ads": "ad_performance_daily",
                  "linkedin_ads": "ad_analytics_daily"}[network]
        job = define_asset_job("one_table", selection=AssetSelection.assets(
            AssetKey([f"raw_{network}", report])))
        with pytest.raises(DagsterInvalidDefinitionError) as refused:
            Definitions.merge(defs, Definitions(jobs=[job])).resolve_job_def("one_table")
        assert "load_windows" in str(refused.value.__cause__ or refused.value)
    job = define_asset_job("contacts_alone", selection=AssetSelection.assets(
        AssetKey(["raw_hubspot", "contacts"])))
    merged = Definitions.merge(defs, Definitions(jobs=[job]))
    assert merged.resolve_job_def("contacts_alone").asset_layer.selected_asset_keys == {
        AssetKey(["raw_hubspot", "contacts"])}
