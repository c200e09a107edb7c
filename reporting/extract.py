"""`ads-analytics report extract`: the marts as one user or team may see them, in a DuckDB file
of their own, for a BI tool that must not see other ad accounts.

    extract(warehouse, Filters(user="7000100"), Path("team.duckdb"))

Every mart with an ad account keeps the rows of the accounts the user or team may access
(`dim_ad_account_access`, as the reports' `--user`/`--team` filter reads it); rows of no
account (a contact's organic touch) are left out with the other accounts'. Of the marts without
an ad account only the portal's settings and the time spine are copied: the rest (goals over
every account) could not be cut by account, nor could the access list (who else sees an
account). The file is a copy, not a view: it holds no path to the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from reporting.files import write_atomically
from reporting.reports import Filters, Reports

# Marts of no ad account that say nothing about any account.
SHARED = ("dim_portal", "metricflow_time_spine")
# Marts of an ad account that still say more than its rows: who else may see it, which goals
# also cover other accounts (their progress, fct_goal_progress, is left out too).
WITHHELD = ("dim_ad_account_access", "dim_goal_campaigns")


@dataclass(frozen=True)
class Extracted:
    accounts: list[tuple[str, str]]  # (network, ad_account_id)
    rows: dict[str, int]  # mart -> rows copied
    left_out: list[str]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copied(columns: set[str], name: str) -> bool | None:
    """True: copy the rows of the visible accounts; False: copy every row; None: leave out."""
    if name in WITHHELD:
        return None
    if {"network", "ad_account_id"} <= columns:
        return True
    return False if name in SHARED else None


def extract(warehouse: Path, filters: Filters, output: Path) -> Extracted:
    """Write to `output` (a file `files.output_target` allowed) the marts' rows of the ad
    accounts `filters` (a user or a team, and any accounts or networks) leave visible."""
    with Reports.open(warehouse) as reports:
        accounts = reports.visible_accounts(filters)
        marts = dict(reports.con.execute(
            "select table_name, list(column_name) from information_schema.columns"
            " where table_schema = 'marts' group by table_name order by table_name").fetchall())
    plan = {name: _copied(set(columns), name) for name, columns in marts.items()}
    rows: dict[str, int] = {}

    def write(path: Path) -> None:
        path.unlink()  # DuckDB makes its own file
        with duckdb.connect(str(path)) as con:
            literal = str(Path(warehouse).resolve()).replace("'", "''")
            con.execute(f"attach '{literal}' as warehouse (read_only)")
            con.execute("create temp table visible (network varchar, ad_account_id varchar)")
            con.executemany("insert into visible values (?, ?)", accounts)
            con.execute("create schema marts")
            for name, by_account in plan.items():
                if by_account is None:
                    continue
                where = ("where exists (select 1 from visible as v where v.network = m.network"
                         " and v.ad_account_id = m.ad_account_id)" if by_account else "")
                con.execute(f"create table marts.{_quoted(name)} as select m.*"
                            f" from warehouse.marts.{_quoted(name)} as m {where}")
                rows[name] = con.execute(
                    f"select count(*) from marts.{_quoted(name)}").fetchone()[0]
            con.execute("detach warehouse")
            con.execute("checkpoint")

    write_atomically(output, write)
    return Extracted(accounts, rows, [name for name, how in plan.items() if how is None])
