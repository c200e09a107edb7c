"""Reports over the hand-built warehouse of conftest.py; every expected number is worked out
from the rows listed there."""

import datetime as dt
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from reporting.catalog import ACCOUNT_SPEND, ANALYZE_REPORTS, METRICS, TABLE_LEVELS
from reporting.dates import PRESETS
from reporting.errors import InvalidFilter
from reporting.output import is_missing
from reporting.reports import Filters

WEEK = Filters(date_preset="last_7_days")  # 2026-06-08..2026-06-14


def one(frame):
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def by(frame, key):
    return {row[key]: row for row in frame.to_dict("records")}


# -- overview ---------------------------------------------------------------------------------

def test_overview_sums_network_metrics_and_counts_first_form_submissions(reports):
    row = one(reports.overview(reports.scope(WEEK)))
    # A3's 05-20 row is outside the range; P3 converted on 05-01; D2 closed on 04-01
    assert row["impressions"] == 1500 + 500 + 2000 + 800 + 200 + 300
    assert row["clicks"] == 50 + 10 + 40 + 20 + 80 + 4 + 3
    assert row["spend"] == pytest.approx(100 + 40 + 60 + 30 + 120 + 8 + 90)
    assert row["contacts"] == 4  # P1, P2, P4, P5
    assert row["deals"] == 1 and row["revenue"] == pytest.approx(1000)
    assert row["roi"] == pytest.approx((1000 - 448) / 448)


def test_all_interactions_counts_each_contact_and_deal_once_in_a_total(reports):
    row = one(reports.overview(reports.scope(
        Filters(date_preset="last_7_days", attribution="all_interactions"))))
    # 7 credited rows in range, 4 distinct contacts; D1 credited to three ads, counted once
    assert row["contacts"] == 4
    assert row["deals"] == 1 and row["revenue"] == pytest.approx(1000)


def test_fractional_models_sum_the_ads_share_of_credit(reports):
    row = one(reports.overview(reports.scope(
        Filters(date_preset="last_7_days", attribution="linear"))))
    # P1's organic quarter is no ad's: 0.75 + 1 (P2) + 1 (P4) + 1 (P5)
    assert row["contacts"] == pytest.approx(3.75)
    assert row["deals"] == pytest.approx(0.75)
    assert row["revenue"] == pytest.approx(750)


def test_estimate_roi_setting_values_contacts_and_customers_at_the_sale_price(reports):
    row = one(reports.overview(reports.scope(
        Filters(date_preset="last_7_days", roi_setting="estimate"))))
    assert row["customers"] == 1  # P1
    # (4 contacts - 1 customer) x 0.1 x 1000 + 1 customer x 1000
    assert row["estimated_revenue"] == pytest.approx(1300)
    assert row["roi"] == pytest.approx((1300 - 448) / 448)
    assert "deals" not in row


def test_a_range_without_data_has_zeros_and_no_ratios(reports):
    row = one(reports.overview(reports.scope(Filters(date_preset="today"))))
    assert (row["impressions"], row["spend"], row["contacts"], row["deals"]) == (0, 0, 0, 0)
    assert is_missing(row["roi"])


# -- campaign table ---------------------------------------------------------------------------

def test_campaign_table_rows_are_worked_out_per_campaign(reports):
    rows = by(reports.campaign_table(reports.scope(WEEK)), "campaign_id")
    c1 = rows["C1"]
    assert (c1["impressions"], c1["clicks"], c1["sessions"]) == (2000, 100, 35)
    assert c1["spend"] == pytest.approx(200) and c1["ctr"] == pytest.approx(0.05)
    assert c1["cpc"] == pytest.approx(2.0)
    # P1 on A1a and P5 on the campaign with no ad
    assert c1["contacts"] == 2 and c1["cost_per_contact"] == pytest.approx(100)
    assert (c1["customers"], c1["deals"], c1["revenue"]) == (1, 1, 1000)
    assert c1["roi"] == pytest.approx(4.0)
    assert rows["C3"]["contacts"] == 1 and rows["C3"]["roi"] == pytest.approx(-1)
    assert rows["C5"]["cpc"] == pytest.approx(30)
    # no contacts: no cost per contact rather than a division by zero
    assert rows["C4"]["contacts"] == 0 and is_missing(rows["C4"]["cost_per_contact"])


def test_untracked_campaigns_have_network_metrics_and_null_crm_metrics(reports):
    c2 = by(reports.campaign_table(reports.scope(WEEK)), "campaign_id")["C2"]
    assert (c2["impressions"], c2["clicks"], c2["spend"]) == (2000, 20, 30)
    for column in ("sessions", "contacts", "customers", "deals", "revenue", "cost_per_contact",
                   "roi"):
        assert is_missing(c2[column]), column


