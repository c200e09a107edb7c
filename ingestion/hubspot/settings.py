"""HubSpot API constants: version, endpoints, property lists, keys and pinned column types."""

from __future__ import annotations

import pyarrow as pa

from ingestion.common.jsonpage import PageShape
from ingestion.common.schema import RawTable
from ingestion.common.windows import CONCURRENT_CHUNKS

SOURCE_NAME = "hubspot"
DEFAULT_BASE_URL = "https://api.hubapi.com"

# HubSpot versions each API in its path. CRM objects, events, settings and account info share
# `v3`; associations with labels live in `v4`.
API_VERSION = "v3"
ASSOCIATIONS_API_VERSION = "v4"

ACCOUNT_DETAILS = "/account-info/{v}/details"
COMPANY_CURRENCY = "/settings/{v}/currencies/company-currency"
EXCHANGE_RATES = "/settings/{v}/currencies/exchange-rates"
USERS = "/settings/{v}/users"
TEAMS = "/settings/{v}/users/teams"
OBJECTS = "/crm/{v}/objects/{object_type}"
OBJECTS_SEARCH = "/crm/{v}/objects/{object_type}/search"
ASSOCIATIONS_BATCH_READ = "/crm/{av}/associations/{from_type}/{to_type}/batch/read"
EVENTS = "/events/{v}/events"

# Documented maxima.
LIST_MAX_LIMIT = 100
SEARCH_MAX_LIMIT = 200
SEARCH_RESULT_CAP = 10_000  # the search endpoint refuses to page past 10,000 results per query
SETTINGS_MAX_LIMIT = 100
ASSOCIATION_BATCH_MAX = 1_000
EVENTS_PAGE_SIZE = 1_000
# A backfill's events are asked for a week at a time, two weeks at once: each window pages on its
# own cursor (one cursor over two years is 18,000 pages read one after another at size L).
EVENTS_WINDOW_DAYS = 7
EVENTS_CONCURRENCY = CONCURRENT_CHUNKS

# Rows per Arrow table handed to dlt: pages are batched so big tables are few large items.
BATCH_ROWS = 10_000

PAGE_VIEW_EVENT = "e_visited_page"
FORM_SUBMISSION_EVENT = "e_submitted_form"

LIFECYCLE_STAGES = (
    "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
    "customer", "evangelist", "other",
)
CONTACT_PROPERTIES = (
    "email", "firstname", "lastname", "createdate", "lastmodifieddate", "lifecyclestage",
    *(f"hs_lifecyclestage_{stage}_date" for stage in LIFECYCLE_STAGES),
    "hs_analytics_source", "hs_object_id",
)
DEAL_PROPERTIES = (
    "dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate",
    "createdate", "hs_lastmodifieddate", "hs_object_id",
)
# The property each object type's modification time lives in (search filters and sorts on it).
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}
OBJECT_PROPERTIES = {"contacts": CONTACT_PROPERTIES, "deals": DEAL_PROPERTIES}

PAGE_VIEW_PROPERTIES = ("hs_url", "hs_referrer", "hs_session_id")
FORM_SUBMISSION_PROPERTIES = ("hs_form_id", "hs_form_title", "hs_url", "hs_session_id")

ACCESS_PRINCIPAL_TYPES = ("user", "team")
ACCESS_FIELDS = ("network", "account_id", "principal_type", "principal_id")

# Every CRM property is a string; pinning keeps a page of digits-only values from turning numeric.
_STRING = pa.string()
OBJECT_TYPES: dict[str, pa.DataType] = {
    "id": _STRING, "createdAt": _STRING, "updatedAt": _STRING, "archived": pa.bool_(),
}
CONTACT_TYPES = {**OBJECT_TYPES, **dict.fromkeys(CONTACT_PROPERTIES, _STRING)}
DEAL_TYPES = {**OBJECT_TYPES, **dict.fromkeys(DEAL_PROPERTIES, _STRING)}
OBJECT_COLUMN_TYPES = {"contacts": CONTACT_TYPES, "deals": DEAL_TYPES}

