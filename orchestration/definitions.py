"""The Dagster code location: dlt sources → dbt models → quality checks, as one asset graph."""


import json
import os
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    definitions,
    in_process_executor,
)
from dagster_dbt import DbtProject, dbt_assets
from dagster_dlt import DagsterDltResource

from orchestration import dbt_errors
from orchestration.assets.checks import build_quality_checks
from orchestration.assets.ingestion import (
    WAREHOUSE_POOL,
    build_source_assets,
    source_entries,
)
from orchestration.assets.publish import build_publish_asset
from orchestration.assets.reports import build_report_assets
from orchestration.dbt import (
    AdsDbtTranslator,
    StepDbtResource,
    dbt_executable,
    dbt_project,
    models_of_one_source,
    step_target_path,
)
from orchestration.dbt_cli import REGISTER_RAW_ENV
from orchestration.locking import CHILD_LOCK_ENV, child_lock_path
from orchestration.paths import (
    PORTAL_TIME_ZONE_ENV,  # noqa: F401 (where users and tests look for it)
    RAW_PARQUET_ENV,
    WAREHOUSE_ENV,
    engine,
    environment,
    goals_env,
    portal_time_zone,
    raw_parquet_dir,
    warehouse_path,
)
from orchestration.read_side import (
    ReadSideError,
    mark_registered,
    pending_raw,
    publish_built,
)
from orchestration.resources import Warehouse
from orchestration.spark import engine_env

MAIN_JOB = "main"
LOAD_JOB = "load_sources"
TRANSFORM_JOB = "transform"
DAILY_SCHEDULE = "daily_refresh"
# The daily run starts at this hour of the portal's day: the networks have closed yesterday in
# most accounts' time zones, and the look-back windows re-pull what they restate.
DAILY_AT = "0 6 * * *"
# The marts built from the checked facts: they run in their own step after the blocking quality
# checks on what they read, so a failed check stops them and the run says which check.
GUARDED_MARTS = ("fct_campaign_performance_daily+ fct_campaign_credit_by_model_daily+"
                 " dim_ad_account_access")
# Scheduled runs build models and run their data tests; dbt's unit tests (fixed inputs, no
# warehouse data) belong to development and CI, where `make test` runs them.
DBT_BUILD = ["build", "--exclude-resource-type", "unit_test"]
# The run tag that makes every dbt step rebuild its models from scratch.
FULL_REFRESH_TAG = "ads_analytics/full_refresh"


class DbtStepError(RuntimeError):
    """A dbt step failed; the message is dbt's reason on its first line."""


def build_dbt_assets(project: DbtProject, on_spark: bool = False) -> list[AssetsDefinition]:
    """The dbt steps, so that a source that fails stops only what is built from it:
    - per source, the models built from it alone (`dbt_facebook_ads`, ...);
    - the warehouse: the models that read several sources (the cross-network facts and
      dimensions, the CRM and attribution models);
    - the marts the blocking checks guard, after those checks.
    `on_spark`: each step then also publishes what it built into the DuckDB file, the read side
    the checks and reports open (orchestration/read_side.py)."""
    manifest = json.loads(project.manifest_path.read_text())
    own = models_of_one_source(manifest)
    steps = [_dbt_step(project, manifest, f"dbt_{source.removeprefix('raw_')}", on_spark,
                       select=" ".join(models))
             for source, models in own.items()]
    of_one_source = " ".join(model for models in own.values() for model in models)
    return [*steps,
            _dbt_step(project, manifest, "dbt_warehouse", on_spark,
                      exclude=f"{GUARDED_MARTS} {of_one_source}"),
            _dbt_step(project, manifest, "dbt_guarded_marts", on_spark, select=GUARDED_MARTS)]


