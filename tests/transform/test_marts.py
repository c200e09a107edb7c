"""The performance marts after a real `dbt build`, against the simulator's ground truth."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from simulator.apis import simulator_server
from simulator.truth import rates_in_effect, spend_by_account_day
from simulator.world import COMPANY_CURRENCY, PORTAL_TIME_ZONE, World
from tests.conftest import END_DATE, SEED

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("transform")]

NETWORKS = ("facebook", "google", "linkedin")
CENT = Decimal("0.000001")


def test_spend_reconciles_raw_to_staging_to_marts_per_account_day(built):
    """Native-currency spend per account and day, exactly, at every layer and in the truth."""
    raw = built.query("""
        select 'facebook' as network, account_id as account, date_start as day,
               sum(cast(spend as decimal(18, 6))) as spend
        from raw_facebook_ads.ad_insights group by all
        union all
        select 'google', customer__id, segments__date,
               sum(cast(metrics__cost_micros as decimal(24, 0))) / 1000000
        from raw_google_ads.ad_performance_daily group by all
        union all
        select 'linkedin', account_id, "date", sum(cast(cost_in_local_currency as decimal(18, 6)))
        from raw_linkedin_ads.ad_analytics_daily group by all""")
    staging = built.query("""
        select network, ad_account_id as account, cast(date_day as varchar) as day,
               sum(spend) as spend
        from intermediate.int_ad_performance_unioned group by all""")
    marts = built.query("""
        select network, ad_account_id as account, cast(date_day as varchar) as day,
               sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks
        from marts.fct_ad_performance_daily group by all""")
    truth = spend_by_account_day(built.server.world).rename(
        columns={"account_id": "account", "date": "day"})
    keys = ["network", "account", "day"]
    layers = {"raw": raw, "staging": staging, "marts": marts}
    spends = {name: frame.set_index(keys)["spend"].map(lambda v: Decimal(str(v))).sort_index()
              for name, frame in layers.items()}
    expected = truth.set_index(keys)["spend"].sort_index()
    for name, spend in spends.items():
        assert spend.index.equals(expected.index), name
        assert (spend == expected).all(), name
    merged = truth.merge(marts, on=keys)
    assert len(merged) == len(truth)
    assert (merged["impressions_x"] == merged["impressions_y"]).all()
    assert (merged["clicks_x"] == merged["clicks_y"]).all()


def test_company_currency_spend_is_native_spend_times_the_rate_in_effect(built):
    facts = built.query("""
        select network, ad_id, date_day, currency_code, spend, spend_company_currency
        from marts.fct_ad_performance_daily""")
    matched = facts[facts["currency_code"] != COMPANY_CURRENCY].copy()
    assert len(matched) > 0 and matched["currency_code"].nunique() > 1
    # The latest rate whose effective day is on or before the fact's day, per currency.
    matched["rate"] = rates_in_effect(built.server.world, matched["currency_code"],
                                      matched["date_day"].dt.date)
    assert matched["rate"].notna().all()
    # Rounded to the micro, half away from zero (as a decimal cast rounds on both engines).
    expected = [(Decimal(str(s)) * Decimal(str(r))).quantize(CENT, ROUND_HALF_UP)
                for s, r in zip(matched["spend"], matched["rate"], strict=True)]
    got = [Decimal(str(v)) for v in matched["spend_company_currency"]]
    assert got == expected
    # Several rates per currency were used: the lookup changes rate mid-range.
    assert matched.groupby("currency_code")["rate"].nunique().min() > 1
    home = facts[facts["currency_code"] == COMPANY_CURRENCY]
    assert (home["spend"] == home["spend_company_currency"]).all()


def test_dimensions_match_the_world(built):
    world = built.server.world
    for level, table, key in (("campaigns", "dim_campaigns", "campaign_id"),
                              ("ad_groups", "dim_ad_groups", "ad_group_id"),
                              ("ads", "dim_ads", "ad_id")):
        dim = built.query(f"select * from marts.{table}")
        truth = getattr(world, level)
        merged = truth.merge(dim, on=["network", key], how="outer", indicator=True,
                             suffixes=("_truth", ""))
        assert (merged["_merge"] == "both").all(), (level, merged[merged["_merge"] != "both"])
        assert (merged["status_truth"].replace({"archived": "deleted"})
                == merged["status"]).all(), level
        # Facebook's raw status is the effective one (an ad set of a paused campaign is
        # CAMPAIGN_PAUSED), which the world does not model; the others report what was set.
        others = merged["network"] != "facebook"
        assert (merged.loc[others, "raw_status_truth"]
                == merged.loc[others, "raw_status"]).all(), level
        assert (merged["is_tracked_truth"].astype(bool) == merged["is_tracked"]).all(), level
    accounts = built.query("select * from marts.dim_ad_accounts")
    truth = world.accounts.merge(accounts, left_on=["network", "account_id"],
                                 right_on=["network", "ad_account_id"])
    assert len(truth) == len(world.accounts) == len(accounts)
    assert (truth["currency"] == truth["currency_code"]).all()
    linkedin = truth["network"] == "linkedin"
    assert (truth.loc[linkedin, "time_zone_y"] == "UTC").all()
    expected_aligned = truth["time_zone_y"] == PORTAL_TIME_ZONE
    assert (truth["is_time_zone_aligned"] == expected_aligned).all()
    assert 0 < expected_aligned.sum() < len(truth)  # both kinds are present


def test_keyword_facts_match_the_world(built):
    world = built.server.world
    facts = built.query("""
        select cast(keyword_id as varchar) as criterion_id, cast(date_day as varchar) as date,
               impressions, clicks, spend, conversions, interactions, conversion_rate,
               max_cpc, first_page_cpc, search_top_impression_share
        from marts.fct_keyword_performance_daily""")
    truth = world.keyword_daily()
    assert len(facts) == len(truth)
    assert facts["impressions"].sum() == truth["impressions"].sum()
    assert facts["clicks"].sum() == truth["clicks"].sum()
    with_interactions = facts[facts["interactions"] > 0]
    ratio = (with_interactions["conversions"].astype(float)
             / with_interactions["interactions"].astype(float))
    assert (abs(with_interactions["conversion_rate"].astype(float) - ratio) < 1e-6).all()
    assert facts.loc[facts["interactions"] == 0, "conversion_rate"].isna().all()
    assert facts["max_cpc"].notna().all() and facts["first_page_cpc"].notna().any()


def test_sessions_per_ad_day_equal_the_world_for_aligned_accounts(built):
    world = built.server.world
    sessions = world.sessions[world.sessions["ad_id"].notna()].copy()
    sessions["date"] = (pd.to_datetime(sessions["started_at"], utc=True)
                        .dt.tz_convert(PORTAL_TIME_ZONE).dt.strftime("%Y-%m-%d"))
    zones = world.accounts.set_index("account_id")["time_zone"]
    sessions = sessions[sessions["account_id"].map(zones) == PORTAL_TIME_ZONE]
    truth = sessions.groupby(["network", "ad_id", "date"]).size().rename("truth")
    facts = built.query(f"""
        select network, ad_id, cast(date_day as varchar) as date, sessions
        from marts.fct_ad_performance_daily as f
        join marts.dim_ad_accounts as a using (network, ad_account_id)
        where a.time_zone = '{PORTAL_TIME_ZONE}' and f.sessions is not null""")
    merged = facts.set_index(["network", "ad_id", "date"]).join(truth, how="outer")
    assert merged["sessions"].notna().all(), "sessions on a day the ad has no metrics"
    assert (merged["sessions"] == merged["truth"].fillna(0)).all()
    assert merged["truth"].sum() > 0
    untracked = built.query("""
        select count(*) as n from marts.fct_ad_performance_daily as f
        join marts.dim_ads as d using (network, ad_id)
        where not d.is_tracked and f.sessions is not null""")
    assert untracked["n"][0] == 0


def test_time_zone_check_warns_with_the_spend_of_misaligned_accounts(built):
    rows = built.query(f"""
        select a.network, a.ad_account_id, sum(f.spend_company_currency) as spend
        from marts.dim_ad_accounts a join marts.fct_ad_performance_daily f
            using (network, ad_account_id)
        where a.time_zone <> '{PORTAL_TIME_ZONE}' group by all""")
    assert len(rows) > 0
    result = built.dbt("test", "--select", "assert_ad_account_time_zones_aligned")
    assert result.success  # a warning, not a failure


def test_an_ad_day_no_requested_window_covers_fails_naming_account_and_day(built):
    """Every loaded ad-day lies in a window its account's loads asked for; a row of another
    day fails the check, named, except rows from before windows were recorded."""
    check = "assert_ad_days_within_requested_windows"
    assert built.dbt("test", "--select", check).success
    warehouse = built.copy("outside_requested_windows")
    fb, first, newest = warehouse.query("""
        select account_id, min(start_date), max(_dlt_load_id)
        from raw_facebook_ads.load_windows group by all order by all limit 1""").iloc[0]
    li, li_first = warehouse.query("""
        select account_id, min(start_date) from raw_linkedin_ads.load_windows
        group by all order by all limit 1""").iloc[0]
    day_before = (dt.date.fromisoformat(first) - dt.timedelta(days=1)).isoformat()
    two_before = (dt.date.fromisoformat(first) - dt.timedelta(days=2)).isoformat()
    li_before = (dt.date.fromisoformat(li_first) - dt.timedelta(days=1)).isoformat()
    warehouse.execute(f"""
        -- a day before the account's window, loaded by a load that recorded windows: fails
        insert into raw_facebook_ads.ad_insights
        select * replace ('{day_before}' as date_start, '{day_before}' as date_stop,
                          '{newest}' as _dlt_load_id)
        from raw_facebook_ads.ad_insights where account_id = '{fb}' limit 1;
        -- loaded before the account's windows were recorded: passes
        insert into raw_facebook_ads.ad_insights
        select * replace ('{two_before}' as date_start, '{two_before}' as date_stop,
                          '1000000000.0' as _dlt_load_id)
        from raw_facebook_ads.ad_insights where account_id = '{fb}' limit 1;
        -- an account no load recorded a window for: passes
        insert into raw_facebook_ads.ad_insights
        select * replace ('999000111' as account_id, '{two_before}' as date_start)
        from raw_facebook_ads.ad_insights where account_id = '{fb}' limit 1;
        -- LinkedIn's UTC day before the account's window: fails
        insert into raw_linkedin_ads.ad_analytics_daily
        select * replace ('{li_before}' as "date")
        from raw_linkedin_ads.ad_analytics_daily
        where account_id = '{li}' and _dlt_load_id >= (
            select min(_dlt_load_id) from raw_linkedin_ads.load_windows
            where account_id = '{li}')
        limit 1""")
    result = warehouse.dbt("test", "--select", check, "--store-failures")
    assert not result.success
    assert [(name, status) for name, status, _ in result.failures] == [(check, "fail")]
    failing = warehouse.query(f"select * from {_audit_table(warehouse, check)} order by network")
    assert [tuple(row) for row in failing[["network", "report", "ad_account_id"]].itertuples(
        index=False)] == [("facebook", "ad_insights", fb),
                          ("linkedin", "ad_analytics_daily", li)]
    assert [str(day)[:10] for day in failing["date_day"]] == [day_before, li_before]
    assert failing["ad_rows"].tolist() == [1, 1]


def _audit_table(warehouse, name: str) -> str:
    """Where `dbt test --store-failures` kept test `name`'s failing rows."""
    schema = warehouse.query(f"""
        select table_schema from information_schema.tables
        where table_name = '{name}'""")["table_schema"][0]
    return f"{schema}.{name}"


