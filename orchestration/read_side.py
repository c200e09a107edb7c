"""The DuckDB file as the read side of a warehouse that Spark builds.

With Spark as the engine, the models are built by Spark into Parquet (`<warehouse>_spark/`),
and everything that reads the warehouse (the quality checks, the reports, the dashboard, the
report CLI, an analyst's `duckdb`) still opens the DuckDB file. The file holds no copy of the
data, only views, published after each load and each build:
- the raw tables: `register_raw_parquet` on the DuckDB target, views over the Parquet that dlt
  wrote (each key's newest row, as on Spark);
- each table Spark built (seeds, tables, incremental models): a view over the table's own
  Parquet files, its columns cast to the types Spark's catalog gives them (read from the build's
  `spark_relations.json`); a table with no file yet is an empty view of those columns;
- each view Spark built (the staging models, most intermediate ones): the same dbt model built
  by dbt on the DuckDB target, over the views above.
The views read the files when queried, so a reader sees what the last build wrote; nothing is
copied, at any size.

On Spark, the raw tables are registered only when they are new or their columns changed (the
tables over the folders see new files anyway), and the orchestration leaves that to the next
Spark build: `ads-analytics-dbt` registers them in the build's own session
(`ADS_ANALYTICS_REGISTER_RAW`) rather than starting a Spark for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import duckdb

from core.layout import WarehouseLayout
from core.paths import DBT_PROJECT_DIR, dbt_executable
from core.publishing import WarehouseBusy, connect, newest
from core.settings import RAW_PARQUET_ENV, Settings
from orchestration.dbt_cli import SPARK_RELATIONS_FILE, built_relations

# The DuckDB type of each Spark type the models produce; anything else (arrays, maps, structs)
# is read with the type its Parquet gives.
SPARK_TYPES = {
    "string": "VARCHAR", "boolean": "BOOLEAN",
    "tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER", "bigint": "BIGINT",
    "float": "FLOAT", "double": "DOUBLE",
    "date": "DATE", "timestamp": "TIMESTAMPTZ", "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB",
}
# What raw tables Spark has registered, and with which columns (in the Spark folder); and those
# loaded since, new or changed, that the next Spark build registers first.
REGISTERED_FILE = "raw_registered.json"
PENDING_FILE = "raw_pending.json"


class ReadSideError(RuntimeError):
    """Publishing the read side failed; the message names the relation or the dbt command."""


class EngineMismatchError(ValueError):
    """The warehouse file was built by the other engine."""


def duckdb_type(spark_type: str) -> str | None:
    spark_type = spark_type.strip().lower()
    if decimal := re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", spark_type):
        return f"DECIMAL({decimal[1]}, {decimal[2]})"
    return SPARK_TYPES.get(spark_type)


def local_or_remote(location: str) -> str:
    """A Spark location as DuckDB reads it: a local path without `file:` (percent-decoded, as
    a URI), `s3a://` as `s3://`."""
    if location.startswith("file:"):
        return unquote(re.sub(r"^file:(//)?", "", location))
    return re.sub(r"^s3a://", "s3://", location)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def files_pattern(relation: dict) -> str:
    """The table's data files: `*.parquet` in its folder, under one folder per partition
    column (`date_day=2025-01-01/`). Spark's work folders (`_temporary`, `.spark-staging-*`)
    and marker files do not match."""
    folders = "".join(f"{column}=*/" for column in relation["partitioned_by"])
    return f"{local_or_remote(relation['location']).rstrip('/')}/{folders}*.parquet"


def table_view_sql(con: duckdb.DuckDBPyConnection, relation: dict) -> str:
    """`create or replace view` over a Spark table's Parquet files, with Spark's column types."""
    name = f"{quoted(relation['schema'])}.{quoted(relation['name'])}"
    if not relation.get("location"):
        raise ReadSideError(f"{relation['schema']}.{relation['name']}: Spark's catalog gives "
                            "the table no location")
    pattern = files_pattern(relation)
    has_files = con.execute("select count(*) from glob(?)", [pattern]).fetchone()[0] > 0
    columns = []
    for column, spark_type in relation["columns"]:
        target = duckdb_type(spark_type)
        if has_files:
            columns.append(f"cast({quoted(column)} as {target}) as {quoted(column)}"
                           if target else quoted(column))
        else:
            columns.append(f"cast(null as {target or 'VARCHAR'}) as {quoted(column)}")
    if not has_files:
        # Spark writes no file for a partitioned table without rows.
        return f"create or replace view {name} as select {', '.join(columns)} where false"
    partitioned = "true" if relation["partitioned_by"] else "false"
    literal = pattern.replace("'", "''")
    return (f"create or replace view {name} as select {', '.join(columns)} "
            f"from read_parquet('{literal}', hive_partitioning = {partitioned}, "
            "hive_types_autocast = false, union_by_name = true)")


def raw_tables_with_files(root: Path | None) -> list[str]:
    """`schema.table` of every raw table dlt has written Parquet files for under `root`."""
    if root is None or not root.exists():
        return []
    return sorted(f"{table.parent.name}.{table.name}"
                  for table in root.glob("raw_*/*") if table.is_dir()
                  and not table.name.startswith("_") and any(table.glob("*.parquet")))


def read_side_target(warehouse: Path) -> Path:
    """dbt's target folder for the read side's DuckDB builds (its own parse: another target)."""
    return WarehouseLayout(warehouse).dbt_read_side_target


def run_dbt(warehouse: Path, args: list[str], raw_root: Path | None = None) -> None:
    """One dbt command on the DuckDB target, building `warehouse`'s read side in its build file
    (which the run publishes), with `raw_root` as the raw Parquet folder (else the Spark
    folder's); its errors in the exception."""
    target = read_side_target(warehouse)
    spark = Settings(warehouse=warehouse, engine="spark")
    env = {**os.environ, **spark.dbt_environment(engine="duckdb")}
    if raw_root is not None:
        env[RAW_PARQUET_ENV] = str(raw_root)
    completed = subprocess.run(
        [dbt_executable(), *args, "--target", "duckdb", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
         "--log-path", str(target), "--no-use-colors"],
        env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip().splitlines()
        errors = [line for line in output if "error" in line.lower()] or output
        raise ReadSideError(f"dbt {args[0]} for the read side in {warehouse} failed:\n"
                            + "\n".join(errors[-12:]))


def publish_built(warehouse: Path, spark_target: Path, raw_root: Path | None = None
                  ) -> list[str]:
    """Publish what one Spark build made (its `spark_relations.json`) into the DuckDB file (with
    `raw_root` as the raw Parquet folder, else the Spark folder's); the relations published, as
    `schema.name`."""
    listing = spark_target / SPARK_RELATIONS_FILE
    if not listing.exists():
        if built_relations(spark_target):
            raise ReadSideError(
                f"dbt built on Spark but wrote no {SPARK_RELATIONS_FILE} in {spark_target}: "
                "run dbt as `ads-analytics-dbt`, which lists what a Spark build made")
        return []
    relations = json.loads(listing.read_text())
    tables = [r for r in relations if r["kind"] == "table"]
    views = [r for r in relations if r["kind"] == "view"]
    try:
        con = connect(WarehouseLayout(warehouse).build)
    except (duckdb.Error, WarehouseBusy) as exc:
        raise ReadSideError(f"opening {WarehouseLayout(warehouse).build} to publish Spark's tables "
                            f"failed: {exc}") from None
    with con:
        for relation in tables:
            try:
                con.execute(f"create schema if not exists {quoted(relation['schema'])}")
                con.execute(table_view_sql(con, relation))
            except duckdb.Error as exc:
                raise ReadSideError(f"{relation['schema']}.{relation['name']}: reading Spark's "
                                    f"files {files_pattern(relation)} failed: {exc}") from None
    if views:
        # The same models on DuckDB, over the tables' views: dbt orders them.
        run_dbt(warehouse, ["run", "--select", " ".join(r["name"] for r in views), "--quiet"],
                raw_root)
    return [f"{r['schema']}.{r['name']}" for r in relations]


def raw_columns(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """The columns of every load's files of one raw table, merged by name."""
    literal = str(folder / "*.parquet").replace("'", "''")
    described = con.execute(
        f"describe select * from read_parquet('{literal}', union_by_name = true)").fetchall()
    return sorted(f"{row[0]} {row[1]}" for row in described)


def register_raw(warehouse: Path, raw_root: Path, dataset: str | None = None) -> list[str]:
    """Register the raw Parquet of `dataset` (every source's when None): views in the DuckDB file
    every time; the tables new or changed since Spark last registered them are left to the next
    Spark build (`pending_raw`), which registers them in its own session. Those tables."""
    tables = [table for table in raw_tables_with_files(raw_root)
              if dataset is None or table.split(".")[0] == dataset]
    if not tables:
        return []
    run_dbt(warehouse,
            ["run-operation", "register_raw_parquet", "--args", json.dumps({"tables": tables})],
            raw_root)
    registered = _read_state(warehouse, REGISTERED_FILE)
    with duckdb.connect() as con:
        try:
            columns = {table: raw_columns(con, raw_root.joinpath(*table.split(".")))
                       for table in tables}
        except duckdb.Error as exc:
            raise ReadSideError(f"reading the raw Parquet under {raw_root} failed: "
                                f"{exc}") from None
    changed = {table: columns[table] for table in tables
               if registered.get(table) != columns[table]}
    if changed:
        _write_state(warehouse, PENDING_FILE,
                     {**_read_state(warehouse, PENDING_FILE), **changed})
    return sorted(changed)


def pending_raw(warehouse: Path) -> dict[str, list[str]]:
    """The raw tables loaded as Parquet that Spark has yet to register, with their columns."""
    return _read_state(warehouse, PENDING_FILE)


def mark_registered(warehouse: Path, tables: dict[str, list[str]]) -> None:
    """Record that Spark registered `tables` (with those columns)."""
    _write_state(warehouse, REGISTERED_FILE,
                 {**_read_state(warehouse, REGISTERED_FILE), **tables})
    pending = _read_state(warehouse, PENDING_FILE)
    _write_state(warehouse, PENDING_FILE, {table: columns for table, columns in pending.items()
                                           if tables.get(table) != columns})


def _read_state(warehouse: Path, name: str) -> dict:
    """A registration record in the Spark folder; empty when the metastore is gone (Spark
    then knows no table, whatever the record says)."""
    home = WarehouseLayout(warehouse).spark_home
    path = home / name
    metastore_gone = name == REGISTERED_FILE and not (home / "metastore_db").exists()
    if metastore_gone or not path.exists():
        return {}
    return json.loads(path.read_text())


def _write_state(warehouse: Path, name: str, state: dict) -> None:
    home = WarehouseLayout(warehouse).spark_home
    home.mkdir(parents=True, exist_ok=True)
    (home / name).write_text(json.dumps(state, indent=1, sort_keys=True))


def built_by(warehouse: Path) -> str | None:
    """Which engine's warehouse the DuckDB file is (its build, else the published file): `duckdb`
    when dlt loaded raw tables into it, `spark` when its raw tables are views over Parquet (a
    Spark build's read side), None when it has neither (new, or empty)."""
    built = newest(warehouse)
    if not built.exists():
        return None
    # (a process still holding the build, such as the dbt of a run killed a moment ago, is
    # waited for, and named when it does not let go)
    with connect(built, read_only=True,
                 on_wait=lambda message: print(message, flush=True)) as con:
        kinds = {kind for (kind,) in con.execute("""
            select distinct table_type from information_schema.tables
            where table_schema like 'raw\\_%' escape '\\'
                and table_name not like '\\_dlt%' escape '\\'""").fetchall()}
    if "BASE TABLE" in kinds:
        return "duckdb"
    return "spark" if "VIEW" in kinds else None


def check_engine(warehouse: Path, engine: str) -> None:
    """Refuse to build `warehouse` with `engine` when the other engine built it: the raw
    tables of one would collide with the other's, and nothing already loaded is dropped."""
    other = built_by(warehouse)
    if other is not None and other != engine:
        raise EngineMismatchError(
            f"{warehouse} holds a warehouse built on {other}, not {engine}: its raw tables "
            f"are {'loaded into the file' if other == 'duckdb' else 'views over Parquet'}. "
            f"Run on {other} (--target {other}), or give {engine} its own file (--warehouse)")
