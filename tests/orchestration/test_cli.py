"""The command line: one-line errors with exit codes; the simulator alone.

`ads-analytics run` against the simulator (a failing source as one line and exit code 1, a clean
run with exit code 0 and the overview) is asserted in tests/test_main_job.py, on the same runs
that check the main job's outcome against the simulator's truth."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from core.paths import REPO_ROOT
from orchestration.cli import main

pytestmark = pytest.mark.slow


def test_simulator_serve_prints_the_settings_and_serves(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "simulator", "serve", "--size", "S",
         "--end-date", "2026-10-31", "--truth-dir", str(tmp_path / "truth")],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        settings = {}
        for line in proc.stdout:
            if line.startswith("Serving;"):
                break
            if line.strip().startswith("export "):
                key, _, value = line.strip().removeprefix("export ").partition("=")
                settings[key] = value.strip("'")
        base = settings["SOURCES__FACEBOOK_ADS__BASE_URL"]
        health = requests.get(f"{base}/_simulator/health", timeout=5).json()
        assert health["end_date"] == "2026-10-31" and health["size"] == "S"
        assert (tmp_path / "truth" / "spend_by_account_day.parquet").exists()
        assert set(settings) >= {"SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN",
                                 "SOURCES__HUBSPOT__ACCESS_CONFIG_PATH"}
    finally:
        proc.terminate()
        try:
            stopped = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    # SIGTERM stops it cleanly, as Ctrl-C does
    assert stopped == 0


def test_run_without_configuration_names_what_is_missing(tmp_path, monkeypatch, capsys):
    import os

    for key in [k for k in os.environ if k.startswith("SOURCES__")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.chdir(tmp_path)  # no .dlt folder here

    assert main(["--warehouse", str(tmp_path / "empty.duckdb"), "run"]) == 1
    error = [line for line in capsys.readouterr().err.splitlines()
             if line.startswith("ads-analytics: error")]
    assert len(error) == 1
    assert "no source is connected" in error[0] and "access_token" in error[0]

    # One key of a source is there and another is not: the user means to connect it.
    monkeypatch.setenv("SOURCES__GOOGLE_ADS__ACCESS_TOKEN", "a-secret-token")
    assert main(["--warehouse", str(tmp_path / "empty.duckdb"), "run"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("ads-analytics: error: google_ads: configured but incomplete: "
                            "customer_ids, developer_token missing")
    assert "a-secret-token" not in error

    # Ad networks without HubSpot: the marts need the portal's currency and time zone.
    monkeypatch.setenv("SOURCES__GOOGLE_ADS__CUSTOMER_IDS", '["123-456-7890"]')
    monkeypatch.setenv("SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN", "a-developer-token")
    assert main(["--warehouse", str(tmp_path / "empty.duckdb"), "run"]) == 1
    assert "hubspot is not connected" in capsys.readouterr().err

    # A setting that is there but cannot be used: one line naming the source and the setting
    # (with other sources connected, only that source's step fails: tests/test_main_job.py;
    # here it is the only source, and the run could load nothing).
    for key in [k for k in os.environ if k.startswith("SOURCES__GOOGLE_ADS__")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", "a-token")
    monkeypatch.setenv("SOURCES__HUBSPOT__TIME_ZONE", "Mars/Base")
    assert main(["--warehouse", str(tmp_path / "empty.duckdb"), "run"]) == 1
    assert capsys.readouterr().err.strip() == (
        "ads-analytics: error: hubspot: time_zone 'Mars/Base' is not an IANA time zone "
        "(like Europe/Stockholm)")


def test_check_names_unknown_suites_and_missing_tables_in_one_line(tmp_path, capsys):
    import duckdb

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert main(["--warehouse", str(warehouse), "check", "--suite", "nope"]) == 1
    err = capsys.readouterr().err
    assert "unknown check nope; the checks are gx_spend, gx_spend_jumps" in err
    assert main(["--warehouse", str(warehouse), "check", "--suite", "spend"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ads-analytics: error: suite spend could not run:")
    assert len(err.splitlines()) == 1


def test_a_warehouse_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    # /sys refuses new folders even to root (a read-only folder would not stop root)
    for command in (["run"], ["quarantine"], ["backfill", "--start", "2026-01-01",
                                              "--end", "2026-01-02"]):
        assert main(["--warehouse", "/sys/ads-analytics/warehouse.duckdb", *command]) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "Traceback" not in err
        assert err.startswith("ads-analytics: error: the warehouse's folder "
                              "/sys/ads-analytics cannot be written (Operation not permitted)")


def test_global_options_are_taken_after_the_subcommand_too(tmp_path, monkeypatch, capsys):
    """`--warehouse` (and `-v`) before the subcommand or after it, at any depth; after it wins."""
    monkeypatch.delenv("ADS_ANALYTICS_WAREHOUSE", raising=False)
    before, after = tmp_path / "before.duckdb", tmp_path / "after.duckdb"
    assert main(["report", "campaigns", "--warehouse", str(after), "-v"]) == 1
    assert f"no warehouse at {after}" in capsys.readouterr().err
    assert main(["--warehouse", str(before), "report", "campaigns"]) == 1
    assert f"no warehouse at {before}" in capsys.readouterr().err
    assert main(["--warehouse", str(before), "check", "--warehouse", str(after)]) == 1
    err = capsys.readouterr().err
    assert str(after) in err and str(before) not in err


def test_dev_takes_a_port_and_passes_what_follows_the_double_dash_to_dagster():
    from orchestration.cli import _parser, dev_command

    args = _parser().parse_args(["dev", "--port", "3001", "--", "--host", "0.0.0.0"])
    command = dev_command(args)
    assert command[1:3] == ["dev", "-m"] and "orchestration.definitions" in command
    assert command[-4:] == ["--port", "3001", "--host", "0.0.0.0"]
    assert "--port" not in dev_command(_parser().parse_args(["dev"]))
