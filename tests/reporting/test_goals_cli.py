"""`ads-analytics goals` on the hand-built warehouse: goals added, changed and removed, each
measured and published at once (dbt rebuilds the goal marts in a copy of the warehouse), with
numbers worked out by hand from tests/reporting/conftest.py.

As of 2026-06-15, 15 of June's 30 days have passed. In June up to then the Facebook account F1
spent 254 (A1a 100 + 40, A1b 60, A2 30, A6 0 + 24) and had two new leads under
first_form_submission (P9 on C6, P5 on C1)."""

import json
import os

import pandas as pd
import pytest

from core.layout import WarehouseLayout
from core.settings import ENGINE_ENV, WAREHOUSE_ENV
from orchestration.cli import main
from reporting.goals import example_goals, read_goals
from tests.reporting.conftest import build_fixture_warehouse

TODAY = ["--today", "2026-06-15"]
JUNE = ["--start", "2026-06-01", "--end", "2026-06-30"]


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    """A warehouse of its own: each change replaces the published file."""
    path = build_fixture_warehouse(tmp_path / "warehouse.duckdb")
    # `--warehouse` sets the variable for the process; put it back after each test
    monkeypatch.setenv(WAREHOUSE_ENV, str(path))
    return path


def run(warehouse, *args) -> int:
    return main(["--warehouse", str(warehouse), *args])


def progress(warehouse, capsys, *filters) -> pd.DataFrame:
    capsys.readouterr()
    assert run(warehouse, "report", "goals", *filters, "--format", "json") == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out)).set_index("goal_id")


@pytest.mark.slow
def test_goals_added_changed_and_removed_show_in_progress_at_once(warehouse, capsys,
                                                                  monkeypatch):
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    assert run(warehouse, "goals", "add", "--name", "Facebook June spend", "--type", "spend",
               "--target", "500", *JUNE, "--campaign", "facebook", "--owner", "user:U1",
               *TODAY) == 0
    said = capsys.readouterr().out
    assert said.startswith("Added goal facebook_june_spend: 'Facebook June spend', spend target "
                           "500 over 2026-06-01..2026-06-30, every facebook campaign, owned by "
                           "user:U1 (u1@example.com)")
    # a goal's --target is not the command's engine (--target duckdb|spark)
    assert ENGINE_ENV not in os.environ
    # 500 x 15/30 = 250 expected; 254 spent: pace 254/250
    goal = progress(warehouse, capsys, "--user", "U1").loc["facebook_june_spend"]
    assert (goal.actual, goal.expected_by_today, goal.status) == (254, 250, "on_track")
    assert goal.pace == pytest.approx(1.016)
    assert (goal.owner_type, goal.owner_id, goal.owner_name) == ("user", "U1", "u1@example.com")
    assert goal.as_of_date.startswith("2026-06-15")

    # 400 x 15/30 = 200 expected: 254 is 127% of it, over 110%
    assert run(warehouse, "goals", "change", "facebook_june_spend", "--target", "400",
               *TODAY) == 0
    goal = progress(warehouse, capsys).loc["facebook_june_spend"]
    assert (goal.target, goal.expected_by_today, goal.status) == (400, 200, "over_pace")
    assert goal.pace == pytest.approx(1.27)

    # 254 / 2 leads = 127 a lead, at or below 150: met, on track until June ends
    assert run(warehouse, "goals", "add", "--name", "Cheap Facebook leads", "--type",
               "cost_per_contact_in_stage", "--stage", "lead", "--target", "150",
               "--period", "this_month", "--campaign", "facebook", "--owner", "team:T1",
               *TODAY) == 0
    goal = progress(warehouse, capsys, "--team", "T1").loc["cheap_facebook_leads"]
    assert goal.actual == pytest.approx(127)
    assert goal.percent_of_target == pytest.approx(150 / 127)
    assert (goal.status, goal.owner_name) == ("on_track", "Search team")

    assert run(warehouse, "goals", "remove", "facebook_june_spend", *TODAY) == 0
    assert "Removed goal facebook_june_spend ('Facebook June spend')." in (
        capsys.readouterr().out)
    shown = progress(warehouse, capsys)
    assert "facebook_june_spend" not in shown.index
    # the first change kept the example goals the warehouse showed before
    kept = [goal.goal_id for goal in read_goals(WarehouseLayout(warehouse).goals)]
    assert kept == [*(goal.goal_id for goal in example_goals()), "cheap_facebook_leads"]
    assert sorted(shown.index) == sorted(kept)


