"""The pieces every source shares: windows, chunks, retry timing, redaction, Arrow pages."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
import requests

from ingestion.common.arrow import batched_pages, flatten, to_table, undelivered
from ingestion.common.http import backoff_seconds, redact, retry_after_seconds
from ingestion.common.incremental import AccountState, date_chunks, incremental_window
from ingestion.common.schema import RawTable, not_connected_source, or_empty

D = dt.date


def test_first_run_starts_at_start_date():
    assert incremental_window(None, D(2026, 1, 1), 28, D(2026, 3, 1)) == (D(2026, 1, 1),
                                                                          D(2026, 3, 1))


def test_lookback_moves_start_back_by_window():
    assert incremental_window(D(2026, 3, 1), D(2026, 1, 1), 28, D(2026, 3, 2)) == (
        D(2026, 2, 1), D(2026, 3, 2))


def test_lookback_never_reaches_before_start_date():
    assert incremental_window(D(2026, 1, 5), D(2026, 1, 1), 28, D(2026, 1, 6))[0] == D(2026, 1, 1)


def test_nothing_to_pull_when_start_is_in_the_future():
    assert incremental_window(None, D(2026, 5, 1), 28, D(2026, 3, 1)) is None


def test_negative_lookback_is_rejected():
    with pytest.raises(ValueError, match="lookback_days"):
        incremental_window(None, D(2026, 1, 1), -1, D(2026, 1, 2))


def test_date_chunks_cover_the_range_without_gaps_or_overlap():
    chunks = date_chunks(D(2026, 1, 1), D(2026, 1, 10), 4)
    assert chunks == [(D(2026, 1, 1), D(2026, 1, 4)), (D(2026, 1, 5), D(2026, 1, 8)),
                      (D(2026, 1, 9), D(2026, 1, 10))]


def test_account_state_only_moves_forward():
    state: dict = {}
    accounts = AccountState(state)
    accounts.advance("a", D(2026, 1, 10))
    accounts.advance("a", D(2026, 1, 5))
    assert accounts.last_day("a") == D(2026, 1, 10)
    assert accounts.last_day("b") is None
    assert state == {"last_loaded_day": {"a": "2026-01-10"}}


def _response(headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    return response


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds(_response({"Retry-After": "3"})) == 3.0
    future = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    http_date = future.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= retry_after_seconds(_response({"Retry-After": http_date})) <= 30
    assert retry_after_seconds(_response({})) is None


def test_server_retry_after_wins_over_backoff_but_is_capped():
    assert backoff_seconds(0, 0.5, 60, 7.0) == 7.0
    assert backoff_seconds(0, 0.5, 60, 600.0) == 60
    assert 0.25 <= backoff_seconds(0, 0.5, 60, None) <= 0.5
    assert backoff_seconds(20, 0.5, 60, None) <= 60


def test_redact_removes_known_secrets_and_token_parameters():
    text = "GET /v21.0/act_1?access_token=abc123secret&limit=5 failed for abc123secret"
    cleaned = redact(text, ["abc123secret"])
    assert "abc123secret" not in cleaned
    assert "limit=5" in cleaned


def test_flatten_nests_objects_and_keeps_lists_as_json():
    assert flatten({"a": {"b": "1", "c": {"d": 2}}, "l": [{"x": "1"}]}) == {
        "a__b": "1", "a__c__d": 2, "l": '[{"x":"1"}]'}


def test_to_table_keeps_declared_strings_and_adds_new_fields():
    table = to_table([{"id": "1", "spend": "1.50"}, {"id": "2", "spend": "2", "new": 5}],
                     known={"spend": pa.string()}, extra={"account_id": "9"})
    assert sorted(table.column_names) == ["account_id", "id", "new", "spend"]
    assert table.column("spend").to_pylist() == ["1.50", "2"]
    assert table.column("new").to_pylist() == [None, 5]


def test_to_table_keeps_a_value_of_the_wrong_type_as_text():
    table = to_table([{"v": 1}, {"v": "n/a"}, {"v": None}])
    assert table.column("v").to_pylist() == ["1", "n/a", None]


def test_to_table_marks_merge_keys_not_null():
    table = to_table([{"id": "1", "v": None}], keys=("id",))
    assert not table.schema.field("id").nullable
    assert table.schema.field("v").nullable


def test_to_table_refuses_a_record_without_its_merge_key():
    with pytest.raises(ValueError, match="1 record\\(s\\) without the merge key 'id'"):
        to_table([{"id": "1"}, {"id": None}], keys=("id",))


def test_pages_are_batched_without_splitting():
    pages = [[{"i": 1}, {"i": 2}], [{"i": 3}], [{"i": 4}, {"i": 5}]]
    assert [len(b) for b in batched_pages(pages, max_rows=3)] == [3, 2]


def test_a_duplicate_key_in_one_load_lands_twice_rather_than_being_dropped(tmp_path):
    """Fact resources skip dlt's dedup: a repeated key is kept, for the staging test to name."""
    import dlt
    import duckdb

    from ingestion.common.pipeline import keys_unique_per_load, make_pipeline

    rows = pa.table({"account_id": ["1", "1", "1"], "ad_id": ["7", "7", "8"],
                     "date_start": ["2025-01-01"] * 3, "spend": ["1.00", "2.00", "3.00"]})

    @dlt.resource(name="ad_insights", write_disposition="merge",
                  primary_key=("account_id", "ad_id", "date_start"))
    def insights():
        yield rows

    @dlt.source(name="facebook_ads")
    def source():
        return keys_unique_per_load(insights)

    warehouse = tmp_path / "w.duckdb"
    pipeline = make_pipeline("facebook_ads", warehouse, tmp_path / "dlt")
    pipeline.run(source())
    pipeline.run(source())  # a re-run replaces the keys, it does not add to them
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.execute("select ad_id, spend from raw_facebook_ads.ad_insights "
                             "order by ad_id, spend").fetchall()
    assert loaded == [("7", "1.00"), ("7", "2.00"), ("8", "3.00")]


