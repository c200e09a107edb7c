"""Great Expectations suites (expectations/suites.py) surfaced as Dagster asset checks.

One check per suite, on the model the suite guards. A blocking suite's failure is an error (the
run fails and says which rows); a warning suite's is a warning the run reports and passes. Every
result carries the failed expectations, how many rows offend, a sample of their keys, and where
the Data Docs page of the validation is.
"""

from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetsDefinition,
    MetadataValue,
    multi_asset_check,
)

from expectations.suites import SUITES, Suite
from orchestration.resources import Warehouse

if TYPE_CHECKING:
    from expectations.runner import SuiteResult


def to_check_result(suite: Suite, result: "SuiteResult", docs: Path | None = None
                    ) -> AssetCheckResult:
    metadata = {
        "rows": result.rows,
        "expectations_evaluated": result.evaluated,
        "failed_expectations": [f"{f.expectation}({f.column})" for f in result.failures],
        "offending_rows": sum(f.unexpected_count for f in result.failures),
        "offending_sample": MetadataValue.json(
            [s for f in result.failures for s in f.sample][:10]),
    }
    if docs is not None:
        metadata["data_docs"] = MetadataValue.path(str(docs))
    return AssetCheckResult(
        asset_key=AssetKey([suite.asset]),
        check_name=suite.check_name,
        passed=result.success,
        severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
        description=result.describe(),
        metadata=metadata,
    )


def _spec(suite: Suite) -> AssetCheckSpec:
    return AssetCheckSpec(
        name=suite.check_name,
        asset=AssetKey([suite.asset]),
        additional_deps=[AssetKey([name]) for name in suite.reads],
        blocking=suite.blocking,
        description=f"Great Expectations{' (warns)' if not suite.blocking else ''}: "
                    f"{suite.description}",
    )


def build_quality_checks() -> AssetsDefinition:
    """Every suite as one check each; they run together, after the models they read."""

    @multi_asset_check(
        specs=[_spec(suite) for suite in SUITES],
        name="great_expectations",
        can_subset=True,
    )
    def great_expectations(context: AssetCheckExecutionContext, warehouse: Warehouse):
        # (Great Expectations is imported when the checks run, not with the definitions)
        from expectations.runner import run_suites

        selected = {key.name for key in context.selected_asset_check_keys}
        results, docs = run_suites(
            [suite for suite in SUITES if suite.check_name in selected], warehouse.build,
            docs_root=warehouse.layout.quality)
        for suite, result in results:
            yield to_check_result(suite, result, docs)

    return great_expectations