def test_sorting_puts_nulls_last_and_breaks_ties_by_key(reports):
    scope = reports.scope(WEEK)
    order = list(reports.campaign_table(scope, sort="cost_per_contact").campaign_id)
    assert order == ["C3", "C1", "C5", "C2", "C4"]  # 120, 100, 90, then the nulls by key
    ascending = reports.campaign_table(scope, sort="cost_per_contact", descending=False)
    assert list(ascending.campaign_id) == ["C5", "C1", "C3", "C2", "C4"]
    by_name = reports.campaign_table(scope, sort="campaign_name", descending=False)
    assert list(by_name.campaign_name) == sorted(by_name.campaign_name)


@pytest.mark.parametrize("metric", sorted(METRICS))
@pytest.mark.parametrize("descending", [True, False])
def test_every_metric_sorts_in_either_direction(reports, metric, descending):
    # the spend in the accounts' currency is of accounts that share one
    filters = replace(WEEK, accounts=("G1",)) if metric == ACCOUNT_SPEND else WEEK
    table = reports.campaign_table(reports.scope(filters), level="ad", columns=[metric],
                                   sort=metric, descending=descending)
    values = [v for v in table[metric] if not is_missing(v)]
    assert values == sorted(values, reverse=descending)
    nulls = [is_missing(v) for v in table[metric]]
    assert nulls == sorted(nulls)  # every null after every value


def test_any_metric_sorts_even_when_not_shown(reports):
    table = reports.campaign_table(reports.scope(WEEK), columns=["spend"],
                                   sort="cost_per_contact")
    assert list(table.campaign_id) == ["C3", "C1", "C5", "C2", "C4"]
    assert "cost_per_contact" not in table.columns


def test_status_filters_campaigns_at_every_level_so_levels_add_up(reports):
    # A1b is paused inside active campaign C1: it counts with its campaign's status
    scope = reports.scope(Filters(date_preset="last_7_days", statuses=("active",)))
    ads = reports.campaign_table(scope, level="ad", columns=["spend"])
    assert sorted(ads.ad_id) == ["A1a", "A1b", "A3", "A5"]
    assert by(ads, "ad_id")["A1b"]["status"] == "paused"
    campaigns = reports.campaign_table(scope, columns=["spend"])
    assert ads.spend.sum() == pytest.approx(campaigns.spend.sum()) == pytest.approx(410)


def test_negative_limits_are_rejected_in_every_ranked_report(reports):
    with pytest.raises(InvalidFilter, match="invalid limit -1"):
        reports.analyze("high_cpc_campaigns", reports.scope(WEEK), limit=-1)


def test_any_column_set_in_the_order_asked(reports):
    table = reports.campaign_table(reports.scope(WEEK), columns=["roi", "impressions"])
    assert list(table.columns[-2:]) == ["roi", "impressions"]
    assert "spend" not in table.columns


def test_limit_keeps_the_top_rows(reports):
    table = reports.campaign_table(reports.scope(WEEK), sort="spend", limit=2)
    assert list(table.campaign_id) == ["C1", "C3"]


def test_ad_group_and_ad_levels_credit_only_contacts_whose_ad_is_known(reports):
    scope = reports.scope(WEEK)
    groups = by(reports.campaign_table(scope, level="ad_group"), "ad_group_id")
    # P5 resolved only to campaign C1: counted for C1, not for its ad group
    assert groups["AG1"]["contacts"] == 1 and groups["AG1"]["spend"] == pytest.approx(200)
    ads = by(reports.campaign_table(scope, level="ad"), "ad_id")
    assert (ads["A1a"]["contacts"], ads["A1b"]["contacts"]) == (1, 0)
    assert (ads["A1a"]["impressions"], ads["A1a"]["spend"]) == (1500, 140)
    assert ads["A1a"]["ad_name"] == "Ad A1a" and ads["A1a"]["ad_group_name"] == "Group AG1"


def test_keyword_level_has_keyword_metrics_and_contacts(reports):
    table = reports.campaign_table(
        reports.scope(WEEK), level="keyword",
        columns=["impressions", "clicks", "spend", "network_conversions", "interactions",
                 "conversion_rate", "contacts", "sessions"])
    rows = by(table, "keyword_id")
    k3 = rows["K3"]
    assert (k3["impressions"], k3["clicks"], k3["interactions"]) == (600, 60, 60)
    assert k3["conversion_rate"] == pytest.approx(6 / 60)
    assert k3["contacts"] == 1  # P2's first form submission came from K3
    assert k3["keyword_text"] == "ads analytics" and float(k3["max_cpc"]) == 2.5
    assert is_missing(k3["sessions"])  # sessions are not reported per keyword
    assert rows["K4"]["contacts"] == 0


def test_keyword_impression_shares_are_weighted_by_the_days_impressions(reports):
    shares = ["search_top_impression_share", "search_absolute_top_impression_share"]
    rows = by(reports.campaign_table(reports.scope(Filters(date_preset="last_14_days")),
                                     level="keyword", columns=shares), "keyword_id")
    # K3: 0.5 on 600 impressions and 0.1 on 100; K4 has no share on its day
    assert rows["K3"]["search_top_impression_share"] == pytest.approx((300 + 10) / 700)
    assert rows["K3"]["search_absolute_top_impression_share"] == pytest.approx((120 + 5) / 700)
    assert is_missing(rows["K4"]["search_top_impression_share"])


