"""A dbt step that fails says why on one line: dbt's own error, the failed test and its rows."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance

from core.settings import WAREHOUSE_ENV
from orchestration.definitions import TRANSFORM_JOB, build_definitions
from orchestration.jobs import run_job

pytestmark = pytest.mark.slow


def _transform(warehouse, monkeypatch):
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse.path))  # the definitions set it: restored
    return run_job(TRANSFORM_JOB, build_definitions(warehouse.path), DagsterInstance.ephemeral())


@pytest.mark.slow(minutes=1.5)
def test_a_failed_model_and_a_failed_test_are_named_with_dbts_reason(built, monkeypatch):
    # An account in a currency the portal has no rate for: the model converting it fails,
    # and the run's reason is the model's error as the model raised it.
    warehouse = built.copy("step_reason_currency")
    account = warehouse.query("""
        select account_id from raw_facebook_ads.ad_accounts order by account_id limit 1
    """)["account_id"][0]
    warehouse.execute(f"""
        update raw_facebook_ads.ad_accounts set currency = 'XYZ' where account_id = '{account}';
        drop table intermediate.int_ad_performance_daily""")
    outcome = _transform(warehouse, monkeypatch)
    assert not outcome.success
    message = outcome.failure_message()
    assert message.startswith("step dbt_warehouse failed: model "), message
    assert "missing exchange rate: XYZ to USD on" in message and account in message
    assert "The dbt CLI process" not in message

    # A row loaded twice: the uniqueness test fails, and its line names the key.
    warehouse = built.copy("step_reason_duplicate")
    row = warehouse.first_insight()
    warehouse.execute(f"""
        insert into raw_facebook_ads.ad_insights
        select * from raw_facebook_ads.ad_insights
        where ad_id = '{row.ad_id}' and date_start = '{row.date_start}'""")
    outcome = _transform(warehouse, monkeypatch)
    assert not outcome.success
    failed = outcome.failed_checks
    assert failed, outcome.summary_lines()
    name, text = failed[0]
    assert "unique" in name
    assert text.startswith(f"test {name}: ") and f"ad_id={row.ad_id}" in text, text
    # (the test fails its dbt step, which says the same)
    message = outcome.failure_message()
    assert message.startswith(f"step dbt_facebook_ads failed: test {name}: "), message
    assert f"ad_id={row.ad_id}" in message
