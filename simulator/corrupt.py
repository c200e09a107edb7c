"""Corrupt vendor data, each kind off unless a world is generated with it (`World.generate(...,
corrupt=("negative_spend", ...))`, or `--corrupt` on `ads-analytics demo` / `simulator serve`).

What each kind does, and where (the truth says what a correct pipeline makes of it: see
`truth.corrupt_rows`):

- `negative_spend`: about one ad-day in `NEGATIVE_SPEND_EVERY` of every network's report has its
  spend negated (the world holds it so; every rendering of the ad-day shows it);
- `duplicate_row`: about one ad-day in `DUPLICATE_EVERY` comes twice, one after the other, in
  whichever page of an ad report (Facebook insights, Google's `ad_group_ad` by `segments.date`,
  LinkedIn's adAnalytics) holds it;
- `out_of_window`: every ad report of an account that has rows in the requested window opens
  with a row for the day before it and closes with one for the day after it (see
  `stray_rows`);
- `unknown_currency`: the last ad account with ads of each network keeps its money in
  `UNKNOWN_CURRENCY`, a code no exchange rate knows;
- `invalid_time_zone`: the same accounts of Facebook and Google (LinkedIn's carry no zone) are
  in `INVALID_TIME_ZONE`, a name no time-zone database knows;
- `hostile_names`: per network, the first campaigns are named `HOSTILE_NAMES` (spreadsheet
  formulas, HTML, Markdown), and the first ad of each of them one of those names too.

Every choice is a hash of ids, never a position or a random draw, so the rest of the advertiser
is the default one, and each API picks the same ad-days whatever order or page it meets them in.

`world.py` applies the kinds that live in the data (`corrupt_world`) while it generates; the
helpers for the kinds that live in the rendering read a world only as a `Rendered` (the three
things they need of it), so this module imports nothing of the simulator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

import numpy as np
import pandas as pd

CORRUPTIONS = ("negative_spend", "duplicate_row", "out_of_window", "unknown_currency",
               "invalid_time_zone", "hostile_names")

UNKNOWN_CURRENCY = "XYZ"
INVALID_TIME_ZONE = "Mars/Olympus_Mons"
HOSTILE_NAMES = ('=HYPERLINK("http://example.com","x")', "+cmd", "@SUM(1)",
                 "<script>alert(1)</script>", "[x](javascript:alert(1))", "a|b")

NEGATIVE_SPEND_EVERY = 100
DUPLICATE_EVERY = 100
# Salts of `pick_ad_days`, one per choice, so that the choices are independent of each other.
_SALT_NEGATIVE = 31
_SALT_DUPLICATE = 32

# A stray row's metrics: whole and plain, so that a pipeline that kept one shows it plainly.
STRAY_METRICS = {"impressions": 1_000, "clicks": 10, "link_clicks": 8, "spend_cents": 10_000,
                 "engagements": 12, "likes": 2, "conversions_centi": 100}

_MIX = np.uint64(0x9E3779B97F4A7C15)


class Rendered(Protocol):
    """What the rendering helpers read of a `World`: its kinds of corruption, its ads and its
    first day."""

    @property
    def corrupt(self) -> frozenset[str]: ...

    @property
    def ads(self) -> pd.DataFrame: ...

    @property
    def start_date(self) -> dt.date: ...


def corruptions(kinds: Iterable[str]) -> frozenset[str]:
    """`kinds` as a set, refusing a name that is no corruption."""
    chosen = frozenset(kinds)
    unknown = sorted(chosen - set(CORRUPTIONS))
    if unknown:
        raise ValueError(f"unknown corruption {unknown[0]!r}; choose from {list(CORRUPTIONS)}")
    return chosen


def pick_ad_days(ad_ids, day_index, every: int, salt: int) -> np.ndarray:
    """Which ad-days (numeric ad ids, as text or numbers, and day indexes) are among about one
    in `every`: a hash of both, like `world.sparse_pick`'s of one id."""
    ads = pd.Series(ad_ids).astype(str).astype(np.int64).to_numpy().astype(np.uint64)
    days = np.asarray(day_index, dtype=np.int64).astype(np.uint64)
    mixed = ((ads * _MIX + days + np.uint64(salt)) * _MIX) >> np.uint64(33)
    return mixed % np.uint64(every) == 0


