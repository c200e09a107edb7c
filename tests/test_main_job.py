"""End to end: the main job against the simulator, checked against the simulator's ground truth."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from benchmarks.publishing import READER
from core.layout import WarehouseLayout
from core.paths import REPO_ROOT
from core.settings import WAREHOUSE_ENV
from orchestration import jobs
from orchestration.cli import main
from orchestration.definitions import LOAD_JOB, MAIN_JOB, TRANSFORM_JOB, build_definitions
from orchestration.jobs import JobOutcome, run_job, run_main_job
from simulator.config import source_settings
from simulator.truth import spend_by_account_day

pytestmark = pytest.mark.slow

MART_TOTALS = """
select network, ad_account_id as account_id, cast(date_day as varchar) as date,
       sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks,
       count(*) as rows
from marts.fct_ad_performance_daily
group by all
order by network, account_id, date
"""


def _mart(warehouse) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(MART_TOTALS).df()


def _assert_equals_truth(mart: pd.DataFrame, world) -> None:
    truth = spend_by_account_day(world)
    assert len(mart) == len(truth)
    merged = truth.merge(mart, on=["network", "account_id", "date"], how="outer",
                         suffixes=("_truth", "_mart"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert [Decimal(str(v)) for v in merged["spend_mart"]] == list(merged["spend_truth"])
    assert (merged["impressions_mart"] == merged["impressions_truth"]).all()
    assert (merged["clicks_mart"] == merged["clicks_truth"]).all()


def _assert_crm_equals_truth(warehouse, world) -> None:
    """Every CRM record the simulator holds arrived, with the dates the simulator config sets."""
    expected = {"contacts": len(world.contacts), "deals": len(world.deals),
                "deal_contact_associations": len(world.deal_contacts),
                "page_views": len(world.page_views),
                "form_submissions": len(world.form_submissions),
                "exchange_rates": len(world.exchange_rates)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = {table: con.execute(f"select count(*) from raw_hubspot.{table}").fetchone()[0]
                  for table in expected}
    assert loaded == expected


def _assert_analysts_cannot_misread(warehouse: Path) -> None:
    """What an analyst browsing the published warehouse sees: a comment on every mart and on
    every column of it (from the models' docs), counts as BIGINT (not DuckDB's 128-bit sums),
    no loader staging schemas, and a naive sum of the campaign fact's spend that is the spend."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("""select table_name, comment from duckdb_tables()
                                where schema_name = 'marts'
                                union all
                                select view_name, comment from duckdb_views()
                                where schema_name = 'marts'""").fetchall()
        columns = con.execute("""select table_name, column_name, data_type, comment
                                 from duckdb_columns() where schema_name = 'marts'""").fetchall()
        schemas = {row[0] for row in con.execute(
            "select schema_name from information_schema.schemata").fetchall()}
        campaign_spend, ad_spend = con.execute("""
            select (select sum(spend_company_currency) from marts.fct_campaign_performance_daily),
                   (select sum(spend_company_currency) from marts.fct_ad_performance_daily)
        """).fetchone()
    assert len(tables) >= 14 and [name for name, comment in tables if not comment] == []
    assert [(t, c) for t, c, _, comment in columns if not comment] == []
    assert [(t, c) for t, c, kind, _ in columns if kind == "HUGEINT"] == []
    assert not [name for name in schemas if name.endswith("_staging")], schemas
    assert campaign_spend == ad_spend > 0


# What a reader reads in one connection: totals of two marts and of a raw table.
READ = """
select (select sum(spend) from marts.fct_ad_performance_daily),
       (select sum(spend) from marts.fct_campaign_performance_daily),
       (select count(*) from raw_facebook_ads.ad_insights)
