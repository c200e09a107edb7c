"""Every path the project uses, in one place."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from ingestion.common.portal import (  # noqa: F401 (where users and tests look for the name)
    PORTAL_TIME_ZONE_ENV,
    loaded_settings,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_PROFILES_DIR = DBT_PROJECT_DIR
DATA_DIR = REPO_ROOT / "data"
DEFAULT_WAREHOUSE = DATA_DIR / "warehouse.duckdb"
BENCHMARK_RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"

WAREHOUSE_ENV = "ADS_ANALYTICS_WAREHOUSE"
# Which engine builds the models (the dbt target): `duckdb` (default) or `spark`.
ENGINE_ENV = "ADS_ANALYTICS_ENGINE"
ENGINES = ("duckdb", "spark")
# The goals file dbt measures (`goals_file`), set for dbt by whatever runs it when the file
# exists; unset, the models measure the example goals of dbt_project/seeds.
GOALS_FILE_ENV = "ADS_ANALYTICS_GOALS_FILE"
# A folder where the sources land raw as Parquet instead of in the DuckDB file; the Spark
# engine's default is `raw/` in its folder beside the warehouse.
RAW_PARQUET_ENV = "ADS_ANALYTICS_RAW_PARQUET"


def warehouse_path() -> Path:
    """The DuckDB file: `ADS_ANALYTICS_WAREHOUSE`, or `data/warehouse.duckdb` in the repo."""
    configured = os.environ.get(WAREHOUSE_ENV)
    path = Path(configured).expanduser() if configured else DEFAULT_WAREHOUSE
    return path.resolve()


def build_file(warehouse: Path) -> Path:
    """Where runs build `warehouse`: `.<name>_build.duckdb` beside it. Readers open `warehouse`
    itself, a copy of the last complete build that each successful run replaces whole
    (orchestration/publishing.py)."""
    return warehouse.parent / f".{warehouse.stem}_build{warehouse.suffix}"


def goals_file(warehouse: Path) -> Path:
    """The goals users manage (`ads-analytics goals`, the dashboard's Goals): `<name>_goals.jsonl`
    beside `warehouse`, one goal per line. A warehouse without one measures the project's
    example goals (dbt_project/seeds)."""
    return warehouse.parent / f"{warehouse.stem}_goals.jsonl"


def goals_env(warehouse: Path) -> dict[str, str]:
    """What tells dbt which goals to measure: `warehouse`'s goals file, when it has one."""
    path = goals_file(warehouse)
    return {GOALS_FILE_ENV: str(path)} if path.exists() else {}


def engine() -> str:
    """The engine that builds the models: `ADS_ANALYTICS_ENGINE`, else `duckdb`."""
    name = (os.environ.get(ENGINE_ENV) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_ENV}={name!r} is not an engine; choose one of "
                         f"{', '.join(ENGINES)}")
    return name


def spark_home(warehouse: Path) -> Path:
    """The Spark engine's folder beside `warehouse` (`<name>_spark/`): its raw Parquet, its
    tables (`tables/`) and its metastore, one per warehouse as dlt's state and dbt's target."""
    return warehouse.parent / f"{warehouse.stem}_spark"


def raw_parquet_dir(warehouse: Path) -> Path | None:
    """Where the sources land as Parquet: `ADS_ANALYTICS_RAW_PARQUET`, else `raw/` in the
    Spark folder when Spark is the engine; None when they load into the DuckDB file."""
    configured = os.environ.get(RAW_PARQUET_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return spark_home(warehouse) / "raw" if engine() == "spark" else None


def dbt_project_vars() -> dict:
    """The vars of the dbt project as `dbt_project.yml` sets them (the values the models use
    unless a run overrides them)."""
    import yaml

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def dbt_project_var(name: str):
    return dbt_project_vars()[name]


def portal_time_zone(warehouse: Path | None = None) -> str:
    """The portal's zone, for the schedule and the daily partitions: the portal's own as loaded
    into the warehouse, or `ADS_ANALYTICS_PORTAL_TIME_ZONE`, its override (the zone the marts
    bucket CRM days in too); UTC before any portal is loaded."""
    return loaded_settings(warehouse or warehouse_path()).time_zone


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in this process's environment within, each variable restored after (unset
    when it was not set)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
