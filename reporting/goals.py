"""The goals a warehouse's users manage, HubSpot-style: what a goal is, the file that holds them,
and the checks a new or changed goal passes before it is kept.

    goals = current_goals(warehouse)                       # the file's, else the examples
    goal = define(name="Q3 spend", goal_type="spend", target=50_000, period="this_quarter",
                  campaigns=["google:123", "facebook"], owner="team:4100", taken=goals)
    check_against(goal, held(reports))                     # its campaigns and owner exist

Goals live beside the warehouse in `<name>_goals.jsonl` (`WarehouseLayout.goals`), one
JSON object per line, which the goal marts read (dbt_project/macros/goals.sql). A warehouse
without one shows the project's example goals (dbt_project/seeds/goals.csv): the first change
starts the file from them, so nothing a user saw disappears unless they remove it.
`reporting.goal_marts.save_goals` writes the file and shows the change in the published goal
progress without a run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from core.layout import WarehouseLayout
from core.paths import DBT_PROJECT_DIR
from reporting.catalog import NETWORKS, STAGE_METRICS
from reporting.errors import InvalidFilter, ReportError

GOAL_TYPES = ("contacts_first_form_submission", "contacts_in_stage", "cost_per_contact_in_stage",
              "network_conversions", "spend", "roi")
# The types that count or cost the contacts in one lifecycle stage.
STAGE_TYPES = ("contacts_in_stage", "cost_per_contact_in_stage")
LIFECYCLE_STAGES = tuple(STAGE_METRICS.values())
# Periods relative to the day progress is measured on (fct_goal_progress).
PERIOD_PRESETS = ("this_month", "this_quarter", "this_year", "last_30_days")
OWNER_TYPES = ("user", "team")
GOAL_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
EXAMPLES = DBT_PROJECT_DIR / "seeds"


class GoalError(ReportError):
    """A goal that cannot be kept, or a goals file that cannot be read, in one line."""


# (network, campaign id); a campaign id of None covers the whole network.
Campaign = tuple[str, str | None]
# ("user", HubSpot user id) or ("team", HubSpot team id)
Owner = tuple[str, str]


@dataclass(frozen=True)
class Goal:
    goal_id: str
    name: str
    goal_type: str
    target: float
    lifecycle_stage: str | None = None
    period_preset: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    # none listed: every campaign
    campaigns: tuple[Campaign, ...] = ()
    owner: Owner | None = None

    def record(self) -> dict:
        """The goal as a line of the goals file has it (the columns of the goal marts)."""
        return {
            "goal_id": self.goal_id, "goal_name": self.name, "goal_type": self.goal_type,
            "lifecycle_stage": self.lifecycle_stage, "target": self.target,
            "period_preset": self.period_preset,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "owner_type": self.owner[0] if self.owner else None,
            "owner_id": self.owner[1] if self.owner else None,
            "campaigns": [{"network": network, "campaign_id": campaign}
                          for network, campaign in self.campaigns],
        }

    @classmethod
    def from_record(cls, record: dict) -> Goal:
        owner = (record["owner_type"], str(record["owner_id"])) if record.get("owner_type") \
            else None
        return cls(
            goal_id=str(record["goal_id"]), name=str(record["goal_name"]),
            goal_type=record["goal_type"], target=float(record["target"]),
            lifecycle_stage=record.get("lifecycle_stage") or None,
            period_preset=record.get("period_preset") or None,
            period_start=_day(record.get("period_start")),
            period_end=_day(record.get("period_end")),
            campaigns=tuple((c["network"], _text(c.get("campaign_id")))
                            for c in record.get("campaigns") or ()),
            owner=owner,
        )

    def describe_period(self) -> str:
        return self.period_preset or f"{self.period_start}..{self.period_end}"

    def describe_campaigns(self) -> str:
        if not self.campaigns:
            return "every campaign"
        return ", ".join(f"{network}:{campaign}" if campaign else f"every {network} campaign"
                         for network, campaign in self.campaigns)


def _day(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value not in (None, "") else None


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


# -- the file ---------------------------------------------------------------------------------


def read_goals(path: Path) -> list[Goal]:
    """The goals of a goals file; `GoalError` naming the file and line when one is not a goal."""
    goals = []
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoalError(f"the goals file {path} cannot be read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            goals.append(Goal.from_record(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise GoalError(f"the goals file {path}, line {number}, is not a goal "
                            f"({type(exc).__name__}: {exc}); fix or remove that line") from None
    return goals


def goals_text(goals: Iterable[Goal]) -> str:
    return "".join(json.dumps(goal.record(), ensure_ascii=False) + "\n" for goal in goals)


def example_goals(folder: Path = EXAMPLES) -> list[Goal]:
    """The project's example goals (the seeds a warehouse without a goals file measures)."""
    with open(folder / "goal_campaigns.csv", newline="") as handle:
        listed: dict[str, list[Campaign]] = {}
        for row in csv.DictReader(handle):
            listed.setdefault(row["goal_id"], []).append(
                (row["network"], _text(row["campaign_id"])))
    with open(folder / "goals.csv", newline="") as handle:
        return [Goal.from_record({**row, "campaigns": [
            {"network": network, "campaign_id": campaign}
            for network, campaign in listed.get(row["goal_id"], [])]})
            for row in csv.DictReader(handle)]


