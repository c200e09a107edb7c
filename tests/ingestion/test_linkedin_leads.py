"""LinkedIn Lead Gen Form responses (`leadFormResponses?q=owner`, `leadForms/{id}`) through the
source's real code paths: payloads written by hand from the Marketing API's documented shapes,
answered on loopback, loaded by a real dlt pipeline into a throwaway DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import unquote

import pytest

from ingestion.common.failures import PartialLoadError
from ingestion.common.http import RetryPolicy
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.linkedin_ads import linkedin_ads
from ingestion.linkedin_ads.helpers import email_questions, lead_email, lead_form_id
from simulator.apis import simulator_server
from simulator.world import World, leads_without_creative
from tests.conftest import END_DATE, SEED
from tests.ingestion.loopback import Loopback, Request, dropped_days
from tests.warehouse import raw_column_types, raw_table

FAST_RETRIES = {"retry": RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.1)}
TOKEN = "AQV-handwritten-leads"
ACCOUNT_URN = "urn:li:sponsoredAccount:507"


def ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp() * 1000)


def form(form_id: int, *questions: tuple[int, str, str | None]) -> dict:
    """A lead form as `GET /rest/leadForms/{id}` returns it (the fields read here and a few)."""
    return {"id": form_id, "owner": {"sponsoredAccount": ACCOUNT_URN}, "state": "PUBLISHED",
            "name": f"Form {form_id}", "creationLocale": {"country": "US", "language": "en"},
            "content": {"questions": [
                {"questionId": qid, "name": name, "responseRequired": True,
                 "question": {"localized": {"en_US": name}},
                 "questionDetails": {"textQuestionDetails": {"maxResponseLength": 300}},
                 **({"predefinedField": predefined} if predefined else {})}
                for qid, name, predefined in questions]}}


FORMS = {
    # the email question is not the first; a custom question asks for "email" in its name
    "6001": form(6001, (11, "First name", "FIRST_NAME"), (12, "Your email (custom)", None),
                 (13, "Email address", "EMAIL")),
    # only a work email
    "6002": form(6002, (21, "Work email", "WORK_EMAIL"), (22, "Company", "COMPANY_NAME")),
}


def answer(question_id: int, text: str) -> dict:
    return {"questionId": question_id, "answerDetails": {"textQuestionAnswer": {"answer": text}}}


def response(lead_id: str, submitted: str, form_id: int, answers: list[dict], *,
             campaign: int | None = 301, creative: int | None = 9001,
             test: bool = False) -> dict:
    """A lead form response as `leadFormResponses` sends it; `associatedEntity` (documented
    optional) and the sponsored campaign left out when None."""
    element: dict[str, Any] = {
        "id": lead_id, "owner": {"sponsoredAccount": ACCOUNT_URN},
        "submitter": "urn:li:person:abc123", "leadType": "SPONSORED",
        "versionedLeadGenFormUrn": f"urn:li:versionedLeadGenForm:(urn:li:leadGenForm:{form_id},1)",
        "submittedAt": ms(submitted), "testLead": test,
        "formResponse": {"answers": answers, "consentResponses": [
            {"accepted": True, "consentId": 1}]},
        "leadMetadata": {"sponsoredLeadMetadata": {}},
    }
    if campaign is not None:
        element["leadMetadata"]["sponsoredLeadMetadata"]["campaign"] = (
            f"urn:li:sponsoredCampaign:{campaign}")
    if creative is not None:
        element["associatedEntity"] = {
            "associatedCreative": f"urn:li:sponsoredCreative:{creative}"}
    return element


RESPONSES = [
    response("f1a2-0001", "2026-05-04T08:00:00+00:00", 6001,
             [answer(11, "Ana"), answer(12, "not-this@example.org"),
              answer(13, "  Ana.Example@Mail.COM ")]),
    # no associatedEntity: the creative is unknown
    response("f1a2-0002", "2026-05-04T23:59:59+00:00", 6002, [answer(21, "bo@firm.example")],
             creative=None),
    # a test lead: dropped
    response("f1a2-0003", "2026-05-05T01:00:00+00:00", 6001, [answer(13, "test@linkedin.com")],
             test=True),
    # the email question left unanswered
    response("f1a2-0004", "2026-05-05T10:00:00+00:00", 6001, [answer(11, "Cy")]),
    # no sponsored campaign on the lead either
    response("f1a2-0005", "2026-05-05T23:00:00+00:00", 6002, [answer(21, "dee@firm.example")],
             campaign=None, creative=None),
    # submitted on the 6th: outside the days asked (a server ignoring the range), dropped
    response("f1a2-0006", "2026-05-06T00:00:00+00:00", 6002, [answer(21, "late@firm.example")]),
]


# The account's LinkedIn campaign 301 (our ad group) in campaign group 201, and its creative.
CAMPAIGNS = [{"id": 301, "account": ACCOUNT_URN, "name": "Leads EMEA", "status": "ACTIVE",
              "campaignGroup": "urn:li:sponsoredCampaignGroup:201", "type": "SPONSORED_UPDATES"}]
CREATIVES = [{"id": "urn:li:sponsoredCreative:9001", "account": ACCOUNT_URN,
              "campaign": "urn:li:sponsoredCampaign:301", "intendedStatus": "ACTIVE"}]


class LinkedIn:
    """One ad account's lead form responses in pages of `count`, and its lead forms. With
    `ignore_range` the responses come whatever `submittedAtTimeRange` asked for."""

    def __init__(self, ignore_range: bool = False, with_total: bool = True) -> None:
        self.ignore_range = ignore_range
        self.with_total = with_total

    def answer(self, request: Request) -> tuple[int, Any]:
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers.get("authorization") == f"Bearer {TOKEN}"
        assert headers.get("linkedin-version") and headers.get("x-restli-protocol-version")
        if request.path == "/rest/adAccounts/507":
            return 200, {"id": 507, "name": "Nordic Shoes", "currency": "USD",
                         "status": "ACTIVE", "type": "BUSINESS", "test": False}
        if request.path.startswith("/rest/leadForms/"):
            found = FORMS.get(request.path.rsplit("/", 1)[1])
            if found is None:
                return 404, {"status": 404, "code": "NOT_FOUND", "message": "Not found"}
            return 200, found
        if request.path == "/rest/leadFormResponses":
            return 200, self.responses(request)
        if request.path == "/rest/adAccounts/507/adCampaigns":
            return 200, {"elements": CAMPAIGNS, "metadata": {}}
        if request.path == "/rest/adAccounts/507/creatives":
            return 200, {"elements": CREATIVES, "metadata": {}}
        return 200, {"elements": [], "metadata": {}}

    def responses(self, request: Request) -> dict:
        q = request.query
        assert q["q"] == "owner" and unquote(q["owner"]) == f"(sponsoredAccount:{ACCOUNT_URN})"
        assert q["leadType"] == "(leadType:SPONSORED)" and q["limitedToTestLeads"] == "false"
        start_ms, end_ms = (int(part.split(":")[1]) for part in
                            q["submittedAtTimeRange"].strip("()").split(","))
        rows = [r for r in RESPONSES
                if self.ignore_range or start_ms <= r["submittedAt"] < end_ms]
        start, count = int(q["start"]), int(q["count"])
        paging: dict[str, Any] = {"start": start, "count": count, "links": []}
        if self.with_total:
            paging["total"] = len(rows)
        return {"paging": paging, "elements": rows[start:start + count]}


def load(warehouse, pipelines_dir, api: LinkedIn, **overrides):
    with Loopback(api.answer) as server:
        source = linkedin_ads(**{
            "access_token": TOKEN, "account_ids": ["507"], "base_url": server.base_url,
            "start_date": "2026-05-04", "end_date": "2026-05-05", **FAST_RETRIES, **overrides})
        run_source(source, make_pipeline("linkedin_ads", warehouse, pipelines_dir))
    return server.requests


def responses(warehouse) -> dict[str, dict]:
    table = raw_table(warehouse, "raw_linkedin_ads", "lead_form_responses")
    table = table.astype(object).where(table.notna(), None)
    return {row["id"]: row for row in table.to_dict("records")}


@pytest.mark.parametrize("with_total", [True, False])
def test_responses_load_with_the_email_of_their_form_and_test_leads_dropped(
        warehouse, pipelines_dir, caplog, with_total):
    with caplog.at_level("INFO"):
        requests = load(warehouse, pipelines_dir, LinkedIn(with_total=with_total),
                        page_size=2)
    loaded = responses(warehouse)
    assert sorted(loaded) == ["f1a2-0001", "f1a2-0002", "f1a2-0004", "f1a2-0005"]
    ana = loaded["f1a2-0001"]
    assert ana["email"] == "  Ana.Example@Mail.COM "  # as delivered: staging normalises
    assert (ana["account_id"], ana["form_id"]) == ("507", "6001")
    assert ana["owner__sponsored_account"] == ACCOUNT_URN
    assert ana["lead_metadata__sponsored_lead_metadata__campaign"] == (
        "urn:li:sponsoredCampaign:301")
    assert ana["associated_entity__associated_creative"] == "urn:li:sponsoredCreative:9001"
    assert ana["submitted_at"] == ms("2026-05-04T08:00:00+00:00")
    assert ana["submitted_at_utc"] == dt.datetime(2026, 5, 4, 8, tzinfo=dt.UTC)
    assert ana["test_lead"] is False
    assert json.loads(ana["form_response__answers"])[2] == answer(13, "  Ana.Example@Mail.COM ")
    assert loaded["f1a2-0002"]["associated_entity__associated_creative"] is None
    assert loaded["f1a2-0002"]["email"] == "bo@firm.example"  # the WORK_EMAIL question
    assert loaded["f1a2-0004"]["email"] is None
    assert loaded["f1a2-0005"]["lead_metadata__sponsored_lead_metadata__campaign"] is None

    # each form read once, whatever the number of its responses
    forms = [r.path for r in requests if r.path.startswith("/rest/leadForms/")]
    assert sorted(forms) == ["/rest/leadForms/6001", "/rest/leadForms/6002"]
    # paged by start/count across pages (5 responses in the window, 2 a page)
    starts = [r.query["start"] for r in requests if r.path == "/rest/leadFormResponses"]
    assert starts == (["0", "2", "4"] if with_total else ["0", "2", "4", "5"])
    first = next(r for r in requests if r.path == "/rest/leadFormResponses")
    assert first.query["submittedAtTimeRange"] == (
        f"(start:{ms('2026-05-04T00:00:00+00:00')},end:{ms('2026-05-06T00:00:00+00:00')})")

    said = [r.getMessage() for r in caplog.records if "test lead" in r.getMessage()]
    assert said == ["linkedin_ads: account 507: dropped 1 test lead submitted "
                    "2026-05-04..2026-05-05"]
    windows = raw_table(warehouse, "raw_linkedin_ads", "load_windows")
    assert sorted(windows[["report", "account_id", "start_date", "end_date"]]
                  .values.tolist()) == [["ad_analytics_daily", "507", "2026-05-04", "2026-05-05"],
                                        ["lead_form_responses", "507", "2026-05-04",
                                         "2026-05-05"]]


def test_responses_of_days_not_asked_for_are_dropped_and_said(warehouse, pipelines_dir, caplog):
    with caplog.at_level("WARNING"):
        load(warehouse, pipelines_dir, LinkedIn(ignore_range=True), chunk_days=1)
    assert sorted(responses(warehouse)) == ["f1a2-0001", "f1a2-0002", "f1a2-0004", "f1a2-0005"]
    dropped = dropped_days(caplog.records)
    assert len(dropped) == 2, dropped  # one per one-day request
    assert dropped[0].startswith("linkedin_ads: account 507: asked for 2026-05-04..2026-05-04")
    assert "2026-05-05 (2)" in dropped[0] and "2026-05-06 (1)" in dropped[0]
    assert "2026-05-04 (2)" in dropped[1] and "2026-05-06 (1)" in dropped[1]


def test_a_rerun_merges_on_the_response_id(warehouse, pipelines_dir):
    load(warehouse, pipelines_dir, LinkedIn())
    load(warehouse, pipelines_dir, LinkedIn(), end_date="2026-05-06", lookback_days=2)
    assert sorted(responses(warehouse)) == ["f1a2-0001", "f1a2-0002", "f1a2-0004", "f1a2-0005",
                                            "f1a2-0006"]
    assert len(raw_table(warehouse, "raw_linkedin_ads", "lead_form_responses")) == 5


def test_no_responses_leave_the_table_empty_with_every_column(warehouse, pipelines_dir):
    load(warehouse, pipelines_dir, LinkedIn(), start_date="2026-04-01", end_date="2026-04-02")
    assert len(raw_table(warehouse, "raw_linkedin_ads", "lead_form_responses")) == 0
    types = raw_column_types(warehouse, "raw_linkedin_ads", "lead_form_responses")
    assert {c: types[c] for c in (
        "id", "submitted_at", "test_lead", "associated_entity__associated_creative",
        "lead_metadata__sponsored_lead_metadata__campaign", "form_id", "email",
        "submitted_at_utc")} == {
        "id": "VARCHAR", "submitted_at": "BIGINT", "test_lead": "BOOLEAN",
        "associated_entity__associated_creative": "VARCHAR",
        "lead_metadata__sponsored_lead_metadata__campaign": "VARCHAR", "form_id": "VARCHAR",
        "email": "VARCHAR", "submitted_at_utc": "TIMESTAMP WITH TIME ZONE"}


def test_a_form_that_cannot_be_read_fails_the_account_and_keeps_its_state(
        warehouse, pipelines_dir, monkeypatch):
    monkeypatch.delitem(FORMS, "6002")
    with pytest.raises(PartialLoadError) as failed:
        load(warehouse, pipelines_dir, LinkedIn())
    assert "linkedin_ads: account 507: GET /rest/leadForms/6002: HTTP 404" in str(failed.value)
    assert len(raw_table(warehouse, "raw_linkedin_ads", "lead_form_responses")) == 0


def test_form_ids_email_questions_and_answers():
    urn = "urn:li:versionedLeadGenForm:(urn:li:leadGenForm:6001,3)"
    assert lead_form_id(urn) == "6001" and lead_form_id(None) is None
    assert email_questions(FORMS["6001"]) == ["13"]
    assert email_questions(form(1, (1, "Work", "WORK_EMAIL"), (2, "Mail", "EMAIL"))) == ["2", "1"]
    assert email_questions({"id": 1}) == []
    answers = [answer(1, "w@x.org"), answer(2, "")]
    assert lead_email(answers, ["2", "1"]) == "w@x.org"
    assert lead_email(None, ["1"]) is None


def test_the_simulated_responses_load_as_the_world_made_them(warehouse, pipelines_dir):
    """Against the simulator's leadFormResponses and leadForms, sparse (some responses without
    their creative): every LinkedIn lead of the world, with its account, LinkedIn campaign,
    creative when sent, form, the email by the form's EMAIL question, and time."""
    world = World.generate("S", SEED, END_DATE, sparse=True)
    with simulator_server(world) as server:
        source = linkedin_ads(
            access_token=server.tokens["linkedin_ads"], base_url=server.base_url,
            account_ids=world.accounts.loc[world.accounts["network"] == "linkedin",
                                           "account_id"].tolist(),
            start_date=world.start_date.isoformat(), end_date=world.end_date.isoformat(),
            page_size=1, **FAST_RETRIES)
        pipeline = make_pipeline("linkedin_ads", warehouse, pipelines_dir)
        run_source(source.with_resources("load_windows", "lead_form_responses"), pipeline)

    truth = world.leads[world.leads["network"] == "linkedin"].set_index("lead_id")
    loaded = responses(warehouse)
    assert len(truth) > 0 and sorted(loaded) == sorted(truth.index)
    without_creative = set(truth.index[leads_without_creative(truth.reset_index())])
    for lead_id, row in loaded.items():
        lead = truth.loc[lead_id]
        assert (row["account_id"], row["form_id"], row["email"]) == (
            lead["account_id"], lead["form_id"], lead["email"])
        assert row["lead_metadata__sponsored_lead_metadata__campaign"] == (
            f"urn:li:sponsoredCampaign:{lead['ad_group_id']}")
        assert row["associated_entity__associated_creative"] == (
            None if lead_id in without_creative else f"urn:li:sponsoredCreative:{lead['ad_id']}")
        assert row["submitted_at_utc"] == lead["created_at"].floor("ms")
