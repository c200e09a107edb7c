"""The HubSpot source against the simulator: real dlt pipelines into a throwaway DuckDB, checked
against the world's own numbers."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from ingestion.common.failures import PartialLoadError
from ingestion.common.http import AuthError, RetryPolicy
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.hubspot import hubspot_source, settings
from ingestion.hubspot.client import HubSpotClient
from ingestion.hubspot.helpers import AccessConfigError, load_access_config, parse_instant
from simulator.apis import simulator_server
from simulator.hubspot import NEW_FIELD, HubSpotApi, write_access_config
from simulator.server import SimulatorServer
from simulator.world import COMPANY_CURRENCY, PORTAL_TIME_ZONE, World
from tests.conftest import END_DATE, SEED
from tests.ingestion.loopback import Loopback, dropped_days

TABLES = ("account_info", "contacts", "deals", "deal_contact_associations", "page_views",
          "form_submissions", "exchange_rates", "users", "teams", "ad_account_access")


# -- helpers ------------------------------------------------------------------------------------
def hubspot_api(server: SimulatorServer) -> HubSpotApi:
    return next(api for api in server.apis if api.name == "hubspot")


def event_days(world: World) -> tuple[dt.date, dt.date]:
    """UTC days holding every event: ad clicks on local days spill over UTC midnight."""
    return world.start_date - dt.timedelta(days=1), world.end_date + dt.timedelta(days=1)

# tiny backoff so retries stay fast
QUICK = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=0.5, timeout=10)


def load(server: SimulatorServer, warehouse: Path, pipelines_dir: Path, **overrides: Any):
    """One pipeline run of the source against `server`; tiny backoff so retries stay fast."""
    world = server.world
    access = write_access_config(world, warehouse.parent / "access.json")
    first, last = event_days(world)
    kwargs: dict[str, Any] = dict(
        access_token=server.tokens["hubspot"], base_url=server.base_url,
        start_date=first, end_date=last, lookback_days=3,
        access_config_path=str(access), retry=QUICK,
    )
    kwargs.update(overrides)
    pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
    run_source(hubspot_source(**kwargs), pipeline)
    return pipeline


def read(warehouse: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(f"select * from raw_hubspot.{table}").df()


def tables_in(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql("select table_name from information_schema.tables "
                       "where table_schema = 'raw_hubspot'").fetchall()
    return {r[0] for r in rows}


def instants(values: pd.Series) -> list[pd.Timestamp | None]:
    """Loaded instants (ISO text or epoch ms) as timestamps, None where missing."""
    return [None if pd.isna(v) else pd.Timestamp(parse_instant(v)) for v in values]


def truth_instants(values: pd.Series) -> list[pd.Timestamp | None]:
    return [None if pd.isna(v) else v for v in values]


def assert_contacts_match(warehouse: Path, world: World) -> None:
    loaded = read(warehouse, "contacts").set_index("id").sort_index()
    truth = world.contacts.set_index("contact_id").sort_index()
    assert not loaded.index.duplicated().any()
    assert list(loaded.index) == list(truth.index.astype(str))
    assert (loaded["lifecyclestage"] == truth["lifecyclestage"].astype(str)).all()
    assert instants(loaded["createdate"]) == list(truth["createdate"])
    for stage in settings.LIFECYCLE_STAGES:
        column = f"hs_lifecyclestage_{stage}_date"
        assert instants(loaded[column]) == truth_instants(truth[column]), column
    # Raw values stay the API's strings.
    assert loaded["createdate"].map(type).eq(str).all()


def assert_deals_match(warehouse: Path, world: World) -> None:
    loaded = read(warehouse, "deals").set_index("id").sort_index()
    truth = world.deals.set_index("deal_id").sort_index()
    assert not loaded.index.duplicated().any()
    assert list(loaded.index) == list(truth.index.astype(str))
    assert loaded["amount"].map(type).eq(str).all()
    assert [Decimal(a) for a in loaded["amount"]] == [
        Decimal(str(round(a, 2))) for a in truth["amount"]]
    assert (loaded["deal_currency_code"] == truth["deal_currency_code"].astype(str)).all()
    assert (loaded["dealstage"] == truth["dealstage"].astype(str)).all()
    assert instants(loaded["closedate"]) == truth_instants(truth["closedate"])
    pairs = read(warehouse, "deal_contact_associations")
    assert Counter(zip(pairs["deal_id"], pairs["contact_id"], strict=True)) == Counter(
        zip(world.deal_contacts["deal_id"].astype(str),
            world.deal_contacts["contact_id"].astype(str), strict=True))


def assert_events_match(warehouse: Path, world: World) -> None:
    views = read(warehouse, "page_views").set_index("id").sort_index()
    truth = world.page_views.set_index("event_id").sort_index()
    assert not views.index.duplicated().any()
    assert list(views.index) == list(truth.index.astype(str))
    assert views.groupby("object_id").size().to_dict() == truth.groupby(
        "contact_id").size().to_dict()
    assert (views["hs_session_id"] == truth["session_id"].astype(str)).all()
    assert (views["hs_url"] == truth["url"].astype(str)).all()
    assert list(views["occurred_at_utc"]) == list(truth["occurred_at"])

    forms = read(warehouse, "form_submissions").set_index("id").sort_index()
    truth_forms = world.form_submissions.set_index("submission_id").sort_index()
    assert list(forms.index) == list(truth_forms.index.astype(str))
    assert forms.groupby("object_id").size().to_dict() == truth_forms.groupby(
        "contact_id").size().to_dict()
    assert (forms["hs_form_id"] == truth_forms["form_id"].astype(str)).all()
    assert (forms["hs_url"] == truth_forms["page_url"].astype(str)).all()
    assert (forms["hs_session_id"] == truth_forms["session_id"].astype(str)).all()
    assert list(forms["occurred_at_utc"]) == list(truth_forms["submitted_at"])


def assert_settings_match(warehouse: Path, world: World) -> None:
    info = read(warehouse, "account_info")
    assert len(info) == 1
    assert info.loc[0, "time_zone"] == PORTAL_TIME_ZONE
    assert info.loc[0, "company_currency"] == COMPANY_CURRENCY
    assert info.loc[0, "currency_settings__currency_code"] == COMPANY_CURRENCY

    rates = read(warehouse, "exchange_rates")
    got = sorted(zip(rates["from_currency_code"], rates["to_currency_code"],
                     rates["conversion_rate"],
                     [parse_instant(v).date() for v in rates["effective_at"]], strict=True))
    want = sorted(zip(world.exchange_rates["from_currency"].astype(str),
                      world.exchange_rates["to_currency"].astype(str),
                      world.exchange_rates["rate"], world.exchange_rates["effective_at"],
                      strict=True))
    assert got == want

    assert sorted(read(warehouse, "users")["id"]) == sorted(world.users["user_id"].astype(str))
    assert sorted(read(warehouse, "teams")["id"]) == sorted(world.teams["team_id"].astype(str))
    access = read(warehouse, "ad_account_access")
    columns = list(settings.ACCESS_FIELDS)
    assert sorted(map(tuple, access[columns].to_numpy().tolist())) == sorted(
        map(tuple, world.account_access[columns].astype(str).to_numpy().tolist()))
    assert set(access["config_version"]) == {"1"}


def assert_everything_matches(warehouse: Path, world: World) -> None:
    assert set(TABLES) <= tables_in(warehouse)
    assert_contacts_match(warehouse, world)
    assert_deals_match(warehouse, world)
    assert_events_match(warehouse, world)
    assert_settings_match(warehouse, world)


# -- loads --------------------------------------------------------------------------------------
def test_full_load_matches_the_world(simulator, warehouse, pipelines_dir):
    load(simulator, warehouse, pipelines_dir)
    assert_everything_matches(warehouse, simulator.world)


def test_small_pages_still_load_everything(simulator, warehouse, pipelines_dir):
    load(simulator, warehouse, pipelines_dir, page_size=7, events_page_size=11,
         association_batch_size=4)
    assert_everything_matches(warehouse, simulator.world)


def test_rerun_after_restatement_updates_incrementally_and_duplicates_nothing(
        fresh_simulator, warehouse, pipelines_dir):
    pipeline = load(fresh_simulator, warehouse, pipelines_dir)
    state = pipeline.state["sources"]["hubspot"]["resources"]
    assert state["contacts"]["last_modified"] and state["page_views"]["last_loaded_day"]
    fresh_simulator.restate()
    # The second run goes through the search API (modified since the cursor less look-back),
    # with a long look-back so it re-reads everything, across several capped search windows.
    hubspot_api(fresh_simulator).search_result_cap = 30
    pipeline = load(fresh_simulator, warehouse, pipelines_dir, lookback_days=60, page_size=9,
                    search_result_cap=30)
    world = fresh_simulator.world
    reread = pipeline.last_trace.last_normalize_info.row_counts
    # Each capped search window starts at the previous one's last instant: a few come twice.
    assert len(world.contacts) <= reread["contacts"] < len(world.contacts) * 1.2
    assert reread["page_views"] == len(world.page_views)
    assert_everything_matches(warehouse, world)

    # With the default look-back only the recent tail is read again, and merged, not appended.
    pipeline = load(fresh_simulator, warehouse, pipelines_dir, lookback_days=3)
    reread = pipeline.last_trace.last_normalize_info.row_counts
    since = pd.Timestamp(event_days(world)[1] - dt.timedelta(days=3), tz="UTC")
    assert reread["page_views"] == int((world.page_views["occurred_at"] >= since).sum())
    newest = world.contacts["lastmodifieddate"].max()
    recent = world.contacts["lastmodifieddate"] >= newest - pd.Timedelta(days=3)
    assert reread["contacts"] == int(recent.sum()) < len(world.contacts)
    assert_everything_matches(warehouse, world)


def test_search_windows_past_the_result_cap(fresh_simulator):
    hubspot_api(fresh_simulator).search_result_cap = 25
    client = HubSpotClient(fresh_simulator.tokens["hubspot"], base_url=fresh_simulator.base_url,
                           retry=RetryPolicy(backoff_base=0.01))
    pages = list(client.search_modified_since("contacts", 0, ["lifecyclestage"], page_size=10,
                                              result_cap=25))
    ids = {record["id"] for page in pages for record in page}
    assert ids == set(fresh_simulator.world.contacts["contact_id"].astype(str))
    assert len(pages) > 25  # many windows, none paging past the cap (that would be a 400)


def test_occurred_at_parses_iso_and_epoch_milliseconds():
    iso = parse_instant("2026-09-26T12:32:14.123Z")
    assert iso == dt.datetime(2026, 9, 26, 12, 32, 14, 123000, tzinfo=dt.UTC)
    millis = int((iso - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1000)
    assert parse_instant(millis) == iso
    assert parse_instant(str(millis)) == iso
    assert parse_instant(None) is None


def test_events_delivered_with_epoch_milliseconds_load_the_same_instants(
        fresh_simulator, warehouse, pipelines_dir):
    hubspot_api(fresh_simulator).occurred_at_format = "epoch_ms"
    load(fresh_simulator, warehouse, pipelines_dir, events_page_size=200)
    views = read(warehouse, "page_views")
    assert views["occurred_at"].str.fullmatch(r"\d+").all()  # raw, as delivered
    assert_events_match(warehouse, fresh_simulator.world)


# -- faults -------------------------------------------------------------------------------------
def test_rate_limits_server_errors_malformed_and_slow_pages_are_retried(
        fresh_simulator, warehouse, pipelines_dir):
    faults = fresh_simulator.faults
    rules = [
        faults.add(kind="rate_limit", api="hubspot", match="/crm/v3/objects/contacts", times=2,
                   retry_after=0.1),
        faults.add(kind="rate_limit", api="hubspot", match="batch/read", times=1,
                   retry_after=0.1),
        faults.add(kind="server_error", api="hubspot", match="eventType=e_visited_page",
                   times=2),
        faults.add(kind="malformed", api="hubspot", match="/crm/v3/objects/deals", times=1),
        faults.add(kind="malformed", api="hubspot", match="eventType=e_submitted_form",
                   times=1),
        faults.add(kind="slow", api="hubspot", match="/settings/v3/users", times=1, delay=0.3),
    ]
    load(fresh_simulator, warehouse, pipelines_dir, page_size=50, events_page_size=300)
    assert [rule.times for rule in rules] == [0] * len(rules)  # every fault was met
    assert_everything_matches(warehouse, fresh_simulator.world)


def test_expired_token_fails_fast_naming_source_and_account_without_the_token(
        fresh_simulator, warehouse, pipelines_dir):
    fresh_simulator.faults.add(kind="expired_token", api="hubspot", times=None)
    token = fresh_simulator.tokens["hubspot"]
    started = time.monotonic()
    with pytest.raises(PartialLoadError) as caught:
        # A retried auth failure would wait backoff_base seconds at least once.
        load(fresh_simulator, warehouse, pipelines_dir,
             retry=replace(QUICK, max_attempts=3, backoff_base=5.0))
    assert time.monotonic() - started < 4.0
    message = str(caught.value)
    assert token not in message
    assert all(isinstance(f, AuthError) for f in caught.value.failures)
    first = caught.value.failures[0]
    assert first.source == "hubspot" and first.account == "portal"
    assert "hubspot: account portal:" in message and "EXPIRED_AUTHENTICATION" in message


def test_wrong_token_names_source_and_account_and_hides_the_token(
        simulator, warehouse, pipelines_dir):
    wrong = "pat-na1-00000000-not-a-real-token"
    with pytest.raises(PartialLoadError) as caught:
        load(simulator, warehouse, pipelines_dir, access_token=wrong, portal_id="24681357")
    message = str(caught.value)
    assert wrong not in message
    assert "hubspot: account 24681357:" in message and "INVALID_AUTHENTICATION" in message


def test_new_api_field_lands_as_a_new_column(fresh_simulator, warehouse, pipelines_dir):
    fresh_simulator.faults.add(kind="new_field", api="hubspot", times=None)
    load(fresh_simulator, warehouse, pipelines_dir)
    column = "object_write_trace_id"
    assert NEW_FIELD == "objectWriteTraceId"
    for table in ("contacts", "deals", "page_views", "form_submissions", "users"):
        frame = read(warehouse, table)
        assert column in frame.columns, table
        assert frame[column].notna().all(), table
    assert_everything_matches(warehouse, fresh_simulator.world)


def test_one_failing_stream_does_not_stop_the_others_nor_advance_its_state(
        fresh_simulator, warehouse, pipelines_dir):
    world = fresh_simulator.world
    fresh_simulator.faults.add(kind="expired_token", api="hubspot",
                               match="eventType=e_visited_page", times=None)
    with pytest.raises(PartialLoadError) as caught:
        load(fresh_simulator, warehouse, pipelines_dir)
    assert len(caught.value.failures) == 1
    assert "GET /events/v3/events" in str(caught.value)
    assert_contacts_match(warehouse, world)
    assert_deals_match(warehouse, world)
    assert_settings_match(warehouse, world)
    assert len(read(warehouse, "form_submissions")) == len(world.form_submissions)
    # nothing of the failed stream loaded; its table exists, empty, so what reads it builds
    assert "page_views" in tables_in(warehouse) and read(warehouse, "page_views").empty
    pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
    resources = pipeline.state["sources"]["hubspot"]["resources"]
    assert not resources.get("page_views", {}).get("last_loaded_day")

    fresh_simulator.faults.clear()
    load(fresh_simulator, warehouse, pipelines_dir)
    assert_everything_matches(warehouse, world)

    # A later failure keeps what earlier runs loaded, and the failed stream's cursor.
    pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
    cursor = pipeline.state["sources"]["hubspot"]["resources"]["deals"]["last_modified"]
    fresh_simulator.faults.add(kind="server_error", api="hubspot",
                               match="/crm/v3/objects/deals", times=None)
    with pytest.raises(PartialLoadError, match="gave up after 2 tries"):
        load(fresh_simulator, warehouse, pipelines_dir, retry=replace(QUICK, max_attempts=2))
    assert_deals_match(warehouse, world)
    pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
    assert pipeline.state["sources"]["hubspot"]["resources"]["deals"]["last_modified"] == cursor


# -- configuration and the access file ----------------------------------------------------------
def test_config_comes_from_dlt_environment(simulator, warehouse, pipelines_dir, monkeypatch):
    world = simulator.world
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", simulator.base_url)
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", simulator.tokens["hubspot"])
    first, last = event_days(world)
    monkeypatch.setenv("SOURCES__HUBSPOT__START_DATE", first.isoformat())
    monkeypatch.setenv("SOURCES__HUBSPOT__END_DATE", last.isoformat())
    pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
    run_source(hubspot_source().with_resources("account_info", "page_views"), pipeline)
    assert read(warehouse, "account_info").loc[0, "time_zone"] == PORTAL_TIME_ZONE
    assert len(read(warehouse, "page_views")) == len(world.page_views)


def test_access_config_reads_yaml_and_json_alike(world_s, tmp_path):
    version_json, rows_json = load_access_config(write_access_config(world_s,
                                                                     tmp_path / "a.json"))
    version_yaml, rows_yaml = load_access_config(
        write_access_config(world_s, tmp_path / "a.yaml", version=1))
    assert version_json == version_yaml == "1"
    assert rows_json == rows_yaml
    assert len(rows_json) == len(world_s.account_access)


@pytest.mark.parametrize("document, problem", [
    ({"access": []}, "version"),
    ({"version": 2, "access": [{"network": "google", "account_id": "1"}]}, "principal_type"),
    ({"version": 2, "access": [{"network": "google", "account_id": "1",
                                "principal_type": "group", "principal_id": "9"}]}, "user or team"),
])
def test_access_config_errors_say_what_is_wrong(tmp_path, document, problem):
    path = tmp_path / "access.json"
    path.write_text(json.dumps(document))
    with pytest.raises(AccessConfigError, match=problem) as caught:
        load_access_config(path)
    assert str(path) in str(caught.value)


def test_a_time_zone_that_is_not_iana_is_named():
    with pytest.raises(Exception, match="time_zone 'Mars/Base' is not an IANA time zone"):
        hubspot_source(access_token="-", time_zone="Mars/Base")


def test_account_info_loads_without_the_settings_apis_company_currency(
        fresh_simulator, warehouse, pipelines_dir):
    """The settings API's company currency needs its own scope; without it the account info,
    which names the company currency too, still loads and nothing fails."""
    fresh_simulator.faults.add(kind="expired_token", api="hubspot", match="company-currency",
                               times=None)
    load(fresh_simulator, warehouse, pipelines_dir)
    info = read(warehouse, "account_info")
    assert len(info) == 1
    assert info.loc[0, "company_currency"] == COMPANY_CURRENCY
    assert info.loc[0, "time_zone"] == PORTAL_TIME_ZONE
    assert info["currency_settings__currency_code"].isna().all()


def test_a_portal_without_teams_users_roles_or_access_file_loads_every_table(
        warehouse, pipelines_dir):
    """A sparse portal in its own currency and zone: no teams, users with a role list, one
    role or none, deals without a currency, no access file. Every table is there."""
    world = World.generate("S", SEED, END_DATE, company_currency="EUR",
                           portal_time_zone="Europe/Stockholm", sparse=True)
    with simulator_server(world) as server:
        load(server, warehouse, pipelines_dir, access_config_path=None)
    assert set(settings.TABLES) <= tables_in(warehouse)
    assert read(warehouse, "teams").empty and read(warehouse, "ad_account_access").empty
    info = read(warehouse, "account_info").iloc[0]
    assert (info["company_currency"], info["time_zone"]) == ("EUR", "Europe/Stockholm")
    users = read(warehouse, "users").set_index("id")
    roles = world.users.set_index("user_id")
    assert users["role_ids"].notna().sum() == roles["role_ids"].notna().sum() > 0
    assert users["role_id"].notna().sum() == roles["role_id"].notna().sum() > 0
    assert users["primary_team_id"].isna().all()
    deals = read(warehouse, "deals").set_index("id")
    no_currency = world.deals.loc[world.deals["deal_currency_code"].isna(), "deal_id"]
    assert len(no_currency) > 0 and deals.loc[list(no_currency), "deal_currency_code"].isna().all()


# -- the days each request asked for (payloads written by hand from HubSpot's documented shapes) --
def hw_sek_portal(request, time_zone: str, utc_offset: str) -> tuple[int, dict] | None:
    """The answer of a SEK portal 4242 in `time_zone` to a portal-settings request, else None."""
    if request.path == "/account-info/v3/details":
        hours, minutes = int(utc_offset[1:3]), int(utc_offset[4:6])
        sign = -1 if utc_offset[0] == "-" else 1
        return 200, {"portalId": 4242, "accountType": "STANDARD", "timeZone": time_zone,
                     "companyCurrency": "SEK", "additionalCurrencies": [], "utcOffset": utc_offset,
                     "utcOffsetMilliseconds": sign * (hours * 60 + minutes) * 60_000,
                     "uiDomain": "app-eu1.hubspot.com", "dataHostingLocation": "eu1"}
    if request.path == "/settings/v3/currencies/company-currency":
        return 200, {"currencyCode": "SEK", "currencyName": "Swedish Krona"}
    return None


def hw_page_view(event_id: str, occurred_at: str) -> dict:
    return {"objectType": "CONTACT", "objectId": "501", "eventType": "e_visited_page",
            "occurredAt": occurred_at, "id": event_id,
            "properties": {"hs_url": "https://shop.example.se/", "hs_session_id": "s-1"}}


def hubspot_ignoring_the_window(request):
    """A portal in Stockholm whose events API answers every request with the same occurrences,
    whatever `occurredAfter` / `occurredBefore` asked for."""
    if (portal := hw_sek_portal(request, "Europe/Stockholm", "+02:00")) is not None:
        return portal
    if request.path == "/events/v3/events" and request.query["eventType"] == "e_visited_page":
        return 200, {"results": [
            # 23:30 on 2026-05-03 in Stockholm: the day before the request's first
            hw_page_view("pv-1", "2026-05-03T21:30:00.000Z"),
            # 00:30 on 2026-05-04 in Stockholm: asked for
            hw_page_view("pv-2", "2026-05-03T22:30:00.000Z"),
            # 00:00 on 2026-05-06 in Stockholm: the day after the request's last
            hw_page_view("pv-3", "2026-05-05T22:00:00.000Z")]}
    return 200, {"results": []}


def test_events_keep_only_the_days_each_request_asked_for_and_say_what_was_dropped(
        warehouse, pipelines_dir, caplog):
    with Loopback(hubspot_ignoring_the_window) as api:
        source = hubspot_source(access_token="pat-eu1-handwritten", base_url=api.base_url,
                                start_date="2026-05-04", end_date="2026-05-05",
                                time_zone="Europe/Stockholm",
                                retry=RetryPolicy(max_attempts=2, backoff_base=0.01,
                                                  backoff_cap=0.1))
        with caplog.at_level("WARNING"):
            run_source(source, make_pipeline("hubspot", warehouse, pipelines_dir))
    [asked] = [r.query for r in api.requests if r.query.get("eventType") == "e_visited_page"]
    assert (asked["occurredAfter"], asked["occurredBefore"]) == (
        "2026-05-03T21:59:59.999Z", "2026-05-05T22:00:00.000Z")
    assert read(warehouse, "page_views")["id"].tolist() == ["pv-2"]
    dropped = dropped_days(caplog.records)
    assert len(dropped) == 1, dropped
    assert dropped[0].startswith("hubspot: account 4242: ")
    assert "2 rows" in dropped[0] and "2026-05-03 (1)" in dropped[0]
    assert "2026-05-06 (1)" in dropped[0]


def test_a_portal_zone_that_is_not_iana_fails_the_events_and_loads_the_rest(
        warehouse, pipelines_dir):
    """With `time_zone="portal"` the event days are the account info's: a timeZone there that
    is no IANA zone fails the two event tables, named, and the other tables load."""
    def answer(request):
        status, body = hubspot_ignoring_the_window(request)
        if request.path == "/account-info/v3/details":
            body = {**body, "timeZone": "Stockholm time"}
        return status, body

    with Loopback(answer) as api:
        source = hubspot_source(access_token="pat-eu1-handwritten", base_url=api.base_url,
                                start_date="2026-05-04", end_date="2026-05-05",
                                time_zone="portal",
                                retry=RetryPolicy(max_attempts=2, backoff_base=0.01))
        with pytest.raises(PartialLoadError) as caught:
            run_source(source, make_pipeline("hubspot", warehouse, pipelines_dir))
    # page views and form submissions fail alike: said once
    assert len(caught.value.failures) == 1
    assert ("hubspot: account 4242: GET /account-info/v3/details: the account info has a "
            "timeZone 'Stockholm time' that is not an IANA time zone") in str(caught.value)
    assert read(warehouse, "account_info")["portal_id"].tolist() == [4242]
    assert len(read(warehouse, "page_views")) == 0


# -- event windows (payloads written by hand from HubSpot's documented shapes) ------------------
def hubspot_with_a_cursor_that_repeats(request):
    """A UTC portal with one page view at noon each day 2026-05-01..2026-05-20, answering each
    events request with the occurrences in its (occurredAfter, occurredBefore), two a page,
    whose cursor repeats the last occurrence of a page at the start of the next one."""
    if (portal := hw_sek_portal(request, "UTC", "+00:00")) is not None:
        return portal
    if request.path == "/events/v3/events" and request.query["eventType"] == "e_visited_page":
        after, before = (dt.datetime.fromisoformat(request.query[k].replace("Z", "+00:00"))
                         for k in ("occurredAfter", "occurredBefore"))
        days = [dt.datetime(2026, 5, d, 12, tzinfo=dt.UTC) for d in range(1, 21)]
        inside = [d for d in days if after < d < before]
        start = int(request.query.get("after") or 0)
        page = inside[start:start + 2]
        body = {"results": [hw_page_view(f"pv-{d:%d}", f"{d:%Y-%m-%dT%H:%M:%S}.000Z")
                            for d in page]}
        if start + 2 < len(inside):
            body["paging"] = {"next": {"after": str(start + 1)}}  # repeats one occurrence
        return 200, body
    return 200, {"results": []}


def test_events_are_asked_for_a_window_of_days_at_a_time_and_a_repeated_one_loads_once(
        warehouse, pipelines_dir):
    with Loopback(hubspot_with_a_cursor_that_repeats) as api:
        source = hubspot_source(access_token="pat-eu1-handwritten", base_url=api.base_url,
                                start_date="2026-05-01", end_date="2026-05-20",
                                events_window_days=7, events_concurrency=3,
                                retry=RetryPolicy(max_attempts=2, backoff_base=0.01))
        pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
        run_source(source, pipeline)
    asked = {(r.query["occurredAfter"], r.query["occurredBefore"]) for r in api.requests
             if r.query.get("eventType") == "e_visited_page"}
    assert asked == {("2026-04-30T23:59:59.999Z", "2026-05-08T00:00:00.000Z"),
                     ("2026-05-07T23:59:59.999Z", "2026-05-15T00:00:00.000Z"),
                     ("2026-05-14T23:59:59.999Z", "2026-05-21T00:00:00.000Z")}
    views = read(warehouse, "page_views")
    assert sorted(views["id"]) == [f"pv-{d:02d}" for d in range(1, 21)]
    # each repeat was dropped before dlt, which no longer deduplicates the staged events
    assert pipeline.last_trace.last_normalize_info.row_counts["page_views"] == 20
    state = pipeline.state["sources"]["hubspot"]["resources"]["page_views"]
    assert state["last_loaded_day"]["4242"] == "2026-05-20"


def test_a_failing_event_window_keeps_the_windows_before_it_and_is_named_by_its_days(
        warehouse, pipelines_dir):
    failing = {"on": True}

    def answer(request):
        if (failing["on"] and request.path == "/events/v3/events"
                and request.query["occurredAfter"].startswith("2026-05-07")):
            return 403, {"status": "error", "message": "This app lacks a scope",
                         "correlationId": "c-1", "category": "MISSING_SCOPES"}
        return hubspot_with_a_cursor_that_repeats(request)

    def run(api):
        source = hubspot_source(access_token="pat-eu1-handwritten", base_url=api.base_url,
                                start_date="2026-05-01", end_date="2026-05-20",
                                events_window_days=7, lookback_days=0,
                                retry=RetryPolicy(max_attempts=2, backoff_base=0.01))
        run_source(source, pipeline)

    pipeline = make_pipeline("hubspot", warehouse, pipelines_dir)
    with Loopback(answer) as api:
        with pytest.raises(PartialLoadError) as caught:
            run(api)
        # the second window (05-08..05-14) failed: named by its days; the first is loaded and
        # the state is past it, the third was never kept
        assert "GET /events/v3/events (days 2026-05-08..2026-05-14)" in str(caught.value)
        assert "MISSING_SCOPES" in str(caught.value)
        assert sorted(read(warehouse, "page_views")["id"]) == [
            f"pv-{d:02d}" for d in range(1, 8)]
        state = pipeline.state["sources"]["hubspot"]["resources"]["page_views"]
        assert state["last_loaded_day"]["4242"] == "2026-05-07"

        failing["on"] = False
        api.requests.clear()
        run(api)
    # the next run reads from the last loaded day (no look-back), not from 05-01 again
    asked = {r.query["occurredAfter"] for r in api.requests
             if r.query.get("eventType") == "e_visited_page"}
    assert asked == {"2026-05-06T23:59:59.999Z", "2026-05-13T23:59:59.999Z"}
    assert sorted(read(warehouse, "page_views")["id"]) == [f"pv-{d:02d}" for d in range(1, 21)]
    state = pipeline.state["sources"]["hubspot"]["resources"]["page_views"]
    assert state["last_loaded_day"]["4242"] == "2026-05-20"
