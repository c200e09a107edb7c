"""The semantic layer's metrics (dbt_project/models/marts/_metrics.yml), written from the report
catalog so that a metric is defined once.

What a metric is comes from `reporting.catalog` (its kind, a ratio's parts, ROI, the default
attribution report) and from the columns the reports read (`reporting.queries`): a metric's
MetricFlow name is the fact column that holds it (`spend` -> `spend_company_currency`), prefixed
`ad_` / `keyword_` on the ad and keyword facts. Only the words a BI tool shows (labels,
descriptions) and the metrics the reports have no name for (distinct contacts) are kept here.

    python -m reporting.semantic_layer           # write the file
    python -m reporting.semantic_layer --check   # exit 1 when the file differs

dbt reads the file from disk, so it is checked in; a test fails when it is not what this writes.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.paths import DBT_PROJECT_DIR
from reporting.catalog import (
    DEFAULT_ATTRIBUTION,
    LEVELS,
    METRICS,
    ROI_SETTINGS,
    STAGE_METRICS,
)
from reporting.output import title
from reporting.queries import CREDITED_SUMS, PERFORMANCE_COLUMNS

METRICS_FILE = DBT_PROJECT_DIR / "models" / "marts" / "_metrics.yml"
COMMAND = "python -m reporting.semantic_layer"

# ROI setting -> the catalog metric that is its revenue (as reporting.queries computes ROI).
ROI_REVENUE = {"deals": "revenue", "estimate": "estimated_revenue"}
# The credit fact computes the estimate per model and day with the reports' formula and
# settings (dbt vars); the reports compute it from contacts and customers.
ESTIMATE_COLUMNS = {"estimated_revenue": "estimated_revenue_company_currency"}

DEFAULT_FILTER = f"{{{{ Entity('attribution_model') }}}} = '{DEFAULT_ATTRIBUTION}'"
PINNED_NOTE = f"Under {DEFAULT_ATTRIBUTION}, HubSpot's default."
BY_MODEL_NOTE = "Keep one attribution_model."
CRM_PART_NOTE = f", under {DEFAULT_ATTRIBUTION}"


@dataclass(frozen=True)
class Grain:
    """A fact the semantic layer has metrics over, and how its metrics are named."""

    fact: str
    prefix: str
    label: str
    # Whether the credit fact's (campaign-level) metrics are there too.
    credited: bool


GRAINS = (
    Grain(LEVELS["campaign"].performance, "", "", credited=True),
    Grain(LEVELS["ad"].performance, "ad_", "Ad", credited=False),
    Grain(LEVELS["keyword"].performance, "keyword_", "Keyword", credited=False),
)
CAMPAIGN = GRAINS[0]

# --- the words a BI tool shows -------------------------------------------------------------
# Labels are the reports' (reporting.output.title) but where the semantic layer names a metric
# for a BI tool that has no report's currency caption or column beside it.
LABELS = {"spend": "Spend (account currency)", "cost_per_session": "CPC (HubSpot)",
          "conversions": "Conversions"}
STAGE_WORDS = {"marketingqualifiedlead": "marketing qualified lead",
               "salesqualifiedlead": "sales qualified lead"}
_CONTACTS = ("New contacts from ads attributed in the range: the sum of the credits. Under an"
             " ads report a contact credited to several ads counts once per ad;"
             " distinct_contacts counts it once.")
# MetricFlow name -> description (a ratio's default: its parts).
DESCRIPTIONS = {
    "impressions": "Impressions, from the network.",
    "clicks": "Clicks, from the network (HubSpot's CPC divides by sessions instead).",
    "spend": "Spend in the ad account's currency: add it up only within one currency (group by"
             " or filter on ad_account__currency_code); across currencies use"
             " spend_company_currency.",
    "spend_company_currency": "Spend in the company currency at each day's exchange rate: the"
                              " spend of every ratio and of ROI.",
    "engagements": "Facebook post engagements, LinkedIn engagements (none for Google).",
    "likes": "Facebook and LinkedIn likes (none for Google).",
    "network_conversions": "Conversions as the network counts them.",
    "sessions": "Sessions that landed with the campaign's ad tracking (HubSpot's site visits"
                " after an ad click); tracked campaigns only.",
    "contacts": _CONTACTS,
    **{name: f"Attributed contacts whose current lifecycle stage is"
             f" {STAGE_WORDS.get(stage, stage)}." for name, stage in STAGE_METRICS.items()},
    "deals": "Closed-won deals of attributed customer contacts, on their close date (credited).",
    "revenue_company_currency": "Those deals' amounts in the company currency, times credit:"
                                " the revenue of ROI setting `deals`.",
    "estimated_revenue_company_currency": f"{METRICS['estimated_revenue'].description}: the"
                                          " revenue of ROI setting `estimate`.",
    "ctr": "clicks / impressions over the range.",
    "cpc": "spend_company_currency / clicks, the networks' CPC.",
    "cost_per_session": "spend_company_currency / sessions: HubSpot's CPC (spend per site visit"
                        " after an ad click).",
    "roi": "(revenue - spend) / spend with revenue per the ROI setting `deals` (the default):"
           f" revenue_company_currency under {DEFAULT_ATTRIBUTION}. Null without spend.",
    "roi_estimate": "(revenue - spend) / spend with revenue per the ROI setting `estimate`:"
                    f" estimated_revenue_company_currency under {DEFAULT_ATTRIBUTION}.",
    "distinct_contacts": "New contacts from ads credited to an ad or campaign, each counted once"
                         " over the whole range and grouping, on the day they converted (the"
                         " reports' contact count under an ads report).",
    "cost_per_distinct_contact": "spend_company_currency / distinct_contacts: the reports' cost"
                                 f" per contact under {DEFAULT_ATTRIBUTION}.",
    "ad_impressions": "Impressions per ad, from the network.",
    "ad_clicks": "Clicks per ad, from the network.",
    "ad_spend": "Spend per ad in the account's currency; add up only within one currency.",
    "ad_spend_company_currency": "Spend per ad in the company currency.",
    "ad_engagements": "Engagements per ad (Facebook, LinkedIn).",
    "ad_likes": "Likes per ad (Facebook, LinkedIn).",
    "ad_network_conversions": "Conversions per ad as the network counts them.",
    "ad_sessions": "Sessions that landed with the ad's tracking; tracked ads only.",
    "keyword_impressions": "Impressions per Google keyword.",
    "keyword_clicks": "Clicks per Google keyword.",
    "keyword_spend": "Spend per keyword in the customer's currency; add up only within one"
                     " currency.",
    "keyword_spend_company_currency": "Spend per keyword in the company currency.",
    "keyword_conversions": "Google conversions per keyword (fractional when credit is shared).",
    "keyword_interactions": "Google interactions per keyword.",
    "keyword_conversion_rate": "keyword_conversions / keyword_interactions (Google's definition)"
                               " over the range.",
}


# --- names -------------------------------------------------------------------------------------

def _column(expression: str | None) -> str | None:
    """`f.spend` -> `spend`; None for what is not one column of the fact (an impression share's
    parts, which the semantic models do not aggregate)."""
    if expression and re.fullmatch(r"f\.\w+", expression):
        return expression.removeprefix("f.")
    return None


def is_credited(name: str) -> bool:
    """A catalog metric the credit fact holds, one row per attribution model."""
    return name in CREDITED_SUMS or name in ESTIMATE_COLUMNS


def metricflow_name(name: str, grain: Grain = CAMPAIGN) -> str | None:
    """The MetricFlow metric (and measure) of a catalog metric or ratio part on a grain, or
    None when that grain's facts do not hold it."""
    column = _column(PERFORMANCE_COLUMNS[grain.fact].get(name))
    if column:
        return grain.prefix + column
    if grain.credited and is_credited(name):
        return ESTIMATE_COLUMNS.get(name) or _column(CREDITED_SUMS[name])
    return None


