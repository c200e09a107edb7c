"""The attribution benchmark's comparison of two checkouts' tables."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.attribution import ATTRIBUTION_TABLES, table_differences


def _warehouse(path: Path, credits: list[tuple[str, float]]) -> Path:
    with duckdb.connect(str(path)) as con:
        for schema, name in ATTRIBUTION_TABLES:
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {schema}.{name} (contact_id varchar, credit double)")
            con.executemany(f"insert into {schema}.{name} values (?, ?)", credits)
    return path


def test_sums_differing_in_their_last_bits_differ_exactly_but_not_rounded(tmp_path):
    # 0.1 + 0.2 added in another order is another double, as threads add sums run to run
    left = _warehouse(tmp_path / "left.duckdb", [("c1", 0.1 + 0.2), ("c2", 1.0)])
    right = _warehouse(tmp_path / "right.duckdb", [("c1", 0.3), ("c2", 1.0)])
    differences = table_differences(left, right)
    assert differences["fct_contact_attribution"] == {"exact": [1, 1], "rounded": [0, 0]}


def test_a_missing_or_other_row_differs_either_way(tmp_path):
    left = _warehouse(tmp_path / "left.duckdb", [("c1", 0.5), ("c2", 0.5)])
    right = _warehouse(tmp_path / "right.duckdb", [("c1", 0.5)])
    assert table_differences(left, right)["fct_deal_attribution"] == {
        "exact": [1, 0], "rounded": [1, 0]}
