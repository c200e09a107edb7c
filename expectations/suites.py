"""The data-quality suites, as code: what each checks, on which frame, and whether it blocks.

Each suite reads one frame from the warehouse with SQL and validates it with Great Expectations.
Checks over tables of millions of rows read a frame at the grain the rule is about (an account's
day, an account, a rate, a timestamp column) computed by DuckDB, so validation stays small
whatever the history; each frame keeps the keys (and an example id) that name offending rows.

Blocking suites fail the run (spend reconciliation, missing or non-ISO currencies, invalid time
zones, timestamps without a zone); warning suites report and let it pass (day-over-day spend
jumps, unusual rate moves, accounts whose time zone differs from the portal's).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from core.paths import dbt_project_var
from expectations.iso4217 import CURRENCY_CODES
from ingestion.common.incremental import latest_day_anywhere

# A day's spend this many times the previous day's (when that was at least JUMP_FLOOR) is flagged.
JUMP_FACTOR = 10
JUMP_FLOOR = 10
# A rate further than this factor from the currency's previous rate is flagged.
RATE_BAND = 2.0


def _gx():
    """Great Expectations, imported when a suite's expectations are built: its import takes
    about 3 s, which every command and process that only names the suites (the Dagster
    definitions, `ads-analytics --help`) would otherwise pay."""
    import great_expectations

    return great_expectations


@dataclass(frozen=True)
class Suite:
    name: str
    # The asset (dbt model) the suite guards: its Dagster check attaches there.
    asset: str
    description: str
    query: str
    expectations: Callable[[], list]
    key: list[str]
    blocking: bool = True
    # Other tables the query reads (shown as the check's extra dependencies).
    reads: list[str] = field(default_factory=list)

    @property
    def check_name(self) -> str:
        """The name Dagster shows the suite's asset check under (and `check --suite` takes)."""
        return f"gx_{self.name}"


# -- spend --------------------------------------------------------------------------------------

# Native spend per account-day from each network's raw rows, parsed here independently of the
# staging models so that reconciliation compares two derivations, not one with itself.
RAW_SPEND = """
    select 'facebook' as network, account_id as ad_account_id,
           cast(date_start as date) as date_day, sum(cast(spend as decimal(18, 6))) as spend
    from raw_facebook_ads.ad_insights group by all
    union all
    select 'google', customer__id, cast(segments__date as date),
           sum(cast(cast(metrics__cost_micros as decimal(24, 0)) / 1000000 as decimal(18, 6)))
    from raw_google_ads.ad_performance_daily group by all
    union all
    select 'linkedin', cast(account_id as varchar), cast("date" as date),
           sum(cast(cost_in_local_currency as decimal(18, 6)))
    from raw_linkedin_ads.ad_analytics_daily group by all
"""

STAGED_SPEND = """
    select 'facebook' as network, ad_account_id, date_day, sum(spend) as spend
    from staging.stg_facebook_ads__ad_insights group by all
    union all
    select 'google', ad_account_id, date_day, sum(spend)
    from staging.stg_google_ads__ad_performance_daily group by all
    union all
    select 'linkedin', ad_account_id, date_day, sum(spend)
    from staging.stg_linkedin_ads__ad_analytics_daily group by all
"""

ACCOUNT_DAYS = f"""
with marts as (
    select
        network, ad_account_id, date_day,
        sum(spend) as spend,
        count(*) filter (where spend < 0) as negative_spend_rows,
        count(*) filter (where spend is null and impressions > 0) as missing_spend_rows,
        count(*) filter (
            where spend_company_currency is distinct from
                cast(spend * exchange_rate as decimal(18, 6))
        ) as misconverted_rows,
        min(ad_id) filter (
            where spend < 0 or (spend is null and impressions > 0)
                or spend_company_currency is distinct from
                    cast(spend * exchange_rate as decimal(18, 6))
        ) as example_ad_id
    from marts.fct_ad_performance_daily
    group by all
),
raw as ({RAW_SPEND}),
staged as ({STAGED_SPEND}),
days as (
    select network, ad_account_id, date_day from raw
    union select network, ad_account_id, date_day from staged
    union select network, ad_account_id, date_day from marts
)
select
    days.network, days.ad_account_id, days.date_day,
    coalesce(raw.spend, 0) as raw_spend,
    coalesce(staged.spend, 0) as staging_spend,
    coalesce(marts.spend, 0) as mart_spend,
    coalesce(marts.negative_spend_rows, 0) as negative_spend_rows,
    coalesce(marts.missing_spend_rows, 0) as missing_spend_rows,
    coalesce(marts.misconverted_rows, 0) as misconverted_rows,
    marts.example_ad_id,
    -- days since the account's previous day with rows: more than 1 is a day missing inside
    -- its active range
    coalesce(days.date_day - lag(days.date_day) over (
        partition by days.network, days.ad_account_id order by days.date_day), 1)
        as days_since_previous
from days
left join raw using (network, ad_account_id, date_day)
left join staged using (network, ad_account_id, date_day)
left join marts using (network, ad_account_id, date_day)
order by all
"""

