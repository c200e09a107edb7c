"""The simulated advertiser: a deterministic world the simulator's APIs serve.

Everything is generated vectorised from `(size, seed, end_date)`, so the same arguments always give
the same advertiser. Money is held in integer cents of the account's currency, so the truth and
what the pipeline loads can be compared exactly. Network metrics are per ad and per day in the
ad account's time zone; CRM events are UTC instants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

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
    deals: pd.DataFrame
    deal_contacts: pd.DataFrame
    exchange_rates: pd.DataFrame
    users: pd.DataFrame
    teams: pd.DataFrame
    account_access: pd.DataFrame
    restatement_version: int = 0
    _metric_cache: dict = field(default_factory=dict, repr=False)

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.size.days - 1)

    @classmethod
    def generate(
        cls, size: str | Size = "S", seed: int = 7, end_date: dt.date | None = None
    ) -> World:
        return _generate(size_spec(size), seed, end_date or default_end_date())

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

    @cached_property
    def rates_by_currency(self) -> dict[str, pd.DataFrame]:
        return {cur: grp for cur, grp in self.exchange_rates.groupby("from_currency")}


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


def _generate(size: Size, seed: int, end_date: dt.date) -> World:
    rng = np.random.default_rng(seed)
    accounts, campaigns, groups, ads, keywords = _hierarchy(rng, size)
    daily = _ad_daily(rng, size, end_date, accounts, campaigns, ads)
    rates = _exchange_rates(rng, size, end_date)
    crm = _crm(rng, size, end_date, accounts, campaigns, groups, ads, keywords, daily)
    users, teams, access = _access(rng, size, accounts)
    return World(
        size=size, seed=seed, end_date=end_date, accounts=accounts, campaigns=campaigns,
        ad_groups=groups, ads=ads, keywords=keywords, base_ad_daily=daily,
        exchange_rates=rates, users=users, teams=teams, account_access=access, **crm,
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


def _ad_daily(rng, size: Size, end_date: dt.date, accounts, campaigns, ads) -> pd.DataFrame:
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
    date = np.datetime_as_string(first_day + day_index.astype("timedelta64[D]"), unit="D")
    frame = pd.DataFrame({
        "network": network[ad_index],
        "account_id": ads["account_id"].to_numpy()[ad_index],
        "campaign_id": ads["campaign_id"].to_numpy()[ad_index],
        "ad_group_id": ads["ad_group_id"].to_numpy()[ad_index],
        "ad_id": ads["ad_id"].to_numpy()[ad_index],
        "day_index": day_index.astype(np.int32),
        "date": date,
        "impressions": impressions.astype(np.int64),
        "clicks": clicks.astype(np.int64),
        "link_clicks": link_clicks.astype(np.int64),
        "spend_cents": spend_cents,
        "engagements": engagements.astype(np.int64),
        "likes": likes.astype(np.int64),
        "conversions_centi": conversions_centi.astype(np.int64),
    })
    return frame


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


def _exchange_rates(rng, size: Size, end_date: dt.date) -> pd.DataFrame:
    """Rates to the company currency, one new rate every 30 days, the first before any data."""
    start = end_date - dt.timedelta(days=size.days - 1 + 10)
    rows = []
    for currency, per_usd in CURRENCY_PER_USD.items():
        if currency == COMPANY_CURRENCY:
            continue
        rate = 1.0 / per_usd
        day = start
        k = 0
        while day <= end_date:
            rows.append({"from_currency": currency, "to_currency": COMPANY_CURRENCY,
                         "rate": round(rate, 6), "effective_at": day, "rate_id": f"{currency}-{k}"})
            rate *= float(rng.lognormal(0, 0.02))
            day += dt.timedelta(days=30)
            k += 1
    return pd.DataFrame(rows)


def _crm(rng, size, end_date, accounts, campaigns, groups, ads, keywords, daily) -> dict:
    """Contacts, their sessions (from ads and elsewhere), form submissions and deals."""
    n_contacts, n_sessions = size.contacts, size.sessions
    tracked = daily[daily["ad_id"].isin(ads.loc[ads["is_tracked"], "ad_id"])]
    clicks = tracked["clicks"].to_numpy()
    n_ad_sessions = min(int(n_sessions * 0.45), int(clicks.sum()))
    # Never more ad sessions on an ad-day than clicks it had: sample clicks without replacement.
    per_row = rng.multivariate_hypergeometric(clicks, n_ad_sessions, method="marginals")
    rows = np.repeat(np.arange(len(tracked)), per_row)
    ad_sessions = tracked.iloc[rows][["network", "account_id", "campaign_id", "ad_group_id",
                                      "ad_id", "date"]].reset_index(drop=True)
    zone = ad_sessions["account_id"].map(accounts.set_index("account_id")["time_zone"])
    local = pd.to_datetime(ad_sessions["date"]) + pd.to_timedelta(
        rng.integers(0, 86_400, size=len(ad_sessions)), unit="s")
    started = pd.Series(pd.NaT, index=ad_sessions.index, dtype="datetime64[ns, UTC]")
    for tz, idx in ad_sessions.groupby(zone).groups.items():
        started.loc[idx] = local.loc[idx].dt.tz_localize(
            tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    started = started.fillna(pd.to_datetime(local, utc=True))
    ad_sessions["started_at"] = started
    ad_sessions["channel"] = ad_sessions["network"].map(
        {"facebook": "paid_social", "google": "paid_search", "linkedin": "paid_social"})

    n_org = n_sessions - len(ad_sessions)
    start_ts = pd.Timestamp(end_date - dt.timedelta(days=size.days - 1), tz="UTC")
    organic = pd.DataFrame({
        "channel": rng.choice(ORGANIC_CHANNELS, size=n_org, p=_ORGANIC_WEIGHTS),
        "started_at": start_ts + pd.to_timedelta(
            rng.integers(0, size.days * 86_400, size=n_org), unit="s"),
    })
    sessions = pd.concat([ad_sessions, organic], ignore_index=True)
    for column in ("network", "account_id", "campaign_id", "ad_group_id", "ad_id", "date"):
        sessions[column] = sessions[column].astype(object).where(sessions[column].notna(), None)

    # Every contact has at least one session; the rest of the sessions go to contacts at random.
    owner = np.concatenate([np.arange(n_contacts),
                            rng.integers(0, n_contacts, size=len(sessions) - n_contacts)])
    rng.shuffle(owner)
    contact_ids = (10_001 + np.arange(n_contacts) * 3).astype(str)
    sessions["contact_id"] = contact_ids[owner]
    sessions = sessions.sort_values(["contact_id", "started_at"], kind="stable").reset_index(
        drop=True)
    sessions["session_id"] = (5_000_000 + np.arange(len(sessions))).astype(str)
    sessions["keyword_id"] = _session_keywords(rng, sessions, keywords)
    sessions["landing_url"], sessions["referrer"] = _landing_urls(rng, sessions, accounts)
    sessions["visit_rank"] = sessions.groupby("contact_id").cumcount()

    counts = sessions.groupby("contact_id").size()
    n_per_contact = counts.reindex(contact_ids).to_numpy()
    convert_rank = np.floor(rng.uniform(0, 1, n_contacts) ** 2 * n_per_contact).astype(int)
    first_idx = np.concatenate([[0], np.cumsum(n_per_contact)[:-1]]) + convert_rank
    conversion = sessions.iloc[first_idx].reset_index(drop=True)
    submitted = conversion["started_at"] + pd.to_timedelta(rng.integers(20, 600, n_contacts),
                                                           unit="s")
    forms = pd.DataFrame({
        "contact_id": conversion["contact_id"], "session_id": conversion["session_id"],
        "submitted_at": submitted, "page_url": conversion["landing_url"].str.split("?").str[0],
        "form_id": "b7c1e2a4-0d5e-4c39-9a7c-contact-form",
        "is_first": True,
    })
    later = sessions[sessions["visit_rank"].to_numpy() > np.repeat(convert_rank, n_per_contact)]
    again = later[rng.uniform(0, 1, len(later)) < 0.25]
    forms_again = pd.DataFrame({
        "contact_id": again["contact_id"].to_numpy(), "session_id": again["session_id"].to_numpy(),
        "submitted_at": (again["started_at"] + pd.to_timedelta(
            rng.integers(20, 600, len(again)), unit="s").to_numpy()).to_numpy(),
        "page_url": again["landing_url"].str.split("?").str[0].to_numpy(),
        "form_id": "5f0a3c11-8e2b-4d77-b1c9-webinar-form", "is_first": False,
    })
    forms = pd.concat([forms, forms_again], ignore_index=True)
    forms["submitted_at"] = pd.to_datetime(forms["submitted_at"], utc=True)
    forms["submission_id"] = (70_000_000 + np.arange(len(forms))).astype(str)

    contacts = _contacts(rng, contact_ids, submitted, conversion, end_date)
    deals, deal_contacts = _deals(rng, contacts, end_date)
    page_views = _page_views(rng, sessions)
    return {"contacts": contacts, "sessions": sessions, "page_views": page_views,
            "form_submissions": forms, "deals": deals, "deal_contacts": deal_contacts}


def _session_keywords(rng, sessions: pd.DataFrame, keywords: pd.DataFrame) -> pd.Series:
    """A Google search session came through one of its ad group's keywords (vectorised)."""
    ordered = keywords.sort_values("ad_group_id", kind="stable")
    groups, first, count = np.unique(ordered["ad_group_id"].to_numpy(dtype=str),
                                     return_index=True, return_counts=True)
    criteria = ordered["criterion_id"].to_numpy(dtype=object)
    session_groups = sessions["ad_group_id"].fillna("").to_numpy(dtype=str)
    pos = np.clip(np.searchsorted(groups, session_groups), 0, len(groups) - 1)
    found = groups[pos] == session_groups
    pick = first[pos] + np.floor(rng.uniform(0, 1, len(sessions)) * count[pos]).astype(int)
    out = np.where(found, criteria[np.minimum(pick, len(criteria) - 1)], None)
    return pd.Series(out, index=sessions.index, dtype="string[pyarrow]")


