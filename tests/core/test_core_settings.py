"""The settings read once (core/settings.py), every path beside a warehouse (core/layout.py),
and the two engines behind one seam (orchestration/engines.py)."""

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from core.layout import WarehouseLayout
from core.settings import (
    CHILD_LOCK_ENV,
    COMPANY_CURRENCY_ENV,
    ENGINE_ENV,
    FIRST_DAY_ENV,
    GOALS_FILE_ENV,
    PORTAL_TIME_ZONE_ENV,
    RAW_PARQUET_ENV,
    SPARK_HOME_ENV,
    WAREHOUSE_ENV,
    InvalidSetting,
    Settings,
)


def test_the_environment_is_read_into_typed_settings(tmp_path):
    settings = Settings.from_environment({
        WAREHOUSE_ENV: str(tmp_path / "w.duckdb"), ENGINE_ENV: " Spark ",
        COMPANY_CURRENCY_ENV: "sek", PORTAL_TIME_ZONE_ENV: "Europe/Stockholm",
        FIRST_DAY_ENV: "2025-03-01", "ADS_ANALYTICS_LOAD_MEMORY_LIMIT": "2GB",
        "DAGSTER_HOME": str(tmp_path / "home")})
    assert settings.warehouse == tmp_path / "w.duckdb"
    assert settings.engine == "spark" and settings.on_spark
    assert settings.portal_overrides == {"company_currency": "SEK",
                                         "time_zone": "Europe/Stockholm"}
    assert settings.first_day == dt.date(2025, 3, 1)
    assert settings.load_memory_limit == "2GB"
    assert settings.dagster_home == tmp_path / "home"
    # Spark's raw layer is in its folder beside the warehouse unless a folder is configured
    assert settings.raw_parquet_dir == tmp_path / "w_spark" / "raw"
    assert Settings.from_environment({}).raw_parquet_dir is None
    # what the command line gives wins over the environment
    chosen = Settings.from_environment({WAREHOUSE_ENV: "elsewhere.duckdb", ENGINE_ENV: "spark"},
                                       warehouse=tmp_path / "x.duckdb", engine="duckdb")
    assert (chosen.warehouse, chosen.engine) == (tmp_path / "x.duckdb", "duckdb")
    # and the settings read back as the variables that gave them
    assert Settings.from_environment(settings.environment()) == settings


@pytest.mark.parametrize("variable, value, message", [
    (ENGINE_ENV, "bigquery", "ADS_ANALYTICS_ENGINE='bigquery' is not an engine"),
    (COMPANY_CURRENCY_ENV, "EURO", "ADS_ANALYTICS_COMPANY_CURRENCY 'EURO' is not a currency"),
    (PORTAL_TIME_ZONE_ENV, "Mars/Base", "ADS_ANALYTICS_PORTAL_TIME_ZONE 'Mars/Base' is not an"),
    (FIRST_DAY_ENV, "2025-13-01", "ADS_ANALYTICS_FIRST_DAY '2025-13-01' is not a date"),
])
def test_a_setting_that_cannot_be_used_is_refused_naming_its_variable(variable, value, message):
    with pytest.raises(InvalidSetting, match=f"^{message}"):
        Settings.from_environment({variable: value})


def test_two_warehouses_in_one_folder_share_nothing_a_run_keeps(tmp_path):
    first, second = WarehouseLayout(tmp_path / "a.duckdb"), WarehouseLayout(tmp_path / "b.duckdb")
    kept = ("build", "run_lock", "children_lock", "goals", "dlt_state", "dbt_target",
            "dbt_read_side_target", "dbt_goals_target", "spark_home", "logs", "quality",
            "reports", "backfills")
    paths = [getattr(layout, name) for layout in (first, second) for name in kept]
    assert len(set(paths)) == len(paths) == 2 * len(kept)
    assert all(path.parent == tmp_path for path in paths)
    assert first.build.name == ".a_build.duckdb" and first.logs.name == "a_logs"
    # the files a person edits are the folder's
    assert first.report_settings == second.report_settings == tmp_path / "ads_analytics.toml"
    assert set(first.state_folders()) <= set(paths)


