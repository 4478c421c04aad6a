"""Originals and shipments (资料寄递, 原件核验) in one gateway, on both sides of a shared case.

At the window (430000 takes in for 广西): a dispatch with a required original neither checked nor
declared as mailed is refused and changes nothing; a paper consent names a checked scan of the
consent slot, nothing else. At the handling province (430000 handles an intake 广西's window
dispatched): the shipments and the intake arrive with the case; the clerk records an arrival (an
unknown shipment, a repeated or earlier status is refused and changes nothing) and checks the
mailed original; the partner's duplicate, unknown or out-of-order shipment messages are recorded
and change no shipment."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.clock import BEIJING, rfc3339
from chalicelib.domain.envelope import MessageType
from tests.conftest import PREFIX
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, Party, confirm, ok, upload
from tests.integration.case_helpers import PDF as SCAN

FORM = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
LICENCE = "EL-430000-20160301-DEV10001"  # dev-applicant-1's 居民身份证
ORIGINALS = "S0A1B2C3D4E5F"  # the shipment of originals 广西's window mailed before dispatch


@pytest.fixture
def window(client: Any, stage: None) -> Party:
    return Party(client, "window_clerk")


def case_doc(number: str) -> dict[str, Any]:
    from chalicelib import container

    doc = container.case_reads().get(number)
    assert doc is not None
    return doc


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    return dict(json.loads(response.body))


# — at the window —


def intake(window: Party) -> str:
    person = APPLICANTS["dev-applicant-1"]
    body = {
        "item_code": "KSTB-GA-002",  # 居民身份证 is an original the item requires (需核验原件)
        "province": "450000",
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": FORM,
    }
    return str(ok(window.post("/v1/window/intakes", body), 201)["number"])


def scan(window: Party, number: str, slot: str, content: bytes = SCAN) -> str:
    file_id = upload(window, f"/v1/window/cases/{number}/materials/{slot}/uploads", content)
    assert confirm(window, number, file_id)["status"] == "verified"
    return file_id


def test_a_dispatch_with_an_unaccounted_original_is_refused_and_changes_nothing(
    window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    id_card = scan(window, number, "id_card")
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "e_sign"}))
    before = case_doc(number)

    refused = problem(window.post(f"/v1/window/cases/{number}/dispatch"), 409)
    assert (refused["code"], refused["materials"]) == ("originals_unaccounted", ["id_card"])
    assert case_doc(number) == before  # nothing sent, nothing recorded

    ok(window.post(f"/v1/window/cases/{number}/files/{id_card}/original-check", {"mail_original": True}))
    assert ok(window.post(f"/v1/window/cases/{number}/dispatch"))["state"] == "submitted"


def test_an_original_checked_at_the_window_needs_no_mailing(window: Party, guangxi: PartnerProvince) -> None:
    number = intake(window)
    id_card = scan(window, number, "id_card")
    ok(window.post(f"/v1/window/cases/{number}/files/{id_card}/original-check", {"mail_original": False}))
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "e_sign"}))
    assert ok(window.post(f"/v1/window/cases/{number}/dispatch"))["state"] == "submitted"


def test_a_paper_consent_names_a_checked_scan_of_the_consent_slot(
    window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    id_card = scan(window, number, "id_card")
    before = case_doc(number)
    for file_id in ("FAAAAAAAAAAAA", id_card):  # not in the case; in the case but not a consent
        refused = problem(
            window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan", "file_id": file_id}),
            422,
        )
        assert refused["code"] == "consent_file_not_in_case"
    assert case_doc(number) == before

    assert "consent" in [m["code"] for m in ok(window.get(f"/v1/cases/{number}"))["materials"]]
    paper = scan(window, number, "consent", SCAN + b"consent")
    case = ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan", "file_id": paper}))
    assert (case["intake"]["consent"]["method"], case["intake"]["consent"]["file_id"]) == (
        "paper_scan",
        paper,
    )


def test_a_shipment_is_recorded_once_and_its_status_only_moves_forward(
    window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    body = {
        "direction": "to_handler",
        "carrier": "中国邮政EMS",
        "tracking_number": "EMS1",
        "contents": ["原件"],
    }
    shipment = ok(window.post(f"/v1/window/cases/{number}/shipments", body), 201)
    assert (shipment["status"], shipment["province"]) == ("sent", "430000")
    assert problem(window.post(f"/v1/window/cases/{number}/shipments", body), 409)["code"] == (
        "shipment_already_recorded"
    )
    events = f"/v1/window/cases/{number}/shipments/{shipment['id']}/events"
    ok(window.post(events, {"status": "in_transit"}))
    before = case_doc(number)
    for status in ("in_transit", "sent"):
        assert problem(window.post(events, {"status": status}), 422 if status == "sent" else 409)["code"] in (
            "shipment_event_out_of_order",
            "validation_failed",  # `sent` is no event one records: a shipment is sent when recorded
        )
    assert case_doc(number) == before
    assert [s["status"] for s in ok(window.get(f"/v1/cases/{number}/shipments"))["items"]] == ["in_transit"]


# — at the handling province —


def message_id(message: dict[str, Any]) -> str:
    part = message["envelope"].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["id"])


def deliver(client: Any, message: dict[str, Any]) -> str:
    """Receive a partner's message and apply it, as the inbound queue's consumer would."""
    from chalicelib import container

    answer = client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )
    ok(answer)
    return container.inbound().apply(message_id(message))


@pytest.fixture
def inbound_drained() -> Any:
    yield
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-inbound.fifo")["QueueUrl"]
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def dispatched_here(client: Any, guangxi: PartnerProvince) -> str:
    """广西's window dispatches an intake handled here: the id card's original is mailed."""
    from chalicelib.domain.case_factory import new_case_number

    now = datetime.now(BEIJING)
    number = new_case_number("450000", now.strftime("%Y%m%d"))
    person = APPLICANTS["dev-applicant-1"]
    at = rfc3339(now - timedelta(minutes=5))
    payload = {
        "item_code": "KSTB-GA-002",
        "item_version": 1,
        "mode": "proxy_intake",
        "channel": "window",
        "applicant": {
            "subject": "intake:" + "5c" * 16,
            "issuer": "window:W-450000-01",
            "name": person["name"],
            "id_number": person["id_number"],
            "phone": person["phone"],
        },
        "form": FORM,
        "files": [
            {
                "file_id": "FGXIDCARD0001",
                "slot": "id_card",
                "filename": "居民身份证",
                "content_type": None,
                "size": None,
                "sha256": None,
                "trust_level": "A",
                "licence_ref": LICENCE,
            }
        ],
        "submitted_at": at,
        "intake": {
            "window": "W-450000-01",
            "province": "450000",
            "identity": {"method": "id_card_reader", "document": "居民身份证", "at": at, "by": "gx-clerk"},
            "consent": {"method": "e_sign", "file_id": None, "at": at},
            "originals_to_mail": ["id_card"],
            "query_code": "K7M2Q9XR",
            "receipt_issued_at": at,
            "dispatched_at": at,
        },
        "shipments": [
            {
                "id": ORIGINALS,
                "case": number,
                "direction": "to_handler",
                "carrier": "中国邮政EMS",
                "tracking_number": "EMS1234567890",
                "contents": ["居民身份证原件"],
                "events": [{"status": "sent", "at": at, "note": None, "province": "450000"}],
                "status": "sent",
                "province": "450000",
            }
        ],
    }
    opened = guangxi.message(payload, case=number, kind=MessageType.CASE_DISPATCHED)
    assert deliver(client, opened) == "applied"
    return number


def test_the_handling_province_sees_the_intake_and_its_shipments_and_checks_the_mailed_original(
    client: Any, clerk: Party, guangxi: PartnerProvince, inbound_drained: None
) -> None:
    number = dispatched_here(client, guangxi)
    case = ok(clerk.get(f"/v1/cases/{number}"))
    assert case["intake"]["window"] == "W-450000-01" and case["intake"]["originals_to_mail"] == ["id_card"]
    assert case["intake"].get("query_code") is None  # the walk-in applicant's, not the handler's
    shipments = ok(clerk.get(f"/v1/cases/{number}/shipments"))["items"]
    assert [(s["id"], s["status"], s["province"]) for s in shipments] == [(ORIGINALS, "sent", "450000")]

    check = f"/v1/authority/cases/{number}/originals/id_card/check"
    before = case_doc(number)
    assert problem(clerk.post(check, {"matches": True}), 409)["code"] == "originals_not_arrived"
    unknown = f"/v1/authority/cases/{number}/shipments/S000000000000/events"
    assert problem(clerk.post(unknown, {"status": "delivered"}), 404)["code"] == "shipment_not_found"
    assert case_doc(number) == before

    arrival = f"/v1/authority/cases/{number}/shipments/{ORIGINALS}/events"
    arrived = ok(clerk.post(arrival, {"status": "delivered", "note": "原件已签收"}))
    assert (arrived["status"], arrived["events"][-1]["province"]) == ("delivered", "430000")
    sent = case_doc(number)
    assert sent["exchange"]["out_seq"] == 1  # the arrival told to 广西 (case.shipment_event)
    for status in ("delivered", "in_transit"):  # a repeat, a step back
        assert problem(clerk.post(arrival, {"status": status}), 409)["code"] == "shipment_event_out_of_order"
    assert case_doc(number) == sent

    checked = ok(clerk.post(check, {"matches": True, "note": "原件与扫描件一致"}))
    assert [(c["slot"], c["matches"], c["province"]) for c in checked["intake"]["original_checks"]] == [
        ("id_card", True, "430000")
    ]
    assert problem(clerk.post(check, {"matches": True}), 409)["code"] == "original_already_checked"
    not_mailed = f"/v1/authority/cases/{number}/originals/power_of_attorney/check"
    assert problem(clerk.post(not_mailed, {"matches": True}), 404)["code"] == "original_not_mailed"


def test_the_partners_duplicate_unknown_or_out_of_order_shipment_messages_change_no_shipment(
    client: Any, clerk: Party, operator: Party, guangxi: PartnerProvince, inbound_drained: None
) -> None:
    number = dispatched_here(client, guangxi)
    now = rfc3339(datetime.now(BEIJING))

    def event(seq: int, shipment_id: str, status: str) -> str:
        payload = {
            "shipment_id": shipment_id,
            "status": status,
            "at": now,
            "note": None,
            "province": "450000",
        }
        return deliver(
            client, guangxi.message(payload, case=number, seq=seq, kind=MessageType.SHIPMENT_EVENT)
        )

    assert event(2, ORIGINALS, "in_transit") == "applied"
    assert event(3, ORIGINALS, "in_transit") == "applied"  # the same status again
    assert event(4, "S000000000000", "delivered") == "applied"  # a shipment unknown here
    ok(clerk.post(f"/v1/authority/cases/{number}/shipments/{ORIGINALS}/events", {"status": "delivered"}))
    assert event(5, ORIGINALS, "returned") == "applied"  # crossed our arrival: a step sideways
    again = {**ok(clerk.get(f"/v1/cases/{number}/shipments"))["items"][0], "status": "sent"}
    again.pop("events")
    recorded_again = {**again, "events": [{"status": "sent", "at": now, "note": None, "province": "450000"}]}
    assert (
        deliver(
            client, guangxi.message(recorded_again, case=number, seq=6, kind=MessageType.SHIPMENT_RECORDED)
        )
        == "applied"
    )

    [shipment] = ok(clerk.get(f"/v1/cases/{number}/shipments"))["items"]
    assert shipment["status"] == "delivered"
    assert [(e["status"], e["province"]) for e in shipment["events"]] == [
        ("sent", "450000"),
        ("in_transit", "450000"),
        ("delivered", "430000"),
    ]
    timeline = ok(operator.get(f"/v1/cases/{number}/timeline"))["events"]
    noted = [e["details"].get("noted") for e in timeline if e["act"].startswith("partner_shipment")]
    assert noted == [None, True, True, True, True]
    assert case_doc(number)["state"] == "submitted"


REFUSAL = {"reason": "申请材料与原件不符", "legal_basis": "《行政许可法》第三十二条"}


def arrived_here(client: Any, clerk: Party, guangxi: PartnerProvince) -> str:
    """An intake 广西 dispatched, its originals signed for here."""
    number = dispatched_here(client, guangxi)
    ok(clerk.post(f"/v1/authority/cases/{number}/shipments/{ORIGINALS}/events", {"status": "delivered"}))
    assert case_doc(number)["intake"]["originals_arrived_at"] is not None
    return number


def test_the_originals_go_back_before_the_case_is_closed(
    client: Any, clerk: Party, guangxi: PartnerProvince, inbound_drained: None
) -> None:
    number = dispatched_here(client, guangxi)
    returns = f"/v1/authority/cases/{number}/originals/returns"
    body = {
        "to": "applicant",
        "carrier": "中国邮政EMS",
        "tracking_number": "EMS2000000001",
        "slots": ["id_card"],
    }
    before = case_doc(number)
    assert problem(clerk.post(returns, body), 409)["code"] == "originals_not_arrived"
    assert problem(clerk.post(returns, {**body, "slots": ["photo"]}), 404)["code"] == "original_not_mailed"
    assert case_doc(number) == before
    ok(clerk.post(f"/v1/authority/cases/{number}/shipments/{ORIGINALS}/events", {"status": "delivered"}))

    checked = ok(clerk.post(f"/v1/authority/cases/{number}/originals/id_card/check", {"matches": False}))
    assert [(c["slot"], c["matches"], c["kept"]) for c in checked["intake"]["original_checks"]] == [
        ("id_card", False, False)
    ]
    assert case_doc(number)["exchange"]["out_seq"] == 2  # the arrival, then the check (case.original_checked)
    refused = ok(clerk.post(f"/v1/authority/cases/{number}/refuse", REFUSAL))
    assert refused["state"] == "not_accepted" and "close" not in refused["allowed_acts"]

    held = case_doc(number)
    closing = problem(clerk.post(f"/v1/authority/cases/{number}/close", {}), 409)
    assert (closing["code"], closing["materials"]) == ("originals_not_returned", ["id_card"])
    assert case_doc(number) == held

    back = ok(clerk.post(returns, {**body, "note": "原件随不予受理决定书退还"}), 201)
    assert (back["direction"], back["contents"], back["status"], back["province"]) == (
        "originals_to_applicant",
        ["id_card"],
        "sent",
        "430000",
    )
    after = case_doc(number)
    assert after["intake"]["originals_returned"] == ["id_card"]
    assert after["exchange"]["out_seq"] == 4  # the refusal, then the return (case.shipment_recorded)
    again = {**body, "tracking_number": "EMS2000000002"}
    assert problem(clerk.post(returns, again), 409)["code"] == "original_not_held"
    assert problem(clerk.post(returns, body), 409)["code"] == "original_not_held"
    shipments = ok(clerk.get(f"/v1/cases/{number}/shipments"))["items"]
    assert {s["direction"] for s in shipments} == {"to_handler", "originals_to_applicant"}

    closed = ok(clerk.post(f"/v1/authority/cases/{number}/close", {}))
    assert closed["state"] == "closed"


def test_an_original_the_authority_keeps_does_not_hold_up_closing(
    client: Any, clerk: Party, guangxi: PartnerProvince, inbound_drained: None
) -> None:
    number = arrived_here(client, clerk, guangxi)
    check = {"matches": True, "keep": True, "note": "依法收回原证"}
    ok(clerk.post(f"/v1/authority/cases/{number}/originals/id_card/check", check))
    returns = f"/v1/authority/cases/{number}/originals/returns"
    body = {"to": "window", "carrier": "顺丰速运", "tracking_number": "SF1000000001", "slots": ["id_card"]}
    assert problem(clerk.post(returns, body), 409)["code"] == "original_not_held"
    ok(clerk.post(f"/v1/authority/cases/{number}/refuse", REFUSAL))
    assert ok(clerk.post(f"/v1/authority/cases/{number}/close", {}))["state"] == "closed"


def test_the_handling_provinces_check_and_return_of_the_originals_reach_the_window(
    client: Any, window: Party, guangxi: PartnerProvince, inbound_drained: None
) -> None:
    number = intake(window)
    id_card = scan(window, number, "id_card")
    ok(window.post(f"/v1/window/cases/{number}/files/{id_card}/original-check", {"mail_original": True}))
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "e_sign"}))
    ok(window.post(f"/v1/window/cases/{number}/dispatch"))
    now = rfc3339(datetime.now(BEIJING))

    checked = {"slot": "id_card", "matches": True, "kept": False, "note": "原件与扫描件一致", "at": now}
    for seq in (1, 2):  # the second is a repeat: recorded, not applied again
        message = guangxi.message(
            {**checked, "province": "450000"}, case=number, seq=seq, kind=MessageType.ORIGINAL_CHECKED
        )
        assert deliver(client, message) == "applied"
    case = ok(window.get(f"/v1/cases/{number}"))
    assert [
        (c["slot"], c["matches"], c["kept"], c["province"]) for c in case["intake"]["original_checks"]
    ] == [("id_card", True, False, "450000")]
    unmailed = {**checked, "slot": "photo", "province": "450000"}
    message = guangxi.message(unmailed, case=number, seq=3, kind=MessageType.ORIGINAL_CHECKED)
    assert deliver(client, message) == "applied"
    assert len(ok(window.get(f"/v1/cases/{number}"))["intake"]["original_checks"]) == 1

    back = {
        "id": "S0B1C2D3E4F5A",
        "case": number,
        "direction": "originals_to_window",
        "carrier": "中国邮政EMS",
        "tracking_number": "EMS3000000001",
        "contents": ["id_card"],
        "events": [{"status": "sent", "at": now, "note": None, "province": "450000"}],
        "status": "sent",
        "province": "450000",
    }
    message = guangxi.message(back, case=number, seq=4, kind=MessageType.SHIPMENT_RECORDED)
    assert deliver(client, message) == "applied"
    case = ok(window.get(f"/v1/cases/{number}"))
    assert case["intake"]["originals_returned"] == ["id_card"]
    assert case["intake"]["originals_arrived_at"] is None  # marked at the handling province only
    timeline = [e["act"] for e in ok(window.get(f"/v1/cases/{number}/timeline"))["events"]]
    assert timeline.count("partner_original_checked") == 3

    events = f"/v1/window/cases/{number}/shipments/{back['id']}/events"
    received = ok(window.post(events, {"status": "delivered", "note": "原件已交还申请人"}))
    assert (received["status"], received["events"][-1]["province"]) == ("delivered", "430000")


# — at the applicant's home (the origin) —


def test_a_mailed_result_brings_its_shipment_and_the_delivery_recorded_there_arrives_with_its_time(
    client: Any, applicant: Party, guangxi: PartnerProvince, inbound_drained: None
) -> None:
    from tests.integration.case_helpers import RS4_FORM

    number = ok(
        applicant.post("/v1/cases", {"item_code": "KSTB-RS-004", "province": "450000", "form": RS4_FORM}), 201
    )["number"]
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": LICENCE}), 201)
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    clock = case_doc(number)["clock"]
    now = datetime.now(BEIJING)
    decided = {
        "act": "accept_and_decide",
        "state": "approved",
        "clock": clock,
        "decision": {
            "approved": True,
            "reasons": [],
            "legal_basis": None,
            "on_commitment": False,
            "verification_due": None,
            "decided_at": rfc3339(now),
        },
    }
    back = {
        "id": "S9F8E7D6C5B4A",
        "case": number,
        "direction": "to_applicant",
        "carrier": "中国邮政EMS",
        "tracking_number": "EMS3300000003",
        "contents": ["失业登记证明"],
        "events": [{"status": "sent", "at": rfc3339(now), "note": None, "province": "450000"}],
        "status": "sent",
        "province": "450000",
    }
    issued = {
        "act": "issue_result",
        "state": "result_issued",
        "clock": clock,
        "result": {
            "delivery": "mail",
            "title": "失业登记证明",
            "licence_ref": None,
            "carrier": "中国邮政EMS",
            "tracking_number": "EMS3300000003",
            "issued_at": rfc3339(now),
            "delivered_at": None,
        },
        "shipment": back,
    }
    signed_for = rfc3339(now - timedelta(minutes=30))
    delivery = {
        "act": "deliver",
        "state": "delivered",
        "clock": clock,
        "how": "mail_signed",
        "at": signed_for,
    }
    for seq, (kind, payload) in enumerate(
        [(MessageType.DECIDED, decided), (MessageType.RESULT_ISSUED, issued)], start=1
    ):
        assert deliver(client, guangxi.message(payload, case=number, seq=seq, kind=kind)) == "applied"
    mine = ok(applicant.get(f"/v1/cases/{number}/shipments"))["items"]
    assert [(s["id"], s["direction"], s["province"]) for s in mine] == [
        (back["id"], "to_applicant", "450000")
    ]
    assert case_doc(number)["state"] == "result_issued"

    message = guangxi.message(delivery, case=number, seq=3, kind=MessageType.DELIVERY_RECORDED)
    assert deliver(client, message) == "applied"
    delivered = ok(applicant.get(f"/v1/cases/{number}"))
    assert delivered["state"] == "delivered"
    assert datetime.fromisoformat(delivered["result"]["delivered_at"]) == datetime.fromisoformat(signed_for)
