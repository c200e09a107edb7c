"""`python -m ingestion.facebook_ads`: load Facebook Ads into the warehouse
(`ADS_ANALYTICS_WAREHOUSE`) from dlt config."""

from ingestion.common.pipeline import load_from_config
from ingestion.facebook_ads import facebook_ads

if __name__ == "__main__":
    load_from_config("facebook_ads", facebook_ads)
