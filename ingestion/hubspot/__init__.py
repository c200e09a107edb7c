"""HubSpot CRM source: contacts, deals and their associations, page views and form submissions,
exchange rates, users, teams, account info, and the ad-account access partitions file.

Every resource isolates its own failure: an error is recorded (see `ingestion.common.failures`),
the other resources load, and the failed resource's incremental state does not move.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.common import failures, validate
from ingestion.common.arrow import to_table
from ingestion.common.http import ApiError, RetryPolicy, SourceError, retry_policy
from ingestion.common.incremental import AccountState, date_chunks, incremental_window
from ingestion.common.jsonpage import PageShape, concat_pages
from ingestion.common.pipeline import keys_unique_per_load
from ingestion.common.prefetch import prefetched
from ingestion.common.schema import or_empty
from ingestion.common.windows import LocalDays, requested_chunks
from ingestion.hubspot import settings
from ingestion.hubspot.client import HubSpotClient
from ingestion.hubspot.helpers import (
    association_rows,
    batched_tables,
    day_start,
    event_table,
    first_of_each,
    iso_ms,
    load_access_config,
    modified_ms,
    object_row,
    to_ms,
)

log = logging.getLogger(__name__)

__all__ = ["hubspot_source"]

_DAY_MS = 86_400_000


@dlt.source(name="hubspot", max_table_nesting=0)
def hubspot_source(
    access_token: str = dlt.secrets.value,
    base_url: str = settings.DEFAULT_BASE_URL,
    api_version: str = settings.API_VERSION,
    start_date: str | None = None,
    end_date: str | None = None,
    lookback_days: int = 3,
    time_zone: str = "UTC",
    portal_id: str | None = None,
    access_config_path: str | None = None,
    page_size: int = settings.LIST_MAX_LIMIT,
    events_page_size: int = settings.EVENTS_PAGE_SIZE,
    events_window_days: int = settings.EVENTS_WINDOW_DAYS,
    events_concurrency: int = settings.EVENTS_CONCURRENCY,
    association_batch_size: int = settings.ASSOCIATION_BATCH_MAX,
    search_result_cap: int = settings.SEARCH_RESULT_CAP,
    form_event_type: str = settings.FORM_SUBMISSION_EVENT,
    retry: RetryPolicy | None = None,
) -> Sequence[DltResource]:
    """The HubSpot portal reachable with `access_token` (a private app token).

    `start_date` bounds the events (default: two years before `end_date`); `end_date` (default:
    today) is the last day of events pulled; both are days in `time_zone` (default UTC; `portal`
    is the portal's own zone, read from its account info: a backfill of the portal's days sets
    it). Contacts and deals load whole on the first run, then through the search API by
    modification time, re-reading `lookback_days` before the newest modification seen; events
    re-read `lookback_days` before the last loaded day. `access_config_path` points at the
    ad-account access file (without it the table is empty). `retry` is the HTTP retry policy;
    None reads `max_attempts`, `backoff_base`, `backoff_cap` and `timeout` from configuration.
    """
    name = settings.SOURCE_NAME
    if time_zone != PORTAL_ZONE:
        validate.time_zone(name, "time_zone", time_zone)
    first_day, last_day = validate.days(name, start_date, end_date)
    validate.at_least(name, {"lookback_days": (lookback_days, 0), "page_size": (page_size, 1),
                             "events_page_size": (events_page_size, 1),
                             "events_window_days": (events_window_days, 1),
                             "events_concurrency": (events_concurrency, 1),
                             "association_batch_size": (association_batch_size, 1),
                             "search_result_cap": (search_result_cap, 1)})
    client = HubSpotClient(
        access_token, base_url=validate.base_url(name, base_url), api_version=api_version,
        portal_id=portal_id, retry=retry_policy(name, retry),
    )
    days = EventDays(client, time_zone, first_day, last_day)
    events = EventPaging(events_page_size, events_window_days, events_concurrency)
    deals_resource = deals(client, lookback_days, page_size, search_result_cap)
    resources = [
        account_info(client),
        contacts(client, lookback_days, page_size, search_result_cap),
        deals_resource,
        deals_resource | deal_contact_associations(client=client,
                                                   batch_size=association_batch_size),
        # Each event window keeps its own days and drops what its cursor repeats (`_events`):
        # dlt's deduplication of the staged events, most of a large load's time, is not needed.
        keys_unique_per_load(page_views(client, days, lookback_days, events)),
        keys_unique_per_load(form_submissions(client, days, lookback_days, events,
                                              form_event_type)),
        exchange_rates(client, page_size),
        users(client, page_size),
        teams(client),
        ad_account_access(access_config_path),
    ]
    return resources


# -- dimensions ---------------------------------------------------------------------------------
@dlt.resource(**settings.TABLES["account_info"].resource_hints())
def account_info(client: HubSpotClient) -> Iterator[pa.Table]:
    """The portal: id, time zone, company currency (also from settings v3), other currencies."""
    try:
        record = dict(client.account_details())
    except SourceError as exc:
        failures.record(exc)
        yield settings.TABLES["account_info"].empty()
        return
    try:
        currency = client.company_currency()
        record["currencySettings"] = currency
        # the account info names it; the settings API does too, as `currencyCode` (v3) or
        # `id` (the date-versioned API)
        if not record.get("companyCurrency"):
            record["companyCurrency"] = currency.get("currencyCode") or currency.get("id")
    except SourceError as exc:
        # The account info names the company currency itself; the settings API (which needs
        # the multi-currency scope) only confirms it.
        log.warning("hubspot: company currency from the settings API not loaded (%s); the "
                    "account info's is used", exc.reason)
    table = settings.TABLES["account_info"]
    yield to_table([record], known=table.columns, keys=table.primary_key)


@dlt.resource(**settings.TABLES["exchange_rates"].resource_hints())
def exchange_rates(client: HubSpotClient, page_size: int) -> Iterator[pa.Table]:
    yield from _settings_list(client, settings.EXCHANGE_RATES, page_size, "exchange_rates")


@dlt.resource(**settings.TABLES["users"].resource_hints())
def users(client: HubSpotClient, page_size: int) -> Iterator[pa.Table]:
    yield from _settings_list(client, settings.USERS, page_size, "users")


@dlt.resource(**settings.TABLES["teams"].resource_hints())
def teams(client: HubSpotClient) -> Iterator[pa.Table]:
    """The portal's teams (a portal without teams has none: the table exists, empty)."""
    yield from _settings_rows(lambda: client.get(settings.TEAMS).get("results") or [], "teams")


