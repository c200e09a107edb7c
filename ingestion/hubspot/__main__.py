"""`python -m ingestion.hubspot`: load HubSpot into the warehouse
(`ADS_ANALYTICS_WAREHOUSE`) from dlt config."""

from ingestion.common.pipeline import load_from_config
from ingestion.hubspot import hubspot_source

if __name__ == "__main__":
    load_from_config("hubspot", hubspot_source)