ACCOUNT_DAY_KEY = ["network", "ad_account_id", "date_day"]


def _none_counted(*columns: str) -> list:
    """Columns counting offending rows: each must be 0 on every row of the frame."""
    return [_gx().expectations.ExpectColumnValuesToBeBetween(column=column, max_value=0)
            for column in columns]


def _spend_expectations() -> list:
    exp = _gx().expectations
    return [
        *_none_counted("negative_spend_rows", "missing_spend_rows", "misconverted_rows"),
        exp.ExpectColumnPairValuesToBeEqual(column_A="raw_spend", column_B="staging_spend"),
        exp.ExpectColumnPairValuesToBeEqual(column_A="staging_spend", column_B="mart_spend"),
        exp.ExpectColumnValuesToBeBetween(column="days_since_previous", max_value=1),
    ]


SPEND = Suite(
    name="spend",
    asset="fct_ad_performance_daily",
    description=(
        "Spend per account-day: non-negative, present wherever impressions were served, equal "
        "in raw, staging and marts (native currency, exact), converted at the rate in effect, "
        "and no day missing inside an account's active range."),
    query=ACCOUNT_DAYS,
    expectations=_spend_expectations,
    key=ACCOUNT_DAY_KEY,
    reads=["stg_facebook_ads__ad_insights", "stg_google_ads__ad_performance_daily",
           "stg_linkedin_ads__ad_analytics_daily"],
)

SPEND_JUMPS = Suite(
    name="spend_jumps",
    asset="fct_ad_performance_daily",
    description=(f"Day-over-day spend per account: a day above {JUMP_FACTOR}x the previous "
                 f"day's (of at least {JUMP_FLOOR}) is flagged for a look, not failed."),
    query=f"""
        with days as (
            select network, ad_account_id, date_day, sum(spend) as spend
            from marts.fct_ad_performance_daily group by all
        )
        select *, spend / nullif(previous_spend, 0) as jump
        from (
            select *, lag(spend) over (
                partition by network, ad_account_id order by date_day) as previous_spend
            from days
        )
        where previous_spend >= {JUMP_FLOOR}
        order by all
    """,
    expectations=lambda: [_gx().expectations.ExpectColumnValuesToBeBetween(
        column="jump", max_value=JUMP_FACTOR)],
    key=ACCOUNT_DAY_KEY,
    blocking=False,
)

# -- currency -----------------------------------------------------------------------------------

CURRENCY = Suite(
    name="currency",
    asset="fct_ad_performance_daily",
    description=(
        "Every currency an account reports in, a rate names or the portal reports in is an "
        "ISO 4217 code; every "
        "(currency, day) with spend has an effective rate; rates are positive."),
    query="""
        with codes as (
            select 'ad account ' || network || ' ' || ad_account_id as used_by,
                   currency_code, null::double as conversion_rate,
                   null::bigint as days_without_rate
            from marts.dim_ad_accounts
            union all
            select 'rate ' || id, from_currency_code, cast(conversion_rate as double), null
            from raw_hubspot.exchange_rates
            union all
            select 'rate ' || id, to_currency_code, cast(conversion_rate as double), null
            from raw_hubspot.exchange_rates
            union all
            select 'the company currency (' || company_currency_source || ')',
                   company_currency_code, null, null
            from marts.dim_portal
            union all
            select 'spend in ' || currency_code, currency_code, null,
                   count(*) filter (where exchange_rate is null and spend is not null)
            from marts.fct_ad_performance_daily group by currency_code
        )
        select * from codes order by all
    """,
    expectations=lambda: [
        _gx().expectations.ExpectColumnValuesToBeInSet(column="currency_code",
                                                    value_set=sorted(CURRENCY_CODES)),
        _gx().expectations.ExpectColumnValuesToBeBetween(column="conversion_rate", min_value=0,
                                                      strict_min=True),
        *_none_counted("days_without_rate"),
    ],
    key=["used_by"],
    reads=["dim_ad_accounts", "dim_portal"],
)

