"""The spend suite: spend is a non-negative amount wherever the network served impressions."""

from __future__ import annotations

from pathlib import Path

import great_expectations as gx

from expectations.runner import SuiteResult, read_table, validate_frame

TABLE = "marts.fct_ad_performance_daily"
KEY = ["network", "ad_id", "date_day"]


def expectations() -> list:
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="spend"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="spend", min_value=0),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="currency_code"),
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=KEY),
    ]


def validate(warehouse: Path) -> SuiteResult:
    frame = read_table(warehouse, f"select * from {TABLE}")
    return validate_frame(frame, "spend", expectations(), TABLE, key_columns=KEY)
