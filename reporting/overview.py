"""The overview printed after a run: what was spent and what it bought, per network."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

OVERVIEW_SQL = """
select
    network,
    currency_code,
    count(distinct ad_account_id) as ad_accounts,
    count(distinct ad_id) as ads,
    cast(min(date_day) as varchar) as first_day,
    cast(max(date_day) as varchar) as last_day,
    cast(sum(impressions) as bigint) as impressions,
    cast(sum(clicks) as bigint) as clicks,
    cast(sum(spend) as double) as spend
from marts.fct_ad_performance_daily
group by all
order by network, currency_code
"""


def overview(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(OVERVIEW_SQL).df()


def render(frame: pd.DataFrame) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Ad performance overview (native currency)")
    for column in frame.columns:
        table.add_column(column.replace("_", " "), justify="right")
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f"{value:,.2f}")
            elif isinstance(value, int) or hasattr(value, "is_integer") and not isinstance(
                value, float):
                cells.append(f"{value:,}")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    console = Console(record=True, width=120)
    with console.capture() as capture:
        console.print(table)
    return capture.get()
