"""The overview printed after a run: what was spent and what it bought, per network, without
the deleted Facebook campaigns HubSpot (and every report here) hides; its caption says what
they spent."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.portal import built_settings
from reporting.catalog import HIDDEN_BY_DEFAULT

_HIDDEN_NETWORK, _HIDDEN_STATUS = HIDDEN_BY_DEFAULT
_ADS = f"""
with ads as (
    select f.*,
        coalesce(c.network = '{_HIDDEN_NETWORK}' and upper(c.raw_status) = '{_HIDDEN_STATUS}',
                 false)
            as is_hidden
    from marts.fct_ad_performance_daily as f
    left join marts.dim_campaigns as c
        on f.network = c.network and f.campaign_id = c.campaign_id
)
"""
OVERVIEW_SQL = _ADS + """
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
from ads
where not is_hidden
group by all
order by network, currency_code
"""
HIDDEN_SQL = _ADS + """
select count(distinct campaign_id), coalesce(sum(spend_company_currency), 0)
from ads
where is_hidden
"""


def overview(warehouse: Path) -> pd.DataFrame:
    """Spend and delivery per network and account currency; `attrs["portal"]` holds the
    portal settings the marts were built with (the company currency and time zone), and
    `attrs["hidden"]` the deleted Facebook campaigns left out and their spend (company
    currency)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(OVERVIEW_SQL).df()
        frame.attrs["portal"] = built_settings(con)
        campaigns, spend = con.execute(HIDDEN_SQL).fetchone()
        frame.attrs["hidden"] = (int(campaigns), float(spend))
    return frame


def render(frame: pd.DataFrame) -> str:
    from rich.console import Console
    from rich.table import Table

    portal = frame.attrs.get("portal")
    currency = portal.company_currency if portal else "company currency"
    table = Table(title="Ad performance overview (spend in each account's currency, and in "
                        f"{currency})")
    captions = []
    if portal is not None:
        captions.append(f"Portal {portal.portal_id or '(no HubSpot account info)'}: money in "
                        f"{portal.company_currency} ({portal.company_currency_source}); days "
                        f"in {portal.time_zone} ({portal.time_zone_source})")
    campaigns, spend = frame.attrs.get("hidden", (0, 0.0))
    if campaigns:
        captions.append(f"Not shown, as in HubSpot: {campaigns} deleted Facebook campaign"
                        f"{'s' if campaigns != 1 else ''}, {spend:,.2f} {currency} spent "
                        "(`ads-analytics report campaigns --status deleted` lists them)")
    if captions:
        table.caption = "\n".join(captions)
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
