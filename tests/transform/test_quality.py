"""The Great Expectations suites against a real build: clean data passes, and each kind of bad
data fails the suite meant to catch it, naming the offending rows."""

from __future__ import annotations

import pytest

from expectations.runner import build_docs, run_suite
from expectations.suites import (
    ATTRIBUTION,
    CURRENCY,
    RATE_MOVES,
    SPEND,
    SPEND_JUMPS,
    SUITES,
    TIME_ZONE,
    TIME_ZONE_ALIGNMENT,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("transform")]


def _failed(result, expectation: str, column: str):
    matches = [f for f in result.failures if f.expectation == expectation and f.column == column]
    assert matches, result.describe()
    return matches[0]


def test_a_clean_build_passes_every_blocking_suite_and_writes_data_docs(built, tmp_path):
    for suite in SUITES:
        if not suite.blocking:
            continue
        result = run_suite(suite, built.path, tmp_path / "quality")
        assert result.success, result.describe()
        assert result.rows > 0
    index = build_docs(tmp_path / "quality")
    assert index.exists()
    assert "spend" in index.read_text()


def test_misaligned_accounts_warn_with_the_spend_they_carry(built):
    expected = built.query("""
        select a.network, a.ad_account_id, sum(f.spend_company_currency) as spend
        from marts.dim_ad_accounts a join marts.fct_ad_performance_daily f
            using (network, ad_account_id)
        where not a.is_time_zone_aligned group by all""")
    assert len(expected) > 0
    result = run_suite(TIME_ZONE_ALIGNMENT, built.path)
    assert not result.success and not TIME_ZONE_ALIGNMENT.blocking
    failure = _failed(result, "expect_column_values_to_be_in_set", "is_time_zone_aligned")
    assert failure.unexpected_count == len(expected)
    sampled = {(s["network"], s["ad_account_id"]): s["spend_company_currency"]
               for s in failure.sample}
    for row in expected.itertuples():
        assert sampled[(row.network, row.ad_account_id)] == pytest.approx(float(row.spend))


def test_negative_spend_fails_naming_the_account_day_and_ad(built):
    warehouse = built.copy("negative_spend")
    row = warehouse.query("""
        select account_id, ad_id, date_start from raw_facebook_ads.ad_insights
        order by account_id, date_start, ad_id limit 1""").iloc[0]
    warehouse.execute(f"""
        update raw_facebook_ads.ad_insights set spend = '-5.00'
        where ad_id = '{row.ad_id}' and date_start = '{row.date_start}'""")
    assert warehouse.dbt("run", "--select", "int_ad_performance_daily fct_ad_performance_daily",
                         "--full-refresh").success
    result = run_suite(SPEND, warehouse.path)
    assert not result.success
    failure = _failed(result, "expect_column_values_to_be_between", "negative_spend_rows")
    assert failure.unexpected_count == 1
    [offending] = failure.sample
    assert (offending["network"], offending["ad_account_id"]) == ("facebook", row.account_id)
    assert offending["date_day"].startswith(row.date_start)
    # raw, staging and marts still agree: the negative value is what was delivered
    assert not [f for f in result.failures if f.expectation.endswith("pair_values_to_be_equal")]


def test_a_mart_behind_its_raw_data_fails_reconciliation(built):
    warehouse = built.copy("stale_mart")
    row = warehouse.query("""
        select customer__id, segments__date from raw_google_ads.ad_performance_daily
        order by customer__id, segments__date limit 1""").iloc[0]
    warehouse.execute(f"""
        update raw_google_ads.ad_performance_daily
        set metrics__cost_micros = cast(cast(metrics__cost_micros as bigint) + 1230000 as varchar)
        where customer__id = '{row.customer__id}' and segments__date = '{row.segments__date}'""")
    result = run_suite(SPEND, warehouse.path)
    failure = _failed(result, "expect_column_pair_values_to_be_equal", "staging_spend, mart_spend")
    assert failure.unexpected_count == 1
    [offending] = failure.sample
    assert offending["ad_account_id"] == row.customer__id
    assert offending["staging_spend"] == pytest.approx(offending["mart_spend"] + 1.23 * _ads_on(
        warehouse, row.customer__id, row.segments__date))


def _ads_on(warehouse, customer: str, day: str) -> int:
    return int(warehouse.query(f"""
        select count(*) as n from raw_google_ads.ad_performance_daily
        where customer__id = '{customer}' and segments__date = '{day}'""")["n"][0])


