"""One SQL builder behind every report: scope (accounts, access, network, status) → network
metrics, credited contacts and deals over the range → ratios from those sums.

Only names from `reporting.catalog` are written into the SQL; every value a user chose (dates,
ids, model, statuses, principal, ROI inputs) is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reporting.catalog import (
    ACCOUNT_SPEND,
    ADS_REPORTS,
    HIDDEN_BY_DEFAULT,
    METRICS,
    STAGE_METRICS,
    Level,
)
from reporting.dates import DateRange
from reporting.errors import InvalidFilter


@dataclass(frozen=True)
class Scope:
    """Validated filters."""

    dates: DateRange
    attribution: str
    roi_setting: str
    average_sale_price: float
    contact_to_customer_rate: float
    week_start: str
    accounts: tuple[str, ...] = ()  # "network:ad_account_id"; empty means every account
    networks: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    principal: tuple[str, str] | None = None  # ("user" | "team", id)
    # False: the campaigns HubSpot hides (catalog.HIDDEN_BY_DEFAULT) are left out.
    include_deleted: bool = False
    # The dashboard's drill-down: "network:campaign_id" / "network:ad_group_id"; empty: all.
    campaigns: tuple[str, ...] = ()
    ad_groups: tuple[str, ...] = ()


@dataclass
class Query:
    sql: str
    params: dict[str, object] = field(default_factory=dict)


_SHARES = ("search_top_impression_share", "search_absolute_top_impression_share")
_SHARE_PARTS = [f"{share}_{part}" for share in _SHARES for part in ("weighted", "impressions")]
_NETWORK_METRICS = {
    "impressions": "f.impressions", "clicks": "f.clicks", "spend": "f.spend_company_currency",
    ACCOUNT_SPEND: "f.spend", "engagements": "f.engagements", "likes": "f.likes",
    "network_conversions": "f.network_conversions", "interactions": None,
    "sessions": "f.sessions", **dict.fromkeys(_SHARE_PARTS),
}
PERFORMANCE_COLUMNS = {
    # fact -> metric -> expression over the fact's row `f` (None: the fact does not have it).
    # The semantic layer's metrics are written from these too (reporting.semantic_layer).
    "fct_campaign_performance_daily": _NETWORK_METRICS,
    "fct_ad_performance_daily": _NETWORK_METRICS,
    "fct_keyword_performance_daily": {
        "impressions": "f.impressions", "clicks": "f.clicks",
        "spend": "f.spend_company_currency", ACCOUNT_SPEND: "f.spend", "engagements": None,
        "likes": None,
        "network_conversions": "f.conversions", "interactions": "f.interactions",
        "sessions": None,
        # Impression shares over a range: each day's share weighted by its impressions, over
        # the impressions of the days that have one.
        **{f"{share}_weighted": f"f.{share} * f.impressions" for share in _SHARES},
        **{f"{share}_impressions": f"case when f.{share} is not null then f.impressions end"
           for share in _SHARES},
    },
}
# A model's credits per campaign and day, as the credit fact holds them.
CREDIT_FACT = "fct_campaign_credit_by_model_daily"
CREDITED_SUMS = {**{name: f"f.{name}" for name in ("contacts", *STAGE_METRICS, "deals")},
                 "revenue": "f.revenue_company_currency"}
_COUNTS = ("impressions", "clicks", "engagements", "likes", "interactions", "sessions")
_CRM = ("contacts", *STAGE_METRICS, "deals", "revenue")


def scope_ctes(level: Level, scope: Scope, params: dict[str, object]) -> str:
    """`accounts` (visible ad accounts) and `scope` (the level's dimension rows in them)."""
    where = []
    if scope.networks:
        where.append("a.network in (select unnest($networks))")
        params["networks"] = list(scope.networks)
    if scope.accounts:
        where.append("a.network || ':' || a.ad_account_id in (select unnest($accounts))")
        params["accounts"] = list(scope.accounts)
    if scope.principal:
        where.append(
            "exists (select 1 from marts.dim_ad_account_access as x"
            " where x.network = a.network and x.ad_account_id = a.ad_account_id"
            " and x.principal_type = $principal_type and x.principal_id = $principal_id)")
        params["principal_type"], params["principal_id"] = scope.principal
    return f"""accounts as (
    select a.network, a.ad_account_id, a.ad_account_name, a.currency_code
    from marts.dim_ad_accounts as a
    {"where " + " and ".join(where) if where else ""}
),

scope as (
    select s.*, accounts.ad_account_name, accounts.currency_code
    from marts.{level.scope} as s
    inner join accounts
        on s.network = accounts.network and s.ad_account_id = accounts.ad_account_id
    {_scope_where(level, scope, params)}
)"""


def _scope_where(level: Level, scope: Scope, params: dict[str, object]) -> str:
    """The level's rows the status filter, the hidden campaigns and the drill-down keep."""
    # The campaign's status, at every level, so every level adds up to the same totals (an
    # ad's or ad group's own status is a label of its row).
    campaign = []
    if scope.statuses:
        campaign.append("c.status in (select unnest($statuses))")
        params["statuses"] = list(scope.statuses)
    if not scope.include_deleted:
        network, status = HIDDEN_BY_DEFAULT
        campaign.append(f"not (c.network = '{network}' and upper(c.raw_status) = '{status}')")
    where = []
    if campaign:
        where.append("exists (select 1 from marts.dim_campaigns as c"
                     " where c.network = s.network and c.campaign_id = s.campaign_id"
                     f" and {' and '.join(campaign)})")
    if scope.campaigns:
        where.append("s.network || ':' || s.campaign_id in (select unnest($campaigns))")
        params["campaigns"] = list(scope.campaigns)
    if scope.ad_groups:
        if "ad_group_id" not in level.keys:
            raise InvalidFilter("ad group filter at level", level.name,
                                expected="a level under ad groups: ad_group, ad, keyword")
        where.append("s.network || ':' || s.ad_group_id in (select unnest($ad_groups))")
        params["ad_groups"] = list(scope.ad_groups)
    return "where " + " and ".join(where) if where else ""


def _join_scope(alias: str, level: Level) -> str:
    return " and ".join(f"{alias}.{key} = scope.{key}" for key in level.scope_keys)


def _row_keys(level: Level) -> tuple[str, ...]:
    """What the measures group and join a level's rows by: the scope's key where it names one
    row of the level (an ad is one ad's row: `network, ad_id`, two columns to hash and compare
    instead of five), else the level's own keys (a network's row holds many campaigns)."""
    return level.scope_keys if set(level.scope_keys) <= set(level.keys) else level.keys


def _group(level: Level, grain: str | None, date_column: str, week_start: str) -> list[str]:
    columns = [f"scope.{key}" for key in _row_keys(level)]
    if grain:
        columns.append(f"{_period_start(grain, date_column, week_start)} as period")
    return columns


def _bucket(grain: str, day: str, week_start: str) -> str:
    """The first day of the day, week or month a day falls in."""
    if grain == "day":
        return f"cast({day} as date)"
    if grain == "week" and week_start == "sunday":
        return f"cast(date_trunc('week', {day} + interval 1 day) - interval 1 day as date)"
    return f"cast(date_trunc('{grain}', {day}) as date)"


def _period_start(grain: str, day: str, week_start: str) -> str:
    """The period a day falls in, named by its first day within the range (so a week or month
    cut by the range's start is labelled with that start)."""
    return f"greatest({_bucket(grain, day, week_start)}, cast($start as date))"


def _select_list(columns: list[str]) -> str:
    return "".join(f"{column}, " for column in columns)


def _group_by(columns: list[str], extra: tuple[str, ...] = ()) -> str:
    names = [column.split(" as ")[-1] if " as " in column else column for column in columns]
    names += list(extra)
    return f"group by {', '.join(names)}" if names else ""


def _out_keys(level: Level, grain: str | None) -> list[str]:
    return [*level.keys, *(["period"] if grain else [])]


def _bare(columns: list[str]) -> list[str]:
    return [column.split(" as ")[-1].split(".")[-1] for column in columns]


def measures_sql(level: Level, scope: Scope, grain: str | None = None) -> Query:
    """One row per group of the level (and period when `grain` is set) with every base metric:
    the additive network metrics and the CRM metrics (null for groups without a tracked
    campaign)."""
    params: dict[str, object] = {
        "start": scope.dates.start, "end": scope.dates.end, "attribution": scope.attribution,
    }
    ctes = [scope_ctes(level, scope, params)]

    once = scope.attribution in ADS_REPORTS
    # Under a model credits add up, so at campaign level and above the credited contacts and
    # deals are the sums the credit fact holds per model, campaign and day (contacts on their
    # attributed day, deals on their close day): the same numbers as the attribution facts'
    # rows, from a far smaller table.
    credited_by_campaign_day = (not once
                                and level.performance == "fct_campaign_performance_daily")
    group = _group(level, grain, "f.date_day", scope.week_start)
    columns = PERFORMANCE_COLUMNS[level.performance]
    # The fact's rows of the range are summed by its own key first (and period), then the
    # sums joined to the scope: far fewer rows to join, and a narrower key to group by, than
    # joining every day's row (a million at L for the ad table) and grouping by the level's.
    by_key = [f"f.{key}" for key in level.scope_keys]
    if grain:
        by_key.append(f"{_period_start(grain, 'f.date_day', scope.week_start)} as period")
    fact_sums = ",\n            ".join(
        f"sum({expr}) as {name}" for name, expr in columns.items() if expr)
    sums = ",\n        ".join(
        f"sum(f.{name}) as {name}" if expr else f"cast(null as bigint) as {name}"
        for name, expr in columns.items())
    row_keys = list(_row_keys(level))
    outer = [f"scope.{key}" for key in row_keys] + (["f.period as period"] if grain else [])
    ctes.append(f"""performance as (
    select {_select_list(outer)}
        {sums}
    from (
        select {_select_list(by_key)}
            {fact_sums}
        from marts.{level.performance} as f
        where f.date_day between $start and $end
        {_group_by(by_key)}
    ) as f
    inner join scope on {_join_scope('f', level)}
    {_group_by(outer)}
)""")

    if credited_by_campaign_day:
        credited = ",\n        ".join(f"sum({expr}) as {name}"
                                      for name, expr in CREDITED_SUMS.items())
        ctes.append(f"""credits as (
    select {_select_list(group)}
        {credited}
    from marts.{CREDIT_FACT} as f
    inner join scope on {_join_scope('f', level)}
    where f.date_day between $start and $end and f.attribution_model = $attribution
    {_group_by(group)}
)""")
    else:
        ctes += _credited_rows(level, grain, once, scope.week_start)

    labels = [f"any_value({column}) as {column}"
              for column in [*(k for k in level.keys if k not in row_keys), *level.labels]]
    ctes.append(f"""entities as (
    select {_select_list(row_keys + labels)} bool_or(is_tracked) as is_tracked
    from scope
    {_group_by(row_keys)}
)""")
    base = "entities"
    if grain:
        first = _bucket(grain, "cast($start as date)", scope.week_start)
        ctes.append(f"""periods as (
    select distinct {_period_start(grain, "day", scope.week_start)} as period
    from generate_series(cast({first} as timestamp), cast($end as timestamp),
                         interval 1 {grain}) as t(day)
),

base as (
    select * from entities cross join periods
)""")
        base = "base"

    keys = [*row_keys, *(["period"] if grain else [])]
    metrics = []
    for name, expr in columns.items():
        if expr is None:
            value = f"cast(null as {'bigint' if name in _COUNTS else 'double'})"
        elif name in _COUNTS:
            value = f"cast(coalesce(p.{name}, 0) as bigint)"
        elif name in ("spend", ACCOUNT_SPEND, "network_conversions"):
            value = f"cast(coalesce(p.{name}, 0) as double)"
        else:
            value = f"coalesce(p.{name}, 0)"
        if name == "sessions" and expr is not None:
            value = f"case when e.is_tracked then {value} end"
        metrics.append(f"{value} as {name}")
    for name in _CRM:
        source = ("k" if credited_by_campaign_day
                  else "d" if name in ("deals", "revenue") else "c")
        metrics.append(
            f"case when e.is_tracked then cast(coalesce({source}.{name}, 0) as double) end"
            f" as {name}")
    joined = {"performance": "p"}
    if credited_by_campaign_day:
        joined.update(credits="k")
    else:
        joined.update(contacts="c", deals="d")
    joins = "\n".join(
        f"left join {cte} as {alias} on "
        + (" and ".join(f"{alias}.{key} = e.{key}" for key in keys) or "true")
        for cte, alias in joined.items())
    sql = "with " + ",\n\n".join(ctes) + f"""

select {_select_list([f"e.{key}" for key in _out_keys(level, grain)]
                    + [f"e.{label}" for label in level.labels])}
    {", ".join(metrics)}
from {base} as e
{joins}"""
    return Query(sql, params)


def _credited_rows(level: Level, grain: str | None, once: bool, week_start: str
                   ) -> list[str]:
    """`contacts` and `deals` from the attribution facts. A contact (deal) counts once per group
    under an ads report (its rows there, one per ad, become one); under a model its credits
    simply add up, row by row."""
    credit = "max(a.credit)" if once else "a.credit"
    group = _group(level, grain, "a.attributed_date", week_start)
    stage_sums = ",\n        ".join(
        f"sum(case when lifecycle_stage = '{stage}' then credit else 0 end) as {name}"
        for name, stage in STAGE_METRICS.items())
    bare = _bare(group)
    contacts = f"""contact_credits as (
    select {_select_list(group)} a.contact_id, a.lifecycle_stage, {credit} as credit
    from marts.fct_contact_attribution as a
    inner join scope on {_join_scope('a', level)}
    where a.attribution_model = $attribution and a.attributed_date between $start and $end
    {_group_by(group, ('a.contact_id', 'a.lifecycle_stage')) if once else ""}
),

contacts as (
    select {_select_list(bare)}
        sum(credit) as contacts,
        {stage_sums}
    from contact_credits
    {_group_by(bare)}
)"""
    group = _group(level, grain, "a.close_date", week_start)
    bare = _bare(group)
    amount = "max(a.amount_company_currency)" if once else "a.amount_company_currency"
    deals = f"""deal_credits as (
    select {_select_list(group)} a.deal_id, {credit} as credit, {amount} as amount
    from marts.fct_deal_attribution as a
    inner join scope on {_join_scope('a', level)}
    where a.attribution_model = $attribution and a.close_date between $start and $end
    {_group_by(group, ('a.deal_id',)) if once else ""}
),

deals as (
    select {_select_list(bare)}
        sum(credit) as deals,
        sum(credit * amount) as revenue
    from deal_credits
    {_group_by(bare)}
)"""
    return [contacts, deals]


def metric_expression(name: str, scope: Scope, params: dict[str, object]) -> str:
    """A metric over the measures row `m`: a base metric itself, or a ratio of two sums."""
    if name == "estimated_revenue":
        params["contact_to_customer_rate"] = scope.contact_to_customer_rate
        params["average_sale_price"] = scope.average_sale_price
        return ("((m.contacts - m.customers) * $contact_to_customer_rate * $average_sale_price"
                " + m.customers * $average_sale_price)")
    if name not in METRICS:  # a part of a metric, not one itself
        return f"m.{name}"
    metric = METRICS[name]
    if name == "roi":
        revenue = (metric_expression("estimated_revenue", scope, params)
                   if scope.roi_setting == "estimate" else "m.revenue")
        return f"(({revenue}) - m.spend) / nullif(m.spend, 0)"
    if metric.kind == "ratio":
        return (f"cast({metric_expression(metric.numerator, scope, params)} as double)"
                f" / nullif({metric_expression(metric.denominator, scope, params)}, 0)")
    return f"m.{name}"


def report_sql(level: Level, scope: Scope, metrics: list[str], grain: str | None = None,
               order: list[tuple[str, bool]] | None = None, limit: int | None = None,
               where_not_null: str | None = None, where_positive: tuple[str, ...] = ()
               ) -> Query:
    """The report: the level's keys and labels, then the chosen metrics, ordered (nulls last,
    then by key so ties are stable) and optionally limited; only the rows where
    `where_not_null` has a value and every metric of `where_positive` is above 0."""
    measures = measures_sql(level, scope, grain)
    params = measures.params
    keys = _out_keys(level, grain)
    selected = [f"m.{column}" for column in [*keys, *level.labels]]
    shown = [*metrics, *(name for name in where_positive if name not in metrics)]
    selected += [f"{metric_expression(name, scope, params)} as {name}" for name in shown]
    # nulls last, then by key so ties are stable
    ordering = [f"{name} {'desc' if descending else 'asc'} nulls last"
                for name, descending in order or []] + keys
    conditions = [f"{name} > 0" for name in where_positive]
    if where_not_null:
        conditions.insert(0, f"{where_not_null} is not null")
    filter_sql = "where " + " and ".join(conditions) if conditions else ""
    limit_sql = ""
    if limit is not None:
        limit_sql = "limit $limit"
        params["limit"] = limit
    sql = f"""with measures as (
{measures.sql}
)

select {", ".join([*keys, *level.labels, *metrics])} from (
    select {", ".join(selected)}
    from measures as m
) as report
{filter_sql}
{"order by " + ", ".join(ordering) if ordering else ""}
{limit_sql}"""
    return Query(sql, params)
