"""The reports a run publishes beside the warehouse, for people and tools that read files:
the overview, the campaign table and the summary of the last loaded days."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from core.layout import WarehouseLayout
from reporting.catalog import OVERVIEW_COLUMNS
from reporting.files import write_atomically
from reporting.output import is_missing, render_table
from reporting.reports import Filters, Reports
from reporting.summary import gather, render

WINDOW_DAYS = 30


@dataclass(frozen=True)
class Published:
    first_day: dt.date
    last_day: dt.date
    overview: dict[str, float | None]
    overview_file: Path
    campaigns_file: Path
    campaign_rows: int
    campaigns_preview: str
    summary_file: Path
    summary: str


def reports_dir(warehouse: Path) -> Path:
    return WarehouseLayout(warehouse).reports


def latest_day(reports: Reports) -> dt.date | None:
    """The last day with ad performance, at most yesterday (today is still being loaded)."""
    _, day = reports.loaded_days()
    if day is None:
        return None
    return min(day, reports.today - dt.timedelta(days=1))


def publish(warehouse: Path, days: int = WINDOW_DAYS, folder: Path | None = None) -> Published:
    """Write the reports of the `days` days up to the latest loaded day."""
    folder = folder or reports_dir(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    with Reports.open(warehouse) as reports:
        last = latest_day(reports) or reports.today - dt.timedelta(days=1)
        facts = gather(reports, Filters(start=last - dt.timedelta(days=days - 1), end=last))
        scope = facts.scope
        campaigns = reports.campaign_table(scope, sort="spend")
    summary = render(facts)
    # The overview's numbers are among the summary's totals.
    numbers = {column: None if is_missing(facts.totals[column]) else float(facts.totals[column])
               for column in OVERVIEW_COLUMNS[scope.roi_setting]}
    overview_file = folder / "overview.json"
    overview = json.dumps({"first_day": str(scope.dates.start), "last_day": str(last),
                           "attribution": scope.attribution, **numbers}, indent=2) + "\n"
    # Whole files only: a reader (a BI tool, a person) never opens one half written.
    write_atomically(overview_file, lambda path: path.write_text(overview))
    campaigns_file = folder / "campaigns.parquet"
    write_atomically(campaigns_file, lambda path: campaigns.to_parquet(path, index=False))
    summary_file = folder / "summary.md"
    write_atomically(summary_file, lambda path: path.write_text(summary))
    return Published(
        first_day=scope.dates.start, last_day=last, overview=numbers,
        overview_file=overview_file, campaigns_file=campaigns_file,
        campaign_rows=len(campaigns), campaigns_preview=render_table(campaigns.head(10)),
        summary_file=summary_file, summary=summary)
