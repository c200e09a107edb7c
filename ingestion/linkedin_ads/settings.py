"""LinkedIn Marketing API (versioned REST): version, endpoints, field lists, keys, column types."""

from __future__ import annotations

import pyarrow as pa

from ingestion.common.jsonpage import PageShape
from ingestion.common.schema import RawTable
from ingestion.common.windows import LOAD_WINDOWS

SOURCE_NAME = "linkedin_ads"
# Sent as the `LinkedIn-Version` header (YYYYMM); LinkedIn keeps each version for about a year.
API_VERSION = "202509"
DEFAULT_BASE_URL = "https://api.linkedin.com"
RESTLI_PROTOCOL_VERSION = "2.0.0"

DEFAULT_LOOKBACK_DAYS = 30
# Without a configured start date, load this many days of history.
DEFAULT_HISTORY_DAYS = 730
# The search finders' documented default page size (at most 1,000).
DEFAULT_PAGE_SIZE = 100
# adAnalytics is not paged and silently truncates a response at 15,000 elements, so the date
# range is chunked to stay under it. The first chunk is this many days; later chunks are sized
# from the density seen so far.
ANALYTICS_MAX_ELEMENTS = 15_000
DEFAULT_CHUNK_DAYS = 30
# Aim each request at this share of the cap, so a busier next chunk still fits.
CHUNK_FILL = 0.7
# Rows gathered before one Arrow table is yielded to dlt.
BATCH_ROWS = 50_000

ACCOUNT_PATH = "/rest/adAccounts/{account_id}"
SEARCH_PATH = "/rest/adAccounts/{account_id}/{collection}"
ANALYTICS_PATH = "/rest/adAnalytics"
LEAD_RESPONSES_PATH = "/rest/leadFormResponses"
LEAD_FORM_PATH = "/rest/leadForms/{form_id}"

ACCOUNT_URN = "urn:li:sponsoredAccount:"
CREATIVE_URN = "urn:li:sponsoredCreative:"

# Lead Gen Form responses of ads (leadType SPONSORED; EVENT, COMPANY and ORGANIZATION_PRODUCT
# leads are organic), paged with `start`/`count` and asked for by chunks of `chunk_days` UTC
# days of `submittedAt`. A response names its form by `versionedLeadGenFormUrn`,
# `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:<id>,<version>)`; which answer is the email
# is in the form's questions (`predefinedField`), the first of these answered wins.
LEAD_TYPE = "SPONSORED"
LEAD_FORM_URN = r"urn:li:leadGenForm:(\d+)"
LEAD_EMAIL_FIELDS = ("EMAIL", "WORK_EMAIL")

# Every status, so canceled and archived entities (whose spend still counts) come back too.
CAMPAIGN_GROUP_STATUSES = ("ACTIVE", "ARCHIVED", "CANCELED", "DRAFT", "PAUSED",
                           "PENDING_DELETION", "REMOVED")
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "COMPLETED", "CANCELED", "DRAFT",
                     "PENDING_DELETION", "REMOVED")
CREATIVE_STATUSES = ("ACTIVE", "PAUSED", "DRAFT", "ARCHIVED", "CANCELED", "PENDING_DELETION",
                     "REMOVED")

# collection -> (raw table, finder, status filter parameter, statuses)
SEARCHES = {
    "adCampaignGroups": ("campaign_groups", "search", "search", CAMPAIGN_GROUP_STATUSES),
    "adCampaigns": ("campaigns", "search", "search", CAMPAIGN_STATUSES),
    "creatives": ("creatives", "criteria", "intendedStatuses", CREATIVE_STATUSES),
}

ANALYTICS_METRICS = ("impressions", "clicks", "costInLocalCurrency", "likes", "totalEngagements",
                     "externalWebsiteConversions", "landingPageClicks")
ANALYTICS_FIELDS = ("dateRange", "pivotValues", *ANALYTICS_METRICS)
# An element leaves out a metric it has none of; a response whose elements all lack the cost
# did not deliver it, and is refused rather than loaded as zero.
ANALYTICS_REQUIRED_METRICS = ("costInLocalCurrency",)

# Columns the source adds beside the raw ones: the account the request was for, the creative URN
# out of `pivotValues`, and the UTC day out of `dateRange.start`.
ANALYTICS_PRIMARY_KEY = ("account_id", "creative_urn", "date")

_S = pa.string()
_I = pa.int64()
_B = pa.bool_()
_AUDIT = {"changeAuditStamps__created__time": _I, "changeAuditStamps__lastModified__time": _I}
# Documented fields pinned to the JSON type LinkedIn sends: numeric ids, URNs and money strings.
ACCOUNT_COLUMNS = {"id": _I, "name": _S, "currency": _S, "status": _S, "type": _S,
                   "reference": _S, "test": _B, "servingStatuses": _S,
                   "version__versionTag": _S, **_AUDIT}
