"""The Dagster code location: dlt sources → dbt models → quality checks, as one asset graph."""


import contextlib
import json
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

from core.paths import dbt_executable
from core.portal import loaded_settings
from core.settings import Settings
from orchestration import dbt_errors, dbt_runs
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
    dbt_project,
    models_of_one_source,
    step_target_path,
)
from orchestration.engines import Engine, engine_for
from orchestration.resources import Warehouse

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


def build_dbt_assets(project: DbtProject, engine: Engine) -> list[AssetsDefinition]:
    """The dbt steps, so that a source that fails stops only what is built from it:
    - per source, the models built from it alone (`dbt_facebook_ads`, ...);
    - the warehouse: the models that read several sources (the cross-network facts and
      dimensions, the CRM and attribution models);
    - the marts the blocking checks guard, after those checks.
    Each builds on `engine` (orchestration/engines.py)."""
    manifest = json.loads(project.manifest_path.read_text())
    own = models_of_one_source(manifest)
    steps = [_dbt_step(project, manifest, f"dbt_{source.removeprefix('raw_')}", engine,
                       select=" ".join(models))
             for source, models in own.items()]
    of_one_source = " ".join(model for models in own.values() for model in models)
    return [*steps,
            _dbt_step(project, manifest, "dbt_warehouse", engine,
                      exclude=f"{GUARDED_MARTS} {of_one_source}"),
            _dbt_step(project, manifest, "dbt_guarded_marts", engine, select=GUARDED_MARTS)]


def dbt_build_args(context: AssetExecutionContext) -> list[str]:
    """`dbt build` for a step's run. A whole step runs the tests whose every parent it builds or
    reads (dbt's "buildable"): a test between a CRM staging model and an attribution mart runs
    with the mart, not in the HubSpot step, before the mart exists; a subset picks its tests
    itself. A run tagged to rebuild from scratch (after rows left raw: `ads-analytics
    quarantine`, `repair`), which the incremental models would not see, adds --full-refresh."""
    args = [*DBT_BUILD] if context.is_subset else [*DBT_BUILD, "--indirect-selection", "buildable"]
    if context.run.tags.get(FULL_REFRESH_TAG) == "true":
        args.append("--full-refresh")
    return args


def _dbt_step(project: DbtProject, manifest: dict, name: str, engine: Engine,
              **selection: str) -> AssetsDefinition:
    """One dbt step over `selection` of the manifest (read once for every step)."""
    @dbt_assets(manifest=manifest, project=project,
                dagster_dbt_translator=AdsDbtTranslator(), pool=WAREHOUSE_POOL, name=name,
                **selection)
    def _models(context: AssetExecutionContext, dbt: StepDbtResource, warehouse: Warehouse):
        # (`warehouse`: its setup readies the build copy a step builds in)
        target = step_target_path(project, context.op_execution_context.op.name,
                                  context.run.run_id)
        # dbt builds the warehouse's build copy, which the run publishes when all is built: in
        # this process on DuckDB; on Spark a process of its own, which holds the run's child
        # lock and dies with the run (core/locking.py).
        step = engine.dbt_step()
        run = dbt_runs.start(dbt, [*dbt_build_args(context), *step.arguments], context, target,
                             step.environment, in_process=step.in_process)
        failed = yield from _with_reasons(run, target, engine)
        step.finish(target, failed is not None, context.log)
        if failed is not None:
            raise failed

    return _models


def _with_reasons(run: dbt_runs.DbtRun, target: Path, engine: Engine):
    """The run's events, a failed test's with dbt's reason (which dagster-dbt leaves without
    one: it waits for the run results); returns the step's error, or None."""
    results = dbt_errors.StepResults()
    failed_tests = []
    # closed as soon as this ends, also on an error: an in-process dbt is then cancelled and
    # waited for here, not whenever the generator is collected
    raw_events = run.raw_events()
    with contextlib.closing(raw_events):
        for raw_event in raw_events:
            # the reasons of what failed come from dbt's own events
            results.see(raw_event)
            for event in run.dagster_events(raw_event):
                if isinstance(event, AssetCheckResult) and not event.passed:
                    failed_tests.append(event)
                else:
                    yield event
    failed = not run.is_successful()
    # (failed tests' rows queried only when something failed)
    reasons = results.failures(engine.failed_rows_database) if failed or failed_tests else {}
    for check in failed_tests:
        unique_id = (check.metadata or {}).get("unique_id")
        unique_id = getattr(unique_id, "text", unique_id)
        yield check._replace(description=check.description or reasons.get(unique_id))
    if not failed:
        return None
    reason = dbt_errors.step_reason(reasons)
    if reason is None:
        return run.get_error()
    return DbtStepError(f"{reason}\n(dbt's log: {target / 'dbt.log'})")


def build_definitions(settings: Settings | Path | None = None) -> Definitions:
    """Everything, bound to one deployment's settings (the environment's unless given; a path
    is the environment's settings with that warehouse file): its warehouse file and its engine
    (DuckDB builds in the file; Spark builds beside it, and the file is the read side)."""
    if not isinstance(settings, Settings):
        settings = Settings.from_environment(warehouse=settings)
    warehouse = settings.warehouse
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings)
    project = dbt_project(settings)
    # The portal's time zone as loaded (or its override): the schedule's and the partitions'.
    time_zone = loaded_settings(warehouse, settings.portal_overrides).time_zone
    source_assets = [build_source_assets(entry, settings, engine, time_zone)
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
    built = [*build_dbt_assets(project, engine), build_report_assets()]
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
            "warehouse": Warehouse(path=str(warehouse), engine=settings.engine),
        },
    )


@definitions
def defs() -> Definitions:
    """What `dagster dev -m orchestration.definitions` loads: built on load, not on import."""
    return build_definitions()
