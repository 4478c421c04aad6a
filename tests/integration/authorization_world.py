"""The callers and objects of the authorization matrix, built once through the API.

Everything the matrix needs is made here, so that a change to how drafts, intakes or tokens are
made is adapted in one place:

- callers: a bearer token per role (applicant tokens carry the verified identity claims of the
  person their drafts name), no token at all, an untrusted issuer's token, and two signers of
  exchange requests (a registered partner, and a province nobody registered);
- objects, in two party sets of this province plus one of another province:
  `own_case` (applicant 1, handled by authority A-430000-01), `own_draft` (applicant 1's draft at
  the same authority, not yet submitted), `others_case` (applicant 2, handled by
  authority A-430000-02), `own_intake` (taken in at window W-430000-01 for 广西), `others_intake`
  (window W-430000-02), and `foreign_case` (filed in 广西 and forwarded here, handled by
  A-430000-01). Each carries the sub-objects its routes name (a verified file, a video session, a
  shipment, an open rectification) where the route's party can make one.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3

from chalicelib.domain.clock import BEIJING, rfc3339
from tests.conftest import ISSUER, OTHER_ISSUER, PREFIX, seed_items
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, PDF, RS4_FORM, Party, give, ok, upload

HERE = "430000"
PARTNER = "450000"  # 广西: registered with this gateway
STRANGER = "320000"  # 江苏: not registered here
OWN_LICENCE = "EL-430000-20160301-DEV10001"  # 甲's 居民身份证
OTHER_ITEM = "TEST-RS-004-B"  # RS-004 as a second authority of this province handles it
OTHER_AUTHORITY = f"A-{HERE}-02"
GA2_FORM = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
PLACEHOLDER_FILE = "FAAAAAAAAAAAA"
PLACEHOLDER_SESSION = "session-none"
PLACEHOLDER_SHIPMENT = "S000000000000"
FETCH_TYPE = "tongban-fetch+jws"

# — callers —

BEARER_ROLES: dict[str, tuple[str, dict[str, Any]]] = {
    "applicant": ("applicant", {"sub": "dev-applicant-1"}),
    "applicant_2": ("applicant", {"sub": "dev-applicant-2"}),
    "window_clerk": ("window_clerk", {"window": f"W-{HERE}-01"}),
    # the same person posted to another window, and to another authority: one subject, another claim
    "window_clerk_2": ("window_clerk", {"window": f"W-{HERE}-02"}),
    "authority_clerk": ("authority_clerk", {"authority": f"A-{HERE}-01"}),
    "authority_clerk_2": ("authority_clerk", {"authority": OTHER_AUTHORITY}),
    "operator": ("operator", {}),
    # staff of 广西 with the claims that fit this province's objects best (the intakes are
    # handled by its authority A-450000-01)
    "staff_other_province": ("authority_clerk", {"province": PARTNER, "authority": f"A-{PARTNER}-01"}),
    "partner": ("partner", {"province": PARTNER}),
}


def identity_claims(subject: str) -> dict[str, Any]:
    """The verified identity (实名认证) an applicant token carries, as the identity contract names it."""
    person = APPLICANTS[subject]
    return {
        "subject_kind": "natural_person",
        "id_number": person["id_number"],
        "name": person["name"],
        "phone": person["phone"],
        "assurance": "face",
    }


def bearer_headers(caller: str) -> dict[str, str]:
    """The Authorization header of a caller; empty for those who hold no bearer token."""
    if caller == "applicant_other_issuer":  # 广西's identity provider, not trusted here
        token = OTHER_ISSUER.token("applicant", sub="dev-applicant-1", **identity_claims("dev-applicant-1"))
        return {"Authorization": f"Bearer {token}"}
    if caller not in BEARER_ROLES:
        return {}
    role, claims = BEARER_ROLES[caller]
    if role == "applicant":
        claims = {**claims, **identity_claims(claims["sub"])}
    return {"Authorization": f"Bearer {ISSUER.token(role, **claims)}"}


# — objects —


@dataclass
class Obj:
    """A case the matrix acts on, with the ids of its sub-objects (placeholders where it has none)."""

    name: str
    number: str
    file_id: str = PLACEHOLDER_FILE
    slot: str = "id_card"
    session_id: str = PLACEHOLDER_SESSION
    shipment_id: str = PLACEHOLDER_SHIPMENT


@dataclass
class World:
    client: Any
    partner: PartnerProvince
    stranger: PartnerProvince
    objects: dict[str, Obj] = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)

    def party(self, caller: str) -> Party:
        if caller not in self.parties:
            party = Party(self.client, "operator")
            party.headers = bearer_headers(caller)
            self.parties[caller] = party
        return self.parties[caller]

    def doc(self, number: str) -> dict[str, Any] | None:
        """The stored case document, to show that a refused write changed nothing."""
        from chalicelib import container

        return container.case_reads().get(number)

    # — exchange requests, signed by a province's key —

    def fetch_request(self, signer: PartnerProvince, obj: Obj) -> dict[str, Any]:
        """A signed request for a file of `obj` (the partner side of `POST /v1/exchange/files`)."""
        token = signer.signer.sign_jws(
            {
                "id": str(uuid.uuid4()),
                "case": obj.number,
                "file_id": obj.file_id,
                "from": signer.code,
                "to": HERE,
                "sent_at": rfc3339(datetime.now(BEIJING)),
            },
            FETCH_TYPE,
        )
        return {"request": token}

    def video_join_request(self, signer: PartnerProvince, obj: Obj) -> dict[str, Any]:
        """A signed request for 广西's handling clerk's seat in `obj`'s video session (the partner
        side of `POST /v1/exchange/video-joins`)."""
        from chalicelib.services.video_sessions import VIDEO_JOIN_TYPE

        clerk = {"role": "authority_clerk", "province": signer.code, "subject": "dev-authority-clerk-1"}
        token = signer.signer.sign_jws(
            {
                "id": str(uuid.uuid4()),
                "case": obj.number,
                "session_id": obj.session_id,
                "participant_id": f"authority-{signer.code}-01",
                "joiner": {**clerk, "authority": f"A-{signer.code}-01"},
                "from": signer.code,
                "to": HERE,
                "sent_at": rfc3339(datetime.now(BEIJING)),
            },
            VIDEO_JOIN_TYPE,
        )
        return {"request": token}

    def message(self, signer: PartnerProvince) -> dict[str, Any]:
        """A signed message opening a fresh case forwarded by `signer`."""
        from chalicelib.domain.case_factory import new_case_number

        number = new_case_number(signer.code, datetime.now(BEIJING).strftime("%Y%m%d"))
        return signer.message(forwarded_payload(), case=number)


def forwarded_payload() -> dict[str, Any]:
    """A 全程网办 case of 广西's applicant forwarded here; the id card travels as an e-licence reference."""
    return {
        "item_code": "KSTB-RS-004",
        "item_version": 1,
        "mode": "full_online",
        "channel": "mobile",
        "applicant": {
            "subject": "dev-applicant-1",  # the same subject as applicant 1, at another issuer
            "issuer": "https://id.gx.example.cn/dev",
            "name": APPLICANTS["dev-applicant-1"]["name"],
            "id_number": APPLICANTS["dev-applicant-1"]["id_number"],
            "phone": APPLICANTS["dev-applicant-1"]["phone"],
        },
        "form": RS4_FORM,
        "files": [
            {
                "file_id": "FGXIDCARDABCD",
                "slot": "id_card",
                "filename": "中华人民共和国居民身份证",
                "content_type": None,
                "size": None,
                "sha256": None,
                "trust_level": "A",
                "licence_ref": OWN_LICENCE,
            }
        ],
        "submitted_at": rfc3339(datetime.now(BEIJING) - timedelta(minutes=1)),
    }


