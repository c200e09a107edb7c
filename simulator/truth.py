"""The simulator's ground truth: numbers computed from the world, independently of dlt and dbt.

Tests compare what the pipeline loaded and built against these. `write_truth` exports them as
Parquet so a pipeline run against `ads-analytics simulator serve` can be checked the same way.

A world with corrupt vendor data (`World.generate(..., corrupt=...)`, see `corrupt.py`) has its
corrupt rows named by `corrupt_rows`, each with what a correct pipeline does with it
(`EXPECTED`); the spend truth is what such a pipeline keeps.

The ads reports count only new contacts (`new_contacts`): a converted contact counts when its
conversion, its first form submission or lead, created it (`NEW_CONTACT_TOLERANCE`); contacts
created earlier by an import, a rep or the API (`old_contacts`) count nowhere, nor their deals.
A lead (`World.leads`) is a conversion on its ad without a web session.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.corrupt import (
    HOSTILE_NAMES,
    odd_accounts,
    served_twice,
    stray_ads,
    stray_rows,
)
from simulator.hubspot import amount_text
from simulator.world import World, leads_without_creative

AD_KEYS = ["network", "account_id", "campaign_id", "ad_group_id", "ad_id"]
# HubSpot's ads reports: which ad a converted contact counts for.
REPORTS = ("first_form_submission", "last_form_submission", "last_ad_interaction",
           "all_interactions")
# A converted contact counts for ads only when its conversion created it: its `createdate` is
# at most this long before its conversion (a lead-ad contact's is minutes after its lead, a
# web-form contact's is its submission, an old contact's days or months before). The
# warehouse's models use the same rule.
NEW_CONTACT_TOLERANCE = pd.Timedelta(minutes=5)
# Conversion events and ad interactions: a form submission, a session or a lead.
EVENT_COLUMNS = ["contact_id", "occurred_at", "kind", "event_id", "session_id", *AD_KEYS]
_ID = pd.StringDtype("pyarrow")
# Company-currency amounts keep six decimals, as the warehouse's decimal(18, 6) does.
_MICRO = Decimal("0.000001")


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def to_company_currency(amount: Decimal, rate: float) -> Decimal:
    """`amount` times a rate as HubSpot sends it (at most six decimals), exactly, rounded half
    up to six decimals: what the warehouse computes with the rate stored as decimal(18, 8)."""
    return (amount * Decimal(str(rate))).quantize(_MICRO, rounding=ROUND_HALF_UP)


def rates_in_effect(world: World, currencies: pd.Series, days: pd.Series) -> np.ndarray:
    """Per (currency, day): the rate into the company currency in effect that day, i.e. the one
    with the latest effective date on or before it; exactly 1 for the company currency, NaN
    where a currency has no rate yet."""
    wanted = pd.DataFrame({"currency": pd.Series(currencies, dtype=object).to_numpy(),
                           "day": pd.to_datetime(pd.Series(days).astype(str)).to_numpy(),
                           "row": np.arange(len(currencies))})
    rates = world.exchange_rates
    known = pd.DataFrame({"currency": rates["from_currency"].astype(object).to_numpy(),
                          "day": pd.to_datetime(rates["effective_at"].astype(str)).to_numpy(),
                          "rate": rates["rate"].to_numpy(float)}).sort_values("day")
    joined = pd.merge_asof(wanted.sort_values("day"), known, on="day", by="currency",
                           direction="backward").sort_values("row")
    rate = joined["rate"].to_numpy(float)
    return np.where(joined["currency"].to_numpy() == world.company_currency, 1.0, rate)


def spend_by_account_day(world: World,
                         networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """True spend (native currency), impressions and clicks per network, account and local day
    (of `networks` only, when given), and the spend in the company currency as the warehouse
    converts it: each ad-day at the rate in effect that day, to the micro (half up), summed.

    Integer arithmetic, exact: spend is in cents and HubSpot's rates have at most six decimals,
    so cents x micro-rate is in units of 1e-8, rounded half up to micros.

    Corrupt data is as a correct pipeline keeps it (`EXPECTED`): an ad-day with negative spend
    is quarantined (none of its spend, impressions or clicks count), a duplicate counts once,
    a row from outside the requested window is not there, and an account in an unknown
    currency has no spend in the company currency (None: there is no rate to convert with)."""
    daily = world.ad_daily()
    if networks is not None:
        daily = daily[daily["network"].isin(networks)]
    if "negative_spend" in world.corrupt:
        daily = daily[daily["spend_cents"].to_numpy() >= 0]
    currency = daily["account_id"].map(world.accounts.set_index("account_id")["currency"])
    rate = rates_in_effect(world, currency, daily["date"])
    known = np.isfinite(rate)
    micro_rate = np.rint(np.where(known, rate, 0) * 1_000_000).astype(np.int64)
    converted = (daily["spend_cents"].to_numpy(np.int64) * micro_rate + 50) // 100
    grouped = (daily.assign(company_micros=converted, without_rate=~known)
               .groupby(["network", "account_id", "date"], as_index=False)
               [["spend_cents", "impressions", "clicks", "company_micros", "without_rate"]]
               .sum())
    grouped["currency"] = grouped["account_id"].map(
        world.accounts.set_index("account_id")["currency"])
    grouped["spend"] = grouped["spend_cents"].map(cents_to_decimal)
    grouped["spend_company_currency"] = [
        None if without_rate else Decimal(int(m)).scaleb(-6)
        for m, without_rate in zip(grouped.pop("company_micros"), grouped.pop("without_rate"),
                                   strict=True)]
    return grouped.sort_values(["network", "account_id", "date"]).reset_index(drop=True)


# What a correct pipeline does with each kind of corrupt vendor data (`corrupt.CORRUPTIONS`).
EXPECTED = {
    "negative_spend": "quarantined: the ad-day is named and none of its spend, impressions or "
                      "clicks counts",
    "duplicate_row": "counted once",
    "out_of_window": "dropped by the source: a day the request did not ask for is not loaded",
    "unknown_currency": "named; spend kept in the account's own currency, none in the company "
                        "currency (no rate converts it)",
    "invalid_time_zone": "named; the days stay those the network reports, nothing is converted "
                         "with the zone",
    "hostile_names": "kept byte for byte; rendered inert where reports write it (a spreadsheet "
                     "cell as text, HTML escaped, Markdown escaped)",
}
CORRUPT_COLUMNS = ["kind", "network", "account_id", "campaign_id", "ad_id", "date", "value",
                   "expected"]


def corrupt_rows(world: World) -> pd.DataFrame:
    """Every corrupt thing the world's APIs send, one row each (`CORRUPT_COLUMNS`): its kind,
    where it is (network, account, and campaign, ad and day where it has them), the corrupt
    value, and what a correct pipeline does with it (`EXPECTED`). Sorted by kind, then place.

    - `negative_spend`: the ad-day and its spend (a decimal in the account's currency);
    - `duplicate_row`: the ad-day sent twice (in whichever response includes it);
    - `out_of_window`: the stray rows of a load of the whole history with one request per
      account (`out_of_window_rows` gives those of any other window), value the window;
    - `unknown_currency` / `invalid_time_zone`: the account and its currency / zone;
    - `hostile_names`: the campaign (and ad) and its name."""
    parts = []
    corrupt = world.corrupt
    daily = world.ad_daily() if {"negative_spend", "duplicate_row"} & corrupt else None
    if "negative_spend" in corrupt:
        negative = daily[daily["spend_cents"].to_numpy() < 0]
        parts.append(_listed("negative_spend", negative,
                             negative["spend_cents"].map(lambda c: str(cents_to_decimal(c)))))
    if "duplicate_row" in corrupt:
        twice = daily[served_twice(world, daily)]
        parts.append(_listed("duplicate_row", twice, "sent twice"))
    if "out_of_window" in corrupt:
        strays = out_of_window_rows(world, world.start_date, world.end_date)
        parts.append(_listed("out_of_window", strays,
                             f"outside {world.start_date}..{world.end_date}"))
    odd = world.accounts[world.accounts["account_id"].isin(
        odd_accounts(world.accounts, world.ads))]
    if "unknown_currency" in corrupt:
        parts.append(_listed("unknown_currency", odd, odd["currency"]))
    if "invalid_time_zone" in corrupt:
        zoned = odd[odd["network"] != "linkedin"]
        parts.append(_listed("invalid_time_zone", zoned, zoned["time_zone"]))
    if "hostile_names" in corrupt:
        campaigns = world.campaigns[world.campaigns["name"].isin(HOSTILE_NAMES)]
        ads = world.ads[world.ads["name"].isin(HOSTILE_NAMES)]
        parts.append(_listed("hostile_names", campaigns, campaigns["name"]))
        parts.append(_listed("hostile_names", ads, ads["name"]))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CORRUPT_COLUMNS})
    rows = pd.concat(parts, ignore_index=True)
    order = {kind: k for k, kind in enumerate(EXPECTED)}
    rows["rank"] = rows["kind"].map(order)
    rows = rows.sort_values(["rank", "network", "account_id", "campaign_id", "ad_id", "date"],
                            na_position="first", kind="stable")
    return rows.drop(columns="rank").reset_index(drop=True)


def _listed(kind: str, frame: pd.DataFrame, value) -> pd.DataFrame:
    """`frame`'s rows as corrupt rows of `kind`: the place columns it has, None for the
    others."""
    out = pd.DataFrame({"kind": kind}, index=frame.index)
    for column in ("network", "account_id", "campaign_id", "ad_id", "date"):
        out[column] = (frame[column].astype(object) if column in frame
                       else pd.Series(None, index=frame.index, dtype=object))
    out["value"] = pd.Series(value, index=frame.index, dtype=object)
    out["expected"] = EXPECTED[kind]
    return out.astype(object)


def out_of_window_rows(world: World, since: dt.date, until: dt.date) -> pd.DataFrame:
    """The rows from outside `since..until` that an ad report of each account for that window
    brings (`World.ad_daily()`'s columns; none unless the world sends them): its stray ad on
    the day before and on the day after, for every account that has rows in the window."""
    daily = world.ad_daily()
    inside = daily[(daily["date"] >= since.isoformat()) & (daily["date"] <= until.isoformat())]
    ads = stray_ads(world)
    parts = [stray_rows(world, account, since, until, ads)
             for account in inside["account_id"].unique()]
    parts = [part for part in parts if part is not None]
    if not parts:
        return daily.iloc[0:0]
    return pd.concat(parts, ignore_index=True)


def entity_counts(world: World) -> dict[str, int]:
    """Rows per entity the APIs expose."""
    counts = {
        "ad_accounts": len(world.accounts),
        "campaigns": len(world.campaigns),
        "ad_groups": len(world.ad_groups),
        "ads": len(world.ads),
        "keywords": len(world.keywords),
        "ad_daily_rows": len(world.ad_daily()),
        "keyword_daily_rows": len(world.keyword_daily()),
        "contacts": len(world.contacts),
        "sessions": len(world.sessions),
        "page_views": len(world.page_views),
        "form_submissions": len(world.form_submissions),
        "leads": len(world.leads),
        "deals": len(world.deals),
        "exchange_rates": len(world.exchange_rates),
    }
    for network in ("facebook", "google", "linkedin"):
        counts[f"{network}_ads"] = int((world.ads["network"] == network).sum())
        counts[f"{network}_ad_daily_rows"] = int((world.ad_daily()["network"] == network).sum())
    for network in ("facebook", "linkedin"):
        counts[f"{network}_leads"] = int((world.leads["network"] == network).sum())
    return counts


def touch_paths(world: World) -> pd.DataFrame:
    """Every contact's sessions in time order, with the ad each came from (None if organic)."""
    columns = ["contact_id", "visit_rank", "session_id", "started_at", "channel", "network",
               "account_id", "campaign_id", "ad_group_id", "ad_id", "keyword_id"]
    return world.sessions[columns].sort_values(["contact_id", "visit_rank"]).reset_index(drop=True)


def contacts_per_ad(world: World, report: str = "first_form_submission",
                    networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Distinct new contacts per ad (`AD_KEYS`, `contacts`) under one of HubSpot's ads reports
    (`REPORTS`); see `attributed_contacts` for the rules. A LinkedIn lead sent without its
    creative (a sparse world's, see `leads_without_creative`) counts on its ad group with no
    ad (`ad_id` missing)."""
    chosen = attributed_contacts(world, report, networks)
    return (chosen.groupby(AD_KEYS, as_index=False, dropna=False)
            .agg(contacts=("contact_id", "nunique"))
            .sort_values(["network", "ad_id", "ad_group_id"]).reset_index(drop=True))


def attributed_contacts(world: World, report: str = "first_form_submission",
                        networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The new contacts (`new_contacts`) an ads report attributes to an ad: `contact_id` and
    `AD_KEYS`, one row per contact (per contact and ad for `all_interactions`).

    A contact's conversion events are its form submissions and its leads (`conversion_events`);
    it converts at the earliest. Its ad interactions are its sessions started by a click on a
    tracked ad, and its leads (`ad_interactions`).

    - `first_form_submission`: the ad of its first conversion event (the session's ad when that
      session was an ad interaction, none when it was not; the lead's ad for a lead);
    - `last_form_submission`: the ad of its latest conversion event (ties by time, then id);
    - `last_ad_interaction`: its last ad interaction at or before its conversion;
    - `all_interactions`: every ad it interacted with at or before its conversion, once each.

    With `networks`, only those networks are connected: a click on another network's ad is no
    known ad interaction, and another network's leads are not loaded at all, so they are
    neither conversion events nor ad interactions (a contact a lead of such a network created
    then converts at its first web form, which did not create it: it does not count)."""
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; choose one of {REPORTS}")
    events = conversion_events(world, networks)
    converted = _conversions(world, events)
    events = events[events["contact_id"].isin(converted.loc[converted["is_new"], "contact_id"])]
    if report in ("first_form_submission", "last_form_submission"):
        keep = "first" if report == "first_form_submission" else "last"
        chosen = events.drop_duplicates("contact_id", keep=keep)
        chosen = chosen[chosen["network"].notna()]
    else:
        converted = events.drop_duplicates("contact_id")[["contact_id", "occurred_at"]]
        touches = ad_interactions(world, networks).merge(
            converted.rename(columns={"occurred_at": "converted_at"}), on="contact_id")
        touches = touches[touches["occurred_at"] <= touches["converted_at"]]
        if report == "last_ad_interaction":
            chosen = touches.drop_duplicates("contact_id", keep="last")
        else:
            chosen = touches.drop_duplicates(["contact_id", *AD_KEYS])
    return chosen[["contact_id", *AD_KEYS]].reset_index(drop=True)


def conversion_events(world: World,
                      networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every contact's conversion events (`EVENT_COLUMNS`), by contact, then time, then id: its
    form submissions (`kind` "form_submission", with their session, and the session's ad when
    the session was an ad interaction) and its leads (`kind` "lead", with their ad, no
    session). With `networks`, only those networks' ads and leads are known."""
    forms = world.form_submissions
    web = pd.DataFrame({
        "contact_id": _ids(forms["contact_id"]),
        "occurred_at": forms["submitted_at"].array,
        "kind": "form_submission",
        "event_id": _ids(forms["submission_id"]),
        "session_id": _ids(forms["session_id"]),
    })
    sessions = _ad_sessions(world, networks)
    clicks = pd.DataFrame({"session_id": _ids(sessions["session_id"]),
                           **{key: _ids(sessions[key]) for key in AD_KEYS}})
    web = web.merge(clicks, on="session_id", how="left")
    return _in_order(pd.concat([web, _lead_touches(world, networks)[EVENT_COLUMNS]],
                               ignore_index=True))


def ad_interactions(world: World, networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every contact's ad interactions (`EVENT_COLUMNS`), by contact, then time, then id:
    sessions started by a click on a tracked ad (`kind` "session", `event_id` the session) and
    leads (`kind` "lead"). With `networks`, only those networks' ads and leads."""
    sessions = _ad_sessions(world, networks)
    clicks = pd.DataFrame({
        "contact_id": _ids(sessions["contact_id"]),
        "occurred_at": sessions["started_at"].array,
        "kind": "session",
        "event_id": _ids(sessions["session_id"]),
        "session_id": _ids(sessions["session_id"]),
        **{key: _ids(sessions[key]) for key in AD_KEYS},
    })
    return _in_order(pd.concat([clicks, _lead_touches(world, networks)[EVENT_COLUMNS]],
                               ignore_index=True))


def conversions(world: World, networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per contact with a conversion event: `contact_id`, `converted_at` (its earliest
    conversion event), `kind` of that event, `createdate`, and `is_new`: whether that
    conversion created the contact, i.e. `createdate >= converted_at - NEW_CONTACT_TOLERANCE`
    (HubSpot creates a web-form contact at the submission and a lead-ad contact a few minutes
    after the lead; an old contact was created days or months before)."""
    return _conversions(world, conversion_events(world, networks))


def _conversions(world: World, events: pd.DataFrame) -> pd.DataFrame:
    """`conversions` from the contacts' conversion events (`conversion_events`)."""
    first = events.drop_duplicates("contact_id")
    created = pd.Series(world.contacts["createdate"].array,
                        index=pd.Index(_ids(world.contacts["contact_id"])))
    out = pd.DataFrame({"contact_id": first["contact_id"].array,
                        "converted_at": first["occurred_at"].array,
                        "kind": first["kind"].array})
    out["createdate"] = created.reindex(out["contact_id"]).array
    out["is_new"] = out["createdate"] >= out["converted_at"] - NEW_CONTACT_TOLERANCE
    return out.sort_values("contact_id", key=lambda ids: ids.astype("int64")).reset_index(
        drop=True)


def new_contacts(world: World, networks: tuple[str, ...] | None = None) -> pd.Index:
    """The contacts the ads reports count: converted, and created by that conversion."""
    converted = conversions(world, networks)
    return pd.Index(converted.loc[converted["is_new"], "contact_id"], name="contact_id")


def old_contacts(world: World, networks: tuple[str, ...] | None = None) -> pd.Index:
    """Converted contacts created before their conversion (by an import, a rep, the API, or a
    lead of a network not connected): in no ads report, and neither are their deals."""
    converted = conversions(world, networks)
    return pd.Index(converted.loc[~converted["is_new"], "contact_id"], name="contact_id")


def lead_contacts(world: World, networks: tuple[str, ...] | None = None) -> pd.Index:
    """The contacts with at least one lead (of `networks`, when given), whether a lead created
    them or came after their first web form."""
    leads = _lead_touches(world, networks)
    return pd.Index(pd.unique(leads["contact_id"]), name="contact_id")


def deals_in_report(world: World, report: str = "first_form_submission",
                    networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The deals an ads report counts (`closed_won_deals`' columns): won, with a close date,
    and associated with a contact whose lifecycle stage is customer and whom the report
    attributes to an ad (so never an old contact's)."""
    customers = set(world.contacts.loc[world.contacts["lifecyclestage"] == "customer",
                                       "contact_id"].astype(str))
    attributed = set(attributed_contacts(world, report, networks)["contact_id"].astype(str))
    counted = customers & attributed
    won = closed_won_deals(world)
    keep = won["contact_ids"].map(lambda ids: bool(counted.intersection(ids)))
    return won[keep].reset_index(drop=True)


def _ad_sessions(world: World, networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Sessions started by a click on a tracked ad (of `networks`, when given)."""
    sessions = world.sessions
    tracked = world.ads.loc[world.ads["is_tracked"], "ad_id"]
    clicks = sessions[sessions["ad_id"].notna() & sessions["ad_id"].isin(tracked)]
    if networks is not None:
        clicks = clicks[clicks["network"].isin(networks)]
    return clicks[["session_id", "contact_id", "started_at", "visit_rank", *AD_KEYS]]


def _lead_touches(world: World, networks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The leads (of `networks`, when given) as events (`EVENT_COLUMNS`, no session); in a
    sparse world a LinkedIn lead sent without its creative has no ad."""
    leads = world.leads
    if networks is not None:
        leads = leads[leads["network"].isin(networks)]
    out = pd.DataFrame({
        "contact_id": _ids(leads["contact_id"]),
        "occurred_at": leads["created_at"].array,
        "kind": "lead",
        "event_id": _ids(leads["lead_id"]),
        "session_id": pd.array([pd.NA] * len(leads), dtype=_ID),
        **{key: _ids(leads[key]) for key in AD_KEYS},
    })
    if world.sparse:
        out.loc[leads_without_creative(leads), "ad_id"] = pd.NA
    return out


def _ids(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Ids as Arrow-backed text (pd.NA for none), one dtype for every event's columns."""
    return values.astype(_ID).array


def _in_order(events: pd.DataFrame) -> pd.DataFrame:
    """`events` by contact, then time, then id (numeric ids, compared as numbers)."""
    order = np.lexsort((events["event_id"].astype("int64").to_numpy(),
                        pd.DatetimeIndex(events["occurred_at"]).asi8,
                        events["contact_id"].astype("int64").to_numpy()))
    return events.iloc[order].reset_index(drop=True)


def closed_won_deals(world: World) -> pd.DataFrame:
    """One row per won deal with a close date: its contacts, `close_date` (the close instant's
    day in the portal time zone), `amount` (as HubSpot sends it), `currency` (the company
    currency where the deal has none; `deal_currency_code` keeps what it has), the rate in
    effect on the close date and `amount_company_currency` (amount x rate, rounded half up to
    six decimals)."""
    deals = world.deals
    won = deals[(deals["dealstage"] == "closedwon") & deals["closedate"].notna()].copy()
    won = won.sort_values("deal_id").reset_index(drop=True)
    contacts = world.deal_contacts.groupby("deal_id")["contact_id"].agg(
        lambda ids: sorted(str(i) for i in ids))
    won["contact_ids"] = won["deal_id"].map(contacts).apply(
        lambda ids: ids if isinstance(ids, list) else [])
    won["contact_id"] = won["contact_ids"].map(lambda ids: ids[0] if ids else None)
    won["closed_at"] = won["closedate"]
    won["close_date"] = won["closedate"].dt.tz_convert(world.portal_time_zone).dt.date
    won["currency"] = won["deal_currency_code"].astype(object).where(
        won["deal_currency_code"].notna(), world.company_currency)
    won["amount"] = [Decimal(amount_text(a)) for a in won["amount"]]
    won["rate"] = rates_in_effect(world, won["currency"], won["close_date"])
    won["amount_company_currency"] = [
        to_company_currency(amount, rate) for amount, rate in zip(won["amount"], won["rate"],
                                                                  strict=True)]
    return won[["deal_id", "dealname", "contact_id", "contact_ids", "closed_at", "close_date",
                "amount", "deal_currency_code", "currency", "rate", "amount_company_currency"]]


def write_truth(world: World, folder: Path) -> list[Path]:
    """Write every truth table as Parquet into `folder`; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    decimals = ("spend", "spend_company_currency", "amount", "amount_company_currency")

    def text(frame: pd.DataFrame) -> pd.DataFrame:  # Parquet from pandas has no Decimal column
        return frame.assign(**{c: frame[c].astype(str).where(frame[c].notna())
                               for c in decimals if c in frame})

    tables = {
        "spend_by_account_day": text(spend_by_account_day(world)),
        "touch_paths": touch_paths(world),
        **{f"contacts_per_ad_{report}": contacts_per_ad(world, report) for report in REPORTS},
        "leads": world.leads,
        "conversions": conversions(world),
        "closed_won_deals": text(closed_won_deals(world)),
        "entity_counts": pd.DataFrame(sorted(entity_counts(world).items()),
                                      columns=["entity", "rows"]),
        "corrupt_rows": corrupt_rows(world),
    }
    written = []
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written.append(path)
    return written