def test_incremental_run_after_a_restatement_equals_a_full_refresh(built):
    # Its own simulator, so the shared world's truth stays as the other tests read it.
    with simulator_server(World.generate("S", SEED, END_DATE)) as server:
        warehouse = built.copy("incremental", server)
        # The last two days of page views arrive late: built without them first.
        warehouse.execute(f"""
            delete from raw_hubspot.page_views
            where occurred_at_utc >= timestamptz '{END_DATE - dt.timedelta(days=1)}'""")
        base = warehouse.dbt("run", "--full-refresh")
        assert base.success, base.failures
        before = warehouse.query("select * from marts.fct_ad_performance_daily")
        sessions_before = len(warehouse.query("select session_id from intermediate.int_sessions"))
        server.restate()
        warehouse.load()  # re-pulls each source's look-back window
        # HubSpot corrects a past rate: the days it was in effect must be converted again.
        warehouse.execute("""
            update raw_hubspot.exchange_rates
            set conversion_rate = cast(conversion_rate as double) * 1.5
            where id = (
                select id from raw_hubspot.exchange_rates
                where to_currency_code = 'USD' and from_currency_code = (
                    select min(currency_code) from marts.dim_ad_accounts
                    where currency_code <> 'USD')
                order by effective_at desc limit 1)""")
        # An advertiser raises a keyword's bid: the fact carries the current bid on every day.
        warehouse.execute("""
            update raw_google_ads.keywords
            set ad_group_criterion__effective_cpc_bid_micros = '987650000'
            where ad_group_criterion__criterion_id = (
                select min(ad_group_criterion__criterion_id) from raw_google_ads.keywords)""")
    incremental = warehouse.dbt("run")
    assert incremental.success, incremental.failures
    tables = ("marts.fct_ad_performance_daily", "marts.fct_keyword_performance_daily",
              "intermediate.int_sessions")
    after = {t: warehouse.query(f"select * from {t}") for t in tables}
    full = warehouse.dbt("run", "--full-refresh")
    assert full.success, full.failures
    for table in tables:
        rebuilt = warehouse.query(f"select * from {table}")
        keys = [c for c in rebuilt.columns if c != "dlt_load_id"]
        left = after[table][keys].sort_values(keys[:6]).reset_index(drop=True)
        right = rebuilt[keys].sort_values(keys[:6]).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False)
    restated = after["marts.fct_ad_performance_daily"]
    rates_before = before.groupby("currency_code")["exchange_rate"].agg(lambda r: set(r))
    rates_after = restated.groupby("currency_code")["exchange_rate"].agg(lambda r: set(r))
    assert (rates_before != rates_after).any()
    assert not restated[["spend"]].equals(before[["spend"]])
    assert len(after["intermediate.int_sessions"]) > sessions_before
    assert restated["sessions"].sum() > before["sessions"].sum()
    keyword_days = after["marts.fct_keyword_performance_daily"]
    assert (keyword_days["max_cpc"].astype(float) == 987.65).sum() > 1