def _dbt_step(project: DbtProject, manifest: dict, name: str, on_spark: bool,
              **selection: str) -> AssetsDefinition:
    """One dbt step over `selection` of the manifest (read once for every step)."""
    @dbt_assets(manifest=manifest, project=project,
                dagster_dbt_translator=AdsDbtTranslator(), pool=WAREHOUSE_POOL, name=name,
                **selection)
    def _models(context: AssetExecutionContext, dbt: StepDbtResource, warehouse: Warehouse):
        # A whole step runs the tests whose every parent it builds or reads (dbt's "buildable"):
        # a test between a CRM staging model and an attribution mart runs with the mart, not in
        # the HubSpot step, before the mart exists. A subset picks its tests itself.
        selection = [] if context.is_subset else ["--indirect-selection", "buildable"]
        # A run tagged to rebuild from scratch (after rows left raw: `ads-analytics quarantine`,
        # `repair`), which the incremental models would not see.
        if context.run.tags.get(FULL_REFRESH_TAG) == "true":
            selection.append("--full-refresh")
        target = step_target_path(project, context.op_execution_context.op.name,
                                  context.run.run_id)
        # On Spark, the raw tables loaded since the last registration are registered first,
        # in the build's own session.
        pending = pending_raw(warehouse.file) if on_spark else {}
        # (with the raw folder it reads them from)
        first = ({REGISTER_RAW_ENV: json.dumps(sorted(pending)),
                  RAW_PARQUET_ENV: str(raw_parquet_dir(warehouse.file))} if pending else {})
        # dbt builds the warehouse's build copy (profiles.yml reads its path); a run publishes
        # it when everything is built. The goal marts measure the warehouse's goals file, as it
        # is when the step starts.
        # Its dbt holds the run's child lock and dies with the run (orchestration/locking.py).
        with environment({**first, **goals_env(warehouse.file),
                          WAREHOUSE_ENV: str(warehouse.build),
                          CHILD_LOCK_ENV: str(child_lock_path(warehouse.file))}):
            invocation = dbt.cli([*DBT_BUILD, *selection], context=context,
                                 target_path=target, raise_on_error=False)
        # A failed test's result waits for the invocation's end, when dbt's run results give
        # its reason (dagster-dbt leaves it without one).
        failed_tests = []
        for event in invocation.stream():
            if isinstance(event, AssetCheckResult) and not event.passed:
                failed_tests.append(event)
            else:
                yield event
        failed = not invocation.is_successful()
        # (run results read, and failed tests' rows queried, only when something failed)
        reasons = dbt_errors.failures(target, None if on_spark else warehouse.build) if (
            failed or failed_tests) else {}
        for check in failed_tests:
            unique_id = (check.metadata or {}).get("unique_id")
            unique_id = getattr(unique_id, "text", unique_id)
            yield check._replace(description=check.description or reasons.get(unique_id))
        if pending and not failed:
            mark_registered(warehouse.file, pending)
        if on_spark:
            # What this step built, readable from DuckDB, also when some of it failed (then
            # dbt's error is the step's error, and a publishing error only logged).
            try:
                published = publish_built(warehouse.file, target)
                context.log.info(f"Published {len(published)} Spark relations to the read side")
            except ReadSideError as exc:
                if not failed:
                    raise
                context.log.error(f"Publishing what this step built failed: {exc}")
        if failed:
            reason = dbt_errors.step_reason(reasons)
            if reason is None:
                raise invocation.get_error()
            raise DbtStepError(f"{reason}\n(dbt's log: {target / 'dbt.log'})")

    return _models


def build_definitions(warehouse: Path | None = None) -> Definitions:
    """Everything, bound to one warehouse file (the configured one unless given) and the
    configured engine (`ADS_ANALYTICS_ENGINE`: DuckDB builds in the file; Spark builds beside
    it, and the file is the read side)."""
    warehouse = (warehouse or warehouse_path()).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    on_spark = engine() == "spark"
    # dbt and dlt read the warehouse path (profiles.yml) and the engine's folders from the
    # environment.
    # (Not the raw Parquet folder: the loads derive it from the warehouse, and a folder set
    # here would outlive these definitions in the process.)
    os.environ.update({key: value for key, value in engine_env(warehouse, engine()).items()
                       if key != RAW_PARQUET_ENV})
    project = dbt_project(warehouse)
    # The portal's time zone as loaded (or its override): the schedule's and the partitions'.
    time_zone = portal_time_zone(warehouse)
    source_assets = [build_source_assets(entry, warehouse, time_zone)
                     for entry in source_entries()]
    main = define_asset_job(
        MAIN_JOB,
        selection=AssetSelection.all(),
        # DuckDB allows one writer per file: the steps of a run go one at a time.
        executor_def=in_process_executor,
        description="Load every source, build every dbt model, run every check.",
    )
    # A backfill loads its range chunk by chunk (LOAD_JOB), then builds once (TRANSFORM_JOB).
    load = define_asset_job(
        LOAD_JOB, selection=AssetSelection.groups("ingestion"),
        executor_def=in_process_executor,
        description="Load every source (what the sources' config says: a backfill sets a range).")
    transform = define_asset_job(
        TRANSFORM_JOB, selection=AssetSelection.all() - AssetSelection.groups("ingestion"),
        executor_def=in_process_executor,
        description="Build every dbt model and run every check on what is loaded.")
    daily = ScheduleDefinition(
        name=DAILY_SCHEDULE,
        job=main,
        cron_schedule=DAILY_AT,
        execution_timezone=time_zone,
        default_status=DefaultScheduleStatus.STOPPED,
        description="Every day in the portal's time zone: each source loads up to today, "
                    "re-pulling its look-back window, and everything downstream is rebuilt.",
    )
    built = [*build_dbt_assets(project, on_spark), build_report_assets()]
    # Last: the build, published to the file readers open when all of it was built.
    published = build_publish_asset([key for step in built for key in step.keys])
    return Definitions(
        assets=[*source_assets, *built, published],
        asset_checks=[build_quality_checks()],
        jobs=[main, load, transform],
        # Materializations started from the asset graph (and UI backfills) run in one process
        # too, their steps one at a time.
        executor=in_process_executor,
        schedules=[daily],
        resources={
            "dlt": DagsterDltResource(),
            "dbt": StepDbtResource(project_dir=project, dbt_executable=dbt_executable()),
            "warehouse": Warehouse(path=str(warehouse)),
        },
    )


@definitions
def defs() -> Definitions:
    """What `dagster dev -m orchestration.definitions` loads: built on load, not on import."""
    return build_definitions()