RATE_MOVES = Suite(
    name="rate_moves",
    asset="int_exchange_rates_daily",
    description=(f"Each exchange rate within {RATE_BAND}x of the same currency's previous rate: "
                 "a larger move is flagged (a typo in HubSpot's currency settings, usually)."),
    query="""
        select id as rate_id, from_currency_code, to_currency_code, effective_at,
               cast(conversion_rate as double) / nullif(lag(cast(conversion_rate as double))
                   over (partition by from_currency_code, to_currency_code
                         order by effective_at), 0) as move
        from raw_hubspot.exchange_rates
        qualify move is not null
        order by all
    """,
    expectations=lambda: [_gx().expectations.ExpectColumnValuesToBeBetween(
        column="move", min_value=1 / RATE_BAND, max_value=RATE_BAND)],
    key=["rate_id", "from_currency_code", "effective_at"],
    blocking=False,
)

# -- time zone ----------------------------------------------------------------------------------

# An ISO 8601 instant in UTC (Z or a zero offset), or epoch milliseconds.
UTC_INSTANT = r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)|\d{11,14})$"
CRM_TIMESTAMPS = [("contacts", "createdate"), ("contacts", "lastmodifieddate"),
                  ("deals", "createdate"), ("deals", "closedate"),
                  ("page_views", "occurred_at"), ("form_submissions", "occurred_at")]


def _time_zone_query() -> str:
    timestamps = "\n            union all\n            ".join(
        f"select '{table}.{column}' as field, id as record_id, {column} as value "
        f"from raw_hubspot.{table} where {column} is not null "
        f"and not regexp_full_match({column}, '{UTC_INSTANT}')"
        for table, column in CRM_TIMESTAMPS)
    return f"""
        with loaded as (
            -- each account's loaded range: its first and last day in the raw tables
            select network, ad_account_id, min(date_day) as first_day, max(date_day) as last_day
            from ({RAW_SPEND}) group by all
        ),
        zones as (
            select 'ad account ' || network || ' ' || ad_account_id as subject,
                   time_zone, null::varchar as value, null::date as latest_day,
                   null::bigint as days_outside_loaded_range
            from marts.dim_ad_accounts
            union all
            select 'portal', time_zone, null, null, null from raw_hubspot.account_info
            union all
            select 'timestamp ' || field || ' of ' || record_id, null, value, null, null
            from ({timestamps})
            union all
            select 'facts of ' || facts.network || ' ' || facts.ad_account_id, null, null,
                   max(facts.date_day),
                   count(*) filter (where loaded.first_day is null
                                    or facts.date_day not between loaded.first_day
                                                              and loaded.last_day)
            from marts.fct_ad_performance_daily as facts
            left join loaded using (network, ad_account_id)
            group by all
        )
        select * from zones order by all
    """


TIME_ZONE = Suite(
    name="time_zone",
    asset="dim_ad_accounts",
    description=(
        "Every ad account and the portal have a valid IANA time zone; CRM timestamps are UTC "
        "instants (ISO with Z or a zero offset, or epoch milliseconds), so they bucket in the "
        "portal zone; no fact day lies after today anywhere on Earth, nor outside the range "
        "of days loaded for its account."),
    query=_time_zone_query(),
    expectations=lambda: [
        _gx().expectations.ExpectColumnValuesToBeInSet(
            column="time_zone", value_set=sorted(zoneinfo.available_timezones())),
        _gx().expectations.ExpectColumnValuesToBeNull(column="value"),
        _gx().expectations.ExpectColumnValuesToBeBetween(
            column="latest_day",
            max_value=dt.datetime.combine(latest_day_anywhere(), dt.time())),
        *_none_counted("days_outside_loaded_range"),
    ],
    key=["subject"],
    reads=["fct_ad_performance_daily"],
)

