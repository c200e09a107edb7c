"""Where `report ... -o FILE` and `summary -o FILE` may write, and how: never over the warehouse
or the project's state beside it, always whole files."""

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main

WEEK = ["--today", "2026-06-15", "--range", "last_7_days"]
# Everything a run keeps beside data/warehouse.duckdb, as the modules that own it name it.
STATE = [".warehouse_dlt/pipeline/state.json", ".warehouse_dbt/manifest.json",
         ".warehouse_dbt_read_side/manifest.json", "warehouse_spark/tables/x.parquet",
         "dagster_home/dagster.yaml", "warehouse_logs/run.log", "warehouse_quality/index.html",
         "dashboard_users.toml", "ads_analytics.toml"]
WAREHOUSE_FILES = ["warehouse.duckdb", "warehouse.duckdb.wal", "warehouse.duckdb.lock",
                   ".warehouse_build.duckdb", ".warehouse_build.duckdb.wal", "other.lock"]


@pytest.fixture
def warehouse(fixture_warehouse, tmp_path, monkeypatch) -> Path:
    """A copy of the hand-built warehouse in a folder of its own, with a run's state beside
    it."""
    folder = tmp_path / "data"
    folder.mkdir()
    copy = folder / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, copy)
    for name in [*STATE, *WAREHOUSE_FILES[1:]]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        # (a TOML comment: the reports read the settings file)
        (folder / name).write_text("# state" if name.endswith(".toml") else "state")
    monkeypatch.setenv(WAREHOUSE_ENV, str(copy))
    return copy


def digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def run(warehouse: Path, *args: str) -> int:
    return main(["--warehouse", str(warehouse), *args])


COMMANDS = {
    "report csv": ["report", "campaigns", *WEEK, "--format", "csv"],
    "report parquet": ["report", "campaigns", *WEEK, "--format", "parquet"],
    "summary": ["summary", *WEEK],
}


@pytest.mark.parametrize("target", [*WAREHOUSE_FILES, *STATE])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_never_overwrites_the_warehouse_or_its_state(warehouse, capsys, command,
                                                            target):
    before = digests(warehouse.parent)
    assert run(warehouse, *COMMANDS[command], "-o", str(warehouse.parent / target)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ads-analytics: error: refusing to write ")
    assert target.split("/")[0] in err
    assert digests(warehouse.parent) == before


def test_a_path_that_leads_to_the_warehouse_another_way_is_refused(warehouse, tmp_path, capsys):
    link = tmp_path / "report.csv"
    link.symlink_to(warehouse)
    roundabout = warehouse.parent / "warehouse_logs" / ".." / "warehouse.duckdb"
    before = digests(warehouse.parent)
    for target in (link, roundabout):
        assert run(warehouse, *COMMANDS["report csv"], "-o", str(target)) == 2
        assert "is the warehouse" in capsys.readouterr().err
    assert digests(warehouse.parent) == before


def test_the_default_warehouse_is_protected_without_warehouse_option(warehouse, capsys):
    # the warehouse comes from ADS_ANALYTICS_WAREHOUSE here
    assert main(["summary", *WEEK, "-o", str(warehouse)]) == 2
    assert "is the warehouse" in capsys.readouterr().err


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_folder_or_a_folder_as_target_is_one_line_and_exit_code_2(
        warehouse, tmp_path, capsys, command):
    missing = tmp_path / "no" / "such" / "report.out"
    assert run(warehouse, *COMMANDS[command], "-o", str(missing)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{missing.parent} does not exist" in err
    assert run(warehouse, *COMMANDS[command], "-o", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path} is a folder" in err


def test_other_files_beside_the_warehouse_may_be_written(warehouse, capsys):
    target = warehouse.parent / "campaigns.csv"
    assert run(warehouse, *COMMANDS["report csv"], "-o", str(target)) == 0
    assert target.read_text().startswith("network,ad_account_id,campaign_id")


def test_a_write_that_fails_halfway_leaves_the_old_file_whole(warehouse, tmp_path, capsys,
                                                              monkeypatch):
    target = tmp_path / "ads.parquet"
    target.write_bytes(b"the old report")

    def full_disk(self, path, **kwargs):
        Path(path).write_bytes(b"half a rep")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    assert run(warehouse, *COMMANDS["report parquet"], "-o", str(target)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert target.read_bytes() == b"the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.parquet", "data"]


def test_a_rewritten_report_replaces_the_old_one_whole(warehouse, tmp_path, capsys):
    target = tmp_path / "summary.md"
    target.write_text("x" * 100_000)
    assert run(warehouse, *COMMANDS["summary"], "-o", str(target)) == 0
    assert target.read_text().startswith("# Ads summary, 2026-06-08..2026-06-14\n")
    assert "x" * 10 not in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "summary.md"]


def test_the_protected_state_is_where_its_owners_put_it(tmp_path):
    from core.layout import WarehouseLayout
    from expectations.runner import quality_dir
    from ingestion.common.pipeline import pipelines_dir_for
    from orchestration.dbt import dbt_target_dir
    from orchestration.read_side import read_side_target
    from reporting.files import refusal
    from reporting.goal_marts import goals_target

    warehouse = tmp_path / "warehouse.duckdb"
    layout = WarehouseLayout(warehouse)
    for folder in (pipelines_dir_for(warehouse), dbt_target_dir(warehouse),
                   read_side_target(warehouse), layout.spark_home, quality_dir(warehouse),
                   goals_target(warehouse), layout.logs, layout.backfills):
        assert refusal(folder / "any" / "file", warehouse), folder
    assert refusal(layout.run_lock, warehouse)
    assert refusal(WarehouseLayout(warehouse).goals, warehouse)
    assert refusal(tmp_path / "campaigns.csv", warehouse) is None
