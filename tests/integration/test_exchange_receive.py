"""Receiving partners' messages: a signed receipt for a good one, queued FIFO per case; the same
receipt for a replay; a clear refusal, recorded, for every bad one; the registry audited."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.clock import BEIJING
from chalicelib.domain.envelope import JWS_TYPE, RECEIPT_TYPE, Envelope, MessageType
from chalicelib.services.exchange import unverified_claims
from chalicelib.services.jws import verify_jws
from tests.conftest import ROOT
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import Party, ok

INBOUND = "tongban-430000-inbound.fifo"
# a payload valid against its schema (the frozen v1 fixture): the receiver checks it
PAYLOAD = json.loads((ROOT / "tests/fixtures/messages/v1/case.forwarded.json").read_text(encoding="utf-8"))


def post(client: Any, message: dict[str, Any]) -> Any:
    return client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )


def inbound_messages() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=INBOUND)["QueueUrl"]
    got: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_a_good_message_gets_a_signed_receipt_and_is_queued_per_case(
    client: Any, guangxi: PartnerProvince
) -> None:
    inbound_messages()
    message = guangxi.message(PAYLOAD)
    answer = ok(post(client, message))
    jwks = ok(client.http.get("/v1/exchange/jwks"))
    receipt = verify_jws(answer["receipt"], jwks, RECEIPT_TYPE)
    claims = unverified_claims(message["envelope"])
    assert receipt["receipt_for"] == claims["id"] == answer["message_id"]
    assert (receipt["from"], receipt["to"], receipt["payload_sha256"]) == (
        "430000",
        "450000",
        claims["payload_sha256"],
    )
    queued = inbound_messages()
    assert len(queued) == 1
    assert queued[0]["Attributes"]["MessageGroupId"] == claims["case"]
    assert queued[0]["Attributes"]["MessageDeduplicationId"] == claims["id"]


def test_a_replayed_message_gets_the_same_receipt_and_is_not_queued_twice(
    client: Any, guangxi: PartnerProvince
) -> None:
    inbound_messages()
    first = guangxi.message(PAYLOAD)
    message_id = unverified_claims(first["envelope"])["id"]
    again = guangxi.message(PAYLOAD, message_id=message_id)  # a retry: signed anew, same id and payload
    assert again["envelope"] != first["envelope"]
    receipts = [ok(post(client, m))["receipt"] for m in (first, again, first)]
    assert len(set(receipts)) == 1
    assert len(inbound_messages()) == 1


def test_the_same_id_with_other_content_is_refused(client: Any, guangxi: PartnerProvince) -> None:
    first = guangxi.message(PAYLOAD)
    ok(post(client, first))
    other = guangxi.message(
        {**PAYLOAD, "item_version": 99}, message_id=unverified_claims(first["envelope"])["id"]
    )
    assert _refused(post(client, other)) == (409, "message_id_reused")


def _tampered(partner: PartnerProvince) -> dict[str, Any]:
    message = partner.message(PAYLOAD)
    header, claims, signature = message["envelope"].split(".")
    changed = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    changed["case"] = "450000-20261123-ZZZZZZZZ"
    forged = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
    return {**message, "envelope": f"{header}.{forged}.{signature}"}


def _unknown_type(partner: PartnerProvince) -> dict[str, Any]:
    claims = {**Envelope.from_claims(unverified_claims(partner.message(PAYLOAD)["envelope"])).claims()}
    claims["type"] = "case.teleported"
    return {"envelope": partner.signer.sign_jws(claims, JWS_TYPE), "payload": PAYLOAD}


def _schema_invalid(partner: PartnerProvince) -> dict[str, Any]:
    return partner.message({**PAYLOAD, "item_version": "two"}, kind=MessageType.CASE_FORWARDED)


def _time_not_a_time(partner: PartnerProvince) -> dict[str, Any]:
    """Valid against the schema, which leaves a date-time's format unchecked; its model refuses it."""
    return partner.message({**PAYLOAD, "submitted_at": "yesterday"}, kind=MessageType.CASE_FORWARDED)


def _not_canonical(partner: PartnerProvince) -> dict[str, Any]:
    signed = partner.message(PAYLOAD)
    return {**signed, "payload": {**PAYLOAD, "item_version": 2**60}}  # outside I-JSON: no JCS form


def _claims_changed(**change: Any) -> Any:
    """A message whose signed claims are changed (then signed anew): a claim of another JSON type,
    a missing claim (None) or one more."""

    def build(partner: PartnerProvince) -> dict[str, Any]:
        claims = {**Envelope.from_claims(unverified_claims(partner.message(PAYLOAD)["envelope"])).claims()}
        for name, value in change.items():
            if value is None:
                claims.pop(name)
            else:
                claims[name] = value
        return {"envelope": partner.signer.sign_jws(claims, JWS_TYPE), "payload": PAYLOAD}

    return build