def test_all_interactions_at_campaign_and_ad_level_count_distinct_contacts(reports):
    scope = reports.scope(Filters(date_preset="last_7_days", attribution="all_interactions"))
    campaigns = by(reports.campaign_table(scope), "campaign_id")
    assert campaigns["C1"]["contacts"] == 3  # P1 (two ads), P4, P5
    assert campaigns["C3"]["contacts"] == 2  # P1, P2
    ads = by(reports.campaign_table(scope, level="ad"), "ad_id")
    assert (ads["A1a"]["contacts"], ads["A1b"]["contacts"], ads["A3"]["contacts"]) == (2, 1, 2)
    # every ad of D1's contact gets the whole deal
    assert ads["A1b"]["revenue"] == pytest.approx(1000)


def test_linear_credits_add_up_per_campaign(reports):
    scope = reports.scope(Filters(date_preset="last_7_days", attribution="linear"))
    rows = by(reports.campaign_table(scope), "campaign_id")
    assert rows["C1"]["contacts"] == pytest.approx(0.25 + 0.25 + 0.5 + 1.0)
    assert rows["C3"]["contacts"] == pytest.approx(0.25 + 0.5)
    assert rows["C4"]["contacts"] == pytest.approx(0.5)
    assert rows["C1"]["revenue"] == pytest.approx(500)


def test_account_and_network_levels_group_their_campaigns(reports):
    scope = reports.scope(WEEK)
    accounts = by(reports.campaign_table(scope, level="ad_account"), "ad_account_id")
    assert accounts["F1"]["spend"] == pytest.approx(230)
    assert accounts["F1"]["contacts"] == 2 and accounts["F1"]["ad_account_name"] == "Facebook US"
    networks = by(reports.campaign_table(scope, level="network"), "network")
    assert networks["google"]["spend"] == pytest.approx(128)
    assert networks["google"]["contacts"] == 1


# -- filters ----------------------------------------------------------------------------------

def spend_and_campaigns(reports, **filters):
    scope = reports.scope(Filters(**{"date_preset": "last_7_days", **filters}))
    table = reports.campaign_table(scope, columns=["spend", "contacts"])
    total = one(reports.overview(scope))
    return round(total["spend"], 6), sorted(table.campaign_id), total["contacts"]


@pytest.mark.parametrize("filters, spend, campaigns, contacts", [
    ({}, 448, ["C1", "C2", "C3", "C4", "C5"], 4),
    ({"networks": ("google",)}, 128, ["C3", "C4"], 1),
    ({"networks": ("GOOGLE", "linkedin")}, 218, ["C3", "C4", "C5"], 2),
    ({"statuses": ("active",)}, 410, ["C1", "C3", "C5"], 4),
    # choosing `deleted` shows the deleted Facebook campaign C6 too (24 spent, P9)
    ({"statuses": ("paused", "deleted")}, 62, ["C2", "C4", "C6"], 1),
    ({"accounts": ("F1",)}, 230, ["C1", "C2"], 2),
    ({"accounts": ("google:G1", "L1")}, 218, ["C3", "C4", "C5"], 2),
    ({"user": "U1"}, 230, ["C1", "C2"], 2),
    ({"team": "T1"}, 218, ["C3", "C4", "C5"], 2),
    ({"user": "U2"}, 218, ["C3", "C4", "C5"], 2),  # through team T1
    ({"networks": ("google",), "statuses": ("active",), "user": "U2"}, 120, ["C3"], 1),
    ({"accounts": ("F1",), "user": "U2"}, 0, [], None),  # U2 may not see F1: nothing
    ({"date_preset": "yesterday"}, 250, ["C1", "C2", "C3", "C4", "C5"], 2),
    ({"date_preset": "last_30_days"}, 460, ["C1", "C2", "C3", "C4", "C5"], 4),
    ({"date_preset": None, "start": "2026-05-01", "end": "2026-05-31"}, 12,
     ["C1", "C2", "C3", "C4", "C5"], 1),
])
def test_each_filter_alone_and_combined(reports, filters, spend, campaigns, contacts):
    got_spend, got_campaigns, got_contacts = spend_and_campaigns(reports, **filters)
    assert got_spend == pytest.approx(spend)
    assert got_campaigns == campaigns
    assert (is_missing(got_contacts) if contacts is None else got_contacts == contacts)


def every_report(reports, scope):
    for level in TABLE_LEVELS:
        yield level, reports.campaign_table(scope, level=level)
    for name in ANALYZE_REPORTS:
        yield name, reports.analyze(name, scope)


