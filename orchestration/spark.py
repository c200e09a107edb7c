"""The Spark engine's settings, shared by dbt (profiles.yml), the orchestration and readers.

Spark keeps its state in a folder beside the warehouse (`spark_home`): the raw Parquet that dlt
writes (`raw/`), Spark's tables (`tables/`) and the metastore that names them (Derby, one
process at a time). dbt's `spark` target reads the folder from `ADS_ANALYTICS_SPARK_HOME`; a
reader opens a session over the same folder with `session()`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from orchestration.paths import (
    DBT_PROFILES_DIR,
    ENGINE_ENV,
    RAW_PARQUET_ENV,
    WAREHOUSE_ENV,
    spark_home,
)

SPARK_HOME_ENV = "ADS_ANALYTICS_SPARK_HOME"


def engine_env(warehouse: Path, engine: str) -> dict[str, str]:
    """The environment dbt and dlt need to build `warehouse` with `engine`."""
    env = {WAREHOUSE_ENV: str(warehouse), ENGINE_ENV: engine}
    if engine == "spark":
        env[SPARK_HOME_ENV] = str(spark_home(warehouse))
        env[RAW_PARQUET_ENV] = (os.environ.get(RAW_PARQUET_ENV)
                                or str(spark_home(warehouse) / "raw"))
    return env


def raw_tables_with_files(root: Path | None) -> list[str]:
    """`schema.table` of every raw table dlt has written Parquet files for under `root`."""
    if root is None or not root.exists():
        return []
    return sorted(f"{table.parent.name}.{table.name}"
                  for table in root.glob("raw_*/*") if table.is_dir()
                  and not table.name.startswith("_") and any(table.glob("*.parquet")))


def session_settings(warehouse: Path) -> dict[str, str]:
    """The Spark settings of the dbt profile's `spark` output, for `warehouse`."""
    from jinja2 import Environment

    env = {**os.environ, **engine_env(warehouse, "spark")}
    text = (DBT_PROFILES_DIR / "profiles.yml").read_text()
    rendered = Environment().from_string(text).render(
        env_var=lambda name, default=None: env.get(name, default))
    output = yaml.safe_load(rendered)["ads_analytics"]["outputs"]["spark"]
    return {key: str(value) for key, value in output["server_side_parameters"].items()}


def session(warehouse: Path) -> Any:
    """A Spark session over `warehouse`'s Spark tables, as dbt's `spark` target builds them.
    The metastore admits one process: not while dbt runs on the same warehouse."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("ads-analytics")
    for key, value in session_settings(warehouse).items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()
