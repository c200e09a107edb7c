"""dlt assets: one multi-asset per source, one asset per raw table.

The translator keys each raw table `[raw_<source>, <table>]`, exactly the key dbt gives the same
table as a source, so the graph is one piece from API to mart.
"""


import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    DailyPartitionsDefinition,
    FreshnessPolicy,
    multi_asset,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, build_dlt_asset_specs
from dagster_dlt.translator import DltResourceTranslatorData

from core.settings import Settings
from ingestion.common import failures
from ingestion.common.connection import connection_of
from ingestion.common.pipeline import DATASETS, for_destination, make_pipeline, run_options
from ingestion.common.schema import not_connected_source
from ingestion.hubspot import PORTAL_ZONE
from ingestion.registry import SOURCES, SourceRecord, source_tables
from orchestration.dbt import OWNER
from orchestration.engines import Engine
from orchestration.resources import Warehouse

WAREHOUSE_POOL = "warehouse"
# A Dagster backfill of the raw tables runs this many days per run.
DAYS_PER_BACKFILL_RUN = 30
# A look-back this long makes every source's window start at the window's first day.
WHOLE_RANGE_LOOKBACK = 36_500
# A raw table not updated for this long is stale (a day and a margin); Dagster's freshness
# daemon evaluates the policy between runs, so no sensor is needed.
FRESH_WITHIN = dt.timedelta(hours=26)


def daily_partitions(time_zone: str, first_day: dt.date) -> DailyPartitionsDefinition:
    """The raw tables' days in the portal's time zone, from `first_day` (the first a backfill
    may load) to today. A run for a partition or a range of them loads exactly those days; a
    run without one (the schedule) loads what the sources' config says: up to today, re-pulling
    the look-back window."""
    return DailyPartitionsDefinition(start_date=first_day.isoformat(), timezone=time_zone,
                                     end_offset=1)


def partition_window(context: AssetExecutionContext) -> tuple[dt.date, dt.date] | None:
    """The first and last day (inclusive) of the run's partitions, or None for a run without."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


def window_arguments(source: str, start: dt.date, end: dt.date,
                     time_zone: str | None = None) -> dict[str, Any]:
    """The arguments that make source `source` load exactly the portal days [start, end],
    whatever its configuration says.

    HubSpot's events are instants, and a partition key is a portal day: the source counts days
    in the portal's own zone, `time_zone` (the override), else the one it reads from the account
    info. The definitions know that zone only from an earlier load; before one, the partitions'
    own bounds ("today") are UTC days, but the days loaded are still the portal's."""
    arguments: dict[str, Any] = {"start_date": start.isoformat(), "end_date": end.isoformat(),
                                 "lookback_days": WHOLE_RANGE_LOOKBACK}
    if source == "hubspot":
        arguments["time_zone"] = time_zone or PORTAL_ZONE
    return arguments


# One source as Dagster builds it: the registry's record (name, factory, description).
SourceEntry = SourceRecord


def source_entries() -> tuple[SourceEntry, ...]:
    return SOURCES


class AdsDltTranslator(DagsterDltTranslator):
    def __init__(self, source_name: str, source_description: str) -> None:
        self.source_name = source_name
        self.source_description = source_description

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        table = data.resource.table_name if isinstance(data.resource.table_name, str) else (
            data.resource.name)
        return spec.replace_attributes(
            key=AssetKey([DATASETS[self.source_name], table]),
            deps=[],
            group_name="ingestion",
            owners=[OWNER],
            description=f"Raw `{table}` from the {self.source_description}, as delivered.",
            freshness_policy=FreshnessPolicy.time_window(fail_window=FRESH_WITHIN),
        )


# The check on every raw table that each account (or part of the CRM) of the source loaded.
LOADED_CHECK = "every_account_loaded"
# Its metadata: whether the configuration connects the source (a network the user does not use
# is not connected: nothing is loaded, and nothing failed).
CONNECTED = "connected"


