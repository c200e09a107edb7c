"""`ads-analytics report` on the hand-built warehouse, in every output format."""

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pandas as pd
import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main
from reporting.dashboard import wait_until_ready
from tests.reporting.test_dashboard import free_port

WEEK = ["--today", "2026-06-15", "--range", "last_7_days"]


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch, fixture_warehouse):
    # `--warehouse` sets the variable for the process; put it back after each test
    monkeypatch.setenv(WAREHOUSE_ENV, str(fixture_warehouse))


def report(fixture_warehouse, *args):
    return main(["--warehouse", str(fixture_warehouse), "report", *args])


def test_overview_table_shows_the_numbers_and_the_filters(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "overview", *WEEK) == 0
    out = capsys.readouterr().out
    for text in ("5,300", "207", "448.00", "1,000.00", "123.21%", "2026-06-08..2026-06-14",
                 "first_form_submission", "money in USD"):
        assert text in out


def test_campaign_table_as_csv_with_chosen_columns_and_sort(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "campaigns", *WEEK, "--columns", "spend,contacts",
                  "--columns", "cost_per_contact", "--sort", "cost_per_contact",
                  "--format", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("network,ad_account_id,campaign_id,ad_account_name,campaign_name,"
                        "campaign_type,status,spend,contacts,cost_per_contact")
    assert [line.split(",")[2] for line in lines[1:]] == ["C3", "C1", "C5", "C2", "C4"]
    assert lines[1].startswith("google,G1,C3,Google EU,Search brand,SEARCH,active,")
    assert lines[1].endswith(",120.0,1.0,120.0")


def test_analyze_series_as_json_has_iso_days(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "analyze", "spend_over_time", *WEEK, "--format",
                  "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[2] == {"period": "2026-06-10", "spend": 100.0}
    assert len(rows) == 7


def test_parquet_goes_to_a_file_and_reads_back_equal(fixture_warehouse, tmp_path, capsys):
    path = tmp_path / "ads.parquet"
    assert report(fixture_warehouse, "campaigns", *WEEK, "--level", "ad", "--network",
                  "facebook", "--format", "parquet", "-o", str(path)) == 0
    assert "Wrote 3 rows" in capsys.readouterr().out
    frame = pd.read_parquet(path)
    assert sorted(frame.ad_id) == ["A1a", "A1b", "A2"]
    assert frame.set_index("ad_id").spend.to_dict() == pytest.approx(
        {"A1a": 140, "A1b": 60, "A2": 30})


def test_user_filter_and_model_on_the_command_line(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "campaigns", *WEEK, "--user", "U1", "--model", "linear",
                  "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["ad_account_id"] for row in rows} == {"F1"}
    assert next(r for r in rows if r["campaign_id"] == "C1")["contacts"] == pytest.approx(2.0)


@pytest.mark.parametrize("args, message", [
    (["campaigns", "--network", "google' or 1=1 --"],
     "ads-analytics: error: unknown network \"google' or 1=1 --\"; valid values: facebook, "
     "google, linkedin"),
    (["campaigns", "--columns", "average_position"], "unknown column 'average_position'"),
    (["overview", "--format", "xlsx"], "unknown format 'xlsx'; valid values: table, csv, json, "
                                       "parquet"),
    (["overview", "--format", "parquet"], "invalid output None; expected a file path"),
    (["analyze", "roas"], "unknown analyze report 'roas'"),
])
def test_bad_input_is_one_line_and_exit_code_1(fixture_warehouse, capsys, args, message):
    assert report(fixture_warehouse, *args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def csv_rows(text: str) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


def test_deleted_facebook_campaigns_show_only_when_asked_for(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "campaigns", *WEEK, "--format", "csv") == 0
    assert "C6" not in [row["campaign_id"] for row in csv_rows(capsys.readouterr().out)]
    for asked in (["--include-deleted"], ["--status", "deleted"]):
        assert report(fixture_warehouse, "campaigns", *WEEK, *asked, "--format", "csv") == 0
        rows = {row["campaign_id"]: row for row in csv_rows(capsys.readouterr().out)}
        assert rows["C6"]["spend"] == "24.0" and rows["C6"]["status"] == "deleted"
    assert report(fixture_warehouse, "overview", *WEEK, "--include-deleted") == 0
    out = " ".join(capsys.readouterr().out.split())  # the caption wraps
    assert "472.00" in out and "deleted Facebook campaigns hidden" not in out
    assert report(fixture_warehouse, "overview", *WEEK) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "448.00" in out and "deleted Facebook campaigns hidden, as in HubSpot" in out


def test_the_campaign_table_drills_down_like_the_dashboard(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "campaigns", *WEEK, "--level", "ad", "--campaign", "C1",
                  "--columns", "spend", "--format", "csv") == 0
    rows = csv_rows(capsys.readouterr().out)
    assert [(row["ad_id"], row["spend"]) for row in rows] == [("A1a", "140.0"),
                                                              ("A1b", "60.0")]
    assert report(fixture_warehouse, "campaigns", *WEEK, "--level", "keyword", "--ad-group",
                  "google:AG4", "--format", "csv") == 0
    assert [row["keyword_id"] for row in csv_rows(capsys.readouterr().out)] == ["K4"]
    assert report(fixture_warehouse, "campaigns", *WEEK, "--level", "network", "--campaign",
                  "C1") == 1
    assert "invalid campaign filter at level 'network'" in capsys.readouterr().err


def test_analyze_splits_a_series_by_network(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "analyze", "spend_over_time", *WEEK, "--by", "network",
                  "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 * 7
    assert {"network": "facebook", "period": "2026-06-14", "spend": 130.0} in rows


def test_stages_lists_every_lifecycle_stage_with_its_cost(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "stages", "--today", "2026-06-15", "--start",
                  "2026-04-01", "--format", "csv") == 0
    rows = csv_rows(capsys.readouterr().out)
    assert [(row["lifecycle_stage"], row["contacts"], row["cost_per_contact_in_stage"])
            for row in rows] == [
        ("subscriber", "1.0", "460.0"), ("lead", "2.0", "230.0"),
        ("marketingqualifiedlead", "2.0", "230.0"), ("salesqualifiedlead", "0.0", ""),
        ("opportunity", "0.0", ""), ("customer", "1.0", "460.0"),
        ("evangelist", "1.0", "460.0"), ("other", "1.0", "460.0")]


def test_the_table_names_hubspots_cpc_and_the_networks(fixture_warehouse, capsys):
    assert report(fixture_warehouse, "campaigns", *WEEK, "--columns",
                  "cost_per_session,cpc") == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if "campaign id" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")][-2:] == [
        "CPC", "CPC (network)"]


def test_the_spend_in_the_accounts_currency_is_labelled_with_that_currency():
    from reporting.output import render_table

    frame = pd.DataFrame({"spend": [128.0], "currency_code": ["EUR"],
                          "spend_account_currency": [102.4]})
    frame.attrs.update(currency="USD", account_currency="EUR")
    text = " ".join(render_table(frame).split())
    assert "┃ spend ┃ currency code ┃ amount spent (EUR) ┃" in text
    assert "│ 128.00 │ EUR │ 102.40 │" in text
    assert "money in USD, amount spent in EUR" in text
    assert "amount spent in" not in " ".join(render_table(frame[["spend"]]).split())


def test_a_missing_warehouse_is_named(tmp_path, capsys):
    assert main(["--warehouse", str(tmp_path / "none.duckdb"), "report", "overview"]) == 1
    assert "no warehouse at" in capsys.readouterr().err


def test_metrics_lists_every_column_with_its_meaning(capsys):
    assert main(["report", "metrics"]) == 0
    out = capsys.readouterr().out
    assert "cost_per_session" in out and "HubSpot's 'CPC'" in out


def test_dashboard_command_serves_the_page_and_stops_with_its_server(fixture_warehouse,
                                                                    users_file, tmp_path):

    port = free_port()
    log = (tmp_path / "dashboard.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "--warehouse", str(fixture_warehouse),
         "dashboard", "--port", str(port), "--today", "2026-06-15", "--users",
         str(users_file)],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(process, port, timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (f"Dashboard on http://127.0.0.1:{port}/ over {fixture_warehouse}, viewers sign in "
            f"as users of {users_file} (Ctrl-C stops it)") in (tmp_path / "dashboard.log"
                                                               ).read_text()
    # the Streamlit server went with it: nothing listens on the port any more
    with pytest.raises(ConnectionRefusedError), socket.create_connection(
            ("127.0.0.1", port), timeout=5):
        pass


def test_numeric_looking_ids_print_as_they_are():
    from decimal import Decimal

    from reporting.output import format_value

    assert format_value("campaign_id", "20100236106") == "20100236106"
    assert format_value("spend", Decimal("1234.5")) == "1,234.50"
    assert format_value("clicks", 1234) == "1,234"
    assert format_value("is_tracked", True) == "True"
    import numpy as np

    assert format_value("impressions", np.int64(5300)) == "5,300"


@pytest.mark.parametrize("args", [
    ["campaigns", "--limit", "99999999999999999999"], ["campaigns", "--limit", "100001"],
    ["campaigns", "--limit", "0"], ["analyze", "high_cpc_campaigns", "--limit", "-3"],
    ["analyze", "low_cpc_campaigns", "--limit", "99999999999999999999"],
])
def test_a_limit_outside_1_to_100000_is_one_line_and_exit_code_1(fixture_warehouse, capsys,
                                                                  args):
    assert report(fixture_warehouse, *args, *WEEK) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"invalid limit {int(args[-1])}; expected a whole number of rows from 1 to 100,000" \
        in err


@pytest.fixture
def three_rows_at_most(monkeypatch):
    monkeypatch.setattr("reporting.cli.MAX_ROWS", 3)


def test_text_output_beyond_the_cap_shows_the_first_rows_and_says_so(
        fixture_warehouse, capsys, three_rows_at_most):
    assert report(fixture_warehouse, "campaigns", *WEEK, "--format", "csv") == 0
    out, err = capsys.readouterr()
    assert [line.split(",")[2] for line in out.splitlines()[1:]] == ["C1", "C2", "C3"]
    assert err == ("ads-analytics: showing the first 3 of 5 rows; narrow the filters or use "
                   "--format parquet -o FILE\n")
    assert report(fixture_warehouse, "analyze", "spend_over_time", *WEEK, "--format",
                  "json") == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 3 and "the first 3 of 7 rows" in err


def test_parquet_and_an_explicit_limit_are_not_cut(fixture_warehouse, tmp_path, capsys,
                                                   three_rows_at_most):
    path = tmp_path / "all.parquet"
    assert report(fixture_warehouse, "campaigns", *WEEK, "--format", "parquet", "-o",
                  str(path)) == 0
    assert len(pd.read_parquet(path)) == 5 and capsys.readouterr().err == ""
    assert report(fixture_warehouse, "campaigns", *WEEK, "--limit", "2", "--format",
                  "csv") == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3 and err == ""
