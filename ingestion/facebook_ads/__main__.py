"""`python -m ingestion.facebook_ads`: load Facebook Ads into the warehouse from dlt config."""

from __future__ import annotations

import logging
import os

from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.facebook_ads import facebook_ads
from ingestion.facebook_ads.settings import SOURCE_NAME

WAREHOUSE_ENV = "ADS_ANALYTICS_WAREHOUSE"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    warehouse = os.environ.get(WAREHOUSE_ENV, DEFAULT_WAREHOUSE)
    os.makedirs(os.path.dirname(os.path.abspath(warehouse)), exist_ok=True)
    pipeline = make_pipeline(SOURCE_NAME, warehouse)
    print(run_source(facebook_ads(), pipeline))


if __name__ == "__main__":
    main()
