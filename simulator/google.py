"""The Google Ads API (REST) as the simulator serves it: `googleAds:search` with GAQL.

Shapes follow Google's reference: `POST /{version}/customers/{customer_id}/googleAds:search` with
`{"query": GAQL, "pageToken": ...}` answers `{"results", "nextPageToken", "fieldMask"}`; rows are
nested by resource with camelCase names, always carry the resources' `resourceName`, hold int64
values (ids, impressions, clicks, micros) as JSON strings and doubles as numbers. A page holds
10,000 rows (clients cannot choose; tests lower `page_size` on the instance) and the last page has
no `nextPageToken`. Errors are `google.rpc.Status` bodies with a `GoogleAdsFailure` in `details`.

The GAQL subset understood: `SELECT fields FROM resource [WHERE cond AND ...]
[ORDER BY f [ASC|DESC], ...] [LIMIT n]`, conditions `=`, `!=`, `<`, `<=`, `>`, `>=`, `IN (...)`,
`NOT IN (...)`, `BETWEEN a AND b`. Resources: customer, campaign, ad_group, ad_group_ad,
ad_group_criterion, keyword_view; metrics come from ad_group_ad and keyword_view, per day with
`segments.date`.

Rendered sparsely (a sparse world, or a `sparse` fault) the API does what proto3 JSON allows and
real accounts show: unset optional fields and empty results are left out (no `results` key),
metrics that are zero are left out (impressions and cost always come), responsive search ads
have no name, some keywords inherit their ad group's bid and have no position estimates, and
some tracked campaigns keep HubSpot's tracking only on their ads (see `_build_dimensions`).

A world with corrupt data (`corrupt.py`) has its duplicate ad-days come twice within their page of
`ad_group_ad` rows by `segments.date`, and such a report of a customer open with a row for the
day before the requested date range and close with one for the day after it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.corrupt import served_twice, stray_rows
from simulator.jsonrows import records, rows_json
from simulator.protocol import FaultRule, Host, Request, Response
from simulator.world import sparse_pick

PAGE_SIZE = 10_000
DEFAULT_VERSION = "v21"

_PATH = re.compile(r"^/(?P<version>v\d+)/customers/(?P<customer>[^/]+)/googleAds:search$")
_CLAIM = re.compile(r"^/v\d+/customers[/:]")

# The unexpected field the `new_field` fault adds to every row's main resource.
NEW_FIELD = ("primaryStatus", "ELIGIBLE")

# Which id column in a row frame identifies each resource.
ENTITY_KEY = {
    "customer": "account_id",
    "campaign": "campaign_id",
    "ad_group": "ad_group_id",
    "ad_group_ad": "ad_id",
    "ad_group_criterion": "criterion_id",
    "keyword_view": "criterion_id",
}

# Resources in FROM, with the resources whose fields may be selected beside them and whether
# they serve metrics (ad_group_ad and keyword_view do, per ad and per keyword).
RESOURCES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "customer": (("customer",), None),
    "campaign": (("campaign", "customer"), None),
    "ad_group": (("ad_group", "campaign", "customer"), None),
    "ad_group_ad": (("ad_group_ad", "ad_group", "campaign", "customer"), "ads"),
    "ad_group_criterion": (("ad_group_criterion", "ad_group", "campaign", "customer"), None),
    "keyword_view": (("keyword_view", "ad_group_criterion", "ad_group", "campaign", "customer"),
                     "keywords"),
}

INT64 = "int64"
DOUBLE = "double"
STRING = "string"
BOOL = "bool"
LIST = "list"

# Attribute fields per resource: sub-path (as in GAQL after `resource.`) -> JSON kind.
ATTRIBUTES: dict[str, dict[str, str]] = {
    "customer": {"resource_name": STRING, "id": INT64, "descriptive_name": STRING,
                 "currency_code": STRING, "time_zone": STRING, "manager": BOOL,
                 "status": STRING, "auto_tagging_enabled": BOOL},
    "campaign": {"resource_name": STRING, "id": INT64, "name": STRING, "status": STRING,
                 "advertising_channel_type": STRING, "tracking_url_template": STRING,
                 "final_url_suffix": STRING},
    "ad_group": {"resource_name": STRING, "id": INT64, "name": STRING, "status": STRING,
                 "type": STRING, "campaign": STRING},
    "ad_group_ad": {"resource_name": STRING, "ad.id": INT64, "ad.name": STRING,
                    "ad.type": STRING, "ad.final_urls": LIST, "ad.tracking_url_template": STRING,
                    "ad.final_url_suffix": STRING, "status": STRING, "ad_group": STRING},
    "ad_group_criterion": {
        "resource_name": STRING, "criterion_id": INT64, "type": STRING, "negative": BOOL,
        "keyword.text": STRING, "keyword.match_type": STRING, "status": STRING,
        "cpc_bid_micros": INT64, "effective_cpc_bid_micros": INT64,
        "position_estimates.first_page_cpc_micros": INT64,
        "position_estimates.top_of_page_cpc_micros": INT64,
        "position_estimates.first_position_cpc_micros": INT64, "ad_group": STRING},
    "keyword_view": {"resource_name": STRING},
}

# Metrics: name -> (kind, where they exist). Impression shares are keyword-level only here.
METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "impressions": (INT64, ("ads", "keywords")),
    "clicks": (INT64, ("ads", "keywords")),
    "cost_micros": (INT64, ("ads", "keywords")),
    "conversions": (DOUBLE, ("ads", "keywords")),
    "interactions": (INT64, ("ads", "keywords")),
    "search_top_impression_share": (DOUBLE, ("keywords",)),
    "search_absolute_top_impression_share": (DOUBLE, ("keywords",)),
}
_SHARES = ("search_top_impression_share", "search_absolute_top_impression_share")
# Metrics a sparse rendering leaves out when zero, and the keywords whose rows come without
# impression shares (about one in `_NO_SHARE_EVERY`, chosen by criterion id).
_LEFT_OUT_WHEN_ZERO = frozenset({"clicks", "conversions", "interactions"})
_NO_SHARE_EVERY, _NO_SHARE_SALT = 4, 21

# An id that is also a column of every row frame that holds the resource: no lookup needed.
_DIRECT = {"customer.id": "account_id", "campaign.id": "campaign_id", "ad_group.id": "ad_group_id",
           "ad_group_ad.ad.id": "ad_id", "ad_group_criterion.criterion_id": "criterion_id",
           "segments.date": "date"}

AD_GROUP_TYPE = {"SEARCH": "SEARCH_STANDARD", "DISPLAY": "DISPLAY_STANDARD",
                 "VIDEO": "VIDEO_TRUE_VIEW_IN_STREAM"}
AD_TYPE = {"SEARCH": "RESPONSIVE_SEARCH_AD", "DISPLAY": "RESPONSIVE_DISPLAY_AD",
           "VIDEO": "VIDEO_RESPONSIVE_AD"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Field:
    name: str  # as in GAQL: ad_group_ad.ad.final_urls
    entity: str  # the resource, or "metrics" / "segments"
    column: str  # column in the dimension table or the row frame
    kind: str

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(camel(part) for part in self.name.split("."))


def _registry() -> dict[str, Field]:
    fields = {}
    for entity, attributes in ATTRIBUTES.items():
        for sub, kind in attributes.items():
            name = f"{entity}.{sub}"
            fields[name] = Field(name, entity, sub, kind)
    for metric, (kind, _) in METRICS.items():
        fields[f"metrics.{metric}"] = Field(f"metrics.{metric}", "metrics", metric, kind)
    fields["segments.date"] = Field("segments.date", "segments", "date", STRING)
    return fields


FIELDS = _registry()


# ---------------------------------------------------------------------------------------------
# GAQL
# ---------------------------------------------------------------------------------------------

class QueryError(Exception):
    """A GAQL the API rejects: `code` is the QueryError enum value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # = != < <= > >= IN NOT_IN BETWEEN
    value: Any  # str, or a tuple of str for IN / BETWEEN


