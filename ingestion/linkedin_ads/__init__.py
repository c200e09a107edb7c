"""LinkedIn Ads (Marketing API, versioned REST) as a dlt source: ad accounts, campaign groups,
campaigns, creatives and daily creative analytics, loaded raw into `raw_linkedin_ads`.

Dimensions are merged on `id`, so status changes land. Analytics are pulled by UTC day with a
look-back window per account and merged on (account_id, creative_urn, date), so restated days
are replaced and a re-run never duplicates spend. One failing account is recorded and skipped;
its state does not move.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.common import failures, validate
from ingestion.common.arrow import require_delivered
from ingestion.common.incremental import AccountState, incremental_window
from ingestion.common.jsonpage import concat_pages
from ingestion.common.pipeline import keys_unique_per_load
from ingestion.common.prefetch import prefetched
from ingestion.common.schema import or_empty
from ingestion.common.windows import Window, each_window, requested_days, windows_table
from ingestion.linkedin_ads import settings
from ingestion.linkedin_ads.client import LinkedInClient, parse_account_ids
from ingestion.linkedin_ads.helpers import analytics_table, entity_table

__all__ = ["linkedin_ads"]

log = logging.getLogger(__name__)


@dlt.source(name=settings.SOURCE_NAME, max_table_nesting=0)
def linkedin_ads(
    access_token: str = dlt.secrets.value,
    account_ids: Any = dlt.config.value,
    base_url: str = settings.DEFAULT_BASE_URL,
    api_version: str = settings.API_VERSION,
    start_date: Any = None,
    end_date: Any = None,
    lookback_days: int = settings.DEFAULT_LOOKBACK_DAYS,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    analytics_max_elements: int = settings.ANALYTICS_MAX_ELEMENTS,
    chunk_days: int = settings.DEFAULT_CHUNK_DAYS,
    batch_rows: int = settings.BATCH_ROWS,
    max_attempts: int = 6,
    backoff_base: float = 0.5,
    backoff_cap: float = 60.0,
    timeout: float = 60.0,
) -> Sequence[DltResource]:
    """The LinkedIn Ads source.

    Args:
        access_token: an OAuth token with `r_ads` and `r_ads_reporting` (Bearer header).
        account_ids: ad account ids (plain or `urn:li:sponsoredAccount:` URNs); a list, a JSON
            list or a comma-separated string.
        base_url: the API host root, no path.
        api_version: the `LinkedIn-Version` header, `YYYYMM`.
        start_date: first UTC day to load (default: `DEFAULT_HISTORY_DAYS` before the end date).
        end_date: last UTC day to load (default: today, UTC).
        lookback_days: days before the last loaded day re-pulled every run (restatements).
        page_size: `pageSize` of the search finders (at most 1,000).
        analytics_max_elements: adAnalytics' response cap (15,000); chunks stay under it.
        chunk_days: days in the first adAnalytics request of an account (and at most per request).
        batch_rows: analytics rows per Arrow table handed to dlt.
        max_attempts, backoff_base, backoff_cap, timeout: the HTTP retry policy.
    """
    name = settings.SOURCE_NAME
    first_day, last_day = validate.days(name, start_date, end_date)
    # (the client checks page_size and chunk_days)
    validate.at_least(name, {"lookback_days": (lookback_days, 0), "batch_rows": (batch_rows, 1),
                             "analytics_max_elements": (analytics_max_elements, 2)})
    validate.retry_policy(name, max_attempts, backoff_base, backoff_cap, timeout)
    client = LinkedInClient(
        validate.base_url(name, base_url), access_token, api_version, page_size=page_size,
        max_elements=analytics_max_elements, chunk_days=chunk_days, max_attempts=max_attempts,
        backoff_base=backoff_base, backoff_cap=backoff_cap, timeout=timeout,
    )
    accounts = parse_account_ids(account_ids)
    # LinkedIn ad accounts carry no time zone: their days are UTC days.
    until = last_day or dt.datetime.now(dt.UTC).date()
    since = first_day or until - dt.timedelta(days=settings.DEFAULT_HISTORY_DAYS - 1)
    failed: set[str] = set()

    def each_account(load: Callable[[str], Iterator[pa.Table]]) -> Iterator[pa.Table]:
        return failures.each_account(name, accounts, failed, load)

    # Every table declares its documented columns and exists after a load, even when a field
    # or a whole kind of object (campaign groups, say) is absent from every account.
    tables = settings.TABLES

    @dlt.resource(**tables["ad_accounts"].resource_hints())
    def ad_accounts() -> Iterator[pa.Table]:
        def load(account_id: str) -> Iterator[pa.Table]:
            yield entity_table("ad_accounts", [client.account(account_id)], account_id)

        yield from or_empty(each_account(load), tables["ad_accounts"])

    def search_resource(collection: str) -> DltResource:
        table = settings.SEARCHES[collection][0]

        @dlt.resource(**tables[table].resource_hints())
        def entities() -> Iterator[pa.Table]:
            def load(account_id: str) -> Iterator[pa.Table]:
                records: list[dict] = []
                for page in client.search(account_id, collection):
                    records.extend(page)
                    if len(records) >= batch_rows:
                        yield entity_table(table, records, account_id)
                        records = []
                if records:
                    yield entity_table(table, records, account_id)

            yield from or_empty(each_account(load), tables[table])

        return entities

    @dlt.resource(**tables["load_windows"].resource_hints())
    def load_windows() -> Iterator[pa.Table]:
        """The UTC days of analytics each account is asked for in this load (its look-back
        before the last loaded day, or `start_date`, to the end date)."""
        state = AccountState(dlt.current.resource_state("ad_analytics_daily"))

        def plan(account_id: str) -> Iterator[pa.Table]:
            window = incremental_window(state.last_day(account_id), since, lookback_days, until)
            if window is not None:
                yield windows_table([Window("ad_analytics_daily", account_id, *window)])

        yield from or_empty(each_account(plan), tables["load_windows"])

    @dlt.transformer(data_from=load_windows, **tables["ad_analytics_daily"].resource_hints())
    def ad_analytics_daily(windows: pa.Table) -> Iterator[pa.Table]:
        def load(window: Window) -> Iterator[pa.Table]:
            account_id = window.account_id
            # each request's elements, keeping only the days it asked for
            chunks = (table for start, end, elements in
                      prefetched(client.analytics_chunks(account_id, window.first, window.last))
                      if elements.num_rows
                      for table in requested_days(
                          [analytics_table(elements, account_id)], start, end, day="date",
                          source=name, account=account_id))
            for table in concat_pages(chunks, batch_rows):
                require_delivered(table, settings.ANALYTICS_REQUIRED_METRICS, name, account_id,
                                  f"GET {settings.ANALYTICS_PATH}")
                yield table

        state = AccountState(dlt.current.resource_state())
        yield from or_empty(each_window(name, windows, "ad_analytics_daily", state, failed, load),
                            tables["ad_analytics_daily"])

    return [ad_accounts, search_resource("adCampaignGroups"), search_resource("adCampaigns"),
            search_resource("creatives"), load_windows,
            keys_unique_per_load(ad_analytics_daily)]
