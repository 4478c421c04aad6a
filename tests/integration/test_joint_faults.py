"""多地联办 under faults: nothing lost, nothing done twice.

湖南 430000 (in-process) leads a joint 户口迁移（夫妻投靠）: its part 迁入地审批 is handled here, as a
local part case in the clerk's inbox; the dependent part 迁出地迁出登记 is forwarded to 广西 450000,
played in-process (its own KMS key, a fake transport answering with signed receipts, and the status
messages it sends back). The joint case must end approved with both parts approved, each thing once:
when the partner's messages come twice, out of order, when the partner is down for a while, and when
the coordinator dies between a part's result and starting the part that depends on it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.clock import rfc3339
from chalicelib.domain.envelope import MessageType
from chalicelib.services.outbound import backoff
from tests.conftest import PREFIX, install_root
from tests.exchange_helpers import PartnerProvince
from tests.factories import command_of
from tests.integration.case_helpers import Party, applicant_of, give, ok
from tests.integration.test_exchange_faults import (
    FakeClock,
    FakePartner,
    Queue,
    deliver_queued,
    message_id,
    only,
    outbox,
    post,
    pump,
)

PARTNER = "450000"
HERE = "430000"
ITEM = "KSTB-GA-001"
FORM = {
    "from_province": PARTNER,
    "to_province": HERE,
    "spouse_name": "测试配偶",
    "marriage_date": "2020-05-01",
    "to_address": "长沙市岳麓区",
}
LICENCE = "EL-430000-20160301-DEV10001"
UPLOADED = ("household_register", "marriage_certificate", "residence_proof")
LOCAL, REMOTE = "move_in_approval", "move_out_registration"
CASES_TABLE = f"{PREFIX}-cases"


# — the gateway's handlers and stores —


def on_inbound(event: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.events import handlers

    return handlers.on_inbound(event)


def relay() -> int:
    from chalicelib.events import handlers

    return handlers.relay_messages()


def case_doc(number: str) -> dict[str, Any]:
    from chalicelib import container

    doc = container.case_reads().get(number)
    assert doc is not None, number
    return doc


def acts(number: str) -> list[str]:
    """The case's timeline, from the store (the copy of a forwarded part is 广西's to show)."""
    from chalicelib import container

    return [e["act"] for e in container.case_reads().case_with_events(number)[1]]


def coordination_mark(parent: str) -> dict[str, Any] | None:
    """The joint case's coordination mark (`CASE#<parent>/COORD`), if any."""
    item = boto3.client("dynamodb").get_item(
        TableName=CASES_TABLE, Key={"pk": {"S": f"CASE#{parent}"}, "sk": {"S": "COORD"}}
    )
    found: dict[str, Any] | None = item.get("Item")
    return found


def parts_of(parent: str) -> list[dict[str, Any]]:
    """Every case here that is a part of the joint case `parent`."""
    found = []
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=CASES_TABLE):
        for item in page["Items"]:
            if item["sk"]["S"] != "CASE":
                continue
            doc = json.loads(item["doc"]["S"])
            if (doc.get("joint") or {}).get("parent") == parent:
                found.append(doc)
    return found


def received_status(mid: str) -> str:
    from chalicelib import container

    record = container.message_store().received(mid)
    assert record is not None
    return str(record["status"])


# — fixtures —


@pytest.fixture
def lead(client: Any, stage: None) -> Party:
    """The clerk of 长沙市公安局 (A-430000-01): the joint case's lead clerk and the local part's."""
    return Party(client, "authority_clerk")


@pytest.fixture
def queues(clean_aws: None) -> dict[str, Queue]:
    found = {"inbound": Queue("inbound.fifo"), "outbound": Queue("outbound")}
    for queue in found.values():
        queue.empty()
    return found


@pytest.fixture
def clock(guangxi: PartnerProvince) -> FakeClock:
    """One clock for the case service (and so the coordinator), the sender and the receiver."""
    moved = FakeClock()
    install_root(clock=moved)
    return moved


@pytest.fixture
def partner(
    client: Any,
    guangxi: PartnerProvince,
    clock: FakeClock,
    queues: dict[str, Queue],
) -> FakePartner:
    fake = FakePartner(guangxi, ok(client.http.get("/v1/exchange/jwks")))
    install_root(partner_transport=fake)
    return fake


# — the flow —