@dataclass(frozen=True)
class Query:
    select: tuple[str, ...]
    resource: str
    where: tuple[Condition, ...]
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    limit: int | None


_CLAUSES = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<resource>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\S+))?(?:\s+PARAMETERS\s+(?P<parameters>.+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_VALUE = r"(?:'[^']*'|\"[^\"]*\"|[^\s()',]+)"
_CONDITION = re.compile(
    r"\s*(?P<field>[a-z_][a-z0-9_.]*)\s+(?:"
    rf"(?P<between>BETWEEN)\s+(?P<lo>{_VALUE})\s+AND\s+(?P<hi>{_VALUE})"
    rf"|(?P<listop>NOT\s+IN|IN)\s*\((?P<items>[^)]*)\)"
    rf"|(?P<op>!=|>=|<=|=|>|<)\s*(?P<value>{_VALUE})"
    r"|(?P<other>[A-Z_]+(?:\s+[A-Z_]+)?)\s+)",
    re.IGNORECASE,
)
_AND = re.compile(r"\s+AND\s+|\s*$", re.IGNORECASE)


def _literal(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    return token


def parse_gaql(text: str) -> Query:
    match = _CLAUSES.match(text or "")
    if match is None:
        if not re.match(r"^\s*SELECT\b", text or "", re.IGNORECASE):
            raise QueryError("EXPECTED_SELECT", "SELECT is missing at the beginning of query.")
        raise QueryError("EXPECTED_FROM", "Missing FROM clause.")
    resource = match["resource"].lower()
    if resource not in RESOURCES:
        raise QueryError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                         f"Invalid resource type was specified in the FROM clause: '{resource}'.")
    select = tuple(f.strip().lower() for f in match["select"].split(",") if f.strip())
    where = _parse_where(match["where"]) if match["where"] else ()
    order = []
    if match["order"]:
        for part in match["order"].split(","):
            words = part.split()
            if not words or len(words) > 2 or (len(words) == 2
                                               and words[1].upper() not in ("ASC", "DESC")):
                raise QueryError("BAD_FIELD_NAME", f"Invalid ORDER BY clause: '{part.strip()}'.")
            order.append((words[0].lower(), len(words) == 2 and words[1].upper() == "DESC"))
    limit = None
    if match["limit"]:
        if not match["limit"].isdigit():
            raise QueryError("BAD_LIMIT_VALUE", f"Limit value is invalid: '{match['limit']}'.")
        limit = int(match["limit"])
    query = Query(select, resource, where, tuple(order), limit)
    _validate(query)
    return query


def _parse_where(text: str) -> tuple[Condition, ...]:
    conditions = []
    pos = 0
    while pos < len(text):
        match = _CONDITION.match(text, pos)
        if match is None:
            raise QueryError("UNEXPECTED_INPUT", f"Unexpected input: '{text[pos:].strip()}'.")
        field = match["field"].lower()
        if match["between"]:
            conditions.append(Condition(field, "BETWEEN",
                                        (_literal(match["lo"]), _literal(match["hi"]))))
        elif match["listop"]:
            items = tuple(_literal(v) for v in match["items"].split(",") if v.strip())
            op = "NOT_IN" if match["listop"].upper().startswith("NOT") else "IN"
            conditions.append(Condition(field, op, items))
        elif match["op"]:
            conditions.append(Condition(field, match["op"], _literal(match["value"])))
        else:
            raise QueryError("BAD_OPERATOR",
                             f"Operator '{match['other'].strip()}' is not supported here.")
        pos = match.end()
        tail = _AND.match(text, pos)
        if tail is None:
            raise QueryError("UNEXPECTED_INPUT", f"Unexpected input: '{text[pos:].strip()}'.")
        pos = tail.end()
    return tuple(conditions)


def _validate(query: Query) -> None:
    allowed, metrics_kind = RESOURCES[query.resource]
    referenced = [*query.select, *(c.field for c in query.where), *(f for f, _ in query.order)]
    for name in referenced:
        field = FIELDS.get(name)
        if field is None:
            raise QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
        if field.entity in ("metrics", "segments"):
            if metrics_kind is None:
                raise QueryError(
                    "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE" if field.entity == "metrics"
                    else "PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE",
                    f"Cannot select or filter on '{name}' with resource '{query.resource}'.")
            if field.entity == "metrics" and metrics_kind not in METRICS[field.column][1]:
                raise QueryError("PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE",
                                 f"Cannot select '{name}' with resource '{query.resource}'.")
        elif field.entity not in allowed:
            raise QueryError("PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                             f"Cannot select fields of '{field.entity}' from "
                             f"'{query.resource}'.")
    if not query.select:
        raise QueryError("EXPECTED_DIMENSION_FIELD_IN_SELECT_CLAUSE", "No field was selected.")
    if "segments.date" in query.select:
        dates = [c for c in query.where if c.field == "segments.date"]
        bounded_low = any(c.op in ("BETWEEN", "=", ">", ">=", "IN") for c in dates)
        bounded_high = any(c.op in ("BETWEEN", "=", "<", "<=", "IN") for c in dates)
        if not (bounded_low and bounded_high):
            raise QueryError("EXPECTED_FILTERS_ON_DATE_RANGE",
                             "Missing filters on date related fields: a query selecting "
                             "segments.date must filter it to a finite date range.")
    for condition in query.where:
        if condition.field == "segments.date":
            values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
            for value in values:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise QueryError("INVALID_DATE_FORMAT",
                                     f"Invalid date format '{value}'. Expected 'YYYY-MM-DD'.")


# ---------------------------------------------------------------------------------------------
# the API
# ---------------------------------------------------------------------------------------------

class GoogleAdsApi:
    """`googleAds:search` over the world's Google customers."""

    name = "google_ads"

    def __init__(self, server: Host, page_size: int = PAGE_SIZE) -> None:
        self.server = server
        self.page_size = page_size
        self._lock = threading.Lock()
        self._dims: dict[bool, dict[str, pd.DataFrame]] = {}
        self._rows: dict[str, dict[str, pd.DataFrame]] | None = None
        self._facts: tuple[int, dict[str, dict[str, DailyRows]]] | None = None
        self._request_ids = itertools.count(1)

    # -- protocol ------------------------------------------------------------------------------
    def claims(self, path: str) -> bool:
        return bool(_CLAIM.match(path))

    def authorize(self, request: Request) -> Response | None:
        version = self._version(request)
        auth = request.header("authorization") or ""
        if not auth:
            return self._error(401, "UNAUTHENTICATED", version, "authenticationError",
                               "AUTHENTICATION_ERROR",
                               "Request is missing required authentication credential. Expected "
                               "OAuth 2 access token, login cookie or other valid authentication "
                               "credential.")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.server.tokens["google_ads"]:
            return self._error(401, "UNAUTHENTICATED", version, "authenticationError",
                               "OAUTH_TOKEN_INVALID",
                               "Request had invalid authentication credentials. Expected OAuth 2 "
                               "access token, login cookie or other valid authentication "
                               "credential.")
        developer = request.header("developer-token")
        if not developer:
            return self._error(400, "INVALID_ARGUMENT", version, "requestError",
                               "DEVELOPER_TOKEN_PARAMETER_MISSING",
                               "developer-token parameter is missing.")
        if developer != self.server.tokens["google_ads_developer"]:
            return self._error(401, "UNAUTHENTICATED", version, "authenticationError",
                               "DEVELOPER_TOKEN_INVALID", "The developer token is not valid.")
        login = request.header("login-customer-id")
        if login is not None and not login.isdigit():
            return self._error(400, "INVALID_ARGUMENT", version, "requestError",
                               "INVALID_CUSTOMER_ID",
                               f"Invalid login-customer-id '{login}': use digits only, no "
                               "dashes.")
        match = _PATH.match(request.path)
        if match is not None:
            customer = match["customer"]
            if not customer.isdigit():
                return self._error(400, "INVALID_ARGUMENT", version, "authenticationError",
                                   "CLIENT_CUSTOMER_ID_INVALID",
                                   "Client customer ID is not a number.")
            if customer not in self._dimensions()["customer"].index:
                return self._error(403, "PERMISSION_DENIED", version, "authorizationError",
                                   "USER_PERMISSION_DENIED",
                                   "User doesn't have permission to access customer. Note: If "
                                   "you're accessing a client customer, the manager's customer id "
                                   "must be set in the 'login-customer-id' header.")
        return None

    def handle(self, request: Request) -> Response:
        match = _PATH.match(request.path)
        version = self._version(request)
        if match is None:
            return Response(404, {"error": {"code": 404, "status": "NOT_FOUND",
                                            "message": f"Method not found: {request.path}"}})
        if request.method != "POST":
            return Response(405, {"error": {"code": 405, "status": "UNIMPLEMENTED",
                                            "message": "googleAds:search only accepts POST."}})
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return self._error(400, "INVALID_ARGUMENT", version, "queryError", "QUERY_ERROR",
                               "The request body must be a JSON object with a 'query'.")
        if "pageSize" in body:
            return self._error(400, "INVALID_ARGUMENT", version, "requestError",
                               "PAGE_SIZE_NOT_SUPPORTED",
                               "Setting the page size is not supported. Search responses will "
                               "have fixed page size of 10000 rows.")
        customer = match["customer"]
        try:
            query = parse_gaql(body["query"])
        except QueryError as exc:
            return self._error(400, "INVALID_ARGUMENT", version, "queryError", exc.code,
                               exc.message)
        digest = hashlib.sha1(f"{customer}|{body['query']}".encode()).hexdigest()[:12]
        offset = 0
        if body.get("pageToken"):
            offset = _read_token(body["pageToken"], digest)
            if offset is None:
                return self._error(400, "INVALID_ARGUMENT", version, "requestError",
                                   "INVALID_PAGE_TOKEN", "Page token is invalid.")
        sparse = self.server.sparse(self.name)
        rows = self._select_rows(query, customer, sparse)
        total = len(rows) if query.limit is None else min(len(rows), query.limit)
        stop = min(offset + self.page_size, total)
        page = rows.iloc[offset:stop]
        if _TWICE in page.columns:  # a corrupt world's duplicates, within their page
            page = page.iloc[np.repeat(np.arange(len(page)),
                                       1 + page[_TWICE].to_numpy(dtype=np.int64))]
        columns = self._columns(query, page, sparse)
        text = rows_json(columns)
        payload: dict[str, Any] = {"results": [] if text is not None else records(columns)}
        if sparse and not payload["results"] and text is None:
            del payload["results"]  # proto3 JSON leaves an empty repeated field out
        if stop < total:
            payload["nextPageToken"] = _make_token(stop, digest)
        payload["fieldMask"] = ",".join(".".join(FIELDS[f].path) for f in query.select)
        payload["queryResourceConsumption"] = str(max(1, len(page)) * 10)
        if text is None or not len(page):
            return Response(200, payload)
        rest = orjson.dumps({k: v for k, v in payload.items() if k != "results"})
        return Response(200, b'{"results":[' + text + b"]," + rest[1:])

    def fault(self, kind: str, rule: FaultRule) -> Response:
        version = DEFAULT_VERSION
        if kind == "rate_limit":
            delay = f"{rule.retry_after:g}s"
            response = self._error(
                429, "RESOURCE_EXHAUSTED", version, "quotaError",
                "RESOURCE_TEMPORARILY_EXHAUSTED",
                f"Too many requests. Retry in {rule.retry_after:g} seconds.",
                details={"quotaErrorDetails": {"rateScope": "DEVELOPER",
                                               "rateName": "Number of operations for basic "
                                                           "access", "retryDelay": delay}})
            response.headers["Retry-After"] = f"{rule.retry_after:g}"
            return response
        if kind == "server_error":
            return self._error(500, "INTERNAL", version, "internalError", "INTERNAL_ERROR",
                               "An internal error has occurred. Please retry your request.")
        if kind == "expired_token":
            return self._error(401, "UNAUTHENTICATED", version, "authenticationError",
                               "OAUTH_TOKEN_EXPIRED", "OAuth token in the header has expired.")
        raise ValueError(f"google_ads simulator has no fault {kind!r}")

    # -- errors --------------------------------------------------------------------------------
    def _version(self, request: Request) -> str:
        match = re.match(r"^/(v\d+)/", request.path)
        return match.group(1) if match else DEFAULT_VERSION

    def _error(self, http: int, status: str, version: str, code_key: str, code_value: str,
               message: str, details: dict[str, Any] | None = None) -> Response:
        top = {
            400: "Request contains an invalid argument.",
            401: "Request is missing required authentication credential. Expected OAuth 2 "
                 "access token, login cookie or other valid authentication credential.",
            403: "The caller does not have permission",
            429: "Resource has been exhausted (e.g. check quota).",
            500: "Internal error encountered.",
        }.get(http, message)
        error: dict[str, Any] = {"errorCode": {code_key: code_value}, "message": message}
        if details:
            error["details"] = details
        failure = {
            "@type": f"type.googleapis.com/google.ads.googleads.{version}.errors."
                     "GoogleAdsFailure",
            "errors": [error],
            "requestId": f"sim{next(self._request_ids):012d}",
        }
        return Response(http, {"error": {"code": http, "message": top, "status": status,
                                         "details": [failure]}})

    # -- the world, indexed once -------------------------------------------------------------
    def warm(self) -> None:
        """Build the indexes now rather than on the first request."""
        self._dimensions(self.server.world.sparse)
        self._fact_rows()

    def _dimensions(self, sparse: bool = False) -> dict[str, pd.DataFrame]:
        with self._lock:
            if sparse not in self._dims:
                self._dims[sparse], self._rows = _build_dimensions(self.server.world, sparse)
            return self._dims[sparse]

    def _dimension_rows(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Each resource's ids per customer: the same in either rendering, so whichever index
        was built serves (building the other would index the world twice)."""
        if self._rows is None:
            self._dimensions(self.server.world.sparse)
        assert self._rows is not None
        return self._rows

    def _fact_rows(self) -> dict[str, dict[str, DailyRows]]:
        world = self.server.world
        with self._lock:
            version = world.restatement_version
            if self._facts is None or self._facts[0] != version:
                self._facts = (version, _build_facts(world))
            return self._facts[1]

    # -- rows ------------------------------------------------------------------------------------
    def _select_rows(self, query: Query, customer: str, sparse: bool = False) -> pd.DataFrame:
        _, metrics_kind = RESOURCES[query.resource]
        referenced = {*query.select, *(c.field for c in query.where), *(f for f, _ in query.order)}
        with_metrics = metrics_kind is not None and any(
            FIELDS[f].entity in ("metrics", "segments") for f in referenced)
        if with_metrics:
            daily = self._fact_rows()[metrics_kind].get(customer)
            rows = _EMPTY if daily is None else _date_slice(
                daily, [c for c in query.where if c.field == "segments.date"])
        else:
            rows = self._dimension_rows()[query.resource].get(customer, _EMPTY)
        if rows.empty:
            return rows
        if metrics_kind == "ads" and "segments.date" in query.select:
            rows = self._with_strays(rows, customer, query)
        for condition in query.where:
            if condition.field == "segments.date":
                continue
            rows = rows[self._mask(condition, rows, sparse)]
        if with_metrics and "segments.date" not in query.select:
            rows = _aggregate(rows, query.resource)
        if query.order:
            keys = pd.DataFrame({f"k{i}": self._values(field, rows, sparse)
                                 for i, (field, _) in enumerate(query.order)}, index=rows.index)
            keys = keys.sort_values(list(keys.columns),
                                    ascending=[not desc for _, desc in query.order],
                                    kind="stable")
            rows = rows.loc[keys.index]
        return rows

    def _with_strays(self, rows: pd.DataFrame, customer: str, query: Query) -> pd.DataFrame:
        """`rows` between the rows from the days around the requested range (a corrupt
        world's)."""
        window = _requested_window([c for c in query.where if c.field == "segments.date"])
        strays = None if window is None else stray_rows(self.server.world, customer, *window)
        if strays is None:
            return rows
        strays = _ad_facts(strays)
        if _TWICE in rows.columns:
            strays[_TWICE] = False
        return pd.concat([strays.iloc[:1], rows, strays.iloc[1:]], ignore_index=True)

    def _values(self, name: str, rows: pd.DataFrame, sparse: bool = False) -> np.ndarray:
        direct = _DIRECT.get(name)
        if direct is not None and direct in rows.columns:
            return rows[direct].to_numpy(dtype=object)
        field = FIELDS[name]
        if field.entity == "metrics":
            return rows[field.column].to_numpy()
        dim = self._dimensions(sparse)[field.entity]
        keys = rows[ENTITY_KEY[field.entity]].to_numpy(dtype=object)
        return dim[field.column].reindex(keys).to_numpy(dtype=object)

    def _mask(self, condition: Condition, rows: pd.DataFrame, sparse: bool = False) -> np.ndarray:
        field = FIELDS[condition.field]
        values = self._values(condition.field, rows, sparse)
        numeric = field.kind in (INT64, DOUBLE)

        def cast(value: str) -> Any:
            if field.kind == BOOL:
                return value.upper() == "TRUE"
            return float(value) if numeric else value

        if numeric:
            values = values.astype(float)
        op, value = condition.op, condition.value
        if op in ("IN", "NOT_IN"):
            inside = np.isin(values, [cast(v) for v in value])
            return ~inside if op == "NOT_IN" else inside
        if op == "BETWEEN":
            lo, hi = cast(value[0]), cast(value[1])
            return (values >= lo) & (values <= hi)
        target = cast(value)
        if op == "=":
            return values == target
        if op == "!=":
            return values != target
        ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
        return ops[op](values, target)

    # -- rendering -----------------------------------------------------------------------------
    def _columns(self, query: Query, page: pd.DataFrame,
                 sparse: bool = False) -> list[tuple[tuple[str, ...], pa.Array]]:
        """A page as (JSON path, values) per field, resource names first."""
        n = len(page)
        if n == 0:
            return []
        entities = [query.resource]
        for name in query.select:
            entity = FIELDS[name].entity
            if entity not in entities and entity not in ("metrics", "segments"):
                entities.append(entity)
        columns: list[tuple[tuple[str, ...], pa.Array]] = []
        for entity in entities:
            name = f"{entity}.resource_name"
            if name not in query.select:
                columns.append((FIELDS[name].path, self._json_values(name, page, sparse)))
        for name in query.select:
            columns.append((FIELDS[name].path, self._json_values(name, page, sparse)))
        if self.server.faults.active(self.name, "new_field"):
            columns.append(((camel(query.resource), NEW_FIELD[0]),
                            pa.array([NEW_FIELD[1]] * n, pa.string())))
        return columns

    def _json_values(self, name: str, page: pd.DataFrame, sparse: bool = False) -> pa.Array:
        """One field of a page as the REST API renders it: int64 as strings, doubles and
        booleans as JSON values; missing (and, as proto3 does, empty strings) as nulls."""
        field = FIELDS[name]
        values = self._values(name, page, sparse)
        if values.dtype != object:  # metrics: numpy numbers, never missing
            # Sparse: zero counts and some keywords' impression shares are left out (null).
            gone = None
            if sparse and field.column in _LEFT_OUT_WHEN_ZERO:
                gone = values == 0
            elif sparse and field.column in _SHARES and "criterion_id" in page.columns:
                gone = sparse_pick(page["criterion_id"], _NO_SHARE_EVERY, _NO_SHARE_SALT)
            if field.kind == INT64:
                return pc.cast(pa.array(values.astype(np.int64), mask=gone), pa.string())
            return pa.array(values.astype(float), mask=gone)
        try:
            return _arrow_values(values, field.kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python types: value by value
            pass
        missing = pd.isna(values)
        if field.kind == STRING:
            missing |= values == ""
        present = values[~missing].tolist()
        if field.kind == INT64:
            present = [v if isinstance(v, str) else str(int(v)) for v in present]
            kind = pa.string()
        elif field.kind == DOUBLE:
            present, kind = [float(v) for v in present], pa.float64()
        elif field.kind == BOOL:
            present, kind = [bool(v) for v in present], pa.bool_()
        else:
            kind = pa.string() if field.kind == STRING else None  # lists: as Arrow infers
        out: list[Any] = [None] * len(values)
        for i, v in zip(np.flatnonzero(~missing).tolist(), present, strict=True):
            out[i] = v
        return pa.array(out, kind)


_KIND_TYPES = {INT64: pa.string(), STRING: pa.string(), DOUBLE: pa.float64(), BOOL: pa.bool_()}


def _arrow_values(values: np.ndarray, kind: str) -> pa.Array:
    """An object column as Arrow in one pass: None/NaN as null, int64 ids as text, empty
    strings as null for string fields. Raises ArrowInvalid when the values mix types or are
    not scalars."""
    if kind not in _KIND_TYPES:
        raise pa.ArrowInvalid(f"{kind} values go value by value")
    array = pa.array(values, from_pandas=True)
    if kind == INT64 and (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        array = pc.cast(pc.cast(array, pa.int64()), pa.string())
    elif pa.types.is_null(array.type):
        array = pa.nulls(len(array), _KIND_TYPES[kind])
    else:
        array = array.cast(_KIND_TYPES[kind])
    if kind == STRING and len(array):
        array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return array


_EMPTY = pd.DataFrame({"account_id": pd.Series(dtype=object)})


def _make_token(offset: int, digest: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{digest}".encode()).decode().rstrip("=")


def _read_token(token: str, digest: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset, _, seen = text.partition(":")
        return int(offset) if seen == digest and int(offset) >= 0 else None
    except (ValueError, UnicodeDecodeError):
        return None


def _requested_window(conditions: list[Condition]) -> tuple[dt.date, dt.date] | None:
    """The first and last day that `segments.date` conditions ask for (None if unbounded)."""
    lo: dt.date | None = None
    hi: dt.date | None = None
    day = dt.timedelta(days=1)
    for condition in conditions:
        values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
        days = sorted(dt.date.fromisoformat(v) for v in values)
        first = {"BETWEEN": days[0], "=": days[0], "IN": days[0], ">=": days[0],
                 ">": days[0] + day}.get(condition.op)
        last = {"BETWEEN": days[-1], "=": days[0], "IN": days[-1], "<=": days[0],
                "<": days[0] - day}.get(condition.op)
        if first is not None:
            lo = first if lo is None else max(lo, first)
        if last is not None:
            hi = last if hi is None else min(hi, last)
    return None if lo is None or hi is None else (lo, hi)


@dataclass(frozen=True)
class DailyRows:
    """One customer's daily rows sorted by day, with the days as datetime64 for binary search."""

    frame: pd.DataFrame
    dates: np.ndarray


def _date_slice(daily: DailyRows, conditions: list[Condition]) -> pd.DataFrame:
    """Cut the date range by binary search (no scan of the customer's rows), mask the rest."""
    rows, dates = daily.frame, daily.dates
    if rows.empty or not conditions:
        return rows
    lo, hi = 0, len(rows)
    keep = None
    for condition in conditions:
        op, value = condition.op, condition.value
        if op in ("BETWEEN", "=", ">=", ">"):
            first = value[0] if op == "BETWEEN" else value
            side = "right" if op == ">" else "left"
            lo = max(lo, int(np.searchsorted(dates, np.datetime64(first), side)))
        if op in ("BETWEEN", "=", "<=", "<"):
            last = value[1] if op == "BETWEEN" else value
            side = "left" if op == "<" else "right"
            hi = min(hi, int(np.searchsorted(dates, np.datetime64(last), side)))
        if op in ("!=", "IN", "NOT_IN"):
            keep = (keep or []) + [condition]
    if hi <= lo:
        return rows.iloc[0:0]
    sliced = rows.iloc[lo:hi]
    if keep:
        window = dates[lo:hi]
        mask = np.ones(len(window), dtype=bool)
        for condition in keep:
            if condition.op == "!=":
                mask &= window != np.datetime64(condition.value)
            else:
                inside = np.isin(window, np.array(condition.value, dtype="datetime64[D]"))
                mask &= ~inside if condition.op == "NOT_IN" else inside
        sliced = sliced[mask]
    return sliced


def _aggregate(rows: pd.DataFrame, resource: str) -> pd.DataFrame:
    """Metrics without `segments.date`: one row per entity over the filtered days."""
    keys = [c for c in ("account_id", "campaign_id", "ad_group_id", "ad_id", "criterion_id")
            if c in rows.columns]
    additive = [m for m in ("impressions", "clicks", "cost_micros", "conversions", "interactions")
                if m in rows.columns]
    frame = rows.copy()
    shares = [s for s in _SHARES if s in rows.columns]
    for share in shares:
        frame[share] = frame[share] * frame["impressions"]
    out = frame.groupby(keys, as_index=False, sort=True)[additive + shares].sum()
    for share in shares:
        out[share] = np.round(out[share] / out["impressions"].where(out["impressions"] > 0), 4)
    return out


def _build_dimensions(world: Any,
                      sparse: bool = False) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Attribute tables per resource (indexed by id) and each resource's rows per customer.

    Sparse: the first customer has no descriptive name; every third campaign that is tracked
    keeps HubSpot's tracking on its ads only (all in their final URL suffix); search ads have no
    name; every second keyword has no bid of its own (it inherits its ad group's, its effective
    bid stays) and every third no position estimates.
    """
    accounts = world.accounts[world.accounts["network"] == "google"]
    campaigns = world.campaigns[world.campaigns["network"] == "google"]
    groups = world.ad_groups[world.ad_groups["network"] == "google"]
    ads = world.ads[world.ads["network"] == "google"].reset_index(drop=True)
    keywords = world.keywords

    def obj(values: Any) -> np.ndarray:
        return np.asarray(values, dtype=object)

    def unless(gone: np.ndarray, values: Any) -> np.ndarray:
        """`values`, missing where `gone` (in a sparse rendering only)."""
        values = obj(values)
        return np.where(gone, None, values) if sparse else values

    customer = pd.DataFrame({
        "resource_name": obj("customers/" + accounts["account_id"]),
        "id": obj(accounts["account_id"]),
        "descriptive_name": unless(np.arange(len(accounts)) == 0, accounts["name"]),
        "currency_code": obj(accounts["currency"]), "time_zone": obj(accounts["time_zone"]),
        "manager": False, "status": "ENABLED", "auto_tagging_enabled": True,
    }, index=obj(accounts["account_id"]))

    tracked = campaigns["is_tracked"].to_numpy()
    # Sparse: some tracked campaigns leave HubSpot's tracking to their ads.
    on_ads = tracked & (np.arange(len(campaigns)) % 3 == 1) if sparse else np.zeros(
        len(campaigns), dtype=bool)
    suffix = ("utm_source=google&utm_medium=paid&utm_campaign={campaignid}&hsa_acc="
              + campaigns["account_id"] + "&hsa_cam=" + campaigns["campaign_id"]
              + "&hsa_grp={adgroupid}&hsa_ad={creative}&hsa_src={network}&hsa_tgt={targetid}"
              "&hsa_kw={keyword}&hsa_mt={matchtype}&hsa_net=adwords&hsa_ver=3")
    campaign = pd.DataFrame({
        "resource_name": obj("customers/" + campaigns["account_id"] + "/campaigns/"
                             + campaigns["campaign_id"]),
        "id": obj(campaigns["campaign_id"]), "name": obj(campaigns["name"]),
        "status": obj(campaigns["raw_status"]),
        "advertising_channel_type": obj(campaigns["campaign_type"]),
        "tracking_url_template": None,
        "final_url_suffix": np.where(tracked & ~on_ads, obj(suffix), None),
    }, index=obj(campaigns["campaign_id"]))

    ad_group = pd.DataFrame({
        "resource_name": obj("customers/" + groups["account_id"] + "/adGroups/"
                             + groups["ad_group_id"]),
        "id": obj(groups["ad_group_id"]), "name": obj(groups["name"]),
        "status": obj(groups["raw_status"]),
        "type": obj(groups["campaign_type"].map(AD_GROUP_TYPE)),
        "campaign": obj("customers/" + groups["account_id"] + "/campaigns/"
                        + groups["campaign_id"]),
    }, index=obj(groups["ad_group_id"]))

    # HubSpot's auto-tracking: tracked ads carry hsa_* with their own ids, half of them in the
    # final URL suffix and half in a tracking template; untracked (video) ads carry none.
    hsa = ("hsa_acc=" + ads["account_id"] + "&hsa_cam=" + ads["campaign_id"] + "&hsa_grp="
           + ads["ad_group_id"] + "&hsa_ad=" + ads["ad_id"]
           + "&hsa_src={network}&hsa_tgt={targetid}&hsa_kw={keyword}&hsa_mt={matchtype}"
           "&hsa_net=adwords&hsa_ver=3")
    utm = "utm_source=google&utm_medium=paid&utm_campaign=c" + ads["campaign_id"] + "&"
    ad_tracked = ads["is_tracked"].to_numpy()
    in_suffix = ad_tracked & ((np.arange(len(ads)) % 2 == 0)
                              | ads["campaign_id"].isin(campaigns["campaign_id"][on_ads]))
    in_template = ad_tracked & ~in_suffix
    ad_group_ad = pd.DataFrame({
        "resource_name": obj("customers/" + ads["account_id"] + "/adGroupAds/"
                             + ads["ad_group_id"] + "~" + ads["ad_id"]),
        "ad.id": obj(ads["ad_id"]),
        # Responsive search ads have no name.
        "ad.name": unless((ads["campaign_type"] == "SEARCH").to_numpy(), ads["name"]),
        "ad.type": obj(ads["campaign_type"].map(AD_TYPE)),
        "ad.final_urls": [[url] for url in ads["final_url"]],
        "ad.tracking_url_template": np.where(in_template, obj("{lpurl}?" + utm + hsa), None),
        "ad.final_url_suffix": np.where(in_suffix, obj(utm + hsa), None),
        "status": obj(ads["raw_status"]),
        "ad_group": obj("customers/" + ads["account_id"] + "/adGroups/" + ads["ad_group_id"]),
    }, index=obj(ads["ad_id"]))

    own_bid_gone = np.arange(len(keywords)) % 2 == 1
    estimates_gone = np.arange(len(keywords)) % 3 == 2
    criterion = pd.DataFrame({
        "resource_name": obj("customers/" + keywords["account_id"] + "/adGroupCriteria/"
                             + keywords["ad_group_id"] + "~" + keywords["criterion_id"]),
        "criterion_id": obj(keywords["criterion_id"]), "type": "KEYWORD", "negative": False,
        "keyword.text": obj(keywords["text"]), "keyword.match_type": obj(keywords["match_type"]),
        "status": obj(keywords["status"]),
        "cpc_bid_micros": unless(own_bid_gone, keywords["cpc_bid_micros"]),
        "effective_cpc_bid_micros": obj(keywords["cpc_bid_micros"]),
        "position_estimates.first_page_cpc_micros": unless(
            estimates_gone, keywords["first_page_cpc_micros"]),
        "position_estimates.top_of_page_cpc_micros": unless(
            estimates_gone, keywords["top_of_page_cpc_micros"]),
        "position_estimates.first_position_cpc_micros": unless(
            estimates_gone, keywords["first_position_cpc_micros"]),
        "ad_group": obj("customers/" + keywords["account_id"] + "/adGroups/"
                        + keywords["ad_group_id"]),
    }, index=obj(keywords["criterion_id"]))
    keyword_view = pd.DataFrame({
        "resource_name": obj("customers/" + keywords["account_id"] + "/keywordViews/"
                             + keywords["ad_group_id"] + "~" + keywords["criterion_id"]),
    }, index=obj(keywords["criterion_id"]))

    dims = {"customer": customer, "campaign": campaign, "ad_group": ad_group,
            "ad_group_ad": ad_group_ad, "ad_group_criterion": criterion,
            "keyword_view": keyword_view}

    def per_customer(frame: pd.DataFrame, columns: list[str]) -> dict[str, pd.DataFrame]:
        frame = frame[columns].astype(object).reset_index(drop=True)
        return {str(k): g.reset_index(drop=True) for k, g in frame.groupby("account_id")}

    ids = ["account_id", "campaign_id", "ad_group_id"]
    rows = {
        "customer": per_customer(accounts, ["account_id"]),
        "campaign": per_customer(campaigns, ["account_id", "campaign_id"]),
        "ad_group": per_customer(groups, ids),
        "ad_group_ad": per_customer(ads, [*ids, "ad_id"]),
        "ad_group_criterion": per_customer(keywords, [*ids, "criterion_id"]),
        "keyword_view": per_customer(keywords, [*ids, "criterion_id"]),
    }
    return dims, rows


def _build_facts(world: Any) -> dict[str, dict[str, DailyRows]]:
    """Daily rows per customer, sorted by day so that a date range is a binary-searched slice.

    Built once per restatement version with vectorised sorts; id columns keep pandas' string
    dtype (Python objects are made only for the rows of a page).
    """
    first_day = np.datetime64(world.start_date.isoformat(), "D")
    ads = world.ad_daily()
    ads = ads[ads["network"] == "google"]
    ad_rows = _ad_facts(ads)
    twice = served_twice(world, ads)
    if twice is not None:
        ad_rows[_TWICE] = twice
    kw = world.keyword_daily()
    kw_rows = pd.DataFrame({
        "account_id": kw["account_id"], "campaign_id": kw["campaign_id"],
        "ad_group_id": kw["ad_group_id"], "criterion_id": kw["criterion_id"],
        "date": kw["date"], "day_index": kw["day_index"],
        "impressions": kw["impressions"].to_numpy(np.int64),
        "clicks": kw["clicks"].to_numpy(np.int64),
        "cost_micros": kw["spend_cents"].to_numpy(np.int64) * 10_000,
        "conversions": kw["conversions_centi"].to_numpy(np.int64) / 100.0,
        "interactions": kw["interactions"].to_numpy(np.int64),
        "search_top_impression_share": kw["search_top_impression_share"].to_numpy(float),
        "search_absolute_top_impression_share": kw[
            "search_absolute_top_impression_share"].to_numpy(float),
    })

    def split(frame: pd.DataFrame) -> dict[str, DailyRows]:
        codes, accounts = pd.factorize(frame["account_id"])
        # Stable: inside a day, rows keep the world's order (by ad group, then ad or keyword).
        order = np.lexsort((frame["day_index"].to_numpy(), codes))
        frame = frame.take(order).reset_index(drop=True)
        codes = codes[order]
        bounds = np.searchsorted(codes, np.arange(len(accounts) + 1))
        out = {}
        for k, account in enumerate(accounts):
            part = frame.iloc[bounds[k]:bounds[k + 1]].reset_index(drop=True)
            dates = first_day + part["day_index"].to_numpy().astype("timedelta64[D]")
            out[str(account)] = DailyRows(part, dates)
        return out

    return {"ads": split(ad_rows), "keywords": split(kw_rows)}


# The column of a corrupt world's ad facts that says which rows come twice.
_TWICE = "served_twice"


def _ad_facts(ads: pd.DataFrame) -> pd.DataFrame:
    """Google ad-days (in `World.ad_daily()`'s columns) as `ad_group_ad` metrics."""
    return pd.DataFrame({
        "account_id": ads["account_id"], "campaign_id": ads["campaign_id"],
        "ad_group_id": ads["ad_group_id"], "ad_id": ads["ad_id"], "date": ads["date"],
        "day_index": ads["day_index"],
        "impressions": ads["impressions"].to_numpy(np.int64),
        "clicks": ads["clicks"].to_numpy(np.int64),
        "cost_micros": ads["spend_cents"].to_numpy(np.int64) * 10_000,
        "conversions": ads["conversions_centi"].to_numpy(np.int64) / 100.0,
        "interactions": ads["clicks"].to_numpy(np.int64),
    })