# `occurredAt` stays as delivered (ISO text, or epoch milliseconds as text); `occurred_at_utc` is
# the parsed instant, so both forms land comparable.
EVENT_TYPES: dict[str, pa.DataType] = {
    "id": _STRING, "objectType": _STRING, "objectId": _STRING, "eventType": _STRING,
    "occurredAt": _STRING, "occurred_at_utc": pa.timestamp("us", tz="UTC"),
}
PAGE_VIEW_TYPES = {**EVENT_TYPES, **dict.fromkeys(PAGE_VIEW_PROPERTIES, _STRING)}
FORM_SUBMISSION_TYPES = {**EVENT_TYPES, **dict.fromkeys(FORM_SUBMISSION_PROPERTIES, _STRING)}



def event_page(properties: tuple[str, ...]) -> PageShape:
    """An events v3 page as Arrow reads it: occurrences with their `properties` object."""
    base = {name: kind for name, kind in EVENT_TYPES.items() if name != "occurred_at_utc"}
    return PageShape("results", {**base, **{f"properties__{p}": _STRING for p in properties}})


PAGE_VIEW_PAGE = event_page(PAGE_VIEW_PROPERTIES)
FORM_SUBMISSION_PAGE = event_page(FORM_SUBMISSION_PROPERTIES)

ASSOCIATION_TYPES: dict[str, pa.DataType] = {
    "deal_id": _STRING, "contact_id": _STRING, "association_types": _STRING,
}
EXCHANGE_RATE_TYPES: dict[str, pa.DataType] = {
    "id": _STRING, "fromCurrencyCode": _STRING, "toCurrencyCode": _STRING,
    "conversionRate": pa.float64(), "effectiveAt": _STRING, "createdAt": _STRING,
    "updatedAt": _STRING, "visibleInUI": pa.bool_(),
}
# A user carries `roleIds` (a list) or `roleId` or no role at all, and `primaryTeamId` only when
# the user has a team: each is declared, absent or not.
USER_TYPES: dict[str, pa.DataType] = {
    "id": _STRING, "email": _STRING, "roleId": _STRING, "roleIds": _STRING,
    "primaryTeamId": _STRING, "secondaryTeamIds": _STRING, "superAdmin": pa.bool_(),
}
TEAM_TYPES: dict[str, pa.DataType] = {
    "id": _STRING, "name": _STRING, "userIds": _STRING, "secondaryUserIds": _STRING,
}
ACCOUNT_INFO_TYPES: dict[str, pa.DataType] = {
    "portalId": pa.int64(), "accountType": _STRING, "timeZone": _STRING,
    "companyCurrency": _STRING, "additionalCurrencies": _STRING, "utcOffset": _STRING,
    "utcOffsetMilliseconds": pa.int64(), "uiDomain": _STRING, "dataHostingLocation": _STRING,
    # the settings API's company currency: `currencyCode` (v3), `id` (date-versioned API)
    "currencySettings__currencyCode": _STRING, "currencySettings__currencyName": _STRING,
    "currencySettings__id": _STRING,
}
ACCESS_TYPES: dict[str, pa.DataType] = {
    **dict.fromkeys(ACCESS_FIELDS, _STRING), "config_version": _STRING,
}

TABLES = {
    "account_info": RawTable("account_info", ACCOUNT_INFO_TYPES, ("portalId",)),
    "contacts": RawTable("contacts", CONTACT_TYPES, ("id",)),
    "deals": RawTable("deals", DEAL_TYPES, ("id",)),
    "deal_contact_associations": RawTable("deal_contact_associations", ASSOCIATION_TYPES,
                                          ("deal_id", "contact_id")),
    "page_views": RawTable("page_views", PAGE_VIEW_TYPES, ("id",)),
    "form_submissions": RawTable("form_submissions", FORM_SUBMISSION_TYPES, ("id",)),
    "exchange_rates": RawTable("exchange_rates", EXCHANGE_RATE_TYPES, ("id",)),
    "users": RawTable("users", USER_TYPES, ("id",)),
    "teams": RawTable("teams", TEAM_TYPES, ("id",)),
    # Replaced whole on every run: the access file is the complete truth.
    "ad_account_access": RawTable("ad_account_access", ACCESS_TYPES, ACCESS_FIELDS,
                                  write_disposition="replace"),
}