def file_joint_case(applicant: Party) -> str:
    """The applicant files the joint case here, gives the materials and submits."""
    body = {"item_code": ITEM, "applicant": applicant_of("dev-applicant-1"), "form": FORM}
    case = ok(applicant.post("/v1/cases", body), 201)
    number = str(case["number"])
    assert case["mode"] == "joint"
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": LICENCE}), 201)
    for slot in UPLOADED:
        give(applicant, number, slot)
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    return number


def parts(applicant: Party, number: str) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in ok(applicant.get(f"/v1/cases/{number}"))["parts"]}


def accept_joint_case(applicant: Party, lead: Party) -> tuple[str, str]:
    """The lead clerk accepts: the parts are planned and the local one opened. Returns the joint
    case's number and the local part's."""
    number = file_joint_case(applicant)
    ok(lead.post(f"/v1/authority/cases/{number}/accept", {}))
    planned = parts(applicant, number)
    assert {k: (p["province"], p["state"]) for k, p in planned.items()} == {
        LOCAL: (HERE, "started"),
        REMOTE: (PARTNER, "waiting"),
    }
    assert planned[REMOTE]["case_number"] is None
    local = str(planned[LOCAL]["case_number"])
    inbox = ok(lead.get("/v1/authority/cases"))["items"]
    assert local in {c["number"] for c in inbox}
    return number, local


def decide_local_part(lead: Party, local: str) -> None:
    ok(lead.post(f"/v1/authority/cases/{local}/accept", {}))
    ok(lead.post(f"/v1/authority/cases/{local}/decide", {"approved": True}))