def build_source_assets(entry: SourceEntry, settings: Settings, engine: Engine,
                        time_zone: str) -> AssetsDefinition:
    """The source's tables as one multi-asset (one dlt run), partitioned by the days of
    `time_zone` (the portal's), each table with a check that every account loaded."""
    # dlt loads the warehouse's build copy (or the engine's raw Parquet); the run publishes it
    # when it completes.
    pipeline = make_pipeline(entry.name, settings.warehouse, database=settings.layout.build,
                             raw_parquet=engine.raw_parquet,
                             memory_limit=settings.load_memory_limit)
    # The tables as each source declares them, without building the source from its
    # configuration: a setting it cannot use fails that source's step when it runs (one line
    # naming source and setting), not the definitions of every source.
    specs = build_dlt_asset_specs(
        dlt_source=not_connected_source(entry.name, source_tables(entry.name).values()),
        dlt_pipeline=pipeline,
        dagster_dlt_translator=AdsDltTranslator(entry.name, entry.description))
    checks = [AssetCheckSpec(LOADED_CHECK, asset=spec.key,
                             description=f"Every account of the {entry.description} loaded in "
                                         "the last run (the others load even when one fails).")
              for spec in specs]

    # A network's report tables load with the windows they asked for (`load_windows`), which
    # the warehouse checks their days against: such a source loads whole, whatever part of it
    # is selected. HubSpot's tables may load alone.
    whole = "load_windows" in source_tables(entry.name)

    @multi_asset(specs=specs, check_specs=checks, name=f"{entry.name}_raw", can_subset=not whole,
                 pool=WAREHOUSE_POOL,
                 partitions_def=daily_partitions(time_zone, settings.first_day),
                 backfill_policy=BackfillPolicy.multi_run(DAYS_PER_BACKFILL_RUN))
    def _assets(context: AssetExecutionContext, dlt: DagsterDltResource,
                warehouse: Warehouse) -> Iterator[Any]:
        window = partition_window(context)
        factory = entry.factory
        if window is not None:
            context.log.info(f"Loading {entry.name} for {window[0]}..{window[1]}")
            factory = functools.partial(factory, **window_arguments(
                entry.name, *window, settings.time_zone))
        yield from load(context, dlt, entry, pipeline, factory)
        if (done := engine.after_load(DATASETS[entry.name])) is not None:
            context.log.info(f"{entry.name}: {done}")

    return _assets


def load(context: AssetExecutionContext, dlt: DagsterDltResource, entry: SourceEntry,
         pipeline: Any, factory: Callable[..., Any] | None = None):
    """Load the source from its configuration (through `factory`, the source's own unless
    given: with a partition's window, say).

    A source with none of its required settings is not connected (the user does not use that
    network): nothing is loaded, its tables exist with their documented columns (empty unless
    an earlier connection loaded them), and they are reported materialized, so everything built
    from them runs; its checks pass and say so. A source with
    some required settings and not others fails at once, naming what is missing.

    When some accounts (or parts of the CRM) fail, the rest is loaded: its tables are reported
    materialized, so what is built from them runs, and each table's `every_account_loaded`
    check fails naming what failed (the run does not succeed). When the failures left nothing
    loaded, the step fails: no table is reported and nothing built from the source runs."""
    collected = failures.start_collecting()
    # The source reads its config when it is built: under its own pipeline, not the last one
    # created (dlt looks config up under the active pipeline's name first).
    pipeline.activate()
    state = connection_of(entry.name, factory or entry.factory)
    state.require_complete()
    context.log.info(state.describe())
    source = state.dlt_source if state.connected else not_connected_source(
        entry.name, source_tables(entry.name).values())
    results = list(dlt.run(context=context, dlt_source=for_destination(source, pipeline),
                           dlt_pipeline=pipeline, **run_options(pipeline)))
    if collected and not any(_rows_loaded(result) for result in results):
        failures.raise_recorded(collected)
    yield from results
    if not state.connected:
        description = state.describe()
    else:
        description = str(failures.PartialLoadError(collected)) if collected else None
    for check in sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.path):
        yield AssetCheckResult(
            asset_key=check.asset_key, check_name=check.name, passed=not collected,
            severity=AssetCheckSeverity.ERROR, description=description,
            metadata={"failed_parts": len(collected), CONNECTED: state.connected})


def _rows_loaded(result: Any) -> int:
    rows = (getattr(result, "metadata", None) or {}).get("rows_loaded")
    return int(getattr(rows, "value", rows) or 0)
