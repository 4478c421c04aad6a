"""Exchange under faults: nothing lost, nothing applied twice.

Inbound, at the handling side (430000 receives from 450000): a message delivered twice is applied
once; one that arrives before its predecessor is parked and applied right after it; a poison
message goes to the inbound DLQ after MaxReceiveCount receives and, once its cause is fixed, is
redriven and applied.

Outbound, at the origin side (430000 forwards to 450000): a sender dying between the commit and the
queue send is made good by the relay; a partner down for a while gets the same message (same id,
same payload digest) until it answers; a partner down for good puts the message on the outbound
DLQ, from where a redrive delivers it; a duplicate queue message does not post again.

The queues are driven by hand as Lambda's event source mapping would: receive, hand Lambda-shaped
records to the handler, delete what succeeded and make the failures visible again at once (as the
local event pump does).
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.adapters.partner_http import Answer
from chalicelib.domain.clock import BEIJING, rfc3339
from chalicelib.domain.commands import Submit
from chalicelib.domain.envelope import JWS_TYPE, RECEIPT_TYPE, MessageType, payload_digest
from chalicelib.services.jws import verify_jws
from chalicelib.services.outbound import MAX_ATTEMPTS, backoff
from tests.conftest import PREFIX, bearer, install_root, seed_items
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import RS4_FORM, Party, applicant_of, ok

PARTNER = "450000"
HERE = "430000"
LICENCE = "EL-430000-20160301-DEV10001"
CASES_TABLE = f"{PREFIX}-cases"
MAX_RECEIVE_COUNT = 5  # the template's MaxReceiveCount


# — queues, driven as Lambda's event source mapping would —


class Queue:
    def __init__(self, name: str) -> None:
        self.name = f"{PREFIX}-{name}"
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.get_queue_url(QueueName=self.name)["QueueUrl"]

    def empty(self) -> None:
        """Take off whatever earlier tests left (PurgeQueue is limited to once a minute)."""
        self.bodies()

    def receive(self) -> list[dict[str, Any]]:
        """One receive (up to 10 messages), as Lambda records; nothing deleted yet."""
        got = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        return [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws-cn:sqs:cn-north-1:123456789012:{self.name}",
                "awsRegion": "cn-north-1",
            }
            for m in got
        ]

    def settle(self, records: list[dict[str, Any]], result: dict[str, Any]) -> set[str]:
        """Delete what succeeded; a failure is visible again at once. Returns the failed ids."""
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for record in records:
            if record["messageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])
        return failed

    def bodies(self) -> list[dict[str, Any]]:
        """Everything on the queue now, taken off it."""
        taken: list[dict[str, Any]] = []
        while records := self.receive():
            self.settle(records, {})
            taken.extend(json.loads(r["body"]) for r in records)
        return taken


def pump(queue: Queue, handler: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One receive handed to `handler`, then settled; returns the records and the handler's answer
    (a handler that raises, as Powertools does when the whole batch failed, fails every record)."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    records = queue.receive()
    try:
        result: dict[str, Any] = handler({"Records": records}) if records else {"batchItemFailures": []}
    except BatchProcessingError:
        result = {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    queue.settle(records, result)
    return records, result


def on_inbound(event: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.events import handlers

    return handlers.on_inbound(event)


def on_outbound(event: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.events import handlers

    return handlers.on_outbound(event)


def relay() -> int:
    from chalicelib.events import handlers

    return handlers.relay_messages()


# — fixtures —


@pytest.fixture
def queues(clean_aws: None) -> dict[str, Queue]:
    """The exchange queues, empty (they live for the whole session, unlike the tables)."""
    found = {
        "inbound": Queue("inbound.fifo"),
        "inbound_dlq": Queue("inbound-dlq.fifo"),
        "outbound": Queue("outbound"),
        "outbound_dlq": Queue("outbound-dlq"),
    }
    for queue in found.values():
        queue.empty()
    return found


# — inbound, at the handling side —


def case_number() -> str:
    from chalicelib.domain.case_factory import new_case_number

    return new_case_number(PARTNER, "20261123")


def forwarded(item_code: str = "KSTB-RS-004") -> dict[str, Any]:
    """A forwarded case's payload as `outbound.forwarded_payload` builds it; the id card is given
    as an e-licence reference, so nothing is fetched over HTTP."""
    return {
        "item_code": item_code,
        "item_version": 1,
        "mode": "full_online",
        "channel": "mobile",
        "applicant": {
            "subject": "dev-applicant-1",
            "issuer": "https://id.gx.example.cn/dev",
            **applicant_of("dev-applicant-1"),
        },
        "form": RS4_FORM,
        "files": [
            {
                "file_id": "FGXID00000001",
                "slot": "id_card",
                "filename": "中华人民共和国居民身份证",
                "content_type": None,
                "size": None,
                "sha256": None,
                "trust_level": "A",
                "licence_ref": LICENCE,
            }
        ],
        "submitted_at": rfc3339(datetime.now(BEIJING) - timedelta(minutes=1)),
    }


WITHDRAWAL = {"reason": "申请人撤回"}


def post(client: Any, message: dict[str, Any]) -> dict[str, Any]:
    answer = client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )
    return dict(ok(answer))


def message_id(message: dict[str, Any]) -> str:
    import base64

    part = message["envelope"].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["id"])


def case_doc(number: str) -> dict[str, Any] | None:
    from chalicelib import container

    return container.case_reads().get(number)


def acts(operator: Party, number: str) -> list[str]:
    return [e["act"] for e in ok(operator.get(f"/v1/cases/{number}/timeline"))["events"]]


def received_status(mid: str) -> str:
    from chalicelib import container

    record = container.message_store().received(mid)
    assert record is not None
    return str(record["status"])


def test_a_message_delivered_twice_is_applied_once(
    client: Any, operator: Party, guangxi: PartnerProvince, queues: dict[str, Queue]
) -> None:
    inbound = queues["inbound"]
    number = case_number()
    payload = forwarded()
    opening = guangxi.message(payload, case=number, seq=1)
    again = guangxi.message(payload, case=number, seq=1, message_id=message_id(opening))  # re-signed
    assert again["envelope"] != opening["envelope"]
    receipts = {post(client, m)["receipt"] for m in (opening, again)}  # the partner's retry
    assert len(receipts) == 1

    records = inbound.receive()
    assert [json.loads(r["body"])["id"] for r in records] == [message_id(opening)]  # the FIFO deduped
    for _ in range(2):  # the same SQS record handed to the handler twice
        assert on_inbound({"Records": records}) == {"batchItemFailures": []}
    inbound.settle(records, {})

    replay = post(client, again)  # and once more after it was applied: same receipt, not queued
    assert (replay["receipt"], replay["status"]) == (receipts.pop(), "applied")
    assert inbound.receive() == []

    withdrawal = guangxi.message(WITHDRAWAL, case=number, seq=2, kind=MessageType.WITHDRAWN)
    post(client, withdrawal)
    records = inbound.receive()
    assert len(records) == 1
    for _ in range(2):
        assert on_inbound({"Records": records}) == {"batchItemFailures": []}
    inbound.settle(records, {})

    doc = case_doc(number)
    assert doc is not None
    assert (doc["state"], doc["exchange"]["in_seq"], doc["handler"]["province"]) == ("withdrawn", 2, HERE)
    assert acts(operator, number) == ["open_from_partner", "withdraw"]
    assert [received_status(message_id(m)) for m in (opening, withdrawal)] == ["applied", "applied"]


def test_a_message_before_its_predecessor_is_parked_then_applied_in_order(
    client: Any, operator: Party, guangxi: PartnerProvince, queues: dict[str, Queue]
) -> None:
    from chalicelib import container

    inbound = queues["inbound"]
    number = case_number()
    opening = guangxi.message(forwarded(), case=number, seq=1)
    withdrawal = guangxi.message(WITHDRAWAL, case=number, seq=2, kind=MessageType.WITHDRAWN)

    post(client, withdrawal)  # seq 2 overtakes seq 1
    early, result = pump(inbound, on_inbound)
    assert len(early) == 1 and result == {"batchItemFailures": []}
    assert case_doc(number) is None
    assert container.message_store().parked(number, PARTNER, 2) == message_id(withdrawal)
    assert received_status(message_id(withdrawal)) == "parked"

    assert on_inbound({"Records": early}) == {"batchItemFailures": []}  # redelivered while waiting
    assert case_doc(number) is None

    post(client, opening)
    records, result = pump(inbound, on_inbound)
    for _ in range(3):  # a failure would come back: give it the chance to
        pump(inbound, on_inbound)

    doc = case_doc(number)
    assert doc is not None
    assert (doc["state"], doc["exchange"]["in_seq"]) == ("withdrawn", 2)
    assert len(records) == 1 and result == {"batchItemFailures": []}
    assert acts(operator, number) == ["open_from_partner", "withdraw"]
    assert container.message_store().parked(number, PARTNER, 2) is None
    assert [received_status(message_id(m)) for m in (opening, withdrawal)] == ["applied", "applied"]

    for stale in (early, records):  # late redeliveries of either change nothing
        assert on_inbound({"Records": stale}) == {"batchItemFailures": []}
    assert acts(operator, number) == ["open_from_partner", "withdraw"]


def dead_letter(inbound: Queue, mid: str) -> None:
    """Receive a failing message until MaxReceiveCount; the receive after moves it to the DLQ."""
    for attempt in range(1, MAX_RECEIVE_COUNT + 1):
        records, result = pump(inbound, on_inbound)
        assert [json.loads(r["body"])["id"] for r in records] == [mid]
        assert records[0]["attributes"]["ApproximateReceiveCount"] == str(attempt)
        assert result == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    assert inbound.receive() == []


def publish_copy_of_rs4(code: str) -> None:
    from infra.local.seed import seed_catalog

    rs4 = next(i for i in seed_items() if i["code"] == "KSTB-RS-004")
    seed_catalog([{**copy.deepcopy(rs4), "code": code}])


def test_a_poison_message_goes_to_the_dead_letters_and_is_applied_after_a_redrive(
    client: Any, operator: Party, guangxi: PartnerProvince, queues: dict[str, Queue]
) -> None:
    inbound = queues["inbound"]
    code = "KSTB-RS-904"  # not published yet: every attempt to open the case fails
    number = case_number()
    opening = guangxi.message(forwarded(code), case=number, seq=1)
    post(client, opening)

    dead_letter(inbound, message_id(opening))
    assert case_doc(number) is None
    assert received_status(message_id(opening)) == "received"  # held, not applied, not lost
    dead = ok(operator.get("/v1/ops/dead-letters/inbound"))["items"]
    assert [d["body"] for d in dead] == [{"id": message_id(opening), "case": number}]

    publish_copy_of_rs4(code)  # the cause is gone
    assert ok(operator.post("/v1/ops/dead-letters/inbound/redrive"))["moved"] == 1
    assert ok(operator.get("/v1/ops/dead-letters/inbound"))["items"] == []
    records, result = pump(inbound, on_inbound)
    assert len(records) == 1 and result == {"batchItemFailures": []}
    assert on_inbound({"Records": records}) == {"batchItemFailures": []}  # and a redelivery of it
    assert inbound.receive() == []

    doc = case_doc(number)
    assert doc is not None
    assert (doc["item_code"], doc["state"], doc["exchange"]["in_seq"]) == (code, "submitted", 1)
    assert acts(operator, number) == ["open_from_partner"]
    assert received_status(message_id(opening)) == "applied"


def test_a_successor_parked_behind_a_dead_lettered_message_is_applied_after_the_redrive(
    client: Any, operator: Party, guangxi: PartnerProvince, queues: dict[str, Queue]
) -> None:
    from chalicelib import container

    inbound = queues["inbound"]
    code = "KSTB-RS-905"
    number = case_number()
    opening = guangxi.message(forwarded(code), case=number, seq=1)
    post(client, opening)
    dead_letter(inbound, message_id(opening))

    withdrawal = guangxi.message(WITHDRAWAL, case=number, seq=2, kind=MessageType.WITHDRAWN)
    post(client, withdrawal)  # the group is free again: seq 2 comes and waits for seq 1
    records, result = pump(inbound, on_inbound)
    assert len(records) == 1 and result == {"batchItemFailures": []}
    assert container.message_store().parked(number, PARTNER, 2) == message_id(withdrawal)

    publish_copy_of_rs4(code)
    assert ok(operator.post("/v1/ops/dead-letters/inbound/redrive"))["moved"] == 1
    for _ in range(3):  # a failure would come back: give it the chance to
        pump(inbound, on_inbound)

    doc = case_doc(number)
    assert doc is not None
    assert (doc["state"], doc["exchange"]["in_seq"]) == ("withdrawn", 2)
    assert acts(operator, number) == ["open_from_partner", "withdraw"]
    assert container.message_store().parked(number, PARTNER, 2) is None
    assert [received_status(message_id(m)) for m in (opening, withdrawal)] == ["applied", "applied"]


# — outbound, at the origin side —


class FakeClock:
    """The gateway's clock (the composition root's), moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(BEIJING)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class FakePartner:
    """The partner gateway 450000 behind the sender's transport: it checks the envelope with the
    gateway's published keys and answers with a receipt signed by its own key (the same receipt
    for a message it holds already), or fails as told (status 0: no connection)."""

    def __init__(self, partner: PartnerProvince, gateway_jwks: dict[str, Any]) -> None:
        self.partner = partner
        self.gateway_jwks = gateway_jwks
        self.failures: float = 0  # how many posts to fail before answering
        self.failure_status = 0
        self.posts: list[dict[str, Any]] = []  # envelope claims of every post
        self.receipts: dict[str, str] = {}

    def post(self, url: str, body: dict[str, Any]) -> Answer:
        assert url == "http://127.0.0.1:8450/v1/exchange/messages"
        claims = verify_jws(body["envelope"], self.gateway_jwks, JWS_TYPE)
        assert (claims["from"], claims["to"]) == (HERE, PARTNER)
        assert payload_digest(body["payload"]) == claims["payload_sha256"]
        self.posts.append({**claims, "payload": body["payload"]})
        if self.failures > 0:
            self.failures -= 1
            return Answer(self.failure_status, {})
        if claims["id"] not in self.receipts:
            self.receipts[claims["id"]] = self.partner.signer.sign_jws(
                {
                    "receipt_for": claims["id"],
                    "case": claims["case"],
                    "payload_sha256": claims["payload_sha256"],
                    "from": PARTNER,
                    "to": HERE,
                    "received_at": rfc3339(datetime.now(BEIJING)),
                },
                RECEIPT_TYPE,
            )
        return Answer(200, {"receipt": self.receipts[claims["id"]], "message_id": claims["id"]})

    def ids(self) -> list[str]:
        return [str(p["id"]) for p in self.posts]


