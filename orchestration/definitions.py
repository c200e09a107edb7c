"""The Dagster code location: dlt sources → dbt models → quality checks, as one asset graph."""


import os
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    Definitions,
    define_asset_job,
    definitions,
    in_process_executor,
)
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dlt import DagsterDltResource

from orchestration.assets.checks import build_quality_checks
from orchestration.assets.ingestion import (
    WAREHOUSE_POOL,
    build_source_assets,
    source_entries,
)
from orchestration.dbt import AdsDbtTranslator, dbt_executable, dbt_project
from orchestration.paths import WAREHOUSE_ENV, warehouse_path
from orchestration.resources import Warehouse

MAIN_JOB = "main"


def build_dbt_assets():
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=AdsDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(["build"], context=context).stream()

    return dbt_models


def build_definitions(warehouse: Path | None = None) -> Definitions:
    """Everything, bound to one warehouse file (the configured one unless given)."""
    warehouse = (warehouse or warehouse_path()).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # dbt reads the warehouse path from the environment (profiles.yml).
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    source_assets = [build_source_assets(entry, warehouse) for entry in source_entries()]
    main = define_asset_job(
        MAIN_JOB,
        selection=AssetSelection.all(),
        # DuckDB allows one writer per file: the steps of a run go one at a time.
        executor_def=in_process_executor,
        description="Load every source, build every dbt model, run every check.",
    )
    return Definitions(
        assets=[*source_assets, build_dbt_assets()],
        asset_checks=[build_quality_checks()],
        jobs=[main],
        resources={
            "dlt": DagsterDltResource(),
            "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
            "warehouse": Warehouse(path=str(warehouse)),
        },
    )


@definitions
def defs() -> Definitions:
    """What `dagster dev -m orchestration.definitions` loads: built on load, not on import."""
    return build_definitions()