def _settings_list(client: HubSpotClient, template: str, page_size: int,
                   name: str) -> Iterator[pa.Table]:
    yield from _settings_rows(
        lambda: [record for page in client.paged(template, page_size) for record in page], name)


def _settings_rows(fetch: Callable[[], list[dict]], name: str) -> Iterator[pa.Table]:
    """Every record of a settings endpoint (`fetch`) as one table of raw table `name`, or its
    empty table; a failure is recorded and the other resources go on."""
    table = settings.TABLES[name]
    try:
        rows = fetch()
    except SourceError as exc:
        failures.record(exc)
        rows = []
    loaded = [to_table(rows, known=table.columns, keys=table.primary_key)] if rows else []
    yield from or_empty(loaded, table)


@dlt.resource(**settings.TABLES["ad_account_access"].resource_hints())
def ad_account_access(access_config_path: str | None) -> Iterator[pa.Table]:
    """Which users and teams may see which ad accounts, from the versioned config file.

    Replaced whole on every run: the file is the complete truth, so revoked access disappears.
    Without a file the table is empty (only super admins see every account).
    """
    table = settings.TABLES["ad_account_access"]
    if not access_config_path:
        log.warning("hubspot: no access_config_path set: ad_account_access stays empty, and "
                    "per-user report filters will show no accounts")
        yield table.empty()
        return
    try:
        version, rows = load_access_config(access_config_path)
    except SourceError as exc:
        failures.record(exc)
        return
    yield to_table(rows, known=table.columns, extra={"config_version": version},
                   keys=table.primary_key)