@pytest.mark.parametrize("principal, visible", [
    ({"user": "U1"}, {"F1"}), ({"user": "U2"}, {"G1", "L1"}), ({"team": "T1"}, {"G1", "L1"}),
])
def test_a_user_never_sees_another_accounts_rows(reports, principal, visible):
    restricted = reports.scope(Filters(date_preset="last_30_days", **principal))
    same_accounts = reports.scope(Filters(date_preset="last_30_days",
                                          accounts=tuple(sorted(visible))))
    for (name, frame), (_, expected) in zip(every_report(reports, restricted),
                                            every_report(reports, same_accounts), strict=True):
        if "ad_account_id" in frame.columns:
            assert set(frame.ad_account_id) <= visible, name
        # totals and series equal those of the visible accounts alone
        assert frame.equals(expected), name
    assert one(reports.overview(restricted))["spend"] == pytest.approx(
        one(reports.overview(same_accounts))["spend"])


# -- analyze ----------------------------------------------------------------------------------

def test_total_spend_is_by_network(reports):
    rows = by(reports.analyze("total_spend", reports.scope(WEEK)), "network")
    assert {k: round(v["spend"], 6) for k, v in rows.items()} == {
        "facebook": 230, "google": 128, "linkedin": 90}


def test_spend_over_time_has_every_day_of_the_range(reports):
    series = reports.analyze("spend_over_time", reports.scope(WEEK))
    assert [str(d.date()) for d in series.period] == [f"2026-06-{d:02d}" for d in range(8, 15)]
    assert list(series.spend.round(6)) == [0, 0, 100, 0, 90, 8, 250]


def test_series_by_week_and_month(reports):
    scope = reports.scope(Filters(start="2026-05-18", end="2026-06-14"))
    weekly = reports.analyze("impressions", scope, grain="week")
    assert [str(d.date()) for d in weekly.period] == [
        "2026-05-18", "2026-05-25", "2026-06-01", "2026-06-08"]
    assert list(weekly.impressions) == [100, 0, 0, 5300]
    monthly = reports.analyze("contacts", scope, grain="month")
    assert list(monthly.contacts) == [0, 4]  # P3 converted before the range


def test_contacts_and_customers_over_time_use_the_analyze_default_model(reports):
    from reporting.catalog import ANALYZE_ATTRIBUTION

    scope = reports.scope(WEEK, default_attribution=ANALYZE_ATTRIBUTION)
    assert scope.attribution == "last_ad_interaction"
    contacts = reports.analyze("contacts", scope)
    assert list(contacts.contacts) == [0, 0, 0, 0, 1, 1, 2]  # P4 06-12, P2 06-13, P1 P5 06-14
    customers = reports.analyze("customers", scope)
    assert list(customers.customers) == [0, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize("name, expected", [
    # CPC: C5 30, C1 2.0, C4 2.0, C2 1.5, C3 1.5 (ties by network then id)
    ("high_cpc_campaigns", ["C5", "C1", "C4", "C2", "C3"]),
    ("low_cpc_campaigns", ["C2", "C3", "C1", "C4", "C5"]),
    # cost per contact: C3 120, C1 100, C5 90; C2 (untracked) and C4 (no contacts) have none
    ("high_cost_per_contact_campaigns", ["C3", "C1", "C5"]),
    ("low_cost_per_contact_campaigns", ["C5", "C1", "C3"]),
])
def test_campaign_rankings(reports, name, expected):
    ranking = reports.analyze(name, reports.scope(WEEK))
    assert list(ranking.campaign_id) == expected
    assert list(reports.analyze(name, reports.scope(WEEK), limit=2).campaign_id) == expected[:2]


# -- goals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("filters, goals", [
    (Filters(), ["brand_search_january", "all_spend_june", "facebook_leads_june"]),
    (Filters(networks=("facebook",)), ["facebook_leads_june"]),
    (Filters(user="U2"), ["brand_search_january"]),
    (Filters(user="U1"), ["facebook_leads_june"]),
    (Filters(start="2026-01-01", end="2026-01-31"), ["brand_search_january"]),
    (Filters(date_preset="this_month"), ["all_spend_june", "facebook_leads_june"]),
])
def test_goals_shown_are_those_in_scope(reports, filters, goals):
    assert list(reports.goals(filters).goal_id) == goals


@pytest.mark.parametrize("owner, goals", [
    (("user", "U1"), ["facebook_leads_june"]),
    (("team", "T1"), ["all_spend_june"]),
    (("user", "U2"), []),  # T1's member, but the team owns the goal, not U2
])
def test_an_owner_shows_the_goals_it_owns_with_its_name(reports, owner, goals):
    frame = reports.goals(Filters(), owner=owner)
    assert list(frame.goal_id) == goals
    names = {"U1": "u1@example.com", "T1": "Search team"}
    assert list(frame.owner_name) == [names.get(owner[1])] * len(goals)
    assert list(frame.columns[4:7]) == ["owner_type", "owner_id", "owner_name"]


