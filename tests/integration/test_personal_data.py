"""Personal data in responses: every read route shows a case's declared personal fields and the
applicant block masked to anyone but the applicant, and clear to the applicant; staff see clear
values only through the audited reveal (on the audit chain, in the applicant's timeline, rate
limited, refused to those who do not handle the case), and a reveal at the handling province
reaches the applicant's home as `case.revealed`."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from chalicelib.domain.envelope import MessageType
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, RS4_FORM, Party, applicant_of, ok
from tests.integration.test_exchange_faults import (  # the exchange's in-process queues and messages
    Queue,
    forwarded,
    message_id,
    on_inbound,
    outbox,
    post,
)
from tests.integration.test_exchange_faults import case_number as partner_case_number

PERSON = APPLICANTS["dev-applicant-1"]
MOBILE = "13912345678"  # the form's contact number, other than the applicant's own phone
ADDRESS = "广西壮族自治区南宁市青秀区民族大道100号"
FORM = {**RS4_FORM, "mobile": MOBILE}
CLEAR = (PERSON["id_number"], PERSON["phone"], PERSON["name"], MOBILE, "民族大道")
ID_AND_MOBILE = {"fields": ["applicant.id_number", "form.mobile"], "purpose": "identity_check"}


@pytest.fixture
def inbound(clean_aws: None) -> Queue:
    """The exchange's inbound queue, empty (queues live for the whole session, unlike tables)."""
    queue = Queue("inbound.fifo")
    queue.empty()
    return queue


def leaks(body: Any) -> list[str]:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return [value for value in CLEAR if value in text]


def submitted(applicant: Party) -> str:
    """A 失业登记 case at 湖南, submitted: in the handling clerk's inbox."""
    body = {"item_code": "KSTB-RS-004", "applicant": applicant_of(), "form": FORM}
    number = str(ok(applicant.post("/v1/cases", body), 201)["number"])
    licence = {"reference": "EL-430000-20160301-DEV10001"}
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", licence), 201)
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    return number


def events(party: Party, number: str, lang: str | None = None) -> dict[str, Any]:
    headers = {**party.headers, **({"Accept-Language": lang} if lang else {})}
    answer = party.client.http.get(f"/v1/cases/{number}/timeline", headers=headers)
    return dict(ok(answer))


def problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.body
    body = json.loads(answer.body)
    assert body["code"] == code, body
    return dict(body)


# — masking on every read —


def test_every_route_shows_the_applicant_clear_values_and_everyone_else_masked_ones(
    applicant: Party, clerk: Party, operator: Party
) -> None:
    number = submitted(applicant)
    mine = ok(applicant.get(f"/v1/cases/{number}"))
    assert (mine["form"]["mobile"], mine["applicant"]["id_number"]) == (MOBILE, PERSON["id_number"])
    for staff in (clerk, operator):
        seen = ok(staff.get(f"/v1/cases/{number}"))
        assert seen["form"]["mobile"] == "139****5678"
        assert seen["form"]["residence_city"] == "长沙市"  # not declared personal: as given
        assert leaks(seen) == []
        assert leaks(ok(staff.get(f"/v1/cases/{number}/timeline"))) == []
    assert leaks(ok(clerk.get("/v1/authority/cases"))) == []
    assert leaks(ok(applicant.get("/v1/cases"))) == []  # list lines carry no personal data at all
    accepted = ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    assert accepted["form"]["mobile"] == "139****5678" and leaks(accepted) == []


def intake_with_address(window: Party) -> str:
    """异地代收 at the 湖南 window of a 社会保障卡申领 for 广西, to be mailed to an address."""
    body = {
        "item_code": "KSTB-RS-002",
        "province": "450000",
        "applicant": applicant_of(),
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": {
            "insured_city": "南宁市",
            "bank": "中国工商银行",
            "delivery": "邮寄",
            "mailing_address": ADDRESS,
            "mobile": MOBILE,
        },
    }
    created = ok(window.post("/v1/window/intakes", body), 201)
    assert leaks(created) == [] and created["form"]["mailing_address"].startswith("广西壮族自治")
    return str(created["number"])


def test_the_window_sees_its_intake_its_queue_and_its_receipts_masked(
    client: Any, stage: None, guangxi: PartnerProvince
) -> None:
    window = Party(client, "window_clerk")
    number = intake_with_address(window)
    consent = ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan"}))
    assert leaks(consent) == []
    assert leaks(ok(window.get(f"/v1/cases/{number}"))) == []
    assert leaks(ok(window.get("/v1/window/cases"))) == []
    assert leaks(ok(window.post(f"/v1/window/cases/{number}/receipt"))) == []
    page = window.client.http.get(f"/v1/window/cases/{number}/receipt.html", headers=window.headers)
    assert page.status_code == 200 and leaks(page.body.decode("utf-8")) == []
    assert leaks(ok(window.get(f"/v1/cases/{number}/timeline"))) == []


