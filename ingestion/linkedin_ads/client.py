"""LinkedIn Marketing API client: versioned headers, Rest.li 2.0 queries, cursor paging, and
adAnalytics requests chunked to stay under the response cap."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import quote

import orjson
import pyarrow as pa
import requests

from ingestion.common import validate
from ingestion.common.http import DEFAULT_RETRY, ApiClient, ApiError, RetryPolicy
from ingestion.common.jsonpage import parse_page
from ingestion.common.validate import InvalidConfiguration
from ingestion.linkedin_ads import settings

log = logging.getLogger(__name__)


# -- Rest.li 2.0 query encoding -----------------------------------------------------------------
# Structural characters `( ) , :` go literally; every leaf value is percent-encoded, so a URN's
# own colons travel as `%3A` and the server can tell them from the structure.

def restli_leaf(value: object) -> str:
    return quote(str(value), safe="")


def restli_list(values: list | tuple) -> str:
    return "List(" + ",".join(restli_leaf(v) for v in values) + ")"


def restli_date(day: dt.date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


def restli_date_range(start: dt.date, end: dt.date) -> str:
    return f"(start:{restli_date(start)},end:{restli_date(end)})"


def query_string(params: dict[str, str]) -> str:
    """Join already-encoded Rest.li values into a query string (requests would re-encode them)."""
    return "&".join(f"{quote(key, safe='')}={value}" for key, value in params.items())


# -- errors ---------------------------------------------------------------------------------------

def describe_error(response: requests.Response) -> str:
    """`INVALID_ACCESS_TOKEN (serviceErrorCode 65600): message`, or the start of the body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:300]
    if not isinstance(body, dict) or "message" not in body:
        return response.text[:300]
    code = body.get("code") or f"status {body.get('status', response.status_code)}"
    service = body.get("serviceErrorCode")
    label = f"{code} (serviceErrorCode {service})" if service is not None else str(code)
    return f"{label}: {body.get('message')}"


def normalize_account_id(account_id: str) -> str:
    """A plain account id, or a sponsoredAccount URN, as the plain id (digits)."""
    plain = account_id.removeprefix(settings.ACCOUNT_URN)
    if not plain.isdigit():
        raise InvalidConfiguration(f"{settings.SOURCE_NAME}: account id {account_id!r} is not a "
                                   "number like 507084756")
    return plain