def partner_acts(
    guangxi: PartnerProvince, copy_number: str, steps: list[tuple[str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """广西's acts on the part it handles, in order, as its gateway performs them, and the messages
    they send (`status_payload`, seq 1, 2, …). An `answer_supplement` step is the lead's answer
    arriving there: it sends nothing back."""
    from chalicelib import container
    from chalicelib.domain.case import Case, CaseExchange, Handler
    from chalicelib.domain.case_acts import By, Context, perform
    from chalicelib.domain.case_exchange import HANDLER, outgoing, status_payload
    from chalicelib.domain.case_states import Act, Actor

    copy = Case.model_validate(case_doc(copy_number))
    there = copy.model_copy(
        deep=True,
        update={
            "handler": Handler(
                province=PARTNER,
                authority=f"A-{PARTNER}-01",
                authority_name="南宁市公安局",
                channel=copy.handler.channel,
            ),
            "exchange": CaseExchange(role=HANDLER, partner=HERE),
        },
    )
    clerk = By(
        actor=Actor.CLERK,
        role="authority_clerk",
        subject="gx-clerk-1",
        province=PARTNER,
        authority="A-450000-01",
    )
    origin = By(actor=Actor.APPLICANT, role="partner", subject=f"partner:{HERE}", province=HERE)
    calendar = container.working_calendar()
    messages: list[dict[str, Any]] = []
    for name, params in steps:
        act = Act(name)
        by = origin if act is Act.ANSWER_SUPPLEMENT else clerk
        there = perform(
            there, command_of(act, **params), by, Context(at=container.cases().now(), calendar=calendar)
        ).case
        kind = outgoing(there, act)
        if kind is not None:
            messages.append(
                guangxi.message(
                    status_payload(there, act), case=copy_number, kind=kind, seq=len(messages) + 1
                )
            )
    return messages


def partner_messages(guangxi: PartnerProvince, copy_number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """广西's `case.accepted` (seq 1) and `case.decided` (seq 2, approved) for the part it handles."""
    accepted, decided = partner_acts(guangxi, copy_number, [("accept", {}), ("decide", {"approved": True})])
    return accepted, decided


def forwarded_copy(applicant: Party, number: str) -> str:
    """The dependent part started: its copy case here, forwarded to 广西."""
    started = parts(applicant, number)[REMOTE]
    assert started["state"] == "started", started
    return str(started["case_number"])


def apply_all(inbound: Queue) -> None:
    """Hand what is on the inbound queue to the handler until it is empty."""
    for _ in range(5):
        records, result = pump(inbound, on_inbound)
        assert result == {"batchItemFailures": []}
        if not records:
            return
    raise AssertionError("the inbound queue does not drain")


def assert_done_once(
    applicant: Party, partner: FakePartner, number: str, local: str, copy_number: str
) -> None:
    """The joint case approved with both parts approved, and everything on the way done once."""
    joint = ok(applicant.get(f"/v1/cases/{number}"))
    assert joint["state"] == "approved"
    assert {p["key"]: (p["state"], p["case_number"]) for p in joint["parts"]} == {
        LOCAL: ("approved", local),
        REMOTE: ("approved", copy_number),
    }
    timeline = acts(number)
    assert Counter(timeline)["decide"] == 1, timeline
    assert timeline[timeline.index("submit") :] == [
        "submit",
        "accept",
        "start_review",
        "parts_updated",  # planned, the local part opened
        "parts_updated",  # the local part accepted
        "parts_updated",  # the local part approved, the dependent part started
        "parts_updated",  # the dependent part accepted
        "decide",
        "parts_updated",  # the dependent part approved: the joint case decided
    ], timeline
    assert ok(applicant.get(f"/v1/cases/{number}/audit"))["ok"] is True

    assert sorted((d["joint"]["part"], d["number"]) for d in parts_of(number)) == sorted(
        [(LOCAL, local), (REMOTE, copy_number)]
    )
    assert acts(local) == ["open_part", "accept", "decide"]
    assert acts(copy_number) == ["open_part", "partner_accept", "partner_decide"]
    copy = case_doc(copy_number)
    assert (copy["state"], copy["exchange"]["in_seq"], copy["exchange"]["out_seq"]) == ("approved", 2, 1)

    forwarded = [p for p in partner.posts if p["type"] == MessageType.CASE_FORWARDED.value]
    assert {(p["case"], p["seq"]) for p in forwarded} == {(copy_number, 1)}
    assert len({p["id"] for p in partner.posts}) == 1  # one message posted to the partner, ever
    record = only(outbox(copy_number))
    assert (record["status"], record["type"], record["id"]) == (
        "delivered",
        "case.forwarded",
        forwarded[0]["id"],
    )
    assert outbox(number) == [] and outbox(local) == []
    assert coordination_mark(number) is None


def finish(
    client: Any, guangxi: PartnerProvince, queues: dict[str, Queue], copy_number: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """广西 accepts and approves its part; its messages arrive in order and are applied."""
    accepted, decided = partner_messages(guangxi, copy_number)
    for message in (accepted, decided):
        post(client, message)
    apply_all(queues["inbound"])
    return accepted, decided


def test_the_joint_case_without_faults(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    queues: dict[str, Queue],
) -> None:
    number, local = accept_joint_case(applicant, lead)
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    accepted, decided = finish(client, guangxi, queues, copy_number)
    assert_done_once(applicant, partner, number, local, copy_number)
    assert [received_status(message_id(m)) for m in (accepted, decided)] == ["applied", "applied"]


def test_the_partners_messages_duplicated_are_applied_once(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    queues: dict[str, Queue],
) -> None:
    inbound = queues["inbound"]
    number, local = accept_joint_case(applicant, lead)
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    accepted, decided = partner_messages(guangxi, copy_number)

    for message in (accepted, decided):  # each posted twice: the partner's retry
        receipts = {post(client, message)["receipt"] for _ in range(2)}
        assert len(receipts) == 1
    records = inbound.receive()
    assert [json.loads(r["body"])["id"] for r in records] == [message_id(accepted), message_id(decided)]
    for _ in range(2):  # every SQS record handed to the handler twice
        assert on_inbound({"Records": records}) == {"batchItemFailures": []}
    inbound.settle(records, {})
    apply_all(inbound)

    assert_done_once(applicant, partner, number, local, copy_number)
    assert [received_status(message_id(m)) for m in (accepted, decided)] == ["applied", "applied"]

    for message in (accepted, decided):  # and once more after all is done: nothing queued, nothing done
        assert post(client, message)["status"] == "applied"
    assert inbound.receive() == []
    assert on_inbound({"Records": records}) == {"batchItemFailures": []}  # a late redelivery
    assert_done_once(applicant, partner, number, local, copy_number)


def test_the_decision_before_the_acceptance_is_parked_then_both_applied_in_order(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    queues: dict[str, Queue],
) -> None:
    from chalicelib import container

    inbound = queues["inbound"]
    number, local = accept_joint_case(applicant, lead)
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    accepted, decided = partner_messages(guangxi, copy_number)

    post(client, decided)  # seq 2 overtakes seq 1
    early, result = pump(inbound, on_inbound)
    assert len(early) == 1 and result == {"batchItemFailures": []}
    assert container.message_store().parked(copy_number, PARTNER, 2) == message_id(decided)
    assert received_status(message_id(decided)) == "parked"
    assert case_doc(copy_number)["state"] == "submitted"
    assert acts(copy_number) == ["open_part"]
    assert parts(applicant, number)[REMOTE]["state"] == "started"
    assert ok(applicant.get(f"/v1/cases/{number}"))["state"] == "under_review"
    assert coordination_mark(number) is None  # nothing moved: nothing to coordinate

    post(client, accepted)
    records, result = pump(inbound, on_inbound)
    assert len(records) == 1 and result == {"batchItemFailures": []}
    apply_all(inbound)

    assert_done_once(applicant, partner, number, local, copy_number)
    assert container.message_store().parked(copy_number, PARTNER, 2) is None
    assert [received_status(message_id(m)) for m in (accepted, decided)] == ["applied", "applied"]
    for stale in (early, records):  # late redeliveries of either change nothing
        assert on_inbound({"Records": stale}) == {"batchItemFailures": []}
    assert_done_once(applicant, partner, number, local, copy_number)


def test_the_part_province_down_for_a_while_gets_the_forward_once_it_answers(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    clock: FakeClock,
    queues: dict[str, Queue],
) -> None:
    outbound = queues["outbound"]
    number, local = accept_joint_case(applicant, lead)
    partner.failures = 2  # no connection, twice
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    mid = only(outbox(copy_number))["id"]

    assert deliver_queued(outbound) == 1  # the inline send
    for attempts in (1, 2):
        record = only(outbox(copy_number))
        assert (record["status"], record["attempts"], record["last_error"]) == ("pending", attempts, "http_0")
        clock.advance(backoff(attempts) - timedelta(seconds=1))
        assert relay() == 0  # not due yet
        clock.advance(timedelta(seconds=1))
        assert relay() == 1
        assert deliver_queued(outbound) == 1
    assert only(outbox(copy_number))["status"] == "delivered"
    assert partner.ids() == [mid] * 3
    assert {(p["type"], p["case"], p["seq"]) for p in partner.posts} == {
        (MessageType.CASE_FORWARDED.value, copy_number, 1)
    }
    assert len(parts_of(number)) == 2  # the retries started nothing more

    finish(client, guangxi, queues, copy_number)
    assert_done_once(applicant, partner, number, local, copy_number)
    assert only(outbox(copy_number))["attempts"] == 2
    clock.advance(timedelta(hours=2))
    assert relay() == 0
    assert deliver_queued(outbound) == 0
    assert partner.ids() == [mid] * 3


def test_a_coordinator_dying_after_a_part_result_is_caught_up_by_the_relay_once(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    clock: FakeClock,
    queues: dict[str, Queue],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib import container
    from chalicelib.services.cases import COORDINATION_GRACE

    outbound = queues["outbound"]
    number, local = accept_joint_case(applicant, lead)
    ok(lead.post(f"/v1/authority/cases/{local}/accept", {}))
    assert coordination_mark(number) is None  # coordinated at once: the mark went with it

    coordinator = container.joint()
    coordinate = coordinator.coordinate
    calls: list[str] = []

    def die_once(parent: str) -> list[str]:
        calls.append(parent)
        if len(calls) == 1:
            raise ConnectionError("the coordinator died after the part's commit")
        return coordinate(parent)

    monkeypatch.setattr(coordinator, "coordinate", die_once)
    decided_at = clock.now
    answer = lead.post(f"/v1/authority/cases/{local}/decide", {"approved": True})
    assert answer.status_code == 500, answer.body
    assert calls == [number]

    assert case_doc(local)["state"] == "approved"  # the part's commit stood
    assert acts(local) == ["open_part", "accept", "decide"]
    planned = parts(applicant, number)
    assert {k: (p["state"], p["case_number"]) for k, p in planned.items()} == {
        LOCAL: ("accepted", local),  # not yet brought up to date
        REMOTE: ("waiting", None),  # nothing started yet
    }
    assert [d["number"] for d in parts_of(number)] == [local]
    mark = coordination_mark(number)
    assert mark is not None
    assert (mark["outbox"]["S"], mark["outbox_at"]["S"]) == (
        "XCOORD",
        rfc3339(decided_at + COORDINATION_GRACE),
    )
    assert deliver_queued(outbound) == 0 and partner.posts == []

    assert relay() == 0  # within the grace minute: the coordinator may still be at it
    assert coordination_mark(number) is not None
    clock.advance(COORDINATION_GRACE + timedelta(seconds=1))
    assert relay() == 1  # caught up
    assert calls == [number, number]
    assert coordination_mark(number) is None
    copy_number = forwarded_copy(applicant, number)
    assert sorted(d["number"] for d in parts_of(number)) == sorted([local, copy_number])
    record = only(outbox(copy_number))
    assert (record["type"], record["seq"], record["status"]) == ("case.forwarded", 1, "pending")

    assert relay() == 0  # a second relay does nothing more
    assert calls == [number, number]
    assert len(parts_of(number)) == 2
    assert deliver_queued(outbound) == 1
    assert partner.ids() == [record["id"]]

    finish(client, guangxi, queues, copy_number)
    assert_done_once(applicant, partner, number, local, copy_number)
    clock.advance(timedelta(hours=2))
    assert relay() == 0
    assert deliver_queued(outbound) == 0
    assert partner.ids() == [record["id"]]


def test_reset_builds_the_coordinator_again_on_the_new_case_service(clean_aws: None) -> None:
    from chalicelib import container

    container.joint()
    container.reset()
    assert container.joint()._cases is container.cases()


def test_an_overdue_part_is_escalated_to_the_lead_once(
    applicant: Party, lead: Party, guangxi: PartnerProvince, clock: FakeClock
) -> None:
    """督办: the sweep marks a part overdue and the joint case it belongs to records it, once."""
    from datetime import date, datetime, timedelta

    from chalicelib.domain.clock import BEIJING
    from chalicelib.events import handlers

    number, local = accept_joint_case(applicant, lead)
    ok(lead.post(f"/v1/authority/cases/{local}/accept", {}))
    due = date.fromisoformat(case_doc(local)["clock"]["promised_due"])
    later = datetime.combine(due + timedelta(days=7), datetime.min.time(), tzinfo=BEIJING)
    # the part, and the joint case's own clock (a sweep that raced the escalation comes back next time)
    sweeps = [handlers.sweep_deadlines(later) for _ in range(3)]
    assert sum(s["overdue"] for s in sweeps) == 2, (sweeps, acts(number), acts(local))
    assert acts(number).count("deadline_overdue") == 1
    assert acts(number).count("part_overdue") == 1, acts(number)
    assert "deadline_overdue" in acts(local)


# — 补正 after acceptance (issue 11): every part message applies in every state its copy can be in —

AFTER_ACCEPTANCE_SUPPLEMENT: list[tuple[str, dict[str, Any]]] = [
    ("accept", {}),
    ("start_review", {}),
    ("request_supplement", {"items": [{"field": "to_address", "reason": "迁入地址不完整"}]}),
    ("answer_supplement", {"note": "已补全地址"}),
    ("start_review", {}),
    ("decide", {"approved": True}),
]


def test_a_part_supplemented_after_acceptance_reaches_the_lead_and_decides_the_joint_case(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    queues: dict[str, Queue],
) -> None:
    inbound = queues["inbound"]
    number, local = accept_joint_case(applicant, lead)
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    accepted, asked, decided = partner_acts(guangxi, copy_number, AFTER_ACCEPTANCE_SUPPLEMENT)

    for message in (accepted, asked):
        post(client, message)
    apply_all(inbound)
    joint = ok(applicant.get(f"/v1/cases/{number}"))
    assert joint["state"] == "supplement_requested"
    assert [i["field"] for i in joint["supplement"]["items"]] == ["to_address"]
    ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补全地址"}))
    assert case_doc(copy_number)["state"] == "supplemented"  # the answer went on to 广西
    assert deliver_queued(queues["outbound"]) == 1
    assert [p["type"] for p in partner.posts][-1] == MessageType.SUPPLEMENT_ANSWERED.value

    post(client, decided)  # 广西 reviewed again and approved: its copy here still reads `supplemented`
    apply_all(inbound)
    assert received_status(message_id(decided)) == "applied"
    copy = case_doc(copy_number)
    assert (copy["state"], copy["out_of_sync"]) == ("approved", None)
    done = ok(applicant.get(f"/v1/cases/{number}"))
    assert done["state"] == "approved"
    assert {p["key"]: p["state"] for p in done["parts"]} == {LOCAL: "approved", REMOTE: "approved"}
    assert Counter(acts(number))["decide"] == 1


def test_a_message_that_cannot_apply_marks_the_part_out_of_sync_and_is_retried_until_it_applies(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    clock: FakeClock,
    queues: dict[str, Queue],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not dead-lettered, not silent: the copy and the joint case show it, operators list it, the log
    line the alarm counts is written on every failed try, and once the cause is fixed the blocked
    message and its parked successor apply in order."""
    from chalicelib.domain import case_exchange
    from chalicelib.domain.case_states import CaseState

    inbound = queues["inbound"]
    operator = Party(client, "operator")
    number, local = accept_joint_case(applicant, lead)
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    first, _ = partner_messages(guangxi, copy_number)
    accepted = guangxi.message(first["payload"], case=copy_number, kind=MessageType.ACCEPTED, seq=2)
    caplog.set_level(logging.INFO)

    def alarmed() -> int:
        """The `case out of sync` lines the alarm's metric filter counts, since the last look."""
        count = sum(r.getMessage() == "case out of sync" for r in caplog.records)
        caplog.clear()
        return count

    # a partner's resumption of a case that was never suspended: no table lists it
    odd = guangxi.message(
        {"act": "resume", "state": "under_review", "clock": case_doc(copy_number)["clock"]},
        case=copy_number,
        kind=MessageType.RESUMED,
        seq=1,
    )
    post(client, odd)
    apply_all(inbound)  # nothing fails back to the queue: the message waits as blocked

    assert received_status(message_id(odd)) == "blocked"
    copy = case_doc(copy_number)
    assert copy["state"] == "submitted"
    assert copy["out_of_sync"]["reason"] == "case_out_of_sync"
    assert (copy["out_of_sync"]["message_type"], copy["out_of_sync"]["found_state"]) == (
        "case.resumed",
        "submitted",
    )
    assert acts(copy_number) == ["open_part", "out_of_sync"]
    assert parts(applicant, number)[REMOTE]["out_of_sync"] == "case_out_of_sync"
    listed = ok(operator.get("/v1/ops/out-of-sync"))["items"]
    assert [(i["case"], i["attempts"]) for i in listed] == [(copy_number, 1)]
    assert alarmed() == 1

    post(client, accepted)  # its successor waits behind it
    apply_all(inbound)
    assert received_status(message_id(accepted)) == "parked"

    assert relay() == 0  # the retry is not due yet
    clock.advance(timedelta(minutes=1, seconds=1))
    relay()
    assert ok(operator.get("/v1/ops/out-of-sync"))["items"][0]["attempts"] == 2
    assert acts(copy_number) == ["open_part", "out_of_sync"]  # a failed retry adds nothing to the case
    assert alarmed() == 1  # but the alarm counts it

    # the cause is fixed (here: the table learns the state), and the operator retries at once
    fixed = {**case_exchange.MIRROR_TABLE[MessageType.RESUMED], CaseState.SUBMITTED: CaseState.SUBMITTED}
    monkeypatch.setitem(case_exchange.MIRROR_TABLE, MessageType.RESUMED, fixed)
    retried = ok(operator.post(f"/v1/ops/out-of-sync/{copy_number}/retry"))
    assert retried == {"case": copy_number, "verdict": "applied"}
    copy = case_doc(copy_number)
    assert (copy["state"], copy["out_of_sync"], copy["exchange"]["in_seq"]) == ("accepted", None, 2)
    assert [received_status(message_id(m)) for m in (odd, accepted)] == ["applied", "applied"]
    assert ok(operator.get("/v1/ops/out-of-sync"))["items"] == []
    assert parts(applicant, number)[REMOTE] | {} == {
        **parts(applicant, number)[REMOTE],
        "state": "accepted",
        "out_of_sync": None,
    }
    again = operator.post(f"/v1/ops/out-of-sync/{copy_number}/retry")
    assert again.status_code == 404 and json.loads(again.body)["code"] == "case_not_out_of_sync"


def test_the_lead_clerk_cannot_end_a_joint_case_while_its_parts_are_open(
    applicant: Party, lead: Party, guangxi: PartnerProvince
) -> None:
    number, local = accept_joint_case(applicant, lead)
    joint = ok(lead.get(f"/v1/cases/{number}"))
    assert joint["state"] == "under_review"
    assert not {"decide", "refuse", "accept_and_decide"} & set(joint["allowed_acts"]), joint["allowed_acts"]
    for act, body in (
        ("decide", {"approved": True}),
        ("decide", {"approved": False, "reasons": ["不符合条件"]}),
    ):
        refused = lead.post(f"/v1/authority/cases/{number}/{act}", body)
        assert refused.status_code == 409, refused.body
        assert json.loads(refused.body)["code"] == "joint_decided_by_parts"
    assert ok(applicant.get(f"/v1/cases/{number}"))["state"] == "under_review"  # nothing changed
    ok(lead.post(f"/v1/authority/cases/{local}/accept", {}))
    assert "decide" in ok(lead.get(f"/v1/cases/{local}"))["allowed_acts"]  # a part is decided as any case


def test_a_part_refused_before_the_next_one_started_leaves_that_one_not_started(
    applicant: Party, lead: Party, guangxi: PartnerProvince
) -> None:
    number, local = accept_joint_case(applicant, lead)
    basis = "《户口登记条例》第十条"
    ok(lead.post(f"/v1/authority/cases/{local}/refuse", {"reason": "不符合投靠条件", "legal_basis": basis}))
    ended = ok(applicant.get(f"/v1/cases/{number}"))
    assert ended["state"] == "denied"
    assert {p["key"]: p["state"] for p in ended["parts"]} == {LOCAL: "refused", REMOTE: "not_started"}
    assert ended["decision"]["legal_basis"] == basis
    assert ended["decision"]["reasons"] == ["迁入地审批（430000）：不符合投靠条件"]


def test_parts_are_due_by_their_own_promised_days_and_the_joint_case_by_the_longest_chain(
    applicant: Party, lead: Party, client: Any, guangxi: PartnerProvince, partner: FakePartner, queues: Any
) -> None:
    number, local = accept_joint_case(applicant, lead)
    ok(lead.post(f"/v1/authority/cases/{local}/accept", {}))
    part = case_doc(local)["clock"]
    assert part["promised_days"] == 7  # 迁入地审批, not the item's 10
    joint = case_doc(number)["clock"]
    assert joint["promised_days"] == 10  # 7, then 3 after it
    ok(lead.post(f"/v1/authority/cases/{local}/decide", {"approved": True}))
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    forward = next(p for p in partner.posts if p["type"] == MessageType.CASE_FORWARDED.value)
    assert forward["payload"]["joint"]["promised_days"] == 3  # 迁出地迁出登记 is promised 3 days
    assert case_doc(copy_number)["clock"]["promised_days"] == 3


def test_a_forwarded_part_opens_with_its_own_promised_days(
    client: Any, guangxi: PartnerProvince, queues: dict[str, Queue]
) -> None:
    """Here as the part's province: the part is promised what the lead says, not the item's limit."""
    from tests.integration.test_exchange_faults import case_number, forwarded

    number = case_number()
    link = {"parent": "450000-20261123-JOINTCAS", "part": REMOTE, "role": "迁出地迁出登记"}
    payload = {
        **forwarded(),
        "mode": "joint",
        "joint": {**link, "lead_province": PARTNER, "siblings": [], "promised_days": 3},
        "part_materials": ["id_card"],
    }
    post(client, guangxi.message(payload, case=number))
    apply_all(queues["inbound"])
    opened = case_doc(number)
    assert (opened["mode"], opened["clock"]["promised_days"]) == ("joint", 3)


def notices_of(number: str) -> list[dict[str, Any]]:
    """The applicant's notices of a case, as queued for delivery."""
    return [n for n in Queue("notifications").bodies() if n["case"] == number]


def test_the_applicant_sees_one_case_and_hears_of_a_supplement_once(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    queues: dict[str, Queue],
) -> None:
    Queue("notifications").empty()
    number, local = accept_joint_case(applicant, lead)
    ok(
        lead.post(
            f"/v1/authority/cases/{local}/supplement-request",
            {"items": [{"field": "to_address", "reason": "迁入地址不完整"}]},
        )
    )
    # the part copy is internal: not in "my cases", not readable, not answerable by the applicant
    mine = [c["number"] for c in ok(applicant.get("/v1/cases"))["items"]]
    assert number in mine and local not in mine
    assert applicant.get(f"/v1/cases/{local}").status_code == 404
    assert applicant.post(f"/v1/cases/{local}/supplement-answer", {"note": "x"}).status_code == 404
    joint = ok(applicant.get(f"/v1/cases/{number}"))
    assert joint["state"] == "supplement_requested"
    assert "answer_supplement" in joint["allowed_acts"]
    assert Counter(n["act"] for n in Queue("notifications").bodies() if n["case"] in (number, local)) == {
        "accept": 1,
        "request_supplement": 1,
    }
    ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补全地址"}))
    assert case_doc(local)["state"] == "supplemented"


def test_a_refused_part_denies_with_its_reasons_and_the_approved_parts_are_revoked_and_acknowledged(
    applicant: Party,
    lead: Party,
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,
    queues: dict[str, Queue],
) -> None:
    """社保转移 (three parts: 转入受理 here, 转出 at 广西, 转入完成 here). 广西 approves its part, the
    last part is refused here: the joint case is denied with that part's reasons and legal basis,
    both approved parts are revoked (联办撤销) and the applicant is told; 广西's receipt of the
    cancellation is its acknowledgement."""
    body = {
        "item_code": "KSTB-RS-001",
        "mode": "joint",
        "applicant": applicant_of("dev-applicant-1"),
        "form": {
            "from_province": PARTNER,
            "to_province": HERE,
            "from_agency": "南宁市社会保险事业局",
            "reason": "跨省就业",
            "mobile": "13800000001",
        },
    }
    number = str(ok(applicant.post("/v1/cases", body), 201)["number"])
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": LICENCE}), 201)
    for slot in ("contribution_certificate", "transfer_application"):
        give(applicant, number, slot)
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    ok(lead.post(f"/v1/authority/cases/{number}/accept", {}))
    first = str(parts(applicant, number)["transfer_in_acceptance"]["case_number"])
    decide_local_part(lead, first)
    second = str(parts(applicant, number)["transfer_out"]["case_number"])
    assert deliver_queued(queues["outbound"]) == 1
    finish(client, guangxi, queues, second)
    third = str(parts(applicant, number)["transfer_in_completion"]["case_number"])
    Queue("notifications").empty()
    ok(lead.post(f"/v1/authority/cases/{third}/accept", {}))
    reason, basis = "转入地无接收单位", "《城镇企业职工基本养老保险关系转移接续暂行办法》第八条"
    ok(
        lead.post(
            f"/v1/authority/cases/{third}/decide",
            {"approved": False, "reasons": [reason], "legal_basis": basis},
        )
    )

    ended = ok(applicant.get(f"/v1/cases/{number}"))
    assert ended["state"] == "denied"
    assert ended["decision"]["legal_basis"] == basis
    assert any(reason in r for r in ended["decision"]["reasons"])
    states = {p["key"]: (p["state"], p["cancel_acknowledged"]) for p in ended["parts"]}
    assert states == {
        "transfer_in_acceptance": ("revoked", True),  # here: stopped in the same write
        "transfer_out": ("revoked", False),  # 广西 has not confirmed yet
        "transfer_in_completion": ("refused", False),
    }
    refused = next(p for p in ended["parts"] if p["key"] == "transfer_in_completion")
    assert (refused["reasons"], refused["legal_basis"]) == ([reason], basis)
    told = [n for n in Queue("notifications").bodies() if n["case"] in (number, first, second, third)]
    assert {n["case"] for n in told} == {number}  # from the joint case only
    assert any("撤销" in n["title"] for n in told), [n["title"] for n in told]
    assert [n["act"] for n in told].count("decide") == 1

    assert deliver_queued(queues["outbound"]) == 1  # the cancellation reaches 广西, which signs for it
    assert [p["type"] for p in partner.posts][-1] == MessageType.CANCELLED.value
    acknowledged = {p["key"]: p["cancel_acknowledged"] for p in parts(applicant, number).values()}
    assert acknowledged["transfer_out"] is True


def test_a_part_started_after_midnight_in_beijing_is_numbered_with_the_beijing_date(
    applicant: Party, lead: Party, clock: FakeClock, partner: FakePartner
) -> None:
    """00:30 on 1 December in Beijing is still 30 November in UTC: the joint case and its part are
    both numbered on the 1st, where they are filed."""
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    number, local = accept_joint_case(applicant, lead)
    assert number.split("-")[1] == "20261201"
    assert local.split("-")[1] == "20261201"