def test_late_page_views_of_old_sessions_are_merged_into_them(built):
    # A view arrives late for a session of days ago, after its last view (the landing stays),
    # and another before a session's landing (the landing moves). Incremental runs read page
    # views only from the earliest instant a changed session can hold; both must come out as a
    # full refresh builds them.
    warehouse = built.copy("late_views")
    sessions = warehouse.query("""
        select hs_session_id, min(occurred_at_utc) as first_at, max(occurred_at_utc) as last_at
        from raw_hubspot.page_views
        where occurred_at_utc < (select max(occurred_at_utc) - interval 10 days
                                 from raw_hubspot.page_views)
        group by hs_session_id having count(*) >= 2
        order by hs_session_id limit 2""")
    (later, later_first, later_last), (earlier, earlier_first, _) = sessions.itertuples(
        index=False)
    landing_before = warehouse.query(f"""
        select session_id, landing_page, started_at from intermediate.int_sessions
        where session_id in ('{later}', '{earlier}') order by session_id""")
    for session, offset, view_id, url in (
        (later, f"timestamptz '{later_last}' + interval 1 minute", "late-after",
         "https://late.example/after"),
        (earlier, f"timestamptz '{earlier_first}' - interval 1 minute", "late-before",
         "https://late.example/before?utm_source=newsletter&utm_medium=email"),
    ):
        warehouse.execute(f"""
            insert into raw_hubspot.page_views by name
            select * replace (
                '{view_id}' as id, '{url}' as hs_url,
                strftime(({offset}) at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') as occurred_at,
                {offset} as occurred_at_utc,
                '9999999999.9' as _dlt_load_id)
            from raw_hubspot.page_views
            where hs_session_id = '{session}' order by occurred_at_utc limit 1""")
    incremental = warehouse.dbt("run")
    assert incremental.success, incremental.failures
    after = warehouse.query("select * from intermediate.int_sessions")
    moved = after.set_index("session_id").loc[[later, earlier]]
    assert moved.loc[later, "landing_page"] == landing_before.set_index(
        "session_id").loc[later, "landing_page"]
    assert moved.loc[later, "started_at"] == later_first
    assert moved.loc[earlier, "landing_page"] == "https://late.example/before"
    assert moved.loc[earlier, "channel"] == "email"
    full = warehouse.dbt("run", "--full-refresh")
    assert full.success, full.failures
    rebuilt = warehouse.query("select * from intermediate.int_sessions")
    keys = [c for c in rebuilt.columns if c != "dlt_load_id"]
    pd.testing.assert_frame_equal(
        after[keys].sort_values("session_id").reset_index(drop=True),
        rebuilt[keys].sort_values("session_id").reset_index(drop=True), check_dtype=False)