def current_goals(warehouse: Path) -> list[Goal]:
    """The warehouse's goals: its goals file's, else the project's example goals."""
    path = WarehouseLayout(warehouse).goals
    return read_goals(path) if path.exists() else example_goals()


def find(goals: Sequence[Goal], goal_id: str) -> Goal:
    for goal in goals:
        if goal.goal_id == goal_id:
            return goal
    raise InvalidFilter("goal", goal_id, [goal.goal_id for goal in goals])


# -- a goal from what a user typed ------------------------------------------------------------


def parse_campaign(text: str) -> Campaign:
    """`google:123` (one campaign) or `google` / `google:` (every campaign of the network)."""
    network, _, campaign = text.strip().partition(":")
    network = network.strip().lower()
    if network not in NETWORKS:
        raise InvalidFilter("network", network or text, NETWORKS)
    return network, campaign.strip() or None


def parse_owner(text: str) -> Owner:
    """`user:7000100` or `team:4100`."""
    kind, _, principal = text.strip().partition(":")
    if kind not in OWNER_TYPES or not principal.strip():
        raise InvalidFilter("owner", text, expected="user:ID or team:ID (a HubSpot user or team)")
    return kind, principal.strip()


def new_goal_id(name: str, taken: Iterable[str]) -> str:
    """A goal id from its name (`Q3 spend` -> `q3_spend`), with a number after it when taken."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:56] or "goal"
    taken = set(taken)
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_{number}"
    return candidate


def define(*, name: str, goal_type: str, target: float, period: str | None = None,
           start: dt.date | str | None = None, end: dt.date | str | None = None,
           stage: str | None = None, campaigns: Sequence[str] = (), owner: str | None = None,
           goal_id: str | None = None, taken: Sequence[Goal] = ()) -> Goal:
    """A new goal from what a user gave, checked on its own (`check_against` checks its
    campaigns and owner against the warehouse). Its id is `goal_id`, else one made from the
    name that none of `taken` has."""
    ids = [goal.goal_id for goal in taken]
    if goal_id is not None and goal_id in ids:
        raise GoalError(f"goal {goal_id!r} exists: change it with `ads-analytics goals change "
                        f"{goal_id}`, or choose another id")
    goal = Goal(
        goal_id=goal_id if goal_id is not None else new_goal_id(name, ids),
        name=name, goal_type=goal_type, target=_target(target),
        lifecycle_stage=stage or None, period_preset=period or None,
        period_start=_date("start", start), period_end=_date("end", end),
        campaigns=tuple(dict.fromkeys(parse_campaign(c) for c in campaigns)),
        owner=parse_owner(owner) if owner else None)
    check(goal)
    return goal


def changed(goal: Goal, *, name: str | None = None, goal_type: str | None = None,
            target: float | None = None, period: str | None = None,
            start: dt.date | str | None = None, end: dt.date | str | None = None,
            stage: str | None = None, campaigns: Sequence[str] | None = None,
            owner: str | None = None, no_owner: bool = False) -> Goal:
    """`goal` with what was given changed (None: kept). A period preset replaces dates and
    dates replace a preset; `campaigns` replaces the campaigns (empty: every campaign); a type
    without a stage drops the stage."""
    updates: dict[str, object] = {}
    if name is not None:
        updates["name"] = name
    if goal_type is not None:
        updates["goal_type"] = goal_type
        if goal_type not in STAGE_TYPES and stage is None:
            updates["lifecycle_stage"] = None
    if stage is not None:
        updates["lifecycle_stage"] = stage or None
    if target is not None:
        updates["target"] = _target(target)
    if period is not None:
        updates.update(period_preset=period, period_start=None, period_end=None)
    if start is not None or end is not None:
        updates.update(period_preset=None,
                       period_start=_date("start", start) or goal.period_start,
                       period_end=_date("end", end) or goal.period_end)
    if campaigns is not None:
        updates["campaigns"] = tuple(dict.fromkeys(parse_campaign(c) for c in campaigns))
    if owner is not None:
        updates["owner"] = parse_owner(owner)
    if no_owner:
        updates["owner"] = None
    new = replace(goal, **updates)
    check(new)
    return new


def _target(value: object) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidFilter("target", value, expected="a number above 0") from None
    if not number > 0 or number == float("inf"):
        raise InvalidFilter("target", value, expected="a number above 0")
    return number


def _date(what: str, value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidFilter(f"{what} day", value, expected="a day as YYYY-MM-DD") from None


def check(goal: Goal) -> None:
    """`InvalidFilter` or `GoalError` naming what of `goal` cannot be measured."""
    if not GOAL_ID.fullmatch(goal.goal_id):
        raise InvalidFilter("goal id", goal.goal_id,
                            expected="lowercase letters, digits, '_' or '-' (up to 64)")
    if not goal.name.strip():
        raise InvalidFilter("goal name", goal.name, expected="a name that is not blank")
    if goal.goal_type not in GOAL_TYPES:
        raise InvalidFilter("goal type", goal.goal_type, GOAL_TYPES)
    if goal.goal_type in STAGE_TYPES and not goal.lifecycle_stage:
        raise GoalError(f"a {goal.goal_type} goal needs a lifecycle stage (--stage): one of "
                        f"{', '.join(LIFECYCLE_STAGES)}")
    if goal.goal_type not in STAGE_TYPES and goal.lifecycle_stage:
        raise GoalError(f"a {goal.goal_type} goal has no lifecycle stage, got "
                        f"{goal.lifecycle_stage!r}: only {' and '.join(STAGE_TYPES)} goals "
                        "take one")
    if goal.lifecycle_stage and goal.lifecycle_stage not in LIFECYCLE_STAGES:
        raise InvalidFilter("lifecycle stage", goal.lifecycle_stage, LIFECYCLE_STAGES)
    _target(goal.target)
    dated = goal.period_start is not None or goal.period_end is not None
    if goal.period_preset is not None:
        if goal.period_preset not in PERIOD_PRESETS:
            raise InvalidFilter("period", goal.period_preset, PERIOD_PRESETS)
        if dated:
            raise GoalError(f"a goal's period is a preset ({goal.period_preset}) or a start and "
                            "an end, not both")
    elif goal.period_start is None or goal.period_end is None:
        raise GoalError("a goal needs a period: --period "
                        f"{'|'.join(PERIOD_PRESETS)}, or --start and --end")
    elif goal.period_end < goal.period_start:
        raise GoalError(f"the period ends ({goal.period_end}) before it starts "
                        f"({goal.period_start})")


# -- what the warehouse holds -----------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """What a goal may name, as the published warehouse holds it: each campaign's ad account
    (`(network, campaign id)` -> account id), the HubSpot users (id -> email) and teams
    (id -> name), and each user's teams."""

    campaigns: dict[tuple[str, str], str]
    users: dict[str, str]
    teams: dict[str, str]
    memberships: dict[str, frozenset[str]]

    def accounts_of(self, goal: Goal) -> set[tuple[str, str]]:
        """The ad accounts, (network, id), of the campaigns `goal` covers."""
        return {(network, account) for (network, campaign), account in self.campaigns.items()
                if not goal.campaigns or any(
                    network == listed and chosen in (None, campaign)
                    for listed, chosen in goal.campaigns)}

    def owner_name(self, owner: Owner | None) -> str | None:
        if owner is None:
            return None
        return (self.users if owner[0] == "user" else self.teams).get(owner[1])


