"""`ads-analytics-dbt`: dbt, with Python models able to run on a local Spark.

dbt-spark runs Python models only by sending them to a Databricks cluster; with its `session`
method (a local pyspark in the dbt process) it has no way to run one. This entry point adds
that way before handing over to dbt's own command line: the model's compiled code runs in the
dbt process against the session's `spark`, and writes its table through it, as dbt-spark's
generated code does on a cluster. Everything else is plain dbt, on either engine; the
orchestration, the tests and the benchmarks run dbt through this command.

After a command that builds on Spark, it also writes `spark_relations.json` in dbt's target
folder: each relation the command built, with its kind, location, columns and their Spark
types, and its partition columns, read from the same session's catalog. The orchestration
publishes the read side from it (orchestration/read_side.py) without starting a Spark of its
own.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from orchestration.dbt_parse import ParseSeed

# What a Spark build writes in dbt's target folder (see the module's docstring).
SPARK_RELATIONS_FILE = "spark_relations.json"
BUILDING_COMMANDS = ("build", "run", "seed")


class SessionPythonJob:
    """Runs a compiled Python model in this process, against the session's Spark."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.name = f"<dbt python model {parsed_model.get('alias') or parsed_model['name']}>"

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        # The session method built it when it connected; builder returns that one.
        spark = SparkSession.builder.getOrCreate()
        exec(compile(compiled_code, self.name, "exec"), {"spark": spark, "__name__": self.name})


def allow_python_models_on_a_spark_session() -> None:
    """Register `session` as dbt-spark's way of running Python models, the default when the
    connection is a session. A no-op without dbt-spark."""
    try:
        from dbt.adapters.spark.impl import SparkAdapter
    except ImportError:
        return
    helpers = SparkAdapter.python_submission_helpers.fget

    def python_submission_helpers(self: SparkAdapter) -> dict:
        return {**helpers(self), "session": SessionPythonJob}

    def default_python_submission_method(self: SparkAdapter) -> str:
        method = getattr(self.connections.profile.credentials, "method", None)
        return "session" if str(method) == "session" else "all_purpose_cluster"

    SparkAdapter.python_submission_helpers = property(python_submission_helpers)
    SparkAdapter.default_python_submission_method = property(default_python_submission_method)


def builds_on_spark(args: list[str]) -> bool:
    """Whether this dbt command uses the `spark` target: `ADS_ANALYTICS_ENGINE` (which the
    profile's default target follows), or `--target`/`-t spark` on the command line."""
    from core.settings import ENGINE_ENV

    chosen = os.environ.get(ENGINE_ENV, "").strip().lower() == "spark"
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("--target", "-t"):
            chosen = value == "spark"
    return chosen or "--target=spark" in args