class LinkedInClient:
    """One Marketing API version on one host, authenticated with one access token."""

    def __init__(self, base_url: str, access_token: str, api_version: str = settings.API_VERSION,
                 *, page_size: int = settings.DEFAULT_PAGE_SIZE,
                 max_elements: int = settings.ANALYTICS_MAX_ELEMENTS,
                 chunk_days: int = settings.DEFAULT_CHUNK_DAYS,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        validate.at_least(settings.SOURCE_NAME, {"page_size": (page_size, 1),
                                                 "max_elements": (max_elements, 2),
                                                 "chunk_days": (chunk_days, 1)})
        self.page_size = page_size
        self.max_elements = max_elements
        self.chunk_days = chunk_days
        self.http = ApiClient(
            source=settings.SOURCE_NAME, base_url=base_url,
            headers={"Authorization": f"Bearer {access_token}",
                     "LinkedIn-Version": str(api_version),
                     "X-Restli-Protocol-Version": settings.RESTLI_PROTOCOL_VERSION,
                     "Accept": "application/json"},
            # LinkedIn throttles with 429 (Retry-After honoured): the default classify.
            secrets=(access_token,), describe_error=describe_error,
            retry=retry,
        )

    def account(self, account_id: str) -> dict[str, Any]:
        return self.http.get(settings.ACCOUNT_PATH.format(account_id=account_id),
                             account=account_id)

    def search(self, account_id: str, collection: str) -> Iterator[list[dict]]:
        """Every page of a search finder: follow `metadata.nextPageToken` until it is absent."""
        _, finder, status_param, statuses = settings.SEARCHES[collection]
        path = settings.SEARCH_PATH.format(account_id=account_id, collection=collection)
        if status_param == "search":
            status_filter = f"(status:(values:{restli_list(statuses)}))"
        else:
            status_filter = restli_list(statuses)
        params = {"q": finder, status_param: status_filter, "pageSize": str(self.page_size)}
        while True:
            body = self._body(self.http.get(path, account=account_id,
                                            params=query_string(params)), account_id, path)
            elements = body.get("elements") or []
            if elements:
                yield elements
            token = (body.get("metadata") or {}).get("nextPageToken")
            if not token or not elements:
                return
            params = {**params, "pageToken": restli_leaf(token)}

    def lead_responses(self, account_id: str, start: dt.date,
                       end: dt.date) -> Iterator[list[dict]]:
        """Every page of the account's sponsored lead form responses submitted in the UTC days
        [start, end]: `start`/`count` paging to `paging.total`, or, without a total, to an
        empty page (a page shorter than `count` may only mean the server caps `count`)."""
        begin, stop = (int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() * 1000)
                       for day in (start, end + dt.timedelta(days=1)))
        params = {
            "q": "owner",
            "owner": f"(sponsoredAccount:{restli_leaf(settings.ACCOUNT_URN + account_id)})",
            "leadType": f"(leadType:{settings.LEAD_TYPE})",
            "limitedToTestLeads": "false",
            "submittedAtTimeRange": f"(start:{begin},end:{stop})",
            "count": str(self.page_size),
        }
        path = settings.LEAD_RESPONSES_PATH
        offset = 0
        while True:
            body = self._body(self.http.get(
                path, account=account_id,
                params=query_string({**params, "start": str(offset)})), account_id, path)
            elements = body.get("elements") or []
            if elements:
                yield elements
            offset += len(elements)
            total = (body.get("paging") or {}).get("total")
            if not elements or (isinstance(total, int) and offset >= total):
                return

    def lead_form(self, account_id: str, form_id: str) -> dict[str, Any]:
        """One lead form (`content.questions` says which question asks what)."""
        path = settings.LEAD_FORM_PATH.format(form_id=form_id)
        return self._body(self.http.get(path, account=account_id), account_id, path)

    def analytics(self, account_id: str, start: dt.date, end: dt.date) -> pa.Table:
        """One adAnalytics request: daily metrics per creative of one account for [start, end],
        as the Arrow table of its elements."""
        params = {
            "q": "analytics", "pivot": "CREATIVE", "timeGranularity": "DAILY",
            "dateRange": restli_date_range(start, end),
            "accounts": restli_list([settings.ACCOUNT_URN + account_id]),
            "fields": ",".join(settings.ANALYTICS_FIELDS),
        }
        page = self.http.get(settings.ANALYTICS_PATH, account=account_id,
                             params=query_string(params),
                             parse=partial(parse_page, shape=settings.ANALYTICS_PAGE))
        return page.records

    def analytics_chunks(self, account_id: str, start: dt.date,
                         end: dt.date) -> Iterator[tuple[dt.date, dt.date, pa.Table]]:
        """[start, end] in date chunks whose responses all stay under the element cap.

        A response that reaches the cap may have been truncated (LinkedIn does so silently), so
        its range is halved and asked again; each next chunk is sized from the density so far.
        """
        cursor, span = start, self.chunk_days
        while cursor <= end:
            stop = min(end, cursor + dt.timedelta(days=span - 1))
            days = (stop - cursor).days + 1
            elements = self.analytics(account_id, cursor, stop)
            if len(elements) >= self.max_elements:
                if days == 1:
                    raise ApiError(
                        settings.SOURCE_NAME, account_id, f"GET {settings.ANALYTICS_PATH}",
                        f"{cursor} alone returned {len(elements)} elements, the response cap "
                        f"({self.max_elements}); the day cannot be split further, so rows "
                        "may be missing. Request fewer creatives per call.")
                span = max(1, days // 2)
                log.info("%s: account %s: %s..%s reached the cap of %d elements; retrying "
                         "%d-day chunks", settings.SOURCE_NAME, account_id, cursor, stop,
                         self.max_elements, span)
                continue
            yield cursor, stop, elements
            cursor = stop + dt.timedelta(days=1)
            per_day = len(elements) / days
            fit = int(self.max_elements * settings.CHUNK_FILL / per_day) if per_day else span * 2
            span = max(1, min(self.chunk_days, fit))

    @staticmethod
    def _body(body: Any, account_id: str, path: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(settings.SOURCE_NAME, account_id, f"GET {path}",
                           f"expected a JSON object, got {type(body).__name__}")
        return body
