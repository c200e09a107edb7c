"""HubSpot as the simulator serves it: CRM v3 objects and search, v4 associations, the Events API,
settings v3 (currencies, users, teams) and account info, in HubSpot's documented shapes.

- Auth is a private app token in `Authorization: Bearer`; failures come back as HubSpot's error
  body `{"status": "error", "message", "correlationId", "category"}`.
- Every CRM property value is a string (or null); datetimes are ISO 8601 UTC with milliseconds and
  `Z`. Lists page with `limit` / `after` and `paging.next.after`; the search endpoint pages by
  offset and refuses to go past its 10,000-result cap, as HubSpot does.
- Pages are cut from frames indexed once per world (sorted by id, by modification time, by
  occurrence time), so a page costs the same at size L as at size S.

`write_access_config` writes the world's ad-account access partitions to the versioned config file
the source reads (HubSpot has no public API for them).

Contacts carry `hs_analytics_source` and, for contacts created offline (OFFLINE: IMPORT,
CRM_UI, API) or by a lead ad (PAID_SOCIAL: Facebook, LinkedIn), `hs_analytics_source_data_1`
(null for the others). The portal's company currency and time zone are the world's. Rendered
sparsely (a sparse world,
or a `sparse` fault): contacts' empty properties come back null and `hs_analytics_source` is left
out of some; a deal without a currency has no `deal_currency_code` key; events leave out an empty
`hs_referrer` and forms their `hs_form_title`; users carry `roleIds`, `roleId` or neither and no
team keys they have no value for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.jsonrows import rows_json
from simulator.protocol import FaultRule, Host, Request, Response
from simulator.world import (
    LIFECYCLE_STAGES,
    SALT_NO_FIRSTNAME,
    SALT_NO_SOURCE,
    World,
    sparse_pick,
)

PORTAL_ID = 24_681_357
PAGE_VIEW_EVENT = "e_visited_page"
FORM_SUBMISSION_EVENT = "e_submitted_form"
FORM_NAMES = {
    "b7c1e2a4-0d5e-4c39-9a7c-contact-form": "Contact us",
    "5f0a3c11-8e2b-4d77-b1c9-webinar-form": "Webinar sign-up",
}
CURRENCY_NAMES = {"USD": "US Dollar", "EUR": "Euro", "GBP": "British Pound", "SEK": "Swedish Krona"}

LIST_MAX_LIMIT = 100
SEARCH_MAX_LIMIT = 200
SEARCH_RESULT_CAP = 10_000
EVENTS_MAX_LIMIT = 1_000
SETTINGS_MAX_LIMIT = 100
ASSOCIATION_BATCH_MAX = 1_000
ASSOCIATIONS_PER_PAGE = 500
# A field HubSpot might add one day; rendered on every record while a `new_field` fault is active.
NEW_FIELD = "objectWriteTraceId"

# Properties HubSpot returns whether asked for or not.
ALWAYS_RETURNED = {
    "contacts": ("createdate", "hs_object_id", "lastmodifieddate"),
    "deals": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
}
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}

_OBJECT_PATH = re.compile(r"^/crm/v3/objects/(contacts|deals)/?$")
_SEARCH_PATH = re.compile(r"^/crm/v3/objects/(contacts|deals)/search/?$")
_ASSOC_PATH = re.compile(r"^/crm/v4/associations/(deals|contacts)/(deals|contacts)/batch/read/?$")


def _epoch_ms(values: Any) -> np.ndarray:
    """UTC timestamps to epoch milliseconds (int64); missing ones become the minimum int64."""
    stamps = pd.to_datetime(pd.Series(values), utc=True).dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[ms]").view("int64").copy()


def _iso(ms: np.ndarray) -> list[str | None]:
    """Epoch milliseconds to HubSpot's `2026-09-26T12:32:14.000Z` (None where missing)."""
    return _iso_text(ms).to_pylist()


def amount_text(value: float) -> str | None:
    """Deal amounts as HubSpot stores what a user typed: no exponent, no trailing zeros (None
    for a deal without an amount)."""
    if pd.isna(value):
        return None
    return np.format_float_positional(round(float(value), 2), trim="-")