def test_an_unknown_owner_lists_the_known_ones(reports):
    with pytest.raises(InvalidFilter, match="unknown team 'T9'; valid values: T1"):
        reports.goals(Filters(), owner=("team", "T9"))


# -- bad and hostile input --------------------------------------------------------------------

HOSTILE = "x' or '1'='1'; drop table marts.dim_campaigns; --"


@pytest.mark.parametrize("filters, message", [
    ({"networks": (HOSTILE,)}, "unknown network .*valid values: facebook, google, linkedin"),
    ({"statuses": ("enabled",)}, "unknown status 'enabled'; valid values: active, paused, del"),
    ({"attribution": "lineer"}, "unknown attribution model or report 'lineer'; valid values: "
                                "first_form_submission, .*linear"),
    ({"attribution": HOSTILE}, "unknown attribution model or report"),
    ({"accounts": (HOSTILE,)}, "unknown ad account .*valid values: facebook:F1, google:G1, "
                               "linkedin:L1"),
    ({"user": HOSTILE}, "unknown user .*valid values: U1, U2"),
    ({"team": "T9"}, "unknown team 'T9'; valid values: T1"),
    ({"roi_setting": "profit"}, "unknown ROI setting 'profit'; valid values: deals, estimate"),
    ({"date_preset": HOSTILE}, "unknown date range"),
    ({"start": HOSTILE}, "invalid start date"),
])
def test_unknown_filter_values_are_rejected_listing_the_valid_ones(reports, filters, message):
    with pytest.raises(InvalidFilter, match=message):
        reports.scope(Filters(**filters))


@pytest.mark.parametrize("kwargs, message", [
    ({"columns": ["spend", "spend) from marts.dim_campaigns --"]}, "unknown column"),
    ({"columns": ["average_position"]}, "unknown column 'average_position'; valid values: "
                                        "impressions, clicks"),
    ({"sort": "spend desc; drop table marts.dim_ads"}, "unknown sort column"),
    ({"level": "creative"}, "unknown level 'creative'; valid values: campaign, ad_group"),
    ({"limit": 0}, "invalid limit"),
])
def test_unknown_columns_sorts_and_levels_are_rejected(reports, kwargs, message):
    with pytest.raises(InvalidFilter, match=message):
        reports.campaign_table(reports.scope(WEEK), **kwargs)


def test_hostile_values_leave_the_warehouse_as_it_was(reports, fixture_warehouse):
    for kwargs in ({"networks": (HOSTILE,)}, {"accounts": (HOSTILE,)}, {"user": HOSTILE}):
        with pytest.raises(InvalidFilter):
            reports.scope(Filters(**kwargs))
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_campaigns").fetchone() == (6,)
        assert con.execute("select count(*) from marts.dim_ads").fetchone() == (7,)


def test_unknown_analyze_report_and_grain(reports):
    with pytest.raises(InvalidFilter, match="unknown analyze report 'roas'; valid values: total"):
        reports.analyze("roas", reports.scope(WEEK))
    with pytest.raises(InvalidFilter, match="unknown time grain 'hour'; valid values: day, week"):
        reports.analyze("clicks", reports.scope(WEEK), grain="hour")


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_reports_the_spend_of_its_days(reports, preset):
    from tests.reporting.conftest import AD_DAYS, TODAY
    from tests.reporting.test_dates import EXPECTED

    start, end = EXPECTED[preset]  # worked out by hand for Monday 2026-06-15
    assert reports.today == TODAY
    # A6 is the deleted Facebook campaign's, hidden by default
    spend = sum(row[4] for row in AD_DAYS if start <= row[1] <= end and row[0] != "A6")
    row = one(reports.overview(reports.scope(Filters(date_preset=preset))))
    assert row["spend"] == pytest.approx(spend)


def test_weeks_start_on_the_chosen_day_and_cut_periods_are_named_by_their_first_day(
        fixture_warehouse):
    from reporting.reports import Reports

    wednesday = dt.date(2026, 6, 17)
    with Reports.open(fixture_warehouse, today=wednesday, week_start="sunday") as sunday:
        scope = sunday.scope(Filters(date_preset="last_week"))  # 06-07..06-13
        weekly = sunday.analyze("spend_over_time", scope, grain="week")
        assert [str(d.date()) for d in weekly.period] == ["2026-06-07"]
        assert list(weekly.spend.round(6)) == [100 + 90 + 8]
        monthly = sunday.analyze("spend_over_time", sunday.scope(
            Filters(start="2026-05-18", end="2026-06-14")), grain="month")
        assert [str(d.date()) for d in monthly.period] == ["2026-05-18", "2026-06-01"]
        assert list(monthly.spend.round(6)) == [12, 448]


def test_a_file_that_is_not_duckdb_says_what_duckdb_said_and_blames_no_run(tmp_path):
    from reporting.reports import Reports, WarehouseUnavailable

    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_text("not a database")
    with pytest.raises(WarehouseUnavailable) as raised, Reports.open(warehouse):
        pass
    assert str(raised.value) == (
        f"cannot open {warehouse} read-only: IO Error: The file \"{warehouse}\" exists, but it "
        "is not a valid DuckDB database file!")


