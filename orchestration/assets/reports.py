"""Report assets: the overview, the campaign table and the summary of the last 30 loaded days,
written beside the warehouse (`<name>_reports/`) after the marts and their blocking checks.

The overview's numbers are also materialization metadata, so the asset's page in the Dagster UI
plots spend, contacts and ROI run over run.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagster import AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from orchestration.assets.ingestion import WAREHOUSE_POOL
from orchestration.dbt import OWNER
from orchestration.resources import Warehouse
from reporting.output import fenced
from reporting.publish import WINDOW_DAYS, publish

# The marts the published reports read.
READS = ("dim_ad_accounts", "dim_ad_account_access", "dim_campaigns", "dim_keywords",
         "fct_ad_performance_daily", "fct_campaign_performance_daily",
         "fct_campaign_credit_by_model_daily",
         "fct_keyword_performance_daily", "fct_contact_attribution", "fct_deal_attribution")
REPORT_ASSETS = {
    "report_overview": "Impressions, clicks, contacts, deals, spend, revenue and ROI of the "
                       f"last {WINDOW_DAYS} loaded days (<name>_reports/overview.json).",
    "report_campaigns": f"The campaign table of the last {WINDOW_DAYS} loaded days, by spend "
                        "(<name>_reports/campaigns.parquet).",
    "report_summary": f"The Markdown summary of the last {WINDOW_DAYS} loaded days against the "
                      "30 before (<name>_reports/summary.md).",
}


def build_report_assets():
    specs = [
        AssetSpec(name, description=description, group_name="reports", owners=[OWNER],
                  deps=[AssetKey([mart]) for mart in READS], kinds={"python"})
        for name, description in REPORT_ASSETS.items()
    ]

    @multi_asset(specs=specs, name="reports", pool=WAREHOUSE_POOL)
    def _reports(warehouse: Warehouse) -> Iterator[MaterializeResult]:
        # (read from the build, written where the published warehouse's reports live)
        yield from materializations(publish(warehouse.build, folder=warehouse.layout.reports))

    return _reports


def materializations(published) -> Iterator[MaterializeResult]:
    window = {"first_day": str(published.first_day), "last_day": str(published.last_day)}
    yield MaterializeResult(asset_key="report_overview", metadata={
        **window, **{name: MetadataValue.float(value) for name, value
                     in published.overview.items() if value is not None},
        "path": MetadataValue.path(str(published.overview_file)),
    })
    yield MaterializeResult(asset_key="report_campaigns", metadata={
        **window, "rows": published.campaign_rows,
        "path": MetadataValue.path(str(published.campaigns_file)),
        "top_10_by_spend": MetadataValue.md(fenced(published.campaigns_preview)),
    })
    yield MaterializeResult(asset_key="report_summary", metadata={
        **window, "path": MetadataValue.path(str(published.summary_file)),
        "summary": MetadataValue.md(published.summary),
    })