def _strings(values: Any) -> pd.Series:
    """A text column, positionally indexed. Kept in pandas' compact string storage: turning a
    size-L column into Python objects up front would cost gigabytes, so pages convert their own
    rows (`_take`)."""
    series = pd.Series(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        # The world's URLs are categoricals (each distinct URL stored once): look the codes up
        # in Arrow; pandas' own cast would go through a Python object per row.
        text = series.cat.categories.astype(pd.StringDtype("pyarrow")).array
        return pd.Series(text.take(series.cat.codes.to_numpy(), allow_fill=True))
    return series.astype(pd.StringDtype("pyarrow")).reset_index(drop=True)


def _take(series: pd.Series, positions: Any) -> list[str | None]:
    """The values at `positions` as Python str / None."""
    part = series.iloc[positions]
    return part.astype(object).where(part.notna(), None).tolist()


def _iso_text(ms: np.ndarray) -> pa.Array:
    """Epoch milliseconds to HubSpot's `2026-09-26T12:32:14.000Z` as Arrow strings (null where
    missing), without a Python object per value."""
    missing = ms == np.iinfo(np.int64).min
    stamps = np.where(missing, 0, ms).astype("datetime64[ms]")
    text = pc.binary_join_element_wise(
        pa.array(np.datetime_as_string(stamps, unit="ms"), pa.string()), pa.scalar("Z"), "")
    if missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)
    return text


def _arrow_text(series: dict[str, pd.Series]) -> dict[str, pa.ChunkedArray]:
    """Each series as Arrow strings, made once, for pages to slice (`_page_text`)."""
    return {name: pa.chunked_array(pa.array(values)).cast(pa.string())
            for name, values in series.items()}


def _page_text(values: pa.ChunkedArray, start: int, stop: int) -> pa.Array:
    """The text values at positions [start, stop)."""
    return values.slice(start, stop - start).combine_chunks()


def _results_page(text: bytes, paging: dict[str, Any]) -> bytes:
    """`{"results": [...], "paging": ...}` around records already rendered as JSON text."""
    tail = b"," + orjson.dumps(paging)[1:] if paging else b"}"
    return b'{"results":[' + text + b"]" + tail


@dataclass
class _Objects:
    """One CRM object type ready to page: properties as object arrays, in id order."""

    ids: pd.Series  # sorted by numeric id
    properties: dict[str, pd.Series]  # name -> text values, aligned with ids
    datetime_ms: dict[str, np.ndarray]  # datetime properties as epoch ms, aligned with ids
    created_ms: np.ndarray
    modified_ms: np.ndarray
    by_modified: np.ndarray  # positions sorted by (modified, id)
    # properties left out of some records (not sent as null): name -> left out, aligned with ids
    absent: dict[str, np.ndarray] = field(default_factory=dict)

    @cached_property
    def arrow(self) -> dict[str, pa.ChunkedArray]:
        """`ids` and each text property as Arrow strings."""
        return _arrow_text({"id": self.ids, **self.properties})

    def render_json(self, start: int, stop: int, wanted: list[str]) -> bytes | None:
        """The records at positions [start, stop) as JSON text rendered column by column, the
        same bytes as `render`'s records; None when one of them leaves a property out."""
        if start >= stop or any(self.absent[name][start:stop].any()
                                for name in wanted if name in self.absent):
            return None
        columns: list[tuple[tuple[str, ...], pa.Array]] = [
            (("id",), _page_text(self.arrow["id"], start, stop))]
        for name in wanted:
            if name in self.datetime_ms:
                values = _iso_text(self.datetime_ms[name][start:stop])
            elif name in self.properties:
                values = _page_text(self.arrow[name], start, stop)
            else:
                continue
            columns.append((("properties", name), values))
        if len(columns) == 1:  # `properties` is an empty object: render leaves nothing out
            return None
        columns += [(("createdAt",), _iso_text(self.created_ms[start:stop])),
                    (("updatedAt",), _iso_text(self.modified_ms[start:stop])),
                    (("archived",), pa.array(np.zeros(stop - start, dtype=bool)))]
        return rows_json(columns, nulls=True)

    def render(self, positions: np.ndarray, wanted: list[str], extra: dict | None) -> list[dict]:
        columns = {}
        for name in wanted:
            if name in self.datetime_ms:
                columns[name] = _iso(self.datetime_ms[name][positions])
            elif name in self.properties:
                columns[name] = _take(self.properties[name], positions)
        created = _iso(self.created_ms[positions])
        updated = _iso(self.modified_ms[positions])
        gone = {name: self.absent[name][positions].tolist() for name in columns
                if name in self.absent}
        records = []
        for k, object_id in enumerate(_take(self.ids, positions)):
            properties = {name: values[k] for name, values in columns.items()}
            for name, left_out in gone.items():
                if left_out[k]:
                    del properties[name]
            record = {
                "id": object_id,
                "properties": properties,
                "createdAt": created[k],
                "updatedAt": updated[k],
                "archived": False,
            }
            if extra:
                record.update(extra)
            records.append(record)
        return records


