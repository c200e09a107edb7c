"""Run one dlt source into the warehouse, with failure isolation across its accounts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo

from ingestion.common import failures

log = logging.getLogger(__name__)

DATASETS = {
    "facebook_ads": "raw_facebook_ads",
    "google_ads": "raw_google_ads",
    "linkedin_ads": "raw_linkedin_ads",
    "hubspot": "raw_hubspot",
}


def make_pipeline(source_name: str, warehouse: str | Path,
                  pipelines_dir: str | Path | None = None) -> dlt.Pipeline:
    """The dlt pipeline for one source: DuckDB file `warehouse`, dataset `raw_<source>`."""
    return dlt.pipeline(
        pipeline_name=f"ads_analytics_{source_name}",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name=DATASETS[source_name],
        pipelines_dir=str(pipelines_dir) if pipelines_dir else None,
        progress="log",
    )


def run_source(source: Any, pipeline: dlt.Pipeline) -> LoadInfo:
    """Load everything that succeeds; then raise one error naming every account that failed."""
    collected = failures.start_collecting()
    info = pipeline.run(source)
    failures.raise_recorded(collected)
    return info
