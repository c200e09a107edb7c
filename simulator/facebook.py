"""Simulated Facebook Marketing API (Graph): ad accounts, campaigns, ad sets, ads, insights, and
the leads of lead ads (an Ad's `leads` edge).

Shapes follow the Graph API: `{"data": [...], "paging": {"cursors": {...}, "next": ...}}` with
`next` absent on the last page; every count and money value is a string (`spend` in currency
units); errors are `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}` with
throttling as codes 4/17/613/80000-80014 on HTTP 400. As on the real API, edges and `level=ad`
insights leave out DELETED and ARCHIVED objects unless an `effective_status` filter asks for them.

Insights are served from one array index per restatement version: facebook rows sorted by
account, day and ad, so a request is two binary searches and a page of Python dicts.

Rendered sparsely (a sparse world, or a `sparse` fault), records leave out what Graph documents
as optional or unset, and a creative keeps its destination where its kind of ad does: in its
story spec's link or video call to action, in a dynamic creative's asset feed, in `object_url`,
or nowhere (an existing page post); see `_sparse_creative`.

A world with corrupt data (`corrupt.py`) has its duplicate ad-days come twice within their page of
insights, and the first page of an account's insights open with a row for the day before the
requested `time_range` and close with one for the day after it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import orjson
import pandas as pd

from simulator.corrupt import served_twice, stray_rows
from simulator.protocol import FaultRule, Host, Request, Response
from simulator.world import HSA_TAIL, ad_tracking, without

NETWORK = "facebook"
DEFAULT_LIMIT = 25
MAX_LIMIT = 5000

_PATH = re.compile(r"^/(v\d+\.\d+)/act_(\d+)(?:/(campaigns|adsets|ads|insights))?/?$")
_LEADS_PATH = re.compile(r"^/(v\d+\.\d+)/(\d+)/leads/?$")

# Effective statuses the simulator produces; the codes index a lookup table per request.
STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "CAMPAIGN_PAUSED", "ADSET_PAUSED")
_CODE = {s: i for i, s in enumerate(STATUSES)}
# What edges and insights return when the request does not filter on effective_status.
_DEFAULT_VISIBLE = frozenset(STATUSES) - {"DELETED", "ARCHIVED"}

INSIGHT_FIELDS = ("account_id", "account_currency", "campaign_id", "adset_id", "ad_id",
                  "date_start", "date_stop", "impressions", "clicks", "inline_link_clicks",
                  "spend", "actions")
ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "account_status",
                  "created_time")
DEFAULT_ACCOUNT_FIELDS = ("id", "account_id")
DEFAULT_EDGE_FIELDS = ("id",)
# A Lead's fields, and those Graph returns when a request names none.
LEAD_FIELDS = ("id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id",
               "campaign_name", "form_id", "field_data", "is_organic", "platform")
DEFAULT_LEAD_FIELDS = ("created_time", "id")
LEAD_TIME_OPERATORS = ("GREATER_THAN", "LESS_THAN")

# A field the API starts sending without notice (the `new_field` fault).
NEW_FIELDS = {
    "account": ("is_prepay_account", False),
    "campaigns": ("smart_promotion_type", "GUIDED_CREATION"),
    "adsets": ("is_dynamic_creative", False),
    "ads": ("preview_shareable_link", "https://fb.me/adspreview"),
    "insights": ("quality_ranking", "AVERAGE"),
    "leads": ("custom_disclaimer_responses", []),
}

_THROTTLE = {
    "insights": (80000, 2446079, "(#80000) There have been too many calls from this ad-account. "
                 "Wait a bit and try again."),
    "default": (17, 2446079, "(#17) User request limit reached"),
}


def graph_error(status: int, code: int, message: str, *, type_: str = "OAuthException",
                subcode: int | None = None, transient: bool = False,
                headers: dict[str, str] | None = None) -> Response:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    error["fbtrace_id"] = base64.b64encode(hashlib.sha1(message.encode()).digest()[:9]).decode()
    return Response(status, {"error": error}, headers or {})


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(base64.urlsafe_b64decode(padded.encode()).decode())


def money(cents: int) -> str:
    """Integer minor units as the API's decimal string: 1234 -> "12.34", -5 -> "-0.05"."""
    whole, frac = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{frac:02d}"


def decimal_count(centi: int) -> str:
    """Hundredths as a decimal string without trailing zeros: 250 -> "2.5", 300 -> "3"."""
    whole, frac = divmod(int(centi), 100)
    return str(whole) if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def parse_fields(text: str | None) -> dict[str, tuple[str, ...] | None]:
    """`id,name,creative{id,url_tags}` -> {"id": None, "name": None, "creative": ("id", ...)}."""
    out: dict[str, tuple[str, ...] | None] = {}
    if not text:
        return out
    depth, start = 0, 0
    parts = []
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if "{" in part and part.endswith("}"):
            name, inner = part.split("{", 1)
            out[name.strip()] = tuple(f.strip() for f in inner[:-1].split(",") if f.strip())
        else:
            out[part] = None
    return out


