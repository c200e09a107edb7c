"""Google Ads API (REST): version, endpoint, GAQL per table, keys and column types."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyarrow as pa

from ingestion.common.jsonpage import PageShape
from ingestion.common.schema import RawTable
from ingestion.common.windows import LOAD_WINDOWS

SOURCE_NAME = "google_ads"
API_VERSION = "v21"
DEFAULT_BASE_URL = "https://googleads.googleapis.com"
SEARCH_PATH = "/{version}/customers/{customer_id}/googleAds:search"

DEFAULT_LOOKBACK_DAYS = 30
# Without a configured start date, load this many days of history.
DEFAULT_HISTORY_DAYS = 730
# Days of metrics per GAQL query: one query pages through them (10,000 rows a page, fixed by
# Google), so a chunk bounds how much is re-fetched when an account fails halfway.
DEFAULT_CHUNK_DAYS = 90
# Rows per Arrow table handed to dlt: several pages of a big fact table travel together.
DEFAULT_BATCH_ROWS = 50_000

# GAQL field kinds as the REST API renders them: int64 as JSON strings, double as numbers.
INT64 = "int64"
DOUBLE = "double"
STRING = "string"
LIST = "list"
_ARROW = {INT64: pa.string(), DOUBLE: pa.float64(), STRING: pa.string(), LIST: pa.string()}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(name: str) -> str:
    """`adGroupAd__ad__finalUrls` -> `ad_group_ad__ad__final_urls` (dlt's column names)."""
    return _UPPER.sub(r"_\1", name).lower()


def json_column(field: str) -> str:
    """A GAQL field as to_table flattens its JSON: `ad_group_ad.ad.id` -> `adGroupAd__ad__id`."""
    return "__".join(camel(part) for part in field.split("."))


def column(field: str) -> str:
    """A GAQL field as its raw column: `ad_group_ad.ad.type` -> `ad_group_ad__ad__type`."""
    return field.replace(".", "__")


@dataclass(frozen=True)
class Table:
    """One raw table: the GAQL that fills it, its merge key and the documented fields' kinds."""

    name: str
    resource: str
    fields: dict[str, str]  # GAQL field -> kind
    primary_key: tuple[str, ...]  # GAQL fields
    where: str = ""
    daily: bool = False

    def query(self, start: dt.date | None = None, end: dt.date | None = None) -> str:
        conditions = [self.where] if self.where else []
        if self.daily:
            if start is None or end is None:
                raise ValueError(f"{self.name} needs a date range")
            conditions.append(f"segments.date BETWEEN '{start:%Y-%m-%d}' AND '{end:%Y-%m-%d}'")
        text = f"SELECT {', '.join(self.fields)} FROM {self.resource}"
        return text + (f" WHERE {' AND '.join(conditions)}" if conditions else "")

    @property
    def required_metrics(self) -> tuple[str, ...]:
        """Raw columns a daily response must deliver in some row: Google leaves a metric out of
        a row that has none of it, but a response whose rows all lack cost did not deliver it."""
        return ("metrics__cost_micros",) if self.daily else ()

    @property
    def key_columns(self) -> list[str]:
        return [column(f) for f in self.primary_key]

    @property
    def known_types(self) -> dict[str, pa.DataType]:
        """Types by the flattened JSON name (before snake-casing), for `to_table`."""
        resources = {f.split(".")[0] for f in self.fields if f.split(".")[0] not in
                     ("metrics", "segments")} | {self.resource}
        types = {json_column(f): _ARROW[kind] for f, kind in self.fields.items()}
        types.update({f"{camel(r)}__resourceName": pa.string() for r in resources})
        return types

    @property
    def page_shape(self) -> PageShape:
        """A search response as Arrow reads it: `results`, lists as lists (kept as JSON)."""
        lists = {json_column(f) for f, kind in self.fields.items() if kind == LIST}
        return PageShape("results", {name: pa.list_(pa.string()) if name in lists else kind
                                     for name, kind in self.known_types.items()})

    @property
    def columns(self) -> dict[str, pa.DataType]:
        """Every documented column with its raw type, so a page that lacks one still has it."""
        return {snake(name): kind for name, kind in self.known_types.items()}

    @property
    def raw(self) -> RawTable:
        """The raw table: every documented column declared, so the schema is known before the
        first load and a field Google leaves out (an unset suffix, a keyword without position
        estimates) is still a column."""
        return RawTable(self.name, self.columns, tuple(self.key_columns))


_IDS = {"customer.id": INT64, "campaign.id": INT64, "ad_group.id": INT64}
_METRICS = {"metrics.impressions": INT64, "metrics.clicks": INT64, "metrics.cost_micros": INT64,
            "metrics.conversions": DOUBLE, "metrics.interactions": INT64}

CUSTOMERS = Table(
    "customers", "customer",
    {"customer.id": INT64, "customer.descriptive_name": STRING, "customer.currency_code": STRING,
     "customer.time_zone": STRING},
    ("customer.id",),
)
CAMPAIGNS = Table(
    "campaigns", "campaign",
    {"customer.id": INT64, "campaign.id": INT64, "campaign.name": STRING,
     "campaign.status": STRING, "campaign.advertising_channel_type": STRING,
     "campaign.tracking_url_template": STRING, "campaign.final_url_suffix": STRING},
    ("campaign.id",),
)
AD_GROUPS = Table(
    "ad_groups", "ad_group",
    {**_IDS, "ad_group.name": STRING, "ad_group.status": STRING, "ad_group.type": STRING},
    ("ad_group.id",),
)
ADS = Table(
    "ads", "ad_group_ad",
    {**_IDS, "ad_group_ad.ad.id": INT64, "ad_group_ad.ad.name": STRING,
     "ad_group_ad.ad.type": STRING, "ad_group_ad.ad.final_urls": LIST,
     "ad_group_ad.ad.tracking_url_template": STRING, "ad_group_ad.ad.final_url_suffix": STRING,
     "ad_group_ad.status": STRING},
    # An ad id is unique within a customer; the ad group ad is the ad in one ad group.
    ("ad_group.id", "ad_group_ad.ad.id"),
)
KEYWORDS = Table(
    "keywords", "ad_group_criterion",
    {**_IDS, "ad_group_criterion.criterion_id": INT64, "ad_group_criterion.keyword.text": STRING,
     "ad_group_criterion.keyword.match_type": STRING, "ad_group_criterion.status": STRING,
     "ad_group_criterion.cpc_bid_micros": INT64,
     "ad_group_criterion.effective_cpc_bid_micros": INT64,
     "ad_group_criterion.position_estimates.first_page_cpc_micros": INT64,
     "ad_group_criterion.position_estimates.top_of_page_cpc_micros": INT64,
     "ad_group_criterion.position_estimates.first_position_cpc_micros": INT64},
    # Criterion ids are unique only within their ad group.
    ("ad_group.id", "ad_group_criterion.criterion_id"),
    where="ad_group_criterion.type = 'KEYWORD' AND ad_group_criterion.negative = FALSE",
)
AD_PERFORMANCE_DAILY = Table(
    "ad_performance_daily", "ad_group_ad",
    {**_IDS, "ad_group_ad.ad.id": INT64, "segments.date": STRING, **_METRICS},
    ("customer.id", "ad_group.id", "ad_group_ad.ad.id", "segments.date"),
    daily=True,
)
KEYWORD_PERFORMANCE_DAILY = Table(
    "keyword_performance_daily", "keyword_view",
    {**_IDS, "ad_group_criterion.criterion_id": INT64, "segments.date": STRING, **_METRICS,
     "metrics.search_top_impression_share": DOUBLE,
     "metrics.search_absolute_top_impression_share": DOUBLE},
    ("ad_group.id", "ad_group_criterion.criterion_id", "segments.date"),
    daily=True,
)

DIMENSIONS = (CUSTOMERS, CAMPAIGNS, AD_GROUPS, ADS, KEYWORDS)
FACTS = (AD_PERFORMANCE_DAILY, KEYWORD_PERFORMANCE_DAILY)
# and the days of each daily table each load asked each customer for
TABLES = {**{table.name: table.raw for table in (*DIMENSIONS, *FACTS)},
          "load_windows": LOAD_WINDOWS}
