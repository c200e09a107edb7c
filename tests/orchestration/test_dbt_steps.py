"""Each dbt step's own target folder (the warehouse's parse in it, and only the last ones kept), the
dbt command the steps run, and the dbt resource they run it with."""

import os
from types import SimpleNamespace

from orchestration.dbt import STEP_FOLDERS_KEPT, step_target_path


def test_a_step_folder_holds_the_parse_and_only_the_newest_folders_stay(tmp_path):
    target = tmp_path / ".warehouse_dbt"
    target.mkdir()
    (target / "partial_parse.msgpack").write_bytes(b"parse")
    (target / "manifest.json").write_text("{}")
    project = SimpleNamespace(target_path=target)
    made = []
    for number in range(STEP_FOLDERS_KEPT + 5):
        made.append(step_target_path(project, "dbt_warehouse", f"run{number:04d}xyz"))
        # folders of one second apart, oldest first, whatever the file system's clock grain
        os.utime(made[-1], ns=(number * 10**9, number * 10**9))
    left = sorted(p for p in target.iterdir() if p.is_dir())
    assert left == sorted(made[-STEP_FOLDERS_KEPT:])
    assert (made[-1] / "partial_parse.msgpack").read_bytes() == b"parse"
    # the warehouse's own parse and manifest stay
    assert (target / "partial_parse.msgpack").exists() and (target / "manifest.json").exists()


def test_the_dbt_command_prepares_spark_only_when_spark_builds(monkeypatch):
    from orchestration.dbt_cli import builds_on_spark

    monkeypatch.delenv("ADS_ANALYTICS_ENGINE", raising=False)
    assert not builds_on_spark(["build", "--select", "spark"])
    assert builds_on_spark(["build", "--target", "spark"])
    assert builds_on_spark(["build", "--target=spark"])
    monkeypatch.setenv("ADS_ANALYTICS_ENGINE", "spark")
    assert builds_on_spark(["run"])
    assert not builds_on_spark(["run", "-t", "duckdb"])


def test_the_steps_dbt_resource_knows_the_version_dbt_reports_without_asking_it(tmp_path):
    import re
    import subprocess

    from dagster_dbt import DbtCliResource

    from core.paths import DBT_PROJECT_DIR, dbt_executable
    from orchestration.dbt import StepDbtResource

    # what the resource leaves out is still what dagster-dbt does before each dbt command
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))
    executable = dbt_executable()
    resource = StepDbtResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=executable)
    reported = subprocess.run([executable, "--version"], capture_output=True, text=True,
                              check=True).stdout
    # dbt prints "Core: - installed: 1.11.x" first, then its adapters' versions
    assert str(resource._cli_version) == re.search(r"(\d+\.\d+\.\d+)", reported).group(1)
    # no adapter handle: the steps fetch no row counts or column metadata through one
    assert resource._initialize_dbt_core_adapter(["build"]) is None
    # another dbt than this environment's is asked, as dagster-dbt asks it
    other = tmp_path / "dbt"
    other.write_text("#!/bin/sh\necho 'Core:\n  - installed: 9.8.7'\n")
    other.chmod(0o755)
    elsewhere = StepDbtResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(other))
    assert str(elsewhere._cli_version) == "9.8.7"
