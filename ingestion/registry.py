"""The four sources by name, for anything that runs them by name (Dagster, benchmarks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SOURCE_NAMES = ("facebook_ads", "google_ads", "linkedin_ads", "hubspot")


def source_factory(name: str) -> Callable[..., Any]:
    """The `@dlt.source` function of source `name`; config is resolved when it is called."""
    if name == "facebook_ads":
        from ingestion.facebook_ads import facebook_ads

        return facebook_ads
    if name == "google_ads":
        from ingestion.google_ads import google_ads

        return google_ads
    if name == "linkedin_ads":
        from ingestion.linkedin_ads import linkedin_ads

        return linkedin_ads
    if name == "hubspot":
        from ingestion.hubspot import hubspot_source

        return hubspot_source
    raise ValueError(f"unknown source {name!r}; choose one of {SOURCE_NAMES}")
