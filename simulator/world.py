"""The simulated advertiser: a deterministic world the simulator's APIs serve.

Everything is generated vectorised from `(size, seed, end_date)`, so the same arguments always give
the same advertiser. Money is held in integer cents of the account's currency, so the truth and
what the pipeline loads can be compared exactly. Network metrics are per ad and per day in the
ad account's time zone; CRM events are UTC instants. Text columns are Arrow-backed strings (no
Python object per row); an organic session's ad ids are <NA>. URLs and referrers of sessions and
page views are categoricals over one shared set of categories, so each distinct URL is stored once.

Most contacts were created by their first web form. About 8% are older: created by an import, a
sales rep or the API (source OFFLINE) days to months before their first visit. A few percent were
created by a lead form on an ad (`World.leads`: Facebook Lead Ads, LinkedIn Lead Gen Forms, on
tracked lead campaigns), a few minutes after the lead; some of those visit and submit web forms
later, and some web-form contacts submit a lead form later too. Leads are not HubSpot form
submissions. See `_origins`.

The HubSpot portal's company currency and time zone are part of the world (USD and New York by
default), and `sparse=True` gives the advertiser a real account's gaps: a Google customer without
keywords, a LinkedIn account without anything in it, a portal without teams or an access file,
deals without a currency or an amount, contacts without a first name or an analytics source.
`corrupt=(...)` switches on kinds of corrupt vendor data (`corrupt.CORRUPTIONS`: negative spend,
duplicate and out-of-window report rows, an unknown currency, an invalid time zone, hostile
names); see `corrupt.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.corrupt import corrupt_world, corruptions

NETWORKS = ("facebook", "google", "linkedin")

PORTAL_TIME_ZONE = "America/New_York"
COMPANY_CURRENCY = "USD"

# (currency, IANA zone) per account, cycled; LinkedIn accounts carry no zone: their days are UTC.
ACCOUNT_PROFILES = {
    "facebook": [("USD", "America/New_York"), ("EUR", "Europe/Stockholm"),
                 ("GBP", "Europe/London"), ("SEK", "Europe/Stockholm")],
    "google": [("USD", "America/New_York"), ("SEK", "Europe/Stockholm"),
               ("EUR", "Europe/Berlin"), ("GBP", "Europe/London")],
    "linkedin": [("USD", "UTC"), ("EUR", "UTC"), ("GBP", "UTC")],
}

# Units of each currency per USD, and the company-currency rate around which rates wander.
CURRENCY_PER_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "SEK": 10.5}

CAMPAIGN_TYPES = {
    "facebook": ["OUTCOME_LEADS", "OUTCOME_TRAFFIC", "OUTCOME_ENGAGEMENT", "OUTCOME_AWARENESS"],
    "google": ["SEARCH", "SEARCH", "DISPLAY", "VIDEO"],
    "linkedin": ["SPONSORED_UPDATES", "TEXT_AD", "SPONSORED_UPDATES", "VIDEO"],
}
# Video and awareness campaigns carry no HubSpot tracking: their CRM metrics stay null.
UNTRACKED_TYPES = {"OUTCOME_AWARENESS", "VIDEO"}

RAW_STATUS = {
    "facebook": {"active": "ACTIVE", "paused": "PAUSED", "deleted": "DELETED",
                 "archived": "ARCHIVED"},
    "google": {"active": "ENABLED", "paused": "PAUSED", "deleted": "REMOVED",
               "archived": "REMOVED"},
    "linkedin": {"active": "ACTIVE", "paused": "PAUSED", "deleted": "CANCELED",
                 "archived": "ARCHIVED"},
}

# network -> (mean daily impressions per ad, click-through rate, cost per click in USD)
NETWORK_SHAPE = {
    "facebook": (900.0, 0.012, 0.85),
    "google": (420.0, 0.045, 1.60),
    "linkedin": (300.0, 0.006, 6.50),
}

HSA_NET = {"facebook": "facebook", "google": "adwords", "linkedin": "linkedin"}
UTM_SOURCE = {"facebook": "facebook", "google": "google", "linkedin": "linkedin"}

LIFECYCLE_STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
                    "opportunity", "customer", "evangelist", "other"]
_STAGE_WEIGHTS = [0.08, 0.34, 0.2, 0.12, 0.09, 0.13, 0.02, 0.02]

ORGANIC_CHANNELS = ["organic_search", "direct", "email", "referral", "organic_social"]
_ORGANIC_WEIGHTS = [0.38, 0.25, 0.15, 0.12, 0.10]
_ORGANIC_REFERRER = {
    "organic_search": "https://www.google.com/",
    "direct": "",
    "email": "",
    "referral": "https://www.g2.com/products/acme/reviews",
    "organic_social": "https://www.linkedin.com/feed/",
}
SITE = "https://www.acme-analytics.example"

# Contacts a web form did not create. "Old" ones were created earlier by an import, a sales rep
# or the API (HubSpot's source OFFLINE, its drill-down `hs_analytics_source_data_1` one of
# OFFLINE_SOURCES), days to months before their first visit. Lead-ad contacts were created by a
# lead form on an ad (Facebook Lead Ads, LinkedIn Lead Gen Forms); some web-form contacts submit
# a lead form later too.
OLD_CONTACT_SHARE = 0.08
LEAD_FIRST_SHARE = 0.04
LEAD_LATER_SHARE = 0.02
OFFLINE_SOURCES = ("IMPORT", "CRM_UI", "API")
# Campaign types whose ads carry lead forms (tracked ones only): Facebook's lead campaigns and
# LinkedIn's sponsored content (text ads have no lead forms).
LEAD_CAMPAIGN_TYPES = {"facebook": "OUTCOME_LEADS", "linkedin": "SPONSORED_UPDATES"}
LEAD_NETWORK_WEIGHTS = {"facebook": 0.5, "linkedin": 0.5}
# How long the network's lead takes to reach HubSpot (its lead sync) and create the contact.
LEAD_SYNC_LAG_SECONDS = (60, 900)
ORIGINS_STREAM = 4141


@dataclass(frozen=True)
class Size:
    name: str
    days: int
    accounts: dict[str, int]
    campaigns_per_account: int
    groups_per_campaign: int
    ads_per_group: int
    keywords_per_group: int
    contacts: int
    sessions: int
    users: int = 6


SIZES = {
    "S": Size("S", days=45, accounts={"facebook": 2, "google": 2, "linkedin": 1},
              campaigns_per_account=4, groups_per_campaign=2, ads_per_group=2,
              keywords_per_group=3, contacts=250, sessions=900),
    "M": Size("M", days=365, accounts={"facebook": 3, "google": 3, "linkedin": 2},
              campaigns_per_account=8, groups_per_campaign=4, ads_per_group=4,
              keywords_per_group=5, contacts=20_000, sessions=120_000),
    "L": Size("L", days=730, accounts={"facebook": 4, "google": 4, "linkedin": 3},
              campaigns_per_account=20, groups_per_campaign=8, ads_per_group=10,
              keywords_per_group=6, contacts=1_000_000, sessions=10_000_000),
}


def size_spec(size: str | Size) -> Size:
    if isinstance(size, Size):
        return size
    try:
        return SIZES[size.upper()]
    except KeyError:
        choices = sorted(SIZES)
        raise ValueError(f"unknown simulator size {size!r}; choose one of {choices}") from None


def with_history(size: Size, days: int) -> Size:
    """`size`'s accounts and campaigns over `days` days of history, its contacts and sessions
    scaled to keep their daily rate: the same advertiser, having run for a shorter or longer time
    (to measure what grows with history)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    scale = days / size.days
    return replace(size, days=days, contacts=max(1, round(size.contacts * scale)),
                   sessions=max(1, round(size.sessions * scale)))