TIME_ZONE_ALIGNMENT = Suite(
    name="time_zone_alignment",
    asset="dim_ad_accounts",
    description=("Ad accounts reporting in another time zone than the portal's: their days do "
                 "not line up with CRM days; listed with the spend they carry."),
    query="""
        select accounts.network, accounts.ad_account_id, accounts.time_zone,
               accounts.is_time_zone_aligned,
               coalesce(sum(facts.spend_company_currency), 0) as spend_company_currency
        from marts.dim_ad_accounts as accounts
        left join marts.fct_ad_performance_daily as facts using (network, ad_account_id)
        group by all order by all
    """,
    expectations=lambda: [_gx().expectations.ExpectColumnValuesToBeInSet(
        column="is_time_zone_aligned", value_set=[True])],
    key=["network", "ad_account_id", "time_zone", "spend_company_currency"],
    blocking=False,
    reads=["fct_ad_performance_daily"],
)

# -- CRM and attribution ------------------------------------------------------------------------

# The ads reports credit 1 per ad; every other model splits 1 over the touches.
ADS_REPORTS = ["first_form_submission", "last_form_submission", "last_ad_interaction",
               "all_interactions"]
CREDIT_TOLERANCE = 1e-9


def _attribution_query() -> str:
    reports = ", ".join(f"'{name}'" for name in ADS_REPORTS)
    # a multi-touch model's credits for one contact or deal that do not add up to 1
    off_one = (f"attribution_model not in ({reports}) "
               f"and abs(sum(credit) - 1) > {CREDIT_TOLERANCE}")
    won = ", ".join(f"'{stage}'" for stage in dbt_project_var("closed_won_stages"))
    return f"""
        with contact_totals as (
            select attribution_model, contact_id, {off_one} as off_one
            from marts.fct_contact_attribution group by attribution_model, contact_id
        ),
        contacts as (
            select attribution_model,
                   count(*) as attributed_contacts,
                   count(*) filter (where off_one) as contacts_credited_off_one,
                   min(contact_id) filter (where off_one) as example_contact_id
            from contact_totals group by all
        ),
        deal_totals as (
            select attribution_model, deal_id, {off_one} as off_one
            from marts.fct_deal_attribution group by attribution_model, deal_id
        ),
        -- the deals the ads tool may count: closed won, with a close date, and a customer
        -- contact who converted
        countable as (
            select distinct deals.deal_id
            from intermediate.int_deals as deals
            inner join staging.stg_hubspot__deal_contact_associations as associations
                using (deal_id)
            inner join staging.stg_hubspot__contacts as contacts using (contact_id)
            inner join intermediate.int_contact_conversions as conversions using (contact_id)
            where deals.deal_stage in ({won}) and deals.close_date is not null
                and contacts.lifecycle_stage = 'customer'
        ),
        deals as (
            select attribution_model,
                   count(*) filter (where off_one) as deals_credited_off_one,
                   count(*) filter (where countable.deal_id is null)
                       as deals_failing_conditions,
                   min(deal_totals.deal_id) filter (where countable.deal_id is null or off_one)
                       as example_deal_id
            from deal_totals
            left join countable using (deal_id)
            group by all
        )
        select attribution_model,
               coalesce(contacts.attributed_contacts, 0) as attributed_contacts,
               (select count(*) from staging.stg_hubspot__contacts) as contacts,
               coalesce(contacts.contacts_credited_off_one, 0) as contacts_credited_off_one,
               coalesce(deals.deals_credited_off_one, 0) as deals_credited_off_one,
               coalesce(deals.deals_failing_conditions, 0) as deals_failing_conditions,
               contacts.example_contact_id,
               deals.example_deal_id
        from contacts full join deals using (attribution_model)
        order by all
    """


def _attribution_expectations() -> list:
    exp = _gx().expectations
    return [
        *_none_counted("contacts_credited_off_one", "deals_credited_off_one",
                       "deals_failing_conditions"),
        exp.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="contacts", column_B="attributed_contacts", or_equal=True),
    ]


ATTRIBUTION = Suite(
    name="attribution",
    asset="fct_contact_attribution",
    description=(
        "Per attribution model: every multi-touch model's credits add up to 1 per contact and "
        "per deal; no more contacts attributed than there are; every attributed deal is closed "
        "won, has a close date and a customer contact who converted."),
    query=_attribution_query(),
    expectations=_attribution_expectations,
    key=["attribution_model", "example_contact_id", "example_deal_id"],
    reads=["fct_deal_attribution", "int_deals", "int_contact_conversions",
           "stg_hubspot__contacts", "stg_hubspot__deal_contact_associations"],
)

SUITES = [SPEND, SPEND_JUMPS, CURRENCY, RATE_MOVES, TIME_ZONE, TIME_ZONE_ALIGNMENT, ATTRIBUTION]