def build_world(client: Any) -> World:
    """Register the partner, then make the five objects through the API, as their parties would."""
    from infra.local.seed import seed_catalog

    rs4 = next(i for i in seed_items() if i["code"] == "KSTB-RS-004")
    second = copy.deepcopy(rs4)
    second["code"] = OTHER_ITEM
    second["implementations"][HERE]["authority_code"] = OTHER_AUTHORITY
    seed_catalog([second])

    world = World(client, PartnerProvince(PARTNER), PartnerProvince(STRANGER))
    operator = world.party("operator")
    ok(operator.put(f"/v1/ops/partners/{PARTNER}", world.partner.registration()))

    world.objects["own_case"] = _rated_case(world)
    world.objects["own_draft"] = _own_draft(world)
    world.objects["others_case"] = _submitted_case(world, "applicant_2", OTHER_ITEM, "dev-applicant-2")
    world.objects["own_intake"] = _intake(
        world, "own_intake", "window_clerk", "dev-applicant-1", shipment=True
    )
    world.objects["others_intake"] = _intake(
        world, "others_intake", "window_clerk_2", "dev-applicant-2", shipment=False
    )
    world.objects["foreign_case"] = _forwarded_case(world)
    return world


def _draft(world: World, caller: str, item_code: str, subject: str) -> str:
    person = APPLICANTS[subject]
    body = {
        "item_code": item_code,
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "form": RS4_FORM,
    }
    return str(ok(world.party(caller).post("/v1/cases", body), 201)["number"])