def test_the_accounts_and_the_access_list_are_read_once_per_reports(reports):
    real, read = reports.con, []

    class Counting:
        def execute(self, sql, parameters=None):
            read.append(sql)
            return real.execute(sql, parameters)

    reports.con = Counting()
    try:
        for _ in range(3):  # a dashboard rerun scopes every report it draws
            scope = reports.scope(Filters(user="U1", accounts=("F1",),
                                          date_preset="last_7_days"))
            reports.overview(scope)
        assert reports.principals("user") == ["U1", "U2"]
        assert list(reports.accounts()) == ["facebook:F1", "google:G1", "linkedin:L1"]
    finally:
        reports.con = real
    assert sum(sql.startswith("select distinct principal_id") for sql in read) == 1
    assert sum(sql.startswith("select network, ad_account_id, ad_account_name") for sql in read
               ) == 1
    assert scope.principal == ("user", "U1") and scope.accounts == ("facebook:F1",)


# -- deleted Facebook campaigns (hidden as HubSpot hides them) ---------------------------------

WITH_DELETED = Filters(date_preset="last_7_days", include_deleted=True)


@pytest.mark.parametrize("level", [name for name in TABLE_LEVELS if name != "keyword"])
@pytest.mark.parametrize("filters, spend, clicks", [(WEEK, 448, 207),
                                                    (WITH_DELETED, 448 + 24, 207 + 5 + 8)])
def test_the_overview_is_the_sum_of_the_campaign_table_at_every_level(reports, level, filters,
                                                                      spend, clicks):
    scope = reports.scope(filters)
    total = one(reports.overview(scope, ["spend", "clicks"]))
    table = reports.campaign_table(scope, level=level, columns=["spend", "clicks"])
    assert total["spend"] == pytest.approx(spend) == pytest.approx(table.spend.sum())
    assert total["clicks"] == clicks == table.clicks.sum()


def test_deleted_facebook_campaigns_are_hidden_by_default_but_not_other_networks(reports):
    scope = reports.scope(WEEK)
    campaigns = by(reports.campaign_table(scope), "campaign_id")
    assert sorted(campaigns) == ["C1", "C2", "C3", "C4", "C5"]  # not C6
    assert campaigns["C4"]["status"] == "deleted"  # Google's REMOVED campaign stays
    row = one(reports.overview(scope))
    assert row["spend"] == pytest.approx(448) and row["contacts"] == 4  # not C6's 24 nor P9
    assert "A6" not in set(reports.campaign_table(scope, level="ad").ad_id)
    assert reports.overview(scope).attrs["hides_deleted"]


def test_the_switch_shows_them_with_their_spend_and_contacts(reports):
    scope = reports.scope(WITH_DELETED)
    c6 = by(reports.campaign_table(scope), "campaign_id")["C6"]
    assert (c6["status"], c6["clicks"], c6["contacts"]) == ("deleted", 13, 1)
    assert c6["spend"] == pytest.approx(24)
    row = one(reports.overview(scope))
    assert row["spend"] == pytest.approx(472) and row["contacts"] == 5  # P9 too
    series = reports.analyze("spend_over_time", scope)
    assert list(series.spend.round(6)) == [0, 0, 100, 24, 90, 8, 250]
    assert not reports.overview(scope).attrs["hides_deleted"]


def test_a_campaign_named_in_the_drill_down_is_shown_even_when_deleted(reports):
    scope = reports.scope(Filters(date_preset="last_7_days", campaigns=("C6",)))
    ads = reports.campaign_table(scope, level="ad", columns=["spend", "contacts"])
    assert list(ads.ad_id) == ["A6"] and ads.spend[0] == pytest.approx(24)


# -- HubSpot's CPC ----------------------------------------------------------------------------

def test_hubspots_cpc_is_spend_per_session_beside_the_networks_spend_per_click(reports):
    from reporting.output import label

    table = reports.campaign_table(reports.scope(WEEK))
    rows = by(table, "campaign_id")
    # C1: 200 spent, 35 sessions, 100 clicks
    assert rows["C1"]["cost_per_session"] == pytest.approx(200 / 35)
    assert rows["C1"]["cpc"] == pytest.approx(2.0)
    assert is_missing(rows["C2"]["cost_per_session"])  # untracked: no sessions
    columns = list(table.columns)
    assert columns.index("spend") + 1 == columns.index("cost_per_session") == \
        columns.index("cpc") - 1
    assert (label("cost_per_session"), label("cpc")) == ("CPC", "CPC (network)")


# -- lifecycle stages -------------------------------------------------------------------------

SPRING = Filters(start="2026-04-01", end="2026-06-14")  # every contact but P9 (hidden); 460 spent


