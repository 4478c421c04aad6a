"""The event side of cases: uploads checked from the bucket's notification, notices through the
outbox and queue (twice delivered, stored once; a dead sender's notice relayed), the deadline sweep."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests

from chalicelib.domain.clock import BEIJING
from chalicelib.domain.commands import Accept
from tests.conftest import install_root
from tests.integration.case_helpers import PDF, SJ_FORM, Party, draft, give, ok


@pytest.fixture
def applicant(company: Party) -> Party:
    """工业产品生产许可证, the item these tests drive, serves legal persons only."""
    return company


PREFIX = "tongban-430000"


def drain(queue: str) -> list[dict[str, Any]]:
    """Receive everything on a queue as Lambda would get it (records with body and messageId)."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-{queue}")["QueueUrl"]
    records: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return records
        for m in got:
            records.append(
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws-cn:sqs:cn-north-1:123456789012:{PREFIX}-{queue}",
                }
            )
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_the_bucket_notification_verifies_an_upload(applicant: Party) -> None:
    from chalicelib.events import handlers

    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    drain("uploads")
    ticket = ok(
        applicant.post(
            f"/v1/cases/{number}/materials/business_licence/uploads",
            {
                "filename": "执照.pdf",
                "content_type": "application/pdf",
                "size": len(PDF),
                "sha256": hashlib.sha256(PDF).hexdigest(),
            },
        ),
        201,
    )
    assert requests.put(ticket["upload"]["url"], data=PDF, headers=ticket["upload"]["headers"], timeout=10).ok
    records = drain("uploads")
    assert records, "the bucket notified the uploads queue"
    result = handlers.on_uploads({"Records": records})
    assert result == {"batchItemFailures": []}
    again = handlers.on_uploads({"Records": records})  # delivered twice: nothing changes
    assert again == {"batchItemFailures": []}
    case = ok(applicant.get(f"/v1/cases/{number}"))
    files = [f for m in case["materials"] for f in m["files"]]
    assert [(f["file_id"], f["status"]) for f in files] == [(ticket["file_id"], "verified")]
    acts = [e["act"] for e in ok(applicant.get(f"/v1/cases/{number}/timeline"))["events"]]
    assert acts.count("material_verified") == 1


def test_notices_reach_the_applicant_once(applicant: Party, clerk: Party) -> None:
    from chalicelib.events import handlers

    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    drain("notifications")
    ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    records = drain("notifications")
    assert [json.loads(r["body"])["act"] for r in records] == ["accept"]
    assert "430102199001010016" not in records[0]["body"]  # no personal data travels in a notice
    assert "测试申请人甲" not in records[0]["body"]
    assert handlers.on_notices({"Records": records}) == {"batchItemFailures": []}
    assert handlers.on_notices({"Records": records}) == {"batchItemFailures": []}
    notices = ok(applicant.get("/v1/me/notices"))["items"]
    assert [(n["case"], n["act"], n["state"]) for n in notices] == [(number, "accept", "accepted")]
    other = Party(applicant.client, "applicant", sub="dev-applicant-2")
    assert ok(other.get("/v1/me/notices"))["items"] == []


def test_a_notice_whose_sender_died_is_relayed(
    applicant: Party, clerk: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import container
    from chalicelib.events import handlers

    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    queue = container.notice_queue()

    def die(notice: dict[str, Any]) -> None:
        raise ConnectionError("the function died after its commit")

    monkeypatch.setattr(queue, "send", die)
    with pytest.raises(ConnectionError):
        container.cases().act(_clerk(), number, Accept())
    monkeypatch.undo()
    drain("notifications")
    assert ok(clerk.get(f"/v1/cases/{number}"))["state"] == "accepted"  # the commit stood
    assert handlers.relay_outbox(datetime.now(BEIJING)) == 0  # too fresh: its sender may still be at it
    assert handlers.relay_outbox(datetime.now(BEIJING) + timedelta(minutes=3)) == 1
    records = drain("notifications")
    assert handlers.on_notices({"Records": records}) == {"batchItemFailures": []}
    assert handlers.relay_outbox(datetime.now(BEIJING) + timedelta(minutes=3)) == 0  # delivered: cleared
    assert [n["act"] for n in ok(applicant.get("/v1/me/notices"))["items"]] == ["accept"]


def _clerk() -> Any:
    from chalicelib.domain.identity import Principal, Role

    return Principal(
        subject="dev-authority-clerk-1",
        role=Role.AUTHORITY_CLERK,
        issuer="x",
        province="430000",
        authority="A-430000-01",
    )


def test_the_sweep_warns_then_marks_overdue_once(applicant: Party, clerk: Party) -> None:
    from chalicelib.events import handlers

    install_root(clock=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING))  # a Monday
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    due = date.fromisoformat(
        ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))["clock"]["promised_due"]
    )
    assert due == date(2026, 11, 16)  # 10 working days

    def sweep(day: date) -> dict[str, int]:
        return handlers.sweep_deadlines(datetime(day.year, day.month, day.day, 1, 0, tzinfo=BEIJING))

    assert sweep(date(2026, 11, 11))["warned"] == 0  # 3 days left of 10: still green
    assert sweep(date(2026, 11, 12))["warned"] == 1  # 2 days left: yellow
    assert sweep(date(2026, 11, 13))["checked"] == 0  # next look is the day after the due date
    assert sweep(date(2026, 11, 17))["overdue"] == 1
    assert sweep(date(2026, 11, 18))["checked"] == 0
    acts = [e["act"] for e in ok(clerk.get(f"/v1/cases/{number}/timeline"))["events"]]
    assert (acts.count("deadline_warning"), acts.count("deadline_overdue")) == (1, 1)
