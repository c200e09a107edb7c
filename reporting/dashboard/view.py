"""What the dashboard shows, as plain functions of the report API's frames: the page script
(app.py) only lays them out, so this is what the fast tests check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from reporting.catalog import ACCOUNT_SPEND
from reporting.output import HIDDEN_NOTE, format_value, money_in
from reporting.output import title as label
from reporting.reports import Filters, Reports

CUSTOM_RANGE = "custom"


def tiles(overview: pd.DataFrame) -> list[tuple[str, str]]:
    """The overview tiles, (label, text) in order: impressions, clicks, contacts, deals (or
    customers under the `estimate` ROI setting), spend in the company currency, the amount
    spent in the accounts' currency when the overview has it (one currency in view), ROI."""
    row = overview.iloc[0].to_dict()
    won = "deals" if "deals" in row else "customers"
    named = {"spend": overview.attrs.get("currency"),
             ACCOUNT_SPEND: overview.attrs.get("account_currency")}
    columns = ["impressions", "clicks", "contacts", won, "spend",
               *([ACCOUNT_SPEND] if ACCOUNT_SPEND in row else []), "roi"]
    return [(f"{label(column)} ({named[column]})" if named.get(column) else label(column),
             format_value(column, row[column])) for column in columns]


def column_title(column: str, attrs: dict) -> str:
    """A table column's title; the spend in the accounts' currency names that currency."""
    if column == ACCOUNT_SPEND and attrs.get("account_currency"):
        return f"{label(column)} ({attrs['account_currency']})"
    return label(column)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in user, whose HubSpot user's ad accounts are all they see
    unless they are an admin; or, without sign-in (`--no-auth`), an admin of no name."""

    name: str | None
    hubspot_user: str | None
    admin: bool

    def describe(self) -> str:
        if self.name is None:
            return "No sign-in (--no-auth): every account, on this machine only"
        return (f"Signed in as {self.name} (HubSpot user {self.hubspot_user}"
                f"{', admin' if self.admin else ''})")


NO_SIGN_IN = Viewer(None, None, admin=True)


def filters_for(viewer: Viewer, filters: Filters) -> Filters:
    """The filters a viewer may use: a non-admin's are always their own HubSpot user's,
    whatever the page sent."""
    if viewer.admin:
        return filters
    return replace(filters, user=viewer.hubspot_user, team=None)


def may_see_accounts(reports: Reports, viewer: Viewer) -> bool:
    return viewer.admin or viewer.hubspot_user in reports.principals("user")


@dataclass(frozen=True)
class Options:
    """What the sidebar offers beyond the catalogue's closed sets: the warehouse's ad accounts
    (`network:id` -> display name) and the users and teams with access (`user:U1`)."""

    accounts: dict[str, str]
    principals: tuple[str, ...]


def filter_options(reports: Reports, viewer: Viewer = NO_SIGN_IN) -> Options:
    """What the sidebar offers `viewer`: a non-admin only their own accounts, and no user or
    team to choose."""
    accounts = {key: f"{name} ({key})" for key, name in reports.accounts().items()}
    if not viewer.admin:
        visible = {f"{network}:{account}" for network, account in reports.visible_accounts(
            Filters(user=viewer.hubspot_user))}
        return Options({key: text for key, text in accounts.items() if key in visible}, ())
    principals = tuple(f"{kind}:{principal}" for kind in ("user", "team")
                       for principal in reports.principals(kind))
    return Options(accounts, principals)


def filters_from(*, preset: str, start: dt.date | None = None, end: dt.date | None = None,
                 accounts: list[str] | None = None, networks: list[str] | None = None,
                 statuses: list[str] | None = None, attribution: str | None = None,
                 principal: str | None = None, roi_setting: str = "deals",
                 include_deleted: bool = False) -> Filters:
    """The sidebar's values as report filters: a preset or the custom start and end, and
    `user:U1` / `team:T1` for the access filter. Nothing chosen in a list means all."""
    custom = preset == CUSTOM_RANGE
    kind, _, principal_id = (principal or "").partition(":")
    return Filters(
        date_preset=None if custom else preset,
        start=start if custom else None, end=end if custom else None,
        accounts=tuple(accounts or ()), networks=tuple(networks or ()),
        statuses=tuple(statuses or ()), attribution=attribution,
        user=principal_id if kind == "user" else None,
        team=principal_id if kind == "team" else None, roi_setting=roi_setting,
        include_deleted=include_deleted,
    )


def parents(table: pd.DataFrame, key: str, name: str) -> dict[str, str]:
    """The campaigns (or ad groups) a table's rows belong to, id -> name, for drilling down."""
    if key not in table.columns or table.empty:
        return {}
    pairs = table[[key, name]].drop_duplicates().sort_values([name, key])
    return {str(row[key]): f"{row[name]} ({row[key]})" for _, row in pairs.iterrows()}


def narrow(table: pd.DataFrame, campaign: str | None = None,
           ad_group: str | None = None) -> pd.DataFrame:
    """Only the rows under the chosen campaign and ad group (None: all)."""
    keep = pd.Series(True, index=table.index)
    if campaign is not None:
        keep &= table["campaign_id"].astype(str) == campaign
    if ad_group is not None:
        keep &= table["ad_group_id"].astype(str) == ad_group
    narrowed = table[keep].reset_index(drop=True)
    narrowed.attrs = dict(table.attrs)
    return narrowed


def describe_scope(frame: pd.DataFrame) -> str:
    """The caption under a report: its dates, zone, attribution and currency."""
    attrs = frame.attrs
    first, _, last = attrs.get("date_range", "").partition("..")
    parts = [f"{first} – {last}" if last else first]
    if attrs.get("time_zone"):
        parts[0] += f" ({attrs['time_zone']})"
    if attrs.get("attribution"):
        parts.append(f"attribution: {label(attrs['attribution']).lower()}")
    if attrs.get("roi_setting"):
        parts.append(f"ROI from {attrs['roi_setting']}")
    parts.append(money_in(frame))
    if attrs.get("hides_deleted"):
        parts.append(HIDDEN_NOTE)
    return " · ".join(part for part in parts if part)
