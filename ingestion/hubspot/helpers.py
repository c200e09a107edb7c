"""Parsing HubSpot payloads into flat rows, time conversions, and the access config file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common.arrow import to_table, with_keys
from ingestion.common.http import SourceError
from ingestion.hubspot import settings

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


class AccessConfigError(SourceError):
    """The ad-account access file is missing, unreadable or not in the documented shape."""


def parse_instant(value: Any) -> dt.datetime | None:
    """A HubSpot instant as an aware UTC datetime.

    HubSpot sends ISO 8601 (`2026-09-26T12:32:14.000Z`) in v3 payloads but epoch milliseconds
    (`1790000000000`, as a number or digits) in others, so both are accepted.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an instant: {value!r}")
    if isinstance(value, float) and value != value:  # NaN: a missing value from a data frame
        return None
    if isinstance(value, int | float):
        return EPOCH + dt.timedelta(milliseconds=int(value))
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return EPOCH + dt.timedelta(milliseconds=int(text))
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


def to_ms(value: Any) -> int | None:
    stamp = parse_instant(value)
    return None if stamp is None else (stamp - EPOCH) // _MS


def day_start(day: dt.date, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """The instant `day` begins in `zone`."""
    return dt.datetime.combine(day, dt.time(), zone)


def iso_ms(stamp: dt.datetime) -> str:
    """HubSpot's own instant format: UTC, milliseconds, `Z`."""
    return stamp.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def object_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A CRM object with its `properties` lifted into columns named after each property."""
    row = {key: value for key, value in record.items() if key != "properties"}
    for name, value in (record.get("properties") or {}).items():
        row[name] = value
    return row


def event_table(records: pa.Table) -> pa.Table:
    """Event occurrences as Arrow, flattened like `object_row`: `properties` lifted into
    columns named after each property, plus `occurred_at_utc` parsed from either form of
    `occurredAt`."""
    prefix = "properties__"
    lifted = {name.removeprefix(prefix) for name in records.column_names
              if name.startswith(prefix)}
    # A property named like a top-level field wins, as in `object_row`.
    keep = [name for name in records.column_names if name not in lifted]
    table = records.select(keep).rename_columns(
        [name.removeprefix(prefix) for name in keep])
    table = table.append_column("occurred_at_utc", instants(table.column("occurredAt")))
    return with_keys(table, ("id",))


def first_of_each(table: pa.Table, key: str, seen: set[str]) -> pa.Table:
    """`table` without the rows whose `key` is in `seen` or repeats an earlier row's; `seen`
    gains the keys kept. A cursor that repeats an event (HubSpot's paging may) loads it once."""
    keys = table.column(key).to_pylist()
    distinct = set(keys)
    if len(distinct) == len(keys) and seen.isdisjoint(distinct):
        seen |= distinct
        return table
    keep = []
    for value in keys:
        keep.append(value not in seen)
        seen.add(value)
    return table.filter(pa.array(keep, pa.bool_()))


def instants(values: pa.ChunkedArray) -> pa.Array:
    """`parse_instant` over a column: ISO 8601 with a zone in one vectorised cast, anything
    else (epoch milliseconds, no zone) value by value."""
    kind = pa.timestamp("us", tz="UTC")
    if pa.types.is_string(values.type):
        try:
            return pc.cast(values, kind)
        except pa.ArrowInvalid:
            pass
    return pa.array([parse_instant(v) for v in values.to_pylist()], kind)


def association_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per (from, to) pair of a v4 batch-read result; the label list stays JSON text."""
    from_id = str(result["from"]["id"])
    return [
        {"deal_id": from_id, "contact_id": str(target["toObjectId"]),
         "association_types": orjson.dumps(target.get("associationTypes") or []).decode()}
        for target in result.get("to") or []
    ]


def modified_ms(row: Mapping[str, Any], object_type: str) -> int | None:
    value = row.get(settings.MODIFIED_PROPERTY[object_type]) or row.get("updatedAt")
    return to_ms(value)


def batched_tables(
    rows: Iterable[dict[str, Any]], known: Mapping[str, pa.DataType], size: int,
    keys: Iterable[str] = ("id",),
) -> Iterator[pa.Table]:
    """Rows to Arrow tables of about `size` rows: few large items instead of many small ones."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield to_table(batch, known=known, keys=keys)
            batch = []
    if batch:
        yield to_table(batch, known=known, keys=keys)


def load_access_config(path: str | Path) -> tuple[str, list[dict[str, str]]]:
    """Read the versioned ad-account access file: `{"version": ..., "access": [...]}`.

    HubSpot has no public API for which users and teams may see which ad accounts, so the
    partitions are kept in a file under version control (JSON, or YAML by file extension).
    """
    path = Path(path)
    endpoint = f"access config {path}"
    try:
        text = path.read_text()
    except OSError as exc:
        raise AccessConfigError(settings.SOURCE_NAME, None, endpoint,
                                f"cannot read the file: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() in (".yml", ".yaml"):
            import yaml

            document = yaml.safe_load(text)
        else:
            document = json.loads(text)
    except Exception as exc:  # any parser error: say which file and why
        raise AccessConfigError(settings.SOURCE_NAME, None, endpoint,
                                f"cannot parse the file: {exc}") from None
    if not isinstance(document, dict) or "version" not in document:
        raise AccessConfigError(settings.SOURCE_NAME, None, endpoint,
                                "the file must be a mapping with a `version` key and an "
                                "`access` list")
    entries = document.get("access")
    if not isinstance(entries, list):
        raise AccessConfigError(settings.SOURCE_NAME, None, endpoint,
                                "`access` must be a list of {network, account_id, "
                                "principal_type, principal_id}")
    rows = []
    for number, entry in enumerate(entries, start=1):
        missing = [f for f in settings.ACCESS_FIELDS if not isinstance(entry, dict)
                   or entry.get(f) in (None, "")]
        if missing:
            raise AccessConfigError(settings.SOURCE_NAME, None, endpoint,
                                    f"entry {number} lacks {', '.join(missing)}")
        if entry["principal_type"] not in settings.ACCESS_PRINCIPAL_TYPES:
            raise AccessConfigError(
                settings.SOURCE_NAME, None, endpoint,
                f"entry {number}: principal_type must be user or team, "
                f"not {entry['principal_type']!r}")
        rows.append({f: str(entry[f]) for f in settings.ACCESS_FIELDS})
    return str(document["version"]), rows
