"""LinkedIn Ads (Marketing API, versioned REST) as a dlt source: ad accounts, campaign groups,
campaigns, creatives, daily creative analytics and Lead Gen Form responses, loaded raw into
`raw_linkedin_ads`.

Dimensions are merged on `id`, so status changes land. Analytics are pulled by UTC day with a
look-back window per account and merged on (account_id, creative_urn, date), so restated days
are replaced and a re-run never duplicates spend. Lead form responses are pulled by UTC day of
submission with a look-back window too, and merged on their `id`. One failing account is
recorded and skipped; its state does not move.
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
    requested_days,
    windows_table,
)
from ingestion.linkedin_ads import settings
from ingestion.linkedin_ads.client import LinkedInClient, normalize_account_id
from ingestion.linkedin_ads.helpers import (
    analytics_table,
    email_questions,
    entity_table,
    lead_form_id,
    lead_responses_table,
)

__all__ = ["linkedin_ads"]

log = logging.getLogger(__name__)


@dlt.source(name=settings.SOURCE_NAME, max_table_nesting=0)
def linkedin_ads(
    access_token: str = dlt.secrets.value,
    account_ids: list[str] = dlt.config.value,
    base_url: str = settings.DEFAULT_BASE_URL,
    api_version: str = settings.API_VERSION,
    start_date: Any = None,
    end_date: Any = None,
    lookback_days: int = settings.DEFAULT_LOOKBACK_DAYS,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    analytics_max_elements: int = settings.ANALYTICS_MAX_ELEMENTS,
    chunk_days: int = settings.DEFAULT_CHUNK_DAYS,
    batch_rows: int = settings.BATCH_ROWS,
    retry: RetryPolicy | None = None,
) -> Sequence[DltResource]:
    """The LinkedIn Ads source.

    Args:
        access_token: an OAuth token with `r_ads` and `r_ads_reporting`, and for leads
            `r_marketing_leadgen_automation` (Bearer header).
        account_ids: ad account ids (plain or `urn:li:sponsoredAccount:` URNs): a TOML list,
            or a JSON list in an environment variable.
        base_url: the API host root, no path.
        api_version: the `LinkedIn-Version` header, `YYYYMM`.
        start_date: first UTC day to load (default: `DEFAULT_HISTORY_DAYS` before the end date).
        end_date: last UTC day to load (default: today, UTC).
        lookback_days: days before the last loaded day re-pulled every run (restatements).
        page_size: `pageSize` of the search finders, `count` of leadFormResponses (at most
            1,000).
        analytics_max_elements: adAnalytics' response cap (15,000); chunks stay under it.
        chunk_days: days in the first adAnalytics request of an account (and at most per
            request); days per leadFormResponses request.
        batch_rows: analytics rows per Arrow table handed to dlt.
        retry: the HTTP retry policy; None reads `max_attempts`, `backoff_base`, `backoff_cap`
            and `timeout` from the source's configuration.
    """
    name = settings.SOURCE_NAME
    first_day, last_day = validate.days(name, start_date, end_date)
    # (the client checks page_size and chunk_days)
    validate.at_least(name, {"lookback_days": (lookback_days, 0), "batch_rows": (batch_rows, 1),
                             "analytics_max_elements": (analytics_max_elements, 2)})
    client = LinkedInClient(
        validate.base_url(name, base_url), access_token, api_version, page_size=page_size,
        max_elements=analytics_max_elements, chunk_days=chunk_days,
        retry=retry_policy(name, retry),
    )
    accounts = validate.ids(settings.SOURCE_NAME, "account_ids", account_ids, normalize_account_id)
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
        """The UTC days of analytics and of lead form responses each account is asked for in
        this load (each report's look-back before its last loaded day, or `start_date`, to the
        end date)."""
        states = {report: AccountState(dlt.current.resource_state(report))
                  for report in ("ad_analytics_daily", "lead_form_responses")}

        def plan(account_id: str) -> Iterator[pa.Table]:
            windows = [Window(report, account_id, *window) for report, state in states.items()
                       if (window := incremental_window(state.last_day(account_id), since,
                                                        lookback_days, until)) is not None]
            if windows:
                yield windows_table(windows)

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

    # form id -> its email questions, each form read once per load
    forms: dict[str, list[str]] = {}

    def responses_table(records: list[dict], account_id: str) -> pa.Table:
        for form_id in {lead_form_id(r.get("versionedLeadGenFormUrn")) for r in records}:
            if form_id is not None and form_id not in forms:
                forms[form_id] = email_questions(client.lead_form(account_id, form_id))
        return lead_responses_table(records, account_id, forms)

    @dlt.transformer(data_from=load_windows, **tables["lead_form_responses"].resource_hints())
    def lead_form_responses(windows: pa.Table) -> Iterator[pa.Table]:
        """The sponsored lead form responses submitted in each account's window, by requests of
        `chunk_days` days; test leads are dropped and counted in a log line."""
        def load(window: Window) -> Iterator[pa.Table]:
            account_id = window.account_id
            tests = 0
            for start, end in date_chunks(window.first, window.last, chunk_days):
                pages = []
                for records in client.lead_responses(account_id, start, end):
                    real = [r for r in records if r.get("testLead") is not True]
                    tests += len(records) - len(real)
                    if real:
                        pages.append(responses_table(real, account_id))
                yield from requested_days(
                    concat_pages(pages, batch_rows), start, end,
                    day=LocalDays("submitted_at_utc", "UTC"), source=name, account=account_id)
            if tests:
                log.info("%s: account %s: dropped %d test lead%s submitted %s..%s", name,
                         account_id, tests, "" if tests == 1 else "s", window.first,
                         window.last)

        state = AccountState(dlt.current.resource_state())
        yield from or_empty(
            each_window(name, windows, "lead_form_responses", state, failed, load),
            tables["lead_form_responses"])

    return [ad_accounts, search_resource("adCampaignGroups"), search_resource("adCampaigns"),
            search_resource("creatives"), load_windows,
            keys_unique_per_load(ad_analytics_daily), lead_form_responses]