def test_a_dbt_step_reads_the_build_the_engine_and_the_goals_when_there_are_some(tmp_path):
    duckdb = Settings(warehouse=tmp_path / "w.duckdb", company_currency="EUR")
    env = duckdb.dbt_environment()
    assert env == {WAREHOUSE_ENV: str(tmp_path / ".w_build.duckdb"), ENGINE_ENV: "duckdb",
                   COMPANY_CURRENCY_ENV: "EUR",
                   CHILD_LOCK_ENV: str(tmp_path / "w.duckdb.children.lock")}
    duckdb.layout.goals.write_text("")
    assert duckdb.dbt_environment()[GOALS_FILE_ENV] == str(tmp_path / "w_goals.jsonl")
    spark = dataclasses.replace(duckdb, engine="spark")
    assert {key: spark.dbt_environment(child_lock=False)[key]
            for key in (ENGINE_ENV, SPARK_HOME_ENV, RAW_PARQUET_ENV)} == {
        ENGINE_ENV: "spark", SPARK_HOME_ENV: str(tmp_path / "w_spark"),
        RAW_PARQUET_ENV: str(tmp_path / "w_spark" / "raw")}
    # the read side's dbt is DuckDB's, with Spark's folders
    assert spark.dbt_environment(engine="duckdb")[ENGINE_ENV] == "duckdb"
    assert SPARK_HOME_ENV in spark.dbt_environment(engine="duckdb")


def test_each_engine_says_where_loads_land_and_what_its_dbt_steps_read(tmp_path):
    from orchestration.dbt_cli import REGISTER_RAW_ENV
    from orchestration.engines import DuckDBEngine, SparkEngine, engine_for
    from orchestration.read_side import PENDING_FILE

    settings = Settings(warehouse=tmp_path / "w.duckdb")
    duckdb = engine_for(settings)
    assert isinstance(duckdb, DuckDBEngine)
    assert duckdb.raw_parquet is None and duckdb.after_load("raw_hubspot") is None
    assert duckdb.failed_rows_database == tmp_path / ".w_build.duckdb"
    # its steps' dbt runs in the run's process (the child lock's variable is there for a
    # selection dbt can only take as a process)
    assert duckdb.dbt_step().environment == settings.dbt_environment()
    assert duckdb.dbt_step().in_process
    # and writes no JSON artifacts (the reasons of a failure come from dbt's events)
    assert duckdb.dbt_step().arguments == ("--no-write-json",)

    spark = engine_for(dataclasses.replace(settings, engine="spark"))
    assert isinstance(spark, SparkEngine)
    assert spark.raw_parquet == tmp_path / "w_spark" / "raw"
    assert spark.failed_rows_database is None
    assert REGISTER_RAW_ENV not in spark.dbt_step().environment
    # raw tables loaded since Spark last registered them: the step's dbt registers them first
    home = Path(tmp_path / "w_spark")
    home.mkdir()
    (home / PENDING_FILE).write_text(json.dumps({"raw_hubspot.contacts": ["id VARCHAR"]}))
    step = spark.dbt_step()
    assert json.loads(step.environment[REGISTER_RAW_ENV]) == ["raw_hubspot.contacts"]
    assert step.environment[RAW_PARQUET_ENV] == str(tmp_path / "w_spark" / "raw")
    # Spark's build keeps dbt's artifacts (what it built is read from them), and only those
    # pending tables are marked registered after it
    assert step.arguments == ()
    # its dbt is a process of its own, which holds the run's child lock
    assert not step.in_process and CHILD_LOCK_ENV in step.environment
    assert step.pending == {"raw_hubspot.contacts": ["id VARCHAR"]}