@pytest.fixture
def clock(guangxi: PartnerProvince) -> FakeClock:
    moved = FakeClock()
    install_root(clock=moved)
    return moved


@pytest.fixture
def partner(client: Any, guangxi: PartnerProvince, queues: dict[str, Queue]) -> FakePartner:
    fake = FakePartner(guangxi, ok(client.http.get("/v1/exchange/jwks")))
    install_root(partner_transport=fake)
    return fake


class Caller:
    """The applicant through the API, without the contract check of `Party` (its subject here is
    the outbox, not the case's response model); POSTs carry a fresh Idempotency-Key."""

    def __init__(self, client: Any, role: str) -> None:
        self.client = client
        self.headers = bearer(role)

    def get(self, path: str) -> Any:
        return self.client.http.get(path, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        headers = {**self.headers, "Idempotency-Key": f"faults-{uuid.uuid4()}"}
        if body is None:
            return self.client.http.post(path, headers=headers)
        headers["Content-Type"] = "application/json"
        return self.client.http.post(path, headers=headers, body=json.dumps(body, ensure_ascii=False))


@pytest.fixture
def applicant(client: Any, stage: None) -> Caller:
    return Caller(client, "applicant")


def forwarded_draft(applicant: Caller) -> str:
    """A draft at 430000 for 450000's item, with the id card given as an e-licence."""
    body = {
        "item_code": "KSTB-RS-004",
        "province": PARTNER,
        "applicant": applicant_of("dev-applicant-1"),
        "form": RS4_FORM,
    }
    number = str(ok(applicant.post("/v1/cases", body), 201)["number"])
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": LICENCE}), 201)
    return number


def outbox(number: str) -> list[dict[str, Any]]:
    """The case's outbox records (XOUT) with whether they are in the pending index, and when."""
    items = boto3.client("dynamodb").query(
        TableName=CASES_TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :x)",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{number}"}, ":x": {"S": "XOUT#"}},
    )["Items"]
    return [
        {
            **json.loads(i["doc"]["S"]),
            "indexed": "outbox" in i,
            "outbox_at": i.get("outbox_at", {}).get("S"),
        }
        for i in items
    ]


