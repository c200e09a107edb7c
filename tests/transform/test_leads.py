"""Lead-ad leads from raw to `int_leads_unioned`: the hand-written Facebook and LinkedIn payloads
of tests/ingestion/test_*_leads.py loaded by the real sources, then dbt builds the staging
models and the union (their tests and unit tests included) on that warehouse; and the same
models build on a warehouse where neither network is connected."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from core.paths import DBT_PROJECT_DIR, dbt_executable
from ingestion.common.pipeline import make_pipeline
from ingestion.common.schema import not_connected_source
from ingestion.registry import source_tables
from tests.ingestion import test_facebook_leads as fb
from tests.ingestion import test_linkedin_leads as li

MODELS = ("stg_facebook_ads__leads", "stg_linkedin_ads__lead_form_responses",
          "int_leads_unioned")

pytestmark = pytest.mark.slow


def dbt_build(warehouse: Path) -> subprocess.CompletedProcess:
    """`dbt build` of the lead models and their parents, with their tests and unit tests
    (not the tests that also read models left out, such as the insights')."""
    return subprocess.run(
        [dbt_executable(), "build", "--select", *(f"+{m}" for m in MODELS),
         "--indirect-selection", "cautious",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(warehouse.parent / "target"),
         "--log-path", str(warehouse.parent / "logs")],
        env={**os.environ, "ADS_ANALYTICS_WAREHOUSE": str(warehouse)},
        cwd=warehouse.parent, capture_output=True, text=True, check=False)


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_leads_of_both_networks_reach_the_union_in_the_common_hierarchy(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    fb.load(warehouse, tmp_path / "dlt", fb.Graph())
    li.load(warehouse, tmp_path / "dlt", li.LinkedIn())
    built = dbt_build(warehouse)
    assert built.returncode == 0, built.stdout[-3000:]

    assert rows(warehouse, """
        select network, lead_id, ad_account_id, campaign_id, ad_group_id, ad_id, form_id,
               cast(submitted_at as varchar), email
        from intermediate.int_leads_unioned order by network, lead_id""") == [
        # Graph named the parents; Bo's lead named none, so they are its ad's
        ("facebook", "9001", "1010", "2001", "3001", "4001", "7001",
         "2026-05-04 08:00:00+00", "ana.example@mail.com"),
        ("facebook", "9002", "1010", "2001", "3001", "4001", "7001",
         "2026-05-04 12:30:00+00", "bo@firm.example"),
        ("facebook", "9003", "1010", "2001", "3001", "4001", "7001",
         "2026-05-03 22:30:00+00", "early@example.org"),
        # organic: no ad on the lead, the ad asked and its parents instead
        ("facebook", "9005", "1010", "2003", "3004", "4004", "7002",
         "2026-05-05 09:00:00+00", None),
        # an ad the warehouse does not know: its parents as the lead names them
        ("facebook", "9006", "1010", "2004", "3005", "4005", "7003",
         "2026-05-05 10:00:00+00", None),
        # the campaign group through the LinkedIn campaign the lead names
        ("linkedin", "f1a2-0001", "507", "201", "301", "9001", "6001",
         "2026-05-04 08:00:00+00", "ana.example@mail.com"),
        # no creative sent: ad group and campaign still known
        ("linkedin", "f1a2-0002", "507", "201", "301", None, "6002",
         "2026-05-04 23:59:59+00", "bo@firm.example"),
        ("linkedin", "f1a2-0004", "507", "201", "301", "9001", "6001",
         "2026-05-05 10:00:00+00", None),
        # neither creative nor campaign on the lead: only the account
        ("linkedin", "f1a2-0005", "507", None, None, None, "6002",
         "2026-05-05 23:00:00+00", "dee@firm.example"),
    ]


def test_the_lead_models_build_empty_when_no_network_is_connected(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    for name in ("facebook_ads", "linkedin_ads"):
        pipeline = make_pipeline(name, warehouse, tmp_path / "dlt")
        pipeline.run(not_connected_source(name, source_tables(name).values()))
    built = dbt_build(warehouse)
    assert built.returncode == 0, built.stdout[-3000:]
    assert rows(warehouse, "select count(*) from intermediate.int_leads_unioned") == [(0,)]
