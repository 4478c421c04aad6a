"""Walk-in applicants and ratings across provinces, in one gateway (湖南 430000) with 广西 450000
played in-process: the public progress card and rating by case number + 查询码 (alike answers, rate
limits), SMS notices through the local stand-in (once each, never personal data), and `case.rated`
/ `case.rectification_closed` applied once, in order, never dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.case_states import CaseState
from chalicelib.domain.envelope import MessageType
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, Party, ok
from tests.integration.test_exchange_faults import (
    Queue,
    acts,
    forwarded,
    message_id,
    on_inbound,
    outbox,
    post,
)
from tests.integration.test_exchange_faults import case_number as partner_case_number
from tests.integration.test_window import intake

PERSON = APPLICANTS["dev-applicant-1"]
FOLLOW_UP = {"actions": "已约谈经办人员并优化流程", "applicant_feedback": "申请人表示满意"}


@pytest.fixture
def window(client: Any, stage: None) -> Party:
    return Party(client, "window_clerk")


@pytest.fixture
def inbound(clean_aws: None) -> Queue:
    queue = Queue("inbound.fifo")
    queue.empty()
    return queue


@pytest.fixture
def notifications(clean_aws: None) -> Queue:
    queue = Queue("notifications")
    queue.empty()
    return queue


def public(client: Any, path: str) -> Any:
    return client.http.get(path)


def rate_publicly(client: Any, number: str, body: dict[str, Any], key: str = "k-1") -> Any:
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    return client.http.post(
        f"/v1/public/cases/{number}/rating", headers=headers, body=json.dumps(body, ensure_ascii=False)
    )


def walk_in(window: Party) -> tuple[str, str]:
    number = intake(window)
    return number, str(ok(window.get(f"/v1/cases/{number}"))["intake"]["query_code"])


def advance(number: str, state: CaseState) -> None:
    """Put the window's copy where the handling province's messages would have led it."""
    from chalicelib import container
    from chalicelib.domain.case_acts import record
    from chalicelib.services.cases import GATEWAY

    book = container.cases().book
    case = book.load(number)
    outcome = record(case, "test_state", GATEWAY, container.cases().now(), {})
    outcome.case.state = state
    book.save(case, [outcome])


def body_of(answer: Any) -> dict[str, Any]:
    return dict(json.loads(answer.body))


def problem(answer: Any) -> tuple[int, str]:
    return answer.status_code, str(body_of(answer)["code"])


def delivered_notices(notifications: Queue) -> list[dict[str, Any]]:
    from chalicelib import container

    notices = notifications.bodies()
    for notice in notices:
        container.notices().deliver(notice)
    return notices


def sms_of(number: str) -> list[dict[str, Any]]:
    from chalicelib.adapters.sms import LocalSmsOutbox
    from chalicelib.container import settings

    return LocalSmsOutbox(settings().table("cases")).messages(number)


# — the public progress card —


def test_the_progress_card_answers_the_code_and_nothing_personal(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number, code = walk_in(window)
    typed = f"{code[:4].lower()}-{code[4:]}"  # as a person types it from paper
    answer = public(client, f"/v1/public/cases/{number}/progress?code={typed}")
    card = body_of(answer)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert (card["number"], card["progress"]["state"], card["handling"]["province"]) == (
        number,
        "draft",
        "450000",
    )
    assert card["links"] == {
        "progress": f"/v1/public/cases/{number}/progress",
        "rating": f"/v1/public/cases/{number}/rating",
    }
    for secret in (PERSON["name"], PERSON["id_number"], PERSON["phone"], "dev-window-clerk"):
        assert secret not in answer.body.decode() if isinstance(answer.body, bytes) else answer.body


def test_a_wrong_code_an_unknown_number_and_no_code_are_answered_alike(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number, code = walk_in(window)
    wrong = "2" * 8 if code != "2" * 8 else "3" * 8
    unknown = "430000-20260101-AAAAAAAA"
    answers = [
        public(client, f"/v1/public/cases/{number}/progress?code={wrong}"),
        public(client, f"/v1/public/cases/{unknown}/progress?code={code}"),
        public(client, f"/v1/public/cases/{number}/progress"),
        public(client, f"/v1/public/cases/{number}/progress?code=not-a-code"),
        rate_publicly(client, number, {"code": wrong, "level": "satisfied"}),
    ]
    shapes = [{k: v for k, v in body_of(a).items() if k not in ("instance", "request_id")} for a in answers]
    assert {a.status_code for a in answers} == {404}
    assert all(shape == shapes[0] for shape in shapes), shapes
    assert shapes[0]["code"] == "case_not_found"


def test_lookups_are_limited_per_case_number_and_per_address_alike_for_unknown_numbers(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    from chalicelib import container

    number, code = walk_in(window)
    service = container.walk_ins()
    service.per_case, service.per_address = 2, 5
    unknown = "430000-20260101-AAAAAAAA"
    for path in (f"/v1/public/cases/{number}/progress", f"/v1/public/cases/{unknown}/progress"):
        assert public(client, f"{path}?code=2222AAAA").status_code == 404
        assert public(client, f"{path}?code=2222AAAA").status_code == 404
        limited = public(client, f"{path}?code={code}")  # even the right code, once the number is limited
        assert problem(limited) == (429, "public_lookup_rate_limited")
        assert 0 < int(limited.headers["Retry-After"]) <= 3600
    other = intake(window)
    assert problem(public(client, f"/v1/public/cases/{other}/progress?code=2222AAAA")) == (
        429,
        "public_lookup_rate_limited",
    )  # the address's five are used


# — rating through the link, and across provinces —


def test_a_rating_through_the_link_follows_the_apps_rules_and_travels_to_the_handler(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number, code = walk_in(window)
    bad = {"code": code, "level": "dissatisfied", "tags": ["办理慢"], "comment": "等了很久"}
    assert problem(rate_publicly(client, number, bad, "k-early")) == (409, "not_yet_rateable")
    advance(number, CaseState.DELIVERED)
    answer = rate_publicly(client, number, bad, "k-bad")
    assert answer.status_code == 201, answer.body
    card = body_of(answer)
    assert [(r["target"], r["rated"], r["open"]) for r in card["ratings"]] == [
        ("authority", True, False),
        ("window", False, True),
    ]
    [note] = card["rectifications"]
    assert (note["target"], note["status"], note["follow_up"]) == ("authority", "open", None)
    assert problem(rate_publicly(client, number, {**bad, "level": "satisfied"}, "k-again")) == (
        409,
        "already_rated",
    )
    [sent] = [m for m in outbox(number) if m["type"] == MessageType.RATED.value]
    assert sent["to"] == "450000"
    assert sent["payload"] == {
        "target": "authority",
        "level": "dissatisfied",
        "tags": ["办理慢"],
        "comment": "等了很久",
        "rated_at": sent["payload"]["rated_at"],
        "channel": "link",
    }
    # the authority of 450000 keeps the rectification: none is opened here for it
    operator = Party(client, "operator")
    assert ok(operator.get("/v1/ops/rectifications"))["items"] == []
    # the window's own service is rated apart, and its bad rating opens the window's rectification here
    window_bad = rate_publicly(
        client, number, {"code": code, "level": "very_dissatisfied", "target": "window"}, "k-w"
    )
    assert window_bad.status_code == 201
    [local] = ok(operator.get("/v1/ops/rectifications"))["items"]
    assert (local["province"], local["authority"]) == ("430000", "W-430000-01")
    assert len([m for m in outbox(number) if m["type"] == MessageType.RATED.value]) == 1
    done = ok(window.post(f"/v1/window/cases/{number}/rectification/follow-up", FOLLOW_UP))
    assert done["status"] == "closed"


def test_the_window_records_a_rating_from_its_rating_device(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number, _ = walk_in(window)
    advance(number, CaseState.DELIVERED)
    case = ok(window.post(f"/v1/window/cases/{number}/rating", {"level": "satisfied"}), 201)
    assert (case["rating"]["level"], case["rating"]["channel"]) == ("satisfied", "window")
    [sent] = [m for m in outbox(number) if m["type"] == MessageType.RATED.value]
    assert sent["payload"]["channel"] == "window"


def drain(inbound: Queue) -> None:
    while records := inbound.receive():
        assert on_inbound({"Records": records}) == {"batchItemFailures": []}
        inbound.settle(records, {})


def handled_here(client: Any, clerk: Party, guangxi: PartnerProvince, inbound: Queue) -> str:
    """A case 广西 forwarded, decided here (即办件)."""
    number = partner_case_number()
    post(client, guangxi.message(forwarded(), case=number, seq=1))
    drain(inbound)
    ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    return number


RATED = {
    "target": "authority",
    "level": "very_dissatisfied",
    "tags": ["态度差"],
    "comment": None,
    "rated_at": "2026-11-23T10:00:00+08:00",
    "channel": "app",
}


def test_a_bad_rating_from_home_opens_the_rectification_here_once_and_the_follow_up_goes_home(
    client: Any, clerk: Party, operator: Party, guangxi: PartnerProvince, inbound: Queue
) -> None:
    number = handled_here(client, clerk, guangxi, inbound)
    rated = guangxi.message(RATED, case=number, seq=2, kind=MessageType.RATED)
    post(client, rated)
    again = guangxi.message(RATED, case=number, seq=2, kind=MessageType.RATED, message_id=message_id(rated))
    post(client, again)  # the partner's retry of the same message
    drain(inbound)
    case = ok(clerk.get(f"/v1/cases/{number}"))
    assert case["rating"] is not None, (case["state"], case["out_of_sync"], acts(operator, number))
    assert (case["rating"]["level"], case["rating"]["channel"]) == ("very_dissatisfied", "app")
    [note] = case["rectifications"]
    assert (note["status"], note["due"]) == ("open", "2026-12-14")  # 15 working days after 11-23
    events = [e["act"] for e in ok(clerk.get(f"/v1/cases/{number}/timeline"))["events"]]
    assert events.count("partner_rated") == 1
    [listed] = ok(clerk.get("/v1/authority/rectifications"))["items"]
    assert (listed["case"], listed["authority"], listed["rating"]) == (
        number,
        "A-430000-01",
        "very_dissatisfied",
    )

    closed = ok(clerk.post(f"/v1/authority/rectifications/{number}/follow-up", FOLLOW_UP))
    assert closed["status"] == "closed"
    [sent] = [m for m in outbox(number) if m["type"] == MessageType.RECTIFICATION_CLOSED.value]
    assert (sent["to"], sent["payload"]["rating"], sent["payload"]["due"]) == (
        "450000",
        "very_dissatisfied",
        "2026-12-14",
    )
    assert sent["payload"]["follow_up"]["applicant_feedback"] == FOLLOW_UP["applicant_feedback"]
    assert ok(clerk.get(f"/v1/cases/{number}"))["rectifications"][0]["status"] == "closed"


def test_a_rating_that_finds_the_case_undecided_waits_out_of_sync_and_applies_after(
    client: Any, clerk: Party, operator: Party, guangxi: PartnerProvince, inbound: Queue
) -> None:
    number = partner_case_number()
    post(client, guangxi.message(forwarded(), case=number, seq=1))
    drain(inbound)
    post(client, guangxi.message(RATED, case=number, seq=2, kind=MessageType.RATED))
    drain(inbound)
    stuck = ok(clerk.get(f"/v1/cases/{number}"))
    assert stuck["rating"] is None and stuck["out_of_sync"]["message_type"] == "case.rated"
    ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    ok(operator.post(f"/v1/ops/out-of-sync/{number}/retry"))
    case = ok(clerk.get(f"/v1/cases/{number}"))
    assert case["out_of_sync"] is None and case["rating"]["level"] == "very_dissatisfied"
    assert len(ok(clerk.get("/v1/authority/rectifications"))["items"]) == 1


def test_the_follow_up_reaches_the_walk_in_applicant_on_the_card_and_by_sms_once(
    client: Any, window: Party, guangxi: PartnerProvince, inbound: Queue, notifications: Queue
) -> None:
    number, code = walk_in(window)
    advance(number, CaseState.DELIVERED)
    assert rate_publicly(client, number, {"code": code, "level": "dissatisfied"}).status_code == 201
    closure = {
        "target": "authority",
        "rating": "dissatisfied",
        "opened_at": "2026-11-23T10:00:05+08:00",
        "due": "2026-12-14",
        "follow_up": {**FOLLOW_UP, "at": "2026-11-25T15:00:00+08:00"},
    }
    post(client, guangxi.message(closure, case=number, seq=1, kind=MessageType.RECTIFICATION_CLOSED))
    drain(inbound)
    card = body_of(public(client, f"/v1/public/cases/{number}/progress?code={code}"))
    [note] = card["rectifications"]
    assert (note["status"], note["due"], note["follow_up"]["actions"]) == (
        "closed",
        "2026-12-14",
        FOLLOW_UP["actions"],
    )
    notices = delivered_notices(notifications)
    assert [n["act"] for n in notices] == ["rectification_closed"]
    from chalicelib import container

    container.notices().deliver(notices[0])  # redelivered by the queue: texted once
    [sms] = sms_of(number)
    assert number in sms["text"] and f"/v1/public/cases/{number}/progress?code={code}" in sms["text"]
    assert "整改" in sms["text"] and sms["to"] == "138****0001"
    for secret in (PERSON["name"], PERSON["id_number"], PERSON["phone"]):
        assert secret not in json.dumps(sms, ensure_ascii=False)


def test_an_applicant_with_the_app_gets_no_sms(
    client: Any, applicant: Party, guangxi: PartnerProvince, notifications: Queue
) -> None:
    from chalicelib import container

    notice = {
        "id": "430000-20261123-ABCDEFGH:2",
        "case": "430000-20261123-ABCDEFGH",
        "recipient": "https://dev-idp|dev-applicant-1",
        "act": "accept",
        "state": "accepted",
        "item_name": "失业登记",
        "title": "失业登记：已受理",
        "next_step": "等待审核",
        "at": "2026-11-23T10:00:00+08:00",
    }
    assert container.sms_notifier().notify(notice) == "app"
    assert sms_of(notice["case"]) == []


# — notices: since, unread, read mark, ETag —


def test_notices_since_a_time_unread_until_marked_read_and_etag(
    client: Any, applicant: Party, notifications: Queue
) -> None:
    from chalicelib import container
    from infra.devtokens import issuer_of

    owner = f"{issuer_of('430000')}|dev-applicant-1"
    for seq, at in ((1, "2026-11-23T10:00:00+08:00"), (2, "2026-11-23T11:00:00+08:00")):
        container.notices().deliver(
            {
                "id": f"430000-20261123-ABCDEFGH:{seq}",
                "case": "430000-20261123-ABCDEFGH",
                "recipient": owner,
                "act": "accept",
                "state": "accepted",
                "item_name": "失业登记",
                "title": "失业登记：已受理",
                "next_step": "等待审核",
                "at": at,
            }
        )
    page = client.http.get("/v1/me/notices", headers=applicant.headers)
    body = body_of(page)
    assert (len(body["items"]), body["unread"], body["read_up_to"]) == (2, 2, None)
    assert [n["read"] for n in body["items"]] == [False, False]
    tag = page.headers["ETag"]
    unchanged = client.http.get("/v1/me/notices", headers={**applicant.headers, "If-None-Match": tag})
    assert unchanged.status_code == 304
    since = ok(applicant.get("/v1/me/notices?since=2026-11-23T02:30:00Z"))  # 10:30 in Beijing
    assert [n["id"] for n in since["items"]] == ["430000-20261123-ABCDEFGH:2"]
    bad = applicant.get("/v1/me/notices?since=yesterday")
    assert problem(bad) == (400, "invalid_query")
    read = ok(applicant.post("/v1/me/notices/read", {"up_to": "2026-11-23T10:00:00+08:00"}))
    assert read["unread"] == 1
    ok(applicant.post("/v1/me/notices/read", {"up_to": "2026-11-22T10:00:00+08:00"}))  # never back
    after = client.http.get("/v1/me/notices", headers={**applicant.headers, "If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert [n["read"] for n in body_of(after)["items"]] == [False, True] and body_of(after)["unread"] == 1
    assert ok(applicant.post("/v1/me/notices/read", {}))["unread"] == 0