def _landing_urls(rng, sessions: pd.DataFrame, accounts: pd.DataFrame):
    """Landing URLs with HubSpot `hsa_*` tracking and click ids for ad sessions; plain otherwise.

    Built with Arrow string kernels, not a Python loop: size L has ten million sessions.
    """
    n = len(sessions)
    text = "string[pyarrow]"
    pages = np.array(["pricing", "demo", "guide", "webinar", "blog/attribution-101", ""])
    base = pd.Series(SITE + "/" + pages[rng.integers(0, len(pages), n)], dtype=text,
                     index=sessions.index)
    click = pd.Series(rng.integers(10**15, 10**16, n).astype(str), dtype=text,
                      index=sessions.index)
    network = sessions["network"].fillna("").astype(text)
    channel = sessions["channel"].astype(text)

    def col(name: str) -> pd.Series:
        return sessions[name].fillna("").astype(text)

    common = ("?utm_source=" + network.map(UTM_SOURCE).fillna("").astype(text)
              + "&utm_medium=paid&utm_campaign=c" + col("campaign_id")
              + "&hsa_acc=" + col("account_id") + "&hsa_cam=" + col("campaign_id")
              + "&hsa_grp=" + col("ad_group_id") + "&hsa_ad=" + col("ad_id"))
    keyword = col("keyword_id")
    google_tail = (("&hsa_tgt=kwd-" + keyword + "&hsa_kw=ads%20analytics&hsa_mt=e&hsa_src=g")
                   .where(keyword != "", "&hsa_src=d")
                   + "&hsa_net=adwords&hsa_ver=3&gclid=Cj0KCQ" + click)
    tail = pd.Series("", index=sessions.index, dtype=text)
    tail = tail.where(network != "google", google_tail)
    tail = tail.where(network != "facebook",
                      "&hsa_src=fb&hsa_net=facebook&hsa_ver=3&fbclid=IwAR" + click)
    tail = tail.where(network != "linkedin", "&hsa_net=linkedin&hsa_ver=3&li_fat_id=" + click)
    email = "?utm_source=hs_email&utm_medium=email&utm_campaign=newsletter"
    urls = (base + common + tail).where(network != "", base.where(channel != "email",
                                                                   base + email))
    ad_referrer = network.map({"google": "https://www.google.com/",
                               "facebook": "https://l.facebook.com/",
                               "linkedin": "https://www.linkedin.com/"})
    referrers = ad_referrer.where(network != "", channel.map(_ORGANIC_REFERRER)).astype(text)
    return urls, referrers