def default_end_date() -> dt.date:
    """Yesterday in UTC: a demo's data ends where a real account's would."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


RESTATEMENT_DAYS = 3


@dataclass
class World:
    """All of one advertiser's data. Build with `World.generate`."""

    size: Size
    seed: int
    end_date: dt.date
    accounts: pd.DataFrame
    campaigns: pd.DataFrame
    ad_groups: pd.DataFrame
    ads: pd.DataFrame
    keywords: pd.DataFrame
    base_ad_daily: pd.DataFrame
    contacts: pd.DataFrame
    sessions: pd.DataFrame
    page_views: pd.DataFrame
    form_submissions: pd.DataFrame
    leads: pd.DataFrame
    deals: pd.DataFrame
    deal_contacts: pd.DataFrame
    exchange_rates: pd.DataFrame
    users: pd.DataFrame
    teams: pd.DataFrame
    account_access: pd.DataFrame
    company_currency: str = COMPANY_CURRENCY
    portal_time_zone: str = PORTAL_TIME_ZONE
    sparse: bool = False
    corrupt: frozenset[str] = frozenset()
    restatement_version: int = 0
    _metric_cache: dict = field(default_factory=dict, repr=False)

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.size.days - 1)

    @classmethod
    def generate(
        cls, size: str | Size = "S", seed: int = 7, end_date: dt.date | None = None, *,
        company_currency: str = COMPANY_CURRENCY, portal_time_zone: str = PORTAL_TIME_ZONE,
        sparse: bool = False, corrupt: Iterable[str] = (),
    ) -> World:
        """The advertiser of `(size, seed, end_date)`, its HubSpot portal keeping money in
        `company_currency` and days in `portal_time_zone`; `sparse` gives it a real account's
        gaps (see the module's docstring), `corrupt` the kinds of corrupt vendor data named (see
        `corrupt.py`). The defaults give the same world as ever."""
        if company_currency not in CURRENCY_PER_USD:
            raise ValueError(f"unknown company currency {company_currency!r}; choose one of "
                             f"{sorted(CURRENCY_PER_USD)}")
        ZoneInfo(portal_time_zone)  # an unknown zone fails here, not on the first request
        portal = Portal(company_currency, portal_time_zone, sparse)
        return _generate(size_spec(size), seed, end_date or default_end_date(), portal,
                         corruptions(corrupt))

    # -- metrics, with restatement -------------------------------------------------------------
    def restate(self) -> int:
        """The network revises its recent days: the next pull sees different numbers."""
        self.restatement_version += 1
        return self.restatement_version

    def ad_daily(self) -> pd.DataFrame:
        """Daily metrics per ad as the network reports them now (after any restatement)."""
        return self._metrics()[0]

    def keyword_daily(self) -> pd.DataFrame:
        """Daily metrics per Google keyword, consistent with the ad groups' totals."""
        return self._metrics()[1]

    def _metrics(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        version = self.restatement_version
        if version not in self._metric_cache:
            ads = _restated(self.base_ad_daily, version, self.seed, self.size.days)
            self._metric_cache = {version: (ads, _keyword_split(ads, self.keywords, self.seed))}
        return self._metric_cache[version]



# ---------------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------------

_ID_BASE = {
    ("facebook", "account"): 1_000_000_000_000_000,
    ("facebook", "campaign"): 120_210_000_000_000_000,
    ("facebook", "group"): 120_211_000_000_000_000, ("facebook", "ad"): 120_212_000_000_000_000,
    ("google", "account"): 1_234_000_000, ("google", "campaign"): 20_100_000_000,
    ("google", "group"): 150_000_000_000, ("google", "ad"): 680_000_000_000,
    ("google", "keyword"): 300_000_000_000,
    ("linkedin", "account"): 507_000_000, ("linkedin", "campaign"): 600_000_000,
    ("linkedin", "group"): 310_000_000, ("linkedin", "ad"): 980_000_000,
}


def _ids(rng: np.random.Generator, network: str, level: str, n: int) -> np.ndarray:
    """Distinct, realistic-looking numeric ids as strings."""
    steps = rng.integers(1, 97, size=n).cumsum() * 1009
    return (_ID_BASE[(network, level)] + steps).astype(np.int64).astype(str)


@dataclass(frozen=True)
class Portal:
    """What the HubSpot portal is set to, and whether the advertiser has a real one's gaps."""

    company_currency: str = COMPANY_CURRENCY
    time_zone: str = PORTAL_TIME_ZONE
    sparse: bool = False


def _generate(size: Size, seed: int, end_date: dt.date, portal: Portal = Portal(),
              corrupt: frozenset[str] = frozenset()) -> World:
    rng = np.random.default_rng(seed)
    accounts, campaigns, groups, ads, keywords = _hierarchy(rng, size)
    if portal.sparse:
        accounts, keywords = _sparse_hierarchy(accounts, keywords)
    daily, ad_index = _ad_daily(rng, size, end_date, accounts, ads)
    rates = _exchange_rates(rng, size, end_date, portal.company_currency)
    crm = _crm(rng, size, end_date, accounts, ads, keywords, daily, ad_index)
    # From a generator of its own, so that every draw above stays what it was.
    crm = _origins(np.random.default_rng([seed, ORIGINS_STREAM]), size, end_date, campaigns,
                   ads, daily, ad_index, crm)
    if portal.sparse:
        crm = _sparse_crm(crm, portal.company_currency)
        users, teams, access = _sparse_access(size)
    else:
        users, teams, access = _access(rng, size, accounts)
    # Last, and without drawing from `rng`: the rest of the advertiser is the default one.
    accounts, campaigns, ads, daily = corrupt_world(corrupt, accounts, campaigns, ads, daily)
    return World(
        size=size, seed=seed, end_date=end_date, accounts=accounts, campaigns=campaigns,
        ad_groups=groups, ads=ads, keywords=keywords, base_ad_daily=daily,
        exchange_rates=rates, users=users, teams=teams, account_access=access,
        company_currency=portal.company_currency, portal_time_zone=portal.time_zone,
        sparse=portal.sparse, corrupt=corrupt, **crm,
    )


def _hierarchy(rng: np.random.Generator, size: Size):
    acc_rows, cam_frames, grp_frames, ad_frames, kw_frames = [], [], [], [], []
    for network in NETWORKS:
        n_acc = size.accounts[network]
        acc_ids = _ids(rng, network, "account", n_acc)
        profiles = ACCOUNT_PROFILES[network]
        for i, acc_id in enumerate(acc_ids):
            currency, zone = profiles[i % len(profiles)]
            acc_rows.append({
                "network": network, "account_id": acc_id,
                "name": f"{network.title()} {currency} account {i + 1}",
                "currency": currency, "time_zone": zone,
            })
        n_cam = n_acc * size.campaigns_per_account
        cam_account = np.repeat(acc_ids, size.campaigns_per_account)
        types = np.array(CAMPAIGN_TYPES[network])[np.arange(n_cam) % 4]
        status = rng.choice(["active", "paused", "deleted", "archived"], size=n_cam,
                            p=[0.7, 0.15, 0.1, 0.05])
        status[np.arange(n_cam) % size.campaigns_per_account == 0] = "active"
        cam_ids = _ids(rng, network, "campaign", n_cam)
        cam = pd.DataFrame({
            "network": network, "account_id": cam_account, "campaign_id": cam_ids,
            "name": [f"{t.replace('_', ' ').title()} {k + 1}" for k, t in enumerate(types)],
            "campaign_type": types, "status": status,
            "raw_status": [RAW_STATUS[network][s] for s in status],
            "is_tracked": ~np.isin(types, list(UNTRACKED_TYPES)),
        })
        cam_frames.append(cam)
        n_grp = n_cam * size.groups_per_campaign
        grp_cam = cam.loc[cam.index.repeat(size.groups_per_campaign)].reset_index(drop=True)
        grp_status = np.where(grp_cam["status"] == "active",
                              rng.choice(["active", "paused"], size=n_grp, p=[0.85, 0.15]),
                              grp_cam["status"])
        grp = pd.DataFrame({
            "network": network, "account_id": grp_cam["account_id"],
            "campaign_id": grp_cam["campaign_id"],
            "ad_group_id": _ids(rng, network, "group", n_grp),
            "name": [f"Audience {k % size.groups_per_campaign + 1} of {c}"
                     for k, c in enumerate(grp_cam["name"])],
            "status": grp_status,
            "campaign_type": grp_cam["campaign_type"], "is_tracked": grp_cam["is_tracked"],
        })
        grp["raw_status"] = grp["status"].map(RAW_STATUS[network])
        grp_frames.append(grp)
        n_ad = n_grp * size.ads_per_group
        ad_grp = grp.loc[grp.index.repeat(size.ads_per_group)].reset_index(drop=True)
        ad_status = np.where(ad_grp["status"] == "active",
                             rng.choice(["active", "paused"], size=n_ad, p=[0.9, 0.1]),
                             ad_grp["status"])
        ad = pd.DataFrame({
            "network": network, "account_id": ad_grp["account_id"],
            "campaign_id": ad_grp["campaign_id"], "ad_group_id": ad_grp["ad_group_id"],
            "ad_id": _ids(rng, network, "ad", n_ad),
            "name": [f"Creative {k % size.ads_per_group + 1}" for k in range(n_ad)],
            "status": ad_status, "campaign_type": ad_grp["campaign_type"],
            "is_tracked": ad_grp["is_tracked"],
        })
        ad["raw_status"] = ad["status"].map(RAW_STATUS[network])
        ad["final_url"] = SITE + "/" + np.array(["pricing", "demo", "guide", "webinar"])[
            np.arange(n_ad) % 4]
        ad_frames.append(ad)
        if network == "google":
            search = grp[grp["campaign_type"] == "SEARCH"]
            n_kw = len(search) * size.keywords_per_group
            kw_grp = search.loc[search.index.repeat(size.keywords_per_group)].reset_index(
                drop=True)
            words = np.array(["ads analytics", "marketing attribution", "roi dashboard",
                              "crm reporting", "campaign tracking", "lead scoring",
                              "ad spend report", "multi touch attribution"])
            bid = rng.integers(40, 400, size=n_kw) * 10_000
            kw_frames.append(pd.DataFrame({
                "network": network, "account_id": kw_grp["account_id"],
                "campaign_id": kw_grp["campaign_id"], "ad_group_id": kw_grp["ad_group_id"],
                "criterion_id": _ids(rng, network, "keyword", n_kw),
                "text": words[np.arange(n_kw) % len(words)] + " " + (
                    np.arange(n_kw) // len(words)).astype(str),
                "match_type": rng.choice(["EXACT", "PHRASE", "BROAD"], size=n_kw),
                "status": np.where(kw_grp["status"] == "active", "ENABLED", "PAUSED"),
                "cpc_bid_micros": bid,
                "first_page_cpc_micros": (bid * rng.uniform(0.3, 0.8, n_kw)).astype(np.int64)
                // 10_000 * 10_000,
                "top_of_page_cpc_micros": (bid * rng.uniform(0.8, 1.4, n_kw)).astype(np.int64)
                // 10_000 * 10_000,
                "first_position_cpc_micros": (bid * rng.uniform(1.4, 2.5, n_kw)).astype(
                    np.int64) // 10_000 * 10_000,
                "weight": rng.uniform(0.2, 1.0, n_kw),
            }))
    accounts = pd.DataFrame(acc_rows)
    keywords = pd.concat(kw_frames, ignore_index=True)
    keywords["weight"] = keywords["weight"] / keywords.groupby("ad_group_id")["weight"].transform(
        "sum")
    return (accounts, pd.concat(cam_frames, ignore_index=True),
            pd.concat(grp_frames, ignore_index=True), pd.concat(ad_frames, ignore_index=True),
            keywords)


def _ad_daily(rng, size: Size, end_date: dt.date, accounts, ads) -> tuple[pd.DataFrame,
                                                                     np.ndarray]:
    """Daily metrics per ad, and each row's position in `ads`."""
    days = size.days
    n_ad = len(ads)
    # Each ad runs for a stretch of the history; stopped ads (paused, deleted) end early.
    start = rng.integers(0, max(1, days // 10), size=n_ad)
    stopped = ads["status"].to_numpy() != "active"
    end = np.where(stopped, rng.integers(days // 2, days, size=n_ad), days - 1)
    end = np.maximum(end, start)
    lengths = end - start + 1
    ad_index = np.repeat(np.arange(n_ad), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(lengths.cumsum() - lengths, lengths)
    day_index = start[ad_index] + offsets
    start_ord = (end_date - dt.timedelta(days=days - 1)).toordinal()
    weekday = (start_ord + 6 + day_index) % 7  # date.weekday(): 0 = Monday
    weekday_factor = np.array([1.1, 1.15, 1.12, 1.08, 0.95, 0.6, 0.55])[weekday]
    season = 1.0 + 0.25 * np.sin(2 * np.pi * day_index / 365.25)

    network = ads["network"].to_numpy()
    currency = ads["account_id"].map(accounts.set_index("account_id")["currency"]).to_numpy()
    fx = np.vectorize(CURRENCY_PER_USD.get)(currency)
    base_imp = np.empty(n_ad)
    ctr = np.empty(n_ad)
    cpc = np.empty(n_ad)
    for net, (imp, net_ctr, net_cpc) in NETWORK_SHAPE.items():
        mask = network == net
        k = int(mask.sum())
        base_imp[mask] = imp * rng.lognormal(0, 0.6, size=k)
        ctr[mask] = net_ctr * rng.lognormal(0, 0.3, size=k)
        cpc[mask] = net_cpc * rng.lognormal(0, 0.25, size=k)
    ctr = np.where(ads["campaign_type"].isin(["DISPLAY", "VIDEO"]).to_numpy(), ctr / 6, ctr)

    lam = base_imp[ad_index] * weekday_factor * season
    impressions = rng.poisson(lam)
    clicks = rng.binomial(impressions, np.minimum(ctr[ad_index], 0.5))
    cpm_part = impressions * cpc[ad_index] * 0.02
    spend = (clicks * cpc[ad_index] * rng.lognormal(0, 0.1, size=len(clicks)) + cpm_part / 10)
    spend_cents = np.round(spend * fx[ad_index] * 100).astype(np.int64)
    keep = impressions > 0
    ad_index, day_index = ad_index[keep], day_index[keep]
    impressions, clicks, spend_cents = impressions[keep], clicks[keep], spend_cents[keep]
    n = len(ad_index)
    link_clicks = rng.binomial(clicks, 0.8)
    engagements = clicks + rng.poisson(impressions * 0.004)
    likes = rng.binomial(engagements, 0.15)
    conv_rate = 0.04
    conversions_centi = rng.binomial(clicks, conv_rate) * 100 + rng.integers(0, 2, n) * 50
    first_day = np.datetime64(end_date - dt.timedelta(days=days - 1), "D")
    dates = np.datetime_as_string(first_day + np.arange(days), unit="D")
    frame = pd.DataFrame({
        "network": _take(ads["network"], ad_index),
        "account_id": _take(ads["account_id"], ad_index),
        "campaign_id": _take(ads["campaign_id"], ad_index),
        "ad_group_id": _take(ads["ad_group_id"], ad_index),
        "ad_id": _take(ads["ad_id"], ad_index),
        "day_index": day_index.astype(np.int32),
        "date": _take(dates, day_index),
        "impressions": impressions.astype(np.int64),
        "clicks": clicks.astype(np.int64),
        "link_clicks": link_clicks.astype(np.int64),
        "spend_cents": spend_cents,
        "engagements": engagements.astype(np.int64),
        "likes": likes.astype(np.int64),
        "conversions_centi": conversions_centi.astype(np.int64),
    }, copy=False)
    return frame, ad_index


def _restated(base: pd.DataFrame, version: int, seed: int, days: int) -> pd.DataFrame:
    """The last few days grow a little with every restatement, as late conversions arrive."""
    if version == 0:
        return base
    frame = base.copy()
    recent = frame["day_index"].to_numpy() >= days - RESTATEMENT_DAYS
    rng = np.random.default_rng([seed, version])
    k = int(recent.sum())
    growth = 1.0 + rng.uniform(0.01, 0.06, size=k) * version
    for column in ("impressions", "clicks", "link_clicks", "engagements", "spend_cents"):
        values = frame.loc[recent, column].to_numpy()
        frame.loc[recent, column] = np.round(values * growth).astype(np.int64)
    return frame


def _keyword_split(ad_daily: pd.DataFrame, keywords: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Search ad groups' daily totals split over their keywords, so both views add up the same."""
    search_groups = keywords["ad_group_id"].unique()
    rows = ad_daily[ad_daily["ad_group_id"].isin(search_groups)]
    totals = rows.groupby(["ad_group_id", "date", "day_index"], as_index=False)[
        ["impressions", "clicks", "spend_cents", "conversions_centi"]].sum()
    joined = totals.merge(keywords[["ad_group_id", "criterion_id", "account_id", "campaign_id",
                                    "weight"]], on="ad_group_id")
    joined = joined.sort_values(["ad_group_id", "date", "criterion_id"], kind="stable")
    first = ~joined.duplicated(["ad_group_id", "date"])
    for column in ("impressions", "clicks", "spend_cents", "conversions_centi"):
        part = np.floor(joined[column].to_numpy() * joined["weight"].to_numpy()).astype(np.int64)
        joined[column + "_part"] = part
        remainder = joined[column] - joined.groupby(["ad_group_id", "date"])[
            column + "_part"].transform("sum")
        joined[column] = np.where(first, part + remainder, part)
    rng = np.random.default_rng([seed, 99])
    top = rng.uniform(0.15, 0.95, size=len(joined))
    out = joined[["account_id", "campaign_id", "ad_group_id", "criterion_id", "date", "day_index",
                  "impressions", "clicks", "spend_cents", "conversions_centi"]].copy()
    out["interactions"] = out["clicks"]
    out["search_top_impression_share"] = np.round(top, 4)
    out["search_absolute_top_impression_share"] = np.round(top * rng.uniform(0.3, 0.9, len(top)), 4)
    return out[out["impressions"] > 0].reset_index(drop=True)


def _exchange_rates(rng, size: Size, end_date: dt.date,
                    company: str = COMPANY_CURRENCY) -> pd.DataFrame:
    """Rates into the company currency, one new rate every 30 days, the first before any data.

    Every other currency's rate to USD wanders (the same draws whatever the company currency);
    a rate into another company currency C is derived from them, X->C = (X->USD) / (C->USD), so
    all rates of a day agree. HubSpot keeps at most six decimals.
    """
    start = end_date - dt.timedelta(days=size.days - 1 + 10)
    to_usd: dict[str, list[float]] = {"USD": []}
    days: list[dt.date] = []
    for currency, per_usd in CURRENCY_PER_USD.items():
        if currency == "USD":
            continue
        rate = 1.0 / per_usd
        day, walk = start, []
        while day <= end_date:
            walk.append(rate)
            rate *= float(rng.lognormal(0, 0.02))
            day += dt.timedelta(days=30)
        to_usd[currency] = walk
    day = start
    while day <= end_date:
        days.append(day)
        to_usd["USD"].append(1.0)
        day += dt.timedelta(days=30)
    rows = []
    for currency in CURRENCY_PER_USD:
        if currency == company:
            continue
        for k, effective in enumerate(days):
            rate = to_usd[currency][k] / to_usd[company][k]
            rows.append({"from_currency": currency, "to_currency": company,
                         "rate": round(rate, 6), "effective_at": effective,
                         "rate_id": f"{currency}-{k}"})
    return pd.DataFrame(rows)


def _crm(rng, size: Size, end_date: dt.date, accounts, ads, keywords, daily,
         ad_index: np.ndarray) -> dict:
    """Contacts, their sessions (from ads and elsewhere), form submissions and deals.

    Size L has ten million sessions and eighteen million page views, so everything is computed
    on integer arrays (ad, day, page and contact positions) and turned into text once, at the
    end, with Arrow kernels: no Python string per row, no sort or copy of text columns.
    """
    n_contacts, n_sessions = size.contacts, size.sessions
    # Never more ad sessions on an ad-day than clicks it had: sample clicks without replacement.
    tracked = np.flatnonzero(ads["is_tracked"].to_numpy(dtype=bool)[ad_index])
    clicks = daily["clicks"].to_numpy()[tracked]
    n_ad = min(int(n_sessions * 0.45), int(clicks.sum()))
    per_row = rng.multivariate_hypergeometric(clicks, n_ad, method="marginals")
    rows = np.repeat(tracked, per_row)
    ad_of, day_of = ad_index[rows], daily["day_index"].to_numpy(np.int64)[rows]
    del tracked, clicks, per_row, rows

    # A visit at a random second of the ad's local day, as a UTC instant (a local time that
    # does not exist is shifted forward; one that is ambiguous is read as UTC).
    first_ns = pd.Timestamp(end_date - dt.timedelta(days=size.days - 1)).as_unit("ns").value
    local = first_ns + day_of * _DAY_NS + rng.integers(0, 86_400, size=n_ad) * _SECOND_NS
    zone_of_ad = ads["account_id"].map(accounts.set_index("account_id")["time_zone"]).to_numpy()
    ad_started = local.copy()
    for tz in pd.unique(zone_of_ad):
        idx = np.flatnonzero((zone_of_ad == tz)[ad_of])
        utc = pd.DatetimeIndex(local[idx].view("datetime64[ns]")).tz_localize(
            tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
        ad_started[idx] = np.where(utc.isna(), local[idx], utc.asi8)
    del local

    n_org = n_sessions - n_ad
    org_channel = rng.choice(len(ORGANIC_CHANNELS), size=n_org, p=_ORGANIC_WEIGHTS)
    start_ns = pd.Timestamp(end_date - dt.timedelta(days=size.days - 1), tz="UTC").as_unit(
        "ns").value
    org_started = start_ns + rng.integers(0, size.days * 86_400, size=n_org) * _SECOND_NS
    network_of_ad = pd.Categorical(ads["network"], categories=NETWORKS).codes
    ad_channel = np.where(network_of_ad == NETWORKS.index("google"), 1, 0)  # paid_search

    # Every contact has at least one session; the rest of the sessions go to contacts at random.
    owner = np.concatenate([np.arange(n_contacts),
                            rng.integers(0, n_contacts, size=n_sessions - n_contacts)])
    rng.shuffle(owner)
    # Sessions in contact order, then by time. Sorting by the contact's position (not its id's
    # text, whose order differs once ids grow a digit) keeps each contact's block where
    # `per_contact` says it is.
    started = np.concatenate([ad_started, org_started])
    order = np.lexsort((started, owner))
    started, owner = started[order], owner[order].astype(np.int32)
    ad = np.concatenate([ad_of, np.full(n_org, -1)]).astype(np.int32)[order]
    day = np.concatenate([day_of, np.full(n_org, -1)]).astype(np.int32)[order]
    channel = np.concatenate([ad_channel[ad_of], 2 + org_channel]).astype(np.int8)[order]
    del ad_of, day_of, ad_started, org_started, org_channel, order
    net = np.where(ad >= 0, network_of_ad[ad], -1).astype(np.int8)

    per_contact = np.bincount(owner, minlength=n_contacts)
    first_of = np.cumsum(per_contact) - per_contact
    visit_rank = np.arange(n_sessions) - first_of[owner]

    keyword_slot, keyword_pos = _session_keywords(rng, ad, ads, keywords)
    pages = rng.integers(0, len(_LANDING_PAGES), n_sessions).astype(np.int8)
    click = rng.integers(10**15, 10**16, n_sessions)
    landing = _Landing(ads, keywords, pages, ad, keyword_slot, net, channel, click)
    del click, keyword_slot, net

    contact_ids = _numbers(10_001 + np.arange(n_contacts) * 3)
    session_ids = _numbers(5_000_000 + np.arange(n_sessions))
    first_day = np.datetime64(end_date - dt.timedelta(days=size.days - 1), "D")
    dates = pd.array(np.datetime_as_string(first_day + np.arange(size.days), unit="D"),
                     dtype=_TEXT)
    sessions = pd.DataFrame({
        "network": _take(ads["network"], ad, _TEXT),
        "account_id": _take(ads["account_id"], ad, _TEXT),
        "campaign_id": _take(ads["campaign_id"], ad, _TEXT),
        "ad_group_id": _take(ads["ad_group_id"], ad, _TEXT),
        "ad_id": _take(ads["ad_id"], ad, _TEXT),
        "date": dates.take(day, allow_fill=True),
        "started_at": _utc(started),
        "channel": pd.array(_CHANNELS, dtype=_STR).take(channel),
        "contact_id": contact_ids.take(owner),
        "session_id": session_ids,
        "keyword_id": _take(keywords["criterion_id"], keyword_pos, _TEXT),
        "landing_url": landing.urls(),
        "referrer": landing.referrers(),
        "visit_rank": visit_rank,
    }, copy=False)
    del ad, day, keyword_pos

    # Each contact converts on one of their sessions (early ones likelier), some again later.
    convert_rank = np.floor(rng.uniform(0, 1, n_contacts) ** 2 * per_contact).astype(int)
    first_idx = first_of + convert_rank
    submitted = started[first_idx] + rng.integers(20, 600, n_contacts) * _SECOND_NS
    later = np.flatnonzero(visit_rank > convert_rank[owner])
    again = later[rng.uniform(0, 1, len(later)) < 0.25]
    again_at = started[again] + rng.integers(20, 600, len(again)) * _SECOND_NS
    # A later session may start minutes before the first form is sent (two tabs): its form
    # still comes after, so the first form is the earliest (it created the contact).
    again_at = np.maximum(again_at, submitted[owner[again]] + _SECOND_NS)
    form_idx = np.concatenate([first_idx, again])
    n_forms = len(form_idx)
    forms = pd.DataFrame({
        "contact_id": contact_ids.take(owner[form_idx]),
        "session_id": session_ids.take(form_idx),
        "submitted_at": _utc(np.concatenate([submitted, again_at])),
        "page_url": landing.pages_text.take(pages[form_idx]),
        "form_id": pd.array(["b7c1e2a4-0d5e-4c39-9a7c-contact-form",
                             "5f0a3c11-8e2b-4d77-b1c9-webinar-form"], dtype=_STR).take(
            (np.arange(n_forms) >= n_contacts).astype(np.int64)),
        "is_first": np.arange(n_forms) < n_contacts,
        "submission_id": _numbers(70_000_000 + np.arange(n_forms)),
    }, copy=False)

    conversion_channel = pd.Series(np.array(_CHANNELS)[channel[first_idx]])
    del pages, channel, visit_rank, later, again, form_idx, first_idx
    contacts = _contacts(rng, contact_ids, _utc(submitted), conversion_channel, end_date)
    deals, deal_contacts = _deals(rng, contacts, end_date)
    page_views = _page_views(rng, n_sessions, landing, owner, started, contact_ids)
    return {"contacts": contacts, "sessions": sessions, "page_views": page_views,
            "form_submissions": forms, "deals": deals, "deal_contacts": deal_contacts}


def _origins(rng, size: Size, end_date: dt.date, campaigns: pd.DataFrame, ads: pd.DataFrame,
             daily: pd.DataFrame, ad_index: np.ndarray, crm: dict) -> dict:
    """Contacts a web form did not create, and the leads of the networks' lead forms.

    Each contact is drawn one origin: a web form (most), old (created by an import, a rep or
    the API days to months before its first visit; `OLD_CONTACT_SHARE`), created by a lead
    (`LEAD_FIRST_SHARE`: the lead comes an hour to 30 days before its first visit, the contact
    `LEAD_SYNC_LAG_SECONDS` after it; half of them never submit a web form, so theirs are
    dropped), or a web-form contact that later submits a lead too (`LEAD_LATER_SHARE`, a day to
    60 days after its first form). A lead is on a tracked ad of a lead campaign
    (`LEAD_CAMPAIGN_TYPES`) that had clicks on the lead's UTC day, drawn by its clicks; a
    contact whose lead would fall outside the history or on a day without such an ad keeps its
    web-form origin. Vectorised: no Python per contact or lead.
    """
    contacts, forms, sessions = crm["contacts"], crm["form_submissions"], crm["sessions"]
    n = len(contacts)
    start_ns = pd.Timestamp(end_date - dt.timedelta(days=size.days - 1), tz="UTC").as_unit(
        "ns").value
    end_ns = start_ns + size.days * _DAY_NS
    # Sessions and first forms are in contact order (one visit_rank 0 and one first form each).
    first_visit = _ns(sessions["started_at"])[sessions["visit_rank"].to_numpy() == 0]
    first_form = _ns(forms["submitted_at"])[forms["is_first"].to_numpy(dtype=bool)]
    shares = [OLD_CONTACT_SHARE, LEAD_FIRST_SHARE, LEAD_LATER_SHARE]
    origin = rng.choice(4, size=n, p=[1 - sum(shares), *shares])
    u_gap, u_keep, u_network, u_ad = rng.uniform(0, 1, (4, n))
    lag = rng.integers(LEAD_SYNC_LAG_SECONDS[0], LEAD_SYNC_LAG_SECONDS[1] + 1, n) * _SECOND_NS
    offline_source = rng.integers(0, len(OFFLINE_SOURCES), n)

    created = _ns(contacts["createdate"]).copy()
    old = origin == 1
    before = (2 * 86_400 + np.floor(u_gap * 178 * 86_400).astype(np.int64)) * _SECOND_NS
    created[old] = first_visit[old] - before[old]

    hour = 3_600 * _SECOND_NS
    room = first_visit - start_ns
    gap = hour + np.floor(u_gap * (np.minimum(30 * _DAY_NS, room) - hour) / _SECOND_NS).astype(
        np.int64) * _SECOND_NS
    later = first_form + (86_400 + np.floor(u_gap * 59 * 86_400).astype(np.int64)) * _SECOND_NS
    lead_at = np.where(origin == 2, first_visit - gap, later)
    wants = ((origin == 2) & (room > 2 * hour)) | ((origin == 3) & (later < end_ns))
    day = np.where(wants, (lead_at - start_ns) // _DAY_NS, 0)
    row, found = _lead_ads(daily, ads, ad_index, day, u_network, u_ad)
    has_lead = wants & found
    first_lead = has_lead & (origin == 2)
    created[first_lead] = lead_at[first_lead] + lag[first_lead]

    who = np.flatnonzero(has_lead)
    who = who[np.lexsort((who, lead_at[who]))]
    leads = _lead_frame(who, lead_at[who], first_lead[who], row[who], daily, campaigns,
                        contacts)
    source = contacts["analytics_source"].to_numpy(dtype=object).copy()
    source_data = np.full(n, None, dtype=object)
    source[old] = "OFFLINE"
    source_data[old] = np.array(OFFLINE_SOURCES, dtype=object)[offline_source[old]]
    created_by_lead = leads["is_first"].to_numpy(dtype=bool)
    source[who[created_by_lead]] = "PAID_SOCIAL"
    source_data[who[created_by_lead]] = leads.loc[created_by_lead, "network"].map(
        {"facebook": "Facebook", "linkedin": "LinkedIn"}).to_numpy(dtype=object)
    contacts = contacts.assign(createdate=_utc(created), analytics_source=source,
                               analytics_source_data_1=source_data)
    # Half of the contacts a lead created never submit a web form.
    silent = first_lead & (u_keep < 0.5)
    form_owner = pd.Index(contacts["contact_id"]).get_indexer(forms["contact_id"])
    forms = forms[~silent[form_owner]].reset_index(drop=True)
    return {**crm, "contacts": contacts, "form_submissions": forms, "leads": leads}


def _ns(values: pd.Series) -> np.ndarray:
    """UTC instants as epoch nanoseconds."""
    return pd.DatetimeIndex(values).as_unit("ns").asi8


def _lead_ads(daily: pd.DataFrame, ads: pd.DataFrame, ad_index: np.ndarray, day: np.ndarray,
              u_network: np.ndarray, u_ad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per lead (its day index), the `daily` row of the ad it came from, and whether there was
    one: a network by `LEAD_NETWORK_WEIGHTS` (the other when the first had no lead ad that
    day), then an ad-day of that day by its clicks."""
    clicks = daily["clicks"].to_numpy()
    days = daily["day_index"].to_numpy(np.int64)
    capable = ads["is_tracked"].to_numpy(dtype=bool) & np.isin(
        ads["network"].to_numpy(dtype=object) + ":" + ads["campaign_type"].to_numpy(dtype=object),
        [f"{net}:{kind}" for net, kind in LEAD_CAMPAIGN_TYPES.items()])
    network = ads["network"].to_numpy(dtype=object)
    picks, founds = [], []
    for net in LEAD_CAMPAIGN_TYPES:
        rows = np.flatnonzero((capable & (network == net))[ad_index] & (clicks > 0))
        rows = rows[np.argsort(days[rows], kind="stable")]
        if not len(rows):
            picks.append(np.full(len(day), -1))
            founds.append(np.zeros(len(day), dtype=bool))
            continue
        cum = np.cumsum(clicks[rows])
        before = np.concatenate([[0], cum])  # clicks of the rows before each row
        lo = np.searchsorted(days[rows], day, "left")
        hi = np.searchsorted(days[rows], day, "right")
        target = before[lo] + u_ad * (before[hi] - before[lo])
        at = np.minimum(np.searchsorted(cum, target, "right"), len(rows) - 1)
        picks.append(np.where(hi > lo, rows[at], -1))
        founds.append(hi > lo)
    (fb, li), (fb_found, li_found) = picks, founds
    want_linkedin = u_network >= LEAD_NETWORK_WEIGHTS["facebook"]
    use_linkedin = li_found & (want_linkedin | ~fb_found)
    return np.where(use_linkedin, li, fb), fb_found | li_found


def _lead_frame(who: np.ndarray, lead_at: np.ndarray, is_first: np.ndarray, row: np.ndarray,
                daily: pd.DataFrame, campaigns: pd.DataFrame,
                contacts: pd.DataFrame) -> pd.DataFrame:
    """`World.leads`: one row per lead (`who`: the contacts' positions, in time order)."""
    network = daily["network"].array.take(row)
    is_linkedin = np.asarray(network == "linkedin", dtype=bool)
    k = np.arange(len(who), dtype=np.int64)
    # Facebook lead ids are long numbers; LinkedIn's response ids shorter ones. One form per
    # campaign on each network.
    lead_id = np.where(is_linkedin, 71_300_000 + k * 17, 2_310_470_000_000_000 + k * 7_919)
    campaign = daily["campaign_id"].array.take(row)
    campaign_pos = pd.Index(campaigns["campaign_id"]).get_indexer(campaign)
    form_id = np.where(is_linkedin, 6_420_000 + campaign_pos * 37,
                       1_093_400_000_000_000 + campaign_pos * 1_009)
    return pd.DataFrame({
        "lead_id": _numbers(lead_id),
        "network": network,
        "account_id": daily["account_id"].array.take(row),
        "campaign_id": campaign,
        "ad_group_id": daily["ad_group_id"].array.take(row),
        "ad_id": daily["ad_id"].array.take(row),
        "form_id": _numbers(form_id),
        "created_at": _utc(lead_at),
        "email": contacts["email"].array.take(who),
        "first_name": contacts["firstname"].array.take(who),
        "last_name": contacts["lastname"].array.take(who),
        "contact_id": contacts["contact_id"].array.take(who),
        "is_first": is_first,
    })


_DAY_NS = 86_400 * 10**9
_SECOND_NS = 10**9
# Text columns: pandas' default `str` (Arrow-backed from pandas 3 on, NaN for missing), and
# `string[pyarrow]` (pd.NA for missing).
_STR = pd.Series(["text"]).dtype
_TEXT = pd.StringDtype("pyarrow")
_CHANNELS = ["paid_social", "paid_search", *ORGANIC_CHANNELS]
_LANDING_PAGES = ["pricing", "demo", "guide", "webinar", "blog/attribution-101", ""]
_INNER_PAGES = ["pricing", "features", "customers", "about", "contact"]
_AD_REFERRER = {"facebook": "https://l.facebook.com/", "google": "https://www.google.com/",
                "linkedin": "https://www.linkedin.com/"}
_CHUNK = 1 << 19


def _take(values, positions: np.ndarray, dtype=_STR):
    """`values[positions]` as Arrow-backed text (a position of -1 gives a missing value)."""
    return pd.array(values, dtype=dtype).take(positions, allow_fill=True)


def _numbers(values: np.ndarray, dtype=_STR):
    """Integers as Arrow-backed decimal text, without making a Python string per value."""
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.large_string())
    return pd.array(pd.arrays.ArrowStringArray(text), dtype=dtype)


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _utc(ns: np.ndarray) -> pd.Series:
    """Epoch nanoseconds as a `datetime64[ns, UTC]` Series."""
    return pd.Series(pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC"))


def _session_keywords(rng, ad: np.ndarray, ads: pd.DataFrame, keywords: pd.DataFrame):
    """A Google search session came through one of its ad group's keywords (vectorised).

    Per session: the keyword's place among its ad group's keywords, and its row in `keywords`
    (both -1 for none).
    """
    u = rng.uniform(0, 1, len(ad))
    first, count, members = _ad_keywords(ads, keywords)
    a = np.maximum(ad, 0)
    n_kw = np.where(ad >= 0, count[a], 0)
    slot = np.where(n_kw > 0, np.minimum(np.floor(u * n_kw).astype(np.int64), n_kw - 1), -1)
    hit = slot >= 0
    pos = np.full(len(ad), -1, dtype=np.int64)
    pos[hit] = members[first[a[hit]] + slot[hit]]
    return slot, pos


def _ad_keywords(ads: pd.DataFrame, keywords: pd.DataFrame):
    """Per ad: where its ad group's keywords start in `members`, and how many it has; `members`
    lists the rows of `keywords` by ad group, in their order inside each group."""
    groups = pd.Index(ads["ad_group_id"].unique())
    codes = groups.get_indexer(keywords["ad_group_id"])
    valid = np.flatnonzero(codes >= 0)
    members = valid[np.argsort(codes[valid], kind="stable")]
    per_group = np.bincount(codes[valid], minlength=len(groups))
    group_first = np.cumsum(per_group) - per_group
    ad_group = groups.get_indexer(ads["ad_group_id"])
    return group_first[ad_group], per_group[ad_group], members


class _Landing:
    """Landing URLs and referrers of sessions and page views, as categoricals.

    An ad session's URL is page + the ad's tracking parameters (`hsa_*`, UTM, keyword) + its
    click id; an organic one is the page (plus UTM for email). Each distinct URL is built once,
    by Arrow, from small tables of parts; sessions and page views hold codes into the same
    categories, so a URL is stored once however many rows show it.
    """

    def __init__(self, ads, keywords, pages, ad, keyword_slot, net, channel, click):
        middles = pa.array(_url_middles(ads, keywords), pa.large_string())
        slots = (len(middles) - 2) // max(1, len(ads))
        paths = _LANDING_PAGES + [p for p in _INNER_PAGES if p not in _LANDING_PAGES]
        inner_page = np.array([paths.index(p) for p in _INNER_PAGES])
        n = len(ad)
        # One row per session, then one per inner page; equal URLs get equal codes.
        page = np.concatenate([pages, inner_page])
        middle = np.concatenate([
            np.where(ad >= 0, 2 + np.maximum(ad, 0) * slots + keyword_slot + 1,
                     (channel == _CHANNELS.index("email")).astype(np.int64)),
            np.zeros(len(inner_page), dtype=np.int64)])
        click = np.concatenate([np.where(ad >= 0, click, -1), np.full(len(inner_page), -1)])
        first, codes = _factorize_pairs(page * len(middles) + middle, click)
        page, middle, click = page[first], middle[first], click[first]
        paths_text = pa.array([f"{SITE}/{p}" for p in paths], pa.large_string())
        chunks = []
        for lo in range(0, len(first), _CHUNK):
            part = slice(lo, lo + _CHUNK)
            click_text = pc.cast(pa.array(click[part], mask=click[part] < 0), pa.large_string())
            chunks.append(pc.binary_join_element_wise(
                paths_text.take(page[part]), middles.take(middle[part]), click_text,
                _large(""), null_handling="replace", null_replacement=""))
        self.url_dtype = _categories(pd.arrays.ArrowStringArray(
            pa.chunked_array(chunks, pa.large_string())))
        self.session_url, self.inner_url = codes[:n].astype(np.int32), codes[n:]
        self.pages_text = pd.array([f"{SITE}/{p}" for p in _LANDING_PAGES], dtype=_STR)
        # Referrer: by network for ad sessions, by channel for the others.
        referrers = ([_AD_REFERRER[n] for n in NETWORKS]
                     + [_ORGANIC_REFERRER[c] for c in ORGANIC_CHANNELS] + [SITE + "/"])
        distinct = list(dict.fromkeys(referrers))
        self.referrer_code = np.array([distinct.index(r) for r in referrers])
        self.referrer_dtype = _categories(distinct)
        self.referrer = np.where(net >= 0, net, len(NETWORKS) + channel - 2).astype(np.int8)

    def urls(self, sessions: np.ndarray | None = None,
             inner: np.ndarray | None = None) -> pd.Categorical:
        """Landing URLs of `sessions` (default: all); with `inner` (page views), rows where
        inner >= 0 show that inner page instead."""
        codes = self.session_url if sessions is None else self.session_url[sessions]
        if inner is not None:
            codes = np.where(inner >= 0, self.inner_url.astype(np.int32)[np.maximum(inner, 0)],
                             codes)
        return pd.Categorical.from_codes(codes, dtype=self.url_dtype)

    def referrers(self, sessions: np.ndarray | None = None,
                  inner: np.ndarray | None = None) -> pd.Categorical:
        key = self.referrer if sessions is None else self.referrer[sessions]
        if inner is not None:
            key = np.where(inner >= 0, len(self.referrer_code) - 1, key)
        return pd.Categorical.from_codes(self.referrer_code.astype(np.int8)[key],
                                         dtype=self.referrer_dtype)


def _categories(distinct) -> pd.CategoricalDtype:
    """A categorical dtype over `distinct` text values (distinct by construction). pandas' own
    check of that would build a Python object per value and keep them: 1.5 GB at size L."""
    categories = pd.Index(pd.array(distinct, dtype=_TEXT))
    fastpath = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fastpath(categories, False) if fastpath else pd.CategoricalDtype(categories)


def _url_middles(ads: pd.DataFrame, keywords: pd.DataFrame) -> list[str]:
    """What goes between a landing page and the click id: nothing, the email UTM, then per ad
    and keyword slot (0: no keyword) the ad's UTM and `hsa_*` parameters."""
    first, count, members = _ad_keywords(ads, keywords)
    slots = int(count.max()) + 1 if len(count) else 1
    criteria = keywords["criterion_id"].to_numpy(dtype=object)
    middles = ["", "?utm_source=hs_email&utm_medium=email&utm_campaign=newsletter"]
    for a, row in enumerate(ads[["network", "account_id", "campaign_id", "ad_group_id",
                                 "ad_id"]].itertuples(index=False)):
        common = "?" + ad_tracking(row)
        for slot in range(slots):
            if row.network == "google":
                if slot == 0:
                    target = "&hsa_src=d"
                elif slot <= count[a]:
                    criterion = criteria[members[first[a] + slot - 1]]
                    target = (f"&hsa_tgt=kwd-{criterion}&hsa_kw=ads%20analytics&hsa_mt=e"
                              "&hsa_src=g")
                else:
                    target = ""
                tail = target + "&hsa_net=adwords&hsa_ver=3&gclid=Cj0KCQ"
            elif row.network == "facebook":
                tail = HSA_TAIL["facebook"] + "&fbclid=IwAR"
            elif row.network == "linkedin":
                tail = HSA_TAIL["linkedin"] + "&li_fat_id="
            else:
                tail = ""
            middles.append(common + tail)
    return middles


# What follows an ad's `hsa_*` ids in HubSpot's tracking, per network (Google's depends on the
# keyword, and is built where it is used).
HSA_TAIL = {"facebook": "&hsa_src=fb&hsa_net=facebook&hsa_ver=3",
            "linkedin": "&hsa_net=linkedin&hsa_ver=3"}


def ad_tracking(ad) -> str:
    """The UTM tags and HubSpot `hsa_*` ids of a tracked ad (a row with `network`,
    `account_id`, `campaign_id`, `ad_group_id`, `ad_id`), as a query string without `?`; the
    network's tail (`HSA_TAIL`) and click id follow it."""
    return (f"utm_source={UTM_SOURCE.get(ad.network, '')}&utm_medium=paid"
            f"&utm_campaign=c{ad.campaign_id}&hsa_acc={ad.account_id}"
            f"&hsa_cam={ad.campaign_id}&hsa_grp={ad.ad_group_id}&hsa_ad={ad.ad_id}")


def without(record: dict, *names: str) -> dict:
    """`record` without the fields `names`: what a sparse rendering leaves out."""
    return {key: value for key, value in record.items() if key not in names}


def _factorize_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes for the distinct (a, b) pairs: the first row of each, and every row's code."""
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    del a, b
    codes = np.empty(len(order), dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    return order[new], codes


def _contacts(rng, contact_ids, created: pd.Series, channel: pd.Series,
              end_date) -> pd.DataFrame:
    n = len(contact_ids)
    target = rng.choice(len(LIFECYCLE_STAGES), size=n, p=_STAGE_WEIGHTS)
    end_ts = pd.Timestamp(end_date, tz="UTC") + pd.Timedelta(days=1)
    frame = pd.DataFrame({
        "contact_id": contact_ids, "createdate": created,
        "email": "contact" + pd.Series(contact_ids) + "@example.org",
        "firstname": "Contact", "lastname": contact_ids,
        "analytics_source": channel.map({
            "paid_social": "PAID_SOCIAL", "paid_search": "PAID_SEARCH",
            "organic_search": "ORGANIC_SEARCH", "direct": "DIRECT_TRAFFIC",
            "email": "EMAIL_MARKETING", "referral": "REFERRALS",
            "organic_social": "SOCIAL_MEDIA"}).to_numpy(),
    })
    # Contacts climb the funnel (lead .. customer, then evangelist) a few days per stage; a stage
    # whose date would fall after the world's end has not been reached yet.
    current = np.where(target == 0, 0, np.where(target == 7, 7, -1))
    frame["hs_lifecyclestage_subscriber_date"] = created.where(pd.Series(target == 0))
    frame["hs_lifecyclestage_other_date"] = created.where(pd.Series(target == 7))
    when = created
    for rank in range(1, 7):
        stage = LIFECYCLE_STAGES[rank]
        if rank > 1:
            when = when + pd.to_timedelta(rng.integers(3_600, 9 * 86_400, n), unit="s")
        reached = (target >= rank) & (target <= 6) & (when < end_ts).to_numpy()
        frame[f"hs_lifecyclestage_{stage}_date"] = when.where(pd.Series(reached))
        current = np.where(reached, rank, current)
    frame["lifecyclestage"] = np.array(LIFECYCLE_STAGES)[np.maximum(current, 1)]
    stage_dates = [c for c in frame.columns if c.startswith("hs_lifecyclestage_")]
    frame["lastmodifieddate"] = frame[stage_dates].max(axis=1).fillna(frame["createdate"])
    return frame


def _deals(rng, contacts: pd.DataFrame, end_date: dt.date):
    customers = contacts[contacts["lifecyclestage"] == "customer"]
    won = pd.DataFrame({
        "contact_id": customers["contact_id"].to_numpy(),
        "closedate": customers["hs_lifecyclestage_customer_date"].to_numpy(),
        "dealstage": "closedwon",
    })
    # Some opportunities hold open or lost deals; some evangelists had a won deal long ago.
    others = contacts[contacts["lifecyclestage"].isin(["opportunity", "evangelist"])]
    other = pd.DataFrame({
        "contact_id": others["contact_id"].to_numpy(),
        "closedate": (others["createdate"] + pd.to_timedelta(
            rng.integers(3, 40, len(others)), unit="D").to_numpy()).to_numpy(),
        "dealstage": np.where(others["lifecyclestage"] == "evangelist", "closedwon",
                              rng.choice(["closedlost", "appointmentscheduled"], len(others))),
    })
    deals = pd.concat([won, other], ignore_index=True)
    deals["closedate"] = pd.to_datetime(deals["closedate"], utc=True)
    n = len(deals)
    currency = rng.choice(["USD", "EUR", "GBP", "SEK"], size=n, p=[0.6, 0.2, 0.1, 0.1])
    usd = rng.lognormal(np.log(4000), 0.6, n)
    amount = np.round(usd * np.vectorize(CURRENCY_PER_USD.get)(currency), 2)
    deals["deal_id"] = (900_001 + np.arange(n) * 7).astype(str)
    deals["dealname"] = "Deal " + deals["deal_id"]
    deals["amount"] = amount
    deals["deal_currency_code"] = currency
    deals["pipeline"] = "default"
    end_ts = pd.Timestamp(end_date, tz="UTC") + pd.Timedelta(days=1)
    created = deals["closedate"] - pd.to_timedelta(rng.integers(1, 20, n), unit="D")
    # A deal is created before the world ends, even when it closes (or would close) later.
    deals["createdate"] = created.where(created < end_ts, end_ts - pd.Timedelta(hours=6))
    open_deal = deals["dealstage"] == "appointmentscheduled"
    deals.loc[open_deal, "closedate"] = pd.NaT
    deals.loc[deals["closedate"] >= end_ts, "closedate"] = pd.NaT
    deals.loc[deals["closedate"].isna() & (deals["dealstage"] != "appointmentscheduled"),
              "dealstage"] = "appointmentscheduled"
    deal_contacts = deals[["deal_id", "contact_id"]].copy()
    return deals.drop(columns=["contact_id"]), deal_contacts


def _page_views(rng, n_sessions: int, landing: _Landing, owner: np.ndarray,
                started: np.ndarray, contact_ids) -> pd.DataFrame:
    """One page view at landing, then a few more inside the session."""
    counts = 1 + rng.poisson(0.8, n_sessions)
    idx = np.repeat(np.arange(n_sessions, dtype=np.int32), counts)
    n = len(idx)
    rank = np.arange(n, dtype=np.int32) - np.repeat(
        (np.cumsum(counts) - counts).astype(np.int32), counts)
    del counts
    inner = rng.integers(0, len(_INNER_PAGES), n).astype(np.int8)
    inner[rank == 0] = -1
    occurred = started[idx]
    occurred += rank * rng.integers(15, 180, n) * _SECOND_NS
    del rank
    return pd.DataFrame({
        "event_id": _numbers(40_000_000 + np.arange(n), _TEXT),
        "contact_id": _take(contact_ids, owner[idx], _TEXT),
        "session_id": _numbers(5_000_000 + idx.astype(np.int64), _TEXT),
        "occurred_at": _utc(occurred),
        "url": landing.urls(idx, inner),
        "referrer": landing.referrers(idx, inner),
    }, copy=False)


def _access(rng, size: Size, accounts: pd.DataFrame):
    users = pd.DataFrame({
        "user_id": (7_000_100 + np.arange(size.users)).astype(str),
        "email": [f"user{i + 1}@acme-analytics.example" for i in range(size.users)],
        "super_admin": [i == 0 for i in range(size.users)],
    })
    teams = pd.DataFrame({"team_id": ["4100", "4200"], "name": ["Paid Social", "Search"]})
    users["primary_team_id"] = np.where(np.arange(size.users) % 2 == 0, "4100", "4200")
    users.loc[0, "primary_team_id"] = None
    rows = []
    for acc in accounts.itertuples(index=False):
        team = "4200" if acc.network == "google" else "4100"
        rows.append({"network": acc.network, "account_id": acc.account_id,
                     "principal_type": "team", "principal_id": team})
        rows.append({"network": acc.network, "account_id": acc.account_id,
                     "principal_type": "user", "principal_id": users.loc[0, "user_id"]})
    return users, teams, pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# sparse worlds: a real advertiser's gaps
# ---------------------------------------------------------------------------------------------

def sparse_pick(ids, every: int, salt: int = 0) -> np.ndarray:
    """Which of `ids` (numeric ids, as text or numbers) are among about one in `every`.

    A hash of the id, not its position, so a world and every API that renders it choose the
    same objects, whatever order or page they meet them in.
    """
    values = pd.Series(ids).astype(str).astype(np.int64).to_numpy().astype(np.uint64)
    mixed = (values + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    return (mixed >> np.uint64(33)) % np.uint64(every) == 0


# Salts of `sparse_pick`, one per choice, so that the choices are independent of each other.
SALT_NO_FIRSTNAME = 11
SALT_NO_SOURCE = 12
SALT_NO_DEAL_CURRENCY = 13
SALT_NO_LEAD_CREATIVE = 14


def leads_without_creative(leads: pd.DataFrame) -> np.ndarray:
    """Which LinkedIn leads a sparse rendering sends without `associatedEntity` (the creative
    is documented as optional): about one in three, chosen by lead id. Such a lead names only
    its LinkedIn campaign (our ad group), so the truth credits it there, without an ad."""
    return (leads["network"].to_numpy(dtype=object) == "linkedin") & sparse_pick(
        leads["lead_id"], 3, SALT_NO_LEAD_CREATIVE)


def _sparse_hierarchy(accounts: pd.DataFrame, keywords: pd.DataFrame):
    """The last Google customer's search ad groups lose their keywords (the others keep theirs),
    and a freshly connected LinkedIn account with nothing in it joins the accounts."""
    google = accounts.loc[accounts["network"] == "google", "account_id"]
    if len(google) > 1:
        keywords = keywords[keywords["account_id"] != google.iloc[-1]].reset_index(drop=True)
    linkedin = accounts[accounts["network"] == "linkedin"]
    profiles = ACCOUNT_PROFILES["linkedin"]
    currency, zone = profiles[len(linkedin) % len(profiles)]
    last = int(linkedin["account_id"].astype("int64").max()) if len(linkedin) else (
        _ID_BASE[("linkedin", "account")])
    empty = {"network": "linkedin", "account_id": str(last + 97 * 1009),
             "name": f"Linkedin {currency} account {len(linkedin) + 1}",
             "currency": currency, "time_zone": zone}
    return pd.concat([accounts, pd.DataFrame([empty])], ignore_index=True), keywords


def _sparse_crm(crm: dict, company_currency: str) -> dict:
    """Contacts without a first name or an analytics source; deals without a currency (HubSpot
    then means the company currency, so their amount is in it) and open deals without an
    amount."""
    contacts = crm["contacts"].copy()
    ids = contacts["contact_id"]
    contacts["firstname"] = contacts["firstname"].where(
        ~sparse_pick(ids, 5, SALT_NO_FIRSTNAME), None)
    no_source = sparse_pick(ids, 6, SALT_NO_SOURCE)
    contacts["analytics_source"] = contacts["analytics_source"].where(~no_source, None)
    contacts["analytics_source_data_1"] = contacts["analytics_source_data_1"].where(
        ~no_source, None)
    deals = crm["deals"].copy()
    no_currency = sparse_pick(deals["deal_id"], 6, SALT_NO_DEAL_CURRENCY)
    currency = deals["deal_currency_code"].to_numpy(dtype=object)
    per_usd = deals["deal_currency_code"].map(CURRENCY_PER_USD).to_numpy(float)
    in_company = deals["amount"].to_numpy() / per_usd * CURRENCY_PER_USD[company_currency]
    deals["amount"] = np.where(no_currency, np.round(in_company, 2), deals["amount"])
    deals["deal_currency_code"] = pd.Series(np.where(no_currency, None, currency), dtype=object,
                                            index=deals.index)
    open_deals = np.flatnonzero((deals["dealstage"] == "appointmentscheduled").to_numpy())
    deals.loc[deals.index[open_deals[::2]], "amount"] = np.nan
    return {**crm, "contacts": contacts, "deals": deals}


def _sparse_access(size: Size):
    """A portal without teams or an access file; users hold their roles as HubSpot sends them:
    `roleIds` (a list), the older single `roleId`, or no role at all."""
    n = size.users
    kind = np.arange(n) % 3
    users = pd.DataFrame({
        "user_id": (7_000_100 + np.arange(n)).astype(str),
        "email": [f"user{i + 1}@acme-analytics.example" for i in range(n)],
        "super_admin": [i == 0 for i in range(n)],
        "primary_team_id": None,
        "role_ids": [[str(31_000 + i), str(31_500 + i)] if k == 0 else None
                     for i, k in enumerate(kind)],
        "role_id": pd.Series([str(32_000 + i) if k == 1 else None for i, k in enumerate(kind)],
                             dtype=object),
    })
    teams = pd.DataFrame({"team_id": pd.Series(dtype=object), "name": pd.Series(dtype=object)})
    access = pd.DataFrame({c: pd.Series(dtype=object) for c in (
        "network", "account_id", "principal_type", "principal_id")})
    return users, teams, access
