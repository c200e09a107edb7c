"""`ads-analytics-dbt`: dbt, with Python models able to run on a local Spark.

dbt-spark runs Python models only by sending them to a Databricks cluster; with its `session`
method (a local pyspark in the dbt process) it has no way to run one. This entry point adds
that way before handing over to dbt's own command line: the model's compiled code runs in the
dbt process against the session's `spark`, and writes its table through it, as dbt-spark's
generated code does on a cluster. Everything else is plain dbt, on either engine; the
orchestration, the tests and the benchmarks run dbt through this command.
"""

from __future__ import annotations

import os
import sys
from typing import Any


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
    from orchestration.paths import ENGINE_ENV

    chosen = os.environ.get(ENGINE_ENV, "").strip().lower() == "spark"
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("--target", "-t"):
            chosen = value == "spark"
    return chosen or "--target=spark" in args


def main() -> None:
    # dbt-spark imports in about 1 s (half of it beyond what dbt-duckdb imports too): only
    # for commands that need it.
    if builds_on_spark(sys.argv[1:]):
        allow_python_models_on_a_spark_session()
    from dbt.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
