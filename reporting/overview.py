"""The overview printed after a run: what was spent and what it bought, per network."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ingestion.common.portal import built_settings

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
    cast(sum(spend) as double) as spend,
    cast(sum(spend_company_currency) as double) as spend_company_currency
from marts.fct_ad_performance_daily
group by all
order by network, currency_code
"""


def overview(warehouse: Path) -> pd.DataFrame:
    """Spend and delivery per network and account currency; `attrs["portal"]` holds the
    portal settings the marts were built with (the company currency and time zone)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(OVERVIEW_SQL).df()
        frame.attrs["portal"] = built_settings(con)
    return frame


def render(frame: pd.DataFrame) -> str:
    from rich.console import Console
    from rich.table import Table

    portal = frame.attrs.get("portal")
    currency = portal.company_currency if portal else "company currency"
    table = Table(title="Ad performance overview (spend in each account's currency, and in "
                        f"{currency})")
    if portal is not None:
        table.caption = (f"Portal {portal.portal_id or '(no HubSpot account info)'}: money in "
                         f"{portal.company_currency} ({portal.company_currency_source}); days "
                         f"in {portal.time_zone} ({portal.time_zone_source})")
    for column in frame.columns:
        label = f"spend {currency}" if column == "spend_company_currency" else column
        table.add_column(label.replace("_", " "), justify="right")
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
    console = Console(record=True, width=140)
    with console.capture() as capture:
        console.print(table)
    return capture.get()