def corrupt_world(corrupt: frozenset[str], accounts: pd.DataFrame, campaigns: pd.DataFrame,
                  ads: pd.DataFrame, daily: pd.DataFrame):
    """The world's accounts, campaigns, ads and ad-days with the kinds of `corrupt` that live in
    the data (the others are in how the APIs render it)."""
    if "negative_spend" in corrupt:
        spend = daily["spend_cents"].to_numpy()
        negative = (spend > 0) & pick_ad_days(daily["ad_id"], daily["day_index"],
                                              NEGATIVE_SPEND_EVERY, _SALT_NEGATIVE)
        daily = daily.assign(spend_cents=np.where(negative, -spend, spend))
    odd = odd_accounts(accounts, ads)
    if "unknown_currency" in corrupt:
        accounts = accounts.assign(currency=accounts["currency"].where(
            ~accounts["account_id"].isin(odd), UNKNOWN_CURRENCY))
    if "invalid_time_zone" in corrupt:
        zoned = accounts["account_id"].isin(odd) & (accounts["network"] != "linkedin")
        accounts = accounts.assign(time_zone=accounts["time_zone"].where(~zoned,
                                                                         INVALID_TIME_ZONE))
    if "hostile_names" in corrupt:
        campaigns, ads = _hostile_names(campaigns, ads)
    return accounts, campaigns, ads, daily


def odd_accounts(accounts: pd.DataFrame, ads: pd.DataFrame) -> list[str]:
    """Per network, the last ad account that has ads: the one with the odd currency or zone."""
    with_ads = accounts[accounts["account_id"].isin(ads["account_id"])]
    return with_ads.groupby("network", sort=False)["account_id"].last().tolist()


def _hostile_names(campaigns: pd.DataFrame, ads: pd.DataFrame):
    """Per network, campaign k < len(HOSTILE_NAMES) is named HOSTILE_NAMES[k] and its first ad
    HOSTILE_NAMES[k + 3] (cyclically): every name on a campaign and on an ad where a network has
    enough campaigns, on ads of different campaign types."""
    campaigns, ads = campaigns.copy(), ads.copy()
    n = len(HOSTILE_NAMES)
    rank = campaigns.groupby("network", sort=False).cumcount().to_numpy()
    hostile = rank < n
    campaigns.loc[hostile, "name"] = [HOSTILE_NAMES[k] for k in rank[hostile]]
    first_ads = ads.drop_duplicates("campaign_id")
    rank_of = dict(zip(campaigns["campaign_id"], rank, strict=True))
    for index, campaign_id in first_ads["campaign_id"].items():
        k = rank_of[campaign_id]
        if k < n:
            ads.loc[index, "name"] = HOSTILE_NAMES[(k + n // 2) % n]
    return campaigns, ads


def served_twice(world: Rendered, frame: pd.DataFrame) -> np.ndarray | None:
    """Per ad-day of `frame` (`ad_id`, `day_index`), whether it comes twice; None when the world
    sends no duplicates."""
    if "duplicate_row" not in world.corrupt:
        return None
    return pick_ad_days(frame["ad_id"], frame["day_index"], DUPLICATE_EVERY, _SALT_DUPLICATE)


def stray_ads(world: Rendered) -> pd.DataFrame:
    """Per ad account, the ad of its stray rows: its first ad that is active (so that its
    campaign and ad group are too, and every default filter shows it)."""
    active = world.ads[world.ads["status"] == "active"]
    return active.drop_duplicates("account_id")[["network", "account_id", "campaign_id",
                                                 "ad_group_id", "ad_id"]].reset_index(drop=True)


def stray_rows(world: Rendered, account_id: str, since: dt.date, until: dt.date,
               ads: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The rows an ad report of `account_id` for `since..until` brings from outside it: its
    stray ad on the day before and on the day after, with `STRAY_METRICS`, in the columns of
    `World.ad_daily()`; None when the world sends none (or the account has no active ad).
    `ads` is `stray_ads(world)`, for a caller that keeps it."""
    if "out_of_window" not in world.corrupt:
        return None
    ads = stray_ads(world) if ads is None else ads
    ad = ads[ads["account_id"] == account_id]
    if ad.empty:
        return None
    days = [since - dt.timedelta(days=1), until + dt.timedelta(days=1)]
    rows = ad.loc[ad.index.repeat(2)].reset_index(drop=True)
    rows["day_index"] = np.array([(day - world.start_date).days for day in days], np.int32)
    rows["date"] = [day.isoformat() for day in days]
    for column, value in STRAY_METRICS.items():
        rows[column] = np.int64(value)
    return rows