def roi_name(setting: str) -> str:
    return "roi" if setting == ROI_SETTINGS[0] else f"roi_{setting}"


def _label(name: str, mf_name: str, grain: Grain) -> str:
    text = LABELS.get(mf_name.removeprefix(grain.prefix)) or title(name)
    if not grain.label:
        return text
    # `Ad impressions`, but `Ad CTR`
    return f"{grain.label} {text if text[1:2].isupper() else text[:1].lower() + text[1:]}"


# --- metrics -----------------------------------------------------------------------------------

def _meta(model: str) -> dict:
    return {"meta": {"attribution_model": model}}


def _simple(mf_name: str, label: str, measure: str) -> dict:
    return {"name": mf_name, "label": label, "description": DESCRIPTIONS[mf_name],
            "type": "simple", "type_params": {"measure": measure}}


def _pinned(metric: dict, where: str | None = None) -> list[dict]:
    """A metric over a per-model fact twice: under the default report in its own filter (an
    unfiltered query is right), and as `<name>_by_model` under whatever the query keeps."""
    default = f"{where} and {DEFAULT_FILTER}" if where else DEFAULT_FILTER
    pinned = {**metric, "description": f"{metric['description']} {PINNED_NOTE}",
              "filter": default, "config": _meta(DEFAULT_ATTRIBUTION)}
    by_model = {**metric, "name": f"{metric['name']}_by_model",
                "label": f"{metric['label']} (by model)",
                "description": f"{metric['description']} {BY_MODEL_NOTE}",
                **({"filter": where} if where else {}), "config": _meta("one")}
    return [pinned, by_model]


