"""The simulator's ground truth: numbers computed from the world, independently of dlt and dbt.

Tests compare what the pipeline loaded and built against these. `write_truth` exports them as
Parquet so a pipeline run against `ads-analytics simulator serve` can be checked the same way.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from ingestion.simulator.world import World


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def spend_by_account_day(world: World) -> pd.DataFrame:
    """True spend (native currency), impressions and clicks per network, account and local day."""
    daily = world.ad_daily()
    grouped = daily.groupby(["network", "account_id", "date"], as_index=False)[
        ["spend_cents", "impressions", "clicks"]].sum()
    currency = world.accounts.set_index("account_id")["currency"]
    grouped["currency"] = grouped["account_id"].map(currency)
    grouped["spend"] = grouped["spend_cents"].map(cents_to_decimal)
    return grouped.sort_values(["network", "account_id", "date"]).reset_index(drop=True)


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
        "deals": len(world.deals),
        "exchange_rates": len(world.exchange_rates),
    }
    for network in ("facebook", "google", "linkedin"):
        counts[f"{network}_ads"] = int((world.ads["network"] == network).sum())
        counts[f"{network}_ad_daily_rows"] = int((world.ad_daily()["network"] == network).sum())
    return counts


def touch_paths(world: World) -> pd.DataFrame:
    """Every contact's sessions in time order, with the ad each came from (None if organic)."""
    columns = ["contact_id", "visit_rank", "session_id", "started_at", "channel", "network",
               "account_id", "campaign_id", "ad_group_id", "ad_id", "keyword_id"]
    return world.sessions[columns].sort_values(["contact_id", "visit_rank"]).reset_index(drop=True)


def first_form_submission_contacts(world: World) -> pd.DataFrame:
    """Contacts per ad under `first_form_submission`: the ad that started the converting session.

    Only sessions from tracked ads count; a contact whose converting session was organic counts
    for no ad.
    """
    forms = world.form_submissions[world.form_submissions["is_first"]]
    joined = forms.merge(world.sessions[["session_id", "network", "account_id", "campaign_id",
                                         "ad_group_id", "ad_id"]], on="session_id")
    joined = joined[joined["ad_id"].notna()]
    return (joined.groupby(["network", "account_id", "campaign_id", "ad_group_id", "ad_id"],
                           as_index=False).agg(contacts=("contact_id", "nunique"))
            .sort_values(["network", "ad_id"]).reset_index(drop=True))


def write_truth(world: World, folder: Path) -> list[Path]:
    """Write every truth table as Parquet into `folder`; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "spend_by_account_day": spend_by_account_day(world).assign(
            spend=lambda f: f["spend"].astype(str)),
        "touch_paths": touch_paths(world),
        "first_form_submission_contacts": first_form_submission_contacts(world),
        "entity_counts": pd.DataFrame(sorted(entity_counts(world).items()),
                                      columns=["entity", "rows"]),
    }
    written = []
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written.append(path)
    return written
