"""`python -m ingestion.linkedin_ads`: load LinkedIn Ads into the warehouse
(`ADS_ANALYTICS_WAREHOUSE`) from dlt config."""

from ingestion.common.pipeline import load_from_config
from ingestion.linkedin_ads import linkedin_ads

if __name__ == "__main__":
    load_from_config("linkedin_ads", linkedin_ads)