def _ratio(name: str, grain: Grain) -> dict | None:
    metric = METRICS[name]
    numerator = metricflow_name(metric.numerator, grain)
    denominator = metricflow_name(metric.denominator, grain)
    if not (numerator and denominator):
        return None
    mf_name = grain.prefix + name
    note = CRM_PART_NOTE if is_credited(metric.numerator) or is_credited(metric.denominator) else ""
    return {"name": mf_name, "label": _label(name, mf_name, grain),
            "description": DESCRIPTIONS.get(mf_name, f"{numerator} / {denominator}{note}."),
            "type": "ratio", "type_params": {"numerator": numerator, "denominator": denominator}}


def _roi(setting: str) -> dict:
    revenue, spend = metricflow_name(ROI_REVENUE[setting]), metricflow_name("spend")
    name = roi_name(setting)
    return {"name": name, "label": title("roi") + ("" if name == "roi" else f" ({setting})"),
            "description": DESCRIPTIONS[name], "type": "derived",
            "type_params": {"expr": f"({revenue} - {spend}) / nullif({spend}, 0)",
                            "metrics": [revenue, spend]}}


def _network(grain: Grain) -> list[dict]:
    """The simple metrics of a performance fact: no attribution model, they add up as they are."""
    metrics = []
    for name in METRICS:
        mf_name = metricflow_name(name, grain)
        if mf_name and not is_credited(name):
            metrics.append(_simple(mf_name, _label(name, mf_name, grain), mf_name))
    return metrics


def _credited() -> list[dict]:
    simple = [_simple(mf_name, title(name), mf_name) for name in METRICS if is_credited(name)
              for mf_name in [metricflow_name(name)]]
    twins = [_pinned(metric) for metric in simple]
    return [pinned for pinned, _ in twins] + [by_model for _, by_model in twins]


def _ratios(grain: Grain) -> list[dict]:
    ratios = [_ratio(name, grain) for name, metric in METRICS.items()
              if metric.kind == "ratio" and metric.numerator]
    roi = [_roi(setting) for setting in ROI_SETTINGS] if grain.credited else []
    return [ratio for ratio in ratios if ratio] + roi