# -- CRM objects --------------------------------------------------------------------------------
@dlt.resource(**settings.TABLES["contacts"].resource_hints())
def contacts(client: HubSpotClient, lookback_days: int, page_size: int,
             search_result_cap: int) -> Iterator[pa.Table]:
    yield from or_empty(_crm_objects(client, "contacts", lookback_days, page_size,
                                     search_result_cap), settings.TABLES["contacts"])


@dlt.resource(**settings.TABLES["deals"].resource_hints())
def deals(client: HubSpotClient, lookback_days: int, page_size: int,
          search_result_cap: int) -> Iterator[pa.Table]:
    yield from or_empty(_crm_objects(client, "deals", lookback_days, page_size,
                                     search_result_cap), settings.TABLES["deals"])


def _crm_objects(client: HubSpotClient, object_type: str, lookback_days: int, page_size: int,
                 search_result_cap: int) -> Iterator[pa.Table]:
    """All records on the first run; afterwards those modified since the cursor, less look-back.

    The cursor (newest modification seen, per portal) moves only once every page has been read.
    """
    cursors = dlt.current.resource_state().setdefault("last_modified", {})
    try:
        portal = client.portal_id()
        cursor = cursors.get(portal)
        properties = settings.OBJECT_PROPERTIES[object_type]
        if cursor is None:
            pages = client.list_objects(object_type, properties, page_size)
        else:
            since = (to_ms(cursor) or 0) - lookback_days * _DAY_MS
            pages = client.search_modified_since(object_type, since, properties, page_size,
                                                 search_result_cap)
        seen = {"newest": to_ms(cursor)}

        def rows() -> Iterator[dict]:
            # Read ahead in a thread: a million contacts are 10,000 pages of 100 read one after
            # another, and the events' windows are read meanwhile.
            for page in prefetched(pages, depth=4):
                for record in page:
                    row = object_row(record)
                    stamp = modified_ms(row, object_type)
                    if stamp is not None and (seen["newest"] is None or stamp > seen["newest"]):
                        seen["newest"] = stamp
                    yield row

        yield from batched_tables(rows(), settings.OBJECT_COLUMN_TYPES[object_type],
                                  settings.BATCH_ROWS)
        if seen["newest"] is not None:
            cursors[portal] = iso_ms(_from_ms(seen["newest"]))
    except SourceError as exc:
        failures.record(exc)


@dlt.transformer(**settings.TABLES["deal_contact_associations"].resource_hints())
def deal_contact_associations(deals_table: pa.Table, client: HubSpotClient,
                              batch_size: int) -> Iterator[pa.Table]:
    """Deal -> contact associations (v4) of the deals this run loaded (the deals resource yields
    at least one, empty, table, so this table exists too)."""
    table = settings.TABLES["deal_contact_associations"]
    try:
        ids = [str(i) for i in deals_table.column("id").to_pylist() if i is not None]
        rows = [row for page in client.associations("deals", "contacts", ids, batch_size)
                for result in page for row in association_rows(result)] if ids else []
        if rows:
            yield to_table(rows, known=table.columns, keys=table.primary_key)
            return
    except SourceError as exc:
        failures.record(exc)
    yield table.empty()


# -- events -------------------------------------------------------------------------------------
# The `time_zone` that means the portal's own, from its account info.
PORTAL_ZONE = "portal"


@dataclass
class EventDays:
    """The days of events to pull, in a zone known only once the portal answers when it is the
    portal's own (`time_zone="portal"`, a backfill of the portal's days)."""

    client: HubSpotClient
    time_zone: str
    start_date: dt.date | None
    end_date: dt.date | None
    _resolved: tuple[dt.date, dt.date, zoneinfo.ZoneInfo] | None = None

    def resolve(self) -> tuple[dt.date, dt.date, zoneinfo.ZoneInfo]:
        """(first day, last day, zone); reads the account info for the portal's zone."""
        if self._resolved is None:
            if self.time_zone == PORTAL_ZONE:
                zone = self._portal_zone()
            else:  # checked when the source was built
                zone = zoneinfo.ZoneInfo(self.time_zone)
            end = self.end_date or dt.datetime.now(zone).date()
            start = self.start_date or end - dt.timedelta(days=730)
            self._resolved = (start, end, zone)
        return self._resolved

    def _portal_zone(self) -> zoneinfo.ZoneInfo:
        """The account info's timeZone; without a usable one the events cannot be windowed (the
        other tables still load)."""
        name = self.client.account_details().get("timeZone")
        problem = None if name else "has no timeZone"
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                problem = f"has a timeZone {name!r} that is not an IANA time zone"
        raise ApiError(settings.SOURCE_NAME, self.client.account,
                       f"GET {self.client.path(settings.ACCOUNT_DETAILS)}",
                       f"the account info {problem}, which the portal's days are counted in "
                       "(set sources.hubspot.time_zone)")