def test_the_stage_breakdown_covers_every_lifecycle_stage_with_its_cost(reports):
    stages = reports.stages(reports.scope(SPRING))
    assert list(stages.lifecycle_stage) == [
        "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
        "customer", "evangelist", "other"]
    # P6; P2 and P5; P3 and P4; none; none; P1; P7; P8
    assert list(stages.contacts) == [1, 2, 2, 0, 0, 1, 1, 1]
    costs = list(stages.cost_per_contact_in_stage)
    assert costs[:3] == pytest.approx([460, 230, 230])
    assert costs[5:] == pytest.approx([460, 460, 460])
    assert is_missing(costs[3]) and is_missing(costs[4])  # no SQL, no opportunity


def test_every_stage_is_credited_per_campaign_under_a_model(reports):
    scope = reports.scope(replace(SPRING, attribution="linear"))
    columns = ["subscribers", "leads", "mqls", "customers", "evangelists", "others",
               "cost_per_subscriber", "cost_per_mql", "cost_per_evangelist", "cost_per_other"]
    rows = by(reports.campaign_table(scope, columns=columns), "campaign_id")
    c1, c3, c5 = rows["C1"], rows["C3"], rows["C5"]
    # C1: P6 whole, P5 whole, half of P4, P1's quarters on A1a and A1b
    assert [c1[c] for c in ("subscribers", "leads", "mqls", "customers")] == pytest.approx(
        [1, 1, 0.5, 0.5])
    assert [c3[c] for c in ("evangelists", "leads", "customers")] == pytest.approx(
        [1, 0.5, 0.25])
    assert [c5[c] for c in ("others", "mqls")] == pytest.approx([1, 1.5])  # P8; P3 + half P4
    # spent in the range: C1 200, C3 132, C5 90
    assert c1["cost_per_subscriber"] == pytest.approx(200)
    assert c3["cost_per_evangelist"] == pytest.approx(132)
    assert (c5["cost_per_other"], c5["cost_per_mql"]) == pytest.approx((90, 60))


def test_ads_reports_count_every_stage_per_ad(reports):
    ads = by(reports.campaign_table(reports.scope(SPRING), level="ad",
                                    columns=["subscribers", "evangelists", "others"]), "ad_id")
    assert (ads["A1a"]["subscribers"], ads["A3"]["evangelists"], ads["A5"]["others"]) == (
        1, 1, 1)
    assert ads["A1b"]["subscribers"] == 0


# -- drill-down -------------------------------------------------------------------------------

@pytest.mark.parametrize("level, campaign, ad_group, expected", [
    ("campaign", "C1", None, ["C1"]),
    ("ad_group", "C1", None, ["AG1"]),
    ("ad", "C1", None, ["A1a", "A1b"]),
    ("ad", "C1", "AG1", ["A1a", "A1b"]),
    ("ad", None, "AG3", ["A3"]),
    ("keyword", "C3", None, ["K3"]),
    ("keyword", None, "AG4", ["K4"]),
])
def test_the_drill_down_keeps_the_rows_of_the_whole_table_under_it(reports, level, campaign,
                                                                   ad_group, expected):
    from reporting.catalog import LEVELS
    from reporting.dashboard.view import narrow

    drilled = reports.campaign_table(reports.scope(Filters(
        date_preset="last_7_days", campaigns=(campaign,) if campaign else (),
        ad_groups=(ad_group,) if ad_group else ())), level=level)
    assert list(drilled[LEVELS[level].keys[-1]]) == expected
    everything = reports.campaign_table(reports.scope(WEEK), level=level)
    # the same rows and values (a column with nulls elsewhere is of a nullable type there;
    # one account's rows may have its currency's spend besides)
    pd.testing.assert_frame_equal(drilled[everything.columns],
                                  narrow(everything, campaign, ad_group), check_dtype=False)


def test_drill_down_ids_may_name_their_network(reports):
    scope = reports.scope(Filters(date_preset="last_7_days", campaigns=("facebook:C1",)))
    assert scope.campaigns == ("facebook:C1",) and scope.include_deleted
    assert list(reports.campaign_table(scope, level="ad").ad_id) == ["A1a", "A1b"]


@pytest.mark.parametrize("filters, level, message", [
    ({"campaigns": ("C1",)}, "network", "invalid campaign filter at level 'network'; expected "
                                        "a level with campaigns: campaign, ad_group, ad, keyword"),
    ({"ad_groups": ("AG1",)}, "campaign", "invalid ad group filter at level 'campaign'; "
                                          "expected a level with ad groups: ad_group, ad"),
])
def test_the_drill_down_needs_a_level_under_what_it_names(reports, filters, level, message):
    with pytest.raises(InvalidFilter, match=message):
        reports.campaign_table(reports.scope(Filters(**filters)), level=level)


def test_an_unknown_drill_down_id_is_rejected(reports):
    with pytest.raises(InvalidFilter, match="invalid campaign 'C9'; expected the id of a "
                                            "campaign in the warehouse"):
        reports.scope(Filters(campaigns=("C9",)))
    with pytest.raises(InvalidFilter, match="invalid ad group 'google:AG1'"):
        reports.scope(Filters(ad_groups=("google:AG1",)))  # AG1 is Facebook's


