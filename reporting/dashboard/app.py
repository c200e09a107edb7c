"""The dashboard page (`streamlit run`, started by `reporting.dashboard.serve`).

Every number comes from the report API (reporting/reports.py). The warehouse is opened
read-only on every rerun and closed at its end, so each rerun reads the build last published
(runs never write that file in place). Nothing is read before the viewer signs in as a user of
the users file (`ADS_ANALYTICS_DASHBOARD_USERS`, which `serve` sets), and a non-admin's every
report is of their HubSpot user's ad accounts. Settings come from the environment:
`ADS_ANALYTICS_WAREHOUSE`, the users file or `ADS_ANALYTICS_DASHBOARD_NO_AUTH` (no sign-in)
and, for tests, `ADS_ANALYTICS_DASHBOARD_TODAY`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
from dataclasses import replace

import pandas as pd
import streamlit as st

from core.settings import Settings
from reporting.catalog import (
    ACCOUNT_SPEND,
    ANALYZE_ATTRIBUTION,
    ATTRIBUTIONS,
    DEFAULT_ATTRIBUTION,
    DEFAULT_COLUMNS,
    LEVELS,
    METRICS,
    NETWORKS,
    ROI_SETTINGS,
    STATUSES,
    TABLE_LEVELS,
    TIME_GRAINS,
)
from reporting.dashboard import NO_AUTH_ENV, TODAY_ENV, goals_section
from reporting.dashboard.users import User, UsersError, authenticate, load_users, users_file
from reporting.dashboard.view import (
    CUSTOM_RANGE,
    NO_SIGN_IN,
    Viewer,
    column_title,
    describe_scope,
    filter_options,
    filters_for,
    filters_from,
    label,
    may_see_accounts,
    narrow,
    parents,
    tiles,
)
from reporting.dates import PRESETS
from reporting.errors import InvalidFilter
from reporting.output import MONEY, PERCENT, markdown_text
from reporting.queries import Scope
from reporting.reports import Filters, Reports, WarehouseUnavailable
from reporting.settings import SETTINGS_FILE, SettingsError

DEFAULT_PRESET = "last_30_days"
RANKINGS = ("high_cpc_campaigns", "low_cpc_campaigns", "high_cost_per_contact_campaigns",
            "low_cost_per_contact_campaigns")
# Rankings by the network's CPC (spend per click): every campaign has clicks, not sessions.
RANKING_TITLES = {
    "high_cpc_campaigns": "Campaigns with high CPC (network)",
    "low_cpc_campaigns": "Campaigns with low CPC (network)",
    "high_cost_per_contact_campaigns": "Campaigns with high cost per contact",
    "low_cost_per_contact_campaigns": "Campaigns with low cost per contact",
}
SERIES = ("impressions", "clicks", "contacts", "customers")
SECTIONS = ("Campaigns", "Analyze", "Goals")
# Session state: the signed-in user's name and password hash (a new password signs them out).
SIGNED_IN = "signed_in"


# Read once per run of the page: `serve` passes the warehouse and the users file in the
# environment.
SETTINGS = Settings.from_environment()

def sidebar(reports: Reports, viewer: Viewer) -> Filters:
    options = filter_options(reports, viewer)
    bar = st.sidebar
    bar.caption(markdown_text(viewer.describe()))
    if viewer.name is not None and bar.button("Sign out", key="sign_out"):
        st.session_state.clear()
        st.rerun()
    bar.header("Filters")
    presets = [*PRESETS, CUSTOM_RANGE]
    preset = bar.selectbox("Date range", presets, index=presets.index(DEFAULT_PRESET),
                           format_func=lambda p: "Custom range" if p == CUSTOM_RANGE
                           else label(p), key="date_preset")
    start = end = None
    if preset == CUSTOM_RANGE:
        yesterday = reports.today - dt.timedelta(days=1)
        start = bar.date_input("Start", yesterday - dt.timedelta(days=29), key="start")
        end = bar.date_input("End", yesterday, key="end")
    accounts = bar.multiselect("Ad accounts", list(options.accounts),
                               format_func=options.accounts.get, placeholder="All ad accounts",
                               key="accounts")
    networks = bar.pills("Networks", NETWORKS, selection_mode="multi", format_func=label,
                         help="None chosen: every network", key="networks")
    statuses = bar.pills("Statuses", STATUSES, selection_mode="multi", format_func=label,
                         help="None chosen: every status (but deleted Facebook campaigns, "
                              "as in HubSpot); Deleted shows them", key="statuses")
    include_deleted = bar.checkbox(
        "Include deleted Facebook campaigns", key="include_deleted",
        help="HubSpot hides a Facebook account's deleted campaigns, and so does this page "
             "unless this is ticked; their spend stays in the marts")
    attribution = bar.selectbox(
        "Attribution report or model", [None, *ATTRIBUTIONS],
        format_func=lambda a: (f"Default ({label(DEFAULT_ATTRIBUTION).lower()})" if a is None
                               else label(a)),
        help=f"docs/data-contract.md, Attribution. By default the overview and the campaign "
             f"table use "
             f"{label(DEFAULT_ATTRIBUTION).lower()}, the analyze charts "
             f"{label(ANALYZE_ATTRIBUTION).lower()}", key="attribution")
    principal = None
    if viewer.admin:
        principal = bar.selectbox(
            "User or team", [None, *options.principals],
            format_func=lambda p: "Everyone (all accounts)" if p is None
            else "{} {}".format(*p.split(":", 1)),
            help="Only the ad accounts this HubSpot user or team may access", key="principal")
    roi_setting = bar.radio(
        "ROI from", ROI_SETTINGS, key="roi_setting",
        format_func={"deals": "Deals (closed-won revenue)",
                     "estimate": "Estimate (contacts and customers at the sale price)"}.get)
    if roi_setting == "estimate":
        bar.caption(markdown_text(f"Estimated with {reports.roi_inputs.describe()}; set them "
                                  f"in {SETTINGS_FILE} beside the warehouse"))
    return filters_from(preset=preset, start=start, end=end, accounts=accounts,
                        networks=networks, statuses=statuses, attribution=attribution,
                        principal=principal, roi_setting=roi_setting,
                        include_deleted=include_deleted)


def column_config(frame: pd.DataFrame) -> dict[str, st.column_config.Column]:
    config: dict[str, st.column_config.Column] = {}
    for column in frame.columns:
        name = column_title(column, frame.attrs)
        described = METRICS[column].description if column in METRICS else None
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DateColumn(name, format="YYYY-MM-DD")
        elif column in PERCENT:
            config[column] = st.column_config.NumberColumn(name, format="percent",
                                                           help=described)
        elif column in MONEY or column.startswith("cost_per_"):
            config[column] = st.column_config.NumberColumn(name, format="%.2f", help=described)
        elif column in METRICS:
            config[column] = st.column_config.NumberColumn(name, format="localized",
                                                           help=described)
        else:
            config[column] = st.column_config.Column(name)
    return config


def table(frame: pd.DataFrame, columns: list[str] | None = None) -> None:
    """A report frame with labelled, formatted columns (`columns`: only these, in order)."""
    st.dataframe(frame, hide_index=True, column_order=columns, placeholder="–",
                 column_config=column_config(frame))


def overview(reports: Reports, filters: Filters) -> None:
    frame = reports.overview(reports.scope(filters))
    st.caption(describe_scope(frame))
    shown = tiles(frame)
    for column, (name, text) in zip(st.columns(len(shown)), shown, strict=True):
        column.metric(name, text, border=True)


def spend_over_time(reports: Reports, filters: Filters) -> tuple[str, str | None]:
    """The spend chart; returns the time grain and the split chosen beside it, which the
    analyze charts share."""
    title, split, pick = st.columns([4, 1, 1])
    title.subheader(f"Spend over time ({reports.company_currency})")
    by_network = split.toggle("By network", value=True, key="by_network",
                              help="One series per network, as HubSpot's Analyze charts")
    grain = pick.selectbox("Time grain", TIME_GRAINS, format_func=label, key="grain")
    by = "network" if by_network else None
    scope = reports.scope(filters, default_attribution=ANALYZE_ATTRIBUTION)
    frame = reports.analyze("spend_over_time", scope, grain=grain, by=by)
    st.bar_chart(frame, x="period", y="spend", color=by, x_label="", y_label="", height=220)
    return grain, by


def campaigns(reports: Reports, filters: Filters) -> None:
    scope = reports.scope(filters)
    pick_level, pick_campaign, pick_group = st.columns(3)
    level = pick_level.selectbox("Level", TABLE_LEVELS, format_func=label, key="level",
                                 help="Choose a campaign (and ad group) to drill down")
    # (the amount spent in the accounts' currency comes by itself where they share one)
    columns = st.multiselect("Columns", [m for m in METRICS if m != ACCOUNT_SPEND],
                             format_func=label,
                             default=list(DEFAULT_COLUMNS[scope.roi_setting]),
                             key=f"columns_{scope.roi_setting}")
    chosen = LEVELS[level]
    sort_by, direction = st.columns([3, 1])
    sort = sort_by.selectbox("Sort by", [None, *columns, *chosen.labels],
                             format_func=lambda c: "Key (network, account, id)" if c is None
                             else label(c))
    descending = direction.toggle("Highest first", value=True)

    def rows_in(scope: Scope) -> pd.DataFrame:
        return reports.campaign_table(
            scope, level=level, columns=reports.with_account_spend(scope, columns, chosen),
            sort=sort, descending=descending)

    rows = rows_in(scope)
    campaign = ad_group = None
    if "campaign_id" in rows.columns:
        campaigns_in = {None: "All campaigns", **parents(rows, "campaign_id", "campaign_name")}
        campaign = pick_campaign.selectbox("Campaign", list(campaigns_in),
                                           format_func=campaigns_in.get, key="campaign")
    if "ad_group_id" in rows.columns and level != "ad_group":
        groups_in = {None: "All ad groups",
                     **parents(narrow(rows, campaign), "ad_group_id", "ad_group_name")}
        ad_group = pick_group.selectbox("Ad group", list(groups_in), format_func=groups_in.get,
                                        key="ad_group")
    if campaign is not None or ad_group is not None:
        # The report's drill-down filters, as `report campaigns --campaign --ad-group` has
        # them: one campaign's rows may be of one account, shown in its currency too.
        rows = rows_in(reports.scope(replace(
            filters, campaigns=(campaign,) if campaign else (),
            ad_groups=(ad_group,) if ad_group else ())))
    st.caption(f"{len(rows)} rows · {describe_scope(rows)}")
    table(rows)


def analyze(reports: Reports, filters: Filters, grain: str, by: str | None) -> None:
    scope = reports.scope(filters, default_attribution=ANALYZE_ATTRIBUTION)
    series = {name: reports.analyze(name, scope, grain=grain, by=by) for name in SERIES}
    st.caption(describe_scope(series["contacts"]))
    left, right = st.columns(2)
    spend = reports.analyze("total_spend", scope)
    left.markdown(f"**Total spend by network ({reports.company_currency})**")
    left.bar_chart(spend, x="network", y="spend", x_label="", y_label="", height=220)
    for index, (name, frame) in enumerate(series.items()):
        where = right if index % 2 == 0 else left
        where.markdown(f"**{label(name)} over time**")
        where.line_chart(frame, x="period", y=name, color=by, x_label="", y_label="",
                         height=220)
    for pair in (RANKINGS[:2], RANKINGS[2:]):
        for where, name in zip(st.columns(2), pair, strict=True):
            with where:
                st.markdown(f"**{RANKING_TITLES[name]}**")
                ranking = reports.analyze(name, scope, limit=5)
                table(ranking, ["network", "campaign_name", *ranking.columns[-4:]])
    st.markdown("**Contacts by lifecycle stage**")
    stages = reports.stages(scope)
    st.caption(f"Attributed contacts by their lifecycle stage now · {describe_scope(stages)}")
    table(stages)


def goals(reports: Reports, filters: Filters, viewer: Viewer) -> None:
    holding = goals_section.holding_of(reports)
    if holding is None:
        return
    frame = goals_section.progress(reports, filters, viewer, holding)
    if not frame.empty:
        table(frame, [c for c in frame.columns
                      if c not in ("goal_id", "lifecycle_stage", "owner_type", "owner_id")])
    goals_section.manage(reports, SETTINGS.warehouse, viewer, holding)


def page(reports: Reports, viewer: Viewer) -> None:
    st.title("Ads analytics")
    if not may_see_accounts(reports, viewer):
        st.info(f"HubSpot user {markdown_text(viewer.hubspot_user)} may see no ad account in "
                "the warehouse yet.")
        return
    filters = filters_for(viewer, sidebar(reports, viewer))
    try:
        overview(reports, filters)
        grain, by = spend_over_time(reports, filters)
        # Only the chosen section runs its reports and draws its charts (tabs would do all).
        section = st.radio("Section", SECTIONS, horizontal=True, key="section",
                           label_visibility="collapsed")
        if section == "Campaigns":
            campaigns(reports, filters)
        elif section == "Analyze":
            analyze(reports, filters, grain, by)
        else:
            goals(reports, filters, viewer)
    except InvalidFilter as exc:
        # the valid values name accounts and users, which only an admin may see
        shown = str(exc) if viewer.admin or exc.valid is None else (
            f"unknown {exc.what} {exc.value!r}")
        st.error(f"These filters cannot be shown: {markdown_text(shown)}")


def signed_in_viewer() -> Viewer | None:
    """The viewer of this session; None once the sign-in form (or why there is none) shows."""
    if os.environ.get(NO_AUTH_ENV) == "1":
        return NO_SIGN_IN
    try:
        users = load_users(users_file(SETTINGS.warehouse))
    except UsersError as exc:
        users, problem = {}, str(exc)
    else:
        problem = "No dashboard users: `ads-analytics dashboard add-user` adds one."
    if not users:
        st.title("Ads analytics")
        st.error(markdown_text(problem))
        return None
    name, password_hash = st.session_state.get(SIGNED_IN, (None, ""))
    user = users.get(name)
    if user is not None and hmac.compare_digest(user.password_hash, password_hash):
        return Viewer(user.name, user.hubspot_user, user.admin)
    st.session_state.pop(SIGNED_IN, None)  # removed from the file, or a new password
    sign_in(users)
    return None


def sign_in(users: dict[str, User]) -> None:
    st.title("Ads analytics")
    with st.form("sign_in", clear_on_submit=True):
        name = st.text_input("User", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", key="sign_in_submit")
    if submitted:
        user = authenticate(users, name.strip(), password)
        if user is None:
            st.error("Unknown user or wrong password.")
            return
        st.session_state[SIGNED_IN] = (user.name, user.password_hash)
        st.rerun()


def main() -> None:
    st.set_page_config(page_title="Ads analytics", page_icon=":bar_chart:", layout="wide")
    viewer = signed_in_viewer()
    if viewer is None:
        return
    today = os.environ.get(TODAY_ENV)
    warehouse = SETTINGS.warehouse
    try:
        with Reports.open(warehouse, today=dt.date.fromisoformat(today) if today else None) as (
                reports):
            page(reports, viewer)
    except (WarehouseUnavailable, SettingsError) as exc:
        st.title("Ads analytics")
        st.error(str(exc))
        st.button("Try again")


main()