"""
def _read(warehouse: Path) -> tuple[str, ...]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return tuple(str(v) for v in con.execute(READ).fetchone())


@contextlib.contextmanager
def _polling_reader(warehouse: Path, tmp_path: Path):
    """A reader polling `warehouse` while the block runs; its reads (dicts) once it stopped."""
    out, stop = tmp_path / "reads.jsonl", tmp_path / "stop-reading"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse), str(out),
                               str(stop), READ])
    reads: list[dict] = []
    try:
        yield reads
    finally:
        time.sleep(0.5)  # a few reads of what the block left
        stop.touch()
        reader.wait(timeout=30)
        reads.extend(json.loads(line) for line in out.read_text().splitlines())


@pytest.fixture
def pipeline_env(fresh_simulator, tmp_path, monkeypatch):
    for key, value in source_settings(fresh_simulator, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return fresh_simulator


def _cli_run(warehouse: Path, monkeypatch) -> tuple[int, JobOutcome]:
    """`ads-analytics --warehouse <warehouse> run`, as a user starts it, and the outcome of the
    main-job run it made (the command prints only its summary): the real run, recorded on its
    way back to the command."""
    outcomes = []

    def recorded(*args, **kwargs):
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    real = jobs.run_main_job
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))  # the command sets it; restored after
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "run_main_job", recorded)
        code = main(["--warehouse", str(warehouse), "run"])
    [outcome] = outcomes
    return code, outcome


@pytest.mark.slow(minutes=2.5)
def test_main_job_builds_marts_equal_to_truth_and_reruns_idempotently(
        pipeline_env, tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    # The first run from the command line: exit code 0, and the overview of what it built.
    code, first = _cli_run(warehouse, monkeypatch)
    assert code == 0, first.summary_lines()
    out = capsys.readouterr().out
    assert "Ad performance overview" in out and "linkedin" in out
    assert str(warehouse) in out
    assert first.success, first.summary_lines()
    assert first.checks and all(passed for _, passed, _ in first.checks)
    # The simulated advertiser has accounts outside the portal's time zone: a warning, not a
    # failure.
    assert sorted(name for name, _ in first.warnings) == [
        "assert_ad_account_time_zones_aligned", "gx_time_zone_alignment"]
    mart = _mart(warehouse)
    _assert_equals_truth(mart, pipeline_env.world)
    _assert_crm_equals_truth(warehouse, pipeline_env.world)
    _assert_analysts_cannot_misread(warehouse)

    # The networks restate their recent days and the run after it is watched by a reader (a
    # dashboard, a BI tool) polling the warehouse every 100 ms: the run succeeds, and every
    # read sees the build before the run or the build after it, whole, never an error.
    before = _read(warehouse)
    pipeline_env.restate()
    defs = build_definitions(warehouse)
    with _polling_reader(warehouse, tmp_path) as reads:
        second = run_main_job(defs, DagsterInstance.ephemeral())
        after = _read(warehouse)
    assert second.success, second.summary_lines()
    assert second.published
    assert before != after
    errors = [read for read in reads if "error" in read]
    assert errors == [], errors[:3]
    seen = {tuple(read["values"]) for read in reads}
    assert seen <= {before, after}, seen - {before, after}
    assert len(reads) > 50 and before in seen and after in seen
    _assert_equals_truth(_mart(warehouse), pipeline_env.world)

    # A LinkedIn day disappears from raw after it was built: raw and marts no longer reconcile,
    # the blocking spend check fails, and the marts it guards are not rebuilt. Readers keep the
    # last complete build.
    with duckdb.connect(str(WarehouseLayout(warehouse).build)) as con:
        account, day = con.execute("""
            select account_id, min("date") from raw_linkedin_ads.ad_analytics_daily
            group by account_id order by account_id limit 1""").fetchone()
        con.execute("""delete from raw_linkedin_ads.ad_analytics_daily
                       where account_id = ? and "date" = ?""", [account, day])
    fourth = run_job(TRANSFORM_JOB, defs, DagsterInstance.ephemeral())
    assert not fourth.success
    # the day was the account's first: its fact day now also lies outside the loaded range
    assert [name for name, passed, _ in fourth.checks if not passed] == [
        "gx_spend", "gx_time_zone"]
    [text] = [text for name, _, text in fourth.checks if name == "gx_spend"]
    assert f"'ad_account_id': '{account}'" in text and day in text
    assert "fct_ad_performance_daily" in fourth.materialized
    assert "fct_campaign_performance_daily" not in fourth.materialized
    assert "fct_goal_progress" not in fourth.materialized
    assert "gx_spend" in fourth.failure_message()
    assert not fourth.published and "Not published" in fourth.summary_lines()[-1]
    assert _read(warehouse) == after


@pytest.mark.slow(minutes=1.5)
def test_a_failing_source_stops_only_what_is_built_from_it(
        pipeline_env, tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "isolated.duckdb"
    world = pipeline_env.world

    # LinkedIn refuses every request: nothing of it loads, so nothing built from it runs; the
    # other sources load and their own models are built. From the command line the failure is
    # one line naming the source (and not its token) and exit code 1.
    pipeline_env.faults.add(kind="expired_token", api="linkedin_ads", times=None)
    code, failed = _cli_run(warehouse, monkeypatch)
    assert code == 1
    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if line.startswith("ads-analytics: error")]
    assert len(error_lines) == 1
    assert "linkedin_ads" in error_lines[0] and "account" in error_lines[0]
    assert pipeline_env.tokens["linkedin_ads"] not in err
    assert not failed.success
    assert [step for step, _ in failed.failures] == ["linkedin_ads_raw"], failed.summary_lines()
    assert {"dbt_linkedin_ads", "dbt_warehouse", "dbt_guarded_marts"} <= set(failed.not_run)
    assert not {"facebook_ads_raw", "google_ads_raw", "hubspot_raw", "dbt_facebook_ads",
                "dbt_google_ads", "dbt_hubspot"} & set(failed.not_run)
    built = set(failed.materialized)
    assert {"stg_facebook_ads__ad_insights", "stg_google_ads__ad_performance_daily",
            "stg_hubspot__contacts", "int_sessions"} <= built
    assert not [name for name in built if "linkedin" in name]
    assert "fct_ad_performance_daily" not in built
    assert "linkedin_ads" in failed.failure_message()
    assert "not run: " in failed.failure_message()
    # Nothing was published (no build completed): readers have no warehouse yet; the build
    # holds what loaded.
    assert not warehouse.exists() and not failed.published
    truth = spend_by_account_day(world)
    with duckdb.connect(str(WarehouseLayout(warehouse).build), read_only=True) as con:
        staged = con.execute("""select ad_account_id as account_id,
                                       cast(date_day as varchar) as date,
                                       sum(spend) as spend
                                from staging.stg_facebook_ads__ad_insights group by all""").df()
    facebook = truth[truth["network"] == "facebook"].merge(staged, on=["account_id", "date"])
    assert len(facebook) == (truth["network"] == "facebook").sum() > 0
    assert [Decimal(str(v)) for v in facebook["spend_y"]] == list(facebook["spend_x"])

    # The networks restate their recent days, then one Facebook account fails and everything else
    # loads: what is built from the loaded tables is built (LinkedIn's models now too), every
    # other account shows the restated numbers, and the failed one keeps what it had.
    pipeline_env.faults.clear()
    before = truth
    pipeline_env.restate()
    accounts = world.accounts
    bad = sorted(accounts.loc[accounts["network"] == "facebook", "account_id"])[0]
    pipeline_env.faults.add(kind="expired_token", api="facebook_ads", match=f"act_{bad}",
                            times=None)
    partial = run_job(MAIN_JOB, build_definitions(warehouse), DagsterInstance.ephemeral())
    assert not partial.success and partial.failures == []
    failed_checks = {(name, text) for name, passed, text in partial.checks if not passed}
    assert len(failed_checks) == 1
    [(name, text)] = failed_checks
    assert name == "every_account_loaded" and f"act_{bad}" in text
    assert f"act_{bad}" in partial.failure_message()
    assert partial.not_run == [], partial.summary_lines()
    assert {"fct_ad_performance_daily", "fct_campaign_performance_daily"} <= set(
        partial.materialized)
    after = spend_by_account_day(world)
    expected = pd.concat([after[after["account_id"] != bad], before[before["account_id"] == bad]])
    assert not after[after["account_id"] == bad].reset_index(drop=True).equals(
        before[before["account_id"] == bad].reset_index(drop=True))
    mart = _mart(warehouse)
    merged = expected.merge(mart, on=["network", "account_id", "date"], how="outer",
                            indicator=True)
    assert len(merged) == len(expected) and (merged["_merge"] == "both").all()
    assert [Decimal(str(v)) for v in merged["spend_y"]] == list(merged["spend_x"])


# A job of the definitions in its own process, as a second scheduler or terminal would start it.
JOB_PROCESS = """
import sys
from pathlib import Path
from orchestration.definitions import build_definitions
from orchestration.jobs import run_job
outcome = run_job(sys.argv[2], build_definitions(Path(sys.argv[1])))
print("\\n".join(outcome.summary_lines()))
sys.exit(0 if outcome.success else 1)
"""


def _job_process(warehouse, env: dict[str, str], job: str, log: Path) -> subprocess.Popen:
    """The job in its own process, its output going to `log`. A file, not a pipe: a pipe nobody
    reads fills up and blocks its writer, and a blocked writer holding the warehouse lock would
    keep the other run waiting forever."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", JOB_PROCESS, str(warehouse), job],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def _finish(process: subprocess.Popen, log: Path) -> str:
    try:
        process.wait(timeout=900)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{log.name} did not finish in 900 s; its output ends:\n"
                    + "\n".join(log.read_text().splitlines()[-25:]))
    return log.read_text()


