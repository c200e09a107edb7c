"""HTTP for the Google Ads API: auth headers, Google's error bodies, GAQL search paging."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import orjson
import requests

from ingestion.common.http import (
    DEFAULT_RETRY,
    ApiClient,
    Outcome,
    RetryPolicy,
    default_classify,
)
from ingestion.common.jsonpage import PageShape, parse_page
from ingestion.common.validate import InvalidConfiguration
from ingestion.google_ads.settings import SEARCH_PATH, SOURCE_NAME

# GoogleAdsFailure error codes that retrying can clear, and those only new credentials can.
_TRANSIENT = {("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED"),
              ("internalError", "TRANSIENT_ERROR"), ("internalError", "INTERNAL_ERROR"),
              ("internalError", "DEADLINE_EXCEEDED")}
_AUTH_KINDS = {"authenticationError", "authorizationError"}
_AUTH_REQUEST_ERRORS = {"DEVELOPER_TOKEN_PARAMETER_MISSING", "LOGIN_CUSTOMER_ID_PARAMETER_MISSING"}


def normalize_customer_id(value: str | int, setting: str = "customer id") -> str:
    """Google shows customer ids as 123-456-7890; the API wants the ten digits."""
    digits = str(value).replace("-", "").strip()
    if not digits.isdigit():
        raise InvalidConfiguration(f"{SOURCE_NAME}: {setting} {str(value).strip()!r} is not a "
                                   "number like 123-456-7890")
    return digits


def error_codes(response: requests.Response) -> list[tuple[str, str]]:
    """(kind, code) pairs from a GoogleAdsFailure, e.g. ('quotaError', 'RESOURCE_EXHAUSTED')."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return []
    error = body.get("error") if isinstance(body, dict) else None
    codes = []
    for detail in (error or {}).get("details") or []:
        for failure in detail.get("errors") or []:
            for kind, code in (failure.get("errorCode") or {}).items():
                codes.append((kind, str(code)))
    return codes


def classify(response: requests.Response) -> Outcome:
    """Google's status first (429 RESOURCE_EXHAUSTED and 5xx retry, 401/403 auth), then its
    GoogleAdsFailure codes (RESOURCE_TEMPORARILY_EXHAUSTED, transient internal errors retry): a
    RETRY here is the client's retry condition."""
    outcome = default_classify(response)
    if outcome is not Outcome.ERROR:
        return outcome
    codes = error_codes(response)
    if any(code in _TRANSIENT for code in codes):
        return Outcome.RETRY
    if any(kind in _AUTH_KINDS or code in _AUTH_REQUEST_ERRORS for kind, code in codes):
        return Outcome.AUTH
    return Outcome.ERROR


def describe_error(response: requests.Response) -> str:
    """`STATUS: message [errorCode ...]` from Google's error body, or the start of the text."""
    try:
        body = orjson.loads(response.content)
        error = body["error"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return response.text[:300]
    parts = [f"{error.get('status', '')}: {error.get('message', '')}".strip(": ")]
    for detail in error.get("details") or []:
        for failure in detail.get("errors") or []:
            code = ", ".join(f"{k}={v}" for k, v in (failure.get("errorCode") or {}).items())
            parts.append(f"[{code}] {failure.get('message', '')}".strip())
        if detail.get("requestId"):
            parts.append(f"(request id {detail['requestId']})")
    return " ".join(p for p in parts if p)


def make_api_client(
    base_url: str,
    access_token: str,
    developer_token: str,
    login_customer_id: str | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> ApiClient:
    """An ApiClient with Google's headers and retry policy."""
    headers = {"Authorization": f"Bearer {access_token}", "developer-token": developer_token}
    if login_customer_id:
        headers["login-customer-id"] = normalize_customer_id(login_customer_id,
                                                             "login_customer_id")
    return ApiClient(
        source=SOURCE_NAME, base_url=base_url, headers=headers,
        secrets=(access_token, developer_token), classify=classify,
        describe_error=describe_error, retry=retry,
    )


class GoogleAdsClient:
    """`googleAds:search` for one API version: each call pages through a GAQL query."""

    def __init__(self, api: ApiClient, api_version: str) -> None:
        self.api = api
        self.api_version = api_version

    def search(self, customer_id: str, query: str,
               shape: PageShape | None = None) -> Iterator[Any]:
        """Yield each page's rows until the response carries no `nextPageToken`: lists of
        rows, or Arrow tables when the page's `shape` is given."""
        path = SEARCH_PATH.format(version=self.api_version, customer_id=customer_id)
        body: dict[str, Any] = {"query": query}
        parse = orjson.loads if shape is None else partial(parse_page, shape=shape)
        while True:
            page = self.api.post(path, account=customer_id, json=body, parse=parse)
            if shape is None:
                yield page.get("results") or []
                envelope = page
            else:
                yield page.records
                envelope = page.envelope
            token = envelope.get("nextPageToken")
            if not token:
                return
            body = {"query": query, "pageToken": token}
