"""Run Great Expectations 1.x suites against warehouse tables.

Tables are read through a read-only DuckDB connection into pandas and validated there: GX's
SQLAlchemy path through duckdb_engine fails on some expectations, and a read-only reader never
competes with the pipeline's single writer.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from core.layout import WarehouseLayout

if TYPE_CHECKING:
    from expectations.suites import Suite

logging.getLogger("great_expectations").setLevel(logging.WARNING)


class SuiteError(RuntimeError):
    """A suite could not be validated (as opposed to failing its expectations)."""


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
    docs_root: Path | None = None,
    context: Any = None,
) -> SuiteResult:
    """Validate `frame` against GX expectation objects; failures carry offending keys.

    With `docs_root`, the suite and its result are kept in a file Data Context there (render
    them with `build_docs`; `context`, that Data Context already open); otherwise nothing is
    written."""
    if context is None:
        context = data_context(docs_root)
    source = context.data_sources.add_or_update_pandas(name="warehouse")
    asset_name = table.replace(".", "__")
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(name=asset_name)
    try:
        batch_definition = asset.get_batch_definition("whole")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    if docs_root is not None:
        suite.save()
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if key_columns:
        result_format["unexpected_index_column_names"] = key_columns
    if docs_root is None:
        outcome = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            suite, result_format=result_format)
    else:
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
        # The result is stored with the context; `build_docs` renders every stored one at once.
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=suite_name, validation_definitions=[definition], actions=[],
            result_format=result_format))
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        outcome = next(iter(run.run_results.values()))
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
            column=config.kwargs.get("column") or ", ".join(
                str(config.kwargs[k]) for k in ("column_A", "column_B") if k in config.kwargs),
            unexpected_count=int(details.get("unexpected_count") or 0),
            sample=[_plain(row) for row in list(sample)[:20]],
        ))
    return SuiteResult(suite=suite_name, table=table, success=bool(outcome.success),
                       evaluated=len(outcome.results), rows=len(frame), failures=failures)


def data_context(docs_root: Path | None = None) -> Any:
    """A file Data Context in `docs_root` (made when missing), else an ephemeral one. Opening
    one reads its whole configuration (a few hundred YAML reads): the suites of a run share one."""
    if docs_root is None:
        context = gx.get_context(mode="ephemeral")
    else:
        docs_root.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs_root))
    # Progress bars belong to the CLI's own display, not to every validation.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _plain(value: Any) -> Any:
    """A sample row as plain Python values (numpy scalars and dates as text)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, dt.date | dt.datetime | decimal.Decimal):
        return str(value)
    return value


# Validation results kept per suite (one a run): the Data Docs show this much history.
KEEP_RESULTS = 30


def build_docs(docs_root: Path, keep: int = KEEP_RESULTS, context: Any = None) -> Path:
    """Render the Data Docs (HTML) of every suite and its newest `keep` results under
    `docs_root` (`context`: its Data Context, already open); older results (and their pages)
    are removed, so a daily run's docs stay small."""
    uncommitted = docs_root / "gx" / "uncommitted"
    for folder in (uncommitted / "validations", uncommitted / "data_docs" / "local_site" /
                   "validations"):
        # <suite>/<run name>/<run time>/...: run times sort as text (ISO-like stamps)
        for run_name in folder.glob("*/*"):
            runs = sorted(p for p in run_name.iterdir() if p.is_dir())
            for old in runs[:-keep] if keep else runs:
                shutil.rmtree(old, ignore_errors=True)
    context = context or data_context(docs_root)
    context.build_data_docs()
    return docs_index(docs_root)


def docs_index(docs_root: Path) -> Path:
    """Where the Data Docs site built under `docs_root` starts."""
    return docs_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def quality_dir(warehouse: Path) -> Path:
    """The Great Expectations project (suites, results, Data Docs) kept beside a warehouse."""
    return WarehouseLayout(warehouse).quality


def run_suite(suite: Suite, warehouse: Path, docs_root: Path | None = None,
              context: Any = None) -> SuiteResult:
    """Read the suite's frame from the warehouse (read-only) and validate it (`context`: the
    Data Context of `docs_root`, already open). A frame that cannot be read (a table missing,
    usually) raises SuiteError naming the suite."""
    try:
        frame = read_table(warehouse, suite.query)
    except duckdb.Error as exc:
        raise SuiteError(f"suite {suite.name} could not run: {exc}") from exc
    return validate_frame(frame, suite.name, suite.expectations(), suite.asset,
                          key_columns=suite.key, docs_root=docs_root, context=context)


def run_suites(suites: Iterable[Suite], warehouse: Path, docs_root: Path | None = None
               ) -> tuple[list[tuple[Suite, SuiteResult]], Path]:
    """Validate `suites` on the warehouse, keeping their results beside it, then build the Data
    Docs once: the results in order, and the Data Docs' index page."""
    docs_root = docs_root or quality_dir(warehouse)
    context = data_context(docs_root)
    results = [(suite, run_suite(suite, warehouse, docs_root, context)) for suite in suites]
    return results, build_docs(docs_root, context=context)
