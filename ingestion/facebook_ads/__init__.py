"""Facebook Ads (Marketing API, Graph) as a dlt source: accounts, campaigns, ad sets, ads,
daily ad-level insights and lead ads' leads, loaded raw into `raw_facebook_ads`.

Dimensions are merged on `id`, so status changes land; insights are pulled by day with a
look-back window per account and merged on (account_id, ad_id, date_start), so restated days
are replaced and a re-run never duplicates spend. Leads are pulled by day of their creation
(the account's days) with a look-back window too, and merged on the lead `id`. One failing
account is recorded and skipped; its state does not move.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.common import failures, validate
from ingestion.common.arrow import batched_pages, require_delivered, to_table, with_keys
from ingestion.common.http import RetryPolicy, retry_policy
from ingestion.common.incremental import AccountState, date_chunks, incremental_window
from ingestion.common.jsonpage import concat_pages
from ingestion.common.pipeline import keys_unique_per_load
from ingestion.common.prefetch import prefetched
from ingestion.common.schema import or_empty
from ingestion.common.windows import (
    LocalDays,
    Window,
    each_window,
    requested_chunks,
    requested_days,
    windows_table,
)
from ingestion.facebook_ads import settings
from ingestion.facebook_ads.client import FacebookClient, normalize_account_id
from ingestion.facebook_ads.helpers import account_today, account_zone, leads_table

__all__ = ["facebook_ads"]

log = logging.getLogger(__name__)


@dlt.source(name=settings.SOURCE_NAME, max_table_nesting=0)
def facebook_ads(
    access_token: str = dlt.secrets.value,
    account_ids: list[str] = dlt.config.value,
    base_url: str = settings.DEFAULT_BASE_URL,
    api_version: str = settings.API_VERSION,
    start_date: Any = None,
    end_date: Any = None,
    lookback_days: int = settings.DEFAULT_LOOKBACK_DAYS,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    insights_page_size: int = settings.DEFAULT_INSIGHTS_PAGE_SIZE,
    chunk_days: int = settings.DEFAULT_CHUNK_DAYS,
    retry: RetryPolicy | None = None,
) -> Sequence[DltResource]:
    """The Facebook Ads source.

    Args:
        access_token: a Marketing API token with `ads_read`, and for leads `leads_retrieval`
            and the Page permissions of README.md (sent as a Bearer header).
        account_ids: ad account ids, with or without `act_` (a TOML list, or a JSON list in
            an environment variable).
        base_url: the Graph host root, no path.
        api_version: the Graph version in every path, e.g. "v21.0".
        start_date: first day to load (default: `DEFAULT_HISTORY_DAYS` before the end date).
        end_date: last day to load (default: today in each account's time zone).
        lookback_days: days before the last loaded day re-pulled every run (restatements).
        page_size: `limit` per request for accounts, campaigns, ad sets and ads.
        insights_page_size: `limit` per insights request: large pages, few round trips.
        chunk_days: days per insights request, written as one Arrow table.
        retry: the HTTP retry policy; None reads `max_attempts`, `backoff_base`, `backoff_cap`
            and `timeout` from the source's configuration.
    """
    name = settings.SOURCE_NAME
    first_day, last_day = validate.days(name, start_date, end_date)
    validate.at_least(name, {"lookback_days": (lookback_days, 0), "chunk_days": (chunk_days, 1)})
    client = FacebookClient(
        validate.base_url(name, base_url), access_token, api_version, page_size=page_size,
        insights_page_size=insights_page_size, retry=retry_policy(name, retry),
    )
    accounts = validate.ids(settings.SOURCE_NAME, "account_ids", account_ids, normalize_account_id)
    failed: set[str] = set()

    def each_account(load: Callable[[str], Iterator[pa.Table]]) -> Iterator[pa.Table]:
        return failures.each_account(name, accounts, failed, load)

    # Every table declares its documented columns and exists after a load, even when a field
    # or a whole kind of object is absent from every account (ingestion/common/schema.py).
    tables = settings.TABLES

    @dlt.resource(**tables["ad_accounts"].resource_hints())
    def ad_accounts() -> Iterator[pa.Table]:
        def load(account_id: str) -> Iterator[pa.Table]:
            yield to_table([client.account(account_id)], known=settings.ACCOUNT_COLUMNS,
                           keys=("id",))

        yield from or_empty(each_account(load), tables["ad_accounts"])

    def edge_resource(edge: str) -> DltResource:
        table = tables[settings.EDGES[edge][0]]

        @dlt.resource(**table.resource_hints())
        def entities() -> Iterator[pa.Table]:
            def load(account_id: str) -> Iterator[pa.Table]:
                for records in batched_pages(client.entities(account_id, edge),
                                             settings.BATCH_ROWS):
                    yield to_table(records, known=table.columns, keys=("id",))

            yield from or_empty(each_account(load), table)

        return entities

    # each account's time zone, read when its windows are planned: leads' days are local
    zones: dict[str, ZoneInfo] = {}

    @dlt.resource(**tables["load_windows"].resource_hints())
    def load_windows() -> Iterator[pa.Table]:
        """The days of insights and of leads each account is asked for in this load (each
        report's look-back before its last loaded day, or `start_date`, to the end date)."""
        states = {report: AccountState(dlt.current.resource_state(report))
                  for report in ("ad_insights", "leads")}

        def plan(account_id: str) -> Iterator[pa.Table]:
            account = client.account(account_id)
            zones[account_id] = account_zone(account)
            until = last_day or account_today(account)
            since = first_day or until - dt.timedelta(days=settings.DEFAULT_HISTORY_DAYS)
            windows = [Window(report, account_id, *window) for report, state in states.items()
                       if (window := incremental_window(state.last_day(account_id), since,
                                                        lookback_days, until)) is not None]
            if windows:
                yield windows_table(windows)

        yield from or_empty(each_account(plan), tables["load_windows"])

    @dlt.transformer(data_from=load_windows, **tables["ad_insights"].resource_hints())
    def ad_insights(windows: pa.Table) -> Iterator[pa.Table]:
        def load(window: Window) -> Iterator[pa.Table]:
            account_id = window.account_id
            label = f"act_{account_id}"
            pages = requested_chunks(
                date_chunks(window.first, window.last, chunk_days),
                lambda first, last: client.insights(account_id, first, last),
                day="date_start", source=name, account=label)
            for table in concat_pages(pages, settings.BATCH_ROWS):
                require_delivered(table, settings.INSIGHTS_REQUIRED_METRICS, name, label,
                                  "GET insights")
                yield with_keys(table, settings.INSIGHTS_PRIMARY_KEY)

        state = AccountState(dlt.current.resource_state())
        yield from or_empty(each_window(name, windows, "ad_insights", state, failed, load),
                            tables["ad_insights"])

    @dlt.transformer(data_from=load_windows, **tables["leads"].resource_hints())
    def leads(windows: pa.Table) -> Iterator[pa.Table]:
        """The leads created in each account's window, from the `leads` edge of each of its
        ads worth asking (see `FacebookClient.lead_ads`); a lead created after the window's
        last day is dropped and said, as a report row of a day not asked for is."""
        def load(window: Window) -> Iterator[pa.Table]:
            account_id = window.account_id
            zone = zones.get(account_id, ZoneInfo("UTC"))
            since = dt.datetime.combine(window.first, dt.time(), zone)
            ads = client.lead_ads(account_id)
            log.info("%s: account act_%s: asking %d ads for leads created %s..%s", name,
                     account_id, len(ads), window.first, window.last)
            pages = (leads_table(records, account_id, ad_id) for ad_id in ads
                     for records in client.leads(account_id, ad_id, since))
            yield from requested_days(
                concat_pages(prefetched(pages), settings.BATCH_ROWS), window.first,
                window.last, day=LocalDays("created_at_utc", zone.key), source=name,
                account=f"act_{account_id}")

        state = AccountState(dlt.current.resource_state())
        yield from or_empty(each_window(name, windows, "leads", state, failed, load),
                            tables["leads"])

    return [ad_accounts, edge_resource("campaigns"), edge_resource("adsets"),
            edge_resource("ads"), load_windows, keys_unique_per_load(ad_insights), leads]
