"""The main job's steps on Spark under Dagster: a source lands as Parquet, its models build on
Spark, and what they built is read through the DuckDB file, checked against the simulator.

One source (HubSpot: its step builds Spark tables and views) keeps it to about a minute and a
half; the whole pipeline on Spark is compared mart for mart in
tests/transform/test_spark_engine.py. Needs Java, as that test does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    define_asset_job,
    in_process_executor,
)

from core.layout import WarehouseLayout
from core.settings import ENGINE_ENV, RAW_PARQUET_ENV, Settings
from orchestration.definitions import build_definitions
from orchestration.read_side import REGISTERED_FILE, pending_raw, raw_tables_with_files
from simulator.config import source_settings

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow(minutes=1.5),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (not installed)"),
]

# (int_contact_conversions reads the lead-ad leads too: it is built with the warehouse)
HUBSPOT_STEP_MODELS = {"int_sessions", "stg_hubspot__contacts", "stg_hubspot__page_views"}


def engine_env(warehouse: Path, engine: str) -> dict[str, str]:
    """What dbt and dlt read to build `warehouse` itself with `engine`."""
    return Settings(warehouse=warehouse, engine=engine).dbt_environment(database=warehouse,
                                                                        child_lock=False)


def test_hubspot_loads_builds_on_spark_and_reads_through_duckdb(
        fresh_simulator, tmp_path, monkeypatch):
    for key, value in source_settings(fresh_simulator, tmp_path).items():
        monkeypatch.setenv(key, value)
    warehouse = tmp_path / "warehouse.duckdb"
    # `--target spark` sets the engine alone; the definitions set the rest in this process's
    # environment. monkeypatch restores only the variables it touched, so each is touched here
    # first (set, then the raw folder unset: the definitions must not need it)
    for key in engine_env(warehouse, "spark"):
        monkeypatch.setenv(key, "")
    monkeypatch.delenv(RAW_PARQUET_ENV)
    monkeypatch.setenv(ENGINE_ENV, "spark")
    defs = build_definitions(warehouse)
    # The two steps whole (their every asset and check), as the main job runs them.
    steps = {"hubspot_raw", "dbt_hubspot"}
    keys = [key for assets in defs.assets if getattr(assets, "node_def", None) is not None
            and assets.node_def.name in steps for key in assets.keys]
    defs = Definitions.merge(defs, Definitions(jobs=[define_asset_job(
        "hubspot_on_spark", selection=AssetSelection.assets(*keys),
        executor_def=in_process_executor)]))
    result = defs.resolve_job_def("hubspot_on_spark").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    started = {event.step_key for event in result.all_events
               if event.event_type == DagsterEventType.STEP_START}
    assert steps <= started
    materialized = {event.asset_key for event in result.all_events
                    if event.event_type == DagsterEventType.ASSET_MATERIALIZATION}
    # dbt reports every model it built (Spark's console output stays out of dbt's event log)
    assert {AssetKey([name]) for name in HUBSPOT_STEP_MODELS} <= materialized
    assert AssetKey(["raw_hubspot", "page_views"]) in materialized

    # The raw Parquet, the Spark tables and the Spark views, all read from the DuckDB file (its
    # build: a job of two steps does not publish).
    world = fresh_simulator.world
    with duckdb.connect(str(WarehouseLayout(warehouse).build), read_only=True) as con:
        def count(relation: str) -> int:
            return con.execute(f"select count(*) from {relation}").fetchone()[0]

        assert count("raw_hubspot.contacts") == len(world.contacts)
        assert count("raw_hubspot.page_views") == len(world.page_views)
        assert count("staging.stg_hubspot__contacts") == len(world.contacts)
        assert count("intermediate.int_sessions") == len(world.sessions)
        kinds = dict(con.execute("""
            select table_name, table_type from information_schema.tables
            where table_schema in ('staging', 'intermediate')""").fetchall())
        assert kinds["int_sessions"] == kinds["stg_hubspot__contacts"] == "VIEW"
    tables = WarehouseLayout(warehouse).spark_home / "tables" / "intermediate.db" / "int_sessions"
    assert list(tables.glob("*.parquet"))
    # the load left its tables to Spark's build, which registered them in its own session
    home = WarehouseLayout(warehouse).spark_home
    registered = json.loads((home / REGISTERED_FILE).read_text())
    assert sorted(registered) == raw_tables_with_files(home / "raw")
    assert len(registered) == 10 and pending_raw(warehouse) == {}