def test_views_are_recreated_only_when_their_sql_changes(built):
    warehouse = built.copy("views")

    def definition() -> tuple[str, str]:
        row = warehouse.query("""
            select sql, comment from duckdb_views()
            where schema_name = 'intermediate' and view_name = 'int_deals'""")
        return row["sql"][0], row["comment"][0]

    _, fingerprint = definition()
    assert fingerprint.startswith("ads_analytics view sql md5 ")
    # Same SQL: the view is left alone (a marker only a skipped view keeps survives the run).
    def replace_keeping(fingerprint: str) -> None:
        warehouse.execute(
            "create or replace view intermediate.int_deals as select 'kept' as marker")
        warehouse.execute(f"comment on view intermediate.int_deals is '{fingerprint}'")

    replace_keeping(fingerprint)
    assert warehouse.dbt("run", "--select", "int_deals").success
    assert "marker" in warehouse.query("select * from intermediate.int_deals limit 1").columns
    # Different SQL (another portal time zone): re-created, with the new fingerprint.
    assert warehouse.dbt("run", "--select", "int_deals",
                         "--vars", "{portal_time_zone: Europe/Paris}").success
    new_sql, new_fingerprint = definition()
    assert "Europe/Paris" in new_sql and new_fingerprint != fingerprint
    assert "marker" not in warehouse.query("select * from intermediate.int_deals limit 1").columns
    # --full-refresh re-creates views whatever their fingerprint.
    replace_keeping(new_fingerprint)
    assert warehouse.dbt("run", "--select", "int_deals", "--full-refresh",
                         "--vars", "{portal_time_zone: Europe/Paris}").success
    assert "marker" not in warehouse.query("select * from intermediate.int_deals limit 1").columns


