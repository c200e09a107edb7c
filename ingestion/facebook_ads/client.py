"""Graph API client: auth, error classification, cursor paging, insights requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import Any

import orjson
import pyarrow as pa
import requests

from ingestion.common import validate
from ingestion.common.http import DEFAULT_RETRY, ApiClient, ApiError, Outcome, RetryPolicy
from ingestion.common.jsonpage import PageShape, parse_page
from ingestion.common.validate import InvalidConfiguration
from ingestion.facebook_ads import settings
from ingestion.facebook_ads.helpers import lead_ads


def graph_error(response: requests.Response) -> dict[str, Any]:
    """The `error` object of a Graph error body, or {} when the body is not one."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def classify(response: requests.Response) -> Outcome:
    """Graph signals throttling and token problems by error code, usually on HTTP 400 or 403
    (`THROTTLE_CODES`: 4, 17, 32, 613, 80000-80014): a RETRY here is the client's
    retry condition."""
    status = response.status_code
    if status < 300:
        return Outcome.OK
    error = graph_error(response)
    code = error.get("code")
    if code in settings.THROTTLE_CODES or code in settings.TRANSIENT_CODES:
        return Outcome.RETRY
    if code in settings.AUTH_CODES:
        return Outcome.AUTH
    if error.get("is_transient") is True or status == 429 or status >= 500:
        return Outcome.RETRY
    if status in (401, 403):
        return Outcome.AUTH
    return Outcome.ERROR


def describe_error(response: requests.Response) -> str:
    """`(#190/463) message [OAuthException, fbtrace_id ...]`, or the start of the body."""
    error = graph_error(response)
    if not error:
        return response.text[:300]
    code = error.get("code")
    subcode = error.get("error_subcode")
    label = f"#{code}/{subcode}" if subcode is not None else f"#{code}"
    return (f"Graph error {label}: {error.get('message', '')} "
            f"[{error.get('type', 'unknown type')}, fbtrace_id {error.get('fbtrace_id', '-')}]")


def normalize_account_id(account_id: str | int) -> str:
    """Config may give `act_123` or `123`; URLs take `act_` + the plain id (digits)."""
    text = str(account_id).strip()
    plain = text.removeprefix("act_")
    if not plain.isdigit():
        raise InvalidConfiguration(f"{settings.SOURCE_NAME}: account id {text!r} is not a "
                                   "number like act_1234567890")
    return plain


class FacebookClient:
    """One Graph API version on one host, authenticated with one access token."""

    def __init__(self, base_url: str, access_token: str, api_version: str = settings.API_VERSION,
                 *, page_size: int = settings.DEFAULT_PAGE_SIZE,
                 insights_page_size: int = settings.DEFAULT_INSIGHTS_PAGE_SIZE,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        validate.at_least(settings.SOURCE_NAME, {"page_size": (page_size, 1),
                                                 "insights_page_size": (insights_page_size, 1)})
        self.insights_page_size = insights_page_size
        self.api_version = api_version
        self.page_size = page_size
        # A header keeps the token out of URLs (and so out of logs and `paging.next` links).
        self.http = ApiClient(
            source=settings.SOURCE_NAME, base_url=base_url,
            headers={"Authorization": f"Bearer {access_token}"}, secrets=(access_token,),
            classify=classify, describe_error=describe_error, retry=retry,
        )

    def account(self, account_id: str) -> dict[str, Any]:
        path = settings.ACCOUNT_PATH.format(version=self.api_version, account_id=account_id)
        params = {"fields": ",".join(settings.ACCOUNT_FIELDS)}
        return self.http.get(path, account=f"act_{account_id}", params=params)

    def pages(self, account_id: str, edge: str, params: dict[str, str],
              shape: PageShape | None = None, limit: int | None = None) -> Iterator[Any]:
        """Every page of an edge: follow `paging.cursors.after` until `paging.next` is absent.

        Pages are lists of records, or Arrow tables when the page's `shape` is given.
        """
        path = settings.EDGE_PATH.format(version=self.api_version, account_id=account_id,
                                         edge=edge)
        return self.path_pages(path, account_id, params, shape, limit)

    def path_pages(self, path: str, account_id: str, params: dict[str, str],
                   shape: PageShape | None = None, limit: int | None = None) -> Iterator[Any]:
        """`pages` of any edge by its path (an ad's leads), on behalf of account `account_id`."""
        query = {**params, "limit": str(limit or self.page_size)}
        parse = orjson.loads if shape is None else partial(parse_page, shape=shape)
        while True:
            body = self.http.get(path, account=f"act_{account_id}", params=query, parse=parse)
            if shape is None:
                data, envelope = body.get("data") or [], body
            else:
                data, envelope = body.records, body.envelope
            if len(data):
                yield data
            paging = envelope.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after or not len(data):
                return
            if after == query.get("after"):
                raise ApiError(settings.SOURCE_NAME, f"act_{account_id}", f"GET {path}",
                               f"paging did not advance past cursor {after!r}")
            query = {**query, "after": after}

    def entities(self, account_id: str, edge: str) -> Iterator[list[dict]]:
        """Campaigns, ad sets or ads, including deleted and archived ones."""
        _, fields, statuses = settings.EDGES[edge]
        params = {"fields": ",".join(fields),
                  "effective_status": orjson.dumps(list(statuses)).decode()}
        return self.pages(account_id, edge, params)

    def lead_ads(self, account_id: str) -> list[str]:
        """The account's ads worth asking for leads (`helpers.lead_ads`), whatever their status:
        a lead stays with its ad after the ad is paused, archived or deleted."""
        campaigns = self.pages(account_id, "campaigns", {
            "fields": ",".join(settings.LEAD_CAMPAIGN_FIELDS),
            "effective_status": orjson.dumps(list(settings.CAMPAIGN_STATUSES)).decode()})
        ads = self.pages(account_id, "ads", {
            "fields": ",".join(settings.LEAD_AD_FIELDS),
            "effective_status": orjson.dumps(list(settings.AD_STATUSES)).decode()})
        return lead_ads([c for page in campaigns for c in page],
                        [ad for page in ads for ad in page])

    def leads(self, account_id: str, ad_id: str, since: dt.datetime) -> Iterator[list[dict]]:
        """Every page of the leads of one ad created after `since` (Graph filters on whole
        seconds, strictly after)."""
        path = settings.AD_LEADS_PATH.format(version=self.api_version, ad_id=ad_id)
        after = int(since.timestamp()) - 1
        params = {"fields": ",".join(settings.LEAD_FIELDS),
                  "filtering": orjson.dumps([{"field": "time_created",
                                              "operator": "GREATER_THAN",
                                              "value": after}]).decode()}
        return self.path_pages(path, account_id, params)

    def insights(self, account_id: str, since: dt.date, until: dt.date) -> Iterator[pa.Table]:
        """Daily ad-level insights for [since, until], deleted and archived ads included, each
        page as an Arrow table."""
        params = {
            "level": "ad",
            "time_increment": "1",
            "time_range": orjson.dumps({"since": since.isoformat(),
                                        "until": until.isoformat()}).decode(),
            "fields": ",".join(settings.INSIGHT_FIELDS),
            "filtering": orjson.dumps([{"field": "ad.effective_status", "operator": "IN",
                                        "value": list(settings.AD_STATUSES)}]).decode(),
        }
        return self.pages(account_id, "insights", params, settings.INSIGHTS_PAGE,
                          self.insights_page_size)
