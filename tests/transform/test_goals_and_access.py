"""Goal progress and ad-account access after a real `dbt build`."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from core.settings import GOALS_FILE_ENV
from simulator import truth
from simulator.world import PORTAL_TIME_ZONE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("transform")]

AS_OF = "2026-10-20"


def _first_form_contacts(world, start: str, end: str) -> int:
    """Distinct new contacts first_form_submission credits to an ad, converted on portal days
    start..end: from the simulator's truth, independently of the warehouse."""
    credited = truth.attributed_contacts(world, "first_form_submission")
    converted = truth.conversions(world)
    converted = converted[converted["contact_id"].isin(credited["contact_id"])]
    day = pd.to_datetime(converted["converted_at"], utc=True).dt.tz_convert(PORTAL_TIME_ZONE)
    day = day.dt.strftime("%Y-%m-%d")
    return converted.loc[(day >= start) & (day <= end), "contact_id"].nunique()


@pytest.fixture(scope="module")
def goals(built):
    """Crafted goals in the seeded table of a copy, progress rebuilt as of 2026-10-20."""
    warehouse = built.copy("goals")
    world = built.server.world
    early = _first_form_contacts(world, "2026-10-01", "2026-10-10")
    month = _first_form_contacts(world, "2026-10-01", AS_OF)
    rows = pd.DataFrame([
        # ended before the as-of day, target met / not met
        ("met", "contacts_first_form_submission", None, early, "2026-10-01", "2026-10-10"),
        ("short", "contacts_first_form_submission", None, early + 1, "2026-10-01", "2026-10-10"),
        # running: 20 of 31 days gone, so expected by today is 20/31 of the target
        ("ahead", "contacts_first_form_submission", None, month * 31 / 20, "2026-10-01",
         "2026-10-31"),
        ("behind", "contacts_first_form_submission", None, month * 31 / 20 + 2, "2026-10-01",
         "2026-10-31"),
        ("cheap", "cost_per_contact_in_stage", "lead", 1e9, "2026-10-01", "2026-10-31"),
        ("dear", "cost_per_contact_in_stage", "lead", 0.01, "2026-10-01", "2026-10-31"),
        ("spend", "spend", None, 1, "2026-10-01", "2026-10-31"),
    ], columns=["goal_id", "goal_type", "lifecycle_stage", "target", "period_start",
                "period_end"])
    rows["goal_name"] = rows["goal_id"]
    rows["period_preset"] = None
    with duckdb.connect(str(warehouse.path)) as con:
        con.register("crafted", rows)
        con.execute("delete from seeds.goals")
        con.execute("delete from seeds.goal_campaigns")
        con.execute("insert into seeds.goals by name select * from crafted")
    result = warehouse.dbt("run", "--select", "dim_goal_campaigns", "fct_goal_progress",
                           "--vars", f"{{goals_as_of: '{AS_OF}'}}")
    assert result.success, result.failures
    progress = warehouse.query("select * from marts.fct_goal_progress").set_index("goal_id")
    return progress, early, month, warehouse


def test_contact_goals_count_distinct_first_form_contacts(goals):
    progress, early, month, _ = goals
    assert early > 0 and month > early
    assert progress.loc["met", "actual"] == early
    assert progress.loc["ahead", "actual"] == month


def test_goal_status_follows_the_period_and_the_pace(goals):
    progress, _, month, _ = goals
    assert progress.loc["met", "status"] == "achieved"
    assert progress.loc["short", "status"] == "missed"
    assert progress.loc["ahead", "expected_by_today"] == pytest.approx(month)
    assert progress.loc["ahead", "status"] == "on_track"
    assert progress.loc["behind", "status"] == "at_risk"
    # a spend goal is a budget: 1 spent long before 20/31 of the month is far over its pace
    assert progress.loc["spend", "status"] == "over_pace"
    assert progress.loc["spend", "pace"] == pytest.approx(
        progress.loc["spend", "actual"] / (20 / 31))


def test_cost_goals_are_met_from_below(goals):
    progress, _, _, warehouse = goals
    assert progress.loc["cheap", "status"] == "on_track"
    assert progress.loc["dear", "status"] == "at_risk"
    spend = warehouse.query(f"""
        select sum(spend_company_currency) as s from marts.fct_ad_performance_daily
        where date_day between '2026-10-01' and '{AS_OF}'""")["s"][0]
    leads = warehouse.query(f"""
        select count(distinct contact_id) as n from marts.fct_contact_attribution
        where attribution_model = 'first_form_submission' and lifecycle_stage = 'lead'
          and attributed_date between '2026-10-01' and '{AS_OF}'""")["n"][0]
    assert progress.loc["cheap", "actual"] == pytest.approx(float(spend) / leads)


