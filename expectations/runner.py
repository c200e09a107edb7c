"""Run Great Expectations 1.x suites against warehouse tables.

Tables are read through a read-only DuckDB connection into pandas and validated there: GX's
SQLAlchemy path through duckdb_engine fails on some expectations, and a read-only reader never
competes with the pipeline's single writer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    unexpected_count: int
    sample: list[Any]


@dataclass
class SuiteResult:
    suite: str
    table: str
    success: bool
    evaluated: int
    rows: int
    failures: list[FailedExpectation] = field(default_factory=list)

    def describe(self) -> str:
        if self.success:
            return f"{self.suite} on {self.table}: {self.evaluated} expectations passed"
        parts = [f"{f.expectation}({f.column}): {f.unexpected_count} rows, e.g. {f.sample[:5]}"
                 for f in self.failures]
        return f"{self.suite} on {self.table} failed: " + "; ".join(parts)


def read_table(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).df()


def validate_frame(
    frame: pd.DataFrame,
    suite_name: str,
    expectations: list[Any],
    table: str,
    key_columns: list[str] | None = None,
) -> SuiteResult:
    """Validate `frame` against GX expectation objects; failures carry offending keys."""
    context = gx.get_context(mode="ephemeral")
    # Progress bars belong to the CLI's own display, not to every validation.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas(name="warehouse")
    asset = source.add_dataframe_asset(name=table.replace(".", "__"))
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame})
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if key_columns:
        result_format["unexpected_index_column_names"] = key_columns
    outcome = batch.validate(suite, result_format=result_format)
    failures = []
    for item in outcome.results:
        if item.success:
            continue
        config = item.expectation_config
        details = item.result or {}
        sample = (details.get("unexpected_index_list")
                  or details.get("partial_unexpected_list") or [])
        failures.append(FailedExpectation(
            expectation=config.type,
            column=config.kwargs.get("column"),
            unexpected_count=int(details.get("unexpected_count") or 0),
            sample=list(sample)[:20],
        ))
    return SuiteResult(suite=suite_name, table=table, success=bool(outcome.success),
                       evaluated=len(outcome.results), rows=len(frame), failures=failures)
