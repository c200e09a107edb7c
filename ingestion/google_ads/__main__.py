"""`python -m ingestion.google_ads`: load Google Ads into the warehouse
(`ADS_ANALYTICS_WAREHOUSE`) from dlt config."""

from ingestion.common.pipeline import load_from_config
from ingestion.google_ads import google_ads

if __name__ == "__main__":
    load_from_config("google_ads", google_ads)