# — the reveal —


def test_the_handling_clerk_reveals_with_a_purpose_on_the_chain_and_the_applicant_reads_it(
    applicant: Party, clerk: Party
) -> None:
    number = submitted(applicant)
    answer = clerk.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE)
    revealed = ok(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    assert revealed["values"] == {"applicant.id_number": PERSON["id_number"], "form.mobile": MOBILE}
    assert revealed["case_number"] == number

    timeline = events(applicant, number)
    event = timeline["events"][-1]
    assert (event["act"], event["seq"], event["by"]["role"]) == (
        "personal_data_revealed",
        revealed["event_seq"],
        "authority_clerk",
    )
    assert event["details"] == {
        "fields": ["applicant.id_number", "form.mobile"],
        "kinds": ["id_number", "phone"],
        "purpose": "identity_check",
    }
    assert leaks(timeline["events"]) == []  # the chain names fields, never values
    text = event["description"]
    assert "核验申请人身份" in text and "身份证件号码" in text
    english = events(applicant, number, "en")["events"][event["seq"] - 1]["description"]
    assert "ID number" in english and "checking the applicant's identity" in english
    audit = ok(applicant.get(f"/v1/cases/{number}/audit"))
    assert audit["ok"] and audit["length"] == event["seq"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"fields": ["applicant.id_number"]}, "purpose", "missing"),
        ({"fields": ["applicant.id_number"], "purpose": "curiosity"}, "purpose", "enum"),
        ({"fields": [], "purpose": "identity_check"}, "fields", "too_short"),
        (
            {"fields": ["form.residence_city"], "purpose": "identity_check"},
            "fields.0",
            "field_not_revealable",
        ),
        ({"fields": ["form.mobile"], "purpose": "other"}, "note", "reveal_note_required"),
    ],
)
def test_a_reveal_without_a_purpose_or_of_an_undeclared_field_is_refused_and_changes_nothing(
    applicant: Party, clerk: Party, body: dict[str, Any], field: str, code: str
) -> None:
    number = submitted(applicant)
    before = events(applicant, number)["events"]
    refused = problem(clerk.post(f"/v1/cases/{number}/reveal", body), 422, "validation_failed")
    assert any(e["field"].endswith(field) and code in e["code"] for e in refused["errors"]), refused
    assert events(applicant, number)["events"] == before


def test_only_the_handling_clerk_and_the_intake_window_may_reveal(
    client: Any, applicant: Party, clerk: Party, operator: Party
) -> None:
    number = submitted(applicant)
    before = events(applicant, number)["events"]
    path = f"/v1/cases/{number}/reveal"
    problem(operator.post(path, ID_AND_MOBILE), 403, "reveal_not_allowed")  # reads, may not reveal
    problem(applicant.post(path, ID_AND_MOBILE), 403, "forbidden")  # the owner sees it all anyway
    other_authority = Party(client, "authority_clerk", authority="A-430000-99")
    problem(other_authority.post(path, ID_AND_MOBILE), 404, "case_not_found")
    problem(Party(client, "window_clerk").post(path, ID_AND_MOBILE), 404, "case_not_found")
    assert events(applicant, number)["events"] == before


def test_the_intake_window_may_reveal_its_own_intake(
    client: Any, stage: None, guangxi: PartnerProvince
) -> None:
    window = Party(client, "window_clerk")
    number = intake_with_address(window)
    body = {"fields": ["form.mailing_address"], "purpose": "other", "note": "核对邮寄地址"}
    assert ok(window.post(f"/v1/cases/{number}/reveal", body))["values"] == {"form.mailing_address": ADDRESS}
    event = ok(window.get(f"/v1/cases/{number}/timeline"))["events"][-1]
    assert (event["act"], event["details"]["note"]) == ("personal_data_revealed", "核对邮寄地址")
    assert "message" not in event["details"]  # the window is the applicant's home: nothing to tell


def test_reveals_are_rate_limited_per_clerk_with_retry_after(
    applicant: Party, clerk: Party, client: Any
) -> None:
    from chalicelib import container

    container.reveals().per_hour = 2
    number = submitted(applicant)
    for _ in range(2):
        ok(clerk.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE))
    before = events(applicant, number)["events"]
    answer = clerk.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE)
    problem(answer, 429, "reveal_rate_limited")
    assert 1 <= int(answer.headers["Retry-After"]) <= 3600
    assert events(applicant, number)["events"] == before
    colleague = Party(client, "authority_clerk", sub="dev-authority-clerk-2")
    ok(colleague.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE))  # the limit is per clerk


