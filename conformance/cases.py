"""The test cases a partner runs against a gateway, each citing the section of the specification
(docs/exchange/README.md) it checks. A case returns its evidence or raises Failed / Skipped."""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from conformance import jcs, jose
from conformance.transport import Answer, request

BEIJING = timezone(timedelta(hours=8))
MAX_BODY_BYTES = 131_072  # spec: size limits (128 KiB)
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # case numbers: [A-Z2-9]{8}


class Failed(Exception):
    """The gateway did not behave as the specification says; the message is the evidence."""


class Skipped(Exception):
    """The case needs something this run was not given; the message says what."""


@dataclass
class Partner:
    """This kit acting as a partner province of the gateway under test."""

    endpoint: str
    code: str
    key: dict[str, Any]
    to: str
    shared_file: tuple[str, str, str | None] | None = None  # case, file id, sha256
    gateway_jwks: dict[str, Any] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.endpoint.rstrip("/") + path

    def case_number(self) -> str:
        day = datetime.now(BEIJING).strftime("%Y%m%d")
        return f"{self.code}-{day}-" + "".join(secrets.choice(ALPHABET) for _ in range(8))

    def envelope(self, kind: str, case: str, seq: int, payload: Any, **override: Any) -> dict[str, Any]:
        claims = {
            "v": 1,
            "id": str(uuid.uuid4()),
            "type": kind,
            "case": case,
            "from": self.code,
            "to": self.to,
            "sent_at": datetime.now(BEIJING).isoformat(timespec="seconds"),
            "seq": seq,
            "payload_sha256": jcs.sha256_hex(payload),
        }
        claims.update(override)
        return claims

    def send(self, claims: dict[str, Any], payload: Any, *, key: dict[str, Any] | None = None) -> Answer:
        token = jose.sign(claims, key or self.key, jose.ENVELOPE)
        return request("POST", self.url("/v1/exchange/messages"), {"envelope": token, "payload": payload})

    def fetch(self, claims: dict[str, Any], *, key: dict[str, Any] | None = None) -> Answer:
        token = jose.sign(claims, key or self.key, jose.FETCH)
        return request("POST", self.url("/v1/exchange/files"), {"request": token})

    def fetch_claims(self, case: str, file_id: str, **override: Any) -> dict[str, Any]:
        claims = {
            "id": str(uuid.uuid4()),
            "case": case,
            "file_id": file_id,
            "from": self.code,
            "to": self.to,
            "sent_at": datetime.now(BEIJING).isoformat(timespec="seconds"),
        }
        claims.update(override)
        return claims


def forwarded(partner: Partner) -> dict[str, Any]:
    """A case.forwarded payload (spec example): 工业产品生产许可证, the business licence as an
    e-licence reference, so the receiver need not fetch a file from the kit."""
    return {
        "item_code": "KSTB-SJ-001",
        "item_version": 1,
        "mode": "full_online",
        "channel": "mobile",
        "applicant": {
            "subject": f"conformance-{partner.code}",
            "issuer": f"https://id.{partner.code}.example",
            "name": "测试申请人乙",
            "id_number": "450103198505050025",
            "phone": "13800000002",
        },
        "form": {
            "enterprise_name": "A&B 测试电线电缆有限公司",
            "product_name": "电线电缆",
            "production_address": "测试工业园 8 号",
            "procedure": "一般程序",
        },
        "files": [
            {
                "file_id": "F7KQ2M9XAHW3P",
                "slot": "business_licence",
                "filename": "营业执照",
                "content_type": None,
                "size": None,
                "sha256": None,
                "licence_ref": "EL-450000-20180412-DEV20010",
                "trust_level": "A",
            }
        ],
        "submitted_at": datetime.now(BEIJING).isoformat(timespec="seconds"),
    }


def _ok(answer: Answer, what: str) -> dict[str, Any]:
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        raise Failed(f"{what}: expected 200 with a receipt, got {answer.brief()}")
    return body


