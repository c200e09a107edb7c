"""End to end: the main job against the simulator, checked against the simulator's ground truth."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from ingestion.simulator.config import source_settings
from ingestion.simulator.truth import spend_by_account_day
from orchestration.definitions import build_definitions
from orchestration.jobs import run_main_job

pytestmark = pytest.mark.slow

MART_TOTALS = """
select network, ad_account_id as account_id, cast(date_day as varchar) as date,
       sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks,
       count(*) as rows
from marts.fct_ad_performance_daily
group by all
order by network, account_id, date
"""


def _mart(warehouse) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(MART_TOTALS).df()


def _assert_equals_truth(mart: pd.DataFrame, world) -> None:
    truth = spend_by_account_day(world)
    assert len(mart) == len(truth)
    merged = truth.merge(mart, on=["network", "account_id", "date"], how="outer",
                         suffixes=("_truth", "_mart"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert [Decimal(str(v)) for v in merged["spend_mart"]] == list(merged["spend_truth"])
    assert (merged["impressions_mart"] == merged["impressions_truth"]).all()
    assert (merged["clicks_mart"] == merged["clicks_truth"]).all()


def _assert_crm_equals_truth(warehouse, world) -> None:
    """Every CRM record the simulator holds arrived, with the dates the simulator config sets."""
    expected = {"contacts": len(world.contacts), "deals": len(world.deals),
                "deal_contact_associations": len(world.deal_contacts),
                "page_views": len(world.page_views),
                "form_submissions": len(world.form_submissions),
                "exchange_rates": len(world.exchange_rates)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = {table: con.execute(f"select count(*) from raw_hubspot.{table}").fetchone()[0]
                  for table in expected}
    assert loaded == expected


@pytest.fixture
def pipeline_env(fresh_simulator, tmp_path, monkeypatch):
    for key, value in source_settings(fresh_simulator, tmp_path).items():
        monkeypatch.setenv(key, value)
    return fresh_simulator


def test_main_job_builds_marts_equal_to_truth_and_reruns_idempotently(pipeline_env, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    defs = build_definitions(warehouse)
    first = run_main_job(defs, DagsterInstance.ephemeral())
    assert first.success, first.summary_lines()
    assert first.checks and all(passed for _, passed, _ in first.checks)
    # The simulated advertiser has accounts outside the portal's time zone: a warning, not a
    # failure.
    assert sorted(name for name, _ in first.warnings) == [
        "assert_ad_account_time_zones_aligned", "gx_time_zone_alignment"]
    mart = _mart(warehouse)
    _assert_equals_truth(mart, pipeline_env.world)
    _assert_crm_equals_truth(warehouse, pipeline_env.world)

    second = run_main_job(defs, DagsterInstance.ephemeral())
    assert second.success, second.summary_lines()
    pd.testing.assert_frame_equal(_mart(warehouse), mart)

    pipeline_env.restate()
    third = run_main_job(defs, DagsterInstance.ephemeral())
    assert third.success, third.summary_lines()
    restated = _mart(warehouse)
    _assert_equals_truth(restated, pipeline_env.world)
    assert not restated.equals(mart)
