"""A small warehouse written by hand, with the marts' columns, whose every report number can be
worked out on paper (the expected values in the tests are computed that way, not by the code).

Today is Monday 2026-06-15; "last 7 days" is 2026-06-08..2026-06-14.

    accounts   facebook F1 (user U1), google G1 and linkedin L1 (team T1, and U2 through T1)
    campaigns  C1 F1 active tracked · C2 F1 paused untracked · C3 G1 active · C4 G1 deleted
               (Google's REMOVED) · C5 L1 active · C6 F1 deleted (Facebook's DELETED, hidden
               by default)   (ad groups AGn and ads An under Cn; C1 has ads A1a and
                                      A1b, which is paused;
               Google keywords K3 in AG3, K4 in AG4)
    money      G1 spends euros (1 EUR = 1.25 USD on every day), F1 and L1 dollars; the company
               currency is USD
    contacts   P1 customer, converted 06-14 on A1a (also touched A1b, A3, and organic search)
               P2 lead, 06-13 on A3 keyword K3 (also touched A4 keyword K4)
               P3 MQL, 05-01 on A5 (outside the last 7 days)
               P4 MQL, 06-12 on A5 (also touched A1a)
               P5 lead, 06-14 on campaign C1, ad unknown
               P6 subscriber 04-20 on A1a, P7 evangelist 04-21 on A3, P8 other 04-22 on A5
               (before the last 30 days)
               P9 lead, 06-11 on A6 (the deleted Facebook campaign)
    deals      D1 of P1, closed 06-14, 1000 in the company currency; D2 of P1, closed 04-01, 500
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

TODAY = dt.date(2026, 6, 15)
MODELS = ("first_form_submission", "last_ad_interaction", "all_interactions", "linear")

ACCOUNTS = [  # network, id, name, currency, zone, aligned
    ("facebook", "F1", "Facebook US", "USD", "America/New_York", True),
    ("google", "G1", "Google EU", "EUR", "Europe/Berlin", False),
    ("linkedin", "L1", "LinkedIn US", "USD", "America/New_York", True),
]
CAMPAIGNS = [  # network, account, campaign, name, type, status, tracked
    ("facebook", "F1", "C1", "Leads", "OUTCOME_LEADS", "active", True),
    ("facebook", "F1", "C2", "Awareness", "OUTCOME_AWARENESS", "paused", False),
    ("google", "G1", "C3", "Search brand", "SEARCH", "active", True),
    ("google", "G1", "C4", "Search generic", "SEARCH", "deleted", True),
    ("linkedin", "L1", "C5", "Sponsored", "SPONSORED_UPDATES", "active", True),
    ("facebook", "F1", "C6", "Old promo", "OUTCOME_TRAFFIC", "deleted", True),
]
RAW_STATUS = {"C4": "REMOVED", "C6": "DELETED"}  # the network's own word, where it differs
# The company currency (USD) per unit of each account's currency.
RATES = {"F1": 1.0, "G1": 1.25, "L1": 1.0}
ADS = [  # ad, ad group, campaign
    ("A1a", "AG1", "C1"), ("A1b", "AG1", "C1"), ("A2", "AG2", "C2"), ("A3", "AG3", "C3"),
    ("A4", "AG4", "C4"), ("A5", "AG5", "C5"), ("A6", "AG6", "C6"),
]
AD_STATUS = {"A1b": "paused"}  # an ad paused inside an active campaign
KEYWORDS = [  # keyword, ad group, text, match type, max cpc, first page, top of page
    ("K3", "AG3", "ads analytics", "EXACT", 2.5, 1.0, 3.0),
    ("K4", "AG4", "attribution", "BROAD", 1.5, 0.5, 2.0),
]
AD_DAYS = [  # ad, day, impressions, clicks, spend in company currency, sessions
    ("A1a", "2026-06-10", 1000, 50, 100.0, 20),
    ("A1a", "2026-06-14", 500, 10, 40.0, 5),
    ("A1b", "2026-06-14", 500, 40, 60.0, 10),
    ("A2", "2026-06-14", 2000, 20, 30.0, None),
    ("A3", "2026-06-14", 800, 80, 120.0, 30),
    ("A3", "2026-05-20", 100, 10, 12.0, 2),
    ("A4", "2026-06-13", 200, 4, 8.0, 1),
    ("A5", "2026-06-12", 300, 3, 90.0, 2),
    ("A6", "2026-06-09", 100, 5, 0.0, 1),  # clicks the network did not charge for
    ("A6", "2026-06-11", 400, 8, 24.0, 4),
]
KEYWORD_DAYS = [  # keyword, day, impressions, clicks, spend, conversions, interactions,
    #                search top and absolute top impression shares
    ("K3", "2026-06-14", 600, 60, 90.0, 6, 60, 0.5, 0.2),
    ("K3", "2026-06-01", 100, 5, 10.0, 0, 5, 0.1, 0.05),
    ("K4", "2026-06-13", 200, 4, 8.0, 1, 4, None, None),
]
CONTACTS = {  # contact: (converted day, current stage)
    "P1": ("2026-06-14", "customer"),
    "P2": ("2026-06-13", "lead"),
    "P3": ("2026-05-01", "marketingqualifiedlead"),
    "P4": ("2026-06-12", "marketingqualifiedlead"),
    "P5": ("2026-06-14", "lead"),
    "P6": ("2026-04-20", "subscriber"),
    "P7": ("2026-04-21", "evangelist"),
    "P8": ("2026-04-22", "other"),
    "P9": ("2026-06-11", "lead"),
}
# The contacts every model credits wholly to one ad.
ONE_AD = {"P6": [("A1a", "C1", None, 1.0)], "P7": [("A3", "C3", None, 1.0)],
          "P8": [("A5", "C5", None, 1.0)], "P9": [("A6", "C6", None, 1.0)]}
# model -> contact -> [(ad or None, campaign, keyword or None, credit)]; a None campaign is an
# organic touch.
CREDITS = {
    "first_form_submission": {
        "P1": [("A1a", "C1", None, 1.0)], "P2": [("A3", "C3", "K3", 1.0)],
        "P3": [("A5", "C5", None, 1.0)], "P4": [("A5", "C5", None, 1.0)],
        "P5": [(None, "C1", None, 1.0)],
    },
    "all_interactions": {
        "P1": [("A1a", "C1", None, 1.0), ("A1b", "C1", None, 1.0), ("A3", "C3", None, 1.0)],
        "P2": [("A3", "C3", "K3", 1.0)],
        "P3": [("A5", "C5", None, 1.0)],
        "P4": [("A5", "C5", None, 1.0), ("A1a", "C1", None, 1.0)],
        "P5": [(None, "C1", None, 1.0)],
    },
    "linear": {
        "P1": [("A1a", "C1", None, .25), ("A1b", "C1", None, .25), ("A3", "C3", None, .25),
               (None, None, None, .25)],
        "P2": [("A3", "C3", "K3", .5), ("A4", "C4", "K4", .5)],
        "P3": [("A5", "C5", None, 1.0)],
        "P4": [("A5", "C5", None, .5), ("A1a", "C1", None, .5)],
        "P5": [(None, "C1", None, 1.0)],
    },
}
for _credits in CREDITS.values():
    _credits.update(ONE_AD)
CREDITS["last_ad_interaction"] = CREDITS["first_form_submission"]
DEALS = {"D1": ("P1", "2026-06-14", 1000.0), "D2": ("P1", "2026-04-01", 500.0)}
ACCESS = [  # network, account, principal type, principal id, via
    ("facebook", "F1", "user", "U1", "direct"),
    ("google", "G1", "team", "T1", "direct"), ("linkedin", "L1", "team", "T1", "direct"),
    ("google", "G1", "user", "U2", "team"), ("linkedin", "L1", "user", "U2", "team"),
]
USERS_AND_TEAMS = {  # the HubSpot users and teams: id -> email or name; T1's member is U2
    "user": {"U1": "u1@example.com", "U2": "u2@example.com"}, "team": {"T1": "Search team"}}
MEMBERS = [("T1", "U2")]
GOALS = [  # id, type, start, end, covered (network, campaign) or none for every campaign, owner
    ("facebook_leads_june", "contacts_first_form_submission", "2026-06-01", "2026-06-30",
     [("facebook", None)], ("user", "U1")),
    ("all_spend_june", "spend", "2026-06-01", "2026-06-30", [], ("team", "T1")),
    ("brand_search_january", "network_conversions", "2026-01-01", "2026-01-31",
     [("google", "C3")], None),
]


def _campaign(campaign_id: str) -> tuple:
    return next(c for c in CAMPAIGNS if c[2] == campaign_id)


def _currency(account_id: str) -> str:
    return next(a[3] for a in ACCOUNTS if a[1] == account_id)


def _ad(ad_id: str) -> tuple:
    return next(a for a in ADS if a[0] == ad_id)


def _frames() -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    tables["dim_ad_accounts"] = pd.DataFrame(ACCOUNTS, columns=[
        "network", "ad_account_id", "ad_account_name", "currency_code", "time_zone",
        "is_time_zone_aligned"])
    tables["dim_campaigns"] = pd.DataFrame(
        [(*c[:6], RAW_STATUS.get(c[2], c[5].upper()), c[6]) for c in CAMPAIGNS],
        columns=["network", "ad_account_id", "campaign_id", "campaign_name", "campaign_type",
                 "status", "raw_status", "is_tracked"])
    groups = sorted({(a[1], a[2]) for a in ADS})
    tables["dim_ad_groups"] = pd.DataFrame(
        [(c[0], c[1], c[2], c[3], group, f"Group {group}", c[5], c[5].upper(), c[6])
         for group, campaign in groups for c in [_campaign(campaign)]],
        columns=["network", "ad_account_id", "campaign_id", "campaign_name", "ad_group_id",
                 "ad_group_name", "status", "raw_status", "is_tracked"])
    tables["dim_ads"] = pd.DataFrame(
        [(c[0], c[1], c[2], c[3], group, f"Group {group}", ad, f"Ad {ad}",
          AD_STATUS.get(ad, c[5]), AD_STATUS.get(ad, c[5]).upper(), c[6])
         for ad, group, campaign in ADS for c in [_campaign(campaign)]],
        columns=["network", "ad_account_id", "campaign_id", "campaign_name", "ad_group_id",
                 "ad_group_name", "ad_id", "ad_name", "status", "raw_status", "is_tracked"])
    keyword_campaign = {k[0]: next(a[2] for a in ADS if a[1] == k[1]) for k in KEYWORDS}
    tables["dim_keywords"] = pd.DataFrame(
        [(c[0], c[1], c[2], c[3], k[1], f"Group {k[1]}", k[0], k[2], k[3], c[5], c[5].upper(),
          *k[4:], c[6]) for k in KEYWORDS for c in [_campaign(keyword_campaign[k[0]])]],
        columns=["network", "ad_account_id", "campaign_id", "campaign_name", "ad_group_id",
                 "ad_group_name", "keyword_id", "keyword_text", "match_type", "status",
                 "raw_status", "max_cpc", "first_page_cpc", "top_of_page_cpc", "is_tracked"])
    rows = []
    for ad, day, impressions, clicks, spend, sessions in AD_DAYS:
        _, group, campaign = _ad(ad)
        c = _campaign(campaign)
        rows.append((c[0], c[1], campaign, group, ad, day, impressions, clicks,
                     spend / RATES[c[1]], _currency(c[1]), spend, RATES[c[1]], sessions))
    ad_days = pd.DataFrame(rows, columns=[
        "network", "ad_account_id", "campaign_id", "ad_group_id", "ad_id", "date_day",
        "impressions", "clicks", "spend", "currency_code", "spend_company_currency",
        "exchange_rate", "sessions"])
    tables["ad_days"] = ad_days
    rows = []
    for keyword, day, impressions, clicks, spend, conversions, interactions, top, absolute \
            in KEYWORD_DAYS:
        campaign = keyword_campaign[keyword]
        c = _campaign(campaign)
        group = next(k[1] for k in KEYWORDS if k[0] == keyword)
        rows.append((c[0], c[1], campaign, group, keyword, day, impressions, clicks,
                     spend / RATES[c[1]], spend, conversions, interactions, top, absolute))
    tables["keyword_days"] = pd.DataFrame(rows, columns=[
        "network", "ad_account_id", "campaign_id", "ad_group_id", "keyword_id", "date_day",
        "impressions", "clicks", "spend", "spend_company_currency", "conversions",
        "interactions", "top_share", "absolute_top_share"])
    rows = []
    for model, by_contact in CREDITS.items():
        for contact, touches in by_contact.items():
            day, stage = CONTACTS[contact]
            for ad, campaign, keyword, credit in touches:
                c = _campaign(campaign) if campaign else (None,) * 7
                group = _ad(ad)[1] if ad else None
                rows.append((model, contact, c[0], c[1], campaign, group, ad, keyword, credit,
                             day, stage))
    credits = pd.DataFrame(rows, columns=[
        "attribution_model", "contact_id", "network", "ad_account_id", "campaign_id",
        "ad_group_id", "ad_id", "keyword_id", "credit", "attributed_date", "lifecycle_stage"])
    tables["contact_credits"] = credits
    rows = []
    for deal, (contact, day, amount) in DEALS.items():
        for row in credits[credits.contact_id == contact].itertuples():
            rows.append((row.attribution_model, deal, row.network, row.ad_account_id,
                         row.campaign_id, row.ad_group_id, row.ad_id, row.keyword_id,
                         row.credit, day, amount))
    tables["deal_credits"] = pd.DataFrame(rows, columns=[
        "attribution_model", "deal_id", "network", "ad_account_id", "campaign_id",
        "ad_group_id", "ad_id", "keyword_id", "credit", "close_date", "amount"])
    tables["dim_ad_account_access"] = pd.DataFrame(ACCESS, columns=[
        "network", "ad_account_id", "principal_type", "principal_id", "access_via"])
    tables["goals"] = pd.DataFrame(
        [(g[0], g[0].replace("_", " "), g[1], *(g[5] or (None, None)), g[2], g[3])
         for g in GOALS],
        columns=["goal_id", "goal_name", "goal_type", "owner_type", "owner_id", "period_start",
                 "period_end"])
    tables["dim_goal_campaigns"] = pd.DataFrame(
        [(g[0], c[0], c[1], c[2]) for g in GOALS for c in CAMPAIGNS
         if not g[4] or any(c[0] == network and campaign in (None, c[2])
                            for network, campaign in g[4])],
        columns=["goal_id", "network", "ad_account_id", "campaign_id"])
    tables["dim_users"] = pd.DataFrame(
        [(user, email, None, False) for user, email in USERS_AND_TEAMS["user"].items()],
        columns=["user_id", "email", "primary_team_id", "is_super_admin"])
    tables["dim_teams"] = pd.DataFrame(list(USERS_AND_TEAMS["team"].items()),
                                       columns=["team_id", "team_name"])
    tables["dim_team_members"] = pd.DataFrame(MEMBERS, columns=["team_id", "user_id"])
    return tables


# What a credit row credits, as the attribution facts have it (ids are text even where a frame
# column held only nulls).
CREDITED_TARGET = """case when campaign_id is null then 'organic_search' else 'paid' end as channel,
                campaign_id is not null as is_ad_interaction,
                cast(network as varchar) as network,
                cast(ad_account_id as varchar) as ad_account_id,
                cast(campaign_id as varchar) as campaign_id,
                cast(ad_group_id as varchar) as ad_group_id, cast(ad_id as varchar) as ad_id,
                cast(keyword_id as varchar) as keyword_id, credit,"""


def build_fixture_warehouse(path: Path) -> Path:
    """The marts above, with the columns and types of the real marts."""
    frames = _frames()
    with duckdb.connect(str(path)) as con:
        for name, frame in frames.items():
            con.register(f"src_{name}", frame)
        con.execute("create schema marts; create schema seeds")
        # the portal the marts were built for: its currency and zone label every report
        con.execute("""
            create table marts.dim_portal as
            select '24681357' as portal_id, 'USD' as company_currency_code,
                   'portal' as company_currency_source, 'USD' as portal_company_currency_code,
                   'America/New_York' as time_zone, 'portal' as time_zone_source,
                   'America/New_York' as portal_time_zone""")
        for name in ("dim_ad_accounts", "dim_campaigns", "dim_ad_groups", "dim_ads",
                     "dim_ad_account_access", "dim_goal_campaigns", "dim_teams",
                     "dim_team_members"):
            con.execute(f"create table marts.{name} as select * from src_{name}")
        con.execute("""
            create table marts.dim_keywords as
            select * replace (cast(max_cpc as decimal(18, 6)) as max_cpc,
                cast(first_page_cpc as decimal(18, 6)) as first_page_cpc,
                cast(top_of_page_cpc as decimal(18, 6)) as top_of_page_cpc)
            from src_dim_keywords;

            create table marts.fct_ad_performance_daily as
            select network, ad_account_id, campaign_id, ad_group_id, ad_id,
                cast(date_day as date) as date_day, cast(impressions as bigint) as impressions,
                cast(clicks as bigint) as clicks, cast(spend as decimal(18, 6)) as spend,
                currency_code,
                cast(spend_company_currency as decimal(18, 6)) as spend_company_currency,
                cast(exchange_rate as decimal(18, 8)) as exchange_rate,
                cast(0 as bigint) as engagements,
                cast(0 as bigint) as likes, cast(0 as decimal(18, 4)) as network_conversions,
                cast(sessions as bigint) as sessions, 'load' as dlt_load_id
            from src_ad_days;

            create table marts.fct_keyword_performance_daily as
            select network, ad_account_id, campaign_id, ad_group_id, keyword_id,
                cast(date_day as date) as date_day, cast(impressions as bigint) as impressions,
                cast(clicks as bigint) as clicks, cast(spend as decimal(18, 6)) as spend,
                'EUR' as currency_code,
                cast(spend_company_currency as decimal(18, 6)) as spend_company_currency,
                cast(1.25 as decimal(18, 8)) as exchange_rate,
                cast(conversions as decimal(18, 4)) as conversions,
                cast(interactions as bigint) as interactions,
                cast(conversions / interactions as decimal(18, 6)) as conversion_rate,
                cast(null as decimal(18, 6)) as max_cpc,
                cast(null as decimal(18, 6)) as first_page_cpc,
                cast(null as decimal(18, 6)) as top_of_page_cpc,
                cast(top_share as decimal(9, 6)) as search_top_impression_share,
                cast(absolute_top_share as decimal(9, 6))
                    as search_absolute_top_impression_share,
                'load' as dlt_load_id
            from src_keyword_days;

            create table marts.fct_contact_attribution as
            select attribution_model, contact_id,
                {credited_target}
                cast(attributed_date as timestamptz) as attributed_at,
                cast(attributed_date as date) as attributed_date, lifecycle_stage
            from src_contact_credits;

            create table marts.fct_deal_attribution as
            select attribution_model, deal_id,
                {credited_target}
                cast(close_date as timestamptz) as closed_at,
                cast(close_date as date) as close_date, cast(amount as decimal(18, 2)) as amount,
                'USD' as currency_code,
                cast(amount as decimal(18, 6)) as amount_company_currency,
                cast(amount * credit as decimal(18, 6)) as revenue_company_currency
            from src_deal_credits;

            -- The campaign facts as their models build them: the ad fact summed per campaign
            -- and day (no model; sessions null for untracked campaigns), and each model's
            -- credited contacts (on their attributed day) and deals (on their close day) per
            -- tracked campaign and day.
            create table marts.fct_campaign_performance_daily as
            select p.network, p.ad_account_id, p.campaign_id, p.date_day,
                max(p.currency_code) as currency_code,
                cast(sum(p.impressions) as bigint) as impressions,
                cast(sum(p.clicks) as bigint) as clicks,
                cast(sum(p.spend) as decimal(18, 6)) as spend,
                cast(sum(p.spend_company_currency) as decimal(18, 6)) as spend_company_currency,
                cast(sum(p.engagements) as bigint) as engagements,
                cast(sum(p.likes) as bigint) as likes,
                cast(sum(p.network_conversions) as decimal(18, 4)) as network_conversions,
                cast(if(any_value(c.is_tracked), coalesce(sum(p.sessions), 0), null) as bigint)
                    as sessions
            from marts.fct_ad_performance_daily as p
            left join marts.dim_campaigns as c using (network, ad_account_id, campaign_id)
            group by p.network, p.ad_account_id, p.campaign_id, p.date_day;

            create table marts.fct_campaign_credit_by_model_daily as
            with contacts as (
                select attribution_model, network, ad_account_id, campaign_id,
                    attributed_date as date_day, sum(credit) as contacts,
                    sum(if(lifecycle_stage = 'subscriber', credit, 0)) as subscribers,
                    sum(if(lifecycle_stage = 'lead', credit, 0)) as leads,
                    sum(if(lifecycle_stage = 'marketingqualifiedlead', credit, 0)) as mqls,
                    sum(if(lifecycle_stage = 'salesqualifiedlead', credit, 0)) as sqls,
                    sum(if(lifecycle_stage = 'opportunity', credit, 0)) as opportunities,
                    sum(if(lifecycle_stage = 'customer', credit, 0)) as customers,
                    sum(if(lifecycle_stage = 'evangelist', credit, 0)) as evangelists,
                    sum(if(lifecycle_stage = 'other', credit, 0)) as others
                from marts.fct_contact_attribution
                where campaign_id is not null
                group by all
            ),
            deals as (
                select attribution_model, network, ad_account_id, campaign_id,
                    close_date as date_day, sum(credit) as deals,
                    sum(revenue_company_currency) as revenue_company_currency
                from marts.fct_deal_attribution
                where campaign_id is not null
                group by all
            ),
            keys as (
                select attribution_model, network, ad_account_id, campaign_id, date_day
                from contacts
                union
                select attribution_model, network, ad_account_id, campaign_id, date_day
                from deals
            )
            select keys.*,
                coalesce(k.contacts, 0) as contacts,
                coalesce(k.subscribers, 0) as subscribers,
                coalesce(k.leads, 0) as leads,
                coalesce(k.mqls, 0) as mqls,
                coalesce(k.sqls, 0) as sqls,
                coalesce(k.opportunities, 0) as opportunities,
                coalesce(k.customers, 0) as customers,
                coalesce(k.evangelists, 0) as evangelists,
                coalesce(k.others, 0) as others,
                coalesce(d.deals, 0) as deals,
                cast(coalesce(d.revenue_company_currency, 0) as decimal(18, 6))
                    as revenue_company_currency
            from keys
            inner join marts.dim_campaigns as c using (network, ad_account_id, campaign_id)
            left join contacts as k
                using (attribution_model, network, ad_account_id, campaign_id, date_day)
            left join deals as d
                using (attribution_model, network, ad_account_id, campaign_id, date_day)
            where c.is_tracked;

            create table marts.dim_users as
            select * replace (cast(primary_team_id as varchar) as primary_team_id)
            from src_dim_users;

            create table marts.fct_goal_progress as
            select goal_id, goal_name, goal_type, cast(null as varchar) as lifecycle_stage,
                cast(owner_type as varchar) as owner_type, cast(owner_id as varchar) as owner_id,
                cast(period_start as date) as period_start,
                cast(period_end as date) as period_end, date '2026-06-15' as as_of_date,
                100.0 as target, 50.0 as actual, 0.5 as percent_of_target,
                50.0 as expected_by_today, 1.0 as pace, 'on_track' as status
            from src_goals;
        """.replace("{credited_target}", CREDITED_TARGET))
    return path


# The dashboard's users: an admin (HubSpot user U2, who sees G1 and L1 through team T1) and a
# viewer who is U1 (F1).
USERS = {"ana": ("U2", True, "ana's long password"), "ulf": ("U1", False, "ulf's long password")}


@pytest.fixture(scope="session")
def users_file(tmp_path_factory) -> Path:
    from reporting.dashboard.users import User, hash_password, save_user

    path = tmp_path_factory.mktemp("dashboard") / "dashboard_users.toml"
    for name, (hubspot_user, admin, password) in USERS.items():
        save_user(path, User(name, hubspot_user, admin, hash_password(password)))
    return path


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory) -> Path:
    return build_fixture_warehouse(tmp_path_factory.mktemp("reports") / "warehouse.duckdb")


@pytest.fixture
def reports(fixture_warehouse):
    from reporting.reports import Reports

    with Reports.open(fixture_warehouse, today=TODAY, portal_time_zone="America/New_York",
                      average_sale_price=1000, contact_to_customer_rate=0.1) as opened:
        yield opened


# Names a vendor could send: spreadsheet formulas, HTML, Markdown links, table pipes, console
# markup and a terminal escape.
HOSTILE_CAMPAIGNS = {
    "C1": '=HYPERLINK("http://x","y")', "C2": "+cmd a|b", "C3": "@SUM(1)",
    "C4": "<script>alert(1)</script>", "C5": "[x](javascript:alert(1))",
}
HOSTILE_ACCOUNTS = {"F1": "a|b", "G1": "[link=http://x]click[/link]", "L1": "\x1b[31mred"}
HOSTILE_KEYWORDS = {"K3": "-2+3 `x` *y* _z_", "K4": "\tattribution"}


@pytest.fixture(scope="session")
def hostile_warehouse(tmp_path_factory) -> Path:
    """The hand-built warehouse with every name replaced by one of the above."""
    path = build_fixture_warehouse(tmp_path_factory.mktemp("hostile") / "warehouse.duckdb")
    with duckdb.connect(str(path)) as con:
        for campaign, name in HOSTILE_CAMPAIGNS.items():
            for table in ("dim_campaigns", "dim_ad_groups", "dim_ads", "dim_keywords"):
                con.execute(f"update marts.{table} set campaign_name = $name"
                            " where campaign_id = $id", {"name": name, "id": campaign})
        for account, name in HOSTILE_ACCOUNTS.items():
            con.execute("update marts.dim_ad_accounts set ad_account_name = $name"
                        " where ad_account_id = $id", {"name": name, "id": account})
        for keyword, text in HOSTILE_KEYWORDS.items():
            con.execute("update marts.dim_keywords set keyword_text = $text"
                        " where keyword_id = $id", {"text": text, "id": keyword})
    return path


def signed_out_app(warehouse: Path, users_file: Path, monkeypatch):
    """The dashboard page over `warehouse` in Streamlit's in-process AppTest, before signing in:
    the fixed today of the hand-built warehouse, the users of `users_file`, sign-in required."""
    from streamlit.testing.v1 import AppTest

    from core.settings import WAREHOUSE_ENV
    from reporting.dashboard import APP, NO_AUTH_ENV, TODAY_ENV
    from reporting.dashboard.users import USERS_ENV

    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    monkeypatch.setenv(TODAY_ENV, TODAY.isoformat())
    monkeypatch.setenv(USERS_ENV, str(users_file))
    monkeypatch.delenv(NO_AUTH_ENV, raising=False)
    return AppTest.from_file(str(APP), default_timeout=30)