def test_a_dropped_raw_day_fails_naming_the_day_after_the_gap(built):
    warehouse = built.copy("dropped_day")
    account, day, next_day = warehouse.query("""
        select account_id, "date", lead("date") over (order by "date") as next_day
        from (select distinct account_id, "date" from raw_linkedin_ads.ad_analytics_daily
              where account_id = (select min(account_id) from raw_linkedin_ads.ad_analytics_daily))
        order by "date" limit 1 offset 10""").iloc[0]
    warehouse.execute(f"""
        delete from raw_linkedin_ads.ad_analytics_daily
        where account_id = '{account}' and "date" = '{day}'""")
    assert warehouse.dbt("run", "--select", "int_ad_performance_daily fct_ad_performance_daily",
                         "--full-refresh").success
    result = run_suite(SPEND, warehouse.path)
    failure = _failed(result, "expect_column_values_to_be_between", "days_since_previous")
    assert failure.unexpected_count == 1
    [offending] = failure.sample
    assert offending["ad_account_id"] == str(account)
    assert offending["date_day"].startswith(str(next_day)[:10])


def test_a_spend_jump_is_flagged_as_a_warning(built):
    warehouse = built.copy("jump")
    account, day = warehouse.query("""
        select ad_account_id, date_day from marts.fct_ad_performance_daily
        where network = 'facebook' group by all having sum(spend) >= 10
        order by ad_account_id, date_day limit 1 offset 20""").iloc[0]
    warehouse.execute(f"""
        update intermediate.int_ad_performance_daily set spend = spend * 100
        where network = 'facebook' and ad_account_id = '{account}'
            and date_day = date '{day:%Y-%m-%d}' + 1""")
    result = run_suite(SPEND_JUMPS, warehouse.path)
    assert not SPEND_JUMPS.blocking and not result.success
    failure = _failed(result, "expect_column_values_to_be_between", "jump")
    assert any(s["ad_account_id"] == account for s in failure.sample)


def test_a_code_that_is_not_iso_4217_fails_naming_where_it_is_used(built):
    warehouse = built.copy("bad_currency")
    rate_id = warehouse.query(
        "select min(id) as id from raw_hubspot.exchange_rates")["id"][0]
    warehouse.execute(f"""
        update raw_hubspot.exchange_rates set from_currency_code = 'EURO'
        where id = '{rate_id}'""")
    result = run_suite(CURRENCY, warehouse.path)
    failure = _failed(result, "expect_column_values_to_be_in_set", "currency_code")
    assert failure.sample == [{"currency_code": "EURO", "used_by": f"rate {rate_id}"}]


def test_spend_without_a_rate_fails_the_currency_suite(built):
    # The build itself stops on a missing rate (test_marts); this is the check behind it.
    warehouse = built.copy("no_rate")
    currency = warehouse.query("""
        select min(currency_code) as c from marts.fct_ad_performance_daily
        where currency_code <> 'USD'""")["c"][0]
    warehouse.execute(f"""
        update intermediate.int_ad_performance_daily set exchange_rate = null
        where currency_code = '{currency}'""")
    result = run_suite(CURRENCY, warehouse.path)
    failure = _failed(result, "expect_column_values_to_be_between", "days_without_rate")
    assert failure.sample[0]["used_by"] == f"spend in {currency}"


def test_a_rate_far_from_the_previous_one_is_flagged(built):
    warehouse = built.copy("rate_jump")
    rate_id = warehouse.query("""
        select id from raw_hubspot.exchange_rates order by effective_at desc limit 1""")["id"][0]
    warehouse.execute(f"""
        update raw_hubspot.exchange_rates
        set conversion_rate = cast(cast(conversion_rate as double) * 10 as varchar)
        where id = '{rate_id}'""")
    result = run_suite(RATE_MOVES, warehouse.path)
    failure = _failed(result, "expect_column_values_to_be_between", "move")
    assert [s["rate_id"] for s in failure.sample] == [rate_id]


def test_an_invalid_zone_and_a_timestamp_without_zone_fail_naming_them(built):
    warehouse = built.copy("bad_zones")
    account = warehouse.query(
        "select min(account_id) as a from raw_facebook_ads.ad_accounts")["a"][0]
    contact = warehouse.query("select min(id) as c from raw_hubspot.contacts")["c"][0]
    warehouse.execute(f"""
        update raw_facebook_ads.ad_accounts set timezone_name = 'Mars/Olympus_Mons'
        where account_id = '{account}'""")
    warehouse.execute(f"""
        update raw_hubspot.contacts set createdate = '2026-10-01T10:00:00'
        where id = '{contact}'""")
    assert warehouse.dbt("run", "--select", "dim_ad_accounts").success
    result = run_suite(TIME_ZONE, warehouse.path)
    zone = _failed(result, "expect_column_values_to_be_in_set", "time_zone")
    assert zone.sample == [{"subject": f"ad account facebook {account}",
                            "time_zone": "Mars/Olympus_Mons"}]
    stamp = _failed(result, "expect_column_values_to_be_null", "value")
    assert stamp.sample == [{"subject": f"timestamp contacts.createdate of {contact}",
                             "value": "2026-10-01T10:00:00"}]


