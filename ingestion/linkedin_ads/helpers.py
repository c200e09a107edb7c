"""Parsing: LinkedIn elements to Arrow tables, with the key columns the raw tables need."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common.arrow import to_table, with_keys
from ingestion.common.http import ApiError
from ingestion.linkedin_ads import settings


def analytics_table(elements: pa.Table, account_id: str) -> pa.Table:
    """adAnalytics elements as delivered, plus the key columns: the account the request was for,
    the creative URN (the one pivot value of a `pivot=CREATIVE` element) and the UTC day
    (`dateRange.start` as `YYYY-MM-DD`)."""
    n = elements.num_rows
    urn = pc.struct_field(pc.extract_regex(elements.column("pivotValues"), _FIRST_PIVOT), "urn")
    parts = [elements.column(f"dateRange__start__{part}") for part in ("year", "month", "day")]
    missing = reduce(pc.or_, [pc.is_null(values) for values in (urn, *parts)])
    bad = pc.sum(missing).as_py() or 0
    if bad:
        first = elements.filter(missing).slice(0, 1).to_pylist()
        raise ApiError(settings.SOURCE_NAME, account_id, f"GET {settings.ANALYTICS_PATH}",
                       f"{bad} element(s) lack pivotValues or dateRange.start: {first!r:.200}")
    text = [pc.utf8_lpad(pc.cast(part, pa.string()), width, "0")
            for part, width in zip(parts, (4, 2, 2), strict=True)]
    day = pc.binary_join_element_wise(*text, "-")
    try:
        day.cast(pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ApiError(settings.SOURCE_NAME, account_id, f"GET {settings.ANALYTICS_PATH}",
                       f"an element's dateRange.start is not a date: {exc}") from None
    keys = pa.table({"account_id": pa.array([account_id] * n, pa.string()),
                     "creative_urn": urn.cast(pa.string()), "date": day})
    table = pa.Table.from_arrays([*keys.columns, *elements.columns],
                                 names=[*keys.column_names, *elements.column_names])
    return _keys_required(table, settings.ANALYTICS_PRIMARY_KEY, account_id,
                          "ad_analytics_daily")


# The first URN of the JSON list `pivotValues` (URNs hold no quotes or backslashes).
_FIRST_PIVOT = r'^\[\s*"(?P<urn>[^"\\]+)"'


def lead_form_id(versioned_form_urn: Any) -> str | None:
    """The form id in `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:<id>,<version>)`."""
    match = re.search(settings.LEAD_FORM_URN, str(versioned_form_urn or ""))
    return match.group(1) if match else None


def email_questions(form: Mapping[str, Any]) -> list[str]:
    """The ids of a lead form's email questions (`content.questions[].predefinedField`), in
    `LEAD_EMAIL_FIELDS`' order."""
    questions = [q for q in (form.get("content") or {}).get("questions") or []
                 if isinstance(q, dict) and q.get("questionId") is not None]
    return [str(q["questionId"]) for field in settings.LEAD_EMAIL_FIELDS
            for q in questions if q.get("predefinedField") == field]


def lead_email(answers: Any, questions: Sequence[str]) -> str | None:
    """The text answer to the first of `questions` the response answered, as delivered."""
    texts = {}
    for answer in answers if isinstance(answers, list) else []:
        if isinstance(answer, dict):
            text = ((answer.get("answerDetails") or {}).get("textQuestionAnswer") or {}).get(
                "answer")
            texts[str(answer.get("questionId"))] = text
    return next((texts[q] for q in questions if texts.get(q) not in (None, "")), None)


def lead_responses_table(records: list[dict], account_id: str,
                         forms: Mapping[str, Sequence[str]]) -> pa.Table:
    """Lead form responses as delivered, with the account asked, the form id, the email answer
    (by the email questions of each form, `forms`) and `submittedAt` as an instant."""
    rows = []
    for record in records:
        form_id = lead_form_id(record.get("versionedLeadGenFormUrn"))
        answers = (record.get("formResponse") or {}).get("answers")
        rows.append({**record, "form_id": form_id,
                     "email": lead_email(answers, forms.get(form_id or "", ()))})
    table = to_table(rows, known=settings.LEAD_RESPONSE_COLUMNS,
                     extra={"account_id": account_id})
    submitted = (table.column("submittedAt") if "submittedAt" in table.column_names
                 else pa.nulls(table.num_rows, pa.int64()))
    instants = pc.cast(pc.cast(submitted, pa.int64()), pa.timestamp("ms", tz="UTC")).cast(
        settings.LEAD_RESPONSE_COLUMNS["submitted_at_utc"])
    table = table.append_column(pa.field("submitted_at_utc", instants.type), instants)
    return _keys_required(table, ("id",), account_id, "lead_form_responses")


def entity_table(table: str, records: list[dict], account_id: str) -> pa.Table:
    return _keys_required(to_table(records, known=settings.COLUMNS[table]), ("id",),
                          account_id, table)


def _keys_required(table: pa.Table, keys: tuple[str, ...], account_id: str,
                   name: str) -> pa.Table:
    """Mark the merge key non-nullable in the Arrow schema too, as the dlt hints declare it."""
    for key in keys:
        nulls = table.column(key).null_count if key in table.column_names else table.num_rows
        if nulls:
            raise ApiError(settings.SOURCE_NAME, account_id, name,
                           f"{nulls} record(s) without the merge key {key!r}")
    return with_keys(table, keys)