def option(args: list[str], name: str) -> str | None:
    """The value of option `name` in `args` (`--name value` or `--name=value`), or None."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def target_path(args: list[str]) -> Path:
    """dbt's target folder for this command: `--target-path`, `DBT_TARGET_PATH`, else `target`
    in the project folder."""
    chosen = option(args, "--target-path") or os.environ.get("DBT_TARGET_PATH")
    if chosen:
        return Path(chosen)
    return Path(option(args, "--project-dir") or ".") / "target"


def built_relations(target: Path) -> list[tuple[str, str]]:
    """(schema, name) of each model and seed the command built (run_results.json)."""
    results_file, manifest_file = target / "run_results.json", target / "manifest.json"
    if not results_file.exists() or not manifest_file.exists():
        return []
    nodes = json.loads(manifest_file.read_text())["nodes"]
    built = []
    for result in json.loads(results_file.read_text())["results"]:
        node = nodes.get(result["unique_id"])
        if (node and result["status"] == "success"
                and node["resource_type"] in ("model", "seed")):
            built.append((node["schema"], node.get("alias") or node["name"]))
    return built


def describe_relations(spark: Any, relations: list[tuple[str, str]]) -> list[dict]:
    """Each relation as the session's catalog has it: `kind` (table or view), `location`,
    `columns` ([name, Spark type] in the table's order), `partitioned_by`."""
    described = []
    for schema, name in relations:
        qualified = f"{schema}.{name}"
        table = spark.catalog.getTable(qualified)
        kind = "view" if table.tableType in ("VIEW", "TEMPORARY") else "table"
        columns = spark.catalog.listColumns(qualified)
        location = None
        if kind == "table":
            rows = spark.sql(f"describe table extended {qualified}").collect()
            location = next((row.data_type for row in rows if row.col_name == "Location"), None)
        described.append({
            "schema": schema, "name": name, "kind": kind, "location": location,
            "columns": [[column.name, column.dataType] for column in columns],
            "partitioned_by": [column.name for column in columns if column.isPartition],
        })
    return described


def write_spark_relations(args: list[str]) -> None:
    """`spark_relations.json` for what this command built, from the live session."""
    target = target_path(args)
    relations = built_relations(target)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None and not relations:
        return
    spark = active or SparkSession.builder.getOrCreate()
    (target / SPARK_RELATIONS_FILE).write_text(
        json.dumps(describe_relations(spark, relations), indent=1))


def command(args: list[str]) -> str | None:
    """dbt's subcommand in `args` (the first word that is not an option or its value)."""
    from dbt.cli.main import cli

    return next((arg for arg in args if arg in cli.commands), None)


# A JSON list of raw tables (`raw_hubspot.contacts`, ...) that a Spark build registers first,
# in its own session (the orchestration's tables loaded since the last registration).
REGISTER_RAW_ENV = "ADS_ANALYTICS_REGISTER_RAW"
# The options of a command that the registration before it shares.
SHARED_OPTIONS = ("--project-dir", "--profiles-dir", "--profile", "--target", "--target-path",
                  "--log-path", "--log-format")


def register_raw_first(args: list[str]) -> None:
    """Register the raw tables `ADS_ANALYTICS_REGISTER_RAW` names, in this process's Spark
    (which the build after it then reuses)."""
    tables = json.loads(os.environ.get(REGISTER_RAW_ENV) or "[]")
    if not tables:
        return
    from dbt.cli.main import dbtRunner

    shared = [part for name in SHARED_OPTIONS if (value := option(args, name))
              for part in (name, value)]
    result = dbtRunner().invoke(["run-operation", "register_raw_parquet",
                                 "--args", json.dumps({"tables": tables}), *shared])
    if not result.success:
        print(f"ads-analytics-dbt: registering the raw tables {', '.join(tables)} failed: "
              f"{result.exception or 'see the log above'}", file=sys.stderr)
        sys.exit(2)


_CHILD_LOCK = None


def end_with_the_run(poll_seconds: float = 0.5) -> None:
    """In a dbt a run started (`CHILD_LOCK_ENV` set): hold the run's child lock, and exit when
    the process that started this one is gone (a run killed with `kill -9` cannot stop its
    children; this one then stops itself within `poll_seconds`, freeing the warehouse)."""
    from core.locking import hold_as_child
    from core.settings import CHILD_LOCK_ENV

    global _CHILD_LOCK
    # kept open (and locked) for the process's life
    _CHILD_LOCK = hold_as_child(os.environ.get(CHILD_LOCK_ENV))
    if _CHILD_LOCK is None:
        return
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                print("ads-analytics-dbt: the run that started this dbt has ended; stopping",
                      file=sys.stderr, flush=True)
                os._exit(3)

    threading.Thread(target=watch, name="end-with-the-run", daemon=True).start()


# The options that choose what a parse holds besides the environment: the profile's target and
# the project's vars.
PARSE_OPTIONS = ("--target", "-t", "--profile", "--vars")


def parse_seed(args: list[str], target: Path) -> ParseSeed | None:
    """Where a command on this project, building the warehouse the environment names into the
    target folder `target`, keeps its parse for the next new warehouse and finds another's
    (orchestration/dbt_parse.py); None for another project or profile, or a target folder not
    given as an absolute path."""
    from core.paths import DBT_PROFILES_DIR, DBT_PROJECT_DIR
    from core.settings import WAREHOUSE_ENV

    project, profiles = option(args, "--project-dir"), option(args, "--profiles-dir")
    warehouse = os.environ.get(WAREHOUSE_ENV)
    if (not project or not profiles or not warehouse
            or Path(project).resolve() != DBT_PROJECT_DIR
            or Path(profiles).resolve() != DBT_PROFILES_DIR
            or not target.is_absolute()):
        return None
    chosen = [part for name in PARSE_OPTIONS if (value := option(args, name)) is not None
              for part in (name, value)]
    return ParseSeed(Path(warehouse), {}, chosen)


def main() -> None:
    end_with_the_run()
    args = sys.argv[1:]
    # dbt-spark imports in about 1 s (half of it beyond what dbt-duckdb imports too): only
    # for commands that need it.
    on_spark = builds_on_spark(args)
    if on_spark:
        allow_python_models_on_a_spark_session()
    from dbt.cli.main import cli

    building = on_spark and command(args) in BUILDING_COMMANDS
    # A new target folder starts its parse from another warehouse's, as the steps' do.
    target = target_path(args)
    seed = parse_seed(args, target)
    try:
        with seed.parsing(target) if seed is not None else contextlib.nullcontext():
            if building:
                register_raw_first(args)
            cli()
    finally:
        if building:
            try:
                write_spark_relations(args)
            except Exception as exc:  # noqa: BLE001 (dbt's own exit code stays the command's)
                # The orchestration then refuses to publish a read side without the list.
                print(f"ads-analytics-dbt: listing what Spark built failed: {exc}",
                      file=sys.stderr)


if __name__ == "__main__":
    main()