def test_a_fact_day_outside_the_loaded_range_fails_naming_the_account(built):
    warehouse = built.copy("outside_range")
    account, first = warehouse.query("""
        select ad_account_id, min(date_day) as first_day from marts.fct_ad_performance_daily
        where network = 'linkedin' group by all order by all limit 1""").iloc[0]
    # A fact row a day before anything was loaded for the account (a stale row a full refresh
    # would drop, or a model bug): nothing raw backs it.
    warehouse.execute(f"""
        insert into intermediate.int_ad_performance_daily
        select * replace (date_day - interval 1 day as date_day)
        from intermediate.int_ad_performance_daily
        where network = 'linkedin' and ad_account_id = '{account}' and date_day = '{first}'
        limit 1""")
    result = run_suite(TIME_ZONE, warehouse.path)
    outside = _failed(result, "expect_column_values_to_be_between", "days_outside_loaded_range")
    assert outside.unexpected_count == 1
    assert outside.sample == [{"subject": f"facts of linkedin {account}",
                               "days_outside_loaded_range": 1}]


def test_attribution_credits_contacts_and_deal_conditions_fail_naming_model_and_example(built):
    assert run_suite(ATTRIBUTION, built.path).success
    warehouse = built.copy("bad_attribution")
    contact = warehouse.query("""
        select min(contact_id) as c from marts.fct_contact_attribution
        where attribution_model = 'linear'""")["c"][0]
    # A linear credit is doubled (its contact now sums above 1), and an open deal is credited.
    warehouse.execute(f"""
        update marts.fct_contact_attribution set credit = credit * 2
        where attribution_model = 'linear' and contact_id = '{contact}'""")
    open_deal = warehouse.query("""
        select min(deal_id) as d from intermediate.int_deals
        where deal_stage not in ('closedwon')""")["d"][0]
    assert open_deal is not None
    warehouse.execute(f"""
        insert into marts.fct_deal_attribution
        select * replace ('{open_deal}' as deal_id) from marts.fct_deal_attribution
        where attribution_model = 'first_form_submission' limit 1""")
    result = run_suite(ATTRIBUTION, warehouse.path)
    credits = _failed(result, "expect_column_values_to_be_between", "contacts_credited_off_one")
    assert [(s["attribution_model"], s["example_contact_id"]) for s in credits.sample] == [
        ("linear", contact)]
    conditions = _failed(result, "expect_column_values_to_be_between",
                         "deals_failing_conditions")
    assert [(s["attribution_model"], s["example_deal_id"]) for s in conditions.sample] == [
        ("first_form_submission", open_deal)]


def test_more_attributed_contacts_than_contacts_fails(built):
    warehouse = built.copy("too_many_contacts")
    contacts = warehouse.query("select count(*) as n from staging.stg_hubspot__contacts")["n"][0]
    # Credits for contacts the CRM does not have, more of them than it has.
    warehouse.execute(f"""
        insert into marts.fct_contact_attribution
        select credited.* replace ('unknown-' || extra.range as contact_id)
        from (select * from marts.fct_contact_attribution
              where attribution_model = 'last_ad_interaction' limit 1) as credited
        cross join range({contacts + 1}) as extra""")
    result = run_suite(ATTRIBUTION, warehouse.path)
    failure = _failed(result, "expect_column_pair_values_a_to_be_greater_than_b",
                      "contacts, attributed_contacts")
    assert [s["attribution_model"] for s in failure.sample] == ["last_ad_interaction"]


def test_the_check_command_reports_every_suite_and_fails_on_a_blocking_one(built, capsys):
    from orchestration.cli import main

    warehouse = built.copy("cli_check")
    assert main(["--warehouse", str(warehouse.path), "check"]) == 0
    out = capsys.readouterr().out
    assert "PASS gx_spend: spend on fct_ad_performance_daily" in out
    assert "WARN gx_time_zone_alignment: time_zone_alignment on dim_ad_accounts failed" in out
    assert "Data Docs: " in out and "index.html" in out
    warehouse.execute("update intermediate.int_ad_performance_daily set spend = -spend where"
                      " ad_id = (select min(ad_id) from intermediate.int_ad_performance_daily)")
    assert main(["--warehouse", str(warehouse.path), "check", "--suite", "gx_spend"]) == 1
    captured = capsys.readouterr()
    assert "FAIL gx_spend: spend on fct_ad_performance_daily failed" in captured.out
    assert "ads-analytics: error: blocking checks failed: gx_spend" in captured.err
