"""`python -m ingestion.google_ads`: load Google Ads into the warehouse from dlt config.

The warehouse is env `ADS_ANALYTICS_WAREHOUSE` (default `data/warehouse.duckdb`).
"""

from __future__ import annotations

import logging

from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.google_ads import google_ads
from ingestion.google_ads.settings import SOURCE_NAME
from orchestration.paths import warehouse_path


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    warehouse = warehouse_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    pipeline = make_pipeline(SOURCE_NAME, warehouse)
    print(run_source(google_ads(), pipeline))


if __name__ == "__main__":
    main()