class ParamError(Exception):
    """A request the Graph API would refuse with error #100."""


def _filtering_rules(request: Request) -> list:
    """The request's `filtering` parameter as its list of rules (none without one)."""
    raw = request.arg("filtering")
    if not raw:
        return []
    try:
        rules = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ParamError("(#100) param filtering must be a JSON array") from None
    if not isinstance(rules, list):
        raise ParamError("(#100) param filtering must be an array")
    return rules


def _visible_statuses(request: Request, prefixes: tuple[str, ...]) -> frozenset[str]:
    """Effective statuses the request asks for, through `filtering` or `effective_status`."""
    allowed: frozenset[str] | None = None
    for rule in _filtering_rules(request):
        if not isinstance(rule, dict) or rule.get("field") not in prefixes:
            continue
        operator = str(rule.get("operator", "")).upper()
        values = rule.get("value")
        values = values if isinstance(values, list) else [values]
        chosen = frozenset(str(v).upper() for v in values)
        if operator == "IN":
            picked = chosen
        elif operator == "NOT_IN":
            picked = frozenset(STATUSES) - chosen
        elif operator == "EQUAL":
            picked = chosen
        else:
            raise ParamError(f"(#100) operator {operator} is not supported for "
                             f"{rule.get('field')}")
        allowed = picked if allowed is None else allowed & picked
    raw = request.arg("effective_status")
    if raw:
        try:
            values = orjson.loads(raw)
        except orjson.JSONDecodeError:
            values = raw.split(",")
        picked = frozenset(str(v).upper() for v in values)
        allowed = picked if allowed is None else allowed & picked
    return _DEFAULT_VISIBLE if allowed is None else allowed


@dataclass
class _InsightIndex:
    """Facebook ad-day rows sorted by (account, day, ad), as arrays."""

    bounds: dict[str, tuple[int, int]]
    day: np.ndarray
    date: np.ndarray
    account_id: np.ndarray
    campaign_id: np.ndarray
    adset_id: np.ndarray
    ad_id: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    link_clicks: np.ndarray
    spend_cents: np.ndarray
    engagements: np.ndarray
    likes: np.ndarray
    conversions_centi: np.ndarray
    status: dict[str, np.ndarray]  # "ad." / "adset." / "campaign." -> status code per row
    twice: np.ndarray | None = None  # per row, whether it comes twice (a corrupt world's)


