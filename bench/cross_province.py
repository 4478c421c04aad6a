"""A cross-province case at its handling province, step by step: messages and AWS calls against
the minimum (`least_calls`: one write and at most one send per state change, plus signatures and
evidence copies).

The gateway under test (湖南 430000) handles a case that the partner 广西 450000 forwards; the
partner is played in-process (its own KMS key in moto signs its messages and receipts), so every
AWS call counted is the handling gateway's own: receiving, applying, acting, sending.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import boto3

from bench.full_online import Meter, least_calls

STEPS = ("receive", "apply", "act", "send")
# The state changes each step makes: the message kept, the message applied, three acts, three
# messages delivered (each delivery recorded).
CHANGES = {"receive": 1, "apply": 1, "act": 3, "send": 3}


def measure() -> tuple[dict[str, Counter[str]], dict[str, int], int]:
    from chalice.test import Client

    from app import app
    from chalicelib import container
    from chalicelib.domain.case_factory import new_case_number
    from chalicelib.domain.catalog_terms import Delivery
    from chalicelib.domain.clock import BEIJING, rfc3339
    from chalicelib.domain.commands import Accept, Command, Decide, IssueResult
    from chalicelib.domain.envelope import Envelope, MessageType, payload_digest
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.events import handlers
    from chalicelib.services.exchange import compose

    partner, sent = play_partner("450000")
    meter = hooked_meter()
    calls: dict[str, Counter[str]] = {step: Counter() for step in STEPS}
    messages = {"in": 0, "out": 0}
    number = new_case_number("450000", f"{datetime.now(BEIJING):%Y%m%d}")
    person = {
        "subject": "s",
        "issuer": "i",
        "name": "测试申请人乙",
        "id_number": "450103198505050025",
        "phone": "13800000002",
    }
    payload = {
        "item_code": "KSTB-RS-004",
        "item_version": 1,
        "mode": "full_online",
        "channel": "mobile",
        "applicant": person,
        "form": {
            "residence_city": "南宁市",
            "last_employer": "测试公司",
            "unemployed_since": "2026-10-01",
            "mobile": "13800000002",
        },
        "files": [
            {
                "file_id": "FAAAAAAAAAAAA",
                "slot": "id_card",
                "filename": "居民身份证",
                "content_type": None,
                "size": None,
                "sha256": None,
                "trust_level": "A",
                "licence_ref": "EL-450000-20190610-DEV20001",
            }
        ],
        "submitted_at": rfc3339(datetime.now(BEIJING)),
    }
    envelope = Envelope(
        str(uuid.uuid4()),
        MessageType.CASE_FORWARDED,
        number,
        "450000",
        "430000",
        datetime.now(BEIJING),
        1,
        payload_digest(payload),
    )
    wire = compose(partner, envelope, payload)
    clerk = Principal(
        subject="bench-clerk",
        role=Role.AUTHORITY_CLERK,
        issuer="bench",
        province="430000",
        authority="A-430000-01",
    )
    with Client(app) as http:
        meter.reset()
        answer = http.http.post(
            "/v1/exchange/messages", headers={"Content-Type": "application/json"}, body=json.dumps(wire)
        )
        assert answer.status_code == 200, answer.body
        calls["receive"].update(op for op, _ in meter.calls)
        messages["in"] += 1
        meter.reset()
        drain(handlers.on_inbound, "inbound.fifo")
        calls["apply"].update(op for op, _ in meter.calls)
        commands: tuple[Command, ...] = (
            Accept(),
            Decide(approved=True),
            IssueResult(delivery=Delivery.ELECTRONIC, title="失业登记", licence_type="失业登记证明"),
        )
        for command in commands:
            meter.reset()
            container.cases().act(clerk, number, command)
            calls["act"].update(op for op, _ in meter.calls)
            meter.reset()
            drain(handlers.on_outbound, "outbound")
            calls["send"].update(op for op, _ in meter.calls)
    messages["out"] = len(sent)
    return calls, messages, 3


class PartnerRelay:
    """The partner transport of the bench's one composition root: it hands each call to the partner
    province played at the moment.

    The bench is one warm process, as a Lambda is between invocations, so it keeps one root from
    its first request to its last: a root installed mid-way starts with cold caches (queue URLs,
    the signing key's id and public key, the working calendar), and their first reads would be
    counted against whichever step came next, not against the step's own work.
    """

    def __init__(self) -> None:
        self.partner: Any = None

    def post(self, url: str, body: dict[str, Any]) -> Any:
        return self.partner.post(url, body)

    def download(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        return self.partner.download(url, max_bytes)  # type: ignore[no-any-return]


RELAY = PartnerRelay()


def install_root() -> None:
    """Install the bench's root (production's collaborators, the partner transport a `RELAY`)."""
    from chalicelib import container

    container.install(container.bootstrap(partner_transport=RELAY))


def play_partner(code: str) -> tuple[Any, list[dict[str, Any]]]:
    """A partner province in-process: its own KMS key (its calls are not the gateway's), registered
    with the gateway, answering every message posted to it with a signed receipt."""
    from chalicelib import container
    from chalicelib.adapters.signing import KmsSigner
    from chalicelib.domain.clock import BEIJING, rfc3339
    from chalicelib.domain.envelope import RECEIPT_TYPE
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.services.exchange import unverified_claims

    kms = boto3.client("kms")
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    partner = KmsSigner(key, kms)
    operator = Principal(subject="bench", role=Role.OPERATOR, issuer="bench", province="430000")
    registration = {
        "endpoint": f"https://tongban.{code}.example.gov.cn",
        "jwks": {"keys": [partner.public_jwk()]},
    }
    container.partners().put(code, registration, operator, "bench")
    sent: list[dict[str, Any]] = []

    class FakePartner:
        def post(self, url: str, body: dict[str, Any]) -> Any:
            claims = unverified_claims(body["envelope"])
            sent.append(claims)
            receipt = {
                "receipt_for": claims["id"],
                "payload_sha256": claims["payload_sha256"],
                "from": code,
                "to": "430000",
                "received_at": rfc3339(datetime.now(BEIJING)),
                "case": claims["case"],
            }
            return SimpleNamespace(status=200, body={"receipt": partner.sign_jws(receipt, RECEIPT_TYPE)})

        def download(self, url: str, max_bytes: int) -> tuple[bytes, str]:
            raise AssertionError("the bench's cases carry no partner file")

    if container.current().partner_transport is not RELAY:
        install_root()
    RELAY.partner = FakePartner()
    return partner, sent


def hooked_meter() -> Meter:
    """A meter on the gateway's own AWS clients."""
    from chalicelib.adapters.aws import client

    meter = Meter()
    for service in ("dynamodb", "sqs", "s3", "kms"):
        events = client(service).meta.events
        events.register("provide-client-params.*.*", meter.params)
        events.register("before-call.*.*", meter.before)
        events.register("after-call.*.*", meter.after)
    return meter


def drain(handler: Any, suffix: str) -> None:
    """Hand what is on the queue to its handler, as Lambda's event source would."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=f"tongban-430000-{suffix}")["QueueUrl"]
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws-cn:sqs:cn-north-1:123456789012:tongban-430000-{suffix}",
            }
            for m in got
        ]
        handler({"Records": records})
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def report(calls: dict[str, Counter[str]], messages: dict[str, int], acts: int) -> list[str]:
    total = sum(sum(c.values()) for c in calls.values())
    least = sum(least_calls(calls[step], CHANGES[step]) for step in STEPS)
    lines = [
        "cross-province case at its handling province (forwarded in, accepted, decided, result mailed)",
        f"  messages: {messages['in']} received, {messages['out']} sent (one per act the origin hears of)",
    ]
    for step in STEPS:
        ops = ", ".join(f"{op}×{n}" if n > 1 else op for op, n in sorted(calls[step].items()))
        per = f" ({sum(calls[step].values()) / acts:.1f} per act)" if step in ("act", "send") else ""
        least_here = least_calls(calls[step], CHANGES[step])
        lines.append(f"  {step:8} {sum(calls[step].values()):3d} AWS calls (min {least_here:2d}){per}: {ops}")
    lines.append(f"  total    {total:3d} AWS calls (min {least:2d}) for the case at this gateway")
    return lines