# -- analyze by network -----------------------------------------------------------------------

def test_series_split_by_network_add_up_to_the_total_series(reports):
    scope = reports.scope(WEEK)
    split = reports.analyze("spend_over_time", scope, by="network")
    assert list(split.columns) == ["network", "period", "spend"]
    spend = split.pivot(index="period", columns="network", values="spend").round(6)
    assert list(spend.facebook) == [0, 0, 100, 0, 0, 0, 130]
    assert list(spend.google) == [0, 0, 0, 0, 0, 8, 120]
    assert list(spend.linkedin) == [0, 0, 0, 0, 90, 0, 0]
    contacts = reports.analyze("contacts", scope, by="network").pivot(
        index="period", columns="network", values="contacts")
    # P4 on 06-12 (LinkedIn), P2 on 06-13 (Google), P1 and P5 on 06-14 (Facebook)
    assert list(contacts.sum()) == [2, 1, 1]
    assert (contacts.linkedin.iloc[4], contacts.google.iloc[5], contacts.facebook.iloc[6]) == (
        1, 1, 2)


def test_only_series_split_by_network(reports):
    scope = reports.scope(WEEK)
    with pytest.raises(InvalidFilter, match="unknown split 'device'; valid values: network"):
        reports.analyze("clicks", scope, by="device")
    with pytest.raises(InvalidFilter, match="invalid split of a ranking 'network'"):
        reports.analyze("low_cpc_campaigns", scope, by="network")


# -- rankings ---------------------------------------------------------------------------------

def test_rankings_leave_out_campaigns_that_spent_nothing_or_have_no_denominator(reports):
    may = reports.scope(Filters(start="2026-05-01", end="2026-05-31"))
    # C5's P3 converted in May, when C5 spent nothing: no cost per contact of 0 tops the list;
    # C3 spent 12 with no contact
    assert reports.analyze("low_cost_per_contact_campaigns", may).empty
    assert list(reports.analyze("low_cpc_campaigns", may).campaign_id) == ["C3"]  # 10 clicks
    # C6's five free clicks on 06-09: a CPC of 0, left out
    free = reports.scope(Filters(start="2026-06-09", end="2026-06-09", include_deleted=True))
    assert reports.analyze("low_cpc_campaigns", free).empty
    # the week: C6 paid 24 for 13 clicks, 1.85 a click
    ranking = reports.analyze("low_cpc_campaigns", reports.scope(WITH_DELETED))
    assert list(ranking.campaign_id) == ["C2", "C3", "C6", "C1", "C4", "C5"]
    assert list(ranking.columns[-4:]) == ["spend", "clicks", "contacts", "cpc"]


# -- spend in the ad accounts' currency -------------------------------------------------------

def test_one_accounts_spend_is_shown_in_its_own_currency_too(reports):
    scope = reports.scope(Filters(date_preset="last_7_days", accounts=("G1",)))
    overview = reports.overview(scope)
    row = one(overview)
    # 120 + 8 dollars at 1.25 dollars a euro
    assert row["spend"] == pytest.approx(128)
    assert (row["currency_code"], row[ACCOUNT_SPEND]) == ("EUR", pytest.approx(102.4))
    assert overview.attrs["account_currency"] == "EUR"
    table = reports.campaign_table(scope)
    assert list(table.columns[table.columns.get_loc("spend"):][:3]) == [
        "spend", "currency_code", ACCOUNT_SPEND]
    assert by(table, "campaign_id")["C3"][ACCOUNT_SPEND] == pytest.approx(96)
    keywords = by(reports.campaign_table(scope, level="keyword", columns=[ACCOUNT_SPEND]),
                  "keyword_id")
    assert keywords["K3"][ACCOUNT_SPEND] == pytest.approx(72)  # 90 dollars


def test_spends_in_several_currencies_are_never_added_up(reports):
    scope = reports.scope(WEEK)
    assert ACCOUNT_SPEND not in reports.overview(scope).columns
    assert ACCOUNT_SPEND not in reports.campaign_table(scope).columns
    with pytest.raises(InvalidFilter, match="these accounts spend in EUR, USD"):
        reports.campaign_table(scope, columns=[ACCOUNT_SPEND])
    with pytest.raises(InvalidFilter, match="these accounts spend in EUR, USD"):
        reports.campaign_table(scope, sort=ACCOUNT_SPEND)


def test_accounts_in_the_company_currency_show_their_spend_once(reports):
    scope = reports.scope(Filters(date_preset="last_7_days", networks=("facebook", "linkedin")))
    assert ACCOUNT_SPEND not in reports.overview(scope).columns  # the same dollars
    row = one(reports.overview(scope, ["spend", ACCOUNT_SPEND]))
    assert row[ACCOUNT_SPEND] == pytest.approx(row["spend"]) == pytest.approx(320)