def _dbt_started(process: subprocess.Popen, dbt_target: Path, within_seconds: float = 300
                 ) -> None:
    """Wait until a dbt step of `process` has started (its step folder has dbt's log)."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline and process.poll() is None:
        if any(dbt_target.glob("*/dbt.log")):
            return
        time.sleep(0.05)
    pytest.fail(f"no dbt step started in PID {process.pid}")


def _children(process: subprocess.Popen) -> list[str]:
    """The command lines of `process`'s child processes."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == process.pid:
            found.append(command)
    return found


def _cli_env(server, tmp_path) -> dict[str, str]:
    return {**os.environ, **source_settings(server, tmp_path),
            "DAGSTER_HOME": str(tmp_path / "dagster_home")}


@pytest.mark.slow(minutes=2)
def test_a_run_killed_mid_load_then_two_runs_at_once_complete_and_equal_the_truth(
        fresh_simulator, tmp_path):
    warehouse = tmp_path / "shared.duckdb"
    env = _cli_env(fresh_simulator, tmp_path)
    # Slow HubSpot pages keep the first load going when it is killed: once the simulator has
    # served two of them, the run is inside HubSpot's load, holding the warehouse pool's slot.
    slow = fresh_simulator.faults.add(kind="slow", api="hubspot", times=None, delay=0.5)
    killed = _job_process(warehouse, env, LOAD_JOB, tmp_path / "killed.log")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and slow.hits < 2 and killed.poll() is None:
        time.sleep(0.1)
    assert slow.hits >= 2 and killed.poll() is None
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    fresh_simulator.faults.clear()

    # Two loads started at once on what the killed one left: one waits for the other (DuckDB
    # has one writer per file), both complete, and after a build the warehouse is what one clean
    # run makes.
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    runs = [_job_process(warehouse, env, LOAD_JOB, log) for log in logs]
    outputs = [_finish(run, log) for run, log in zip(runs, logs, strict=True)]
    assert [run.returncode for run in runs] == [0, 0], "\n---\n".join(
        "\n".join(out.splitlines()[-25:]) for out in outputs)
    assert sum("waiting for it to finish" in out for out in outputs) == 1, outputs
    # The killed run held the warehouse pool's one slot; the first run to get the warehouse marks
    # it failed and frees the slot (else every later run would wait for it forever).
    assert sum("was interrupted" in out for out in outputs) == 1, outputs
    # A build killed with `kill -9` while its dbt builds (dbt runs in the run's process on
    # DuckDB, and dies with it: no dbt lives on, holding the warehouse), and the next build runs.
    doomed = _job_process(warehouse, env, TRANSFORM_JOB, tmp_path / "doomed.log")
    _dbt_started(doomed, WarehouseLayout(warehouse).dbt_target)
    assert not [command for command in _children(doomed) if "dbt" in command], \
        "dbt ran as a process of its own"
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)
    build = _job_process(warehouse, env, TRANSFORM_JOB, tmp_path / "build.log")
    out = _finish(build, tmp_path / "build.log")
    assert build.returncode == 0, out
    assert "Traceback" not in out
    _assert_equals_truth(_mart(warehouse), fresh_simulator.world)
    _assert_crm_equals_truth(warehouse, fresh_simulator.world)


