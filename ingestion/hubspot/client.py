"""HTTP for the HubSpot source: auth, HubSpot's error bodies, and every endpoint's paging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

import orjson
import pyarrow as pa
import requests

from ingestion.common.http import DEFAULT_RETRY, ApiClient, ApiError, RetryPolicy
from ingestion.common.jsonpage import PageShape, parse_page
from ingestion.hubspot import settings
from ingestion.hubspot.helpers import iso_ms, to_ms


def describe_error(response: requests.Response) -> str:
    """HubSpot's error body `{status, message, correlationId, category}` in one line."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:300]
    if not isinstance(body, dict):
        return response.text[:300]
    category = body.get("category") or body.get("errorType") or "ERROR"
    text = f"{category}: {body.get('message', '')}".strip()
    if body.get("correlationId"):
        text += f" (correlationId {body['correlationId']})"
    return text


class HubSpotClient:
    """One portal, reached with one private app token.

    Errors name the portal as the account: its id once account info has been read (or as
    configured), else `portal`.
    """

    def __init__(
        self,
        access_token: str,
        base_url: str = settings.DEFAULT_BASE_URL,
        api_version: str = settings.API_VERSION,
        associations_api_version: str = settings.ASSOCIATIONS_API_VERSION,
        portal_id: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.api = ApiClient(
            source=settings.SOURCE_NAME,
            base_url=base_url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            secrets=(access_token,),
            # HubSpot throttles with 429 (its secondly and daily limits alike; Retry-After
            # honoured): the default classify.
            describe_error=describe_error,
            retry=retry,
        )
        self.version = api_version
        self.associations_version = associations_api_version
        self._portal_id = str(portal_id) if portal_id else None
        self._details: dict[str, Any] | None = None

    # -- account -------------------------------------------------------------------------------
    @property
    def account(self) -> str:
        return self._portal_id or "portal"

    def path(self, template: str, **parts: str) -> str:
        return template.format(v=self.version, av=self.associations_version, **parts)

    def account_details(self) -> dict[str, Any]:
        if self._details is None:
            details = self.api.get(self.path(settings.ACCOUNT_DETAILS), account=self.account)
            if not isinstance(details, dict) or "portalId" not in details:
                raise ApiError(settings.SOURCE_NAME, self.account,
                               f"GET {self.path(settings.ACCOUNT_DETAILS)}",
                               "account details carry no portalId")
            self._details = details
            self._portal_id = self._portal_id or str(details["portalId"])
        return self._details

    def portal_id(self) -> str:
        """The portal's id (the account incremental state is kept under)."""
        if self._portal_id is None:
            self.account_details()
        return str(self._portal_id)

    def company_currency(self) -> dict[str, Any]:
        return self.api.get(self.path(settings.COMPANY_CURRENCY), account=self.account)

    # -- generic paging ------------------------------------------------------------------------
    def get(self, template: str, params: dict | None = None) -> Any:
        return self.api.get(self.path(template), account=self.account, params=params)

    def paged(self, template: str, page_size: int, params: dict | None = None,
              maximum: int = settings.SETTINGS_MAX_LIMIT,
              shape: PageShape | None = None) -> Iterator[Any]:
        """GET pages by `limit` / `after` until `paging.next` is absent: lists of results, or
        Arrow tables when the page's `shape` is given."""
        path = self.path(template)
        query = {**(params or {}), "limit": max(1, min(page_size, maximum))}
        parse = orjson.loads if shape is None else partial(parse_page, shape=shape)
        while True:
            page = self.api.get(path, account=self.account, params=query, parse=parse)
            if shape is None:
                results, envelope = page.get("results") or [], page
            else:
                results, envelope = page.records, page.envelope
            if len(results):
                yield results
            after = _next_after(envelope)
            if after is None:
                return
            query["after"] = after

    # -- CRM objects ---------------------------------------------------------------------------
    def list_objects(self, object_type: str, properties: Sequence[str],
                     page_size: int) -> Iterator[list[dict]]:
        """Every record of an object type through the list endpoint (no result cap)."""
        yield from self.paged(settings.OBJECTS.replace("{object_type}", object_type), page_size,
                              {"properties": ",".join(properties), "archived": "false"},
                              maximum=settings.LIST_MAX_LIMIT)

    def search_modified_since(
        self,
        object_type: str,
        since_ms: int,
        properties: Sequence[str],
        page_size: int,
        result_cap: int = settings.SEARCH_RESULT_CAP,
    ) -> Iterator[list[dict]]:
        """Records modified at or after `since_ms`, oldest first, through the search endpoint.

        Search stops at `result_cap` results per query, so once a query's window is exhausted
        the next query starts at the last modification time seen (records at that instant come
        twice; the merge on id absorbs them).
        """
        path = self.path(settings.OBJECTS_SEARCH, object_type=object_type)
        prop = settings.MODIFIED_PROPERTY[object_type]
        limit = max(1, min(page_size, settings.SEARCH_MAX_LIMIT, result_cap))
        lower = since_ms
        while True:
            offset, newest = 0, None
            while True:
                body = {
                    "filterGroups": [{"filters": [
                        {"propertyName": prop, "operator": "GTE", "value": str(lower)}]}],
                    "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
                    "properties": list(properties),
                    "limit": min(limit, result_cap - offset),
                }
                if offset:
                    body["after"] = str(offset)
                page = self.api.post(path, account=self.account, json=body)
                results = page.get("results") or []
                if results:
                    newest = _modified(results[-1], prop) or newest
                    yield results
                after = _next_after(page)
                if after is None:
                    return
                offset = int(after)
                if offset >= result_cap:
                    break
            if newest is None or newest <= lower:
                raise ApiError(
                    settings.SOURCE_NAME, self.account, f"POST {path}",
                    f"more than {result_cap} {object_type} share {prop} {lower}; the search "
                    "API cannot page past its result cap, so this window cannot be split")
            lower = newest

    def associations(self, from_type: str, to_type: str, ids: Sequence[str],
                     batch_size: int) -> Iterator[list[dict]]:
        """v4 batch read: results per input id, following each id's own `paging.next.after`."""
        path = self.path(settings.ASSOCIATIONS_BATCH_READ, from_type=from_type, to_type=to_type)
        size = max(1, min(batch_size, settings.ASSOCIATION_BATCH_MAX))
        pending: list[dict[str, str]] = [{"id": str(i)} for i in ids]
        while pending:
            inputs, pending = pending[:size], pending[size:]
            page = self.api.post(path, account=self.account, json={"inputs": inputs})
            results = page.get("results") or []
            for result in results:
                after = _next_after(result)
                if after is not None:
                    pending.append({"id": str(result["from"]["id"]), "after": after})
            if results:
                yield results

    # -- events --------------------------------------------------------------------------------
    def events(self, event_type: str, occurred_after: dt.datetime,
               occurred_before: dt.datetime, page_size: int,
               shape: PageShape) -> Iterator[pa.Table]:
        """Contact event occurrences of one type in (occurred_after, occurred_before), each
        page as an Arrow table."""
        params = {"objectType": "contact", "eventType": event_type,
                  "occurredAfter": iso_ms(occurred_after),
                  "occurredBefore": iso_ms(occurred_before)}
        yield from self.paged(settings.EVENTS, page_size, params,
                              maximum=settings.EVENTS_PAGE_SIZE, shape=shape)


def _next_after(page: dict[str, Any]) -> str | None:
    after = ((page.get("paging") or {}).get("next") or {}).get("after")
    return None if after in (None, "") else str(after)


def _modified(record: dict[str, Any], prop: str) -> int | None:
    value = (record.get("properties") or {}).get(prop) or record.get("updatedAt")
    return to_ms(value)
