"""The dbt project as Dagster sees it: one `DbtProject`, its manifest built once, one translator."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import logging
import shutil
import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
)
from packaging import version

from core.layout import WarehouseLayout
from core.paths import DBT_PROFILES_DIR, DBT_PROJECT_DIR, installed_beside
from core.settings import CHILD_LOCK_ENV, Settings, environment
from orchestration.dbt_parse import ParseSeed

log = logging.getLogger(__name__)

OWNER = "team:data-engineering"
LAYERS = ("staging", "intermediate", "marts")


class StepDbtResource(DbtCliResource):
    """dbt as the steps run it: dagster-dbt's resource without two costs per invocation that
    these steps never use.

    Before starting dbt, dagster-dbt runs `dbt --version` in a child process (a whole dbt import)
    and loads the project in process for an adapter handle, which only its row-count and
    column-metadata fetching use: 1.5 s and 0.4 to 1.2 s of every dbt step on a quiet machine,
    several times that on a busy one (docs/orchestration.md, "dbt steps"). Here the version is the
    installed dbt-core's when the executable is this environment's (the one dbt it can be), and
    there is no adapter handle."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if installed_beside(self.dbt_executable):
            try:
                return version.parse(importlib.metadata.version("dbt-core"))
            except importlib.metadata.PackageNotFoundError:
                pass  # another dbt (dbt Fusion, say) beside this interpreter: ask it
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def _sources_newer_than(manifest: Path) -> bool:
    built = manifest.stat().st_mtime
    watched = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        watched += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in watched)


def dbt_target_dir(warehouse: Path) -> Path:
    """dbt's target folder for `warehouse`: beside it (`.<warehouse>_dbt`), as dlt's state is.

    dbt reuses its parse between invocations only with the profile it parsed with, and the
    profile names the warehouse file. Runs on two warehouses that shared one target folder (two
    test workers, a test beside a demo) threw each other's parse away, and then every dbt step of
    their runs parsed the whole project again."""
    return WarehouseLayout(warehouse).dbt_target


def dbt_project(settings: Settings) -> DbtProject:
    """The project with the warehouse's target folder, and a manifest in it that matches the
    models on disk and what the steps' dbt reads (the build file, the engine, the portal's
    overrides, the goals file): parsed again when any changed."""
    warehouse = settings.warehouse
    target = dbt_target_dir(warehouse)
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROFILES_DIR,
                         target_path=target)
    manifest = project.manifest_path
    target.mkdir(parents=True, exist_ok=True)
    parsed_for = target / ".parsed_for_warehouse"
    # the steps' environment: the profile's target follows the engine, and some models' configs
    # do too; dbt parses again whatever reads a variable whose value changed
    environment_of_steps = settings.dbt_environment(child_lock=False)
    parsed_with = json.dumps(environment_of_steps, sort_keys=True)
    # One process parses at a time, and nobody reads a manifest another is still writing.
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stale_for = not parsed_for.exists() or parsed_for.read_text() != parsed_with
        if not manifest.exists() or stale_for or _sources_newer_than(manifest):
            with ParseSeed(warehouse, environment_of_steps).parsing(target):
                parse_manifest(target, environment_of_steps)
            parsed_for.write_text(parsed_with)
    return project


def parse_manifest(target: Path, variables: dict[str, str], write_json: bool = True) -> Any:
    """Parse the project into `target` with the steps' `variables` (profiles.yml reads the file
    it builds and its target from them), or the parse would not be theirs; dbt's `Manifest`,
    kept for the steps that run dbt in this process (`parsed_manifest`)."""
    from dbt.cli.main import dbtRunner

    with environment(variables):
        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
             str(DBT_PROFILES_DIR), "--target-path", str(target), "--quiet",
             *([] if write_json else ["--no-write-json"])]
        )
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    _PARSED.clear()  # one kept: a process builds one warehouse at a time
    _PARSED[_parse_key(target, variables)] = result.result
    return result.result


# The last parse this process made or loaded, by `_parse_key`.
_PARSED: dict[tuple[str, str], Any] = {}


def _parse_key(target: Path, variables: dict[str, str]) -> tuple[str, str]:
    """What a parse in `target` was made from: its partial-parse file's contents (dbt writes a
    new one whenever a model, macro or config it read changed) and the steps' variables."""
    state = target / "partial_parse.msgpack"
    digest = hashlib.sha1(state.read_bytes()).hexdigest() if state.exists() else ""
    shown = {key: value for key, value in variables.items() if key != CHILD_LOCK_ENV}
    return digest, json.dumps(shown, sort_keys=True)


def parsed_manifest(step_target: Path, variables: dict[str, str]) -> Any:
    """dbt's `Manifest` for a step that runs dbt in this process: the one this process parsed
    last when it is still the project's (its partial-parse file and variables unchanged), else
    parsed again in `step_target` (a step's folder, which holds a copy of the warehouse's
    partial-parse file, so dbt parses only what changed: well under a second)."""
    found = _PARSED.get(_parse_key(step_target, variables))
    if found is not None:
        return found
    return parse_manifest(step_target, variables, write_json=False)


# Step folders kept per warehouse: the last few runs' artifacts, not every run's since the first
# (a daily schedule makes six a day).
STEP_FOLDERS_KEPT = 24


def step_target_path(project: DbtProject, step: str, run_id: str) -> Path:
    """A target folder of its own for one dbt invocation of a run's step, in the warehouse's
    target folder, holding that warehouse's parse (dagster-dbt would copy the parse from
    `dbt_project/target`, whichever warehouse it was made for). The oldest step folders beyond
    the last `STEP_FOLDERS_KEPT` go."""
    path = project.target_path / f"{step}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    path.mkdir(parents=True)
    shutil.copy(project.target_path / "partial_parse.msgpack", path)
    steps = sorted((p for p in project.target_path.iterdir() if p.is_dir()),
                   key=lambda p: p.stat().st_mtime_ns)
    for old in steps[:-STEP_FOLDERS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
    return path


def models_of_one_source(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per dbt source (`raw_facebook_ads`, ...), the models built from it alone: its staging
    models and the intermediate models that read nothing else. Every other model reads several
    sources (or none)."""
    nodes = manifest["nodes"]
    upstream: dict[str, frozenset[str]] = {}

    def sources_of(unique_id: str) -> frozenset[str]:
        if unique_id.startswith("source."):
            return frozenset([manifest["sources"][unique_id]["source_name"]])
        if unique_id not in upstream:
            parents = nodes[unique_id].get("depends_on", {}).get("nodes", [])
            upstream[unique_id] = frozenset().union(*(sources_of(p) for p in parents))
        return upstream[unique_id]

    by_source: dict[str, list[str]] = {}
    for unique_id, node in nodes.items():
        if node["resource_type"] == "model" and len(sources := sources_of(unique_id)) == 1:
            by_source.setdefault(next(iter(sources)), []).append(node["name"])
    return {source: sorted(models) for source, models in sorted(by_source.items())}


class AdsDbtTranslator(DagsterDbtTranslator):
    """dbt sources keep dbt's key `[source_name, table]`, which is the key the dlt translator
    gives each raw table; models are grouped by layer."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        for layer in LAYERS:
            if layer in fqn:
                return layer
        return super().get_group_name(dbt_resource_props)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["name"]])

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]
