"""Great Expectations suites surfaced as Dagster asset checks."""


from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetKey, asset_check

from expectations import spend
from expectations.runner import SuiteResult
from orchestration.resources import Warehouse


def to_check_result(result: SuiteResult) -> AssetCheckResult:
    return AssetCheckResult(
        passed=result.success,
        description=result.describe(),
        metadata={
            "rows": result.rows,
            "expectations_evaluated": result.evaluated,
            "failed_expectations": [f"{f.expectation}({f.column})" for f in result.failures],
            "offending_rows": sum(f.unexpected_count for f in result.failures),
            "offending_sample": str([s for f in result.failures for s in f.sample][:10]),
        },
    )


@asset_check(
    asset=AssetKey(["fct_ad_performance_daily"]),
    name="gx_spend_suite",
    blocking=True,
    description="Great Expectations: spend present and non-negative, currency set, key unique.",
)
def spend_suite_check(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> AssetCheckResult:
    return to_check_result(spend.validate(warehouse.file))
