"""Backfills: a range loaded chunk by chunk holds exactly what one run over the range loads (the
simulator's truth for those days), and a failed chunk is resumed from, not reloaded from the
start."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from core.settings import FIRST_DAY_ENV, Settings
from orchestration.backfill import progress_path, run_backfill
from orchestration.definitions import LOAD_JOB, build_definitions
from orchestration.jobs import run_job
from simulator.config import source_settings
from simulator.truth import spend_by_account_day

pytestmark = pytest.mark.slow


@pytest.mark.slow(minutes=2)
def test_a_resumed_backfill_loads_exactly_the_range(fresh_simulator, tmp_path, monkeypatch):
    for key, value in source_settings(fresh_simulator, tmp_path).items():
        monkeypatch.setenv(key, value)
    end = fresh_simulator.world.end_date - dt.timedelta(days=10)
    start = end - dt.timedelta(days=49)

    # The backfill, in chunks of 20 days; LinkedIn's token expires during the second chunk.
    backfilled = tmp_path / "backfill" / "warehouse.duckdb"
    defs = build_definitions(backfilled)
    loads = []
    instance = DagsterInstance.ephemeral()

    def job(name: str, tags: dict[str, str]):
        if name == LOAD_JOB:
            loads.append(name)
            if len(loads) == 2:
                fresh_simulator.faults.add(kind="expired_token", api="linkedin_ads", times=None)
        return run_job(name, defs, instance, tags=tags)

    messages: list[str] = []
    with pytest.raises(RuntimeError) as failed:
        run_backfill(start, end, 20, Settings.from_environment(warehouse=backfilled), job,
                     say=messages.append)
    second = f"{start + dt.timedelta(days=20)}..{start + dt.timedelta(days=39)}"
    assert f"chunk {second} failed" in str(failed.value) and "linkedin_ads" in str(failed.value)
    assert progress_path(backfilled, start, end, 20).exists()

    fresh_simulator.faults.clear()
    resumed = run_backfill(start, end, 20, Settings.from_environment(warehouse=backfilled), job,
                           say=messages.append)
    assert resumed.skipped == [(start, start + dt.timedelta(days=19))]
    assert [first for first, _ in resumed.loaded] == [start + dt.timedelta(days=20),
                                                      start + dt.timedelta(days=40)]
    assert "Resuming: 1 of 3 chunks were already loaded." in messages
    assert resumed.transform.success, resumed.transform.summary_lines()

    # The marts hold exactly the simulator's truth for the range (what one run over the range
    # loads), and the sessions of the range.
    truth = spend_by_account_day(fresh_simulator.world)
    truth = truth[(truth["date"] >= start.isoformat()) & (truth["date"] <= end.isoformat())]
    with duckdb.connect(str(backfilled), read_only=True) as con:
        mart = con.execute("""
            select network, ad_account_id as account_id, cast(date_day as varchar) as date,
                   sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks
            from marts.fct_ad_performance_daily group by all""").df()
        sessions = con.execute("select min(started_at), max(started_at), count(*) "
                               "from intermediate.int_sessions").fetchone()
    merged = truth.merge(mart, on=["network", "account_id", "date"], how="outer",
                         suffixes=("_truth", "_mart"), indicator=True)
    assert len(merged) == len(truth) > 0
    assert (merged["_merge"] == "both").all()
    assert [Decimal(str(v)) for v in merged["spend_mart"]] == list(merged["spend_truth"])
    assert (merged["impressions_mart"] == merged["impressions_truth"]).all()
    assert (merged["clicks_mart"] == merged["clicks_truth"]).all()
    first_session, last_session, count = sessions
    assert count > 0
    # HubSpot's events are instants: the range is the portal's days, and exactly the simulator's
    # page views and form submissions of those days arrived.
    portal = ZoneInfo("America/New_York")
    assert first_session.astimezone(portal).date() >= start
    assert last_session.astimezone(portal).date() <= end
    world = fresh_simulator.world
    for table, events, at, key in (
            ("page_views", world.page_views, "occurred_at", "event_id"),
            ("form_submissions", world.form_submissions, "submitted_at", "submission_id")):
        days = events[at].dt.tz_convert(portal).dt.date
        expected = set(events.loc[(days >= start) & (days <= end), key])
        with duckdb.connect(str(backfilled), read_only=True) as con:
            rows = con.execute(f"select id from raw_hubspot.{table}").fetchall()
        loaded = {id_ for (id_,) in rows}
        assert loaded == expected, (table, len(loaded), len(expected))

    # Each chunk was a run over its daily partitions, as a Dagster backfill launches: every day
    # of the range is a materialized partition of every raw table (LinkedIn's second chunk too,
    # once resumed), and no day outside it.
    days = {(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)}
    for key in (["raw_facebook_ads", "ad_insights"], ["raw_linkedin_ads", "ad_analytics_daily"],
                ["raw_hubspot", "page_views"]):
        assert set(instance.get_materialized_partitions(AssetKey(key))) == days, key


def test_a_backfill_outside_the_partitioned_days_is_refused_up_front(tmp_path, monkeypatch):
    monkeypatch.setenv(FIRST_DAY_ENV, "2025-01-01")
    never = []
    with pytest.raises(ValueError, match=f"before the first day partitioned.*{FIRST_DAY_ENV}"):
        run_backfill(dt.date(2024, 12, 1), dt.date(2025, 1, 31), 30,
                     Settings.from_environment(warehouse=tmp_path / "w.duckdb"),
                     lambda name, tags: never.append(name))
    three_days_ahead = dt.date.today() + dt.timedelta(days=3)
    with pytest.raises(ValueError, match="after today"):
        run_backfill(dt.date(2025, 1, 1), three_days_ahead, 30,
                     Settings.from_environment(warehouse=tmp_path / "w.duckdb"),
                     lambda name, tags: never.append(name))
    assert never == []