def test_missing_exchange_rate_fails_the_build_naming_currency_and_day(built):
    warehouse = built.copy("missing_rate")
    currency = warehouse.query("""
        select currency_code from marts.dim_ad_accounts
        where currency_code <> 'USD' order by currency_code limit 1""")["currency_code"][0]
    first = warehouse.query(f"""
        select min(date_day) as d from marts.fct_ad_performance_daily
        where currency_code = '{currency}'""")["d"][0].date()
    # The currency's first rate now takes effect a day after its first spend.
    warehouse.execute(f"""
        update raw_hubspot.exchange_rates
        set effective_at = '{(first + dt.timedelta(days=1)).isoformat()}T00:00:00.000Z'
        where from_currency_code = '{currency}' and effective_at = (
            select min(effective_at) from raw_hubspot.exchange_rates
            where from_currency_code = '{currency}')""")
    result = warehouse.dbt("run", "--select", "int_ad_performance_daily fct_ad_performance_daily",
                           "--full-refresh")
    assert not result.success
    message = " ".join(m for _, _, m in result.failures)
    assert f"missing exchange rate: {currency} to USD on {first.isoformat()}" in message


def test_a_row_without_a_required_field_fails_naming_the_table_and_field(built):
    warehouse = built.copy("required_field")
    row = warehouse.first_insight()
    # an insights row that cannot be placed in a campaign
    warehouse.execute(f"""
        update raw_facebook_ads.ad_insights set campaign_id = null
        where ad_id = '{row.ad_id}' and date_start = '{row.date_start}'""")
    result = warehouse.dbt("run", "--select", "int_ad_performance_daily fct_ad_performance_daily",
                           "--full-refresh")
    assert not result.success
    message = " ".join(m for _, _, m in result.failures)
    assert (f"raw_facebook_ads.ad_insights: the row account_id={row.account_id}, "
            f"ad_id={row.ad_id}, date_start={row.date_start} has no campaign_id, which every "
            "row must carry") in message


