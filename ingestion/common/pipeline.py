"""Run one dlt source into the warehouse, with failure isolation across its accounts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.sources import DltResource

from core.layout import WarehouseLayout
from core.settings import DEFAULT_LOAD_MEMORY_LIMIT
from ingestion.common import failures

log = logging.getLogger(__name__)

DATASETS = {
    "facebook_ads": "raw_facebook_ads",
    "google_ads": "raw_google_ads",
    "linkedin_ads": "raw_linkedin_ads",
    "hubspot": "raw_hubspot",
}


def pipelines_dir_for(warehouse: str | Path) -> Path:
    """dlt's local state lives beside its warehouse, so two warehouses never share state."""
    return WarehouseLayout(Path(warehouse)).dlt_state


# DuckDB takes up to 80% of the machine's memory by default; a load's merge of millions of rows
# then grows with the data. Capped, it spills to disk instead and the loader's memory stays
# nearly flat whatever the size (measured: 0.4-0.6 GB at size M, 0.5-0.6 GB at L, 30 times the
# rows; the merge is about 10% slower than with 1 GB). `ADS_ANALYTICS_LOAD_MEMORY_LIMIT` (a
# DuckDB size such as "2GB": `Settings.load_memory_limit`) trades memory for merge speed.
LOAD_MEMORY_LIMIT = DEFAULT_LOAD_MEMORY_LIMIT


def make_pipeline(source_name: str, warehouse: str | Path,
                  pipelines_dir: str | Path | None = None, progress: str | None = None,
                  raw_parquet: str | Path | None = None,
                  database: str | Path | None = None,
                  memory_limit: str = LOAD_MEMORY_LIMIT) -> dlt.Pipeline:
    """The dlt pipeline for one source: DuckDB file `warehouse`, dataset `raw_<source>`.

    `database` is the file dlt writes when it is not `warehouse` itself (the orchestration's
    runs load the warehouse's build copy, and `warehouse` still names the state kept beside it).

    With `raw_parquet` (`Settings.raw_parquet_dir`: set when Spark is the engine), the source
    lands as Parquet files in `<raw_parquet>/raw_<source>/<table>/` through dlt's
    filesystem destination instead. Plain Parquet has no merge: every load appends, and the dbt
    sources keep each key's newest row (`register_raw_parquet`).

    `progress="log"` prints dlt's extract/normalize/load counters (for `python -m`); runs under
    Dagster report through Dagster instead.
    """
    # Arrow tables get `_dlt_load_id` too (dict rows always do): the incremental marts rebuild
    # what was loaded since their last build.
    dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True
    # One report (account and table) read to its end before the next starts. dlt's default
    # takes turns between every generator it has open, and a transformer opens one per item of
    # its parent: each account's window of each report then read ahead at once (its chunk
    # threads, their pages). Measured at size L, replayed: Google Ads held 86 pages in 17 threads
    # (1.3 GB resident) against 9 pages in 4 threads (755 MiB), in about the same time (19-25 s
    # against 20-24 s, within the runs' spread); the chunk threads still read one report's next
    # pages while this one is written.
    dlt.config["extract.next_item_mode"] = "fifo"
    if raw_parquet is not None:
        # Microsecond, UTC-adjusted timestamps: what Spark and DuckDB both read as instants.
        dlt.config["normalize.data_writer.coerce_timestamps"] = "us"
        dlt.config["normalize.data_writer.allow_truncated_timestamps"] = False
        destination = dlt.destinations.filesystem(Path(raw_parquet).resolve().as_uri())
    else:
        # A raw table's rows have no order the models read (every read sorts or groups), so
        # DuckDB need not keep the staged rows' order as it copies them: measured on a 2M-row
        # merge, the load step took 35% and 60% less time and 12-18% less memory.
        destination = dlt.destinations.duckdb(DuckDbCredentials(
            str(database or warehouse), global_config={"memory_limit": memory_limit,
                                                       "preserve_insertion_order": False}))
    return dlt.pipeline(
        pipeline_name=f"ads_analytics_{source_name}",
        destination=destination,
        dataset_name=DATASETS[source_name],
        pipelines_dir=str(pipelines_dir or pipelines_dir_for(warehouse)),
        **({"progress": progress} if progress else {}),
    )


