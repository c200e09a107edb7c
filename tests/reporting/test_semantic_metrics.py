"""The semantic layer's metrics are written from the report catalog (reporting.semantic_layer):
the checked-in file is what it writes, and each catalog metric means in MetricFlow what it
means in the reports: the same column of the same fact summed, a ratio of the same parts, the
CRM metrics under the reports' default attribution."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reporting.catalog import DEFAULT_ATTRIBUTION, LEVELS, METRICS, ROI_SETTINGS
from reporting.queries import CREDIT_FACT, CREDITED_SUMS, PERFORMANCE_COLUMNS
from reporting.semantic_layer import COMMAND, METRICS_FILE, main, render

SEMANTIC_MODELS = METRICS_FILE.with_name("_semantic_models.yml")
FACTS = [LEVELS[level].performance for level in ("campaign", "ad", "keyword")]
# Computed by the reports from contacts and customers; a column of the credit fact that dbt
# computes with the same formula and settings.
ESTIMATE = ("estimated_revenue", "estimated_revenue_company_currency")
# MetricFlow metrics the reports have no name for: contacts counted once over any grouping.
SEMANTIC_ONLY = {"distinct_contacts", "distinct_contacts_by_model", "cost_per_distinct_contact"}


@pytest.fixture(scope="module")
def metrics() -> dict[str, dict]:
    parsed = yaml.safe_load(METRICS_FILE.read_text(encoding="utf-8"))
    return {metric["name"]: metric for metric in parsed["metrics"]}


@pytest.fixture(scope="module")
def measures() -> dict[str, tuple[str, str]]:
    """measure -> (the fact its semantic model sits on, the column it sums)."""
    parsed = yaml.safe_load(SEMANTIC_MODELS.read_text(encoding="utf-8"))
    found = {}
    for model in parsed["semantic_models"]:
        fact = model["model"].removeprefix("ref('").removesuffix("')")
        for measure in model.get("measures", []):
            assert measure["agg"] in ("sum", "count_distinct"), measure
            found[measure["name"]] = (fact, measure.get("expr", measure["name"]))
    return found


def _column(expression: str | None) -> str | None:
    if expression and expression.startswith("f.") and expression[2:].isidentifier():
        return expression[2:]
    return None


def _summing(metrics: dict[str, dict], measures: dict[str, tuple[str, str]], fact: str,
             column: str) -> list[str]:
    """The simple metrics that sum `column` of `fact`, by name."""
    return sorted(name for name, metric in metrics.items() if metric["type"] == "simple"
                  and measures[metric["type_params"]["measure"]] == (fact, column))


def _parts(metrics: dict[str, dict], measures: dict[str, tuple[str, str]]
           ) -> dict[tuple[str, str], str]:
    """(fact, catalog metric) -> the MetricFlow metric that is it there: the one summing its
    column, under the default report on the credit fact."""
    parts = {}
    for fact in FACTS:
        for name, expression in PERFORMANCE_COLUMNS[fact].items():
            column = _column(expression)
            if column:
                [parts[(fact, name)]] = _summing(metrics, measures, fact, column)
    credited = {name: _column(expression) for name, expression in CREDITED_SUMS.items()}
    for name, column in [*credited.items(), ESTIMATE]:
        pinned = [metric for metric in _summing(metrics, measures, CREDIT_FACT, column)
                  if not metric.endswith("_by_model")]
        [parts[(CREDIT_FACT, name)]] = pinned
    return parts


def test_the_checked_in_metrics_are_what_the_catalog_writes():
    assert METRICS_FILE.read_text(encoding="utf-8") == render(), f"run {COMMAND}"
    assert "GENERATED" in render().splitlines()[0]


def test_check_fails_on_a_stale_file_until_it_is_written(tmp_path: Path):
    path = tmp_path / "_metrics.yml"
    path.write_text("version: 2\n", encoding="utf-8")
    assert main(["--check", "--path", str(path)]) == 1
    assert main(["--path", str(path)]) == 0
    assert main(["--check", "--path", str(path)]) == 0


def test_every_summed_catalog_metric_sums_the_reports_column_in_the_semantic_layer(
        metrics, measures):
    parts = _parts(metrics, measures)
    summed = {name for _, name in parts}
    # every additive catalog metric is in the semantic layer on some fact
    assert {name for name, m in METRICS.items() if m.kind != "ratio"} <= summed
    for (fact, _), name in parts.items():
        metric = metrics[name]
        if fact == CREDIT_FACT:
            assert DEFAULT_ATTRIBUTION in metric["filter"], name
            assert metric["config"]["meta"] == {"attribution_model": DEFAULT_ATTRIBUTION}
            twin = metrics[f"{name}_by_model"]
            assert twin["type_params"] == metric["type_params"], name
            assert "filter" not in twin and twin["config"]["meta"] == {"attribution_model": "one"}
        else:
            assert "filter" not in metric and "config" not in metric, name


def test_every_catalog_ratio_divides_the_same_parts_wherever_both_parts_are(metrics, measures):
    parts = _parts(metrics, measures)
    ratios = {name: m for name, m in METRICS.items() if m.kind == "ratio" and m.numerator}
    expected = {}
    for name, ratio in ratios.items():
        for fact, prefix in zip(FACTS, ("", "ad_", "keyword_"), strict=True):
            where = [fact, CREDIT_FACT] if fact == FACTS[0] else [fact]
            numerator = next((parts[(f, ratio.numerator)] for f in where
                              if (f, ratio.numerator) in parts), None)
            denominator = next((parts[(f, ratio.denominator)] for f in where
                                if (f, ratio.denominator) in parts), None)
            if numerator and denominator:
                expected[prefix + name] = {"numerator": numerator, "denominator": denominator}
    got = {name: metric["type_params"] for name, metric in metrics.items()
           if metric["type"] == "ratio" and name not in SEMANTIC_ONLY}
    assert got == expected
    # no campaign-level metric where the campaign facts lack a part: interactions (keyword
    # level only: keyword_conversion_rate), the impression shares' parts (not aggregated)
    assert {name for name in ratios if name not in expected} == {
        "conversion_rate", "search_top_impression_share", "search_absolute_top_impression_share"}


def test_roi_is_a_derived_metric_per_roi_setting(metrics, measures):
    parts = _parts(metrics, measures)
    spend = parts[(FACTS[0], "spend")]
    for setting, revenue in zip(ROI_SETTINGS, ("revenue", "estimated_revenue"), strict=True):
        name = "roi" if setting == "deals" else f"roi_{setting}"
        revenue = parts[(CREDIT_FACT, revenue)]
        assert metrics[name]["type"] == "derived"
        assert metrics[name]["type_params"] == {
            "expr": f"({revenue} - {spend}) / nullif({spend}, 0)", "metrics": [revenue, spend]}


def test_every_semantic_metric_comes_from_the_catalog_or_is_named_semantic_only(
        metrics, measures):
    from_catalog = set(_parts(metrics, measures).values())
    from_catalog |= {f"{name}_by_model" for name in from_catalog}
    from_catalog |= {prefix + name for name in METRICS for prefix in ("", "ad_", "keyword_")}
    from_catalog |= {f"roi_{setting}" for setting in ROI_SETTINGS}
    assert set(metrics) - from_catalog == SEMANTIC_ONLY
