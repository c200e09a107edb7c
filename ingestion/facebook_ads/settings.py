"""Facebook Marketing API (Graph): version, endpoints, field lists, keys and column types."""

from __future__ import annotations

import pyarrow as pa

from ingestion.common.jsonpage import PageShape
from ingestion.common.schema import RawTable
from ingestion.common.windows import LOAD_WINDOWS

SOURCE_NAME = "facebook_ads"
API_VERSION = "v21.0"
DEFAULT_BASE_URL = "https://graph.facebook.com"

DEFAULT_LOOKBACK_DAYS = 28
# Without a configured start date, load this many days of history (Graph keeps 37 months).
DEFAULT_HISTORY_DAYS = 730
DEFAULT_PAGE_SIZE = 500
# Insights pages are large: a backfill is millions of rows, and a round trip costs more than a
# row. Graph sets no fixed maximum for `limit`; it refuses a call that asks for too much data
# (code 100, subcode 1487534), which a 30-day chunk of one account stays well within.
DEFAULT_INSIGHTS_PAGE_SIZE = 5_000
# Days per insights request: a month of ad-days keeps each synchronous request well within
# Graph's per-call data limits, and is the unit written as one Arrow table.
DEFAULT_CHUNK_DAYS = 30

ACCOUNT_PATH = "/{version}/act_{account_id}"
EDGE_PATH = "/{version}/act_{account_id}/{edge}"
# Lead ads' leads are an edge of each ad, not of the account.
AD_LEADS_PATH = "/{version}/{ad_id}/leads"

ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "account_status",
                  "created_time")
CAMPAIGN_FIELDS = ("id", "account_id", "name", "objective", "status", "configured_status",
                   "effective_status", "buying_type", "start_time", "created_time",
                   "updated_time")
AD_SET_FIELDS = ("id", "account_id", "campaign_id", "name", "status", "configured_status",
                 "effective_status", "optimization_goal", "billing_event", "daily_budget",
                 "start_time", "created_time", "updated_time")
# Where a creative keeps its destination depends on the ad's type: `link_url` / `object_url`
# on the creative, the link of a link ad's or a video ad's story spec, a template's link, or the
# website URLs of a dynamic creative's asset feed (stg_facebook_ads__ads takes the first one
# present). `object_story_spec` and `asset_feed_spec` come back whole: their other fields land
# as columns too.
CREATIVE_FIELDS = ("id", "name", "link_url", "object_url", "url_tags", "template_url",
                   "object_story_spec", "asset_feed_spec")
AD_FIELDS = ("id", "account_id", "campaign_id", "adset_id", "name", "status",
             "configured_status", "effective_status",
             "creative{" + ",".join(CREATIVE_FIELDS) + "}", "created_time", "updated_time")
INSIGHT_FIELDS = ("account_id", "campaign_id", "adset_id", "ad_id", "date_start", "date_stop",
                  "impressions", "clicks", "inline_link_clicks", "spend", "actions")

# Every effective status per edge: edges and level=ad insights leave out DELETED and ARCHIVED
# objects unless asked for them, and a deleted ad's spend still counts.
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES")
AD_SET_STATUSES = (*CAMPAIGN_STATUSES, "CAMPAIGN_PAUSED")
AD_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "PENDING_REVIEW", "DISAPPROVED", "PREAPPROVED",
               "PENDING_BILLING_INFO", "CAMPAIGN_PAUSED", "ARCHIVED", "ADSET_PAUSED",
               "IN_PROCESS", "WITH_ISSUES")

# edge -> (raw table, fields, effective statuses to ask for)
EDGES = {
    "campaigns": ("campaigns", CAMPAIGN_FIELDS, CAMPAIGN_STATUSES),
    "adsets": ("ad_sets", AD_SET_FIELDS, AD_SET_STATUSES),
    "ads": ("ads", AD_FIELDS, AD_STATUSES),
}