def test_raw_parquet_appends_merged_tables_and_replaces_snapshots(tmp_path):
    """With the filesystem destination (the Spark engine's raw layer), a merged resource
    appends (the sources keep each key's newest row) and a replaced one stays replaced: a
    snapshot that leaves a row out (revoked access) leaves it out of the table."""
    import dlt
    import duckdb

    from ingestion.common.pipeline import for_destination, make_pipeline, run_options

    snapshot = {"rows": [{"id": 1}, {"id": 2}]}

    @dlt.source(name="demo")
    def demo():
        @dlt.resource(write_disposition="merge", primary_key="id")
        def merged():
            yield from snapshot["rows"]

        @dlt.resource(write_disposition="replace")
        def replaced():
            yield from snapshot["rows"]

        return merged, replaced

    raw = tmp_path / "raw"
    pipeline = make_pipeline("hubspot", tmp_path / "w.duckdb", tmp_path / "dlt", raw_parquet=raw)
    source = for_destination(demo(), pipeline)
    assert source.resources["merged"].write_disposition == "append"
    assert source.resources["replaced"].write_disposition == "replace"
    for rows in ([{"id": 1}, {"id": 2}], [{"id": 1}]):
        snapshot["rows"] = rows
        pipeline.run(for_destination(demo(), pipeline), **run_options(pipeline))
    dataset = raw / pipeline.dataset_name
    with duckdb.connect() as con:
        def ids(table: str) -> list[int]:
            return [row[0] for row in con.execute(
                f"select id from read_parquet('{dataset / table}/*.parquet') order by id"
            ).fetchall()]

        assert ids("merged") == [1, 1, 2]  # every load's rows
        assert ids("replaced") == [1]  # the last snapshot only
    # the DuckDB destination merges itself: nothing changes
    in_duckdb = make_pipeline("hubspot", tmp_path / "w.duckdb", tmp_path / "dlt2")
    assert for_destination(demo(), in_duckdb).resources["merged"].write_disposition == "merge"


# -- documented schemas -----------------------------------------------------------------------
ACCOUNTS = RawTable("ad_accounts", {"id": pa.int64(), "servingStatuses": pa.string(),
                                    "dailyBudget__amount": pa.string(), "test": pa.bool_()},
                    ("id",))