def test_users_see_their_teams_accounts_and_admins_see_all(built):
    world = built.server.world
    access = built.query("select * from marts.dim_ad_account_access")
    users = access[access["principal_type"] == "user"]
    team_networks = {"4100": {"facebook", "linkedin"}, "4200": {"google"}}
    accounts = world.accounts
    for user in world.users.itertuples():
        seen = set(users.loc[users["principal_id"] == user.user_id, "ad_account_id"])
        if user.super_admin:
            expected = set(accounts["account_id"].astype(str))
        else:
            networks = team_networks[user.primary_team_id]
            expected = set(accounts.loc[accounts["network"].isin(networks), "account_id"]
                           .astype(str))
        assert seen == expected, user.user_id
    assert set(access.loc[access["principal_type"] == "team", "principal_id"]) == {"4100",
                                                                                  "4200"}


def test_users_teams_and_their_members_come_from_hubspot(built):
    world = built.server.world
    users = built.query("select * from marts.dim_users").set_index("user_id")
    assert sorted(users.index) == sorted(world.users["user_id"])
    assert list(users.loc[world.users["user_id"], "email"]) == list(world.users["email"])
    teams = built.query("select * from marts.dim_teams")
    assert dict(zip(teams.team_id, teams.team_name, strict=True)) == dict(
        zip(world.teams["team_id"], world.teams["name"], strict=True))
    members = built.query("select team_id, user_id from marts.dim_team_members")
    expected = {(user.primary_team_id, user.user_id) for user in world.users.itertuples()
                if isinstance(user.primary_team_id, str)}
    assert set(members.itertuples(index=False, name=None)) == expected


@pytest.fixture(scope="module")
def goals_from_file(built, tmp_path_factory):
    """A goals file as `ads-analytics goals` writes it, measured by the goal marts of a copy."""
    from reporting.goals import Goal, goals_text

    warehouse = built.copy("goals_file")
    goals = [
        Goal("search_spend", "Search spend", "spend", 1000, period_start=dt.date(2026, 10, 1),
             period_end=dt.date(2026, 10, 31), campaigns=(("google", None),),
             owner=("team", "4200")),
        Goal("all_contacts", "All contacts", "contacts_first_form_submission", 10,
             period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
             owner=("user", "7000101")),
    ]
    path = tmp_path_factory.mktemp("goals") / "warehouse_goals.jsonl"
    path.write_text(goals_text(goals))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(GOALS_FILE_ENV, str(path))
        result = warehouse.dbt("build", "--select", "dim_goal_campaigns", "fct_goal_progress",
                               "--exclude-resource-type", "unit_test",
                               "--vars", f"{{goals_as_of: '{AS_OF}'}}")
    assert result.success, result.failures
    return warehouse


def test_the_goal_marts_measure_the_goals_file_when_there_is_one(goals_from_file, built):
    progress = goals_from_file.query("select * from marts.fct_goal_progress").set_index("goal_id")
    assert sorted(progress.index) == ["all_contacts", "search_spend"]  # not the examples
    assert list(progress.loc["search_spend", ["owner_type", "owner_id"]]) == ["team", "4200"]
    assert list(progress.loc["all_contacts", ["owner_type", "owner_id"]]) == ["user", "7000101"]
    covered = goals_from_file.query("""
        select goal_id, count(*) as campaigns, count(distinct network) as networks
        from marts.dim_goal_campaigns group by goal_id""").set_index("goal_id")
    campaigns = built.query("select network, count(*) as n from marts.dim_campaigns"
                            " group by network").set_index("network")["n"]
    assert covered.loc["search_spend", "campaigns"] == campaigns["google"]
    assert covered.loc["all_contacts", "campaigns"] == campaigns.sum()
    spend = built.query(f"""
        select sum(spend_company_currency) as s from marts.fct_ad_performance_daily
        where network = 'google' and date_day between '2026-10-01' and '{AS_OF}'""")["s"][0]
    assert progress.loc["search_spend", "actual"] == pytest.approx(float(spend))
    assert progress.loc["search_spend", "expected_by_today"] == pytest.approx(1000 * 20 / 31)
    world = built.server.world
    assert progress.loc["all_contacts", "actual"] == _first_form_contacts(
        world, "2026-10-01", AS_OF)
