"""Saving goals without a run (reporting/goal_marts.py) on the hand-built warehouse of
tests/reporting/conftest.py: what is published, what is left alone, and a failure that changes
nothing."""

from __future__ import annotations

import datetime as dt
import threading
import time

import duckdb
import pytest

from core.layout import WarehouseLayout
from core.locking import warehouse_lock
from reporting.goal_marts import GoalsNotSaved, save_goals
from reporting.goals import Goal, goals_text
from tests.reporting.conftest import build_fixture_warehouse

AS_OF = dt.date(2026, 6, 15)
SPEND = Goal("june_spend", "June spend", "spend", 500, period_start=dt.date(2026, 6, 1),
             period_end=dt.date(2026, 6, 30), campaigns=(("facebook", None),))


@pytest.fixture
def warehouse(tmp_path):
    return build_fixture_warehouse(tmp_path / "warehouse.duckdb")


def tables(path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {f"{schema}.{name}" for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}


@pytest.mark.slow
def test_saved_goals_publish_their_progress_from_the_published_file_not_the_build(warehouse):
    # a build holding a failed run's work, which must not reach readers
    build = WarehouseLayout(warehouse).build
    build_fixture_warehouse(build)
    with duckdb.connect(str(build)) as con:
        con.execute("create table marts.unpublished_work as select 1 as x")
    before = build.read_bytes()
    save_goals(warehouse, lambda: goals_text([SPEND]), as_of=AS_OF)
    assert "marts.unpublished_work" not in tables(warehouse)
    assert build.read_bytes() == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select goal_id, actual from marts.fct_goal_progress").fetchall() == [
            ("june_spend", 254.0)]
    assert WarehouseLayout(warehouse).goals.read_text() == goals_text([SPEND])
    # nothing left beside the warehouse but what belongs there
    assert sorted(p.name for p in warehouse.parent.iterdir() if not p.is_dir()) == sorted([
        "warehouse.duckdb", build.name, "warehouse_goals.jsonl", "warehouse.duckdb.lock",
        "warehouse.duckdb.children.lock"])


@pytest.mark.slow
def test_goals_the_marts_refuse_change_nothing(warehouse):
    before = warehouse.read_bytes()
    unmeasurable = goals_text([SPEND]).replace('"spend"', '"clicks"')  # no such goal type
    with pytest.raises(GoalsNotSaved, match="measuring the goals failed, nothing was changed: "):
        save_goals(warehouse, lambda: unmeasurable, as_of=AS_OF)
    assert warehouse.read_bytes() == before
    assert not WarehouseLayout(warehouse).goals.exists()
    assert sorted(p.name for p in warehouse.parent.iterdir() if not p.is_dir()) == sorted([
        "warehouse.duckdb", "warehouse.duckdb.lock", "warehouse.duckdb.children.lock"])


def test_a_change_waits_for_the_run_holding_the_warehouse(warehouse):
    waited = []
    read_at = []

    def new_goals() -> str:
        read_at.append(time.monotonic())
        raise GoalsNotSaved("stop here: only the wait is tested")

    with warehouse_lock(warehouse):
        saver = threading.Thread(target=lambda: pytest.raises(
            GoalsNotSaved, save_goals, warehouse, new_goals,
            on_wait=lambda: waited.append(time.monotonic())))
        saver.start()
        time.sleep(1.0)
        released = time.monotonic()
    saver.join(timeout=10)
    assert len(waited) == 1 and waited[0] < released
    assert read_at and read_at[0] >= released  # the goals are read once the run has ended


def test_goals_need_a_warehouse(tmp_path):
    with pytest.raises(GoalsNotSaved, match="no warehouse at .*: run `ads-analytics run`"):
        save_goals(tmp_path / "warehouse.duckdb", lambda: "")