def test_raw_table_hints_type_every_documented_column_and_keep_the_key_not_null():
    hints = ACCOUNTS.resource_hints()
    assert hints["primary_key"] == ["id"] and hints["write_disposition"] == "merge"
    assert hints["columns"] == {
        "id": {"data_type": "bigint", "nullable": False},
        "servingStatuses": {"data_type": "text", "nullable": True},
        "dailyBudget__amount": {"data_type": "text", "nullable": True},
        "test": {"data_type": "bool", "nullable": True}}
    empty = ACCOUNTS.empty()
    assert empty.num_rows == 0 and empty.column_names == list(ACCOUNTS.columns)
    assert not empty.schema.field("id").nullable


def test_or_empty_yields_one_empty_table_only_when_nothing_came():
    page = pa.table({"id": [1]})
    assert [t.num_rows for t in or_empty([page], ACCOUNTS)] == [1]
    assert [t.num_rows for t in or_empty([], ACCOUNTS)] == [0]
    # empty pages are nothing too: the table still gets its documented columns once
    tables = list(or_empty([pa.table({"id": pa.array([], pa.int64())})], ACCOUNTS))
    assert [t.num_rows for t in tables] == [0, 0]
    assert tables[-1].column_names == list(ACCOUNTS.columns)


def test_undelivered_names_a_column_no_row_carries():
    table = pa.table({"spend": [None, None], "clicks": [None, "2"]})
    assert undelivered(table, ["spend", "clicks", "impressions"]) == ["spend", "impressions"]
    assert undelivered(table.slice(0, 0), ["spend"]) == []  # no rows, nothing was missing


def test_a_table_no_row_carried_a_field_of_has_the_documented_column(tmp_path):
    """dlt creates a column only when some row carried it, unless it is declared: the raw
    schema is the documented one from the first load, and new fields still land."""
    import dlt
    import duckdb

    from ingestion.common.pipeline import make_pipeline

    @dlt.source(name="linkedin_ads", max_table_nesting=0)
    def sparse():
        @dlt.resource(**ACCOUNTS.resource_hints())
        def ad_accounts():
            yield from or_empty([pa.table({"id": [507], "reference": ["urn:li:organization:1"]})],
                                ACCOUNTS)

        return [ad_accounts]

    pipeline = make_pipeline("linkedin_ads", tmp_path / "w.duckdb", tmp_path / "dlt")
    pipeline.run(sparse())
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        types = dict(con.sql("""select column_name, data_type from information_schema.columns
            where table_schema = 'raw_linkedin_ads' and table_name = 'ad_accounts'""").fetchall())
    assert {"id": "BIGINT", "serving_statuses": "VARCHAR", "daily_budget__amount": "VARCHAR",
            "test": "BOOLEAN", "reference": "VARCHAR"}.items() <= types.items()


def test_a_source_not_connected_creates_every_table_empty_with_its_columns(tmp_path):
    import duckdb

    from ingestion.common.pipeline import make_pipeline
    from ingestion.registry import source_tables

    tables = source_tables("google_ads")
    pipeline = make_pipeline("google_ads", tmp_path / "w.duckdb", tmp_path / "dlt")
    pipeline.run(not_connected_source("google_ads", tables.values()))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        for name, table in tables.items():
            assert con.execute(f"select count(*) from raw_google_ads.{name}").fetchall() == [(0,)]
            columns = {row[0] for row in con.sql(f"describe raw_google_ads.{name}").fetchall()}
            assert set(table.columns) | {"_dlt_load_id"} <= columns, name


