"""Google Ads (Google Ads API, REST + GAQL) as a dlt source: customers, campaigns, ad groups,
ads, keywords and daily metrics per ad and per keyword, loaded raw into `raw_google_ads`.

Dimensions are merged on their resource ids, so status changes land; daily metrics are pulled by
`segments.date` from `lookback_days` before each customer's last loaded day and merged on
their natural key, so Google's restatements replace rows and nothing duplicates. A
customer that fails is recorded and skipped; its state does not move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.common import failures, validate
from ingestion.common.arrow import require_delivered
from ingestion.common.http import RetryPolicy, retry_policy
from ingestion.common.incremental import (
    AccountState,
    date_chunks,
    incremental_window,
    latest_day_anywhere,
)
from ingestion.common.pipeline import keys_unique_per_load
from ingestion.common.schema import or_empty
from ingestion.common.windows import Window, each_window, requested_chunks, windows_table
from ingestion.google_ads import settings
from ingestion.google_ads.client import GoogleAdsClient, make_api_client, normalize_customer_id
from ingestion.google_ads.helpers import batched_tables, joined_tables
from ingestion.google_ads.settings import Table

__all__ = ["google_ads"]


@dlt.source(name=settings.SOURCE_NAME, section=settings.SOURCE_NAME, max_table_nesting=0)
def google_ads(
    customer_ids: list[str] = dlt.config.value,
    access_token: str = dlt.secrets.value,
    developer_token: str = dlt.secrets.value,
    login_customer_id: str | None = None,
    base_url: str = settings.DEFAULT_BASE_URL,
    api_version: str = settings.API_VERSION,
    start_date: Any = None,
    lookback_days: int = settings.DEFAULT_LOOKBACK_DAYS,
    end_date: Any = None,
    chunk_days: int = settings.DEFAULT_CHUNK_DAYS,
    batch_rows: int = settings.DEFAULT_BATCH_ROWS,
    retry: RetryPolicy | None = None,
) -> list[DltResource]:
    """Google Ads for `customer_ids` (a TOML list, or a JSON list in an environment variable;
    dashes allowed, like "123-456-7890").

    `access_token` is an OAuth 2 access token with the adwords scope, `developer_token` the API
    Center token, `login_customer_id` the manager account when access goes through one.
    Metrics load from `start_date` (default: `DEFAULT_HISTORY_DAYS` before `end_date`) to
    `end_date` (default: today at UTC+14, so no customer's local today is missed), re-pulling
    `lookback_days` before each customer's last loaded day. `retry` is the HTTP retry policy;
    None reads `max_attempts`, `backoff_base`, `backoff_cap` and `timeout` from configuration.
    """
    name = settings.SOURCE_NAME
    customers = validate.ids(settings.SOURCE_NAME, "customer_ids", customer_ids,
                             normalize_customer_id)
    start, end = validate.days(name, start_date, end_date)
    end = end or latest_day_anywhere()
    start = start or end - dt.timedelta(days=settings.DEFAULT_HISTORY_DAYS)
    validate.at_least(name, {"lookback_days": (lookback_days, 0), "chunk_days": (chunk_days, 1),
                             "batch_rows": (batch_rows, 1)})
    api = make_api_client(
        validate.base_url(name, base_url), access_token, developer_token, login_customer_id,
        retry=retry_policy(name, retry),
    )
    client = GoogleAdsClient(api, api_version)
    # A customer that fails is skipped by every resource after it in the load.
    failed: set[str] = set()

    # Every table declares its documented columns and exists after a load, even when a field
    # or a whole kind of object (keywords, say) is absent from every customer.
    resources = []
    for table in settings.DIMENSIONS:
        resource = dlt.resource(dimension_rows, **table.raw.resource_hints())
        resources.append(resource(client, customers, table, batch_rows, failed))
    windows = dlt.resource(load_windows, **settings.TABLES["load_windows"].resource_hints())(
        customers, start, end, lookback_days, failed)
    resources.append(windows)
    # The daily tables load the windows asked for, recorded first.
    for table in settings.FACTS:
        resource = dlt.transformer(daily_rows, data_from=windows, **table.raw.resource_hints())
        resources.append(keys_unique_per_load(resource(client, table, chunk_days, batch_rows,
                                                       failed)))
    return resources


def dimension_rows(
    client: GoogleAdsClient, customer_ids: list[str], table: Table, batch_rows: int,
    failed: set[str],
) -> Iterator[pa.Table]:
    """Every row of one resource per customer; a failing customer is recorded and skipped."""
    def load(customer_id: str) -> Iterator[pa.Table]:
        yield from batched_tables(client.search(customer_id, table.query()), table, batch_rows)

    yield from or_empty(failures.each_account(settings.SOURCE_NAME, customer_ids, failed, load),
                        table.raw)


def load_windows(customer_ids: list[str], start_date: dt.date, end_date: dt.date,
                 lookback_days: int, failed: set[str]) -> Iterator[pa.Table]:
    """The days of each daily table each customer is asked for in this load: from the look-back
    before its last loaded day (or `start_date`) to `end_date`."""
    def plan(customer_id: str) -> Iterator[pa.Table]:
        windows = []
        for table in settings.FACTS:
            state = AccountState(dlt.current.resource_state(table.name))
            window = incremental_window(state.last_day(customer_id), start_date, lookback_days,
                                        end_date)
            if window is not None:
                windows.append(Window(table.name, customer_id, *window))
        if windows:
            yield windows_table(windows)

    yield from or_empty(failures.each_account(settings.SOURCE_NAME, customer_ids, failed, plan),
                        settings.TABLES["load_windows"])


def daily_rows(
    windows: pa.Table,
    client: GoogleAdsClient,
    table: Table,
    chunk_days: int,
    batch_rows: int,
    failed: set[str],
) -> Iterator[pa.Table]:
    """Daily metrics per customer over the window `windows` asked for it, each query keeping
    only the days it asked for; a customer's state moves once its whole window loaded."""
    def load(window: Window) -> Iterator[pa.Table]:
        customer_id = window.account_id
        # Each chunk is its own query with its own page tokens.
        pages = requested_chunks(
            date_chunks(window.first, window.last, chunk_days),
            lambda first, last: client.search(customer_id, table.query(first, last),
                                              table.page_shape),
            day="segments__date", source=settings.SOURCE_NAME, account=customer_id)
        for rows in joined_tables(pages, table, batch_rows):
            yield require_delivered(rows, table.required_metrics, settings.SOURCE_NAME,
                                    customer_id, f"POST googleAds:search ({table.name})")

    state = AccountState(dlt.current.resource_state())
    yield from or_empty(each_window(settings.SOURCE_NAME, windows, table.name, state, failed,
                                    load), table.raw)
