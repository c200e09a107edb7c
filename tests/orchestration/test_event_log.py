"""The run history's event log (orchestration/event_log.py) on a home the project makes: the same
files as Dagster's default SQLite storage, each event visible to a web server watching the run
while it runs, and a bounded number of databases held open."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import yaml
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    define_asset_job,
    in_process_executor,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.settings import Settings
from orchestration.event_log import RUN_ENGINES_KEPT, KeptConnectionEventLogStorage, events_folder
from orchestration.jobs import instance

SEEN_FIRST = threading.Event()


@asset(check_specs=[AssetCheckSpec("positive", asset="first")])
def first():
    yield MaterializeResult()
    yield AssetCheckResult(check_name="positive", passed=True)


@asset(deps=[first])
def second() -> MaterializeResult:
    # a web server watching the run must see `first` stored before this step ends
    SEEN_FIRST.wait(timeout=20)
    return MaterializeResult(metadata={"first_seen_while_running": SEEN_FIRST.is_set()})


DEFS = Definitions(assets=[first, second],
                   jobs=[define_asset_job("two", executor_def=in_process_executor)])


def project_instance(tmp_path: Path) -> DagsterInstance:
    settings = Settings(warehouse=tmp_path / "warehouse.duckdb", dagster_home=tmp_path / "home")
    return instance(settings)


def default_storage_instance(home: Path) -> DagsterInstance:
    """The same home read by Dagster's own SQLite storage (what a dagster.yaml without the
    project's event log setting gives)."""
    config = home / "default" / "dagster.yaml"
    config.parent.mkdir()
    config.write_text(yaml.safe_dump({"storage": {"sqlite": {"base_dir": str(home)}}}))
    return DagsterInstance.from_config(str(config.parent))


def run(dagster_instance: DagsterInstance) -> str:
    SEEN_FIRST.set()  # no watcher: nothing to wait for
    result = DEFS.resolve_job_def("two").execute_in_process(instance=dagster_instance)
    assert result.success
    return result.run_id


def test_the_project_and_dagsters_default_storage_read_each_others_runs(tmp_path):
    ours = project_instance(tmp_path)
    assert isinstance(ours.event_log_storage, KeptConnectionEventLogStorage)
    assert "DAGSTER_HOME" not in os.environ or os.environ["DAGSTER_HOME"] != str(tmp_path / "home")
    theirs = default_storage_instance(tmp_path / "home")
    assert type(theirs.event_log_storage) is not KeptConnectionEventLogStorage

    by_us, by_them = run(ours), run(theirs)
    assert sorted(p.name for p in events_folder(tmp_path / "home").glob("*.db")) == sorted(
        [f"{by_us}.db", f"{by_them}.db", "index.db"])
    for reader in (ours, theirs):
        for run_id in (by_us, by_them):
            kinds = [entry.dagster_event_type for entry in reader.all_logs(run_id)
                     if entry.is_dagster_event]
            assert kinds.count(DagsterEventType.ASSET_MATERIALIZATION) == 2
            assert kinds.count(DagsterEventType.ASSET_CHECK_EVALUATION) == 1
            assert kinds[-1] == DagsterEventType.RUN_SUCCESS
        # the cross-run index: the latest materialization of each asset is the later run's
        latest = reader.get_latest_materialization_event(AssetKey("second"))
        assert latest is not None and latest.run_id == by_them
        check = reader.event_log_storage.get_latest_asset_check_execution_by_key(
            [next(iter(first.check_keys))])
        assert next(iter(check.values())).run_id == by_them


def test_a_watcher_sees_each_event_while_the_run_is_still_running(tmp_path):
    """What the web server does for a run's page: another instance on the same home watches the
    run's database file. The second step waits until the watcher has seen the first step's
    materialization, so the run succeeds only if events show while it runs."""
    ours = project_instance(tmp_path)
    watcher = project_instance(tmp_path)
    SEEN_FIRST.clear()
    run_id = "0a1b2c3d-0000-4000-8000-000000000001"

    def seen(entry, _cursor):
        if (entry.is_dagster_event
                and entry.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION
                and entry.dagster_event.asset_key == AssetKey("first")):
            SEEN_FIRST.set()

    watcher.event_log_storage.watch(run_id, None, seen)
    try:
        result = DEFS.resolve_job_def("two").execute_in_process(instance=ours, run_id=run_id)
    finally:
        watcher.event_log_storage.end_watch(run_id, seen)
        watcher.dispose()
    assert result.success
    materialization = result.asset_materializations_for_node("second")[0]
    assert materialization.metadata["first_seen_while_running"].value is True


def test_a_long_lived_instance_keeps_few_databases_open(tmp_path):
    ours = project_instance(tmp_path)
    run_ids = [run(ours) for _ in range(RUN_ENGINES_KEPT + 4)]
    for run_id in run_ids:  # what a web server does, reading one run after another
        assert ours.all_logs(run_id)
    folder = events_folder(tmp_path / "home")
    open_files = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
        if target.parent == folder and target.suffix == ".db":
            open_files.add(target.name)
    assert "index.db" in open_files
    assert len(open_files - {"index.db"}) <= RUN_ENGINES_KEPT
    assert {f"{run_id}.db" for run_id in run_ids[-2:]} <= open_files
    ours.dispose()


def test_a_run_checkpoints_its_file_after_each_write_and_a_reader_never(tmp_path):
    """The checkpoint after a write is what the web server's watcher needs; reading a run (the
    web server reads each run it shows) writes nothing, so it checkpoints nothing."""
    ours = project_instance(tmp_path)
    statements: list[str] = []

    def sent(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", sent)
    try:
        run_id = run(ours)
        stored = sum("wal_checkpoint" in statement for statement in statements)
        statements.clear()
        assert len(ours.all_logs(run_id)) > 10
        read = sum("wal_checkpoint" in statement for statement in statements)
    finally:
        event.remove(Engine, "before_cursor_execute", sent)
    assert stored >= 10 and read == 0, (stored, read)
