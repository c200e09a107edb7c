"""`ads-analytics report extract`: a DuckDB file with only the marts' rows of the ad accounts a
user or team may see (accounts and access of tests/reporting/conftest.py)."""

import duckdb
import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch, fixture_warehouse):
    monkeypatch.setenv(WAREHOUSE_ENV, str(fixture_warehouse))


def extract(fixture_warehouse, *args: str) -> int:
    return main(["--warehouse", str(fixture_warehouse), "report", "extract", *args])


def tables(path) -> dict[str, list[dict]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [row[0] for row in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " order by 1").fetchall()]
        return {name: con.execute(f"select * from {name}").df().to_dict("records")
                for name in names}


def accounts_in(rows: list[dict]) -> set[str]:
    return {f"{row['network']}:{row['ad_account_id']}" for row in rows}


def count(warehouse, table: str, accounts: tuple[str, ...]) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select count(*) from marts.{table}"
                           " where network || ':' || ad_account_id in (select unnest($a))",
                           {"a": list(accounts)}).fetchone()[0]


ACCOUNT_TABLES = ("dim_ad_accounts", "dim_campaigns", "dim_ad_groups", "dim_ads", "dim_keywords",
                  "fct_ad_performance_daily", "fct_keyword_performance_daily",
                  "fct_campaign_performance_daily", "fct_campaign_credit_by_model_daily",
                  "fct_contact_attribution", "fct_deal_attribution")


@pytest.mark.parametrize("who, visible", [
    (["--user", "U1"], ("facebook:F1",)),
    (["--team", "T1"], ("google:G1", "linkedin:L1")),
    (["--user", "U2"], ("google:G1", "linkedin:L1")),  # through team T1
])
def test_an_extract_holds_only_the_rows_of_the_accounts_they_may_see(
        fixture_warehouse, tmp_path, capsys, who, visible):
    path = tmp_path / "team.duckdb"
    assert extract(fixture_warehouse, *who, "-o", str(path)) == 0
    said = capsys.readouterr().out
    assert f"to {path}" in said
    # goals may cover other accounts; the users and teams are everyone's
    assert ("Left out, as they cannot be cut by ad account: dim_ad_account_access, "
            "dim_goal_campaigns, dim_team_members, dim_teams, dim_users, fct_goal_progress"
            in said)
    held = tables(path)
    assert sorted(held) == sorted(["marts.dim_portal", *(f"marts.{t}" for t in ACCOUNT_TABLES)])
    for table in ACCOUNT_TABLES:
        rows = held[f"marts.{table}"]
        assert accounts_in(rows) <= set(visible), table
        assert len(rows) == count(fixture_warehouse, table, visible), table
    assert accounts_in(held["marts.dim_ad_accounts"]) == set(visible)
    # a contact's organic touch belongs to no account, so to no team
    assert all(row["ad_account_id"] for row in held["marts.fct_contact_attribution"])
    assert len(held["marts.dim_portal"]) == 1


def test_an_extract_cannot_reach_the_warehouse(fixture_warehouse, tmp_path):
    path = tmp_path / "team.duckdb"
    assert extract(fixture_warehouse, "--user", "U1", "-o", str(path)) == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert [row[0] for row in con.execute(
            "select database_name from duckdb_databases() where not internal").fetchall()] == [
            "team"]
        assert con.execute("select count(*) from duckdb_views() where not internal"
                           ).fetchone()[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.duckdb"]


def test_an_extract_replaces_an_older_one_whole(fixture_warehouse, tmp_path):
    path = tmp_path / "team.duckdb"
    assert extract(fixture_warehouse, "--team", "T1", "-o", str(path)) == 0
    assert extract(fixture_warehouse, "--user", "U1", "-o", str(path)) == 0
    assert accounts_in(tables(path)["marts.dim_ad_accounts"]) == {"facebook:F1"}


@pytest.mark.parametrize("args, message, code", [
    (["--user", "U9"], "unknown user 'U9'; valid values: U1, U2", 1),
    ([], "expected --user ID or --team ID", 1),
    (["--user", "U1", "--team", "T1"], "expected --user ID or --team ID, not both", 1),
])
def test_an_extract_names_whom_it_is_for(fixture_warehouse, tmp_path, capsys, args, message,
                                         code):
    assert extract(fixture_warehouse, *args, "-o", str(tmp_path / "x.duckdb")) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not list(tmp_path.iterdir())


def test_an_extract_never_writes_over_the_warehouse(fixture_warehouse, capsys):
    before = fixture_warehouse.read_bytes()
    assert extract(fixture_warehouse, "--user", "U1", "-o", str(fixture_warehouse)) == 2
    assert "it is the warehouse" in capsys.readouterr().err
    assert fixture_warehouse.read_bytes() == before