def _submitted_case(world: World, caller: str, item_code: str, subject: str) -> Obj:
    applicant = world.party(caller)
    number = _draft(world, caller, item_code, subject)
    file_id = give(applicant, number, "id_card")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    return Obj("others_case", number, file_id=file_id)


def _own_draft(world: World) -> Obj:
    """Applicant 1's draft at authority A-430000-01, not yet submitted, with an uploaded id card."""
    number = _draft(world, "applicant", "KSTB-RS-004", "dev-applicant-1")
    return Obj("own_draft", number, file_id=give(world.party("applicant"), number, "id_card"))


def _rated_case(world: World) -> Obj:
    """Applicant 1's 即办件, decided, rated 不满意 (an open rectification), with a video session."""
    applicant, clerk = world.party("applicant"), world.party("authority_clerk")
    number = _draft(world, "applicant", "KSTB-RS-004", "dev-applicant-1")
    file_id = give(applicant, number, "id_card")
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": OWN_LICENCE}), 201)
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    ok(applicant.post(f"/v1/cases/{number}/rating", {"level": "dissatisfied"}), 201)
    session = _video(world, "authority_clerk", number)
    return Obj("own_case", number, file_id=file_id, session_id=session)


def _intake(world: World, name: str, caller: str, subject: str, *, shipment: bool) -> Obj:
    """异地代收 at a window of this province for 广西: identity checked, consent, a scanned id card."""
    window = world.party(caller)
    person = APPLICANTS[subject]
    body = {
        "item_code": "KSTB-GA-002",
        "province": PARTNER,
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": GA2_FORM,
    }
    number = str(ok(window.post("/v1/window/intakes", body), 201)["number"])
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan"}))
    file_id = upload(window, f"/v1/window/cases/{number}/materials/id_card/uploads", PDF)
    assert ok(window.post(f"/v1/cases/{number}/files/{file_id}/confirm"))["status"] == "verified"
    obj = Obj(name, number, file_id=file_id, session_id=_video(world, caller, number))
    if shipment:
        sent = window.post(
            f"/v1/window/cases/{number}/shipments",
            {"direction": "to_handler", "carrier": "EMS", "tracking_number": "EMS1", "contents": ["原件"]},
        )
        obj.shipment_id = str(ok(sent, 201)["id"])
    return obj


def _video(world: World, caller: str, number: str) -> str:
    starts = (datetime.now(BEIJING) + timedelta(minutes=10)).isoformat(timespec="seconds")
    participants = [
        {"participant_id": "window-430000-01", "role": "window_clerk", "province": HERE},
        {"participant_id": "authority-430000-01", "role": "authority_clerk", "province": HERE},
        {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": PARTNER},
    ]
    scheduled = world.party(caller).post(
        f"/v1/cases/{number}/video-sessions", {"starts_at": starts, "participants": participants}
    )
    return str(ok(scheduled, 201)["session_id"])


def _forwarded_case(world: World) -> Obj:
    """A case filed in 广西 and forwarded here, applied as the inbound queue's handler applies it."""
    from chalicelib.events import handlers

    message = world.message(world.partner)
    sent = world.client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )
    ok(sent)
    number = _envelope_case(message)
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{PREFIX}-inbound.fifo")["QueueUrl"]
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws-cn:sqs:cn-north-1:123456789012:{PREFIX}-inbound.fifo",
                "awsRegion": "cn-north-1",
            }
            for m in got
        ]
        mine = [r for r in records if number in r["body"]]
        if mine:
            assert handlers.on_inbound({"Records": mine}) == {"batchItemFailures": []}
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert world.doc(number) is not None, "the forwarded case was not applied"
    return Obj("foreign_case", number, file_id="FGXIDCARDABCD")


def _envelope_case(message: dict[str, Any]) -> str:
    from chalicelib.services.exchange import unverified_claims

    return str(unverified_claims(message["envelope"])["case"])


def cleanup_queues() -> None:
    """Take off the exchange queues what the matrix's allowed acts sent (they outlive the tables)."""
    sqs = boto3.client("sqs")
    for name in ("inbound.fifo", "outbound"):
        url = sqs.get_queue_url(QueueName=f"{PREFIX}-{name}")["QueueUrl"]
        while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for m in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