def test_connection_tells_not_connected_from_incomplete_from_connected(tmp_path, monkeypatch):
    import os

    from ingestion.common.connection import IncompleteConfiguration, InvalidConfiguration
    from ingestion.registry import connection

    monkeypatch.chdir(tmp_path)  # no .dlt folder here
    for key in [k for k in os.environ if k.startswith("SOURCES__")]:
        monkeypatch.delenv(key)
    none = connection("google_ads")
    assert not none.connected and not none.configured
    assert none.required == ("customer_ids", "access_token", "developer_token")
    none.require_complete()  # not connected is no error
    assert "google_ads: not connected" in none.describe()

    monkeypatch.setenv("SOURCES__GOOGLE_ADS__ACCESS_TOKEN", "a-token")
    half = connection("google_ads")
    assert half.configured and half.missing == ("customer_ids", "developer_token")
    with pytest.raises(IncompleteConfiguration, match="customer_ids, developer_token missing"):
        half.require_complete()

    monkeypatch.setenv("SOURCES__GOOGLE_ADS__CUSTOMER_IDS", '["123-456-7890"]')
    monkeypatch.setenv("SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN", "a-developer-token")
    assert connection("google_ads").connected
    # HubSpot needs only its token; the source comes back built
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", "a-token")
    hubspot = connection("hubspot")
    assert hubspot.connected and "account_info" in hubspot.dlt_source.resources
    # a setting that is there but unusable names the source and the setting
    monkeypatch.setenv("SOURCES__HUBSPOT__TIME_ZONE", "Mars/Base")
    with pytest.raises(InvalidConfiguration,
                       match=r"^hubspot: time_zone 'Mars/Base' is not an IANA time zone"):
        connection("hubspot")


def test_a_documented_boolean_or_number_sent_as_text_is_the_same_value():
    """HubSpot's legacy users example sends `superAdmin` as the string "false"."""
    table = to_table([{"id": "1", "superAdmin": "false", "n": "17"},
                      {"id": "2", "superAdmin": True, "n": 3}],
                     known={"id": pa.string(), "superAdmin": pa.bool_(), "n": pa.int64()})
    assert table.column("superAdmin").to_pylist() == [False, True]
    assert table.column("n").to_pylist() == [17, 3]
    with pytest.raises(ValueError, match="do not fit the documented type bool"):
        to_table([{"superAdmin": "maybe"}], known={"superAdmin": pa.bool_()})


# Every source connected, so each case below spoils exactly one setting of one source.
CONNECTED = {
    "SOURCES__FACEBOOK_ADS__ACCESS_TOKEN": "a-token",
    "SOURCES__FACEBOOK_ADS__ACCOUNT_IDS": '["act_1"]',
    "SOURCES__GOOGLE_ADS__ACCESS_TOKEN": "a-token", "SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN": "d",
    "SOURCES__GOOGLE_ADS__CUSTOMER_IDS": '["123-456-7890"]',
    "SOURCES__LINKEDIN_ADS__ACCESS_TOKEN": "a-token",
    "SOURCES__LINKEDIN_ADS__ACCOUNT_IDS": '["507"]',
    "SOURCES__HUBSPOT__ACCESS_TOKEN": "a-token",
}