# Leads: the documented lead fields of the Ad `leads` edge. Only ads of campaigns with a lead
# objective are asked (one request per ad and window: an account has thousands of ads, and the
# instant forms that collect leads run under these objectives); an ad whose campaign shows no
# objective is asked too.
LEAD_FIELDS = ("id", "created_time", "ad_id", "form_id", "field_data", "adset_id", "campaign_id",
               "is_organic")
LEAD_OBJECTIVES = frozenset({"OUTCOME_LEADS", "LEAD_GENERATION"})
# The `field_data` names of the email questions (the standard EMAIL and WORK_EMAIL questions),
# the first one answered wins.
LEAD_EMAIL_FIELDS = ("email", "work_email")
# What the source lists to choose the ads it asks for leads.
LEAD_CAMPAIGN_FIELDS = ("id", "objective")
LEAD_AD_FIELDS = ("id", "campaign_id")

INSIGHTS_PRIMARY_KEY = ("account_id", "ad_id", "date_start")
# A row may leave out a count it has none of; a response whose rows all lack spend did not
# deliver it, and is refused rather than loaded as zero.
INSIGHTS_REQUIRED_METRICS = ("spend",)

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling and
# the Marketing API rate-limiting guide). Throttling usually arrives as HTTP 400.
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
AUTH_CODES = frozenset({10, 102, 190, *range(200, 300)})

_S = pa.string()
# Documented fields pinned to the type Graph sends them in: ids, counts and money as strings.
# Graph leaves a field out when it is unset (a campaign without a start time, an ad set without
# a daily budget, a creative without a link), so each is declared, absent or not.
ACCOUNT_COLUMNS = {"id": _S, "account_id": _S, "name": _S, "currency": _S, "timezone_name": _S,
                   "account_status": pa.int64(), "created_time": _S}
CAMPAIGN_COLUMNS = dict.fromkeys(CAMPAIGN_FIELDS, _S)
AD_SET_COLUMNS = dict.fromkeys(AD_SET_FIELDS, _S)
_STORY = "creative__object_story_spec__"
AD_COLUMNS = {**{f: _S for f in AD_FIELDS if "{" not in f},
              **{f"creative__{f}": _S for f in CREATIVE_FIELDS
                 if f not in ("object_story_spec", "asset_feed_spec")},
              f"{_STORY}link_data__link": _S,
              f"{_STORY}video_data__call_to_action__value__link": _S,
              f"{_STORY}template_data__link": _S,
              # a list of {website_url, display_url, ...}, kept as JSON text
              "creative__asset_feed_spec__link_urls": _S}
INSIGHT_COLUMNS = dict.fromkeys(INSIGHT_FIELDS, _S)
# A lead as Graph sends it (`field_data` as JSON text), and beside it what the source adds: the
# account and the ad it was asked for (an organic lead may carry no `ad_id`), the email answer
# out of `field_data`, and `created_time` as an instant.
LEAD_COLUMNS = {**dict.fromkeys(LEAD_FIELDS, _S), "is_organic": pa.bool_(), "account_id": _S,
                "requested_ad_id": _S, "email": _S,
                "created_at_utc": pa.timestamp("us", tz="UTC")}
# An insights page as Arrow reads it: `actions` is a list of {action_type, value} (kept as JSON).
INSIGHTS_PAGE = PageShape("data", {**INSIGHT_COLUMNS, "actions": pa.list_(pa.struct(
    [("action_type", _S), ("value", _S)]))})

TABLES = {
    "ad_accounts": RawTable("ad_accounts", ACCOUNT_COLUMNS, ("id",)),
    "campaigns": RawTable("campaigns", CAMPAIGN_COLUMNS, ("id",)),
    "ad_sets": RawTable("ad_sets", AD_SET_COLUMNS, ("id",)),
    "ads": RawTable("ads", AD_COLUMNS, ("id",)),
    "ad_insights": RawTable("ad_insights", INSIGHT_COLUMNS, INSIGHTS_PRIMARY_KEY),
    "leads": RawTable("leads", LEAD_COLUMNS, ("id",)),
    # the days of insights and of leads each load asked each account for
    "load_windows": LOAD_WINDOWS,
}


# Records per Arrow table handed to dlt: several pages joined, few large tables.
BATCH_ROWS = 50_000
