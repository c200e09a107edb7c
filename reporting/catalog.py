"""What a report can show: the levels of the campaign table, the metrics, the models and the
other closed sets a filter is checked against (docs/data-contract.md).

Everything here is a fixed name the query builder may put into SQL; nothing a user types is
ever used as SQL text, only looked up in these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

NETWORKS = ("facebook", "google", "linkedin")
# The most rows a report shows as a table, CSV or JSON, and the largest limit it takes; Parquet
# files hold every row.
MAX_ROWS = 100_000
STATUSES = ("active", "paused", "deleted")
ROI_SETTINGS = ("deals", "estimate")
TIME_GRAINS = ("day", "week", "month")

# HubSpot's ads attribution reports: a contact counts 0 or 1 per ad (credit 1), so a group's
# contacts are distinct contacts. The models give fractional credits that are summed.
ADS_REPORTS = ("first_form_submission", "last_form_submission", "last_ad_interaction",
               "all_interactions")
MODELS = ("first_interaction", "last_interaction", "linear", "u_shaped", "w_shaped",
          "full_path", "j_shaped", "inverse_j", "time_decay", "markov", "shapley")
ATTRIBUTIONS = ADS_REPORTS + MODELS
DEFAULT_ATTRIBUTION = "first_form_submission"
ANALYZE_ATTRIBUTION = "last_ad_interaction"

# Contact metric -> the current lifecycle stage it counts: HubSpot's eight default stages, in
# their order.
STAGE_METRICS = {
    "subscribers": "subscriber",
    "leads": "lead",
    "mqls": "marketingqualifiedlead",
    "sqls": "salesqualifiedlead",
    "opportunities": "opportunity",
    "customers": "customer",
    "evangelists": "evangelist",
    "others": "other",
}
# Stage metric -> its cost per contact in that stage.
STAGE_COSTS = {name: "cost_per_opportunity" if name == "opportunities"
               else f"cost_per_{name.removesuffix('s')}" for name in STAGE_METRICS}

# The spend in the ad accounts' own currency ("Amount spent", as HubSpot shows it per account):
# shown only where the accounts in view share one currency (the measures sum the facts' `spend`).
ACCOUNT_SPEND = "spend_account_currency"

# HubSpot hides a connected Facebook account's deleted campaigns from its ads reports; so do the
# reports here, unless asked to include them (their spend stays in the marts).
# Deleted only: Facebook's archived campaigns (also `deleted` once normalised) are still served
# by its API and stay in view; `raw_status` tells them apart.
HIDDEN_BY_DEFAULT = ("facebook", "DELETED")  # (network, the campaign's raw status)


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    # "network" (from the network, every campaign), "crm" (tracked campaigns only, null
    # otherwise), or "ratio" (computed from additive parts over the range).
    kind: str
    # For ratios: numerator and denominator metric names.
    numerator: str | None = None
    denominator: str | None = None


def _ratio(name: str, description: str, numerator: str, denominator: str) -> Metric:
    return Metric(name, description, "ratio", numerator, denominator)


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("impressions", "impressions, from the network", "network"),
    Metric("clicks", "clicks, from the network", "network"),
    Metric("spend", "spend in the company currency at each day's rate", "network"),
    Metric(ACCOUNT_SPEND, "spend in the ad accounts' own currency (shown only where the "
           "accounts in view share one)", "network"),
    Metric("engagements", "engagements, from the network (not per keyword)", "network"),
    Metric("likes", "likes, from the network (not per keyword)", "network"),
    Metric("network_conversions", "conversions the network counted", "network"),
    Metric("interactions", "Google keyword interactions (keyword level only)", "network"),
    Metric("sessions", "sessions landing with the ad's tracking (not per keyword)", "crm"),
    Metric("contacts", "contacts attributed in the range", "crm"),
    *(Metric(name, f"attributed contacts now in lifecycle stage {stage}", "crm")
      for name, stage in STAGE_METRICS.items()),
    Metric("deals", "closed-won deals closed in the range with an attributed customer", "crm"),
    Metric("revenue", "those deals' amounts in the company currency (x credit)", "crm"),
    Metric("estimated_revenue",
           "(contacts - customers) x contact_to_customer_rate x average_sale_price"
           " + customers x average_sale_price", "crm"),
    _ratio("ctr", "clicks / impressions", "clicks", "impressions"),
    # HubSpot's CPC is spend per site visit that followed an ad click; the network's is spend
    # per click. Labelled "CPC" and "CPC (network)" (reporting.output.label).
    _ratio("cpc", "spend / clicks, the network's CPC (shown as 'CPC (network)')", "spend",
           "clicks"),
    _ratio("cost_per_session", "spend / sessions that followed an ad click: HubSpot's 'CPC' "
           "(shown as 'CPC')", "spend", "sessions"),
    _ratio("cost_per_contact", "spend / contacts", "spend", "contacts"),
    *(_ratio(cost, f"spend / {name}", "spend", name) for name, cost in STAGE_COSTS.items()),
    _ratio("cost_per_deal", "spend / deals", "spend", "deals"),
    _ratio("conversion_rate", "network conversions / interactions (keyword level)",
           "network_conversions", "interactions"),
    Metric("roi", "(revenue - spend) / spend, revenue per the ROI setting", "ratio"),
    # Google retired average position in 2019; these replace it (keyword level only).
    *(_ratio(share, f"Google's {what} impression share, the days' shares weighted by their "
             "impressions (keyword level)", f"{share}_weighted", f"{share}_impressions")
      for share, what in (("search_top_impression_share", "search top"),
                          ("search_absolute_top_impression_share", "search absolute top"))),
)}


@dataclass(frozen=True)
class Level:
    """A row grain of the campaign table."""

    name: str
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    # The dimension whose rows the status filter applies to, and its key within a network.
    scope: str
    scope_keys: tuple[str, ...]
    # Where the network metrics come from.
    performance: str


_CAMPAIGN = ("network", "ad_account_id", "campaign_id")
LEVELS: dict[str, Level] = {level.name: level for level in (
    Level("total", (), (), "dim_campaigns", ("network", "campaign_id"),
          "fct_campaign_performance_daily"),
    Level("network", ("network",), (), "dim_campaigns", ("network", "campaign_id"),
          "fct_campaign_performance_daily"),
    Level("ad_account", ("network", "ad_account_id"), ("ad_account_name", "currency_code"),
          "dim_campaigns", ("network", "campaign_id"), "fct_campaign_performance_daily"),
    Level("campaign", _CAMPAIGN, ("ad_account_name", "campaign_name", "campaign_type", "status"),
          "dim_campaigns", ("network", "campaign_id"), "fct_campaign_performance_daily"),
    Level("ad_group", (*_CAMPAIGN, "ad_group_id"),
          ("ad_account_name", "campaign_name", "ad_group_name", "status"),
          "dim_ad_groups", ("network", "ad_group_id"), "fct_ad_performance_daily"),
    Level("ad", (*_CAMPAIGN, "ad_group_id", "ad_id"),
          ("ad_account_name", "campaign_name", "ad_group_name", "ad_name", "status"),
          "dim_ads", ("network", "ad_id"), "fct_ad_performance_daily"),
    Level("keyword", (*_CAMPAIGN, "ad_group_id", "keyword_id"),
          ("ad_account_name", "campaign_name", "ad_group_name", "keyword_text", "match_type",
           "status", "max_cpc",
           "first_page_cpc", "top_of_page_cpc"),
          "dim_keywords", ("network", "ad_group_id", "keyword_id"),
          "fct_keyword_performance_daily"),
)}
TABLE_LEVELS = ("campaign", "ad_group", "ad", "keyword", "ad_account", "network")

# The columns a report shows when none are asked for, by ROI setting.
# HubSpot's CPC (`cost_per_session`) comes first, the network's (`cpc`) beside it.
DEFAULT_COLUMNS = {
    "deals": ("impressions", "clicks", "ctr", "spend", "cost_per_session", "cpc", "sessions",
              "contacts", "cost_per_contact", "customers", "deals", "revenue", "roi"),
    "estimate": ("impressions", "clicks", "ctr", "spend", "cost_per_session", "cpc", "sessions",
                 "contacts", "cost_per_contact", "customers", "estimated_revenue", "roi"),
}
OVERVIEW_COLUMNS = {
    "deals": ("impressions", "clicks", "contacts", "deals", "spend", "revenue", "roi"),
    "estimate": ("impressions", "clicks", "contacts", "customers", "spend", "estimated_revenue",
                 "roi"),
}

# The analyze set: a series over time of one metric, or a ranking of campaigns by a ratio.
ANALYZE_SERIES = {
    "total_spend": "spend",
    "spend_over_time": "spend",
    "impressions": "impressions",
    "clicks": "clicks",
    "contacts": "contacts",
    "customers": "customers",
}
ANALYZE_RANKINGS = {
    "high_cpc_campaigns": ("cpc", True),
    "low_cpc_campaigns": ("cpc", False),
    "high_cost_per_contact_campaigns": ("cost_per_contact", True),
    "low_cost_per_contact_campaigns": ("cost_per_contact", False),
}
ANALYZE_REPORTS = (*ANALYZE_SERIES, *ANALYZE_RANKINGS)
# What a series may be split by, as HubSpot's Analyze charts split theirs.
ANALYZE_SPLITS = ("network",)