def held(con: duckdb.DuckDBPyConnection) -> Held:
    """What the warehouse open on `con` holds for goals (`GoalError` when its marts are older
    than the goal marts: a run builds them)."""
    tables = {row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()}
    missing = {"dim_users", "dim_teams", "dim_team_members", "dim_goal_campaigns"} - tables
    if missing:
        raise GoalError(f"the marts have no {', '.join(sorted(missing))} (built by an older "
                        "version): run `ads-analytics run` to rebuild them")
    memberships: dict[str, set[str]] = {}
    for team, user in con.execute(
            "select team_id, user_id from marts.dim_team_members").fetchall():
        memberships.setdefault(user, set()).add(team)
    return Held(
        campaigns={(network, campaign): account for network, campaign, account in con.execute(
            "select network, campaign_id, ad_account_id from marts.dim_campaigns").fetchall()},
        users=dict(con.execute("select user_id, email from marts.dim_users").fetchall()),
        teams=dict(con.execute("select team_id, team_name from marts.dim_teams").fetchall()),
        memberships={user: frozenset(teams) for user, teams in memberships.items()},
    )


def check_against(goal: Goal, holding: Held) -> None:
    """`InvalidFilter` naming a campaign or owner of `goal` the warehouse does not hold."""
    for network, campaign in goal.campaigns:
        if campaign is not None and (network, campaign) not in holding.campaigns:
            raise GoalError(f"unknown campaign {network}:{campaign}: not a campaign of the "
                            "warehouse (`ads-analytics report campaigns` lists them); "
                            f"{network} alone covers every {network} campaign")
    if goal.owner is not None:
        kind, principal = goal.owner
        known = holding.users if kind == "user" else holding.teams
        if principal not in known:
            raise InvalidFilter(f"owner {kind}", principal, sorted(known))


