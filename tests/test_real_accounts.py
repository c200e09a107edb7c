"""End to end on advertisers as unkind as real accounts: `ads-analytics run` against a sparse
simulator (optional fields left out, values in each documented home, accounts without objects
of a kind) in a portal whose company currency and time zone are not USD and New York, and
against a portal that connected only Facebook, each checked against the simulator's ground
truth."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.settings import WAREHOUSE_ENV
from orchestration import jobs
from orchestration.cli import main
from simulator import truth
from simulator.apis import simulator_server
from simulator.config import source_settings
from simulator.server import SimulatorServer
from simulator.world import World
from tests.conftest import END_DATE, SEED

pytestmark = pytest.mark.slow


def _cli_run(warehouse: Path, monkeypatch) -> tuple[int, jobs.JobOutcome]:
    """`ads-analytics --warehouse <warehouse> run`, and the main-job outcome it made."""
    outcomes = []
    real = jobs.run_main_job

    def recorded(*args, **kwargs):
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "run_main_job", recorded)
        code = main(["--warehouse", str(warehouse), "run"])
    [outcome] = outcomes
    return code, outcome


def _configure(server: SimulatorServer, folder: Path, monkeypatch,
               networks: tuple[str, ...]) -> None:
    """Only what `source_settings` sets: no source configuration left from elsewhere, no
    portal override."""
    for key in [k for k in os.environ if k.startswith("SOURCES__")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("ADS_ANALYTICS_COMPANY_CURRENCY", raising=False)
    monkeypatch.delenv("ADS_ANALYTICS_PORTAL_TIME_ZONE", raising=False)
    for key, value in source_settings(server, folder, networks=networks).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))


def _query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def _assert_spend_equals_truth(warehouse: Path, world: World,
                               networks: tuple[str, ...]) -> None:
    mart = _query(warehouse, """
        select network, ad_account_id as account_id, cast(date_day as varchar) as date,
               sum(spend) as spend, sum(spend_company_currency) as spend_company_currency
        from marts.fct_ad_performance_daily group by all""")
    expected = truth.spend_by_account_day(world, networks)
    merged = expected.merge(mart, on=["network", "account_id", "date"], how="outer",
                            suffixes=("_truth", "_mart"), indicator=True)
    assert len(expected) > 0 and (merged["_merge"] == "both").all(), merged[
        merged["_merge"] != "both"].head()
    for column in ("spend", "spend_company_currency"):
        got = [Decimal(str(v)) for v in merged[f"{column}_mart"]]
        assert got == list(merged[f"{column}_truth"]), column


def _assert_contacts_and_deals_equal_truth(warehouse: Path, world: World,
                                           networks: tuple[str, ...]) -> None:
    for report in truth.REPORTS:
        expected = truth.contacts_per_ad(world, report, networks)
        # a LinkedIn lead sent without its creative credits its campaign, not an ad
        expected = expected[expected["ad_id"].notna()]
        got = _query(warehouse, f"""
            select network, ad_id, count(distinct contact_id) as contacts
            from marts.fct_contact_attribution
            where attribution_model = '{report}' and ad_id is not null group by all""")
        merged = expected.merge(got, on=["network", "ad_id"], how="outer", indicator=True,
                                suffixes=("_truth", "_mart"))
        assert len(expected) > 0 and (merged["_merge"] == "both").all(), report
        assert (merged["contacts_truth"] == merged["contacts_mart"]).all(), report

        deals = truth.deals_in_report(world, report, networks)
        got = _query(warehouse, f"""
            select distinct deal_id, amount_company_currency from marts.fct_deal_attribution
            where attribution_model = '{report}'""")
        merged = deals.merge(got, on="deal_id", how="outer", indicator=True,
                             suffixes=("_truth", "_mart"))
        assert len(deals) > 0 and (merged["_merge"] == "both").all(), report
        revenue = [Decimal(str(v)) for v in merged["amount_company_currency_mart"]]
        assert revenue == list(merged["amount_company_currency_truth"]), report


def _assert_labels_name_the_portal(warehouse: Path, out: str, currency: str, zone: str,
                                   capsys) -> None:
    """The overview the run prints, the summary it publishes and `ads-analytics summary` name
    the portal's currency and zone, as dim_portal records them."""
    assert f"money in {currency} (portal); days in {zone} (portal)" in out
    portal = _query(warehouse, "select * from marts.dim_portal")
    assert portal.loc[0, ["company_currency_code", "time_zone", "company_currency_source",
                          "time_zone_source"]].tolist() == [currency, zone, "portal", "portal"]
    published = (warehouse.parent / f"{warehouse.stem}_reports" / "summary.md").read_text()
    assert f"money in {currency}; days in {zone}" in published
    assert main(["--warehouse", str(warehouse), "summary", "--range", "last_30_days",
                 "--today", (END_DATE + dt.timedelta(days=1)).isoformat()]) == 0
    summary = capsys.readouterr().out
    assert f"money in {currency}; days in {zone}" in summary
    assert "money in USD" not in published + summary


