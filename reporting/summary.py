"""`ads-analytics summary`: the period told in Markdown, from report queries only.

Every number in the text is a cell of a report (`Reports.overview`, `campaign_table` at the
network, campaign and keyword levels, for this period and the previous one of the same
length), a share of a total of those cells, or a change between the two periods. Nothing else
is computed here, so every figure can be traced to the query it came from; the text is the
same for the same warehouse and filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from reporting.catalog import ACCOUNT_SPEND, STAGE_METRICS
from reporting.output import (
    HIDDEN_NOTE,
    PERCENT,
    format_value,
    is_missing,
    label,
    markdown_text,
    text_cells,
    title,
)
from reporting.queries import Scope
from reporting.reports import Filters, Reports
from reporting.settings import RoiInputs

# `cost_per_session` is HubSpot's CPC, `cpc` the network's (labels "CPC", "CPC (network)").
TOTALS = ("spend", "impressions", "clicks", "ctr", "sessions", "cost_per_session", "cpc",
          "contacts", "cost_per_contact", *STAGE_METRICS, "deals", "revenue",
          "estimated_revenue", "roi")
NETWORK_COLUMNS = ("spend", "impressions", "clicks", "ctr", "cost_per_session", "cpc",
                   "contacts", "cost_per_contact", "customers", "revenue", "roi")
CAMPAIGN_COLUMNS = ("spend", "impressions", "clicks", "ctr", "cost_per_session", "cpc",
                    "contacts", "cost_per_contact", "customers", "revenue", "roi")
KEYWORD_COLUMNS = ("spend", "clicks", "cpc", "conversion_rate", "contacts", "cost_per_contact")


def for_setting(columns: tuple[str, ...], roi_setting: str) -> list[str]:
    """The columns with the revenue the ROI setting counts (the estimate under `estimate`)."""
    if roi_setting != "estimate":
        return list(columns)
    return ["estimated_revenue" if c == "revenue" else c for c in columns]


NETWORK_NAMES = {"facebook": "Facebook Ads", "google": "Google Ads", "linkedin": "LinkedIn Ads"}
CHANGE_THRESHOLD = 0.10  # a change of a tenth or more is notable
TOP = 5


def count(n: object, noun: str, metric: str = "contacts") -> str:
    """A number and its noun, plural unless the number is exactly one."""
    plural = {"opportunity": "opportunities"}.get(noun, f"{noun}s")
    return f"{_v(metric, n)} {noun if n == 1 else plural}"


def change(now: object, before: object) -> float | None:
    """Relative change, or None when there is nothing to compare with."""
    if is_missing(now) or is_missing(before) or float(before) == 0:
        return None
    return (float(now) - float(before)) / abs(float(before))


def points(now: object, before: object) -> float | None:
    """The difference of two rates (CTR, ROI), in percentage points."""
    if is_missing(now) or is_missing(before):
        return None
    return 100 * (float(now) - float(before))


def change_text(metric: str, now: object, before: object) -> str:
    if metric in PERCENT:
        delta = points(now, before)
        return "–" if delta is None else f"{delta:+.2f} pts"
    return percent(change(now, before), signed=True)


def share(part: object, whole: object) -> float | None:
    if is_missing(part) or is_missing(whole) or float(whole) == 0:
        return None
    return float(part) / float(whole)


def percent(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


@dataclass
class Facts:
    """The report results the summary is written from."""

    scope: Scope
    previous: Scope
    totals: dict
    totals_before: dict
    networks: pd.DataFrame
    campaigns: pd.DataFrame
    campaigns_before: pd.DataFrame
    keywords: pd.DataFrame
    stages: pd.DataFrame
    currency: str
    time_zone: str
    first_loaded_day: dt.date | None
    roi_inputs: RoiInputs
    # The spend in the ad accounts' own currency, when every account in view has the same one
    # and it is not the company currency.
    account_spend: object = None
    account_currency: str | None = None


def gather(reports: Reports, filters: Filters) -> Facts:
    scope = reports.scope(filters)
    previous = replace(scope, dates=scope.dates.previous())
    totals = reports.campaign_table(scope, level="network", columns=list(TOTALS))
    campaign_columns = for_setting(CAMPAIGN_COLUMNS, scope.roi_setting)
    campaigns = reports.campaign_table(scope, columns=campaign_columns, sort="spend")
    overview = reports.overview(scope)
    account_currency = overview.attrs.get("account_currency")
    if ACCOUNT_SPEND not in overview.columns or account_currency == reports.company_currency:
        account_currency = None
    return Facts(
        scope=scope, previous=previous,
        totals=reports.overview(scope, list(TOTALS)).iloc[0].to_dict(),
        totals_before=reports.overview(previous, list(TOTALS)).iloc[0].to_dict(),
        networks=totals[["network", *for_setting(NETWORK_COLUMNS, scope.roi_setting)]].sort_values(
            ["spend", "network"], ascending=[False, True]),
        campaigns=campaigns,
        campaigns_before=reports.campaign_table(previous, columns=campaign_columns,
                                                sort="spend"),
        keywords=reports.campaign_table(scope, level="keyword", columns=list(KEYWORD_COLUMNS),
                                        sort="contacts"),
        stages=reports.stages(scope),
        currency=reports.company_currency, time_zone=reports.time_zone,
        first_loaded_day=reports.loaded_days()[0], roi_inputs=reports.roi_inputs,
        account_spend=overview.iloc[0][ACCOUNT_SPEND] if account_currency else None,
        account_currency=account_currency,
    )


def summarise(reports: Reports, filters: Filters) -> str:
    return render(gather(reports, filters))


def _v(metric: str, value: object) -> str:
    return format_value(metric, value)


def as_markdown(facts: Facts) -> Facts:
    """The facts with every name from a vendor (campaigns, accounts, keywords, the portal's
    currency and zone) escaped as `markdown_text`, once, before any is written into the text.
    Keys (`network`, ids) are compared between the periods and never shown: left as they are."""

    def escaped(frame: pd.DataFrame) -> pd.DataFrame:
        return text_cells(frame, markdown_text,
                          keep=lambda column: column == "network" or column.endswith("_id"))

    return replace(facts, networks=escaped(facts.networks), campaigns=escaped(facts.campaigns),
                   campaigns_before=escaped(facts.campaigns_before),
                   keywords=escaped(facts.keywords), currency=markdown_text(facts.currency),
                   time_zone=markdown_text(facts.time_zone),
                   account_currency=facts.account_currency and markdown_text(
                       facts.account_currency))


def render(facts: Facts) -> str:
    facts = as_markdown(facts)
    scope, t = facts.scope, facts.totals
    # (the settings file's name is the user's: shown as text)
    inputs = (f" ({markdown_text(facts.roi_inputs.describe())})"
              if scope.roi_setting == "estimate" else "")
    hidden = f"; {HIDDEN_NOTE}" if not scope.include_deleted else ""
    lines = [
        f"# Ads summary, {scope.dates}",
        "",
        f"Attribution: `{scope.attribution}`; ROI setting: `{scope.roi_setting}`{inputs}; "
        f"money in {facts.currency}; days in {facts.time_zone}; compared with "
        f"{facts.previous.dates}{hidden}.",
        *_coverage(facts),
        "",
        "## Totals",
        "",
        _totals_sentence(t, facts),
        "",
        "| metric | this period | previous period | change |",
        "|---|---:|---:|---:|",
    ]
    for metric in _totals_shown(scope):
        now, before = t[metric], facts.totals_before[metric]
        lines.append(f"| {label(metric)} | {_v(metric, now)} | {_v(metric, before)} | "
                     f"{change_text(metric, now, before)} |")
    lines += ["", *_stages(facts), "", *_networks(facts), "", *_campaigns(facts), "",
              *_efficiency(facts), "", *_changes(facts)]
    return "\n".join(lines).rstrip() + "\n"


def _coverage(facts: Facts) -> list[str]:
    """A warning when the loaded data starts inside a compared period."""
    first = facts.first_loaded_day
    if first is None or first <= facts.previous.dates.start:
        return []
    period = "this period" if first > facts.scope.dates.start else "the previous period"
    return ["", f"> The warehouse holds ad performance from {first} on, so {period} is only "
                "partly loaded and its changes are not like for like (`ads-analytics backfill` "
                "loads earlier days)."]


def _totals_shown(scope: Scope) -> list[str]:
    """The totals, with the revenue of the ROI setting only."""
    other = "revenue" if scope.roi_setting == "estimate" else "estimated_revenue"
    return [metric for metric in TOTALS if metric != other]


# Lifecycle stage metric -> its noun, singular.
STAGE_NOUNS = {"subscribers": "subscriber", "leads": "lead", "mqls": "MQL", "sqls": "SQL",
               "opportunities": "opportunity", "customers": "customer",
               "evangelists": "evangelist", "others": "other"}


def _totals_sentence(t: dict, facts: Facts) -> str:
    currency, roi_setting = facts.currency, facts.scope.roi_setting
    if is_missing(t["spend"]) or float(t["spend"]) == 0 and t["impressions"] == 0:
        return "No spend and no impressions in this period."
    in_accounts = ""
    if facts.account_currency:
        in_accounts = (f" (amount spent {_v('spend', facts.account_spend)} "
                       f"{facts.account_currency} in the ad accounts' currency)")
    text = (f"Spend was {_v('spend', t['spend'])} {currency}{in_accounts} for "
            f"{_v('impressions', t['impressions'])} impressions and {_v('clicks', t['clicks'])} "
            f"clicks (CTR {_v('ctr', t['ctr'])}, CPC (network) {_v('cpc', t['cpc'])} per "
            "click).")
    if is_missing(t["contacts"]):
        return text + " No campaign in scope is tracked, so there are no CRM results."
    stages = [count(t[name], noun) for name, noun in STAGE_NOUNS.items()]
    text += (f" It brought {count(t['contacts'], 'contact')} (cost per contact "
             f"{_v('cost_per_contact', t['cost_per_contact'])}); of these, now "
             f"{', '.join(stages[:-1])} and {stages[-1]}.")
    if roi_setting == "estimate":
        text += (f" Estimated revenue is {_v('estimated_revenue', t['estimated_revenue'])}, "
                 f"an ROI of {_v('roi', t['roi'])}.")
    else:
        text += (f" {count(t['deals'], 'closed-won deal')} brought "
                 f"{_v('revenue', t['revenue'])} in revenue, an ROI of {_v('roi', t['roi'])}.")
    return text


def _stages(facts: Facts) -> list[str]:
    lines = ["## Lifecycle stages", ""]
    if facts.stages.contacts.isna().all():
        return [*lines, "No campaign in scope is tracked, so no contact has a stage."]
    lines += ["The attributed contacts by their lifecycle stage now, and the spend per contact "
              "in each:", "", "| lifecycle stage | contacts | cost per contact in stage |",
              "|---|---:|---:|"]
    for row in facts.stages.to_dict("records"):
        lines.append(f"| {row['lifecycle_stage']} | {_v('contacts', row['contacts'])} | "
                     f"{_v('cost_per_contact_in_stage', row['cost_per_contact_in_stage'])} |")
    return lines


def _networks(facts: Facts) -> list[str]:
    networks = facts.networks
    lines = ["## By network", ""]
    if networks.empty:
        return [*lines, "No network in scope."]
    total_spend, total_contacts = facts.totals["spend"], facts.totals["contacts"]
    columns = for_setting(NETWORK_COLUMNS, facts.scope.roi_setting)
    lines += ["| network | share of spend | " + " | ".join(label(c) for c in columns)
              + " |", "|---|" + "---:|" * (len(columns) + 1)]
    for row in networks.to_dict("records"):
        lines.append(f"| {NETWORK_NAMES.get(row['network'], row['network'])} | "
                     f"{percent(share(row['spend'], total_spend))} | "
                     + " | ".join(_v(c, row[c]) for c in columns) + " |")
    lines.append("")
    for row in networks.to_dict("records"):
        name = NETWORK_NAMES.get(row["network"], row["network"])
        sentence = f"- {name} took {percent(share(row['spend'], total_spend))} of spend"
        if not is_missing(row["contacts"]) and not is_missing(total_contacts):
            contacts = percent(share(row["contacts"], total_contacts))
            sentence += f" and brought {contacts} of contacts"
        lines.append(sentence + f"; its CPC (network) was {_v('cpc', row['cpc'])}.")
    priced = networks[networks.cost_per_contact.notna()]
    if len(priced) > 1:
        best = priced.sort_values(["cost_per_contact", "network"]).iloc[0]
        worst = priced.sort_values(["cost_per_contact", "network"],
                                   ascending=[False, True]).iloc[0]
        lines.append(f"- Contacts cost least on {NETWORK_NAMES[best.network]} "
                     f"({_v('cost_per_contact', best.cost_per_contact)} each) and most on "
                     f"{NETWORK_NAMES[worst.network]} "
                     f"({_v('cost_per_contact', worst.cost_per_contact)}).")
    return lines


def _campaign_name(row: dict) -> str:
    return f"{row['campaign_name']} ({NETWORK_NAMES.get(row['network'], row['network'])})"


def _campaigns(facts: Facts) -> list[str]:
    campaigns = facts.campaigns
    lines = ["## Campaigns", ""]
    spending = campaigns[campaigns.spend > 0]
    if spending.empty:
        return [*lines, "No campaign spent in this period."]
    lines.append(f"The {min(TOP, len(spending))} campaigns with the most spend, of "
                 f"{len(spending)} that spent:")
    columns = for_setting(CAMPAIGN_COLUMNS, facts.scope.roi_setting)
    lines += ["", "| campaign | " + " | ".join(label(c) for c in columns) + " |",
              "|---|" + "---:|" * len(columns)]
    for row in spending.head(TOP).to_dict("records"):
        lines.append(f"| {_campaign_name(row)} | "
                     + " | ".join(_v(c, row[c]) for c in columns) + " |")
    lines.append("")
    for metric, best_is_low in (("cost_per_contact", True), ("ctr", False), ("roi", False)):
        ranked = spending[spending[metric].notna()]
        if len(ranked) < 2:
            continue
        ordered = ranked.sort_values([metric, "network", "campaign_id"],
                                     ascending=[best_is_low, True, True])
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        lines.append(f"- {title(metric)}: best "
                     f"{_campaign_name(best)} at {_v(metric, best[metric])}, worst "
                     f"{_campaign_name(worst)} at {_v(metric, worst[metric])}.")
    return lines


def _efficiency(facts: Facts) -> list[str]:
    campaigns = facts.campaigns
    lines = ["## Cost and targeting efficiency", ""]
    total = facts.totals["spend"]
    tracked_idle = campaigns[(campaigns.spend > 0) & (campaigns.contacts == 0)]
    untracked = campaigns[(campaigns.spend > 0) & campaigns.contacts.isna()]
    lines.append(f"- {count(len(tracked_idle), 'tracked campaign', 'n')} spent "
                 f"{_v('spend', tracked_idle.spend.sum())} "
                 f"({percent(share(tracked_idle.spend.sum(), total))} of spend) without a "
                 "contact.")
    lines.append(f"- {count(len(untracked), 'untracked campaign', 'n')} spent "
                 f"{_v('spend', untracked.spend.sum())} "
                 f"({percent(share(untracked.spend.sum(), total))} of spend) that cannot be "
                 "attributed to contacts.")
    if not is_missing(facts.totals["sessions"]) and facts.totals["clicks"]:
        lines.append(f"- CPC as HubSpot counts it (spend per session after an ad click) was "
                     f"{_v('cost_per_session', facts.totals['cost_per_session'])}, "
                     f"against the network's CPC (per click) of {_v('cpc', facts.totals['cpc'])}: "
                     f"{_v('sessions', facts.totals['sessions'])} sessions from "
                     f"{_v('clicks', facts.totals['clicks'])} clicks.")
    keywords = facts.keywords[facts.keywords.contacts.fillna(0) > 0]
    if not keywords.empty:
        lines.append("- Google keywords that brought contacts, most first:")
        for row in keywords.head(TOP).to_dict("records"):
            lines.append(f"  - \"{row['keyword_text']}\" ({row['match_type']}): "
                         f"{count(row['contacts'], 'contact')} at "
                         f"{_v('cost_per_contact', row['cost_per_contact'])} each, CPC "
                         f"(network) {_v('cpc', row['cpc'])}, conversion rate "
                         f"{_v('conversion_rate', row['conversion_rate'])}.")
    return lines


def _changes(facts: Facts) -> list[str]:
    lines = ["## Notable changes against the previous period", ""]
    notable = []
    for metric in _totals_shown(facts.scope):
        if metric in PERCENT:  # rates move in points, told in the totals table
            continue
        delta = change(facts.totals[metric], facts.totals_before[metric])
        if delta is not None and abs(delta) >= CHANGE_THRESHOLD:
            notable.append((-abs(delta), metric, delta))
    for _, metric, delta in sorted(notable):
        lines.append(f"- {title(metric)} {'rose' if delta > 0 else 'fell'} "
                     f"{percent(abs(delta))}, from {_v(metric, facts.totals_before[metric])} "
                     f"to {_v(metric, facts.totals[metric])}.")
    now = facts.campaigns.set_index(["network", "campaign_id"])
    before = facts.campaigns_before.set_index(["network", "campaign_id"])
    started = now[(now.spend > 0) & (before.reindex(now.index).spend.fillna(0) == 0)]
    stopped = before[(before.spend > 0) & (now.reindex(before.index).spend.fillna(0) == 0)]
    if len(started):
        lines.append(f"- {count(len(started), 'campaign', 'n')} spent now but not before: "
                     + ", ".join(f"{row.campaign_name} ({_v('spend', row.spend)})"
                                 for row in started.itertuples()) + ".")
    if len(stopped):
        lines.append(f"- {count(len(stopped), 'campaign', 'n')} spent before but not now: "
                     + ", ".join(f"{row.campaign_name} ({_v('spend', row.spend)})"
                                 for row in stopped.itertuples()) + ".")
    if len(lines) == 2:
        lines.append(f"No total moved by {percent(CHANGE_THRESHOLD)} or more.")
    return lines