def _rate(warehouse, currency: str, day: dt.date) -> Decimal:
    """HubSpot's rate from `currency` into the portal's currency (USD) in effect on `day`."""
    value = warehouse.query(f"""
        select conversion_rate from raw_hubspot.exchange_rates
        where from_currency_code = '{currency}' and cast(substr(effective_at, 1, 10) as date)
            <= date '{day.isoformat()}'
        order by effective_at desc limit 1""")["conversion_rate"][0]
    return Decimal(str(value))


def test_company_currency_override_converts_through_the_portal_currency(built):
    warehouse = built.copy("override_eur")
    result = warehouse.dbt("build", "--select", "int_exchange_rates_daily",
                           "int_ad_performance_daily", "fct_ad_performance_daily", "dim_portal",
                           "--full-refresh",
                           "--vars", "{company_currency: EUR}", "--exclude-resource-type",
                           "unit_test")
    assert result.success, result.failures
    portal = warehouse.query("select * from marts.dim_portal").iloc[0]
    assert (portal.company_currency_code, portal.company_currency_source,
            portal.portal_company_currency_code) == ("EUR", "override", COMPANY_CURRENCY)
    facts = warehouse.query("""
        select currency_code, date_day, spend, exchange_rate, spend_company_currency
        from marts.fct_ad_performance_daily""")
    assert set(facts["currency_code"]) >= {"USD", "EUR", "SEK"}
    eighth = Decimal("0.00000001")
    for currency, group in facts.groupby("currency_code"):
        row = group.sort_values("date_day").iloc[len(group) // 2]
        day = row.date_day.date()
        if currency == "EUR":
            expected = Decimal(1)
        else:
            # X -> EUR is X -> USD over EUR -> USD that day (USD -> USD is 1)
            into_usd = Decimal(1) if currency == "USD" else _rate(warehouse, currency, day)
            expected = (into_usd / _rate(warehouse, "EUR", day)).quantize(eighth, ROUND_HALF_UP)
        assert Decimal(str(row.exchange_rate)) == expected, currency
        assert Decimal(str(row.spend_company_currency)) == (
            Decimal(str(row.spend)) * expected).quantize(CENT, ROUND_HALF_UP), currency


def test_company_currency_override_without_rates_fails_naming_the_portal_currencies(built):
    warehouse = built.copy("override_chf")
    result = warehouse.dbt("run", "--select", "int_exchange_rates_daily",
                           "--vars", "{company_currency: CHF}")
    assert not result.success
    message = " ".join(m for _, _, m in result.failures)
    assert ("company currency CHF (ADS_ANALYTICS_COMPANY_CURRENCY) has no exchange rates in "
            "the portal, whose company currency is USD and whose rates cover EUR, GBP, SEK"
            ) in message


def test_unknown_currency_fails_the_build_naming_it(built):
    warehouse = built.copy("unknown_currency")
    account = warehouse.query("""
        select account_id from raw_facebook_ads.ad_accounts order by account_id limit 1
    """)["account_id"][0]
    warehouse.execute(f"""
        update raw_facebook_ads.ad_accounts set currency = 'XYZ' where account_id = '{account}'
    """)
    result = warehouse.dbt("run", "--select", "+fct_ad_performance_daily", "--full-refresh")
    assert not result.success
    message = " ".join(m for _, _, m in result.failures)
    assert "missing exchange rate: XYZ to USD on" in message and account in message


def test_negative_spend_and_duplicate_rows_fail_tests_naming_the_rows(built):
    warehouse = built.copy("bad_rows")
    row = warehouse.first_insight()
    warehouse.execute(f"""
        update raw_facebook_ads.ad_insights set spend = '-5.00'
        where ad_id = '{row.ad_id}' and date_start = '{row.date_start}'""")
    warehouse.execute(f"""
        insert into raw_facebook_ads.ad_insights
        select * from raw_facebook_ads.ad_insights
        where ad_id = '{row.ad_id}' and date_start = '{row.date_start}'""")
    warehouse.dbt("run", "--select", "+fct_ad_performance_daily", "--full-refresh")
    result = warehouse.dbt("test", "--select", "int_ad_performance_daily fct_ad_performance_daily",
                           "--store-failures")
    assert not result.success
    failed = {name for name, status, _ in result.failures if status == "fail"}
    assert any(name.startswith("non_negative_fct_ad_performance_daily_spend") for name in failed)
    assert any(name.startswith("unique_key_combination_fct_ad_performance_daily")
               for name in failed)
    # The stored failures name the offending rows.
    duplicated = warehouse.query("""
        select table_name from information_schema.tables
        where table_name like 'unique_key_combination_fct_ad%'""")["table_name"][0]
    rows = warehouse.query(f"select * from dbt_test__audit.{duplicated}")
    assert list(rows["ad_id"]) == [row.ad_id] and rows["occurrences"][0] == 2
    negative = warehouse.query("""
        select table_name from information_schema.tables
        where table_name like 'non_negative_fct_ad_performance_daily_spend%'""")["table_name"][0]
    offending = warehouse.query(f"select ad_id, spend from dbt_test__audit.{negative}")
    assert set(offending["ad_id"]) == {row.ad_id} and (offending["spend"] < 0).all()


def test_deals_convert_at_the_rate_in_effect_on_their_close_date(built):
    world = built.server.world
    deals = built.query("""
        select deal_id, close_date, amount, currency_code, amount_company_currency
        from intermediate.int_deals""")
    truth = world.deals.set_index("deal_id")
    closed = deals[deals["close_date"].notna()].copy()
    assert len(closed) == truth["closedate"].notna().sum()
    # The close instant's day in the portal time zone.
    expected_day = (truth.loc[closed["deal_id"], "closedate"].dt.tz_convert(PORTAL_TIME_ZONE)
                    .dt.strftime("%Y-%m-%d"))
    assert list(closed["close_date"].astype(str)) == list(expected_day)
    matched = closed[closed["currency_code"] != COMPANY_CURRENCY].copy()
    matched["rate"] = rates_in_effect(world, matched["currency_code"],
                                      pd.to_datetime(matched["close_date"]).dt.date)
    assert len(matched) > 0 and matched["rate"].notna().all()
    expected = [(Decimal(str(a)) * Decimal(str(r))).quantize(CENT, ROUND_HALF_UP)
                for a, r in zip(matched["amount"], matched["rate"], strict=True)]
    assert [Decimal(str(v)) for v in matched["amount_company_currency"]] == expected
    home = closed[closed["currency_code"] == COMPANY_CURRENCY]
    assert (home["amount"] == home["amount_company_currency"]).all()
    assert deals.loc[deals["close_date"].isna(), "amount_company_currency"].isna().all()


# The tables the reports filter by model and day, and the order DuckDB writes them in (the
# storage_order macro): their row groups' min/max then let a range skip the rest.
STORAGE_ORDERS = {
    "marts.fct_contact_attribution": ("attribution_model", "attributed_date"),
    "marts.fct_deal_attribution": ("attribution_model", "close_date"),
    "marts.fct_campaign_credit_by_model_daily": ("attribution_model", "date_day"),
    "marts.fct_campaign_performance_daily": ("date_day",),
    "intermediate.int_ad_performance_daily": ("date_day",),
    "intermediate.int_keyword_performance_daily": ("date_day",),
}


@pytest.mark.parametrize("table", sorted(STORAGE_ORDERS))
def test_big_tables_are_stored_in_the_order_reports_filter_them(built, table):
    columns = STORAGE_ORDERS[table]
    key = " || '|' || ".join(f"cast({column} as varchar)" for column in columns)
    found = built.query(f"""
        with stored as (
            select {key} as sort_key, rowid as position from {table}
        )
        select
            count(*) as rows,
            count(*) filter (where sort_key < previous) as out_of_order
        from (select sort_key, lag(sort_key) over (order by position) as previous from stored)
    """).iloc[0]
    assert found["rows"] > 0
    assert found["out_of_order"] == 0, f"{table}: {found['out_of_order']} rows out of order"