# -- who may change a goal --------------------------------------------------------------------


def owners_for(hubspot_user: str, holding: Held) -> list[Owner]:
    """The owners a user who is not an admin may give a goal: themselves and their teams."""
    return [("user", hubspot_user), *(("team", team) for team in
                                      sorted(holding.memberships.get(hubspot_user, ())))]


def may_manage(goal: Goal, hubspot_user: str | None, admin: bool, holding: Held,
               visible: set[tuple[str, str]] | None = None) -> bool:
    """Whether a dashboard user may change or remove `goal`: an admin any goal; anyone else a
    goal they or one of their teams own, whose campaigns all lie in the ad accounts they may
    see (`visible`, as (network, id))."""
    if admin:
        return True
    if hubspot_user is None or goal.owner not in owners_for(hubspot_user, holding):
        return False
    return visible is None or holding.accounts_of(goal) <= visible


# -- saving -----------------------------------------------------------------------------------


def save(warehouse: Path, edit: Callable[[list[Goal]], list[Goal]], *,
         as_of: dt.date | None = None, on_wait: Callable[[], None] | None = None
         ) -> list[Goal]:
    """Apply `edit` to the warehouse's goals and publish their progress
    (reporting.goal_marts.save_goals); the goals saved. `edit` raises on a goal it cannot keep:
    it runs once on the goals as they are, so a bad goal is refused at once, and again holding
    the run lock, on the goals as they are then."""
    from reporting.goal_marts import save_goals

    edit(current_goals(warehouse))
    saved: list[Goal] = []

    def new_goals() -> str:
        saved[:] = edit(current_goals(warehouse))
        return goals_text(saved)

    save_goals(warehouse, new_goals, as_of=as_of, on_wait=on_wait)
    return saved


def adding(goal: Goal) -> Callable[[list[Goal]], list[Goal]]:
    def edit(goals: list[Goal]) -> list[Goal]:
        if any(existing.goal_id == goal.goal_id for existing in goals):
            raise GoalError(f"goal {goal.goal_id!r} exists: choose another id")
        return [*goals, goal]
    return edit


def changing(goal_id: str, change: Callable[[Goal], Goal]) -> Callable[[list[Goal]], list[Goal]]:
    def edit(goals: list[Goal]) -> list[Goal]:
        new = change(find(goals, goal_id))
        return [new if goal.goal_id == goal_id else goal for goal in goals]
    return edit


def removing(goal_id: str) -> Callable[[list[Goal]], list[Goal]]:
    def edit(goals: list[Goal]) -> list[Goal]:
        find(goals, goal_id)
        return [goal for goal in goals if goal.goal_id != goal_id]
    return edit


def listing(goals: Sequence[Goal], holding: Held | None = None) -> pd.DataFrame:
    """The goals as a table: their definitions, not their progress (`report goals`)."""
    return pd.DataFrame([{
        "goal_id": goal.goal_id, "goal_name": goal.name, "goal_type": goal.goal_type,
        "lifecycle_stage": goal.lifecycle_stage, "target": goal.target,
        "period": goal.describe_period(), "campaigns": goal.describe_campaigns(),
        "owner": ":".join(goal.owner) if goal.owner else None,
        "owner_name": holding.owner_name(goal.owner) if holding else None,
    } for goal in goals], columns=["goal_id", "goal_name", "goal_type", "lifecycle_stage",
                                   "target", "period", "campaigns", "owner", "owner_name"])
