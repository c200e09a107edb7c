"""The page's Goals section: each goal's progress, and forms to add, change and remove goals.

Who may manage which goals (docs/reports.md, Dashboard): an admin every goal; anyone else the
goals they or one of their HubSpot teams own, over campaigns of the ad accounts they may see,
and they may give a goal only themselves or one of their teams as owner. A change is saved
beside the warehouse and published at once (reporting.goals.save), as `ads-analytics goals`
does; the page then shows the new progress.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from reporting.dashboard import TODAY_ENV
from reporting.dashboard.view import Viewer, label
from reporting.errors import ReportError
from reporting.goals import (
    GOAL_TYPES,
    LIFECYCLE_STAGES,
    PERIOD_PRESETS,
    Goal,
    GoalError,
    Held,
    adding,
    changed,
    changing,
    check_against,
    current_goals,
    define,
    find,
    held,
    may_manage,
    owners_for,
    removing,
    save,
)
from reporting.output import markdown_text
from reporting.reports import Filters, Reports

CUSTOM_PERIOD = "custom"
ACTIONS = ("Add a goal", "Change a goal", "Remove a goal")
# Session state: what the last change did, shown once after the page redraws.
SAVED = "goal_saved"


def progress(reports: Reports, filters: Filters, viewer: Viewer,
             holding: Held) -> pd.DataFrame:
    """The owner filter, the last change's message and a progress bar per goal; the goals'
    progress (those `filters` leave visible, of the owner chosen)."""
    if SAVED in st.session_state:
        st.success(st.session_state.pop(SAVED))
    owners = [None, *(f"{kind}:{principal}" for kind, principal in (
        ([("user", user) for user in sorted(holding.users)]
         + [("team", team) for team in sorted(holding.teams)]) if viewer.admin
        else owners_for(viewer.hubspot_user, holding)))]
    chosen = st.selectbox("Owner", owners, key="goal_owner",
                          format_func=lambda o: "Any owner" if o is None
                          else owner_text(tuple(o.split(":", 1)), holding))
    frame = reports.goals(filters, owner=tuple(chosen.split(":", 1)) if chosen else None)
    if frame.empty:
        st.info("No goals in scope: add one below, or with `ads-analytics goals add`.")
    for goal in frame.to_dict("records"):
        share = goal["percent_of_target"]
        share = 0.0 if pd.isna(share) else float(share)
        actual = "no value yet" if pd.isna(goal["actual"]) else f"{goal['actual']:,.2f}"
        owner = f", {markdown_text(goal['owner_name'])}" if goal["owner_name"] else ""
        st.progress(min(max(share, 0.0), 1.0),
                    text=f"**{markdown_text(goal['goal_name'])}** "
                         f"({label(goal['goal_type']).lower()}{owner}, "
                         f"{goal['period_start']:%Y-%m-%d} – {goal['period_end']:%Y-%m-%d}): "
                         f"{actual} of {goal['target']:,.2f} ({share:.0%}), "
                         f"{label(str(goal['status'])).lower()}")
    return frame


def owner_text(owner: tuple[str, str] | None, holding: Held) -> str:
    if owner is None:
        return "Nobody"
    name = holding.owner_name(owner)
    return f"{owner[0].title()} {owner[1]}" + (f" ({name})" if name else "")


def manage(reports: Reports, warehouse: Path, viewer: Viewer, holding: Held) -> None:
    """Forms to add a goal, or change or remove one the viewer may manage."""
    st.subheader("Manage goals")
    try:
        goals = current_goals(warehouse)
    except GoalError as exc:  # a goals file that cannot be read, said in one line
        st.error(markdown_text(str(exc)))
        return
    visible = None if viewer.admin else set(reports.visible_accounts(
        Filters(user=viewer.hubspot_user)))
    mine = [goal for goal in goals
            if may_manage(goal, viewer.hubspot_user, viewer.admin, holding, visible)]
    action = st.radio("Goal action", ACTIONS, horizontal=True, key="goal_action",
                      label_visibility="collapsed")
    if action == ACTIONS[0]:
        goal_form(reports, warehouse, viewer, holding, visible, goals, None)
        return
    if not mine:
        st.info("No goal you may change: you may manage the goals you or your teams own.")
        return
    names = {goal.goal_id: f"{goal.name} ({goal.goal_id})" for goal in mine}
    picked = st.selectbox("Goal", list(names), format_func=names.get,
                          key="goal_picked")
    goal = find(mine, picked)
    if action == ACTIONS[1]:
        goal_form(reports, warehouse, viewer, holding, visible, goals, goal)
    elif st.button(f"Remove {goal.name}", key="goal_remove", type="primary"):
        saved(warehouse, removing(goal.goal_id), f"Removed goal {goal.name} ({goal.goal_id}).")


def campaign_options(reports: Reports, holding: Held,
                     visible: set[tuple[str, str]] | None) -> dict[str, str]:
    """What a goal may cover: every campaign of a network (`google`), or one campaign
    (`google:123`), of the ad accounts in view; -> its label."""
    names = dict(reports.con.execute(
        "select network || ':' || campaign_id, campaign_name from marts.dim_campaigns"
    ).fetchall())
    options = {}
    for network in sorted({network for network, _ in holding.campaigns}):
        accounts = {(n, a) for (n, _), a in holding.campaigns.items() if n == network}
        if visible is None or accounts <= visible:
            options[network] = f"Every {label(network)} campaign"
    for (network, campaign), account in sorted(holding.campaigns.items()):
        if visible is None or (network, account) in visible:
            key = f"{network}:{campaign}"
            options[key] = f"{names.get(key) or campaign} ({key})"
    return options


def goal_form(reports: Reports, warehouse: Path, viewer: Viewer, holding: Held,
              visible: set[tuple[str, str]] | None, goals: list[Goal],
              goal: Goal | None) -> None:
    """The form of a new goal (`goal` None) or of `goal`'s changes."""
    campaigns = campaign_options(reports, holding, visible)
    owners = ([None, *([("user", u) for u in sorted(holding.users)]
                       + [("team", t) for t in sorted(holding.teams)])] if viewer.admin
              else owners_for(viewer.hubspot_user, holding))
    periods = [*PERIOD_PRESETS, CUSTOM_PERIOD]
    suffix = goal.goal_id if goal else "new"
    with st.form(f"goal_form_{suffix}"):
        name = st.text_input("Name", value=goal.name if goal else "", key=f"goal_name_{suffix}")
        left, right = st.columns(2)
        goal_type = left.selectbox(
            "Type", GOAL_TYPES, format_func=label, key=f"goal_type_{suffix}",
            index=GOAL_TYPES.index(goal.goal_type) if goal else 0)
        stage = right.selectbox(
            "Lifecycle stage (contacts in stage, cost per contact in stage)",
            [None, *LIFECYCLE_STAGES], key=f"goal_stage_{suffix}",
            format_func=lambda s: "None" if s is None else label(s),
            index=[None, *LIFECYCLE_STAGES].index(goal.lifecycle_stage) if goal else 0)
        target = left.number_input(
            f"Target (a count, an amount in {reports.company_currency}, or a ratio; a cost is "
            "met at or below it)", value=goal.target if goal else None, step=1.0,
            key=f"goal_target_{suffix}")
        owner = right.selectbox(
            "Owner", owners, key=f"goal_owner_{suffix}",
            format_func=lambda o: owner_text(o, holding),
            index=owners.index(goal.owner) if goal and goal.owner in owners else 0)
        period = left.selectbox(
            "Period", periods, key=f"goal_period_{suffix}",
            format_func=lambda p: "Custom dates" if p == CUSTOM_PERIOD else label(p),
            index=periods.index(goal.period_preset or CUSTOM_PERIOD) if goal else 0)
        start, end = right.columns(2)
        start_day = start.date_input("Start (custom dates)", value=goal.period_start
                                     if goal else None, key=f"goal_start_{suffix}")
        end_day = end.date_input("End (custom dates)", value=goal.period_end if goal else None,
                                 key=f"goal_end_{suffix}")
        covered = st.multiselect(
            "Campaigns", list(campaigns), format_func=campaigns.get,
            placeholder="Every campaign", key=f"goal_campaigns_{suffix}",
            default=[c for c in (f"{n}:{c}" if c else n for n, c in goal.campaigns)
                     if c in campaigns] if goal else None)
        submitted = st.form_submit_button("Save goal", key=f"goal_save_{suffix}",
                                          type="primary")
    if not submitted:
        return
    custom = period == CUSTOM_PERIOD
    given = dict(name=name.strip(), goal_type=goal_type, stage=stage,
                 target=target if target is not None else 0,
                 period=None if custom else period,
                 start=start_day if custom else None, end=end_day if custom else None,
                 campaigns=covered, owner=":".join(owner) if owner else None)
    try:
        if goal is None:
            new = define(**given, taken=goals)
        else:
            new = changed(goal, **{**given, "stage": stage or "",
                                   "no_owner": owner is None})
        check_against(new, holding)
        if not may_manage(new, viewer.hubspot_user, viewer.admin, holding, visible):
            raise GoalError("you may give a goal only yourself or one of your teams as owner, "
                            "over campaigns of the ad accounts you may see")
    except ReportError as exc:
        st.error(f"The goal was not saved: {markdown_text(str(exc))}")
        return
    if goal is None:
        saved(warehouse, adding(new), f"Added goal {new.name} ({new.goal_id}).",
              forget=f"_{suffix}")
    else:
        saved(warehouse, changing(goal.goal_id, lambda _: new),
              f"Changed goal {new.name} ({new.goal_id}).", forget=f"_{suffix}")


def saved(warehouse: Path, edit: Callable[[list[Goal]], list[Goal]], message: str,
          forget: str | None = None) -> None:
    """Save the goals `edit` makes and show them: the page redraws with `message`, the form's
    fields (keys ending in `forget`) empty or as saved."""
    today = os.environ.get(TODAY_ENV)
    with st.spinner("Saving the goals and measuring their progress ..."):
        try:
            save(warehouse, edit,
                 as_of=dt.date.fromisoformat(today) if today else None,
                 on_wait=lambda: st.toast("A run is writing the warehouse; the change waits "
                                          "for it to finish"))
        except ReportError as exc:
            st.error(f"The goals were not saved: {markdown_text(str(exc))}")
            return
    for key in [key for key in st.session_state if forget and str(key).endswith(forget)]:
        del st.session_state[key]
    st.session_state[SAVED] = message
    st.rerun()


def holding_of(reports: Reports) -> Held | None:
    """What the warehouse holds for goals; None, saying why, when its marts are older."""
    try:
        return held(reports.con)
    except GoalError as exc:
        st.info(str(exc))
        return None
