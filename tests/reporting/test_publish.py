"""The report assets: a real Dagster materialization over the hand-built warehouse."""

import json
import shutil

import pandas as pd
from dagster import AssetKey, materialize

from orchestration.assets.reports import build_report_assets
from orchestration.resources import Warehouse


def test_materializing_the_report_assets_writes_the_reports_of_the_last_loaded_days(
        fixture_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    result = materialize([build_report_assets()],
                         resources={"warehouse": Warehouse(path=str(warehouse))})
    assert result.success
    # The last loaded day is 06-14, so the window is 05-16..06-14: the last_30_days of
    # 2026-06-15, whose spend is every row (460) and whose contacts are P1, P2, P4, P5.
    overview = json.loads((tmp_path / "warehouse_reports" / "overview.json").read_text())
    assert (overview["first_day"], overview["last_day"]) == ("2026-05-16", "2026-06-14")
    assert overview["spend"] == 460 and overview["contacts"] == 4
    campaigns = pd.read_parquet(tmp_path / "warehouse_reports" / "campaigns.parquet")
    assert list(campaigns.campaign_id) == ["C1", "C3", "C5", "C2", "C4"]  # by spend
    summary = (tmp_path / "warehouse_reports" / "summary.md").read_text()
    assert summary.startswith("# Ads summary, 2026-05-16..2026-06-14")
    metadata = result.asset_materializations_for_node("reports")
    by_key = {m.asset_key: m.metadata for m in metadata}
    assert by_key[AssetKey("report_overview")]["spend"].value == 460
    assert by_key[AssetKey("report_campaigns")]["rows"].value == 5
    assert "Spend was 460.00 USD" in by_key[AssetKey("report_summary")]["summary"].value