def _receipt(partner: Partner, answer: Answer, claims: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    body = _ok(answer, f"message {claims['id']}")
    token = str(body.get("receipt", ""))
    try:
        receipt = jose.verify(token, partner.gateway_jwks, jose.RECEIPT)
    except jose.JwsError as err:
        raise Failed(f"the receipt does not verify against the published JWKS: {err}") from None
    expected = {
        "receipt_for": claims["id"],
        "payload_sha256": claims["payload_sha256"],
        "from": partner.to,
        "to": partner.code,
        "case": claims["case"],
    }
    wrong = {k: (receipt.get(k), v) for k, v in expected.items() if receipt.get(k) != v}
    if wrong:
        raise Failed(f"receipt claims differ (got, expected): {wrong}")
    if body.get("message_id") != claims["id"] or body.get("status") not in ("received", "parked", "applied"):
        raise Failed(f"receipt body: message_id {body.get('message_id')!r}, status {body.get('status')!r}")
    if "received_at" not in receipt:
        raise Failed("receipt has no received_at")
    return token, body


def _refused(answer: Answer, status: int, code: str) -> str:
    body = answer.json()
    got = body.get("code") if isinstance(body, dict) else None
    if answer.status != status or got != code:
        raise Failed(f"expected {status} {code}, got {answer.brief()}")
    if not answer.content_type.startswith("application/problem+json"):
        raise Failed(f"refusal {code} is not application/problem+json but {answer.content_type!r}")
    return f"{status} {code} (problem+json)"


# — keys —


def jwks_published(partner: Partner) -> str:
    answer = request("GET", partner.url("/v1/exchange/jwks"))
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict) or not body.get("keys"):
        raise Failed(f"GET /v1/exchange/jwks: {answer.brief()}")
    from jwt import PyJWK

    kids = []
    for jwk in body["keys"]:
        if not jwk.get("kid") or jwk.get("kty") not in ("EC", "RSA") or "d" in jwk:
            raise Failed(f"unusable or private key in the JWKS: {jwk}")
        PyJWK(jwk)  # parses as a public key
        kids.append(jwk["kid"])
    if len(set(kids)) != len(kids):
        raise Failed(f"duplicate kids {kids}")
    partner.gateway_jwks = body
    return f"{len(kids)} key(s): {', '.join(kids)}"


def _needs_jwks(partner: Partner) -> None:
    if not partner.gateway_jwks:
        raise Skipped("the gateway's JWKS could not be read (jwks.published failed)")


# — delivery, receipts, replays, ordering —


def valid_message_receipt(partner: Partner) -> str:
    _needs_jwks(partner)
    case, payload = partner.case_number(), forwarded(partner)
    claims = partner.envelope("case.forwarded", case, 1, payload)
    token, body = _receipt(partner, partner.send(claims, payload), claims)
    partner.memo["first"] = (claims, payload, token)
    return f"case.forwarded {claims['id']} for {case}: receipt verifies, status {body['status']}"


def replay_same_receipt(partner: Partner) -> str:
    if "first" not in partner.memo:
        raise Skipped("needs message.valid_receipt to have passed")
    claims, payload, token = partner.memo["first"]
    again = {**claims, "sent_at": datetime.now(BEIJING).isoformat(timespec="seconds")}  # re-signed
    replayed, _ = _receipt(partner, partner.send(again, payload), again)
    if replayed != token:
        raise Failed("a replay (same id and payload, signed anew) got a different receipt")
    return f"replay of {claims['id']} answered with the identical receipt"


def out_of_order_parked(partner: Partner) -> str:
    _needs_jwks(partner)
    case = partner.case_number()
    opening = forwarded(partner)
    withdraw = {"reason": "一致性测试：乱序到达"}
    second = partner.envelope("case.withdrawn", case, 2, withdraw)
    _, early = _receipt(partner, partner.send(second, withdraw), second)
    first = partner.envelope("case.forwarded", case, 1, opening)
    _receipt(partner, partner.send(first, opening), first)
    deadline = time.monotonic() + 60
    status = early["status"]
    while status != "applied" and time.monotonic() < deadline:
        time.sleep(1)
        again = {**second, "sent_at": datetime.now(BEIJING).isoformat(timespec="seconds")}
        status = _ok(partner.send(again, withdraw), "replay of seq 2").get("status")
    if status != "applied":
        raise Failed(f"seq 2 sent before seq 1 was receipted ({early['status']}) but not applied after 60 s")
    return f"seq 2 receipted first ({early['status']}), then seq 1; seq 2 applied after it"


# — refusals —


def _signed_refusal(
    build: Callable[[Partner], tuple[dict[str, Any], Any, dict[str, Any] | None]], status: int, code: str
) -> Callable[[Partner], str]:
    def case(partner: Partner) -> str:
        claims, payload, key = build(partner)
        return _refused(partner.send(claims, payload, key=key), status, code)

    return case