@pytest.mark.slow(minutes=3)
def test_corrupt_vendor_rows_stop_the_run_until_quarantined(tmp_path, monkeypatch, capsys):
    """A world whose networks send negative spend, a row twice within a page and rows of days
    outside the requested window: the sources drop the days nobody asked for; the other rows
    fail the run, which publishes nothing and names them; `quarantine` moves them out of raw
    and the rebuilt marts equal the truth (which counts a duplicate once and leaves a negative
    ad-day out)."""
    from orchestration.quarantine import in_quarantine
    from simulator.apis import simulator_server
    from simulator.world import World
    from tests.conftest import END_DATE, SEED

    world = World.generate("S", SEED, END_DATE,
                           corrupt=("negative_spend", "duplicate_row", "out_of_window"))
    warehouse = tmp_path / "corrupt.duckdb"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))  # the command sets it; restored after
    with simulator_server(world) as server:
        for key, value in source_settings(server, tmp_path).items():
            monkeypatch.setenv(key, value)
        assert main(["--warehouse", str(warehouse), "run"]) == 1
        err = capsys.readouterr().err
        [line] = [line for line in err.splitlines() if line.startswith("ads-analytics: error")]
        assert "failed: test unique_key_combination_stg_" in line and "occurrences=2" in line
        assert not warehouse.exists()  # nothing published: no complete build yet

        assert main(["--warehouse", str(warehouse), "quarantine"]) == 0
    held = {moved.reason for moved in in_quarantine(warehouse)}
    # the days outside the windows never reached raw
    assert held == {"duplicate", "negative_spend"}
    _assert_equals_truth(_mart(warehouse), world)


def test_a_setting_a_source_cannot_use_fails_only_that_source(pipeline_env, tmp_path,
                                                              monkeypatch):
    warehouse = tmp_path / "bad_setting.duckdb"
    monkeypatch.setenv("SOURCES__FACEBOOK_ADS__START_DATE", "2026-13-45")
    outcome = run_job(LOAD_JOB, build_definitions(warehouse), DagsterInstance.ephemeral())
    assert [step for step, _ in outcome.failures] == ["facebook_ads_raw"]
    assert outcome.failure_message().startswith(
        "step facebook_ads_raw failed: facebook_ads: start_date '2026-13-45' is not a date "
        "(YYYY-MM-DD)")
    loaded = {key.split("/")[0] for key in outcome.materialized}
    assert loaded == {"raw_google_ads", "raw_linkedin_ads", "raw_hubspot"}
