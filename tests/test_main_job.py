"""End to end: the main job against the simulator, checked against the simulator's ground truth."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from ingestion.common.pipeline import pipelines_dir_for
from ingestion.simulator.config import source_settings
from ingestion.simulator.truth import spend_by_account_day
from orchestration.definitions import build_definitions
from orchestration.jobs import run_main_job
from orchestration.paths import REPO_ROOT

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


def _cli_run(warehouse, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "--warehouse", str(warehouse), "run"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _cli_env(server, tmp_path) -> dict[str, str]:
    return {**os.environ, **source_settings(server, tmp_path),
            "DAGSTER_HOME": str(tmp_path / "dagster_home")}


def test_two_runs_started_at_once_both_complete_and_equal_one_run(fresh_simulator, tmp_path):
    warehouse = tmp_path / "shared.duckdb"
    env = _cli_env(fresh_simulator, tmp_path)
    runs = [_cli_run(warehouse, env), _cli_run(warehouse, env)]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # one of them found the warehouse busy and waited for the other
    assert sum("waiting for it to finish" in out for out in outputs) == 1, outputs
    _assert_equals_truth(_mart(warehouse), fresh_simulator.world)


def test_a_run_killed_mid_load_is_followed_by_a_clean_complete_run(fresh_simulator, tmp_path):
    warehouse = tmp_path / "killed.duckdb"
    env = _cli_env(fresh_simulator, tmp_path)
    # A slow HubSpot page keeps the first run inside its load when it is killed.
    fresh_simulator.faults.add(kind="slow", api="hubspot", times=None, delay=0.5)
    killed = _cli_run(warehouse, env)
    # HubSpot's pipeline folder appears when its extract starts; its pages are slow, so two
    # seconds later the run is inside that load (and other sources may have finished theirs).
    hubspot = pipelines_dir_for(warehouse) / "ads_analytics_hubspot"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not hubspot.exists() and killed.poll() is None:
        time.sleep(0.2)
    assert hubspot.exists() and killed.poll() is None
    time.sleep(2)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    fresh_simulator.faults.clear()
    rerun = _cli_run(warehouse, env)
    out = rerun.communicate(timeout=900)[0]
    assert rerun.returncode == 0, out
    _assert_equals_truth(_mart(warehouse), fresh_simulator.world)
    _assert_crm_equals_truth(warehouse, fresh_simulator.world)


def test_a_failed_blocking_check_stops_the_marts_it_guards_and_says_why(pipeline_env, tmp_path):
    warehouse = tmp_path / "guarded.duckdb"
    defs = build_definitions(warehouse)
    first = run_main_job(defs, DagsterInstance.ephemeral())
    assert first.success, first.summary_lines()
    # A LinkedIn day disappears from raw after it was built: raw and marts no longer reconcile.
    with duckdb.connect(str(warehouse)) as con:
        account, day = con.execute("""
            select account_id, min("date") from raw_linkedin_ads.ad_analytics_daily
            group by account_id order by account_id limit 1""").fetchone()
        con.execute("""delete from raw_linkedin_ads.ad_analytics_daily
                       where account_id = ? and "date" = ?""", [account, day])
    second = run_main_job(defs, DagsterInstance.ephemeral())
    assert not second.success
    failed = [name for name, passed, _ in second.checks if not passed]
    assert failed == ["gx_spend"]
    [text] = [text for name, _, text in second.checks if name == "gx_spend"]
    assert f"'ad_account_id': '{account}'" in text and day in text
    # the guarded marts did not build; the warehouse's did
    assert "fct_campaign_performance_daily" not in second.materialized
    assert "fct_goal_progress" not in second.materialized
    assert "fct_ad_performance_daily" in second.materialized
    assert "gx_spend" in second.failure_message()