class FacebookApi:
    """Serves `/{version}/act_<id>`, its `campaigns`, `adsets`, `ads` and `insights` edges, and
    `/{version}/<ad id>/leads`."""

    name = "facebook_ads"

    def __init__(self, server: Host) -> None:
        self.server = server
        self._lock = threading.RLock()
        self._entities: dict[bool, dict[str, Any]] = {}
        self._insights: tuple[int, _InsightIndex] | None = None
        self._lead_records: dict[str, list[dict]] | None = None

    # -- protocol ------------------------------------------------------------------------------
    def claims(self, path: str) -> bool:
        return _PATH.match(path) is not None or _LEADS_PATH.match(path) is not None

    def authorize(self, request: Request) -> Response | None:
        token = request.arg("access_token")
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        if token is None and scheme.lower() in ("bearer", "oauth") and value:
            token = value.strip()
        if not token:
            return graph_error(400, 104, "An access token is required to request this resource.")
        if token != self.server.tokens[self.name]:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        return None

    def fault(self, kind: str, rule: FaultRule) -> Response:
        if kind == "rate_limit":
            code, subcode, message = _THROTTLE["insights" if "insights" in rule.match
                                               else "default"]
            usage = orjson.dumps({"0": [{"type": "ads_insights", "call_count": 100,
                                         "total_cputime": 40, "total_time": 60,
                                         "estimated_time_to_regain_access": 1}]}).decode()
            return graph_error(400, code, message, subcode=subcode, transient=True,
                               headers={"Retry-After": f"{rule.retry_after:g}",
                                        "X-Business-Use-Case-Usage": usage})
        if kind == "server_error":
            return graph_error(500, 2, "An unexpected error has occurred. Please retry your "
                               "request later.", transient=True)
        if kind == "expired_token":
            now = dt.datetime.now(dt.UTC)
            return graph_error(
                400, 190, "Error validating access token: Session has expired on "
                f"{(now - dt.timedelta(hours=1)):%A, %d-%b-%y %H:%M:%S} PDT. The current time is "
                f"{now:%A, %d-%b-%y %H:%M:%S} PDT.", subcode=463)
        return graph_error(500, 1, f"An unknown error occurred ({kind})", transient=True)

    def handle(self, request: Request) -> Response:
        if leads := _LEADS_PATH.match(request.path):
            return self._leads(request, leads.group(2))
        match = _PATH.match(request.path)
        assert match is not None
        _, account_id, edge = match.groups()
        sparse = self.server.sparse(self.name)
        entities = self._entity_index(sparse)
        if account_id not in entities["accounts"]:
            return graph_error(
                400, 100, f"Unsupported get request. Object with ID 'act_{account_id}' does not "
                "exist, cannot be loaded due to missing permissions, or does not support this "
                "operation.", type_="GraphMethodException", subcode=33)
        if request.method != "GET":
            return graph_error(400, 100, f"(#100) Unsupported {request.method} request.")
        try:
            if edge is None:
                return self._account(request, account_id)
            if edge == "insights":
                return self._insights_page(request, account_id, sparse)
            return self._edge(request, account_id, edge, sparse)
        except ParamError as exc:
            return graph_error(400, 100, str(exc), type_="OAuthException")

    # -- account node and entity edges ---------------------------------------------------------
    def _account(self, request: Request, account_id: str) -> Response:
        record = self._entity_index(self.server.world.sparse)["accounts"][account_id]
        fields = parse_fields(request.arg("fields")) or dict.fromkeys(DEFAULT_ACCOUNT_FIELDS)
        body = _select(record, fields, "AdAccount")
        self._maybe_new_field(body, "account")
        return Response(200, body)

    def _edge(self, request: Request, account_id: str, edge: str, sparse: bool) -> Response:
        records, statuses = self._entity_index(sparse)[edge][account_id]
        singular = {"campaigns": "campaign", "adsets": "adset", "ads": "ad"}[edge]
        visible = _visible_statuses(request, ("effective_status", f"{singular}.effective_status"))
        keep = [i for i, s in enumerate(statuses) if s in visible]
        fields = parse_fields(request.arg("fields")) or dict.fromkeys(DEFAULT_EDGE_FIELDS)
        node = {"campaigns": "Campaign", "adsets": "AdSet", "ads": "Ad"}[edge]
        offset, limit = self._paging(request)
        optional = _SPARSE_OPTIONAL if sparse else _OPTIONAL
        page = [_select(records[i], fields, node, optional) for i in keep[offset:offset + limit]]
        for record in page:
            self._maybe_new_field(record, edge)
        return Response(200, self._envelope(request, page, offset, limit, len(keep)))

    # -- leads ---------------------------------------------------------------------------------
    def _leads(self, request: Request, ad_id: str) -> Response:
        """`GET /{version}/{ad_id}/leads`: the leads of one ad, newest first.

        Query: `fields` (of `LEAD_FIELDS`; default `created_time,id`), `limit` (default 25, at
        most 5000), `after` (a cursor), `filtering=[{"field": "time_created", "operator":
        "GREATER_THAN" | "LESS_THAN", "value": <unix seconds>}]` (strictly after / before; both
        may be given). Answer: `{"data": [lead, ...], "paging": {"cursors": {"before", "after"},
        "next"?, "previous"?}}`, `{"data": []}` for an ad without leads (in the filter's range).
        A lead has only the fields asked for: `id` and `form_id` (numeric strings),
        `created_time` (`2026-11-02T10:11:12+0000`), `ad_id`, `adset_id`, `campaign_id` and
        their `*_name`, `field_data` (`[{"name": "email", "values": ["a@b.org"]}, {"name":
        "full_name", "values": ["..."]}]`), `is_organic` (false) and `platform` ("fb" or
        "ig"). An id that is no ad is Graph's error #100 (subcode 33)."""
        if ad_id not in self._entity_index(self.server.world.sparse)["effective"]["ad."]:
            return graph_error(
                400, 100, f"Unsupported get request. Object with ID '{ad_id}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this "
                "operation.", type_="GraphMethodException", subcode=33)
        if request.method != "GET":
            return graph_error(400, 100, f"(#100) Unsupported {request.method} request.")
        try:
            after, before = _lead_time_filter(request)
            fields = parse_fields(request.arg("fields")) or dict.fromkeys(DEFAULT_LEAD_FIELDS)
            records = [r for r in self._leads_by_ad().get(ad_id, [])
                       if after < r["_created"] < before]
            offset, limit = self._paging(request)
            page = [_select(r, fields, "Lead") for r in records[offset:offset + limit]]
        except ParamError as exc:
            return graph_error(400, 100, str(exc), type_="OAuthException")
        for record in page:
            self._maybe_new_field(record, "leads")
        return Response(200, self._envelope(request, page, offset, limit, len(records)))

    def _leads_by_ad(self) -> dict[str, list[dict]]:
        """Each Facebook ad's leads, newest first, every field rendered (`_created`: unix
        seconds, for the time filter)."""
        with self._lock:
            if self._lead_records is None:
                self._lead_records = _build_leads(self.server.world)
            return self._lead_records

    # -- insights ------------------------------------------------------------------------------
    def _insights_page(self, request: Request, account_id: str, sparse: bool) -> Response:
        level = request.arg("level", "ad")
        if level != "ad":
            raise ParamError(f"(#100) the simulator serves level=ad only, not level={level}")
        if request.arg("time_increment", "all_days") != "1":
            raise ParamError("(#100) the simulator serves time_increment=1 only")
        fields = parse_fields(request.arg("fields")) or dict.fromkeys(("spend",))
        unknown = [f for f in fields if f not in INSIGHT_FIELDS]
        if unknown:
            raise ParamError(f"(#100) {unknown[0]} is not valid for fields param. Allowed: "
                             + ", ".join(INSIGHT_FIELDS))
        since, until = self._time_range(request)
        index = self._insight_index()
        lo, hi = index.bounds.get(account_id, (0, 0))
        first_day = self.server.world.start_date
        day_lo = (since - first_day).days
        day_hi = (until - first_day).days
        days = index.day[lo:hi]
        a = lo + int(np.searchsorted(days, day_lo, side="left"))
        b = lo + int(np.searchsorted(days, day_hi, side="right"))
        rows = np.flatnonzero(_status_mask(request, index, a, b)) + a
        offset, limit = self._paging(request)
        chosen = rows[offset:offset + limit]
        currency = self._entity_index(self.server.world.sparse)["accounts"][account_id]["currency"]
        shown = chosen if index.twice is None else np.repeat(chosen, 1 + index.twice[chosen])
        page = self._insight_rows(index, shown, fields, currency, sparse)
        if offset == 0 and len(rows):
            page = self._with_strays(request, page, account_id, since, until, fields, currency,
                                     sparse)
        paging = self._paging_links(request, offset, len(chosen), len(rows))
        body = '{"data":[' + ",".join(page) + "]"
        if paging is not None:
            body += ',"paging":' + orjson.dumps(paging).decode()
        return Response(200, (body + "}").encode())

    def _with_strays(self, request: Request, page: list[str], account_id: str, since: dt.date,
                     until: dt.date, fields: dict, currency: str, sparse: bool) -> list[str]:
        """`page` between the rows from the days around the window (a corrupt world's), those
        the request's status filters show."""
        strays = stray_rows(self.server.world, account_id, since, until)
        if strays is None:
            return page
        index = _insight_index(strays, self._entity_index(self.server.world.sparse)["effective"])
        shown = np.flatnonzero(_status_mask(request, index, 0, len(strays)))
        before, after = [], []
        for k, text in zip(shown, self._insight_rows(index, shown, fields, currency, sparse),
                           strict=True):
            (before if strays["date"].iloc[k] < since.isoformat() else after).append(text)
        return before + page + after

    def _insight_rows(self, index: _InsightIndex, chosen: np.ndarray, fields: dict,
                      currency: str, sparse: bool = False) -> list[str]:
        """One page of rows as JSON text, built column by column: this is the hot path of a
        large backfill, and the simulator must not be what a benchmark measures. Sparse rows
        leave out clicks that are zero (Graph does; spend and impressions always come)."""
        n = len(chosen)
        parts: list[list[str]] = []
        for name in fields:
            if name == "account_currency":
                parts.append([f'"{name}":"{currency}"'] * n)
            elif name in _ID_COLUMNS:
                values = getattr(index, _ID_COLUMNS[name])[chosen].tolist()
                parts.append([f'"{name}":"{v}"' for v in values])
            elif name in _COUNT_COLUMNS:
                values = getattr(index, _COUNT_COLUMNS[name])[chosen].tolist()
                if sparse and name in _LEFT_OUT_WHEN_ZERO:
                    parts.append([f'"{name}":"{v}"' if v else "" for v in values])
                else:
                    parts.append([f'"{name}":"{v}"' for v in values])
            elif name == "spend":
                values = index.spend_cents[chosen].tolist()
                parts.append([f'"spend":"{money(c)}"' for c in values])
            elif name == "actions":
                parts.append(_actions_json(index, chosen))
        dates = index.date[chosen].tolist()
        parts.append([f'"date_start":"{d}","date_stop":"{d}"' for d in dates])
        if self.server.faults.active(self.name, "new_field"):
            key, value = NEW_FIELDS["insights"]
            parts.append([f'"{key}":{orjson.dumps(value).decode()}'] * n)
        return ["{" + ",".join(filter(None, row)) + "}" for row in zip(*parts, strict=True)]

    def _time_range(self, request: Request) -> tuple[dt.date, dt.date]:
        raw = request.arg("time_range")
        world = self.server.world
        if not raw:
            return world.end_date - dt.timedelta(days=29), world.end_date
        try:
            spec = orjson.loads(raw)
            since = dt.date.fromisoformat(spec["since"])
            until = dt.date.fromisoformat(spec["until"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise ParamError("(#100) param time_range must be an object with since and until "
                             "as YYYY-MM-DD") from None
        if since > until:
            raise ParamError("(#100) time_range since must be on or before until")
        return since, until

    # -- paging --------------------------------------------------------------------------------
    def _paging(self, request: Request) -> tuple[int, int]:
        try:
            limit = int(request.arg("limit", str(DEFAULT_LIMIT)) or DEFAULT_LIMIT)
            after = request.arg("after")
            offset = _offset(after) + 1 if after else 0
        except ValueError:
            raise ParamError("(#100) invalid paging parameters (limit / after)") from None
        if limit < 1:
            raise ParamError("(#100) limit must be a positive integer")
        return offset, min(limit, MAX_LIMIT)

    def _envelope(self, request: Request, page: list, offset: int, limit: int,
                  total: int) -> dict:
        body: dict[str, Any] = {"data": page}
        paging = self._paging_links(request, offset, len(page), total)
        if paging is not None:
            body["paging"] = paging
        return body

    def _paging_links(self, request: Request, offset: int, count: int,
                      total: int) -> dict | None:
        """Cursors and links of a page of `count` of `total` rows from `offset` (None for an
        empty page)."""
        if not count:
            return None
        last = offset + count - 1
        paging: dict[str, Any] = {"cursors": {"before": _cursor(offset), "after": _cursor(last)}}
        if last + 1 < total:
            query = {k: v[0] for k, v in request.query.items() if k not in ("after", "before")}
            query["after"] = _cursor(last)
            paging["next"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        if offset > 0:
            query = {k: v[0] for k, v in request.query.items() if k not in ("after", "before")}
            query["before"] = _cursor(offset)
            paging["previous"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return paging

    def _maybe_new_field(self, record: dict, kind: str) -> None:
        if self.server.faults.active(self.name, "new_field"):
            key, value = NEW_FIELDS[kind]
            record[key] = value

    # -- indexes -------------------------------------------------------------------------------
    def warm(self) -> None:
        """Build the indexes now rather than on the first request."""
        self._insight_index()  # (it indexes the world's own rendering's records too)
        self._leads_by_ad()

    def _entity_index(self, sparse: bool = False) -> dict[str, Any]:
        """The records of one rendering; accounts and effective statuses are the same in
        both, so those are read from the world's own rendering's index."""
        with self._lock:
            if sparse not in self._entities:
                self._entities[sparse] = _build_entities(self.server.world, sparse)
            return self._entities[sparse]

    def _insight_index(self) -> _InsightIndex:
        world = self.server.world
        version = world.restatement_version
        with self._lock:
            if self._insights is None or self._insights[0] != version:
                effective = self._entity_index(self.server.world.sparse)["effective"]
                self._insights = (version, _build_insights(world, effective))
            return self._insights[1]


def _lead_time_filter(request: Request) -> tuple[float, float]:
    """The open range of unix seconds a leads request's `filtering` asks for (unbounded
    without one)."""
    after, before = float("-inf"), float("inf")
    for rule in _filtering_rules(request):
        if not isinstance(rule, dict) or rule.get("field") != "time_created":
            field = rule.get("field") if isinstance(rule, dict) else rule
            raise ParamError(f"(#100) Filtering field {field} is invalid. Lead filtering supports "
                             "time_created")
        operator = str(rule.get("operator", "")).upper()
        if operator not in LEAD_TIME_OPERATORS:
            raise ParamError(f"(#100) operator {operator} is not supported for time_created; "
                             f"use one of {', '.join(LEAD_TIME_OPERATORS)}")
        try:
            value = int(rule.get("value"))
        except (TypeError, ValueError):
            raise ParamError("(#100) time_created takes a unix timestamp in seconds") from None
        if operator == "GREATER_THAN":
            after = max(after, value)
        else:
            before = min(before, value)
    return after, before


def _build_leads(world) -> dict[str, list[dict]]:
    """Each Facebook ad's leads, newest first, with every field of `LEAD_FIELDS`."""
    leads = world.leads[world.leads["network"] == NETWORK]
    created = pd.DatetimeIndex(leads["created_at"]).as_unit("s").asi8
    order = np.lexsort((leads["lead_id"].astype("int64").to_numpy(), created))[::-1]
    leads, seconds = leads.iloc[order], created[order]
    names = {level: frame.set_index(key)["name"].to_dict() for level, frame, key in (
        ("campaign", world.campaigns, "campaign_id"), ("adset", world.ad_groups, "ad_group_id"),
        ("ad", world.ads, "ad_id"))}
    out: dict[str, list[dict]] = {}
    for k, lead in enumerate(leads.itertuples(index=False)):
        moment = dt.datetime.fromtimestamp(int(seconds[k]), dt.UTC)
        out.setdefault(lead.ad_id, []).append({
            "_created": int(seconds[k]),
            "id": lead.lead_id, "created_time": moment.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "ad_id": lead.ad_id, "ad_name": names["ad"][lead.ad_id],
            "adset_id": lead.ad_group_id, "adset_name": names["adset"][lead.ad_group_id],
            "campaign_id": lead.campaign_id, "campaign_name": names["campaign"][lead.campaign_id],
            "form_id": lead.form_id,
            "field_data": [{"name": "email", "values": [lead.email]},
                           {"name": "full_name",
                            "values": [f"{lead.first_name} {lead.last_name}"]}],
            "is_organic": False,
            # Instagram placements of the same ad collect leads too.
            "platform": "ig" if int(lead.lead_id) % 3 == 0 else "fb",
        })
    return out


def _status_mask(request: Request, index: _InsightIndex, a: int, b: int) -> np.ndarray:
    """Which of `index`'s rows a..b the request's status filters show: deleted and archived
    ads drop out of level=ad unless the filter names them."""
    mask = np.ones(b - a, dtype=bool)
    for prefix, codes in index.status.items():
        visible = _visible_statuses(request, (prefix + "effective_status",))
        if prefix != "ad." and visible == _DEFAULT_VISIBLE:
            continue
        lut = np.array([s in visible for s in STATUSES])
        mask &= lut[codes[a:b]]
    return mask


# Fields the API leaves out of a record when they are unset rather than sending null.
_OPTIONAL = frozenset({"stop_time", "daily_budget", "lifetime_budget"})
# ... and those a sparse rendering leaves out too: a campaign without a start time or with its
# status only in `status`, an ad set on its campaign's budget, its goal or billing by default.
_SPARSE_OPTIONAL = _OPTIONAL | {"start_time", "configured_status", "optimization_goal",
                                "billing_event"}
# Insight counts a sparse rendering leaves out when they are zero.
_LEFT_OUT_WHEN_ZERO = frozenset({"clicks", "inline_link_clicks"})


def _select(record: dict, fields: dict[str, tuple[str, ...] | None], node: str,
            optional: frozenset[str] = _OPTIONAL) -> dict:
    """The requested fields of `record`; a documented field the record lacks is left out when
    it is `optional` (unset), and refused like Graph refuses a field the node does not have."""
    out: dict[str, Any] = {}
    for name, sub in fields.items():
        if name not in record:
            if name in optional:
                continue
            raise ParamError(f"(#100) Tried accessing nonexisting field ({name}) on node type "
                             f"({node})")
        value = record[name]
        if sub is not None and isinstance(value, dict):
            value = {k: value[k] for k in ("id", *sub) if k in value}
        out[name] = value
    return out


_ID_COLUMNS = {"account_id": "account_id", "campaign_id": "campaign_id",
               "adset_id": "adset_id", "ad_id": "ad_id"}
_COUNT_COLUMNS = {"impressions": "impressions", "clicks": "clicks",
                  "inline_link_clicks": "link_clicks"}
_ACTION_COLUMNS = (("link_click", "link_clicks"), ("post_engagement", "engagements"),
                   ("like", "likes"))


def _actions_json(index: _InsightIndex, chosen: np.ndarray) -> list[str]:
    """`"actions":[...]` per row, or "" where nothing happened (the API leaves it out)."""
    columns = []
    for kind, column in _ACTION_COLUMNS:
        values = getattr(index, column)[chosen].tolist()
        columns.append([f'{{"action_type":"{kind}","value":"{v}"}}' if v else "" for v in values])
    leads = index.conversions_centi[chosen].tolist()
    columns.append([f'{{"action_type":"lead","value":"{decimal_count(c)}"}}' if c else ""
                    for c in leads])
    out = []
    for row in zip(*columns, strict=True):
        actions = ",".join(filter(None, row))
        out.append(f'"actions":[{actions}]' if actions else "")
    return out


def _timestamp(day: dt.date, seconds: int) -> str:
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _tracking(row) -> str:
    """HubSpot's tracking parameters of a tracked ad, as a creative's `url_tags` holds them."""
    return ad_tracking(row) + HSA_TAIL[NETWORK]


# Where a sparse creative keeps its destination, by the ad's position (see `_sparse_creative`).
CREATIVE_HOMES = ("link_data", "video_data", "asset_feed_spec", "object_url", "page_post")


def _sparse_creative(k: int, row, creative_id: str) -> dict[str, Any]:
    """A creative as Graph returns the kind of ad it belongs to: never `link_url` (that is a
    Page tab's URL), the destination (`final_url`, nothing appended) in one home of
    `CREATIVE_HOMES`, and a tracked ad's parameters in `url_tags`, except for an asset feed,
    which keeps them in its link's own `url_tags`. Some creatives have no name."""
    creative: dict[str, Any] = {"id": creative_id}
    if k % 3 != 2:
        creative["name"] = f"{row.name} creative"
    tags = _tracking(row) if row.is_tracked else None
    url = row.final_url
    page = str(104_880_000_000_000 + int(row.account_id) % 1_000_000)
    home = CREATIVE_HOMES[k % len(CREATIVE_HOMES)]
    if home == "link_data":
        creative["object_story_spec"] = {"page_id": page, "link_data": {"link": url}}
    elif home == "video_data":
        creative["object_story_spec"] = {"page_id": page, "video_data": {
            "video_id": str(1_200_000_000_000_000 + int(row.ad_id) % 10**12),
            "call_to_action": {"type": "LEARN_MORE", "value": {"link": url}}}}
    elif home == "asset_feed_spec":
        link = {"website_url": url, "display_url": urlsplit(url).netloc}
        if tags:
            link["url_tags"] = tags
        creative["asset_feed_spec"] = {"link_urls": [link]}
        tags = None
    elif home == "object_url":
        creative["object_url"] = url
    else:
        creative["effective_object_story_id"] = (
            f"{page}_{122_100_000_000_000_000 + int(row.ad_id) % 10**12}")
    if tags:
        creative["url_tags"] = tags
    return creative


def _build_entities(world, sparse: bool = False) -> dict[str, Any]:
    """Every account's records, rendered once with all fields (sparse: without the optional
    ones, see `_SPARSE_OPTIONAL`), plus effective statuses."""
    first = world.start_date
    accounts = world.accounts[world.accounts["network"] == NETWORK]
    campaigns = world.campaigns[world.campaigns["network"] == NETWORK]
    groups = world.ad_groups[world.ad_groups["network"] == NETWORK]
    ads = world.ads[world.ads["network"] == NETWORK]

    acc_records = {}
    for k, acc in enumerate(accounts.itertuples(index=False)):
        acc_records[acc.account_id] = {
            "id": f"act_{acc.account_id}", "account_id": acc.account_id, "name": acc.name,
            "currency": acc.currency, "timezone_name": acc.time_zone, "account_status": 1,
            "created_time": _timestamp(first - dt.timedelta(days=400 + 17 * k), 36_000 + 97 * k),
        }

    cam_status = dict(zip(campaigns["campaign_id"], campaigns["raw_status"], strict=True))
    grp_raw = dict(zip(groups["ad_group_id"], groups["raw_status"], strict=True))
    grp_campaign = dict(zip(groups["ad_group_id"], groups["campaign_id"], strict=True))

    def effective(own: str, *parents: tuple[str, str]) -> str:
        if own in ("DELETED", "ARCHIVED"):
            return own
        for parent_status, paused_as in parents:
            if parent_status in ("DELETED", "ARCHIVED"):
                return parent_status
            if parent_status == "PAUSED":
                return paused_as
        return own

    eff_campaign = dict(cam_status)
    eff_group = {g: effective(s, (cam_status[grp_campaign[g]], "CAMPAIGN_PAUSED"))
                 for g, s in grp_raw.items()}
    eff_ad = {}
    for ad in ads.itertuples(index=False):
        eff_ad[ad.ad_id] = effective(ad.raw_status,
                                     (cam_status[ad.campaign_id], "CAMPAIGN_PAUSED"),
                                     (grp_raw[ad.ad_group_id], "ADSET_PAUSED"))

    def per_account(frame: pd.DataFrame, render, eff: dict[str, str], key: str) -> dict:
        out: dict[str, tuple[list[dict], list[str]]] = {a: ([], []) for a in acc_records}
        for k, row in enumerate(frame.itertuples(index=False)):
            records, statuses = out[row.account_id]
            records.append(render(k, row))
            statuses.append(eff[getattr(row, key)])
        return out

    def times(k: int, base: int) -> dict[str, str]:
        created = first - dt.timedelta(days=base + k % 30)
        return {"created_time": _timestamp(created, 32_400 + 61 * k),
                "updated_time": _timestamp(created + dt.timedelta(days=3 + k % 11),
                                           43_200 + 53 * k)}

    def campaign(k: int, row) -> dict:
        record = {"id": row.campaign_id, "account_id": row.account_id, "name": row.name,
                  "objective": row.campaign_type, "status": row.raw_status,
                  "configured_status": row.raw_status, "effective_status": eff_campaign[
                      row.campaign_id], "buying_type": "AUCTION",
                  "start_time": _timestamp(first - dt.timedelta(days=k % 30), 0),
                  **times(k, 60)}
        if sparse:
            record = without(record, *(["start_time"] if k % 2 else []),
                             *(["configured_status"] if k % 3 == 2 else []))
        return record

    def ad_set(k: int, row) -> dict:
        record = {"id": row.ad_group_id, "account_id": row.account_id,
                  "campaign_id": row.campaign_id, "name": row.name, "status": row.raw_status,
                  "configured_status": row.raw_status, "effective_status": eff_group[
                      row.ad_group_id], "optimization_goal": "LINK_CLICKS",
                  "billing_event": "IMPRESSIONS", "daily_budget": str(2_000 + 500 * (k % 7)),
                  "start_time": _timestamp(first - dt.timedelta(days=k % 30), 0),
                  **times(k, 50)}
        if sparse:
            record = without(record, *(["daily_budget"] if k % 2 == 0 else []),
                             *(["optimization_goal", "billing_event"] if k % 3 == 1 else []),
                             *(["start_time"] if k % 4 == 3 else []))
        return record

    def ad(k: int, row) -> dict:
        creative_id = str(int(row.ad_id) - 120_212_000_000_000_000 + 120_213_000_000_000_000)
        if sparse:
            creative = _sparse_creative(k, row, creative_id)
        else:
            creative = {"id": creative_id, "name": f"{row.name} creative",
                        "link_url": row.final_url, "object_url": row.final_url}
            if row.is_tracked:
                creative["url_tags"] = _tracking(row)
        record = {"id": row.ad_id, "account_id": row.account_id, "campaign_id": row.campaign_id,
                  "adset_id": row.ad_group_id, "name": row.name, "status": row.raw_status,
                  "configured_status": row.raw_status, "effective_status": eff_ad[row.ad_id],
                  "creative": creative, **times(k, 40)}
        return record

    return {
        "accounts": acc_records,
        "campaigns": per_account(campaigns, campaign, eff_campaign, "campaign_id"),
        "adsets": per_account(groups, ad_set, eff_group, "ad_group_id"),
        "ads": per_account(ads, ad, eff_ad, "ad_id"),
        "effective": {"campaign.": eff_campaign, "adset.": eff_group, "ad.": eff_ad},
    }


def _build_insights(world, effective: dict[str, dict[str, str]]) -> _InsightIndex:
    daily = world.ad_daily()
    fb = daily[daily["network"].to_numpy() == NETWORK]
    fb = fb.sort_values(["account_id", "day_index", "ad_id"], kind="stable")
    return _insight_index(fb, effective, served_twice(world, fb))


def _insight_index(fb: pd.DataFrame, effective: dict[str, dict[str, str]],
                   twice: np.ndarray | None = None) -> _InsightIndex:
    """Facebook ad-days (in `World.ad_daily()`'s columns, sorted by account) as arrays."""
    accounts = fb["account_id"].to_numpy()
    bounds: dict[str, tuple[int, int]] = {}
    if len(accounts):
        change = np.flatnonzero(accounts[1:] != accounts[:-1]) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(accounts)]])
        bounds = {str(accounts[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}

    def codes(column: str, mapping: dict[str, str]) -> np.ndarray:
        lookup = pd.Series({k: _CODE[v] for k, v in mapping.items()}, dtype="int8")
        return fb[column].map(lookup).fillna(_CODE["ACTIVE"]).to_numpy(dtype=np.int8)

    return _InsightIndex(
        bounds=bounds,
        day=fb["day_index"].to_numpy(dtype=np.int64),
        date=fb["date"].to_numpy(dtype=object),
        account_id=accounts.astype(object),
        campaign_id=fb["campaign_id"].to_numpy(dtype=object),
        adset_id=fb["ad_group_id"].to_numpy(dtype=object),
        ad_id=fb["ad_id"].to_numpy(dtype=object),
        impressions=fb["impressions"].to_numpy(),
        clicks=fb["clicks"].to_numpy(),
        link_clicks=fb["link_clicks"].to_numpy(),
        spend_cents=fb["spend_cents"].to_numpy(),
        engagements=fb["engagements"].to_numpy(),
        likes=fb["likes"].to_numpy(),
        conversions_centi=fb["conversions_centi"].to_numpy(),
        status={"ad.": codes("ad_id", effective["ad."]),
                "adset.": codes("ad_group_id", effective["adset."]),
                "campaign.": codes("campaign_id", effective["campaign."])},
        twice=twice,
    )