def _run(world: World, networks: tuple[str, ...], folder: Path, monkeypatch,
         capsys) -> tuple[Path, str]:
    """`ads-analytics run` against `world` with only `networks` (and HubSpot) configured: it
    exits 0 and every check passes. The warehouse and what the run printed."""
    with simulator_server(world) as server:
        _configure(server, folder, monkeypatch, networks)
        warehouse = folder / "warehouse.duckdb"
        code, outcome = _cli_run(warehouse, monkeypatch)
    assert code == 0, outcome.summary_lines()
    assert outcome.success and all(passed for _, passed, _ in outcome.checks)
    return warehouse, capsys.readouterr().out


@pytest.mark.slow(minutes=1.5)
def test_sparse_advertiser_in_a_eur_portal_in_stockholm(tmp_path, monkeypatch, capsys):
    world = World.generate("S", SEED, END_DATE, company_currency="EUR",
                           portal_time_zone="Europe/Stockholm", sparse=True)
    networks = ("facebook", "google", "linkedin")
    warehouse, out = _run(world, networks, tmp_path, monkeypatch, capsys)
    assert "Sources: facebook_ads, google_ads, linkedin_ads, hubspot connected." in out

    _assert_spend_equals_truth(warehouse, world, networks)
    _assert_contacts_and_deals_equal_truth(warehouse, world, networks)
    _assert_labels_name_the_portal(warehouse, out, "EUR", "Europe/Stockholm", capsys)

    # What the sparse advertiser lacks is there, empty or null, and what it has is whole.
    counts = _query(warehouse, """
        select
            (select count(*) from raw_hubspot.teams) as teams,
            (select count(*) from raw_hubspot.ad_account_access) as access,
            (select count(*) from marts.dim_ad_accounts where network = 'linkedin') as linkedin,
            (select count(*) from marts.dim_keywords) as keywords""").iloc[0]
    # the LinkedIn account without campaign groups is an account all the same
    linkedin_accounts = world.accounts[world.accounts["network"] == "linkedin"]
    assert counts["teams"] == 0 and counts["access"] == 0
    assert counts["linkedin"] == len(linkedin_accounts)
    assert counts["keywords"] == len(world.keywords)
    # Every tracked Facebook ad is found tracked, whichever home its destination has.
    tracked = _query(warehouse, """
        select ad_id, is_tracked from marts.dim_ads where network = 'facebook'""")
    facebook = world.ads[world.ads["network"] == "facebook"].set_index("ad_id")["is_tracked"]
    assert (tracked.set_index("ad_id")["is_tracked"] == facebook.loc[tracked["ad_id"]].values
            ).all()
    # Deals without a currency are in the portal's: converted at 1.
    deals = _query(warehouse, """
        select deal_id, currency_code, amount, amount_company_currency
        from intermediate.int_deals where amount_company_currency is not null""")
    no_currency = set(world.deals.loc[world.deals["deal_currency_code"].isna(), "deal_id"])
    home = deals[deals["deal_id"].isin(no_currency)]
    assert len(home) > 0 and (home["currency_code"] == "EUR").all()
    assert (home["amount"] == home["amount_company_currency"]).all()


@pytest.mark.slow(minutes=1.5)
def test_a_portal_with_only_facebook_and_hubspot_connected(tmp_path, monkeypatch, capsys):
    world = World.generate("S", SEED, END_DATE, company_currency="SEK",
                           portal_time_zone="Europe/Stockholm")
    networks = ("facebook",)
    warehouse, out = _run(world, networks, tmp_path, monkeypatch, capsys)
    assert ("Sources: facebook_ads, hubspot connected; google_ads, linkedin_ads not connected "
            "(no configuration: nothing loaded).") in out

    # The networks not connected have every raw table, empty, and nothing in the marts.
    for dataset, table in (("raw_google_ads", "keywords"), ("raw_google_ads", "customers"),
                           ("raw_linkedin_ads", "creatives"),
                           ("raw_linkedin_ads", "ad_analytics_daily")):
        assert _query(warehouse, f"select count(*) as n from {dataset}.{table}")["n"][0] == 0
    networks_built = _query(warehouse, """
        select distinct network from marts.fct_campaign_performance_daily""")["network"]
    assert set(networks_built) == {"facebook"}

    _assert_spend_equals_truth(warehouse, world, networks)
    _assert_contacts_and_deals_equal_truth(warehouse, world, networks)
    _assert_labels_name_the_portal(warehouse, out, "SEK", "Europe/Stockholm", capsys)
    # the schedule and the partitions follow the loaded portal's zone
    from orchestration.definitions import DAILY_SCHEDULE, build_definitions

    defs = build_definitions(warehouse)
    assert defs.resolve_schedule_def(DAILY_SCHEDULE).execution_timezone == "Europe/Stockholm"