def _contacts(rng, contact_ids, created, conversion, end_date) -> pd.DataFrame:
    n = len(contact_ids)
    target = rng.choice(len(LIFECYCLE_STAGES), size=n, p=_STAGE_WEIGHTS)
    created = pd.to_datetime(created, utc=True).reset_index(drop=True)
    end_ts = pd.Timestamp(end_date, tz="UTC") + pd.Timedelta(days=1)
    frame = pd.DataFrame({
        "contact_id": contact_ids, "createdate": created,
        "email": [f"contact{c}@example.org" for c in contact_ids],
        "firstname": "Contact", "lastname": contact_ids,
        "analytics_source": conversion["channel"].map({
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


def _page_views(rng, sessions: pd.DataFrame) -> pd.DataFrame:
    """One page view at landing, then a few more inside the session."""
    counts = 1 + rng.poisson(0.8, len(sessions))
    idx = np.repeat(np.arange(len(sessions)), counts)
    rank = np.arange(counts.sum()) - np.repeat(counts.cumsum() - counts, counts)
    landing = rank == 0
    inner = pd.Series(SITE + "/" + np.array(["pricing", "features", "customers", "about",
                                               "contact"])[rng.integers(0, 5, len(idx))],
                      dtype="string[pyarrow]")
    url = pd.Series(sessions["landing_url"].to_numpy()[idx], dtype="string[pyarrow]")
    ref = pd.Series(sessions["referrer"].to_numpy()[idx], dtype="string[pyarrow]")
    started = sessions["started_at"].dt.tz_convert(None).to_numpy()[idx]
    offsets = pd.to_timedelta(rank * rng.integers(15, 180, len(idx)), unit="s").to_numpy()
    return pd.DataFrame({
        "event_id": pd.Series((40_000_000 + np.arange(len(idx))).astype(str),
                              dtype="string[pyarrow]"),
        "contact_id": pd.Series(sessions["contact_id"].to_numpy()[idx], dtype="string[pyarrow]"),
        "session_id": pd.Series(sessions["session_id"].to_numpy()[idx], dtype="string[pyarrow]"),
        "occurred_at": pd.to_datetime(started + offsets, utc=True),
        "url": url.where(landing, inner),
        "referrer": ref.where(landing, SITE + "/"),
    })


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