def _distinct_contacts() -> list[dict]:
    """Contacts counted once over any range and grouping (fct_contact_attribution): the reports'
    contacts under an ads report, which the daily credit sums cannot give."""
    contacts = {**_simple("distinct_contacts", "Distinct contacts", "attributed_contacts")}
    # credited to an ad or campaign, not to a channel
    twins = _pinned(contacts, where="{{ Entity('campaign') }} is not null")
    cost = {"name": "cost_per_distinct_contact", "label": "Cost per distinct contact",
            "description": DESCRIPTIONS["cost_per_distinct_contact"], "type": "ratio",
            "type_params": {"numerator": metricflow_name("spend"),
                            "denominator": "distinct_contacts"}}
    return [*twins, cost]


def sections() -> list[tuple[str, list[dict]]]:
    """The metrics, by section, each under its comment."""
    ad, keyword = GRAINS[1:]
    return [
        ("Network metrics: from the network, for every campaign; no model.", _network(CAMPAIGN)),
        ("CRM metrics under HubSpot's default report, then the same under any model (keep ONE"
         " attribution_model in the query); tracked campaigns only.", _credited()),
        ("Ratios: spend is all the group's spend, the CRM counts its tracked campaigns' (as in"
         " the reports), under the default report.", _ratios(CAMPAIGN)),
        ("Distinct contacts (fct_contact_attribution): how the reports count contacts under an"
         " ads report, where a contact credited to several ads has credit 1 on each.",
         _distinct_contacts()),
        ("Per ad (fct_ad_performance_daily): no attribution model, nothing repeats.",
         _network(ad) + _ratios(ad)),
        ("Per Google keyword (fct_keyword_performance_daily): no attribution model.",
         _network(keyword) + _ratios(keyword)),
    ]


# --- the file ----------------------------------------------------------------------------------

HEADER = f"""\
# GENERATED from reporting/catalog.py by `{COMMAND}`: do not edit.
# Change the catalog (or the words in reporting/semantic_layer.py) and run it again; a test
# fails when this file is not what it writes. The saved queries are in _saved_queries.yml.
#
# The metrics of docs/data-contract.md over the semantic models of _semantic_models.yml, defined
# once for every BI tool. Ratios are ratios of sums over the whole range and grouping asked for
# (sum(clicks) / sum(impressions)), never sums or averages of daily ratios; MetricFlow returns
# null where the denominator is 0.
#
# Attribution: the network metrics (impressions ... sessions) come from
# fct_campaign_performance_daily, which has no attribution model: they add up as they are. The
# CRM metrics come from fct_campaign_credit_by_model_daily, one row per model, and exist twice:
#   - `contacts`, `customers`, `deals` ... carry HubSpot's default report,
#     {DEFAULT_ATTRIBUTION}, in their own filter: an unfiltered query is right, and they mix
#     freely with the network metrics (cost_per_contact, roi ...);
#   - `contacts_by_model`, `customers_by_model` ... carry none: a query of them must keep ONE
#     model (`--where "{{{{ Entity('attribution_model') }}}} = 'linear'"` or group by
#     attribution_model; `meta.attribution_model: one`), and a where on the model cannot be
#     combined with the network metrics, which have no model (query spend on its own).
"""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:  # every metric spelled out, no anchors
        return True


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Descriptions folded over lines; "{{ Entity('campaign') }}" rather than
    # '{{ Entity(''campaign'') }}'
    style = None
    if len(text) > 60 and "{{" not in text:
        style = ">"
    elif "'" in text and '"' not in text:
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _string)


def _yaml(value: object, indent: str) -> str:
    text = yaml.dump(value, Dumper=_Dumper, sort_keys=False, width=70, allow_unicode=True)
    return "".join(f"{indent}{line}" if line.strip() else line
                   for line in text.splitlines(keepends=True))


def render() -> str:
    """The file's text."""
    parts = [HEADER, "\nversion: 2\n\nmetrics:\n"]
    for number, (comment, metrics) in enumerate(sections()):
        parts.append("" if number == 0 else "\n")
        parts.append(textwrap.fill(comment, 96, initial_indent="  # ",
                                   subsequent_indent="  # ") + "\n")
        parts.append(_yaml(metrics, "  "))
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the file differs from what would be written")
    parser.add_argument("--path", type=Path, default=METRICS_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path.name} is out of date: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    args.path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