@pytest.mark.parametrize(("source", "settings", "message"), [
    ("facebook_ads", {"START_DATE": "2026-13-45"},
     "facebook_ads: start_date '2026-13-45' is not a date (YYYY-MM-DD)"),
    ("google_ads", {"END_DATE": "31/05/2026"},
     "google_ads: end_date '31/05/2026' is not a date (YYYY-MM-DD)"),
    ("hubspot", {"START_DATE": "2026-02-30"},
     "hubspot: start_date '2026-02-30' is not a date (YYYY-MM-DD)"),
    ("linkedin_ads", {"START_DATE": "2026-05-07", "END_DATE": "2026-05-01"},
     "linkedin_ads: start_date 2026-05-07 is after end_date 2026-05-01: nothing would load"),
    ("facebook_ads", {"START_DATE": "2999-01-01"},
     "facebook_ads: start_date 2999-01-01 is after today and no end_date is set: nothing "
     "would load"),
    ("hubspot", {"TIME_ZONE": "Mars/Base"},
     "hubspot: time_zone 'Mars/Base' is not an IANA time zone (like Europe/Stockholm)"),
    ("facebook_ads", {"LOOKBACK_DAYS": "-1"}, "facebook_ads: lookback_days must be 0 or more, "
                                              "got -1"),
    ("facebook_ads", {"LOOKBACK_DAYS": "a week"},
     "facebook_ads: lookback_days 'a week' is not a whole number"),
    ("linkedin_ads", {"CHUNK_DAYS": "0"}, "linkedin_ads: chunk_days must be 1 or more, got 0"),
    ("hubspot", {"TIMEOUT": "0"}, "hubspot: timeout must be more than 0 seconds, got 0.0"),
    ("google_ads", {"BASE_URL": "googleads.googleapis.com"},
     "google_ads: base_url 'googleads.googleapis.com' is not an http(s) URL like "
     "https://host"),
    ("facebook_ads", {"ACCOUNT_IDS": '["act_12x"]'},
     "facebook_ads: account id 'act_12x' is not a number like act_1234567890"),
    ("facebook_ads", {"ACCOUNT_IDS": "act_1, act_2"},
     "facebook_ads: account_ids 'act_1, act_2' is not a list of ids: write a TOML list "
     """(account_ids = ["1", "2"]) or, in an environment variable, a JSON list ('["1", "2"]')"""),
    ("linkedin_ads", {"ACCOUNT_IDS": '["urn:li:sponsoredAccount:abc"]'},
     "linkedin_ads: account id 'urn:li:sponsoredAccount:abc' is not a number like 507084756"),
    ("google_ads", {"LOGIN_CUSTOMER_ID": "mcc"},
     "google_ads: login_customer_id 'mcc' is not a number like 123-456-7890"),
])
def test_a_setting_that_cannot_be_used_is_one_line_naming_source_and_setting(
        source, settings, message, tmp_path, monkeypatch):
    import os
    import re

    from ingestion.common.connection import InvalidConfiguration
    from ingestion.registry import SOURCE_NAMES, connection

    monkeypatch.chdir(tmp_path)  # no .dlt folder here
    for key in [k for k in os.environ if k.startswith("SOURCES__")]:
        monkeypatch.delenv(key)
    for key, value in CONNECTED.items():
        monkeypatch.setenv(key, value)
    for key, value in settings.items():
        monkeypatch.setenv(f"SOURCES__{source.upper()}__{key}", value)
    with pytest.raises(InvalidConfiguration, match=f"^{re.escape(message)}$"):
        connection(source)
    # the other sources are not concerned
    assert all(connection(other).connected for other in SOURCE_NAMES if other != source)


def test_instants_keep_the_rows_of_the_days_asked_in_their_zone_across_a_clock_change(caplog):
    """Stockholm's 2026-03-29 has 23 hours: it begins 23:00 UTC the day before and ends 22:00
    UTC. A row without an instant is kept (the key check names it)."""
    from ingestion.common.windows import LocalDays, requested_days

    def utc(day: int, *time: int) -> dt.datetime:
        return dt.datetime(2026, 3, day, *time, tzinfo=dt.UTC)

    at = [utc(28, 22, 59, 59, 999999), utc(28, 23), utc(29, 21, 59, 59, 999999), utc(29, 22),
          None]
    page = pa.table({"id": list("abcde"), "at": pa.array(at, pa.timestamp("us", tz="UTC"))})
    with caplog.at_level("WARNING"):
        [kept] = requested_days([page], D(2026, 3, 29), D(2026, 3, 29),
                                day=LocalDays("at", "Europe/Stockholm"), source="hubspot",
                                account="4242")
    assert kept.column("id").to_pylist() == ["b", "c", "e"]
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning == ("hubspot: account 4242: asked for 2026-03-29..2026-03-29, got 2 rows for "
                       "days outside it, dropped: 2026-03-28 (1), 2026-03-30 (1)")


def test_a_date_setting_is_a_whole_iso_day_or_instant_and_nothing_after_it():
    """State a source wrote is read by its first ten characters (`parse_day`); a setting a
    user typed is not: trailing text is a mistake to name, not to cut off."""
    from ingestion.common.validate import InvalidConfiguration, day

    assert day("hubspot", "start_date", None) is None
    assert day("hubspot", "start_date", "") is None
    assert day("hubspot", "start_date", dt.datetime(2026, 1, 1, 23)) == D(2026, 1, 1)
    assert day("hubspot", "start_date", D(2026, 1, 1)) == D(2026, 1, 1)
    assert day("hubspot", "start_date", " 2026-01-01 ") == D(2026, 1, 1)
    assert day("hubspot", "start_date", "2026-01-01T10:00:00+02:00") == D(2026, 1, 1)
    for text in ("2026-01-01junk", "2026-01-01 junk", " ", "2026-01"):
        with pytest.raises(InvalidConfiguration,
                           match=f"^hubspot: start_date '{text}' is not a date"):
            day("hubspot", "start_date", text)