def test_goals_list_shows_the_examples_until_the_first_change(warehouse, capsys):
    assert run(warehouse, "goals", "list", "--format", "csv") == 0
    out = capsys.readouterr()
    listed = [line.split(",")[0] for line in out.out.splitlines()[1:]]
    assert listed == [goal.goal_id for goal in example_goals()]
    assert "the project's example goals" in out.err


@pytest.mark.parametrize("args, message", [
    (["--type", "spendy", "--target", "5", "--period", "this_month"],
     "unknown goal type 'spendy'; valid values: contacts_first_form_submission, "),
    (["--type", "contacts_in_stage", "--target", "5", "--period", "this_month"],
     "a contacts_in_stage goal needs a lifecycle stage (--stage): one of subscriber, lead, "),
    (["--type", "spend", "--stage", "lead", "--target", "5", "--period", "this_month"],
     "a spend goal has no lifecycle stage, got 'lead'"),
    (["--type", "spend", "--target", "0", "--period", "this_month"],
     "invalid target '0'; expected a number above 0"),
    (["--type", "spend", "--target", "-3", "--period", "this_month"],
     "invalid target '-3'; expected a number above 0"),
    (["--type", "spend", "--target", "5", "--start", "2026-06-30", "--end", "2026-06-01"],
     "the period ends (2026-06-01) before it starts (2026-06-30)"),
    (["--type", "spend", "--target", "5", "--period", "next_week"],
     "unknown period 'next_week'; valid values: this_month, this_quarter, this_year, "),
    (["--type", "spend", "--target", "5", "--period", "this_month", "--campaign", "google:C9"],
     "unknown campaign google:C9: not a campaign of the warehouse"),
    (["--type", "spend", "--target", "5", "--period", "this_month", "--campaign", "tiktok"],
     "unknown network 'tiktok'; valid values: facebook, google, linkedin"),
    (["--type", "spend", "--target", "5", "--period", "this_month", "--owner", "user:U9"],
     "unknown owner user 'U9'; valid values: U1, U2"),
    (["--type", "spend", "--target", "5", "--period", "this_month", "--owner", "U1"],
     "invalid owner 'U1'; expected user:ID or team:ID"),
])
def test_a_goal_that_cannot_be_measured_is_one_line_and_nothing_is_saved(
        warehouse, capsys, args, message):
    assert run(warehouse, "goals", "add", "--name", "x", *args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ads-analytics: error: {message}")
    assert err.count("\n") == 1
    assert not WarehouseLayout(warehouse).goals.exists()


def test_changing_or_removing_an_unknown_goal_names_the_goals(warehouse, capsys):
    assert run(warehouse, "goals", "remove", "nope") == 1
    assert capsys.readouterr().err.startswith(
        "ads-analytics: error: unknown goal 'nope'; valid values: contacts_this_month, ")
    assert run(warehouse, "goals", "change", "nope", "--target", "3") == 1
    assert "unknown goal 'nope'" in capsys.readouterr().err
    assert not WarehouseLayout(warehouse).goals.exists()


def test_the_goals_report_takes_one_owner(warehouse, capsys):
    assert run(warehouse, "report", "goals", "--user", "U1", "--team", "T1") == 1
    assert "--user and --team choose one owner" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--all-campaigns", "--campaign", "google"],
     "--all-campaigns and --campaign contradict each other: choose one"),
    (["--no-owner", "--owner", "user:U1"],
     "--no-owner and --owner contradict each other: choose one"),
])
def test_a_change_that_contradicts_itself_is_refused(warehouse, capsys, args, message):
    assert run(warehouse, "goals", "change", "contacts_this_month", *args) == 1
    assert capsys.readouterr().err == f"ads-analytics: error: {message}\n"
    assert not WarehouseLayout(warehouse).goals.exists()