def test_a_replayed_reveal_is_recorded_once_and_never_replays_to_another_caller(
    applicant: Party, clerk: Party, client: Any
) -> None:
    number = submitted(applicant)
    first = clerk.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE, key="reveal-1")
    again = clerk.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE, key="reveal-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.body == first.body
    colleague = Party(client, "authority_clerk", sub="dev-authority-clerk-2")
    theirs = colleague.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE, key="reveal-1")
    assert "Idempotent-Replayed" not in theirs.headers
    reveals = [e for e in events(applicant, number)["events"] if e["act"] == "personal_data_revealed"]
    assert [e["by"]["subject"] for e in reveals] == ["dev-authority-clerk-1", "dev-authority-clerk-2"]


# — across provinces —


def test_a_reveal_at_the_handling_province_is_sent_home_as_case_revealed(
    client: Any, clerk: Party, guangxi: PartnerProvince, inbound: Queue
) -> None:
    number = partner_case_number()
    post(client, guangxi.message(forwarded(), case=number, seq=1))
    assert on_inbound({"Records": inbound.receive()}) == {"batchItemFailures": []}
    revealed = ok(clerk.post(f"/v1/cases/{number}/reveal", ID_AND_MOBILE))
    assert revealed["values"]["applicant.id_number"] == PERSON["id_number"]
    [message] = [m for m in outbox(number) if m["type"] == MessageType.REVEALED.value]
    assert (message["to"], message["seq"]) == ("450000", 1)
    assert message["payload"]["fields"] == ["applicant.id_number", "form.mobile"]
    assert message["payload"]["event_seq"] == revealed["event_seq"]
    assert leaks(message["payload"]) == [] and "13800000001" not in json.dumps(message["payload"])


def test_a_case_revealed_message_shows_in_the_timeline_at_home(
    client: Any, applicant: Party, guangxi: PartnerProvince, inbound: Queue
) -> None:
    body = {"item_code": "KSTB-RS-004", "province": "450000", "applicant": applicant_of(), "form": FORM}
    number = str(ok(applicant.post("/v1/cases", body), 201)["number"])
    payload = {
        "fields": ["applicant.id_number"],
        "kinds": ["id_number"],
        "purpose": "identity_check",
        "note": None,
        "by": {
            "role": "authority_clerk",
            "subject": "dev-authority-clerk-1",
            "province": "450000",
            "authority": "A-450000-01",
        },
        "at": "2026-11-23T10:00:00+08:00",
        "event_seq": 2,
    }
    sent = guangxi.message(payload, case=number, seq=1, kind=MessageType.REVEALED)
    post(client, sent)
    assert on_inbound({"Records": inbound.receive()}) == {"batchItemFailures": []}
    timeline = events(applicant, number)
    event = timeline["events"][-1]
    assert (event["act"], event["by"]["province"]) == ("partner_revealed", "450000")
    text = event["description"]
    assert "核验申请人身份" in text and "身份证件号码" in text
    assert ok(applicant.get(f"/v1/cases/{number}/audit"))["ok"]
    assert message_id(sent)


def test_no_personal_value_reaches_a_log_line_on_the_reveal_paths(
    client: Any,
    stage: None,
    guangxi: PartnerProvince,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.observability import logger

    caplog.set_level(logging.DEBUG)
    # botocore's wire log (DEBUG) prints every DynamoDB body, clear case documents included: it is
    # never on in a deployed stage (the Lambda root logger is at WARNING), so it is left out here
    caplog.set_level(logging.INFO, logger="botocore")
    lines = io.StringIO()
    handler = logger.registered_handler
    monkeypatch.setattr(handler, "stream", lines)
    level = logger.log_level
    logger.setLevel("DEBUG")  # the app's own lines, request lines included, at every level
    try:
        window = Party(client, "window_clerk")
        number = intake_with_address(window)
        fields = ["applicant.name", "applicant.id_number", "applicant.phone", "form.mobile"]
        body = {"fields": [*fields, "form.mailing_address"], "purpose": "result_delivery"}
        assert leaks(ok(window.post(f"/v1/cases/{number}/reveal", body))["values"]) == list(CLEAR)
        wrong = window.post(f"/v1/cases/{number}/reveal", {**body, "purpose": "other"})
        problem(wrong, 422, "validation_failed")
        ok(window.get(f"/v1/cases/{number}/timeline"))
    finally:
        logger.setLevel(level)
    output = lines.getvalue() + caplog.text
    assert '"route":"/v1/cases/{number}/reveal"' in output.replace(" ", "") and leaks(output) == []
