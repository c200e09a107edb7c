"""The command line: one-line errors with exit codes, then a clean run; the simulator alone."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from ingestion.simulator.config import source_settings
from orchestration.cli import main
from orchestration.paths import REPO_ROOT

pytestmark = pytest.mark.slow


def test_failed_run_is_one_line_and_exit_code_then_a_clean_run_completes(
    fresh_simulator, tmp_path, monkeypatch, capsys
):
    for key, value in source_settings(fresh_simulator, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    warehouse = tmp_path / "cli.duckdb"
    token = fresh_simulator.tokens["linkedin_ads"]
    fresh_simulator.faults.add(kind="expired_token", api="linkedin_ads", times=None)

    assert main(["--warehouse", str(warehouse), "run"]) == 1
    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if line.startswith("ads-analytics: error")]
    assert len(error_lines) == 1
    assert "linkedin_ads" in error_lines[0] and "account" in error_lines[0]
    assert token not in err

    fresh_simulator.faults.clear()
    assert main(["--warehouse", str(warehouse), "run"]) == 0
    out = capsys.readouterr().out
    assert "Ad performance overview" in out and "linkedin" in out
    assert str(warehouse) in out


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
    assert "facebook_ads_raw" in error[0] and "account_ids" in error[0]
    assert "3 more failed steps" in error[0]


def test_check_names_unknown_suites_and_missing_tables_in_one_line(tmp_path, capsys):
    import duckdb

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert main(["--warehouse", str(warehouse), "check", "--suite", "nope"]) == 1
    err = capsys.readouterr().err
    assert "unknown suite nope; the suites are spend, spend_jumps" in err
    assert main(["--warehouse", str(warehouse), "check", "--suite", "spend"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ads-analytics: error: suite spend could not run:")
    assert len(err.splitlines()) == 1