def _fresh(partner: Partner, **override: Any) -> tuple[dict[str, Any], Any, None]:
    payload = forwarded(partner)
    return partner.envelope("case.forwarded", partner.case_number(), 1, payload, **override), payload, None


def bad_signature(partner: Partner) -> str:
    claims, payload, _ = _fresh(partner)
    token = jose.sign(claims, partner.key, jose.ENVELOPE)
    head, body, signature = token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    answer = request(
        "POST",
        partner.url("/v1/exchange/messages"),
        {"envelope": f"{head}.{body}.{flipped}", "payload": payload},
    )
    return _refused(answer, 401, "signature_invalid")


def unknown_kid(partner: Partner) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    claims, payload, _ = _fresh(partner)
    return claims, payload, jose.new_private_jwk()


def unknown_sender(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    stranger = "650000" if partner.code != "650000" and partner.to != "650000" else "640000"
    return _fresh(partner, **{"from": stranger})


def wrong_addressee(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    other = "110000" if partner.to != "110000" else "120000"
    return _fresh(partner, to=other)


def stale(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    then = datetime.now(BEIJING) - timedelta(hours=1)
    return _fresh(partner, sent_at=then.isoformat(timespec="seconds"))


def future(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    then = datetime.now(BEIJING) + timedelta(minutes=10)
    return _fresh(partner, sent_at=then.isoformat(timespec="seconds"))


def digest_mismatch(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    claims, payload, _ = _fresh(partner)
    changed = copy.deepcopy(payload)
    changed["form"]["enterprise_name"] = "改过的企业名称"
    return claims, changed, None


def reused_id(partner: Partner) -> str:
    _needs_jwks(partner)
    claims, payload, _ = _fresh(partner)
    _receipt(partner, partner.send(claims, payload), claims)
    other = copy.deepcopy(payload)
    other["form"]["procedure"] = "简易程序"
    again = {**claims, "payload_sha256": jcs.sha256_hex(other)}
    return _refused(partner.send(again, other), 409, "message_id_reused")


def unknown_type(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    return _fresh(partner, type="case.teleported")


def schema_invalid(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    payload = {**forwarded(partner), "item_version": "two"}
    claims = partner.envelope("case.forwarded", partner.case_number(), 1, payload)
    return claims, payload, None


def claim_of_another_type(partner: Partner) -> tuple[dict[str, Any], Any, None]:
    """`seq` as a numeric string: a claim not of its JSON type is a malformed envelope (§ 4 step 4)."""
    claims, payload, _ = _fresh(partner)
    return {**claims, "seq": "1"}, payload, None


def envelope_malformed(partner: Partner) -> str:
    body = {"envelope": "bm90LWpzb24.bm90LWpzb24.c2ln", "payload": forwarded(partner)}
    return _refused(request("POST", partner.url("/v1/exchange/messages"), body), 400, "envelope_malformed")


def algorithm_refused(partner: Partner) -> str:
    claims, payload, _ = _fresh(partner)
    head = jose.b64url(json.dumps({"alg": "HS256", "kid": partner.key["kid"], "typ": jose.ENVELOPE}).encode())
    body = jose.b64url(json.dumps(claims).encode())
    token = f"{head}.{body}.{jose.b64url(hashlib.sha256(b'x').digest())}"
    answer = request("POST", partner.url("/v1/exchange/messages"), {"envelope": token, "payload": payload})
    return _refused(answer, 401, "signature_algorithm_refused")


def oversized(partner: Partner) -> str:
    payload = forwarded(partner)
    payload["form"]["filler"] = "填" * (MAX_BODY_BYTES // 3 + 1024)  # 3 bytes each in UTF-8
    claims = partner.envelope("case.forwarded", partner.case_number(), 1, payload)
    answer = partner.send(claims, payload)
    return _refused(answer, 413, "message_too_large")


# — the signed file fetch —


def fetch_shared_file(partner: Partner) -> str:
    if partner.shared_file is None:
        raise Skipped(
            "needs a file of a case the gateway shares with this province: "
            "pass --shared-file CASE:FILE_ID[:SHA256]"
        )
    case, file_id, sha256 = partner.shared_file
    answer = partner.fetch(partner.fetch_claims(case, file_id))
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict) or "url" not in body:
        raise Failed(f"signed fetch of {case}/{file_id}: {answer.brief()}")
    if body.get("file_id") != file_id or not isinstance(body.get("expires_in"), int):
        raise Failed(f"fetch answer: {body}")
    got = request("GET", body["url"])
    if got.status != 200:
        raise Failed(f"GET of the link: HTTP {got.status}")
    digest = hashlib.sha256(got.body).hexdigest()
    if sha256 is not None and digest != sha256:
        raise Failed(f"the file's SHA-256 is {digest}, the case says {sha256}")
    return f"{len(got.body)} bytes, SHA-256 {digest[:16]}…, link valid {body['expires_in']} s"


def fetch_unsigned(partner: Partner) -> str:
    claims = partner.fetch_claims(partner.case_number(), "F0000000000AA")
    head = jose.b64url(json.dumps({"alg": "none", "typ": jose.FETCH}).encode())
    token = f"{head}.{jose.b64url(json.dumps(claims).encode())}.AAAA"
    answer = request("POST", partner.url("/v1/exchange/files"), {"request": token})
    return _refused(answer, 401, "signature_algorithm_refused")


def fetch_bad_signature(partner: Partner) -> str:
    claims = partner.fetch_claims(partner.case_number(), "F0000000000AA")
    return _refused(partner.fetch(claims, key=jose.new_private_jwk()), 401, "unknown_kid")


def fetch_not_shared(partner: Partner) -> str:
    number = partner.case_number()  # a fresh number in the kit's own series: never shared with it
    return _refused(partner.fetch(partner.fetch_claims(number, "F0000000000AA")), 404, "case_not_found")


def fetch_stale(partner: Partner) -> str:
    then = (datetime.now(BEIJING) - timedelta(hours=1)).isoformat(timespec="seconds")
    claims = partner.fetch_claims(partner.case_number(), "F0000000000AA", sent_at=then)
    return _refused(partner.fetch(claims), 422, "message_stale")


@dataclass(frozen=True)
class Case:
    name: str
    section: str  # of docs/exchange/README.md
    run: Callable[[Partner], str]


CASES: tuple[Case, ...] = (
    Case("jwks.published", "Keys", jwks_published),
    Case("message.valid_receipt", "Receipts", valid_message_receipt),
    Case("message.replay_same_receipt", "Idempotency and replays", replay_same_receipt),
    Case("message.out_of_order_parked", "Ordering and parking", out_of_order_parked),
    Case("refusal.bad_signature", "Refusals", bad_signature),
    Case("refusal.unknown_kid", "Refusals", _signed_refusal(unknown_kid, 401, "unknown_kid")),
    Case("refusal.algorithm", "Refusals", algorithm_refused),
    Case("refusal.unknown_sender", "Refusals", _signed_refusal(unknown_sender, 403, "unknown_sender")),
    Case(
        "refusal.wrong_addressee",
        "Refusals",
        _signed_refusal(wrong_addressee, 422, "message_not_addressed_here"),
    ),
    Case("refusal.stale", "Refusals", _signed_refusal(stale, 422, "message_stale")),
    Case("refusal.future", "Refusals", _signed_refusal(future, 422, "message_from_the_future")),
    Case(
        "refusal.digest_mismatch",
        "Refusals",
        _signed_refusal(digest_mismatch, 422, "payload_digest_mismatch"),
    ),
    Case("refusal.reused_id", "Refusals", reused_id),
    Case("refusal.unknown_type", "Refusals", _signed_refusal(unknown_type, 422, "message_type_unsupported")),
    Case("refusal.schema_invalid", "Refusals", _signed_refusal(schema_invalid, 422, "payload_invalid")),
    Case("refusal.envelope_malformed", "Refusals", envelope_malformed),
    Case(
        "refusal.claim_type",
        "Refusals",
        _signed_refusal(claim_of_another_type, 400, "envelope_malformed"),
    ),
    Case("refusal.oversized", "Size limits", oversized),
    Case("fetch.shared_file", "File fetch", fetch_shared_file),
    Case("fetch.unsigned", "File fetch", fetch_unsigned),
    Case("fetch.unknown_key", "File fetch", fetch_bad_signature),
    Case("fetch.not_shared", "File fetch", fetch_not_shared),
    Case("fetch.stale", "File fetch", fetch_stale),
)
