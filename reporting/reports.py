"""The report API: the overview, the campaign table, the analyze set and goals over the marts,
with the filters of docs/data-contract.md.

    with Reports.open(warehouse) as reports:
        scope = reports.scope(Filters(date_preset="last_30_days", networks=("google",)))
        table = reports.campaign_table(scope, level="ad_group", sort="cost_per_contact")

Every filter value is checked against what the warehouse holds (unknown values raise
`InvalidFilter` listing the valid ones) and reaches SQL only as a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from core.paths import dbt_project_vars
from core.portal import built_settings
from core.publishing import holder
from reporting.catalog import (
    ACCOUNT_SPEND,
    ANALYZE_RANKINGS,
    ANALYZE_REPORTS,
    ANALYZE_SERIES,
    ANALYZE_SPLITS,
    ATTRIBUTIONS,
    DEFAULT_ATTRIBUTION,
    DEFAULT_COLUMNS,
    LEVELS,
    MAX_ROWS,
    METRICS,
    NETWORKS,
    OVERVIEW_COLUMNS,
    ROI_SETTINGS,
    STAGE_COSTS,
    STAGE_METRICS,
    STATUSES,
    TABLE_LEVELS,
    TIME_GRAINS,
)
from reporting.dates import date_range, today_in
from reporting.errors import InvalidFilter, ReportError
from reporting.frames import frame as rows_frame
from reporting.queries import Level, Query, Scope, report_sql, scope_ctes
from reporting.settings import DBT_VARS, RoiInputs, roi_inputs


class WarehouseUnavailable(ReportError):
    """The warehouse file is missing, not built, not DuckDB, or held open for writing by
    another process (never by a run: runs publish a whole new file)."""


def _unopenable(warehouse: Path, error: duckdb.IOException) -> str:
    process = holder(error)
    if process is None:
        return f"cannot open {warehouse} read-only: {str(error).splitlines()[0]}"
    # Runs never write the published file (core/publishing.py), so waiting for the
    # run to end would not help: the holder is some other tool.
    return (f"cannot open {warehouse} read-only: {process} holds it open for writing; runs "
            "never do, so close that process (or give it a copy of its own)")


@dataclass(frozen=True)
class Filters:
    """What a user asked for, before validation. Empty tuples mean "all"."""

    accounts: tuple[str, ...] = ()  # ad account ids, or "network:id" where ids could clash
    date_preset: str | None = None
    start: str | dt.date | None = None
    end: str | dt.date | None = None
    statuses: tuple[str, ...] = ()
    attribution: str | None = None  # None: the report's default
    networks: tuple[str, ...] = ()
    user: str | None = None
    team: str | None = None
    roi_setting: str = "deals"
    # Deleted Facebook campaigns are hidden, as HubSpot hides them, unless this is set, status
    # `deleted` is chosen or they are named below.
    include_deleted: bool = False
    # The campaign table's drill-down: campaign ids, ad group ids (or "network:id").
    campaigns: tuple[str, ...] = ()
    ad_groups: tuple[str, ...] = ()

    @property
    def has_dates(self) -> bool:
        return any(value is not None for value in (self.date_preset, self.start, self.end))


def _check_all(what: str, values: Sequence[str], valid: Sequence[str]) -> tuple[str, ...]:
    for value in values:
        if value not in valid:
            raise InvalidFilter(what, value, valid)
    return tuple(dict.fromkeys(values))


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= MAX_ROWS:
        raise InvalidFilter("limit", limit,
                            expected=f"a whole number of rows from 1 to {MAX_ROWS:,}")


class Reports:
    """Reports over one warehouse, read-only."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, today: dt.date | None = None,
                 portal_time_zone: str | None = None, average_sale_price: float | None = None,
                 contact_to_customer_rate: float | None = None,
                 week_start: str = "monday") -> None:
        self.con = con
        # What the warehouse holds, read once: a Reports reads one published build, which no
        # run writes in place, and every report's filters are checked against these.
        self._accounts_held: dict[str, str] | None = None
        self._principals_held: dict[str, list[str]] = {}
        # The currency and zone the marts were built with (marts.dim_portal): the labels always
        # name what the numbers are in.
        portal = built_settings(con)
        if portal is None:
            raise WarehouseUnavailable(
                "the marts have no dim_portal (built by an older version): run "
                "`ads-analytics run` to rebuild them")
        self.time_zone = portal_time_zone or portal.time_zone
        self.today = today or today_in(self.time_zone)
        self.week_start = week_start
        project = dbt_project_vars()
        self.company_currency = portal.company_currency
        self.average_sale_price = float(average_sale_price if average_sale_price is not None
                                        else project["average_sale_price"])
        self.contact_to_customer_rate = float(
            contact_to_customer_rate if contact_to_customer_rate is not None
            else project["contact_to_customer_rate"])
        # `open` says where each came from (an option, the settings file or the dbt vars).
        self.roi_inputs = RoiInputs(self.average_sale_price, self.contact_to_customer_rate, {
            "average_sale_price": DBT_VARS if average_sale_price is None else "option",
            "contact_to_customer_rate": DBT_VARS if contact_to_customer_rate is None
            else "option"})

    @classmethod
    @contextmanager
    def open(cls, warehouse: Path, **settings) -> Iterator[Reports]:
        """Reports over `warehouse`; the ROI inputs not given in `settings` come from the
        settings file beside it, else the dbt vars (reporting/settings.py)."""
        if not Path(warehouse).exists():
            raise WarehouseUnavailable(
                f"no warehouse at {warehouse}: run `ads-analytics run` (or demo) first")
        inputs = roi_inputs(warehouse, settings.pop("average_sale_price", None),
                            settings.pop("contact_to_customer_rate", None))
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
        except duckdb.IOException as exc:
            raise WarehouseUnavailable(_unopenable(warehouse, exc)) from None
        try:
            tables = {row[0] for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()}
            missing = {"dim_ad_accounts", "dim_portal", "fct_campaign_performance_daily",
                       "fct_campaign_credit_by_model_daily"} - tables
            if missing:
                raise WarehouseUnavailable(
                    f"{warehouse} has no marts ({', '.join(sorted(missing))} missing): "
                    "run `ads-analytics run` first")
            reports = cls(con, average_sale_price=inputs.average_sale_price,
                          contact_to_customer_rate=inputs.contact_to_customer_rate, **settings)
            reports.roi_inputs = inputs
            yield reports
        finally:
            con.close()

    # -- what the warehouse holds -------------------------------------------------------

    def accounts(self) -> dict[str, str]:
        """Every ad account, `network:id` -> its name, by network and name."""
        if self._accounts_held is None:
            self._accounts_held = {
                f"{network}:{account}": name for network, account, name in self.con.execute(
                    "select network, ad_account_id, ad_account_name from marts.dim_ad_accounts"
                    " order by network, ad_account_name, ad_account_id").fetchall()}
        return dict(self._accounts_held)

    def principals(self, kind: str) -> list[str]:
        """The ids of the users (`kind` "user") or teams ("team") that may see an account."""
        if kind not in self._principals_held:
            self._principals_held[kind] = [row[0] for row in self.con.execute(
                "select distinct principal_id from marts.dim_ad_account_access"
                " where principal_type = $type order by 1", {"type": kind}).fetchall()]
        return list(self._principals_held[kind])

    def visible_accounts(self, filters: Filters) -> list[tuple[str, str]]:
        """The ad accounts, (network, id), the filters' accounts, networks and user or team
        leave visible."""
        params: dict[str, object] = {}
        ctes = scope_ctes(LEVELS["campaign"], self.scope(filters), params)
        return self.con.execute(f"""with {ctes}

select network, ad_account_id from accounts order by network, ad_account_id""", params
                                ).fetchall()

    def loaded_days(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day of ad performance in the warehouse (None, None when empty)."""
        return self.con.execute(
            "select min(date_day), max(date_day) from marts.fct_ad_performance_daily").fetchone()

    # -- filters -------------------------------------------------------------------------

    def scope(self, filters: Filters, default_attribution: str = DEFAULT_ATTRIBUTION) -> Scope:
        """Validate the filters against the catalogue and the warehouse."""
        dates = date_range(filters.date_preset, filters.start, filters.end, today=self.today,
                           week_start=self.week_start)
        attribution = filters.attribution or default_attribution
        _check_all("attribution model or report", [attribution], ATTRIBUTIONS)
        _check_all("ROI setting", [filters.roi_setting], ROI_SETTINGS)
        networks = _check_all("network", [n.lower() for n in filters.networks], NETWORKS)
        statuses = _check_all("status", [s.lower() for s in filters.statuses], STATUSES)
        campaigns = self._drilled("campaign", filters.campaigns)
        ad_groups = self._drilled("ad group", filters.ad_groups)
        return Scope(
            dates=dates, attribution=attribution, roi_setting=filters.roi_setting,
            accounts=self._accounts(filters.accounts), networks=networks, statuses=statuses,
            principal=self._principal(filters.user, filters.team),
            average_sale_price=self.average_sale_price,
            contact_to_customer_rate=self.contact_to_customer_rate,
            week_start=self.week_start,
            # A campaign chosen by status `deleted` or by its id is shown, whatever its network.
            include_deleted=(filters.include_deleted or "deleted" in statuses
                             or bool(campaigns or ad_groups)),
            campaigns=campaigns, ad_groups=ad_groups,
        )

    def _drilled(self, what: str, wanted: Sequence[str]) -> tuple[str, ...]:
        """The campaigns (or ad groups) of the ids given, as "network:id"."""
        if not wanted:
            return ()
        table, key = (("dim_campaigns", "campaign_id") if what == "campaign"
                      else ("dim_ad_groups", "ad_group_id"))
        known = dict(self.con.execute(
            f"select distinct {key}, network || ':' || {key} from marts.{table}"
            f" where {key} in (select unnest($ids))"
            f" or network || ':' || {key} in (select unnest($ids))",
            {"ids": list(wanted)}).fetchall())
        chosen = []
        for value in wanted:
            matches = [full for plain, full in known.items() if value in (plain, full)]
            if not matches:
                raise InvalidFilter(what, value, expected=f"the id of a {what} in the warehouse "
                                    f"(`ads-analytics report campaigns --level "
                                    f"{what.replace(' ', '_')}` lists them)")
            chosen += matches
        return tuple(dict.fromkeys(chosen))

    def _accounts(self, wanted: Sequence[str]) -> tuple[str, ...]:
        if not wanted:
            return ()
        known = sorted(self.accounts())
        chosen = []
        for value in wanted:
            matches = [key for key in known if value in (key, key.split(":", 1)[1])]
            if not matches:
                raise InvalidFilter("ad account", value, known)
            chosen += matches
        return tuple(dict.fromkeys(chosen))

    def _principal(self, user: str | None, team: str | None) -> tuple[str, str] | None:
        if user is not None and team is not None:
            raise InvalidFilter("user or team", f"{user}/{team}", expected="a user or a team")
        if user is None and team is None:
            return None
        kind, value = ("user", user) if user is not None else ("team", team)
        _check_all(kind, [str(value)], self.principals(kind))
        return kind, str(value)

    # -- reports -------------------------------------------------------------------------

    def _frame(self, query: Query, scope: Scope, title: str) -> pd.DataFrame:
        frame = rows_frame(self.con, query.sql, query.params)
        frame.attrs.update({
            "title": title, "date_range": str(scope.dates), "attribution": scope.attribution,
            "roi_setting": scope.roi_setting, "currency": self.company_currency,
            "time_zone": self.time_zone, "hides_deleted": not scope.include_deleted,
        })
        return frame

    def account_currencies(self, scope: Scope, level: Level = LEVELS["total"]) -> list[str]:
        """The currencies of the ad accounts whose rows the scope leaves in view."""
        params: dict[str, object] = {}
        return [row[0] for row in self.con.execute(
            f"with {scope_ctes(level, scope, params)}\n\n"
            "select distinct currency_code from scope order by 1", params).fetchall()]

    def with_account_spend(self, scope: Scope, columns: Sequence[str],
                           level: Level = LEVELS["total"]) -> list[str]:
        """`columns`, and after their spend the spend in the ad accounts' currency when the
        accounts in view share one other than the company currency (as the default columns
        have it)."""
        columns = list(columns)
        if ACCOUNT_SPEND in columns or "spend" not in columns:
            return columns
        return self._with_account_spend(columns, self.account_currencies(scope, level))

    def _with_account_spend(self, columns: list[str], currencies: list[str]) -> list[str]:
        """`with_account_spend` given the currencies in view."""
        if (ACCOUNT_SPEND not in columns and "spend" in columns and len(currencies) == 1
                and currencies[0] != self.company_currency):
            columns = [*columns]
            columns.insert(columns.index("spend") + 1, ACCOUNT_SPEND)
        return columns

    def _metrics(self, scope: Scope, level: Level, columns: Sequence[str] | None,
                 defaults: Sequence[str], sort: str | None = None
                 ) -> tuple[list[str], str | None]:
        """The metrics asked for (else `defaults` `with_account_spend`), and the accounts'
        currency when the spend in it is among them or sorts the rows. Several currencies'
        spends are never added up. The currencies in view are read once, and only when the
        spend in them may be wanted."""
        metrics = list(_check_all("column", list(columns or defaults), list(METRICS)))
        wanted = ACCOUNT_SPEND in metrics or sort == ACCOUNT_SPEND
        if not (wanted or (not columns and "spend" in metrics)):
            return metrics, None
        currencies = self.account_currencies(scope, level)
        if not columns:
            metrics = self._with_account_spend(metrics, currencies)
        if ACCOUNT_SPEND not in metrics and sort != ACCOUNT_SPEND:
            return metrics, None
        if len(currencies) > 1:
            raise InvalidFilter("column", ACCOUNT_SPEND, expected=(
                "one account currency in view (these accounts spend in "
                f"{', '.join(currencies)}): filter to one ad account, or to accounts that "
                "share a currency"))
        return metrics, currencies[0] if currencies else None

    def _account_currency(self, frame: pd.DataFrame, currency: str | None) -> pd.DataFrame:
        """The spend in the accounts' currency with that currency beside it (a column, and
        `attrs["account_currency"]` for labels)."""
        if ACCOUNT_SPEND in frame.columns:
            frame.attrs["account_currency"] = currency
            if "currency_code" not in frame.columns:
                frame.insert(frame.columns.get_loc(ACCOUNT_SPEND), "currency_code", currency)
        return frame

    def overview(self, scope: Scope, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row over every campaign in scope: by default impressions, clicks, contacts,
        deals (or customers under the `estimate` ROI setting), spend (and, where the accounts
        in view share a currency, the spend in it), revenue and ROI."""
        metrics, currency = self._metrics(scope, LEVELS["total"], columns,
                                          OVERVIEW_COLUMNS[scope.roi_setting])
        query = report_sql(LEVELS["total"], scope, metrics)
        return self._account_currency(self._frame(query, scope, "Overview"), currency)

    def stages(self, scope: Scope) -> pd.DataFrame:
        """One row per lifecycle stage, HubSpot's eight in order: the attributed contacts now
        in it and the spend per such contact."""
        metrics = [metric for pair in STAGE_COSTS.items() for metric in pair]
        report = self._frame(report_sql(LEVELS["total"], scope, metrics), scope,
                             "Lifecycle stages")
        row = report.iloc[0]
        frame = pd.DataFrame({
            "lifecycle_stage": list(STAGE_METRICS.values()),
            "contacts": [row[name] for name in STAGE_METRICS],
            "cost_per_contact_in_stage": [row[cost] for cost in STAGE_COSTS.values()],
        })
        frame.attrs = dict(report.attrs)
        return frame

    def campaign_table(self, scope: Scope, level: str = "campaign",
                       columns: Sequence[str] | None = None, sort: str | None = None,
                       descending: bool = True, limit: int | None = None) -> pd.DataFrame:
        """One row per campaign, ad group, ad or Google keyword (or ad account, network) in
        scope, with any metrics, sorted by any of them or any label, nulls last."""
        if level not in TABLE_LEVELS:
            raise InvalidFilter("level", level, TABLE_LEVELS)
        chosen = LEVELS[level]
        for what, ids, key in (("campaign", scope.campaigns, "campaign_id"),
                               ("ad group", scope.ad_groups, "ad_group_id")):
            if ids and key not in chosen.keys:
                under = [name for name in TABLE_LEVELS if key in LEVELS[name].keys]
                raise InvalidFilter(f"{what} filter at level", level,
                                    expected=f"a level with {what}s: {', '.join(under)}")
        # sorted by the spend in the accounts' currency, shown or not: one currency's amounts
        metrics, currency = self._metrics(scope, chosen, columns,
                                          DEFAULT_COLUMNS[scope.roi_setting], sort=sort)
        order = []
        computed = list(metrics)
        if sort is not None:
            _check_all("sort column", [sort], [*chosen.keys, *chosen.labels, *METRICS])
            order.append((sort, descending))
            if sort in METRICS and sort not in computed:
                computed.append(sort)  # sorted by, not shown
        _check_limit(limit)
        query = report_sql(chosen, scope, computed, order=order, limit=limit)
        frame = self._frame(query, scope, f"{level.replace('_', ' ').title()} table")
        return self._account_currency(
            frame.drop(columns=[c for c in computed if c not in metrics]), currency)

    def analyze(self, name: str, scope: Scope, grain: str = "day", limit: int = 10,
                by: str | None = None) -> pd.DataFrame:
        """One of the analyze reports: spend by network (`total_spend`), a metric over time
        (`spend_over_time`, `impressions`, `clicks`, `contacts`, `customers`), one series per
        network with `by="network"`, or the campaigns with the highest or lowest CPC or cost
        per contact (only campaigns that spent and have clicks, or contacts)."""
        if name not in ANALYZE_REPORTS:
            raise InvalidFilter("analyze report", name, ANALYZE_REPORTS)
        _check_limit(limit)
        if by is not None:
            _check_all("split", [by], ANALYZE_SPLITS)
            if name in ANALYZE_RANKINGS:
                raise InvalidFilter("split of a ranking", by,
                                    expected=f"a series: {', '.join(ANALYZE_SERIES)}")
        if name == "total_spend":
            query = report_sql(LEVELS["network"], scope, ["spend"])
        elif name in ANALYZE_SERIES:
            _check_all("time grain", [grain], TIME_GRAINS)
            query = report_sql(LEVELS[by or "total"], scope, [ANALYZE_SERIES[name]],
                               grain=grain)
        else:
            metric, highest = ANALYZE_RANKINGS[name]
            # A campaign that spent nothing costs nothing per click or contact, and one with
            # no clicks (contacts) has no cost per one: neither belongs in a ranking.
            query = report_sql(LEVELS["campaign"], scope, ["spend", "clicks", "contacts", metric],
                               order=[(metric, highest)], limit=limit, where_not_null=metric,
                               where_positive=("spend", METRICS[metric].denominator))
        return self._frame(query, scope, name.replace("_", " ").capitalize())

    def goals(self, filters: Filters, owner: tuple[str, str] | None = None) -> pd.DataFrame:
        """Goal progress (fct_goal_progress), with the owner's name (a user's email, a team's
        name). With a date range, only goals whose period overlaps it; with an account,
        network or user/team filter, only goals whose campaigns (dim_goal_campaigns) all lie in
        the accounts that filter leaves visible; with `owner` (`("user", id)` or
        `("team", id)`), only the goals it owns."""
        scope = self.scope(filters)
        tables = {row[0] for row in self.con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}
        missing = {"dim_goal_campaigns", "dim_users", "dim_teams"} - tables
        if missing:
            raise WarehouseUnavailable(
                f"the marts have no {', '.join(sorted(missing))} (built by an older version): "
                "run `ads-analytics run` to rebuild them")
        params: dict[str, object] = {}
        where = []
        if filters.has_dates:
            where.append("g.period_start <= $end and g.period_end >= $start")
            params.update(start=scope.dates.start, end=scope.dates.end)
        if scope.accounts or scope.networks or scope.principal:
            where.append("""not exists (
        select 1
        from marts.dim_goal_campaigns as gc
        where gc.goal_id = g.goal_id
            and not exists (
                select 1 from accounts as a
                where a.network = gc.network and a.ad_account_id = gc.ad_account_id))""")
        if owner is not None:
            kind, principal = owner
            _check_all("owner type", [kind], ("user", "team"))
            known = [row[0] for row in self.con.execute(
                "select user_id from marts.dim_users order by 1" if kind == "user"
                else "select team_id from marts.dim_teams order by 1").fetchall()]
            _check_all(kind, [str(principal)], known)
            where.append("g.owner_type = $owner_type and g.owner_id = $owner_id")
            params.update(owner_type=kind, owner_id=str(principal))
        visible = replace(scope, statuses=())
        sql = f"""with {scope_ctes(LEVELS['campaign'], visible, params)}

select g.*, coalesce(u.email, t.team_name) as owner_name
from marts.fct_goal_progress as g
left join marts.dim_users as u
    on g.owner_type = 'user' and u.user_id = g.owner_id
left join marts.dim_teams as t
    on g.owner_type = 'team' and t.team_id = g.owner_id
{"where " + " and ".join(where) if where else ""}
order by g.period_start, g.goal_id"""
        frame = self.con.execute(sql, params).df()
        # the owner's name beside the owner
        names = frame.pop("owner_name")
        frame.insert(frame.columns.get_loc("owner_id") + 1, "owner_name", names)
        frame.attrs.update({"title": "Goals", "date_range": str(scope.dates) if filters.has_dates
                            else "all goals", "time_zone": self.time_zone,
                            "currency": self.company_currency})
        return frame
