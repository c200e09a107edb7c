"""The read side: what a Spark build wrote, published into the DuckDB file as views over its
Parquet files, with the column types Spark's catalog gives (no Spark needed: the files are laid
out as Spark lays out a table's folder)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.layout import WarehouseLayout
from orchestration.dbt_cli import SPARK_RELATIONS_FILE, built_relations, command, target_path
from orchestration.read_side import (
    ReadSideError,
    built_by,
    check_engine,
    duckdb_type,
    local_or_remote,
    publish_built,
)

SPEND = pa.decimal128(18, 6)


def write_part(folder: Path, table: pa.Table, name: str = "part-00000-c000.snappy.parquet"):
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)


def performance(network: str, spend: str, clicks: int) -> pa.Table:
    # Spark keeps a partition column in the folder names, not in the files
    return pa.table({"network": [network], "spend": pa.array([Decimal(spend)], SPEND),
                     "clicks": pa.array([clicks], pa.int32())})


@pytest.fixture
def spark_build(tmp_path) -> tuple[Path, Path, Path]:
    """A Spark warehouse folder with a partitioned table, a plain one and an empty partitioned
    one, and a build's target folder listing them; the DuckDB file, the target, the facts'
    folder."""
    # a space and a quote in the path: Spark gives the location as a URI (`%20`, `%27`)
    tables = tmp_path / "ad's data" / "warehouse_spark" / "tables"
    facts = tables / "marts.db" / "fct_daily"
    write_part(facts / "date_day=2025-01-01", performance("facebook", "1.250000", 3))
    write_part(facts / "date_day=2025-01-02", performance("google", "0.100001", 5))
    # an overwrite in progress and a staging folder: not the table's rows
    write_part(facts / "_temporary" / "0" / "date_day=2025-01-03",
               performance("linkedin", "9.000000", 9))
    write_part(facts / ".spark-staging-1" / "date_day=2025-01-01",
               performance("linkedin", "9.000000", 9))
    (facts / "_SUCCESS").write_text("")
    accounts = tables / "marts.db" / "dim_accounts"
    write_part(accounts, pa.table({
        "ad_account_id": ["123"],
        "created_at": pa.array([dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)],
                               pa.timestamp("us", tz="UTC")),
        "share": pa.array([0.5], pa.float64()),
    }))
    (tables / "marts.db" / "fct_empty").mkdir(parents=True)
    target = tmp_path / "target"
    target.mkdir()
    relations = [
        {"schema": "marts", "name": "fct_daily", "kind": "table",
         "location": facts.as_uri(),
         "columns": [["network", "string"], ["spend", "decimal(18,6)"], ["clicks", "bigint"],
                     ["date_day", "date"]],
         "partitioned_by": ["date_day"]},
        {"schema": "marts", "name": "dim_accounts", "kind": "table",
         "location": f"file:{accounts}",
         "columns": [["ad_account_id", "string"], ["created_at", "timestamp"],
                     ["share", "double"]],
         "partitioned_by": []},
        {"schema": "marts", "name": "fct_empty", "kind": "table",
         "location": (tables / "marts.db" / "fct_empty").as_uri(),
         "columns": [["network", "string"], ["spend", "decimal(18,6)"], ["date_day", "date"]],
         "partitioned_by": ["date_day"]},
    ]
    (target / SPARK_RELATIONS_FILE).write_text(json.dumps(relations))
    return tmp_path / "warehouse.duckdb", target, facts


def read(warehouse: Path, sql: str) -> list[tuple]:
    """`sql` on the warehouse's build, where a step publishes what Spark built (the run
    publishes the build to readers at its end)."""
    with duckdb.connect(str(WarehouseLayout(warehouse).build), read_only=True) as con:
        return con.execute(sql).fetchall()


def types(warehouse: Path, table: str) -> dict[str, str]:
    return dict(read(warehouse, f"select column_name, data_type from "
                                f"information_schema.columns where table_schema = 'marts' "
                                f"and table_name = '{table}' order by ordinal_position"))


def test_spark_tables_are_views_over_their_files_with_sparks_types(spark_build):
    warehouse, target, facts = spark_build
    published = publish_built(warehouse, target)
    assert published == ["marts.fct_daily", "marts.dim_accounts", "marts.fct_empty"]

    assert read(warehouse, "select * from marts.fct_daily order by date_day") == [
        ("facebook", Decimal("1.250000"), 3, dt.date(2025, 1, 1)),
        ("google", Decimal("0.100001"), 5, dt.date(2025, 1, 2)),
    ]
    assert types(warehouse, "fct_daily") == {
        "network": "VARCHAR", "spend": "DECIMAL(18,6)", "clicks": "BIGINT", "date_day": "DATE"}
    assert types(warehouse, "dim_accounts") == {
        "ad_account_id": "VARCHAR", "created_at": "TIMESTAMP WITH TIME ZONE",
        "share": "DOUBLE"}
    created = read(warehouse, "select created_at from marts.dim_accounts")[0][0]
    assert created == dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    # no file yet: the columns, typed, and no rows
    assert read(warehouse, "select count(*) from marts.fct_empty") == [(0,)]
    assert types(warehouse, "fct_empty") == {
        "network": "VARCHAR", "spend": "DECIMAL(18,6)", "date_day": "DATE"}

    # the next build's new day is read without publishing again
    write_part(facts / "date_day=2025-01-03", performance("linkedin", "2.000000", 1))
    assert read(warehouse, "select count(*), sum(spend) from marts.fct_daily") == [
        (3, Decimal("3.350001"))]


def test_a_table_without_a_location_is_named_in_the_error(spark_build):
    warehouse, target, _ = spark_build
    listing = target / SPARK_RELATIONS_FILE
    relations = json.loads(listing.read_text())
    relations[1]["location"] = None
    listing.write_text(json.dumps(relations))
    with pytest.raises(ReadSideError, match="marts.dim_accounts: Spark's catalog gives the "
                                            "table no location"):
        publish_built(warehouse, target)


def test_a_build_without_a_listing_publishes_nothing_unless_it_built_something(tmp_path):
    assert publish_built(tmp_path / "warehouse.duckdb", tmp_path) == []
    assert not WarehouseLayout(tmp_path / "warehouse.duckdb").build.exists()
    # dbt built a model, but not through `ads-analytics-dbt`: no list of what Spark made
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": {"model.p.a": {
        "resource_type": "model", "schema": "marts", "name": "a", "alias": "a"}}}))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": "model.p.a", "status": "success"}]}))
    with pytest.raises(ReadSideError, match="wrote no spark_relations.json .* `ads-analytics-dbt`"):
        publish_built(tmp_path / "warehouse.duckdb", tmp_path)


def test_spark_types_and_locations_as_duckdb_reads_them():
    assert duckdb_type("decimal(38, 6)") == "DECIMAL(38, 6)"
    assert duckdb_type("timestamp") == "TIMESTAMPTZ"
    assert duckdb_type("timestamp_ntz") == "TIMESTAMP"
    assert duckdb_type("array<string>") is None
    assert local_or_remote("file:/data/tables/marts.db/x") == "/data/tables/marts.db/x"
    assert local_or_remote("file:///data/x") == "/data/x"
    assert local_or_remote("file:/data/ad%27s%20data/x") == "/data/ad's data/x"
    assert local_or_remote("s3a://bucket/tables/x") == "s3://bucket/tables/x"


def test_the_listing_names_what_the_command_built(tmp_path, monkeypatch):
    manifest = {"nodes": {
        "model.p.a": {"resource_type": "model", "schema": "marts", "name": "a", "alias": "a"},
        "model.p.b": {"resource_type": "model", "schema": "marts", "name": "b", "alias": "b"},
        "seed.p.s": {"resource_type": "seed", "schema": "seeds", "name": "s", "alias": "s"},
        "test.p.t": {"resource_type": "test", "schema": "marts", "name": "t", "alias": "t"},
    }}
    results = {"results": [
        {"unique_id": "model.p.a", "status": "success"},
        {"unique_id": "model.p.b", "status": "error"},
        {"unique_id": "seed.p.s", "status": "success"},
        {"unique_id": "test.p.t", "status": "pass"},
    ]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    assert built_relations(tmp_path) == [("marts", "a"), ("seeds", "s")]

    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    assert target_path(["build", "--target-path", "t1"]) == Path("t1")
    assert target_path(["build", "--target-path=t2"]) == Path("t2")
    assert target_path(["build", "--project-dir", "p"]) == Path("p") / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", "t3")
    assert target_path(["build"]) == Path("t3")
    assert command(["--log-level", "info", "build", "--select", "run"]) == "build"
    assert command(["run-operation", "register_raw_parquet"]) == "run-operation"


def test_a_warehouse_is_refused_to_the_engine_that_did_not_build_it(tmp_path):
    loaded, read_side = tmp_path / "loaded.duckdb", tmp_path / "read_side.duckdb"
    assert built_by(loaded) is None
    check_engine(loaded, "spark")  # a new file suits either engine
    with duckdb.connect(str(loaded)) as con:
        con.execute("create schema raw_hubspot")
        con.execute("create table raw_hubspot._dlt_loads (load_id varchar)")
    assert built_by(loaded) is None  # dlt's own tables only: nothing loaded yet
    with duckdb.connect(str(loaded)) as con:
        con.execute("create table raw_hubspot.contacts (id varchar)")
    with duckdb.connect(str(read_side)) as con:
        con.execute("create schema raw_hubspot")
        con.execute("create view raw_hubspot.contacts as select 'x' as id")
    assert (built_by(loaded), built_by(read_side)) == ("duckdb", "spark")
    check_engine(loaded, "duckdb")
    check_engine(read_side, "spark")
    with pytest.raises(ValueError, match=r"loaded.duckdb holds a warehouse built on duckdb, not "
                                         r"spark: .*--target duckdb.*--warehouse"):
        check_engine(loaded, "spark")
    with pytest.raises(ValueError, match="built on spark, not duckdb: its raw tables are views "
                                         "over Parquet"):
        check_engine(read_side, "duckdb")
