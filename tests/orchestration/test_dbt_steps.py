"""Each dbt step's own target folder (the warehouse's parse in it, and only the last ones kept), the
dbt command the steps run, and the dbt resource they run it with."""

import os
from pathlib import Path
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


def test_a_new_warehouse_starts_its_parse_from_anothers_and_gets_the_same_manifest(
        tmp_path, monkeypatch):
    """A warehouse in another folder parses from a kept parse (`ParseSeed`): every node kept
    from it (dbt's `created_at` of each node is the first parse's), and the manifest the same as
    a full parse's. Other variables (a company currency, a setting the profile reads) are
    another parse."""
    import json

    from core.settings import Settings
    from orchestration.dbt import dbt_project

    def manifest(name: str, cache: str, **settings) -> dict:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / cache))
        project = dbt_project(Settings(warehouse=tmp_path / name / "warehouse.duckdb",
                                       **settings))
        return json.loads(project.manifest_path.read_text())

    def made_at(parsed: dict) -> dict:
        return {key: node["created_at"] for key, node in parsed["nodes"].items()}

    def without_times(value):
        if isinstance(value, dict):
            return {key: without_times(item) for key, item in value.items()
                    if key not in ("created_at", "metadata")}
        if isinstance(value, list):
            return [without_times(item) for item in value]
        return value

    first = manifest("first", "cache")
    assert list((tmp_path / "cache" / "ads-analytics" / "dbt-parse").glob("*.msgpack"))
    seeded = manifest("second", "cache")
    full = manifest("third", "empty cache")
    assert made_at(seeded) == made_at(first) and len(made_at(first)) > 300
    assert not set(made_at(full).values()) & set(made_at(first).values())
    assert without_times(seeded) == without_times(full)
    # the database's name in every model is the file's, so the seed holds for the same name only
    assert {node["database"] for node in seeded["nodes"].values()
            if node["resource_type"] == "model"} == {"warehouse_build"}

    in_euros = manifest("fourth", "cache", company_currency="EUR")
    assert not set(made_at(in_euros).values()) & set(made_at(first).values())
    # a setting the profile reads from the environment is another parse too
    monkeypatch.setenv("ADS_ANALYTICS_DBT_MEMORY_LIMIT", "2GB")
    in_less_memory = manifest("fifth", "cache")
    assert not set(made_at(in_less_memory).values()) & set(made_at(first).values())


def test_the_dbt_command_starts_a_new_target_folders_parse_from_anothers(
        tmp_path, monkeypatch):
    """`ads-analytics-dbt` (the read side's, the goals' and Spark's dbt) keeps its parse and
    starts a new target folder's from it, as the steps do; another profile target, other vars,
    another project are another parse, or none."""
    import json
    import subprocess

    from core.paths import DBT_PROJECT_DIR, dbt_executable
    from orchestration.dbt_cli import parse_seed

    def parse(name: str, *options: str) -> dict:
        folder = tmp_path / name
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
               "ADS_ANALYTICS_WAREHOUSE": str(folder / ".warehouse_build.duckdb")}
        subprocess.run([dbt_executable(), "parse", *options, "--project-dir", str(DBT_PROJECT_DIR),
                        "--profiles-dir", str(DBT_PROJECT_DIR),
                        "--target-path", str(folder / "target"), "--log-path", str(folder)],
                       env=env, check=True, capture_output=True)
        log = (folder / "dbt.log").read_text()
        parsed = json.loads((folder / "target" / "manifest.json").read_text())
        return {"full": "Starting full parse" in log,
                "made_at": {key: node["created_at"] for key, node in parsed["nodes"].items()}}

    first = parse("first", "--target", "duckdb")
    seeded = parse("second", "--target", "duckdb")
    assert first["full"] and not seeded["full"]
    assert seeded["made_at"] == first["made_at"] and len(first["made_at"]) > 300

    # where a command's parse is kept: by its options and the profile's variables, the
    # warehouse's folder aside; nowhere for another project or a relative target folder
    def kept_at(folder: str, *options: str, project: str = str(DBT_PROJECT_DIR),
                target: str | None = None):
        monkeypatch.setenv("ADS_ANALYTICS_WAREHOUSE", f"{folder}/.warehouse_build.duckdb")
        target_folder = Path(target or f"{folder}/target")
        seed = parse_seed(["build", *options, "--project-dir", project, "--profiles-dir",
                           str(DBT_PROJECT_DIR), "--target-path", str(target_folder)],
                          target_folder)
        return seed and seed.path

    assert kept_at("/a", "--target", "duckdb") == kept_at("/b", "--target", "duckdb")
    assert len({kept_at("/a", "--target", "duckdb"), kept_at("/a", "--target", "spark"),
                kept_at("/a", "--target", "duckdb", "--vars", "{goals_as_of: '2026-01-01'}"),
                kept_at("/a")}) == 4
    assert kept_at("/a", project=str(tmp_path)) is None
    assert kept_at("/a", target="target") is None
