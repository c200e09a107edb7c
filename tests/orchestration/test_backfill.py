"""Backfills: a range loaded chunk by chunk equals one run over the range, and a failed chunk is
resumed from, not reloaded from the start."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from ingestion.simulator.config import source_settings
from orchestration.backfill import progress_path, run_backfill, source_window
from orchestration.definitions import LOAD_JOB, build_definitions
from orchestration.jobs import run_job, run_main_job

pytestmark = pytest.mark.slow

TABLES = ("marts.fct_ad_performance_daily", "marts.fct_keyword_performance_daily",
          "intermediate.int_sessions")


def _tables(warehouse) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = {}
        for table in TABLES:
            frame = con.execute(f"select * exclude (dlt_load_id) from {table}").df()
            frames[table] = frame.sort_values(list(frame.columns[:6])).reset_index(drop=True)
        return frames


def test_a_resumed_backfill_equals_one_run_over_the_same_range(fresh_simulator, tmp_path,
                                                              monkeypatch):
    for key, value in source_settings(fresh_simulator, tmp_path).items():
        monkeypatch.setenv(key, value)
    end = fresh_simulator.world.end_date - dt.timedelta(days=10)
    start = end - dt.timedelta(days=49)

    # One run over the range.
    single = tmp_path / "single" / "warehouse.duckdb"
    with source_window(start, end):
        outcome = run_main_job(build_definitions(single), DagsterInstance.ephemeral())
    assert outcome.success, outcome.summary_lines()

    # The backfill, in chunks of 20 days; LinkedIn's token expires during the second chunk.
    backfilled = tmp_path / "backfill" / "warehouse.duckdb"
    defs = build_definitions(backfilled)
    loads = []

    def job(name: str):
        if name == LOAD_JOB:
            loads.append(name)
            if len(loads) == 2:
                fresh_simulator.faults.add(kind="expired_token", api="linkedin_ads", times=None)
        return run_job(name, defs, DagsterInstance.ephemeral())

    messages: list[str] = []
    with pytest.raises(RuntimeError) as failed:
        run_backfill(start, end, 20, backfilled, job, say=messages.append)
    second = f"{start + dt.timedelta(days=20)}..{start + dt.timedelta(days=39)}"
    assert f"chunk {second} failed" in str(failed.value) and "linkedin_ads" in str(failed.value)
    assert progress_path(backfilled, start, end, 20).exists()

    fresh_simulator.faults.clear()
    resumed = run_backfill(start, end, 20, backfilled, job, say=messages.append)
    assert resumed.skipped == [(start, start + dt.timedelta(days=19))]
    assert [first for first, _ in resumed.loaded] == [start + dt.timedelta(days=20),
                                                      start + dt.timedelta(days=40)]
    assert "Resuming: 1 of 3 chunks were already loaded." in messages
    assert resumed.transform.success, resumed.transform.summary_lines()

    expected, got = _tables(single), _tables(backfilled)
    for table in TABLES:
        assert len(got[table]) > 0, table
        pd.testing.assert_frame_equal(got[table], expected[table], check_dtype=False)
    days = got["marts.fct_ad_performance_daily"]["date_day"]
    assert days.min().date() >= start - dt.timedelta(days=1)
    assert days.max().date() <= end + dt.timedelta(days=1)

    # Running the finished backfill again loads nothing and changes nothing.
    again = run_backfill(start, end, 20, backfilled, job, say=messages.append)
    assert again.loaded == [] and len(again.skipped) == 3
    for table, frame in _tables(backfilled).items():
        pd.testing.assert_frame_equal(frame, expected[table], check_dtype=False)