@dataclass(frozen=True)
class EventPaging:
    """How the events are asked for: records per page, days per window, windows at once."""

    page_size: int = settings.EVENTS_PAGE_SIZE
    window_days: int = settings.EVENTS_WINDOW_DAYS
    concurrency: int = settings.EVENTS_CONCURRENCY


@dlt.resource(**settings.TABLES["page_views"].resource_hints())
def page_views(client: HubSpotClient, days: EventDays, lookback_days: int,
               paging: EventPaging) -> Iterator[pa.Table]:
    """`e_visited_page` occurrences (hs_url, hs_referrer, hs_session_id); sessions are built
    from them downstream."""
    yield from or_empty(_events(client, settings.PAGE_VIEW_EVENT, settings.PAGE_VIEW_PAGE,
                                days, lookback_days, paging),
                        settings.TABLES["page_views"])


@dlt.resource(**settings.TABLES["form_submissions"].resource_hints())
def form_submissions(client: HubSpotClient, days: EventDays, lookback_days: int,
                     paging: EventPaging, event_type: str = settings.FORM_SUBMISSION_EVENT
                     ) -> Iterator[pa.Table]:
    """Form-submission events: contact (objectId), hs_form_id, hs_url (the page),
    hs_session_id, occurredAt (submitted at)."""
    yield from or_empty(_events(client, event_type, settings.FORM_SUBMISSION_PAGE, days,
                                lookback_days, paging),
                        settings.TABLES["form_submissions"])


def _events(client: HubSpotClient, event_type: str, shape: PageShape, days: EventDays,
            lookback_days: int, paging: EventPaging) -> Iterator[pa.Table]:
    """Occurrences from the look-back before the last loaded day through the last day (days in
    the events' zone), asked for `paging.window_days` days at a time, up to
    `paging.concurrency` windows at once: each window pages on its own cursor, so a backfill
    of millions of events is not one cursor read page after page.

    The window's lower bound is exclusive in HubSpot's API, so it starts a millisecond early.
    Each window keeps only its own days, so an event (one instant) is kept by one window at
    most, and a window drops an event its cursor repeats: the events need no deduplication
    after extraction (`keys_unique_per_load`).
    """
    state = AccountState(dlt.current.resource_state())
    try:
        portal = client.portal_id()
        start_date, end_date, zone = days.resolve()
        window = incremental_window(state.last_day(portal), start_date, lookback_days, end_date)
        if window is None:
            return
        def read(first: dt.date, last: dt.date) -> Iterator[pa.Table]:
            after = day_start(first, zone) - dt.timedelta(milliseconds=1)
            before = day_start(last + dt.timedelta(days=1), zone)
            pages = client.events(event_type, after, before, paging.page_size, shape)
            seen: set[str] = set()  # the window's own: no other window has its days
            return (first_of_each(event_table(table), "id", seen)
                    for table in concat_pages(pages, settings.BATCH_ROWS))

        # The requests ask for instants, the days [first, last] in `zone`: an occurrence of
        # another day is dropped, and said.
        # A window's events are all yielded before the next window's: the state moves past
        # each window as it ends, so a later window's failure does not read it again.
        yield from requested_chunks(
            date_chunks(*window, paging.window_days), read,
            day=LocalDays("occurred_at_utc", zone.key), source=settings.SOURCE_NAME,
            account=client.account, workers=paging.concurrency,
            done=lambda _first, last: state.advance(portal, last))
    except SourceError as exc:
        failures.record(exc)


def _from_ms(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