def _other_kid(partner: PartnerProvince) -> dict[str, Any]:
    stranger = PartnerProvince(partner.code)  # a key the registry does not hold
    return stranger.message(PAYLOAD)


@pytest.mark.parametrize(
    ("build", "status", "code"),
    [
        (_tampered, 401, "signature_invalid"),
        (_other_kid, 401, "unknown_kid"),
        (lambda p: p.message(PAYLOAD, to="320000"), 422, "message_not_addressed_here"),
        (
            lambda p: p.message(PAYLOAD, sent_at=datetime.now(BEIJING) - timedelta(hours=1)),
            422,
            "message_stale",
        ),
        (
            lambda p: p.message(PAYLOAD, sent_at=datetime.now(BEIJING) + timedelta(minutes=10)),
            422,
            "message_from_the_future",
        ),
        (
            lambda p: {**p.message(PAYLOAD), "payload": {**PAYLOAD, "item_version": 98}},
            422,
            "payload_digest_mismatch",
        ),
        (
            lambda p: {**p.message(PAYLOAD), "envelope": "bm90LWpzb24.bm90LWpzb24.c2ln"},
            400,
            "envelope_malformed",
        ),
        (_unknown_type, 422, "message_type_unsupported"),
        (_schema_invalid, 422, "payload_invalid"),
        (_time_not_a_time, 422, "payload_invalid"),
        (_not_canonical, 422, "payload_not_canonical"),
        (_claims_changed(seq="1"), 400, "envelope_malformed"),
        (_claims_changed(id=7), 400, "envelope_malformed"),
        (_claims_changed(seq=True), 400, "envelope_malformed"),
        (_claims_changed(type=None), 400, "envelope_malformed"),
        (_claims_changed(extra="x"), 400, "envelope_malformed"),
    ],
    ids=[
        "tampered",
        "unknown-kid",
        "other-addressee",
        "stale",
        "future",
        "digest",
        "malformed",
        "unknown-type",
        "schema-invalid",
        "time-not-a-time",
        "not-canonical",
        "seq-a-string",
        "id-a-number",
        "seq-a-boolean",
        "type-missing",
        "a-claim-more",
    ],
)
def test_bad_messages_are_refused_and_recorded(
    client: Any, operator: Party, guangxi: PartnerProvince, build: Any, status: int, code: str
) -> None:
    inbound_messages()
    assert _refused(post(client, build(guangxi))) == (status, code)
    assert inbound_messages() == []
    recorded = ok(operator.get("/v1/ops/exchange/refusals"))["items"]
    assert code in [r["code"] for r in recorded]


def test_an_unknown_or_suspended_sender_is_refused(
    client: Any, operator: Party, guangxi: PartnerProvince
) -> None:
    jiangsu = PartnerProvince("320000")
    assert _refused(post(client, jiangsu.message(PAYLOAD))) == (403, "unknown_sender")
    ok(operator.post("/v1/ops/partners/450000/status", {"status": "suspended", "reason": "密钥泄露排查"}))
    assert _refused(post(client, guangxi.message(PAYLOAD))) == (403, "partner_suspended")
    ok(operator.post("/v1/ops/partners/450000/status", {"status": "active", "reason": "排查完毕"}))
    ok(post(client, guangxi.message(PAYLOAD)))
    audit = ok(operator.get("/v1/ops/partners/450000/audit"))["items"]
    assert [(a["change"], a["by"]) for a in audit] == [
        ("registered", "dev-operator-1"),
        ("suspended", "dev-operator-1"),
        ("active", "dev-operator-1"),
    ]


def test_a_rotated_key_is_accepted_beside_the_old_one(
    client: Any, operator: Party, guangxi: PartnerProvince
) -> None:
    successor = PartnerProvince("450000")
    keys = {"keys": guangxi.jwks()["keys"] + successor.jwks()["keys"]}
    ok(
        operator.put(
            "/v1/ops/partners/450000",
            {"endpoint": "http://127.0.0.1:8450", "jwks": keys, "reason": "密钥轮换"},
        )
    )
    ok(post(client, guangxi.message(PAYLOAD)))
    ok(post(client, successor.message(PAYLOAD)))


def test_registering_needs_https_and_valid_keys(operator: Party) -> None:
    partner = PartnerProvince("450000")
    bad_url = operator.put(
        "/v1/ops/partners/450000", {**partner.registration(), "endpoint": "http://gx.example.cn"}
    )
    assert _refused(bad_url) == (422, "validation_failed")
    ourselves = operator.put("/v1/ops/partners/430000", partner.registration())
    assert _refused(ourselves) == (422, "validation_failed")


def _refused(response: Any) -> tuple[int, str]:
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.status_code, json.loads(response.body)["code"]