def only(records: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(records) == 1, records
    return records[0]


def deliver_queued(outbound: Queue) -> int:
    """Hand everything on the outbound queue to the sender; returns how many queue messages."""
    handled = 0
    while True:
        records, result = pump(outbound, on_outbound)
        assert result == {"batchItemFailures": []}
        if not records:
            return handled
        handled += len(records)


def submit(applicant: Caller, number: str) -> dict[str, Any]:
    return dict(ok(applicant.post(f"/v1/cases/{number}/submit")))


def test_a_sender_dying_between_commit_and_queue_send_is_relayed(
    applicant: Caller,
    partner: FakePartner,
    clock: FakeClock,
    queues: dict[str, Queue],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib import container
    from chalicelib.domain.identity import Principal, Role
    from infra.devtokens import issuer_of

    number = forwarded_draft(applicant)
    sender = container.outbound()._queue
    send = sender.send
    calls: list[str] = []

    def die_once(case: str, mid: str) -> None:
        calls.append(mid)
        if len(calls) == 1:
            raise ConnectionError("the function died after its commit")
        send(case, mid)

    monkeypatch.setattr(sender, "send", die_once)
    me = Principal(subject="dev-applicant-1", role=Role.APPLICANT, issuer=issuer_of(HERE))
    with pytest.raises(ConnectionError):
        container.cases().act(me, number, Submit())

    assert ok(applicant.get(f"/v1/cases/{number}"))["state"] == "submitted"  # the commit stood
    record = only(outbox(number))
    assert (record["id"], record["status"], record["type"], record["seq"]) == (
        calls[0],
        "pending",
        "case.forwarded",
        1,
    )
    assert record["indexed"] and record["attempts"] == 0
    assert queues["outbound"].receive() == []  # the send never happened

    assert relay() == 0  # within the grace minute: its sender may still be at it
    clock.advance(timedelta(minutes=1, seconds=1))
    assert relay() == 1
    assert deliver_queued(queues["outbound"]) == 1
    assert partner.ids() == [record["id"]]

    done = only(outbox(number))
    assert (done["status"], done["attempts"], done["indexed"]) == ("delivered", 0, False)
    assert done["receipt"] == partner.receipts[record["id"]]
    clock.advance(timedelta(hours=2))
    assert relay() == 0
    assert partner.ids() == [record["id"]]


def test_a_partner_down_for_a_while_gets_the_same_message_until_it_answers(
    applicant: Caller, partner: FakePartner, clock: FakeClock, queues: dict[str, Queue]
) -> None:
    number = forwarded_draft(applicant)
    partner.failures = 3
    submit(applicant, number)
    mid = only(outbox(number))["id"]

    assert deliver_queued(queues["outbound"]) == 1  # the inline send: no connection
    for attempts in (1, 2, 3):
        record = only(outbox(number))
        assert (record["status"], record["attempts"], record["last_error"]) == ("pending", attempts, "http_0")
        assert record["outbox_at"] == rfc3339(clock.now + backoff(attempts))
        clock.advance(backoff(attempts) - timedelta(seconds=1))
        assert relay() == 0  # not due yet
        clock.advance(timedelta(seconds=1))
        assert relay() == 1
        assert deliver_queued(queues["outbound"]) == 1

    done = only(outbox(number))
    assert (done["status"], done["attempts"], done["indexed"]) == ("delivered", 3, False)
    receipt = verify_jws(done["receipt"], partner.partner.jwks(), RECEIPT_TYPE)
    assert (receipt["receipt_for"], receipt["payload_sha256"]) == (mid, done["payload_sha256"])
    assert partner.ids() == [mid] * 4
    assert {p["payload_sha256"] for p in partner.posts} == {done["payload_sha256"]}
    assert {payload_digest(p["payload"]) for p in partner.posts} == {done["payload_sha256"]}
    assert {(p["seq"], p["type"], p["case"]) for p in partner.posts} == {(1, "case.forwarded", number)}
    clock.advance(timedelta(hours=2))
    assert relay() == 0


def test_a_partner_down_for_good_dead_letters_the_message_and_a_redrive_delivers_it(
    applicant: Caller,
    operator: Party,
    partner: FakePartner,
    clock: FakeClock,
    queues: dict[str, Queue],
) -> None:
    number = forwarded_draft(applicant)
    partner.failures = float("inf")
    partner.failure_status = 503
    submit(applicant, number)
    mid = only(outbox(number))["id"]

    assert deliver_queued(queues["outbound"]) == 1
    for attempts in range(1, MAX_ATTEMPTS):
        assert only(outbox(number))["attempts"] == attempts
        clock.advance(backoff(attempts))
        assert relay() == 1
        assert deliver_queued(queues["outbound"]) == 1

    dead = only(outbox(number))
    assert (dead["status"], dead["attempts"], dead["indexed"]) == ("dead", MAX_ATTEMPTS, False)
    assert dead["last_error"] == "http_503"
    assert partner.ids() == [mid] * MAX_ATTEMPTS
    clock.advance(timedelta(days=1))
    assert relay() == 0  # dead: the relay leaves it to operators
    assert queues["outbound"].receive() == []
    listed = ok(operator.get("/v1/ops/dead-letters/outbound"))["items"]
    assert [d["body"] for d in listed] == [{"id": mid, "case": number}]

    partner.failures = 1  # back up, after one more wrong answer: a revived message has 8 tries again
    assert ok(operator.post("/v1/ops/dead-letters/outbound/redrive"))["moved"] == 1
    assert ok(operator.get("/v1/ops/dead-letters/outbound"))["items"] == []
    assert deliver_queued(queues["outbound"]) == 1
    retried = only(outbox(number))
    assert (retried["status"], retried["attempts"], retried["answered_failures"]) == ("pending", 1, 1)
    clock.advance(backoff(1))
    assert relay() == 1
    assert ok(operator.get("/v1/ops/dead-letters/outbound"))["items"] == []
    assert deliver_queued(queues["outbound"]) == 1

    done = only(outbox(number))
    assert (done["status"], done["indexed"]) == ("delivered", False)
    assert done["receipt"] == partner.receipts[mid]
    assert partner.ids() == [mid] * (MAX_ATTEMPTS + 2)
    assert {p["payload_sha256"] for p in partner.posts} == {done["payload_sha256"]}
    clock.advance(timedelta(days=1))
    assert relay() == 0
    assert deliver_queued(queues["outbound"]) == 0
    assert partner.ids() == [mid] * (MAX_ATTEMPTS + 2)


def test_a_duplicate_queue_message_for_a_delivered_message_does_not_post_again(
    applicant: Caller, partner: FakePartner, clock: FakeClock, queues: dict[str, Queue]
) -> None:
    from chalicelib import container

    number = forwarded_draft(applicant)
    submit(applicant, number)
    record = only(outbox(number))
    container.outbound().enqueue(record)  # at-least-once: the queue holds it twice

    records = queues["outbound"].receive()
    assert [json.loads(r["body"]) for r in records] == [{"id": record["id"], "case": number}] * 2
    assert on_outbound({"Records": records}) == {"batchItemFailures": []}
    assert partner.ids() == [record["id"]]
    assert on_outbound({"Records": records}) == {"batchItemFailures": []}  # the batch redelivered
    queues["outbound"].settle(records, {})
    container.outbound().enqueue(record)  # and a late copy
    assert deliver_queued(queues["outbound"]) == 1

    assert partner.ids() == [record["id"]]
    done = only(outbox(number))
    assert (done["status"], done["attempts"]) == ("delivered", 0)
    clock.advance(timedelta(hours=1))
    assert relay() == 0
    assert partner.ids() == [record["id"]]


# — refusals: each is answered as a problem and recorded for the operators —


def refusal_of(operator: Party, code: str) -> dict[str, Any]:
    recorded = [r for r in ok(operator.get("/v1/ops/exchange/refusals"))["items"] if r["code"] == code]
    assert len(recorded) == 1, recorded
    return dict(recorded[0])


def test_an_oversized_message_is_refused_with_413_and_recorded(
    client: Any, operator: Party, guangxi: PartnerProvince, queues: dict[str, Queue]
) -> None:
    from chalicelib.domain.envelope import MAX_MESSAGE_BYTES

    payload = {**forwarded(), "form": {**RS4_FORM, "last_employer": "测" * (MAX_MESSAGE_BYTES // 3)}}
    message = guangxi.message(payload, case=case_number())
    answer = client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )
    assert answer.status_code == 413, answer.body
    assert json.loads(answer.body)["code"] == "message_too_large"
    refusal = refusal_of(operator, "message_too_large")
    assert refusal["from"] == PARTNER and refusal["id"] == message_id(message)
    assert refusal["type"] == "case.forwarded"
    assert queues["inbound"].bodies() == []


def test_a_message_that_fails_validation_is_recorded(
    client: Any, operator: Party, guangxi: PartnerProvince
) -> None:
    message = {**guangxi.message(forwarded(), case=case_number()), "unexpected": True}
    answer = client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )
    assert answer.status_code == 422 and json.loads(answer.body)["code"] == "validation_failed"
    assert refusal_of(operator, "validation_failed")["id"] == message_id(message)


def fetch(client: Any, guangxi: PartnerProvince, **claims: Any) -> Any:
    from chalicelib.services.case_files import FETCH_TYPE

    base = {"id": str(uuid.uuid4()), "case": case_number(), "file_id": "FABCDEFGHJKLM", "from": PARTNER}
    token = guangxi.signer.sign_jws({**base, "to": HERE, **claims}, FETCH_TYPE)
    return client.http.post(
        "/v1/exchange/files",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"request": token}),
    )


@pytest.mark.parametrize(
    "sent_at",
    [None, "2026-11-30T12:00:00", "2026-11-30", 1764504000],
    ids=["missing", "naive", "date-only", "number"],
)
def test_a_file_fetch_without_a_zoned_time_is_refused_and_recorded(
    client: Any, operator: Party, guangxi: PartnerProvince, sent_at: Any
) -> None:
    claims = {} if sent_at is None else {"sent_at": sent_at}
    answer = fetch(client, guangxi, **claims)
    assert answer.status_code == 400, answer.body
    assert json.loads(answer.body)["code"] == "envelope_malformed"
    assert refusal_of(operator, "envelope_malformed")["type"] == "file.fetch"


def test_every_file_fetch_refusal_is_recorded(client: Any, operator: Party, guangxi: PartnerProvince) -> None:
    now = datetime.now(BEIJING)
    unknown_case = fetch(client, guangxi, sent_at=rfc3339(now))
    assert unknown_case.status_code == 404
    stale = fetch(client, guangxi, sent_at=rfc3339(now - timedelta(hours=1)))
    assert stale.status_code == 422
    future = fetch(client, guangxi, sent_at=rfc3339(now + timedelta(hours=1)))
    assert json.loads(future.body)["code"] == "message_from_the_future"
    for code in ("case_not_found", "message_stale", "message_from_the_future"):
        refusal = refusal_of(operator, code)
        assert refusal["type"] == "file.fetch" and refusal["from"] == PARTNER


def test_a_partner_down_longer_than_every_retry_keeps_its_messages_and_gets_them_all_when_back(
    applicant: Caller,
    operator: Party,
    partner: FakePartner,
    clock: FakeClock,
    queues: dict[str, Queue],
) -> None:
    """No answer at all (connection refused) for longer than MAX_ATTEMPTS backoffs (hours):
    held, never dead-lettered; the first retry that gets through brings the rest at once."""
    number = forwarded_draft(applicant)
    partner.failures = float("inf")  # status 0: the partner's gateway is down
    submit(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    for attempts in range(1, MAX_ATTEMPTS + 3):
        clock.advance(backoff(attempts))
        assert relay() == 1
        assert deliver_queued(queues["outbound"]) == 1
    first = only(outbox(number))
    assert (first["status"], first["indexed"], first["last_error"]) == ("pending", True, "http_0")
    assert (first["attempts"], first["answered_failures"]) == (MAX_ATTEMPTS + 3, 0)
    assert first["outbox_at"] == rfc3339(clock.now + backoff(MAX_ATTEMPTS + 3))  # an hour on
    assert ok(operator.get("/v1/ops/dead-letters/outbound"))["items"] == []
    (stream,) = [
        p for p in ok(operator.get("/v1/ops/exchange/streams"))["partners"] if p["province"] == PARTNER
    ]
    assert (stream["pending"], stream["last_acknowledged"]) == (1, None)
    assert (
        stream["oldest_pending"]["id"] == first["id"] and stream["oldest_pending"]["last_error"] == "http_0"
    )
    assert stream["oldest_pending_age_seconds"] > 3 * 3600  # held for hours, not dead-lettered

    ok(applicant.post(f"/v1/cases/{number}/withdraw", {"reason": "不再需要办理"}))
    assert deliver_queued(queues["outbound"]) == 1  # its inline send: no answer either
    partner.failures = 0  # back up
    clock.advance(backoff(1))  # the second message's retry is due; the first's is not
    assert relay() == 1
    assert deliver_queued(queues["outbound"]) == 2  # the first follows at once, not in an hour
    done = sorted(outbox(number), key=lambda r: r["seq"])
    assert [(r["seq"], r["status"], r["indexed"]) for r in done] == [
        (1, "delivered", False),
        (2, "delivered", False),
    ]
    # the due one first, then the flushed one; the receiver applies them in seq order (parking)
    assert [p["seq"] for p in partner.posts[-2:]] == [2, 1]
    assert ok(operator.get("/v1/ops/dead-letters/outbound"))["items"] == []
    (stream,) = [
        p for p in ok(operator.get("/v1/ops/exchange/streams"))["partners"] if p["province"] == PARTNER
    ]
    assert (stream["pending"], stream["oldest_pending"], stream["last_acknowledged"]["case"]) == (
        0,
        None,
        number,
    )
