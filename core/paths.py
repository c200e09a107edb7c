"""The repository's own places, and the tools installed beside this interpreter."""

from __future__ import annotations

import shutil
import sys
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_PROFILES_DIR = DBT_PROJECT_DIR
DATA_DIR = REPO_ROOT / "data"
DEFAULT_WAREHOUSE = DATA_DIR / "warehouse.duckdb"
DEFAULT_DAGSTER_HOME = DATA_DIR / "dagster_home"
BENCHMARK_RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


@cache
def _project_file() -> dict:
    import yaml

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())


def dbt_project_vars() -> dict:
    """The vars of the dbt project as `dbt_project.yml` sets them (the values the models use
    unless a run overrides them)."""
    return dict(_project_file()["vars"])


def dbt_project_var(name: str):
    return _project_file()["vars"][name]


@cache
def dbt_profile_variables() -> dict[str, str | None]:
    """The environment variables profiles.yml reads, each with the default it gives (None
    without one), read from the file itself."""
    import re

    text = (DBT_PROFILES_DIR / "profiles.yml").read_text()
    found = re.findall(r"env_var\(\s*['\"](\w+)['\"]\s*(?:,\s*['\"]([^'\"]*)['\"])?", text)
    return {name: default or None for name, default in found}


def dbt_executable() -> str:
    """dbt from this interpreter's environment, so a venv works without being activated: the
    project's `ads-analytics-dbt` (dbt that can also run Python models on a local Spark;
    orchestration/dbt_cli.py), else plain dbt."""
    for name in ("ads-analytics-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return shutil.which("ads-analytics-dbt") or shutil.which("dbt") or "dbt"


def installed_beside(executable: str) -> bool:
    """Whether `executable` is this interpreter's environment's own (as `dbt_executable` picks)."""
    return Path(executable).parent == Path(sys.executable).parent
