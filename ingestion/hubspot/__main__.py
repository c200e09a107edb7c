"""`python -m ingestion.hubspot`: load the configured HubSpot portal into the warehouse.

Configuration comes from dlt (`.dlt/*.toml` or env, e.g. `SOURCES__HUBSPOT__ACCESS_TOKEN`,
`SOURCES__HUBSPOT__BASE_URL`); the warehouse from `ADS_ANALYTICS_WAREHOUSE`.
"""

from __future__ import annotations

import logging
import os

from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.hubspot import hubspot_source


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    warehouse = os.environ.get("ADS_ANALYTICS_WAREHOUSE", "data/warehouse.duckdb")
    pipeline = make_pipeline("hubspot", warehouse)
    print(run_source(hubspot_source(), pipeline))


if __name__ == "__main__":
    main()