@dataclass
class _Events:
    """One event type in occurrence order."""

    event_type: str
    ids: pd.Series
    object_ids: pd.Series
    occurred_ms: np.ndarray  # sorted ascending
    properties: dict[str, pd.Series]

    @cached_property
    def arrow(self) -> dict[str, pa.ChunkedArray]:
        """`ids`, `object_ids` and each property as Arrow strings."""
        return _arrow_text({"ids": self.ids, "object_ids": self.object_ids, **self.properties})


class HubSpotApi:
    """The simulated HubSpot portal of one world."""

    name = "hubspot"
    prefixes = ("/crm/", "/events/", "/settings/", "/account-info/")

    def __init__(self, server: Host) -> None:
        self.server = server
        self.world: World = server.world
        # Tests may lower the search cap to exercise windowing, or switch `occurredAt` to epoch
        # milliseconds (a form some HubSpot endpoints use) to exercise the parser.
        self.search_result_cap = SEARCH_RESULT_CAP
        self.occurred_at_format = "iso"
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Build the indexes now rather than on the first request."""
        indexes = ["_contacts", "_deals", "_links", "_page_views", "_form_submissions"]
        if self.world.sparse:
            indexes += ["_sparse_contacts", "_sparse_deals", "_sparse_users"]
        for index in indexes:
            getattr(self, index)
        for paged in (self._contacts, self._deals, self._page_views, self._form_submissions):
            paged.arrow  # noqa: B018 (built now, not on the first page)

    # -- protocol ------------------------------------------------------------------------------
    def claims(self, path: str) -> bool:
        return path.startswith(self.prefixes)

    def authorize(self, request: Request) -> Response | None:
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip() == self.server.tokens["hubspot"]:
            return None
        if not header:
            message = ("Authentication credentials not found. This API supports OAuth 2.0 "
                       "authentication and you can find more details at "
                       "https://developers.hubspot.com/docs/methods/auth/oauth-overview")
        else:
            message = ("Authentication credentials are invalid. Check that the private app "
                       "access token is correct and has not been rotated.")
        return self._error(401, "INVALID_AUTHENTICATION", message)

    def fault(self, kind: str, rule: FaultRule) -> Response:
        if kind == "rate_limit":
            body = {"status": "error", "message": "You have reached your ten_secondly_rolling "
                    "limit.", "errorType": "RATE_LIMIT", "correlationId": str(uuid.uuid4()),
                    "policyName": "TEN_SECONDLY_ROLLING", "category": "RATE_LIMITS",
                    "requestId": str(uuid.uuid4())}
            return Response(429, body, {"Retry-After": f"{rule.retry_after:g}"})
        if kind == "expired_token":
            return self._error(401, "EXPIRED_AUTHENTICATION",
                               "The OAuth token used to make this call expired 1 day(s) ago.")
        return self._error(500, "INTERNAL_ERROR", "internal error")

    def handle(self, request: Request) -> Response:
        path = request.path
        if request.method == "GET":
            if match := _OBJECT_PATH.match(path):
                return self._list_objects(request, match.group(1))
            if path.rstrip("/") == "/events/v3/events":
                return self._events(request)
            if path.rstrip("/") == "/account-info/v3/details":
                return self._ok(self._account_details())
            if path.rstrip("/") == "/settings/v3/currencies/company-currency":
                currency = self.world.company_currency
                return self._ok({"currencyCode": currency,
                                 "currencyName": CURRENCY_NAMES.get(currency, "")})
            if path.rstrip("/") == "/settings/v3/currencies/exchange-rates":
                return self._paged_list(request, self._exchange_rates)
            if path.rstrip("/") == "/settings/v3/users":
                users = self._sparse_users if self._sparse() else self._users
                return self._paged_list(request, users)
            if path.rstrip("/") == "/settings/v3/users/teams":
                return self._ok({"results": self._decorate(self._teams)})
        if request.method == "POST":
            if match := _SEARCH_PATH.match(path):
                return self._search(request, match.group(1))
            if match := _ASSOC_PATH.match(path):
                return self._associations(request, match.group(1), match.group(2))
        return self._error(404, "OBJECT_NOT_FOUND",
                           f"No endpoint matches {request.method} {path}")

    # -- responses -----------------------------------------------------------------------------
    @staticmethod
    def _ok(body: Any) -> Response:
        return Response(200, body)

    @staticmethod
    def _error(status: int, category: str, message: str) -> Response:
        return Response(status, {"status": "error", "message": message,
                                 "correlationId": str(uuid.uuid4()), "category": category})

    def _sparse(self) -> bool:
        return self.server.sparse(self.name)

    def _extra(self) -> dict | None:
        if self.server.faults.active(self.name, "new_field"):
            return {NEW_FIELD: str(uuid.uuid4())}
        return None

    def _decorate(self, records: list[dict]) -> list[dict]:
        extra = self._extra()
        return [{**r, **extra} for r in records] if extra else records

    @staticmethod
    def _limit(request: Request, maximum: int, default: int = 10) -> int:
        try:
            limit = int(request.arg("limit") or default)
        except ValueError:
            limit = default
        return max(1, min(limit, maximum))

    @staticmethod
    def _offset(value: Any) -> int | None:
        if value in (None, ""):
            return 0
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return None

    @staticmethod
    def _next(request: Request, after: int) -> dict:
        query = {k: v for k, v in request.query.items() if k != "after"}
        query["after"] = [str(after)]
        link = f"{request.base_url}{request.path}?{urlencode(query, doseq=True)}"
        return {"next": {"after": str(after), "link": link}}

    # -- CRM objects ---------------------------------------------------------------------------
    def _list_objects(self, request: Request, object_type: str) -> Response:
        objects = self._objects(object_type)
        limit = self._limit(request, LIST_MAX_LIMIT)
        start = self._offset(request.arg("after"))
        if start is None:
            return self._error(400, "VALIDATION_ERROR", "after must be a paging cursor")
        wanted = self._wanted(object_type, request.query.get("properties", []))
        stop = min(start + limit, len(objects.ids))
        paging = {"paging": self._next(request, stop)} if stop < len(objects.ids) else {}
        text = None if self._extra() else objects.render_json(start, stop, wanted)
        if text is not None:
            return Response(200, _results_page(text, paging))
        positions = np.arange(start, stop)
        body: dict[str, Any] = {"results": objects.render(positions, wanted, self._extra())}
        body.update(paging)
        return self._ok(body)

    def _search(self, request: Request, object_type: str) -> Response:
        objects = self._objects(object_type)
        try:
            payload = request.json()
        except ValueError:
            return self._error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1")
        limit = max(1, min(int(payload.get("limit") or 10), SEARCH_MAX_LIMIT))
        offset = self._offset(payload.get("after"))
        if offset is None:
            return self._error(400, "VALIDATION_ERROR", "after must be an integer offset")
        if offset >= self.search_result_cap:
            return self._error(
                400, "VALIDATION_ERROR",
                f"The search API returns at most {self.search_result_cap} results per query; "
                "narrow the query (e.g. by lastmodifieddate) instead of paging further.")
        try:
            order = self._filtered(objects, object_type, payload)
        except ValueError as exc:
            return self._error(400, "VALIDATION_ERROR", str(exc))
        stop = min(offset + limit, len(order), self.search_result_cap)
        wanted = self._wanted(object_type, payload.get("properties") or [])
        body: dict[str, Any] = {
            "total": int(len(order)),
            "results": objects.render(order[offset:stop], wanted, self._extra()),
        }
        if stop < len(order):
            body["paging"] = {"next": {"after": str(stop)}}
        return self._ok(body)

    def _filtered(self, objects: _Objects, object_type: str, payload: dict) -> np.ndarray:
        """Positions matching the (single) filter group, in the requested sort order.

        The simulator understands range filters and sorts on the modification date, which is what
        incremental loading needs; anything else is refused like an unknown property.
        """
        modified = MODIFIED_PROPERTY[object_type]
        keys = objects.modified_ms[objects.by_modified]
        lo, hi = 0, len(keys)
        groups = payload.get("filterGroups") or []
        if len(groups) > 1:
            raise ValueError("The simulator supports one filter group")
        for flt in (groups[0].get("filters", []) if groups else []):
            name, operator = flt.get("propertyName"), flt.get("operator")
            if name not in (modified, "hs_lastmodifieddate", "lastmodifieddate"):
                raise ValueError(f"Cannot filter on property {name!r} in the simulator")
            value = _filter_ms(flt.get("value"))
            if operator == "GTE":
                lo = max(lo, int(np.searchsorted(keys, value, "left")))
            elif operator == "GT":
                lo = max(lo, int(np.searchsorted(keys, value, "right")))
            elif operator == "LTE":
                hi = min(hi, int(np.searchsorted(keys, value, "right")))
            elif operator == "LT":
                hi = min(hi, int(np.searchsorted(keys, value, "left")))
            else:
                raise ValueError(f"Operator {operator!r} is not supported here")
        order = objects.by_modified[lo:max(lo, hi)]
        sorts = payload.get("sorts") or []
        if sorts:
            sort = sorts[0] if isinstance(sorts[0], dict) else {"propertyName": sorts[0]}
            name = str(sort.get("propertyName", "")).lstrip("-")
            if name not in (modified, "hs_lastmodifieddate", "lastmodifieddate"):
                raise ValueError(f"Cannot sort on property {name!r} in the simulator")
            if sort.get("direction") == "DESCENDING" or str(sort.get("propertyName")).startswith(
                    "-"):
                order = order[::-1]
        return order

    def _wanted(self, object_type: str, requested: list[str]) -> list[str]:
        names: list[str] = []
        for item in requested:
            names.extend(p.strip() for p in str(item).split(",") if p.strip())
        if not names:
            names = ["email", "firstname", "lastname"] if object_type == "contacts" else [
                "amount", "closedate", "dealname", "dealstage", "pipeline"]
        for name in ALWAYS_RETURNED[object_type]:
            if name not in names:
                names.append(name)
        return names

    def _associations(self, request: Request, from_type: str, to_type: str) -> Response:
        if from_type == to_type:
            return self._error(400, "VALIDATION_ERROR",
                               f"No association type between {from_type} and {to_type}")
        try:
            inputs = request.json().get("inputs") or []
        except (ValueError, AttributeError):
            return self._error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1")
        if len(inputs) > ASSOCIATION_BATCH_MAX:
            return self._error(400, "VALIDATION_ERROR",
                               f"Batch input limit is {ASSOCIATION_BATCH_MAX} ids")
        links = self._links[(from_type, to_type)]
        type_id = 3 if from_type == "deals" else 4
        started = _now_iso()
        results = []
        for item in inputs:
            from_id = str(item.get("id"))
            targets = links.get(from_id, [])
            start = self._offset(item.get("after")) or 0
            page = targets[start:start + ASSOCIATIONS_PER_PAGE]
            if not page:
                continue
            result: dict[str, Any] = {
                "from": {"id": from_id},
                "to": [{"toObjectId": to_id, "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]}
                    for to_id in page],
            }
            if start + ASSOCIATIONS_PER_PAGE < len(targets):
                result["paging"] = {"next": {"after": str(start + ASSOCIATIONS_PER_PAGE)}}
            results.append(result)
        return self._ok({"status": "COMPLETE", "results": self._decorate(results),
                         "startedAt": started, "completedAt": _now_iso()})

    # -- events --------------------------------------------------------------------------------
    def _events(self, request: Request) -> Response:
        object_type = (request.arg("objectType") or "contact").lower()
        if object_type not in ("contact", "contacts", "0-1"):
            return self._ok({"results": []})
        event_type = request.arg("eventType")
        if event_type not in (PAGE_VIEW_EVENT, FORM_SUBMISSION_EVENT):
            return self._error(400, "VALIDATION_ERROR",
                               "The simulator serves eventType=e_visited_page or "
                               "eventType=e_submitted_form")
        events = self._page_views if event_type == PAGE_VIEW_EVENT else self._form_submissions
        try:
            after_ms = _filter_ms(request.arg("occurredAfter")) if request.arg(
                "occurredAfter") else None
            before_ms = _filter_ms(request.arg("occurredBefore")) if request.arg(
                "occurredBefore") else None
        except ValueError as exc:
            return self._error(400, "VALIDATION_ERROR", str(exc))
        lo = 0 if after_ms is None else int(np.searchsorted(events.occurred_ms, after_ms, "right"))
        hi = (len(events.occurred_ms) if before_ms is None
              else int(np.searchsorted(events.occurred_ms, before_ms, "left")))
        hi = max(lo, hi)
        # The cursor is an absolute position, so it stays valid for the window it came from.
        start = self._offset(request.arg("after"))
        if start is None:
            return self._error(400, "VALIDATION_ERROR", "after must be a paging cursor")
        start = max(lo, start)
        stop = min(hi, start + self._limit(request, EVENTS_MAX_LIMIT))
        paging = {"paging": self._next(request, stop)} if stop < hi else {}
        text = self._events_json(events, start, stop)
        if text is not None:
            return Response(200, _results_page(text, paging))
        body: dict[str, Any] = {"results": self._render_events(events, start, stop,
                                                               self._sparse())}
        body.update(paging)
        return self._ok(body)

    def _events_json(self, events: _Events, start: int, stop: int) -> bytes | None:
        """A page of events as JSON text rendered column by column, the same bytes as the
        records `_render_events` builds; None (render record by record) when a record differs
        from its neighbours in shape: a sparse world leaves keys out, a new field is added, a
        value is missing."""
        if start >= stop or self._sparse() or self._extra():
            return None
        ms = events.occurred_ms[start:stop]
        if (ms == np.iinfo(np.int64).min).any():
            return None
        occurred = (pa.array(ms, pa.int64()) if self.occurred_at_format == "epoch_ms"
                    else _iso_text(ms))
        arrow = {name: _page_text(values, start, stop) for name, values in events.arrow.items()}
        constant = pa.array(["CONTACT"] * (stop - start), pa.string())
        columns = [(("objectType",), constant),
                   (("objectId",), arrow["object_ids"]),
                   (("eventType",), pa.array([events.event_type] * (stop - start), pa.string())),
                   (("occurredAt",), occurred),
                   (("id",), arrow["ids"])]
        columns += [(("properties", name), arrow[name]) for name in events.properties]
        return rows_json(columns)

    def _render_events(self, events: _Events, start: int, stop: int,
                       sparse: bool = False) -> list[dict]:
        """A page of events; sparse ones leave out a form's title and an empty referrer."""
        ms = events.occurred_ms[start:stop]
        occurred: list[Any] = ms.tolist() if self.occurred_at_format == "epoch_ms" else _iso(ms)
        window = slice(start, stop)
        props = {name: _take(values, window) for name, values in events.properties.items()
                 if not (sparse and name == "hs_form_title")}
        extra = self._extra()
        out = []
        for k, (event_id, object_id) in enumerate(zip(_take(events.ids, window),
                                                     _take(events.object_ids, window),
                                                     strict=True)):
            properties = {name: values[k] for name, values in props.items()}
            if sparse and properties.get("hs_referrer") == "":
                del properties["hs_referrer"]
            record = {"objectType": "CONTACT", "objectId": object_id,
                      "eventType": events.event_type, "occurredAt": occurred[k], "id": event_id,
                      "properties": properties}
            if extra:
                record.update(extra)
            out.append(record)
        return out

    # -- settings and account ------------------------------------------------------------------
    def _paged_list(self, request: Request, records: list[dict]) -> Response:
        limit = self._limit(request, SETTINGS_MAX_LIMIT, default=SETTINGS_MAX_LIMIT)
        start = self._offset(request.arg("after"))
        if start is None:
            return self._error(400, "VALIDATION_ERROR", "after must be a paging cursor")
        stop = min(start + limit, len(records))
        body: dict[str, Any] = {"results": self._decorate(records[start:stop])}
        if stop < len(records):
            body["paging"] = self._next(request, stop)
        return self._ok(body)

    def _account_details(self) -> dict:
        zone = ZoneInfo(self.world.portal_time_zone)
        offset = dt.datetime.combine(self.world.end_date, dt.time(12), zone).utcoffset()
        offset_ms = int(offset.total_seconds() * 1000) if offset else 0
        sign = "-" if offset_ms < 0 else "+"
        minutes = abs(offset_ms) // 60_000
        currencies = sorted(set(self.world.exchange_rates["from_currency"].astype(str)))
        return {
            "portalId": PORTAL_ID,
            "accountType": "STANDARD",
            "timeZone": self.world.portal_time_zone,
            "companyCurrency": self.world.company_currency,
            "additionalCurrencies": [c for c in currencies if c != self.world.company_currency],
            "utcOffset": f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
            "utcOffsetMilliseconds": offset_ms,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }

    # -- the world, indexed once ---------------------------------------------------------------
    def _objects(self, object_type: str) -> _Objects:
        if object_type == "contacts":
            return self._sparse_contacts if self._sparse() else self._contacts
        return self._sparse_deals if self._sparse() else self._deals

    @cached_property
    def _contacts(self) -> _Objects:
        with self._lock:
            c = self.world.contacts
            order = np.argsort(c["contact_id"].astype("int64").to_numpy(), kind="stable")
            c = c.iloc[order].reset_index(drop=True)
            stage_dates = {f"hs_lifecyclestage_{s}_date": _epoch_ms(
                c[f"hs_lifecyclestage_{s}_date"]) for s in LIFECYCLE_STAGES}
            created = _epoch_ms(c["createdate"])
            modified = _epoch_ms(c["lastmodifieddate"])
            ids = _strings(c["contact_id"])
            return _Objects(
                ids=ids,
                properties={
                    "email": _strings(c["email"]), "firstname": _strings(c["firstname"]),
                    "lastname": _strings(c["lastname"]),
                    "lifecyclestage": _strings(c["lifecyclestage"]),
                    "hs_analytics_source": _strings(c["analytics_source"]),
                    "hs_analytics_source_data_1": _strings(c["analytics_source_data_1"]),
                    "hs_object_id": ids,
                },
                datetime_ms={"createdate": created, "lastmodifieddate": modified, **stage_dates},
                created_ms=created, modified_ms=modified,
                by_modified=np.lexsort((np.arange(len(ids)), modified)),
            )

    @cached_property
    def _deals(self) -> _Objects:
        with self._lock:
            d = self.world.deals
            order = np.argsort(d["deal_id"].astype("int64").to_numpy(), kind="stable")
            d = d.iloc[order].reset_index(drop=True)
            created = _epoch_ms(d["createdate"])
            closed = _epoch_ms(d["closedate"])
            modified = np.maximum(created, closed)
            ids = _strings(d["deal_id"])
            return _Objects(
                ids=ids,
                properties={
                    "dealname": _strings(d["dealname"]),
                    "amount": _strings([amount_text(a) for a in d["amount"]]),
                    "deal_currency_code": _strings(d["deal_currency_code"]),
                    "dealstage": _strings(d["dealstage"]),
                    "pipeline": _strings(d["pipeline"]),
                    "hs_object_id": ids,
                },
                datetime_ms={"createdate": created, "closedate": closed,
                             "hs_lastmodifieddate": modified},
                created_ms=created, modified_ms=modified,
                by_modified=np.lexsort((np.arange(len(ids)), modified)),
            )

    @cached_property
    def _sparse_contacts(self) -> _Objects:
        """Contacts as a real portal sends them: some without a first name (null), some without
        an analytics source at all (the key left out), chosen by id as the sparse world does."""
        full = self._contacts
        no_name = sparse_pick(full.ids, 5, SALT_NO_FIRSTNAME)
        firstname = full.properties["firstname"].where(~no_name, None)
        source = full.properties["hs_analytics_source"]
        no_source = sparse_pick(full.ids, 6, SALT_NO_SOURCE) | source.isna().to_numpy()
        return dataclasses.replace(
            full, properties={**full.properties, "firstname": firstname},
            absent={"hs_analytics_source": no_source})

    @cached_property
    def _sparse_deals(self) -> _Objects:
        """Deals without a currency have no `deal_currency_code` key."""
        full = self._deals
        return dataclasses.replace(
            full, absent={"deal_currency_code": full.properties["deal_currency_code"].isna()
                          .to_numpy()})

    @cached_property
    def _links(self) -> dict[tuple[str, str], dict[str, list[str]]]:
        with self._lock:
            pairs = self.world.deal_contacts
            deals = _take(_strings(pairs["deal_id"]), slice(None))
            contacts = _take(_strings(pairs["contact_id"]), slice(None))
            forward: dict[str, list[str]] = {}
            backward: dict[str, list[str]] = {}
            for deal, contact in zip(deals, contacts, strict=True):
                forward.setdefault(deal, []).append(contact)
                backward.setdefault(contact, []).append(deal)
            return {("deals", "contacts"): forward, ("contacts", "deals"): backward}

    @cached_property
    def _page_views(self) -> _Events:
        with self._lock:
            views = self.world.page_views
            ms = _epoch_ms(views["occurred_at"])
            order = np.lexsort((views["event_id"].astype("int64").to_numpy(), ms))
            v = views.iloc[order]
            return _Events(
                event_type=PAGE_VIEW_EVENT, ids=_strings(v["event_id"]),
                object_ids=_strings(v["contact_id"]), occurred_ms=ms[order],
                properties={"hs_url": _strings(v["url"]),
                            "hs_referrer": _strings(v["referrer"]),
                            "hs_session_id": _strings(v["session_id"])},
            )

    @cached_property
    def _form_submissions(self) -> _Events:
        with self._lock:
            forms = self.world.form_submissions
            ms = _epoch_ms(forms["submitted_at"])
            order = np.lexsort((forms["submission_id"].astype("int64").to_numpy(), ms))
            f = forms.iloc[order]
            form_ids = _strings(f["form_id"])
            return _Events(
                event_type=FORM_SUBMISSION_EVENT, ids=_strings(f["submission_id"]),
                object_ids=_strings(f["contact_id"]), occurred_ms=ms[order],
                properties={"hs_form_id": form_ids,
                            "hs_form_title": form_ids.map(FORM_NAMES).fillna(""),
                            "hs_url": _strings(f["page_url"]),
                            "hs_session_id": _strings(f["session_id"])},
            )

    @cached_property
    def _exchange_rates(self) -> list[dict]:
        rates = self.world.exchange_rates.reset_index(drop=True)
        effective = _iso(_epoch_ms(pd.to_datetime(rates["effective_at"].astype(str))))
        return [
            {"id": str(1_000_001 + i), "fromCurrencyCode": row.from_currency,
             "toCurrencyCode": row.to_currency, "conversionRate": float(row.rate),
             "effectiveAt": effective[i], "createdAt": effective[i], "updatedAt": effective[i],
             "visibleInUI": True}
            for i, row in enumerate(rates.itertuples(index=False))
        ]

    @cached_property
    def _users(self) -> list[dict]:
        users = self.world.users
        return [
            {"id": str(u.user_id), "email": str(u.email), "roleId": None,
             "primaryTeamId": None if pd.isna(u.primary_team_id) else str(u.primary_team_id),
             "secondaryTeamIds": [], "superAdmin": bool(u.super_admin)}
            for u in users.itertuples(index=False)
        ]

    @cached_property
    def _sparse_users(self) -> list[dict]:
        """Users with only the keys they have a value for: `roleIds` (a list) or the older
        `roleId`, `primaryTeamId`; no empty `secondaryTeamIds`."""
        out = []
        for u in self.world.users.to_dict("records"):
            record: dict[str, Any] = {"id": str(u["user_id"]), "email": str(u["email"])}
            role_ids = u.get("role_ids")
            if isinstance(role_ids, list) and role_ids:
                record["roleIds"] = [str(r) for r in role_ids]
            if isinstance(u.get("role_id"), str):
                record["roleId"] = u["role_id"]
            if isinstance(u.get("primary_team_id"), str):
                record["primaryTeamId"] = u["primary_team_id"]
            record["superAdmin"] = bool(u["super_admin"])
            out.append(record)
        return out

    @cached_property
    def _teams(self) -> list[dict]:
        users = self.world.users
        return [
            {"id": str(t.team_id), "name": str(t.name),
             "userIds": [str(u) for u, team in zip(users["user_id"], users["primary_team_id"],
                                                   strict=True) if team == t.team_id],
             "secondaryUserIds": []}
            for t in self.world.teams.itertuples(index=False)
        ]


def _filter_ms(value: Any) -> int:
    """A HubSpot time filter value: epoch milliseconds, or an ISO 8601 instant or date."""
    if value is None or value == "":
        raise ValueError("a time filter needs a value")
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is neither epoch milliseconds nor an ISO 8601 time") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return (stamp - _EPOCH) // dt.timedelta(milliseconds=1)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_access_config(world: World, path: str | Path, version: int = 1) -> Path:
    """Write the world's ad-account access partitions as the source's versioned config file.

    JSON unless the name ends in `.yml` / `.yaml`. Shape: `{"version": 1, "access": [{network,
    account_id, principal_type: user|team, principal_id}, ...]}`.
    """
    path = Path(path)
    entries = [
        {"network": str(r.network), "account_id": str(r.account_id),
         "principal_type": str(r.principal_type), "principal_id": str(r.principal_id)}
        for r in world.account_access.itertuples(index=False)
    ]
    document = {"version": version, "access": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        path.write_text(yaml.safe_dump(document, sort_keys=False))
    else:
        path.write_text(json.dumps(document, indent=2) + "\n")
    return path