def keys_unique_per_load(resource: DltResource) -> DltResource:
    """Declare that a merge resource never yields two rows with one key in a load (date-chunked
    reports, where a repeated key would be an API or chunking fault), so dlt skips its
    deduplication of the staged rows. That pass costs more than the rest of the merge on millions
    of rows, and it keeps an arbitrary one of two duplicates: skipped, a duplicate lands in raw and
    the staging models' uniqueness tests name it instead."""
    resource.apply_hints(additional_table_hints={"x-stage-data-deduplicated": True})
    return resource


def run_options(pipeline: dlt.Pipeline) -> dict[str, Any]:
    """`pipeline.run` options for its destination: the filesystem writes Parquet."""
    if pipeline.destination.destination_name != "filesystem":
        return {}
    return {"loader_file_format": "parquet"}


def for_destination(source: Any, pipeline: dlt.Pipeline) -> Any:
    """`source` as `pipeline`'s destination loads it. The filesystem has no merge: merged
    resources append there (dlt would fall back to it with a warning per table per load), and
    the dbt sources keep each key's newest row. Replaced resources stay replaced: a load
    replaces their files, so what a later snapshot leaves out is gone."""
    if pipeline.destination.destination_name == "filesystem":
        for resource in source.resources.values():
            disposition = resource.write_disposition
            if isinstance(disposition, dict):  # {"disposition": "merge", "strategy": ...}
                disposition = disposition.get("disposition")
            if disposition == "merge":
                resource.apply_hints(write_disposition="append")
    return source


def run_source(source: Any, pipeline: dlt.Pipeline) -> LoadInfo:
    """Load everything that succeeds; then raise one error naming every account that failed."""
    collected = failures.start_collecting()
    info = pipeline.run(for_destination(source, pipeline), **run_options(pipeline))
    failures.raise_recorded(collected)
    return info


def load_one_source(source_name: str, factory: Any, pipeline: dlt.Pipeline) -> LoadInfo:
    """Load source `source_name` as its dlt configuration says, through `pipeline`. Asked for by
    name, a source the configuration does not connect is an error, not a skip. Every failure
    is one line naming the source (and nothing secret): `LoadFailed`."""
    from ingestion.common.connection import connection_of
    from ingestion.common.http import SourceError

    pipeline.activate()
    try:
        state = connection_of(source_name, factory)
        if not state.connected:
            raise LoadFailed(state.describe())
        return run_source(state.dlt_source, pipeline)
    except (ValueError, SourceError, failures.PartialLoadError) as exc:
        text = str(exc)
        raise LoadFailed(text if text.startswith(f"{source_name}:")
                         else f"{source_name}: {text}") from None


class LoadFailed(RuntimeError):
    """Loading one source failed; the message is one line naming it."""


def load_from_config(source_name: str, factory: Any) -> None:
    """`python -m ingestion.<source>`: load one source from dlt config into the warehouse's
    build (the next run publishes it). Exits with the failure's one line."""
    import sys

    from core.publishing import prepare_build
    from core.settings import InvalidSetting, Settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_environment()
    except InvalidSetting as exc:
        print(f"{source_name}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    warehouse = settings.warehouse
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    prepare_build(warehouse)
    pipeline = make_pipeline(source_name, warehouse, progress="log",
                             database=settings.layout.build,
                             raw_parquet=settings.raw_parquet_dir,
                             memory_limit=settings.load_memory_limit)
    try:
        print(load_one_source(source_name, factory, pipeline))
    except LoadFailed as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