# LinkedIn leaves optional fields out: a campaign group without a budget or a schedule end, a
# campaign without a format, anything without serving statuses. Each is declared, absent or not.
CAMPAIGN_GROUP_COLUMNS = {"id": _I, "account": _S, "name": _S, "status": _S, "test": _B,
                          "backfilled": _B, "servingStatuses": _S, "objectiveType": _S,
                          "runSchedule__start": _I, "runSchedule__end": _I,
                          "totalBudget__amount": _S, "totalBudget__currencyCode": _S,
                          "dailyBudget__amount": _S, "dailyBudget__currencyCode": _S, **_AUDIT}
CAMPAIGN_COLUMNS = {"id": _I, "account": _S, "campaignGroup": _S, "name": _S, "status": _S,
                    "type": _S, "format": _S, "objectiveType": _S, "costType": _S,
                    "unitCost__amount": _S, "unitCost__currencyCode": _S,
                    "dailyBudget__amount": _S, "dailyBudget__currencyCode": _S,
                    "totalBudget__amount": _S, "totalBudget__currencyCode": _S,
                    "runSchedule__start": _I, "runSchedule__end": _I, "test": _B,
                    "servingStatuses": _S, "version__versionTag": _S, **_AUDIT}
# A creative's `content` is one variant per ad type: a text ad and a spotlight ad carry their
# landing page; sponsored content references a post (whose destination the creative does not
# show); dynamic follower and jobs ads have none. `name` exists from version 202410 on.
CREATIVE_COLUMNS = {"id": _S, "account": _S, "campaign": _S, "name": _S, "intendedStatus": _S,
                    "isServing": _B, "isTest": _B, "content__reference": _S,
                    "content__textAd__headline": _S, "content__textAd__description": _S,
                    "content__textAd__landingPage": _S, "content__spotlight__headline": _S,
                    "content__spotlight__description": _S,
                    "content__spotlight__landingPage": _S,
                    "leadgenCallToAction__destination": _S, "createdAt": _I, "createdBy": _S,
                    "lastModifiedAt": _I, "lastModifiedBy": _S, "servingHoldReasons": _S}
# A lead form response as LinkedIn sends it (`associatedEntity` is documented optional; the
# answers and consents lists as JSON text), and beside it what the source adds: the account it
# was asked for, the form id out of the versioned form URN, the email answer, and `submittedAt`
# (epoch milliseconds) as an instant.
LEAD_RESPONSE_COLUMNS = {"id": _S, "owner__sponsoredAccount": _S, "submitter": _S,
                         "leadType": _S, "versionedLeadGenFormUrn": _S, "submittedAt": _I,
                         "testLead": _B, "leadMetadata__sponsoredLeadMetadata__campaign": _S,
                         "associatedEntity__associatedCreative": _S,
                         "formResponse__answers": _S, "formResponse__consentResponses": _S,
                         "account_id": _S, "form_id": _S, "email": _S,
                         "submitted_at_utc": pa.timestamp("us", tz="UTC")}
ANALYTICS_COLUMNS = {"account_id": _S, "creative_urn": _S, "date": _S, "pivotValues": _S,
                     "dateRange__start__year": _I, "dateRange__start__month": _I,
                     "dateRange__start__day": _I, "dateRange__end__year": _I,
                     "dateRange__end__month": _I, "dateRange__end__day": _I,
                     "costInLocalCurrency": _S,
                     **{m: _I for m in ANALYTICS_METRICS if m != "costInLocalCurrency"}}

# An adAnalytics response as Arrow reads it (`pivotValues` is a list of URNs, kept as JSON).
ANALYTICS_PAGE = PageShape("elements", {
    **{name: kind for name, kind in ANALYTICS_COLUMNS.items()
       if name not in ANALYTICS_PRIMARY_KEY},
    "pivotValues": pa.list_(_S)})

TABLES = {
    "ad_accounts": RawTable("ad_accounts", ACCOUNT_COLUMNS, ("id",)),
    "campaign_groups": RawTable("campaign_groups", CAMPAIGN_GROUP_COLUMNS, ("id",)),
    "campaigns": RawTable("campaigns", CAMPAIGN_COLUMNS, ("id",)),
    "creatives": RawTable("creatives", CREATIVE_COLUMNS, ("id",)),
    "ad_analytics_daily": RawTable("ad_analytics_daily", ANALYTICS_COLUMNS,
                                   ANALYTICS_PRIMARY_KEY),
    "lead_form_responses": RawTable("lead_form_responses", LEAD_RESPONSE_COLUMNS, ("id",)),
    # the UTC days of analytics and of lead form responses each load asked each account for
    "load_windows": LOAD_WINDOWS,
}
COLUMNS = {name: table.columns for name, table in TABLES.items()}
