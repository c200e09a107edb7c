"""The Spark engine's settings, shared by dbt (profiles.yml), the orchestration, the tests and
the benchmarks.

Spark keeps its state in a folder beside the warehouse (`spark_home`): the raw Parquet that dlt
writes (`raw/`), Spark's tables (`tables/`) and the metastore that names them (Derby, one
process at a time). dbt's `spark` target reads the folder from `ADS_ANALYTICS_SPARK_HOME`;
readers read Spark's tables through the DuckDB file (orchestration/read_side.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.paths import (
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
