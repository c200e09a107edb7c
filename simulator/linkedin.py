"""LinkedIn Marketing API (versioned REST, `/rest/...`) served from the world.

What it reproduces, as LinkedIn documents it:
- headers: `Authorization: Bearer <token>`, `LinkedIn-Version: YYYYMM` (400 when missing, 426 when
  not an active version) and `X-Restli-Protocol-Version: 2.0.0` (the Rest.li 2.0 query syntax,
  `List(...)` and `(key:value)` records, is only understood with it);
- `GET /rest/adAccounts/{id}`; the search finders `adAccounts/{id}/adCampaignGroups?q=search`,
  `adAccounts/{id}/adCampaigns?q=search` and `adAccounts/{id}/creatives?q=criteria`, paged by
  `pageSize` / `pageToken` with `metadata.nextPageToken` absent on the last page;
- `GET /rest/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY&dateRange=(...)&
  accounts=List(...)&fields=...`: not paged; at most 15,000 elements per response, and a larger
  result is silently truncated; an empty list both for no activity and for no access;
- Lead Sync: `GET /rest/leadFormResponses?q=owner&owner=(sponsoredAccount:...)&leadType=
  (leadType:SPONSORED)&submittedAtTimeRange=(start:..,end:..)`, the lead form responses of an
  account's ads, and `GET /rest/leadForms/{id}` / `leadForms?q=owner&owner=(...)`, the forms
  whose questions say which answer is the email; both paged by `start` / `count` with
  `paging.total`;
- numbers as LinkedIn sends them: ids of accounts, campaign groups and campaigns are JSON numbers,
  creative ids are URNs, `costInLocalCurrency` is a decimal string, counts are numbers and dates
  are `{year, month, day}` objects in UTC;
- error bodies `{"status", "serviceErrorCode", "code", "message"}`.

LinkedIn counts whole website conversions, so `externalWebsiteConversions` is the world's
conversions rounded down (`conversions_centi // 100`).

Rendered sparsely (a sparse world, or a `sparse` fault), records leave out what LinkedIn leaves
out when unset (budgets, schedules' ends, serving statuses, formats, objectives, names of
creatives made before version 202410), analytics elements leave out metrics that are zero,
creatives' `content` takes each of its documented forms: `textAd` and `spotlight` carry their
landing page with HubSpot's tracking, a sponsored update only a `reference` to its post; and
about one lead form response in three leaves out its (documented optional) `associatedEntity`,
naming only its campaign (`world.leads_without_creative`).

A world with corrupt data (`corrupt.py`) has its duplicate ad-days come twice in adAnalytics, and
each account's elements there open with one for the day before the requested `dateRange` and
close with one for the day after it.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd

from simulator.corrupt import served_twice, stray_rows
from simulator.protocol import FaultRule, Host, Request, Response
from simulator.world import HSA_TAIL, ad_tracking, leads_without_creative, without

ACCOUNT_URN = "urn:li:sponsoredAccount:"
GROUP_URN = "urn:li:sponsoredCampaignGroup:"
CAMPAIGN_URN = "urn:li:sponsoredCampaign:"
CREATIVE_URN = "urn:li:sponsoredCreative:"

# LinkedIn's documented caps: search pages and elements per adAnalytics response.
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
ANALYTICS_MAX_ELEMENTS = 15_000
MAX_ANALYTICS_FIELDS = 20
OLDEST_ACTIVE_VERSION = 202401

# What the `new_field` fault adds: a metric LinkedIn introduced later, and an entity attribute.
NEW_ANALYTICS_FIELD = ("averageDwellTime", 2.5)
NEW_ENTITY_FIELD = ("associatedEntity", "urn:li:organization:2414183")
NEW_LEAD_FIELD = ("leadAction", "CREATED")

# Lead Sync: `start` / `count` paging (LinkedIn's default count is 10).
DEFAULT_LEAD_COUNT = 10
MAX_LEAD_COUNT = 1000
PERSON_URN = "urn:li:person:"
FORM_URN = "urn:li:leadGenForm:"
# A lead form's questions: (offset of its questionId, name, label, predefinedField, the lead's
# column answering it).
LEAD_QUESTIONS = (
    (1, "firstName", "First name", "FIRST_NAME", "first_name"),
    (2, "lastName", "Last name", "LAST_NAME", "last_name"),
    (3, "email", "Email address", "EMAIL", "email"),
)

ANALYTICS_METRICS = (
    "impressions", "clicks", "costInLocalCurrency", "likes", "totalEngagements",
    "externalWebsiteConversions", "landingPageClicks",
)
_DEFAULT_ANALYTICS_FIELDS = ("impressions", "clicks")
_LEFT_OUT_WHEN_ZERO = frozenset({"clicks", "likes", "totalEngagements",
                                 "externalWebsiteConversions", "landingPageClicks"})

# The world's campaign types are LinkedIn campaign (= our ad group) type + format + objective.
_CAMPAIGN_SHAPE = {
    "SPONSORED_UPDATES": ("SPONSORED_UPDATES", "STANDARD_UPDATE", "WEBSITE_CONVERSIONS"),
    "TEXT_AD": ("TEXT_AD", "TEXT_AD", "WEBSITE_VISITS"),
    "VIDEO": ("SPONSORED_UPDATES", "SINGLE_VIDEO", "VIDEO_VIEWS"),
}


class RestliError(ValueError):
    """A query value that is not valid Rest.li 2.0."""


def error_body(status: int, code: str, message: str, service_code: int | None = None) -> dict:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return body


# ---------------------------------------------------------------------------------------------
# Rest.li 2.0 query syntax
# ---------------------------------------------------------------------------------------------

def parse_restli(text: str) -> Any:
    """Parse one Rest.li 2.0 encoded query value: `List(a,b)`, `(k:v,...)` or a leaf string.

    Structural characters `(),:` arrive literally; leaves are percent-encoded (a URN's colons
    are `%3A`), so they are decoded only after the structure is known.
    """
    value, pos = _parse_value(text, 0)
    if pos != len(text):
        raise RestliError(f"unexpected {text[pos]!r} at {pos} in {text!r}")
    return value


def _parse_value(text: str, pos: int) -> tuple[Any, int]:
    if text.startswith("List(", pos):
        items: list[Any] = []
        pos += 5
        if pos < len(text) and text[pos] == ")":
            return items, pos + 1
        while True:
            item, pos = _parse_value(text, pos)
            items.append(item)
            if pos >= len(text):
                raise RestliError(f"unterminated List in {text!r}")
            if text[pos] == ",":
                pos += 1
                continue
            if text[pos] == ")":
                return items, pos + 1
            raise RestliError(f"unexpected {text[pos]!r} at {pos} in {text!r}")
    if pos < len(text) and text[pos] == "(":
        record: dict[str, Any] = {}
        pos += 1
        if pos < len(text) and text[pos] == ")":
            return record, pos + 1
        while True:
            colon = text.find(":", pos)
            if colon < 0:
                raise RestliError(f"missing ':' after {text[pos:]!r}")
            key = unquote(text[pos:colon])
            value, pos = _parse_value(text, colon + 1)
            record[key] = value
            if pos >= len(text):
                raise RestliError(f"unterminated record in {text!r}")
            if text[pos] == ",":
                pos += 1
                continue
            if text[pos] == ")":
                return record, pos + 1
            raise RestliError(f"unexpected {text[pos]!r} at {pos} in {text!r}")
    end = pos
    while end < len(text) and text[end] not in "(),:":
        end += 1
    return unquote(text[pos:end]), end


def raw_params(raw_query: str) -> dict[str, str]:
    """Query parameters with their values still encoded (Rest.li needs the raw structure)."""
    params: dict[str, str] = {}
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        params.setdefault(unquote(key.replace("+", " ")), value)
    return params


def _date(record: Any) -> dt.date:
    try:
        return dt.date(int(record["year"]), int(record["month"]), int(record["day"]))
    except (TypeError, KeyError, ValueError) as exc:
        raise RestliError(f"invalid date {record!r}: {exc}") from None


def _ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC).timestamp() * 1000)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    padded = token + "=" * (-len(token) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        if not text.startswith("o:"):
            raise ValueError(text)
        return int(text[2:])
    except (ValueError, UnicodeDecodeError):
        raise RestliError(f"invalid pageToken {token!r}") from None


# ---------------------------------------------------------------------------------------------
# pre-built views of the world
# ---------------------------------------------------------------------------------------------

@dataclass
class _AccountMetrics:
    """One account's LinkedIn ad-days, sorted by day, as arrays ready to render."""

    day_index: np.ndarray
    ad_id: np.ndarray
    group_id: np.ndarray
    creative: np.ndarray
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    metrics: dict[str, np.ndarray]
    twice: np.ndarray | None = None  # per row, whether it comes twice (a corrupt world's)


