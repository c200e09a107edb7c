"""A failed dbt step's reasons, read from dbt's own events (its JSON log lines), written here in
the shape dbt's structured logging documents: `info.name` the event, `data.node_info.unique_id`
the node."""

from __future__ import annotations

import duckdb

from orchestration.dbt_errors import StepResults, step_reason


def _event(event: str, unique_id: str | None = None, **data) -> dict:
    if unique_id is not None:
        data["node_info"] = {"unique_id": unique_id, "node_status": data.get("status", "")}
    return {"info": {"name": event, "level": "info", "msg": ""}, "data": data}


MODEL = "model.ads_analytics.int_ad_performance_daily"
TEST = "test.ads_analytics.unique_stg_facebook_ads__ad_insights_id.0a1b2c"
PASSED = "test.ads_analytics.not_null_stg_facebook_ads__ads_ad_id.9f8e7d"


def test_a_failed_model_and_test_are_named_with_dbts_message_and_the_rows(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table insights as select * from (values ('7', 2), ('7', 2), ('8', 1)) "
                    "as t(ad_id, n)")
    compiled = tmp_path / "compiled" / "unique_insights.sql"
    compiled.parent.mkdir()
    compiled.write_text("select ad_id, count(*) as n from insights group by ad_id "
                        "having count(*) > 1")
    results = StepResults()
    for event in [
        _event("MainReportVersion", version="1.11"),  # no node: not a result
        _event("LogModelResult", MODEL, status="error", index=3, total=9),
        _event("LogTestResult", TEST, status="fail", num_failures=1, name="unique_..."),
        _event("LogTestResult", PASSED, status="pass", num_failures=0),
        # the end-of-run summary: the message and where the compiled SQL is
        _event("RunResultFailure", MODEL, resource_type="model", node_name="x", path="p"),
        _event("RunResultError", MODEL, msg="Runtime Error in model int_ad_performance_daily "
               "(models/intermediate/int_ad_performance_daily.sql)\n  Invalid Input Error: "
               "missing exchange rate: XYZ to USD on 2026-10-01 (account 42)"),
        _event("RunResultError", TEST, msg="Got 1 result, configured to fail if != 0"),
        _event("SQLCompiledPath", TEST, path=str(compiled)),
    ]:
        results.see(event)

    found = results.failures(database)
    assert found == {
        MODEL: "model int_ad_performance_daily: missing exchange rate: XYZ to USD on "
               "2026-10-01 (account 42)",
        TEST: "test unique_stg_facebook_ads__ad_insights_id: 1 row failed the test, "
              "e.g. ad_id=7, n=2",
    }
    assert step_reason(found) == found[MODEL] + " (and 1 more failed)"
    # without the database (Spark's rows are Spark's), the count alone
    assert results.failures(None)[TEST] == ("test unique_stg_facebook_ads__ad_insights_id: "
                                            "1 row failed the test")


def test_nothing_failed_or_a_compiled_file_gone_still_gives_a_line(tmp_path):
    results = StepResults()
    results.see(_event("LogTestResult", PASSED, status="pass", num_failures=0))
    results.see(_event("LogModelResult", MODEL, status="success"))
    assert results.failures(tmp_path / "none.duckdb") == {}
    assert step_reason({}) is None

    # the database is there, its compiled SQL is not: the count alone
    database = tmp_path / "w.duckdb"
    duckdb.connect(str(database)).close()
    results.see(_event("LogTestResult", TEST, status="fail", num_failures=3))
    results.see(_event("SQLCompiledPath", TEST, path=str(tmp_path / "gone.sql")))
    assert results.failures(database) == {
        TEST: "test unique_stg_facebook_ads__ad_insights_id: 3 rows failed the test"}
    # a model that errored without a message still has a line
    results.see(_event("LogModelResult", MODEL, status="error"))
    assert results.failures(database)[MODEL] == "model int_ad_performance_daily: no message"
