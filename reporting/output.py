"""Report output: a table for the terminal, or CSV, JSON and Parquet for other tools."""

from __future__ import annotations

import io
import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from reporting.catalog import ACCOUNT_SPEND, STAGE_METRICS
from reporting.errors import InvalidFilter
from reporting.files import write_atomically

FORMATS = ("table", "csv", "json", "parquet")
PERCENT = {"ctr", "roi", "conversion_rate", "percent_of_target", "pace",
           "search_top_impression_share", "search_absolute_top_impression_share"}
MONEY = {"spend", ACCOUNT_SPEND, "revenue", "estimated_revenue", "cpc", "cost_per_session",
         "max_cpc", "first_page_cpc", "top_of_page_cpc"}
CREDITED = {"contacts", *STAGE_METRICS, "deals"}
# Words a label spells differently from a name's lowercase word.
ABBREVIATIONS = {"cpc": "CPC", "ctr": "CTR", "roi": "ROI", "mql": "MQL", "mqls": "MQLs",
                 "sql": "SQL", "sqls": "SQLs", "linkedin": "LinkedIn"}
# Metrics shown under HubSpot's names: its "CPC" is spend per session after an ad click, so the
# network's spend per click is the one that says whose it is.
METRIC_LABELS = {"cost_per_session": "CPC", "cpc": "CPC (network)",
                 "spend_account_currency": "amount spent"}


def label(name: str) -> str:
    """`cost_per_contact` -> `cost per contact`, `ctr` -> `CTR`: a name as a reader says it."""
    if name in METRIC_LABELS:
        return METRIC_LABELS[name]
    return " ".join(ABBREVIATIONS.get(word, word) for word in name.split("_"))


HIDDEN_NOTE = "deleted Facebook campaigns hidden, as in HubSpot"


def column_label(column: str, attrs: dict) -> str:
    """A column's header: its label, and for the spend in the accounts' currency that currency
    (the company currency's is the caption's)."""
    text = label(column)
    if column == ACCOUNT_SPEND and attrs.get("account_currency"):
        text += f" ({attrs['account_currency']})"
    return text


def money_in(frame: pd.DataFrame) -> str:
    """`money in USD`, and `amount spent in EUR` when the frame has the accounts' spend."""
    attrs = frame.attrs
    text = f"money in {attrs['currency']}" if attrs.get("currency") else ""
    if ACCOUNT_SPEND in frame.columns and attrs.get("account_currency"):
        text += f", amount spent in {attrs['account_currency']}"
    return text


def title(name: str) -> str:
    """A label at the start of a sentence or a heading: `Last 7 days`, `CPC`."""
    text = label(name)
    return text[:1].upper() + text[1:]


def is_missing(value: object) -> bool:
    """No value: None, pandas' NA or a float NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(column: str, value: object) -> str:
    """A cell as a reader wants it: thousands separators, money with cents, ratios as
    percentages, fractional credits with two decimals, and an empty cell for no value."""
    if is_missing(value):
        return "–"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, Decimal) or (isinstance(value, numbers.Real)
                                      and not isinstance(value, bool | np.bool_)):
        number = float(value)
    else:  # ids, names, statuses: as they are, even when they look like numbers
        return str(value)
    if column in PERCENT:
        return f"{number:.2%}"
    if column in MONEY or column.startswith("cost_per_"):
        return f"{number:,.2f}"
    if column in CREDITED and not number.is_integer():
        return f"{number:,.2f}"
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}"


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What Markdown or HTML would read in a name: backslash-escaped, or an entity for HTML.
MARKDOWN_ESCAPES = {**{c: f"\\{c}" for c in "\\`*_[]|~"},
                    "<": "&lt;", ">": "&gt;", "&": "&amp;"}


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula, behind an apostrophe; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def markdown_text(value: object) -> str:
    """A name from a vendor as Markdown that shows it as text: no link, emphasis, code, table
    cell break or HTML, on one line and without terminal control codes."""
    return "".join(MARKDOWN_ESCAPES.get(c) or _printable(c) for c in str(value))


def plain_text(value: object) -> str:
    """Text on one line without control codes (an escape sequence would drive the terminal)."""
    return "".join(_printable(c) for c in str(value))


def _printable(c: str) -> str:
    if c in "\t\r\n":
        return " "
    return "" if unicodedata.category(c) == "Cc" else c


def fenced(text: str) -> str:
    """`text` as a Markdown code block whose fence no run of backticks in it can close."""
    runs = [len(run) for run in re.findall("`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}\n{text}\n{fence}"


def caption(frame: pd.DataFrame) -> str:
    attrs = frame.attrs
    parts = [attrs.get("date_range", "")]
    if attrs.get("time_zone"):
        parts[0] += f" ({attrs['time_zone']})"
    for key in ("attribution", "roi_setting"):
        if attrs.get(key):
            parts.append(f"{key.replace('_', ' ')}: {attrs[key]}")
    parts.append(money_in(frame))
    if attrs.get("hides_deleted"):
        parts.append(HIDDEN_NOTE)
    return " · ".join(part for part in parts if part)


def render_table(frame: pd.DataFrame, width: int = 200) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Text, not strings: rich reads markup such as [link=...] in strings.
    table = Table(title=Text(plain_text(frame.attrs.get("title") or "")),
                  caption=Text(plain_text(caption(frame))))
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(column_label(column, frame.attrs),
                         justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(Text(plain_text(format_value(column, value)))
                        for column, value in zip(frame.columns, row, strict=True)))
    console = Console(record=True, width=width)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def text_cells(frame: pd.DataFrame, convert: Callable[[object], object],
               keep: Callable[[str], bool] = lambda column: False) -> pd.DataFrame:
    """The frame with `convert` applied to every text cell, except in the columns `keep`
    names; numbers, days and flags stay what they are."""
    converted = frame.copy()
    for column in converted.columns:
        values = converted[column]
        if not (keep(column) or pd.api.types.is_numeric_dtype(values)
                or pd.api.types.is_bool_dtype(values)
                or pd.api.types.is_datetime64_any_dtype(values)):
            converted[column] = values.map(convert, na_action="ignore")
    return converted


def spreadsheet_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell made `spreadsheet_safe` (a negative number is not a
    formula, so numbers stay numbers)."""
    return text_cells(frame, spreadsheet_safe)


def check_format(fmt: str, output: Path | None) -> None:
    if fmt not in FORMATS:
        raise InvalidFilter("format", fmt, FORMATS)
    if fmt == "parquet" and output is None:
        raise InvalidFilter("output", None, expected="a file path for Parquet (--output)")


def write(frame: pd.DataFrame, fmt: str, output: Path | None) -> str | None:
    """Write the report to `output` (a file `files.output_target` allowed), or return the text
    for the terminal."""
    check_format(fmt, output)
    if fmt == "parquet":
        write_atomically(output, lambda path: frame.to_parquet(path, index=False))
        return None
    if fmt == "table":
        text = render_table(frame)
    elif fmt == "csv":
        text = spreadsheet_cells(frame).to_csv(index=False, date_format="%Y-%m-%d")
    else:
        days = frame.copy()
        for column in days.columns:
            if pd.api.types.is_datetime64_any_dtype(days[column]):
                days[column] = days[column].dt.strftime("%Y-%m-%d")
        buffer = io.StringIO()
        days.to_json(buffer, orient="records", indent=2)
        text = buffer.getvalue() + "\n"
    if output is None:
        return text
    write_atomically(output, lambda path: path.write_text(text))
    return None