def test_a_portal_override_that_cannot_be_used_is_one_line_naming_it(monkeypatch):
    """The portal's time zone override sets the days of every source, the schedule and the
    partitions: one that is no IANA zone is refused naming the variable (it was a
    ZoneInfoNotFoundError from wherever it was first used)."""
    from core.settings import PORTAL_TIME_ZONE_ENV, InvalidSetting, Settings

    monkeypatch.setenv(PORTAL_TIME_ZONE_ENV, "Mars/Base")
    with pytest.raises(InvalidSetting, match=r"^ADS_ANALYTICS_PORTAL_TIME_ZONE 'Mars/Base' "
                                             r"is not an IANA time zone"):
        Settings.from_environment()
    monkeypatch.setenv(PORTAL_TIME_ZONE_ENV, "Europe/Stockholm")
    assert Settings.from_environment().portal_overrides["time_zone"] == "Europe/Stockholm"


# -- a base_url nothing answers on --------------------------------------------------------------
NOTHING_LISTENS = "http://127.0.0.1:9"


@pytest.mark.parametrize(("name", "settings"), [
    ("facebook_ads", {"access_token": "t", "account_ids": ["act_1", "act_2"]}),
    ("google_ads", {"access_token": "t", "developer_token": "d",
                    "customer_ids": ["123-456-7890", "123-456-7891"]}),
    ("linkedin_ads", {"access_token": "t", "account_ids": ["507", "508"]}),
    ("hubspot", {"access_token": "t"}),
])
def test_a_base_url_nothing_listens_on_fails_in_seconds_once_naming_source_host_and_error(
        name, settings, tmp_path):
    """Connection refused is no throttling: a couple of quick tries, then one error for the
    whole source (every account and table would fail the same way), in one line."""
    import time

    from ingestion.common.failures import PartialLoadError
    from ingestion.common.pipeline import make_pipeline, run_source
    from ingestion.registry import source_factory

    source = source_factory(name)(base_url=NOTHING_LISTENS, end_date="2026-05-05", **settings)
    started = time.monotonic()
    with pytest.raises(PartialLoadError) as caught:
        run_source(source, make_pipeline(name, tmp_path / "w.duckdb", tmp_path / "dlt"))
    assert time.monotonic() - started < 8
    [failure] = caught.value.failures
    message = str(caught.value)
    assert message == str(failure) and "\n" not in message
    assert message.startswith(f"{name}: cannot connect to 127.0.0.1:9 (base_url "
                              f"{NOTHING_LISTENS}): ")
    assert "Connection refused" in message


def test_a_host_name_that_does_not_resolve_fails_fast(monkeypatch):
    import socket
    import time

    from ingestion.common.http import ApiClient, UnreachableError

    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    client = ApiClient(source="google_ads", base_url="https://googleads.example.invalid")
    started = time.monotonic()
    with pytest.raises(UnreachableError) as caught:
        client.get("/v21/customers/1/googleAds:search", account="1")
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith("google_ads: cannot connect to googleads.example.invalid "
                                        "(base_url https://googleads.example.invalid): ")
    assert "Failed to resolve 'googleads.example.invalid'" in str(caught.value)
    # and every later request of the client fails at once, without asking the network again
    started = time.monotonic()
    with pytest.raises(UnreachableError):
        client.get("/v21/customers/2/googleAds:search", account="2")
    assert time.monotonic() - started < 0.1


def test_throttling_and_server_errors_keep_their_retries():
    from ingestion.common.http import ApiClient, RetriesExhaustedError, RetryPolicy
    from tests.ingestion.loopback import Loopback

    def busy(request):
        return (503 if request.path == "/busy" else 429), {"message": "try later"}

    with Loopback(busy) as server:
        client = ApiClient(source="hubspot", base_url=server.base_url,
                           retry=RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=0.05))
        for path in ("/busy", "/throttled"):
            with pytest.raises(RetriesExhaustedError, match="gave up after 4 tries"):
                client.get(path)
    assert [r.path for r in server.requests] == ["/busy"] * 4 + ["/throttled"] * 4