def _cost_strings(cents: np.ndarray) -> np.ndarray:
    """Integer cents as exact decimal strings (`1234` -> `"12.34"`, `-5` -> `"-0.05"`), without
    floats."""
    magnitude = np.abs(cents)
    whole = np.char.add(np.where(cents < 0, "-", ""), (magnitude // 100).astype(str))
    frac = pd.Series(magnitude % 100).astype(str).str.zfill(2).to_numpy()
    return np.char.add(np.char.add(whole, "."), frac.astype(str)).astype(object)


class LinkedInApi:
    name = "linkedin_ads"

    def __init__(self, server: Host) -> None:
        self.server = server
        self.max_elements = ANALYTICS_MAX_ELEMENTS
        self._entities: dict[bool, dict[str, dict[str, list[dict]]]] = {}
        self._accounts: dict[str, dict] = {}
        self._metrics: tuple[int, dict[str, _AccountMetrics]] | None = None
        self._leads: dict[bool, dict[str, list[dict]]] = {}
        self._forms: dict[str, dict] | None = None

    # -- protocol ----------------------------------------------------------------------------
    def claims(self, path: str) -> bool:
        return path.startswith("/rest/")

    def authorize(self, request: Request) -> Response | None:
        auth = request.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if not auth.strip():
            return Response(401, error_body(401, "EMPTY_ACCESS_TOKEN",
                                            "Empty oauth2_access_token", 401))
        if scheme != "Bearer":
            return Response(401, error_body(401, "INVALID_AUTHENTICATION_SCHEMA",
                                            "Unknown authentication scheme", 401))
        if token.strip() != self.server.tokens[self.name]:
            return Response(401, error_body(401, "INVALID_ACCESS_TOKEN",
                                            "Invalid access token", 65600))
        version = request.header("LinkedIn-Version")
        if not version:
            return Response(400, error_body(
                400, "VERSION_MISSING", "A version must be present. Please specify a version "
                "by adding the LinkedIn-Version header."))
        if not _active_version(version):
            return Response(426, error_body(
                426, "NONEXISTENT_VERSION", f"Requested version {version} is not active"))
        if request.header("X-Restli-Protocol-Version") != "2.0.0":
            return Response(400, error_body(
                400, "ILLEGAL_ARGUMENT", "Rest.li 2.0 query syntax requires the header "
                "X-Restli-Protocol-Version: 2.0.0"))
        return None

    def handle(self, request: Request) -> Response:
        if request.method != "GET":
            return Response(405, error_body(405, "METHOD_NOT_ALLOWED",
                                            f"{request.method} is not supported here"))
        parts = request.path.removeprefix("/rest/").strip("/").split("/")
        try:
            if parts == ["adAnalytics"]:
                return self._analytics(request)
            if parts == ["leadFormResponses"]:
                return self._lead_responses(request)
            if parts[0] == "leadForms" and len(parts) in (1, 2):
                return self._lead_forms(request, parts[1] if len(parts) == 2 else None)
            if parts[0] == "adAccounts" and len(parts) in (2, 3):
                account = self._account(parts[1])
                if account is None:
                    return Response(404, error_body(
                        404, "NOT_FOUND", f"Not found: {ACCOUNT_URN}{parts[1]}"))
                if len(parts) == 2:
                    return Response(200, self._render(self._accounts[parts[1]]))
                return self._search(request, parts[1], parts[2])
        except RestliError as exc:
            return Response(400, error_body(400, "ILLEGAL_ARGUMENT", str(exc), 100))
        return Response(404, error_body(404, "RESOURCE_NOT_FOUND",
                                        f"No resource at {request.path}"))

    def fault(self, kind: str, rule: FaultRule) -> Response:
        if kind == "rate_limit":
            return Response(429, error_body(
                429, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for "
                "calls to this resource is reached.", 101),
                headers={"Retry-After": f"{rule.retry_after:g}"})
        if kind == "expired_token":
            return Response(401, error_body(
                401, "INVALID_ACCESS_TOKEN", "The token used in the request has expired", 65600))
        return Response(500, error_body(500, "INTERNAL_SERVER_ERROR", "Internal Server Error"))

    # -- entities ----------------------------------------------------------------------------
    def _account(self, account_id: str) -> dict | None:
        self._build_entities(self.server.sparse(self.name))
        return self._accounts.get(account_id)

    def _search(self, request: Request, account_id: str, collection: str) -> Response:
        finder = {"adCampaignGroups": "search", "adCampaigns": "search", "creatives": "criteria"}
        if collection not in finder:
            return Response(404, error_body(404, "RESOURCE_NOT_FOUND",
                                            f"No resource at {request.path}"))
        params = raw_params(request.raw_query)
        if params.get("q") != finder[collection]:
            return Response(400, error_body(
                400, "ILLEGAL_ARGUMENT", f"{collection} requires q={finder[collection]}", 100))
        sparse = self.server.sparse(self.name)
        records = self._build_entities(sparse)[collection].get(account_id, [])
        records = _filter(records, collection, params)
        size_text = params.get("pageSize") or str(DEFAULT_PAGE_SIZE)
        size = int(size_text) if size_text.isdigit() else 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            return Response(400, error_body(
                400, "ILLEGAL_ARGUMENT", f"pageSize must be between 1 and {MAX_PAGE_SIZE}", 100))
        start = _offset(params["pageToken"]) if params.get("pageToken") else 0
        page = records[start:start + size]
        metadata: dict[str, Any] = {}
        if start + size < len(records):
            metadata["nextPageToken"] = _token(start + size)
        return Response(200, {"elements": [self._render(r) for r in page],
                              "metadata": metadata})

    def _render(self, record: dict) -> dict:
        if self.server.faults.active(self.name, "new_field"):
            key, value = NEW_ENTITY_FIELD
            return {**record, key: value}
        return record

    def _build_entities(self, sparse: bool = False) -> dict[str, dict[str, list[dict]]]:
        if sparse in self._entities:
            return self._entities[sparse]
        with self.server.lock:
            if sparse not in self._entities:
                self._entities[sparse] = self._entity_records(sparse)
            return self._entities[sparse]

    def _entity_records(self, sparse: bool) -> dict[str, dict[str, list[dict]]]:
        """Campaign groups, campaigns and creatives per account; the accounts themselves (the
        same either way) into `_accounts`."""
        world = self.server.world
        created = _ms(world.start_date - dt.timedelta(days=30))
        stamps = {"created": {"time": created}, "lastModified": {"time": created + 3_600_000}}
        li = {name: frame[frame["network"] == "linkedin"] for name, frame in (
            ("accounts", world.accounts), ("campaigns", world.campaigns),
            ("groups", world.ad_groups), ("ads", world.ads))}
        currency = dict(zip(li["accounts"]["account_id"], li["accounts"]["currency"],
                            strict=True))
        for k, acc in enumerate(li["accounts"].itertuples(index=False)):
            self._accounts[acc.account_id] = {
                "id": int(acc.account_id), "name": acc.name, "currency": acc.currency,
                "status": "ACTIVE", "type": "BUSINESS",
                "reference": f"urn:li:organization:{2_414_183 + k}",
                "test": False, "servingStatuses": ["RUNNABLE"],
                "notifiedOnCampaignOptimization": False, "notifiedOnCreativeApproval": False,
                "notifiedOnCreativeRejection": True, "notifiedOnEndOfCampaign": False,
                "version": {"versionTag": "3"}, "changeAuditStamps": stamps,
            }
        groups: dict[str, list[dict]] = {}
        for k, cam in enumerate(li["campaigns"].sort_values("campaign_id").itertuples(
                index=False)):
            record = {
                "id": int(cam.campaign_id), "account": ACCOUNT_URN + cam.account_id,
                "name": cam.name, "status": cam.raw_status, "test": False,
                "backfilled": False,
                "servingStatuses": ["RUNNABLE"] if cam.raw_status == "ACTIVE" else [
                    "CAMPAIGN_GROUP_STATUS_HOLD"],
                "runSchedule": {"start": _ms(world.start_date)},
                "totalBudget": {"amount": "25000", "currencyCode": currency[cam.account_id]},
                "changeAuditStamps": stamps,
            }
            if sparse:
                record = without(record, "backfilled", *(["totalBudget"] if k % 2 else []),
                                  *(["servingStatuses"] if k % 3 == 1 else []))
            groups.setdefault(cam.account_id, []).append(record)
        campaigns: dict[str, list[dict]] = {}
        for k, grp in enumerate(li["groups"].sort_values("ad_group_id").itertuples(index=False)):
            kind, fmt, objective = _CAMPAIGN_SHAPE.get(
                grp.campaign_type, ("SPONSORED_UPDATES", "STANDARD_UPDATE", "ENGAGEMENT"))
            cur = currency[grp.account_id]
            record = {
                "id": int(grp.ad_group_id), "account": ACCOUNT_URN + grp.account_id,
                "campaignGroup": GROUP_URN + grp.campaign_id, "name": grp.name,
                "status": grp.raw_status, "type": kind, "format": fmt,
                "objectiveType": objective, "costType": "CPC",
                "unitCost": {"amount": "8.50", "currencyCode": cur},
                "dailyBudget": {"amount": "150", "currencyCode": cur},
                "locale": {"country": "US", "language": "en"},
                "runSchedule": {"start": _ms(world.start_date)},
                "offsiteDeliveryEnabled": False, "audienceExpansionEnabled": False,
                "creativeSelection": "OPTIMIZED", "pacingStrategy": "LIFETIME",
                "optimizationTargetType": "MAX_CLICK", "test": False,
                "servingStatuses": ["RUNNABLE"] if grp.raw_status == "ACTIVE" else [
                    "CAMPAIGN_STATUS_HOLD"],
                "version": {"versionTag": "2"}, "changeAuditStamps": stamps,
            }
            if sparse:
                record = without(record, *(["format"] if k % 3 == 0 else []),
                                  *(["objectiveType"] if k % 4 == 1 else []),
                                  *(["dailyBudget"] if k % 2 else []),
                                  *(["servingStatuses"] if k % 3 == 2 else []))
            campaigns.setdefault(grp.account_id, []).append(record)
        creatives: dict[str, list[dict]] = {}
        for k, ad in enumerate(li["ads"].sort_values("ad_id").itertuples(index=False)):
            record = {
                "id": CREATIVE_URN + ad.ad_id, "account": ACCOUNT_URN + ad.account_id,
                "campaign": CAMPAIGN_URN + ad.ad_group_id, "name": ad.name,
                "intendedStatus": ad.raw_status, "isServing": ad.raw_status == "ACTIVE",
                "isTest": False, "content": _content(k, ad, sparse),
                "createdAt": created, "createdBy": "urn:li:person:3eB4nD9xk1",
                "lastModifiedAt": created + 3_600_000,
                "lastModifiedBy": "urn:li:person:3eB4nD9xk1",
                "servingHoldReasons": [] if ad.raw_status == "ACTIVE" else [
                    "CAMPAIGN_STOPPED"],
            }
            if sparse:
                record = without(record, "servingHoldReasons",
                                  *(["name"] if k % 3 == 1 else []))
            creatives.setdefault(ad.account_id, []).append(record)
        return {"adCampaignGroups": groups, "adCampaigns": campaigns, "creatives": creatives}

    # -- lead sync ---------------------------------------------------------------------------
    def _lead_responses(self, request: Request) -> Response:
        """`GET /rest/leadFormResponses`: an ad account's lead form responses, newest first.

        Query (Rest.li 2.0): `q=owner`, `owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A
        <id>)`, `leadType=(leadType:SPONSORED)` (other lead types: none here),
        `limitedToTestLeads=false` (`true`: none, the world has no test leads),
        `submittedAtTimeRange=(start:<ms>,end:<ms>)` (optional, either bound optional; start
        inclusive, end exclusive), `start` (default 0) and `count` (default 10, at most 1000).
        Answer: `{"elements": [...], "paging": {"start", "count", "total", "links": [{"rel":
        "next" | "prev", "href", "type"}]}}`. An element: `id` (string), `owner:
        {"sponsoredAccount": urn}`, `submitter` (`urn:li:person:...`), `leadType: "SPONSORED"`,
        `versionedLeadGenFormUrn: "urn:li:versionedLeadGenForm:(urn:li:leadGenForm:<form id>,
        1)"`, `submittedAt` (epoch ms), `testLead: false`, `leadMetadata:
        {"sponsoredLeadMetadata": {"campaign": "urn:li:sponsoredCampaign:<id>"}}`,
        `associatedEntity: {"associatedCreative": "urn:li:sponsoredCreative:<id>"}` (left out
        of about one in three when sparse), `formResponse: {"answers": [{"questionId": <int>,
        "answerDetails": {"textQuestionAnswer": {"answer": "..."}}}], "consentResponses":
        []}`. An account the token cannot see is a 403."""
        params = raw_params(request.raw_query)
        if params.get("q") != "owner":
            raise RestliError("leadFormResponses supports q=owner")
        account_id = self._owner_account(params)
        lead_type = parse_restli(params.get("leadType", ""))
        if not isinstance(lead_type, dict) or "leadType" not in lead_type:
            raise RestliError("leadType is required, e.g. leadType=(leadType:SPONSORED)")
        if account_id not in self._accounts:
            return _no_access(account_id)
        records = self._lead_records(self.server.sparse(self.name)).get(account_id, [])
        if lead_type["leadType"] != "SPONSORED" or _flag(params, "limitedToTestLeads"):
            records = []
        if "submittedAtTimeRange" in params:
            window = parse_restli(params["submittedAtTimeRange"])
            if not isinstance(window, dict):
                raise RestliError("submittedAtTimeRange must be (start:<ms>,end:<ms>)")
            start, end = (_int_param(window.get(k), k, default) for k, default in (
                ("start", 0), ("end", 2**63 - 1)))
            records = [r for r in records if start <= r["submittedAt"] < end]
        if self.server.faults.active(self.name, "new_field"):
            records = [{**r, NEW_LEAD_FIELD[0]: NEW_LEAD_FIELD[1]} for r in records]
        return self._start_count_page(request, params, records)

    def _lead_forms(self, request: Request, form_id: str | None) -> Response:
        """`GET /rest/leadForms/{id}`: one lead form (404 for an unknown id); `GET /rest/
        leadForms?q=owner&owner=(sponsoredAccount:<urn>)&start=&count=`: an account's forms,
        paged as `leadFormResponses`. A form: `id` (number), `owner: {"sponsoredAccount":
        urn}`, `name`, `state: "PUBLISHED"`, `versionId: 1`, `creationLocale`, `created` and
        `lastModified` (epoch ms), `content: {"headline", "description", "questions":
        [{"questionId", "name", "question": {"localized": {"en_US": ...}}, "questionDetails",
        "predefinedField": "FIRST_NAME" | "LAST_NAME" | "EMAIL", "responseRequired"}]}`."""
        forms = self._lead_form_records()
        if form_id is not None:
            form = forms.get(form_id)
            if form is None:
                return Response(404, error_body(404, "NOT_FOUND",
                                                f"Not found: {FORM_URN}{form_id}"))
            return Response(200, form)
        params = raw_params(request.raw_query)
        if params.get("q") != "owner":
            raise RestliError("leadForms supports q=owner")
        account_id = self._owner_account(params)
        if account_id not in self._accounts:
            return _no_access(account_id)
        owner = ACCOUNT_URN + account_id
        mine = [f for f in forms.values() if f["owner"]["sponsoredAccount"] == owner]
        return self._start_count_page(request, params, mine)

    def _owner_account(self, params: dict[str, str]) -> str:
        """The ad account of `owner=(sponsoredAccount:<urn>)` (the accounts built)."""
        owner = parse_restli(params.get("owner", ""))
        urn = owner.get("sponsoredAccount") if isinstance(owner, dict) else None
        if not isinstance(urn, str) or not urn.startswith(ACCOUNT_URN):
            raise RestliError("owner must be (sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A<id>)")
        self._build_entities(self.server.sparse(self.name))
        return urn.removeprefix(ACCOUNT_URN)

    def _start_count_page(self, request: Request, params: dict[str, str],
                          records: list[dict]) -> Response:
        start = _int_param(params.get("start"), "start", 0)
        count = _int_param(params.get("count"), "count", DEFAULT_LEAD_COUNT)
        if start < 0 or not 1 <= count <= MAX_LEAD_COUNT:
            raise RestliError(f"start must be >= 0 and count between 1 and {MAX_LEAD_COUNT}")
        links = []
        for rel, at in (("prev", start - count), ("next", start + count)):
            if (rel == "prev" and start > 0) or (rel == "next" and at < len(records)):
                query = {**params, "start": str(max(0, at)), "count": str(count)}
                href = request.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
                links.append({"rel": rel, "href": href, "type": "application/json"})
        return Response(200, {"elements": records[start:start + count], "paging": {
            "start": start, "count": count, "total": len(records), "links": links}})

    def _lead_records(self, sparse: bool) -> dict[str, list[dict]]:
        """Each account's lead form responses, newest first (sparse: some without
        `associatedEntity`)."""
        if sparse in self._leads:
            return self._leads[sparse]
        with self.server.lock:
            if sparse not in self._leads:
                self._leads[sparse] = _lead_responses(self.server.world, sparse)
            return self._leads[sparse]

    def _lead_form_records(self) -> dict[str, dict]:
        if self._forms is None:
            with self.server.lock:
                if self._forms is None:
                    self._forms = _lead_forms(self.server.world)
        return self._forms

    # -- analytics ---------------------------------------------------------------------------
    def _analytics(self, request: Request) -> Response:
        params = raw_params(request.raw_query)
        if params.get("q") != "analytics":
            raise RestliError("adAnalytics supports q=analytics here")
        pivot = params.get("pivot")
        if pivot != "CREATIVE":
            raise RestliError(f"pivot {pivot!r} is not simulated; use pivot=CREATIVE")
        granularity = params.get("timeGranularity")
        if granularity != "DAILY":
            raise RestliError(f"timeGranularity {granularity!r} is not simulated; use DAILY")
        if "dateRange" not in params:
            raise RestliError("dateRange is required")
        date_range = parse_restli(params["dateRange"])
        if not isinstance(date_range, dict) or "start" not in date_range:
            raise RestliError("dateRange needs a start: (start:(year:..,month:..,day:..))")
        start = _date(date_range["start"])
        end = _date(date_range["end"]) if "end" in date_range else self.server.world.end_date
        if end < start:
            raise RestliError("dateRange end is before its start")
        fields = [f for f in unquote(params.get("fields", "")).split(",") if f]
        fields = fields or list(_DEFAULT_ANALYTICS_FIELDS)
        if len(fields) > MAX_ANALYTICS_FIELDS:
            raise RestliError(f"at most {MAX_ANALYTICS_FIELDS} fields per request")
        unknown = sorted(set(fields) - {"dateRange", "pivotValues", *ANALYTICS_METRICS})
        if unknown:
            raise RestliError(f"unknown fields {unknown}")
        accounts = _urn_ids(params, "accounts", ACCOUNT_URN)
        campaigns = _urn_ids(params, "campaigns", CAMPAIGN_URN)
        creatives = _urn_ids(params, "creatives", CREATIVE_URN)
        if not (accounts or campaigns or creatives):
            raise RestliError("one of accounts, campaigns or creatives is required")
        elements = self._analytics_elements(start, end, accounts, campaigns, creatives, fields)
        return Response(200, {"paging": {"start": 0, "count": 10, "links": []},
                              "elements": elements})

    def _analytics_elements(self, start: dt.date, end: dt.date, accounts: list[str] | None,
                            campaigns: list[str] | None, creatives: list[str] | None,
                            fields: list[str]) -> list[dict]:
        index = self._metrics_index()
        first = self.server.world.start_date
        lo, hi = (start - first).days, (end - first).days
        # No access and no activity look the same: an empty list (LinkedIn documents this).
        ids = accounts if accounts is not None else list(index)
        new_field = self.server.faults.active(self.name, "new_field")
        sparse = self.server.sparse(self.name)
        out: list[dict] = []
        for account_id in ids:
            m = index.get(account_id)
            if m is None:
                continue
            a, b = np.searchsorted(m.day_index, [lo, hi + 1])
            rows = _chosen(m, np.arange(a, b), campaigns, creatives)
            if m.twice is not None:
                rows = np.repeat(rows, 1 + m.twice[rows])
            # Not paged: whatever does not fit under the cap is silently left out.
            room = max(0, self.max_elements - len(out))
            elements = _render_rows(m, rows[:room], fields, new_field, sparse)
            strays = stray_rows(self.server.world, account_id, start, end)
            if len(rows) and strays is not None:
                s = _account_metrics(strays)[account_id]
                before, after = (_render_rows(s, _chosen(s, np.array([k]), campaigns, creatives),
                                              fields, new_field, sparse) for k in (0, 1))
                elements = before + elements + after
            out.extend(elements[:room])
            if len(out) >= self.max_elements:
                break
        return out

    def warm(self) -> None:
        """Build the indexes now rather than on the first request."""
        self._metrics_index()
        self._build_entities(self.server.world.sparse)
        self._lead_records(self.server.world.sparse)
        self._lead_form_records()

    def _metrics_index(self) -> dict[str, _AccountMetrics]:
        world = self.server.world
        version = world.restatement_version
        cached = self._metrics
        if cached is not None and cached[0] == version:
            return cached[1]
        with self.server.lock:
            daily = world.ad_daily()
            li = daily[daily["network"] == "linkedin"].sort_values(
                ["account_id", "day_index", "ad_id"], kind="stable")
            index = _account_metrics(li, served_twice(world, li))
            self._metrics = (version, index)
            return index


def _no_access(account_id: str) -> Response:
    return Response(403, error_body(403, "ACCESS_DENIED", "Not enough permissions to access: "
                                    f"{ACCOUNT_URN}{account_id}", 100))


def _flag(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise RestliError(f"{name} must be true or false, not {value!r}")
    return value == "true"


def _int_param(value: Any, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RestliError(f"{name} must be an integer, not {value!r}") from None


def _form_question_base(form_id: str) -> int:
    """The first questionId of a form's questions: distinct numbers per form."""
    return 3_000_000 + (int(form_id) % 1_000_000) * 10


def _lead_forms(world) -> dict[str, dict]:
    """The LinkedIn lead forms the world's leads were submitted on, by form id."""
    leads = world.leads[world.leads["network"] == "linkedin"]
    forms = leads.drop_duplicates("form_id").sort_values("form_id")
    names = world.campaigns.set_index("campaign_id")["name"].to_dict()
    created = _ms(world.start_date - dt.timedelta(days=30))
    out = {}
    for form in forms.itertuples(index=False):
        base = _form_question_base(form.form_id)
        out[form.form_id] = {
            "id": int(form.form_id), "owner": {"sponsoredAccount": ACCOUNT_URN + form.account_id},
            "name": f"{names.get(form.campaign_id, 'Campaign')} lead form", "state": "PUBLISHED",
            "versionId": 1, "creationLocale": {"country": "US", "language": "en"},
            "created": created, "lastModified": created + 3_600_000,
            "content": {
                "headline": {"localized": {"en_US": "Get the attribution guide"}},
                "description": {"localized": {"en_US": "Tell us where to send it."}},
                "questions": [
                    {"questionId": base + offset, "name": name,
                     "question": {"localized": {"en_US": label}},
                     "questionDetails": {"textQuestionDetails": {"maxResponseLength": 300}},
                     "predefinedField": predefined, "responseRequired": True}
                    for offset, name, label, predefined, _ in LEAD_QUESTIONS],
            },
        }
    return out


def _lead_responses(world, sparse: bool) -> dict[str, list[dict]]:
    """Each LinkedIn account's lead form responses, newest first (sparse: those of
    `leads_without_creative` without `associatedEntity`)."""
    leads = world.leads[world.leads["network"] == "linkedin"]
    bare = leads_without_creative(leads) if sparse else np.zeros(len(leads), dtype=bool)
    submitted = pd.DatetimeIndex(leads["created_at"]).as_unit("ms").asi8
    order = np.lexsort((leads["lead_id"].astype("int64").to_numpy(), submitted))[::-1]
    out: dict[str, list[dict]] = {}
    for k, lead in zip(order, leads.iloc[order].itertuples(index=False), strict=True):
        base = _form_question_base(lead.form_id)
        element = {
            "id": lead.lead_id, "owner": {"sponsoredAccount": ACCOUNT_URN + lead.account_id},
            "submitter": f"{PERSON_URN}ACoAA{lead.contact_id}", "leadType": "SPONSORED",
            "versionedLeadGenFormUrn": (
                f"urn:li:versionedLeadGenForm:({FORM_URN}{lead.form_id},1)"),
            "submittedAt": int(submitted[k]), "testLead": False,
            "leadMetadata": {"sponsoredLeadMetadata": {
                "campaign": CAMPAIGN_URN + lead.ad_group_id}},
            "associatedEntity": {"associatedCreative": CREATIVE_URN + lead.ad_id},
            "formResponse": {"answers": [
                {"questionId": base + offset,
                 "answerDetails": {"textQuestionAnswer": {"answer": str(getattr(lead, column))}}}
                for offset, _, _, _, column in LEAD_QUESTIONS], "consentResponses": []},
        }
        if bare[k]:
            del element["associatedEntity"]
        out.setdefault(lead.account_id, []).append(element)
    return out


def _account_metrics(li: pd.DataFrame,
                     twice: np.ndarray | None = None) -> dict[str, _AccountMetrics]:
    """LinkedIn ad-days (in `World.ad_daily()`'s columns, sorted by account and day) as arrays
    per account."""
    days = pd.to_datetime(li["date"])
    cents = li["spend_cents"].to_numpy()
    columns = {
        "impressions": li["impressions"].to_numpy(),
        "clicks": li["clicks"].to_numpy(),
        "costInLocalCurrency": _cost_strings(cents),
        "likes": li["likes"].to_numpy(),
        "totalEngagements": li["engagements"].to_numpy(),
        "externalWebsiteConversions": li["conversions_centi"].to_numpy() // 100,
        "landingPageClicks": li["link_clicks"].to_numpy(),
    }
    year, month, day = (days.dt.year.to_numpy(), days.dt.month.to_numpy(),
                        days.dt.day.to_numpy())
    account = li["account_id"].to_numpy()
    index: dict[str, _AccountMetrics] = {}
    bounds = np.flatnonzero(np.r_[True, account[1:] != account[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        ad_ids = li["ad_id"].to_numpy()[a:b]
        index[str(account[a])] = _AccountMetrics(
            day_index=li["day_index"].to_numpy()[a:b],
            ad_id=ad_ids, group_id=li["ad_group_id"].to_numpy()[a:b],
            creative=np.char.add(CREATIVE_URN, ad_ids.astype(str)).astype(object),
            year=year[a:b], month=month[a:b], day=day[a:b],
            metrics={k: v[a:b] for k, v in columns.items()},
            twice=None if twice is None else twice[a:b],
        )
    return index


def _chosen(m: _AccountMetrics, rows: np.ndarray, campaigns: list[str] | None,
            creatives: list[str] | None) -> np.ndarray:
    """Those of `rows` that the request's campaign and creative filters keep."""
    if campaigns is not None:
        rows = rows[np.isin(m.group_id[rows], campaigns)]
    if creatives is not None:
        rows = rows[np.isin(m.ad_id[rows], creatives)]
    return rows


def _tracking(ad) -> str:
    """HubSpot's tracking parameters of a tracked creative, as its landing page carries them."""
    return "?" + ad_tracking(ad) + HSA_TAIL["linkedin"]


def _content(k: int, ad, sparse: bool) -> dict[str, Any]:
    """A creative's `content`: a text ad's `textAd`; a sponsored update's `reference` to its post,
    or (sparse, every second one) a `spotlight` ad. In a sparse rendering a landing page carries
    HubSpot's tracking parameters (a tracked ad's)."""
    landing = ad.final_url + (_tracking(ad) if sparse and ad.is_tracked else "")
    if ad.campaign_type == "TEXT_AD":
        return {"textAd": {"headline": f"{ad.name}: attribution that adds up",
                           "description": "See which campaigns bring customers.",
                           "landingPage": landing}}
    if sparse and ad.campaign_type == "SPONSORED_UPDATES" and k % 2 == 0:
        return {"spotlight": {"headline": f"{ad.name}: see your pipeline",
                              "description": "Attribution for every ad.",
                              "landingPage": landing}}
    return {"reference": f"urn:li:share:{7_100_000_000 + int(ad.ad_id)}"}


def _render_rows(m: _AccountMetrics, rows: np.ndarray, fields: list[str],
                 new_field: bool, sparse: bool = False) -> list[dict]:
    if len(rows) == 0:
        return []
    columns: list[tuple[str, list]] = []
    for name in fields:
        if name in ANALYTICS_METRICS:
            values = m.metrics[name][rows]
            columns.append((name, values.tolist()))
    names = [n for n, _ in columns]
    lists = [v for _, v in columns]
    years, months, days = (m.year[rows].tolist(), m.month[rows].tolist(),
                           m.day[rows].tolist())
    creatives = m.creative[rows].tolist()
    want_range, want_pivot = "dateRange" in fields, "pivotValues" in fields
    # Sparse: counts that are zero are left out (impressions and cost always come).
    zero_gone = [sparse and name in _LEFT_OUT_WHEN_ZERO for name in names]
    out = []
    for i in range(len(rows)):
        if sparse:
            element = {name: col[i] for name, col, gone in zip(names, lists, zero_gone,
                                                               strict=True)
                       if not (gone and col[i] == 0)}
        else:
            element = dict(zip(names, [col[i] for col in lists], strict=True))
        if want_range:
            ymd = {"year": years[i], "month": months[i], "day": days[i]}
            element["dateRange"] = {"start": ymd, "end": dict(ymd)}
        if want_pivot:
            element["pivotValues"] = [creatives[i]]
        if new_field:
            element[NEW_ANALYTICS_FIELD[0]] = NEW_ANALYTICS_FIELD[1]
        out.append(element)
    return out


def _urn_ids(params: dict[str, str], name: str, prefix: str) -> list[str] | None:
    if name not in params:
        return None
    value = parse_restli(params[name])
    if not isinstance(value, list):
        raise RestliError(f"{name} must be a List(...) of URNs")
    ids = []
    for urn in value:
        if not isinstance(urn, str) or not urn.startswith(prefix):
            raise RestliError(f"{name} holds {urn!r}, not a {prefix}<id> URN")
        ids.append(urn.removeprefix(prefix))
    return ids


_STATUS_KEY = {"adCampaignGroups": "status", "adCampaigns": "status",
               "creatives": "intendedStatus"}


def _filter(records: list[dict], collection: str, params: dict[str, str]) -> list[dict]:
    """Apply the finders' status filters: `search=(status:(values:List(..)))` for campaign
    groups and campaigns, `intendedStatuses=List(..)` and `campaigns=List(..)` for creatives."""
    statuses: list[str] | None = None
    if collection == "creatives":
        if "intendedStatuses" in params:
            statuses = parse_restli(params["intendedStatuses"])
        if "campaigns" in params:
            wanted = set(parse_restli(params["campaigns"]))
            records = [r for r in records if r["campaign"] in wanted]
    elif "search" in params:
        search = parse_restli(params["search"])
        if not isinstance(search, dict):
            raise RestliError("search must be a Rest.li record, e.g. (status:(values:List(..)))")
        status = search.get("status")
        if status is not None:
            statuses = status.get("values") if isinstance(status, dict) else None
            if not isinstance(statuses, list):
                raise RestliError("search status must be (values:List(...))")
    if statuses is not None:
        key = _STATUS_KEY[collection]
        allowed = set(statuses)
        records = [r for r in records if r[key] in allowed]
    return records


_VERSION = re.compile(r"^(\d{4})(\d{2})(\.\d{2})?$")


def _active_version(version: str) -> bool:
    match = _VERSION.match(version.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return False
    return int(match.group(1) + match.group(2)) >= OLDEST_ACTIVE_VERSION
