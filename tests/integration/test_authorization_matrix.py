"""The authorization matrix: every operation of the contract × every caller × every object, with
the outcome expected, in one table (`MATRIX`) and under test.

Outcomes: `allowed` (the authorization passed: anything but 401, 403, a 404 that hides the object,
or an exchange refusal; a 409 or 422 for a body that does not fit the state is allowed-through),
`401`, `403`, `404` (the object is hidden as if it did not exist), `refused` (an exchange request
whose signature does not come from a registered partner). In a row, `party` means: allowed on the
objects the caller is a party to (`PARTY`), 404 on the others; on an operation without an object,
allowed. A refused write must change nothing: the case document (version, timeline head) is the
same before and after. A list answered to a caller names only objects the caller is a party to.

A new operation in the contract that the table does not classify fails `test_every_operation_is_
classified`. `docs/authorization.md` is this table rendered; regenerate it with
`python -m tests.integration.test_authorization_matrix` (a test fails on drift).
"""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.clock import BEIJING, rfc3339
from tests.conftest import ROOT
from tests.factories import item
from tests.integration.authorization_world import (
    OWN_LICENCE,
    PARTNER,
    Obj,
    World,
    build_world,
    cleanup_queues,
)
from tests.integration.case_helpers import APPLICANTS, RS4_FORM

DOC = ROOT / "docs/authorization.md"

CALLERS: dict[str, str] = {
    "anonymous": "no token",
    "applicant": "applicant 甲 (owner of own_case, own_draft)",
    "applicant_2": "applicant 乙, same issuer (owner of others_case)",
    "applicant_other_issuer": "applicant of 广西's identity provider (not trusted here)",
    "window_clerk": "window clerk of W-430000-01 (took in own_intake)",
    "window_clerk_2": "the same clerk's subject at window W-430000-02 (took in others_intake)",
    "authority_clerk": "authority clerk of A-430000-01 (handles own_case, foreign_case)",
    "authority_clerk_2": "the same clerk's subject at authority A-430000-02 (handles others_case)",
    "operator": "operator of 430000",
    "staff_other_province": "authority clerk of 广西 450000",
    "partner": "partner token of 广西",
    "partner_signed": "广西's gateway, signing with its registered key",
    "stranger_signed": "江苏's gateway, not registered here",
}

OBJECTS: dict[str, str] = {
    "own_case": "全程网办 case of 甲 at A-430000-01, decided, rated 不满意",
    "own_draft": "draft of 甲 at A-430000-01, not yet submitted",
    "others_case": "全程网办 case of 乙 at A-430000-02, submitted",
    "own_intake": "异地代收 at W-430000-01 for 广西",
    "others_intake": "异地代收 at W-430000-02 for 广西",
    "foreign_case": "case filed in 广西, forwarded here, handled by A-430000-01",
}

# The objects each caller is a party to.
PARTY: dict[str, frozenset[str]] = {
    "applicant": frozenset({"own_case", "own_draft"}),
    "applicant_2": frozenset({"others_case"}),
    "window_clerk": frozenset({"own_intake"}),
    "window_clerk_2": frozenset({"others_intake"}),
    "authority_clerk": frozenset({"own_case", "foreign_case"}),  # a draft is not filed yet
    "authority_clerk_2": frozenset({"others_case"}),
    "operator": frozenset(OBJECTS),  # reads every case of the province
    "partner_signed": frozenset({"own_intake", "others_intake", "foreign_case"}),  # shared with 广西
}
UNSIGNED = ("anonymous", "applicant_other_issuer", "partner_signed", "stranger_signed")
REFUSALS = {
    "envelope_malformed",
    "signature_malformed",
    "signature_invalid",
    "signature_algorithm_refused",
    "unknown_kid",
    "unknown_sender",
    "partner_suspended",
    "message_not_addressed_here",
}
HIDDEN = {"case_not_found"}  # a 404 that hides the object


def only(**grants: str) -> dict[str, str]:
    """A bearer route: callers without a trusted token get 401, other roles 403, except `grants`."""
    row = {caller: "401" if caller in UNSIGNED else "403" for caller in CALLERS}
    row.update(grants)
    return row


def public() -> dict[str, str]:
    return dict.fromkeys(CALLERS, "allowed")


def exchange(signed: str) -> dict[str, str]:
    """A route authenticated by the partner's signature: a bearer token or a stranger's key is refused."""
    return {**dict.fromkeys(CALLERS, "refused"), "partner_signed": signed}


APPLICANTS_ = {"applicant": "party", "applicant_2": "party"}
WINDOWS = {"window_clerk": "party", "window_clerk_2": "party"}
AUTHORITIES = {"authority_clerk": "party", "authority_clerk_2": "party"}
READERS = {**APPLICANTS_, **WINDOWS, **AUTHORITIES, "operator": "party"}
CLERK_ACT = only(**AUTHORITIES)
WINDOW_ACT = only(**WINDOWS)
ANY_TOKEN = only(**READERS, partner="allowed")
OPERATOR = only(operator="allowed")

# — the table —

MATRIX: dict[str, dict[str, str]] = {
    # public
    "GET /v1/health": public(),
    "GET /v1/problems/{code}": public(),
    "GET /v1/calendar/{year}": public(),
    "GET /v1/catalog/items": public(),
    "GET /v1/catalog/items/{code}": public(),
    "GET /v1/catalog/items/{code}/guides/{province}": public(),
    "GET /v1/catalog/items/{code}/versions/{version}": public(),
    "GET /v1/exchange/jwks": public(),
    # walk-in applicants: the 查询码 is the credential, no token grants anything (and none is needed);
    # without the code every case is answered as absent
    "GET /v1/public/cases/{number}/progress": dict.fromkeys(CALLERS, "404"),
    "POST /v1/public/cases/{number}/rating": dict.fromkeys(CALLERS, "404"),
    # anyone with a token of this province (staff of another province are turned away)
    "GET /v1/me": ANY_TOKEN,
    # applicant
    "POST /v1/cases": only(**APPLICANTS_),
    "GET /v1/cases": only(**APPLICANTS_),
    "GET /v1/me/notices": only(**APPLICANTS_),
    "POST /v1/me/notices/read": only(**APPLICANTS_),
    "POST /v1/cases/{number}/form": only(**APPLICANTS_),
    "POST /v1/cases/{number}/materials/{slot}/uploads": only(**APPLICANTS_),
    "POST /v1/cases/{number}/materials/{slot}/licences": only(**APPLICANTS_),
    "POST /v1/cases/{number}/submit": only(**APPLICANTS_),
    "POST /v1/cases/{number}/rating": only(**APPLICANTS_),
    # 授权 (委托代办): only the principal of a case an agent filed; no case here is one, so even its
    # owner (who would be the agent) is told it does not exist
    "POST /v1/cases/{number}/entrustment/authorise": only(applicant="404", applicant_2="404"),
    # the applicant, or the window that took the case in for them (代办)
    "POST /v1/cases/{number}/supplement-answer": only(**APPLICANTS_, **WINDOWS),
    "POST /v1/cases/{number}/withdraw": only(**APPLICANTS_, **WINDOWS),
    "POST /v1/cases/{number}/discard": only(**APPLICANTS_, **WINDOWS),
    # the binding code an applicant's app shows at a window (绑定码)
    "POST /v1/me/binding-codes": only(**APPLICANTS_),
    "POST /v1/cases/{number}/files/{file_id}/confirm": only(**APPLICANTS_, **WINDOWS, **AUTHORITIES),
    # reads of one case: its parties and the province's operators
    "GET /v1/cases/{number}": only(**READERS),
    "GET /v1/cases/{number}/timeline": only(**READERS),
    "GET /v1/cases/{number}/audit": only(**READERS),
    "GET /v1/cases/{number}/files/{file_id}": only(**READERS),
    "GET /v1/cases/{number}/result": only(**READERS),
    "GET /v1/cases/{number}/shipments": only(**READERS),
    # 查看明文: the handling clerk or the intake window; operators read masked and may not reveal
    "POST /v1/cases/{number}/reveal": only(**WINDOWS, **AUTHORITIES, operator="403"),
    # video consultation: the window and the handling authority
    "POST /v1/cases/{number}/video-sessions": only(**WINDOWS, **AUTHORITIES),
    "POST /v1/cases/{number}/video-sessions/{session_id}/join": only(**WINDOWS, **AUTHORITIES),
    "POST /v1/cases/{number}/video-sessions/{session_id}/end": only(**WINDOWS, **AUTHORITIES),
    # authority
    "GET /v1/authority/cases": CLERK_ACT,
    "GET /v1/authority/rectifications": CLERK_ACT,
    "POST /v1/authority/rectifications/{number}/follow-up": CLERK_ACT,
    "POST /v1/authority/cases/{number}/pre-review/pass": CLERK_ACT,
    "POST /v1/authority/cases/{number}/pre-review/return": CLERK_ACT,
    "POST /v1/authority/cases/{number}/accept": CLERK_ACT,
    "POST /v1/authority/cases/{number}/refuse": CLERK_ACT,
    "POST /v1/authority/cases/{number}/supplement-request": CLERK_ACT,
    "POST /v1/authority/cases/{number}/review": CLERK_ACT,
    "POST /v1/authority/cases/{number}/suspend": CLERK_ACT,
    "POST /v1/authority/cases/{number}/resume": CLERK_ACT,
    "POST /v1/authority/cases/{number}/decide": CLERK_ACT,
    "POST /v1/authority/cases/{number}/accept-and-decide": CLERK_ACT,
    "POST /v1/authority/cases/{number}/entrustment/verify": CLERK_ACT,
    "POST /v1/authority/cases/{number}/result-uploads": CLERK_ACT,
    "POST /v1/authority/cases/{number}/issue-result": CLERK_ACT,
    "POST /v1/authority/cases/{number}/deliver": CLERK_ACT,
    "POST /v1/authority/cases/{number}/close": CLERK_ACT,
    # 资料寄递 at the handling province: arrival of a shipment, 原件核验 of a mailed original
    "POST /v1/authority/cases/{number}/shipments/{shipment_id}/events": CLERK_ACT,
    "POST /v1/authority/cases/{number}/originals/{slot}/check": CLERK_ACT,
    "POST /v1/authority/cases/{number}/originals/returns": CLERK_ACT,
    # window (跨省通办专窗)
    "POST /v1/window/intakes": WINDOW_ACT,
    "GET /v1/window/cases": WINDOW_ACT,
    "POST /v1/window/cases/{number}/consent": WINDOW_ACT,
    "POST /v1/window/cases/{number}/app-account": WINDOW_ACT,
    "POST /v1/window/cases/{number}/materials/{slot}/uploads": WINDOW_ACT,
    "POST /v1/window/cases/{number}/files/{file_id}/original-check": WINDOW_ACT,
    "POST /v1/window/cases/{number}/receipt": WINDOW_ACT,
    "GET /v1/window/cases/{number}/receipt.html": WINDOW_ACT,
    "GET /v1/window/cases/{number}/receipt.pdf": WINDOW_ACT,
    "POST /v1/window/cases/{number}/receipt/print-link": WINDOW_ACT,
    # a receipt through its signed print link: no token admits anyone; without the link's
    # signature every caller is refused (print_link_invalid)
    "GET /v1/print/receipts/{number}": dict.fromkeys(CALLERS, "403"),
    "POST /v1/window/cases/{number}/dispatch": WINDOW_ACT,
    "POST /v1/window/cases/{number}/handover": WINDOW_ACT,
    "POST /v1/window/cases/{number}/shipments": WINDOW_ACT,
    "POST /v1/window/cases/{number}/shipments/{shipment_id}/events": WINDOW_ACT,
    "POST /v1/window/cases/{number}/rating": WINDOW_ACT,
    "POST /v1/window/cases/{number}/rectification/follow-up": WINDOW_ACT,
    # operator
    "GET /v1/ops/rectifications": OPERATOR,
    "GET /v1/ops/dev/sms": OPERATOR,
    "POST /v1/ops/catalog/items": OPERATOR,
    "GET /v1/ops/catalog/items/{code}": OPERATOR,
    "POST /v1/ops/catalog/items/{code}/status-changes": OPERATOR,
    "PUT /v1/ops/calendar/{year}": OPERATOR,
    "GET /v1/ops/partners": OPERATOR,
    "PUT /v1/ops/partners/{province}": OPERATOR,
    "POST /v1/ops/partners/{province}/status": OPERATOR,
    "GET /v1/ops/partners/{province}/audit": OPERATOR,
    "GET /v1/ops/exchange/refusals": OPERATOR,
    "GET /v1/ops/out-of-sync": OPERATOR,
    "GET /v1/ops/cases/{number}/exchange-record": OPERATOR,
    "POST /v1/ops/out-of-sync/{number}/retry": OPERATOR,
    "GET /v1/ops/dead-letters/{queue}": OPERATOR,
    "POST /v1/ops/dead-letters/{queue}/redrive": OPERATOR,
    "GET /v1/ops/catalog/drift": OPERATOR,
    "GET /v1/ops/exchange/streams": OPERATOR,
    # exchange between provinces: signed requests, no bearer token
    "POST /v1/exchange/messages": exchange("allowed"),
    "POST /v1/exchange/files": exchange("party"),
    "POST /v1/exchange/catalog-digests": exchange("allowed"),
    "POST /v1/exchange/video-joins": exchange("party"),
    # 事项标准: an operator's own implementation; a partner's signed fetch of an item version
    "PUT /v1/ops/catalog/items/{code}/implementation": OPERATOR,
    "POST /v1/exchange/catalog": exchange("allowed"),
}


def has_object(key: str) -> bool:
    """Operations on one case: a case number in the path, or the signed file fetch."""
    return "{number}" in key or key in ("POST /v1/exchange/files", "POST /v1/exchange/video-joins")


def expected(key: str, caller: str, obj: str | None) -> str:
    grant = MATRIX[key][caller]
    if grant != "party":
        return grant
    if obj is None:
        return "allowed"
    return "allowed" if obj in PARTY.get(caller, frozenset()) else "404"


def contract_operations() -> list[str]:
    import app  # noqa: F401  (registers every blueprint's operations)
    from chalicelib.api.endpoint import OPERATIONS

    return sorted({f"{op.method} {op.path}" for op in OPERATIONS})


def test_every_operation_is_classified() -> None:
    contract = set(contract_operations())
    assert sorted(contract - set(MATRIX)) == [], "operations the matrix does not classify"
    assert sorted(set(MATRIX) - contract) == [], "rows for operations the contract no longer has"
    for key, row in MATRIX.items():
        assert set(row) == set(CALLERS), key


def test_the_rendered_table_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/authorization.md is stale: run python -m tests.integration.test_authorization_matrix"
    )


# — requests of a cell —


@dataclass(frozen=True)
class Cell:
    key: str
    caller: str
    obj: str | None

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def writes(self) -> bool:
        return self.method != "GET"


UPLOAD = {"filename": "材料.pdf", "content_type": "application/pdf", "size": 2048, "sha256": "0" * 64}
BODIES: dict[str, Callable[[World, str], Any]] = {
    "POST /v1/cases": lambda w, caller: {
        "item_code": "KSTB-RS-004",
        "applicant": _person("dev-applicant-2" if caller == "applicant_2" else "dev-applicant-1"),
        "form": RS4_FORM,
    },
    "POST /v1/cases/{number}/form": lambda w, c: {"form": RS4_FORM},
    "POST /v1/cases/{number}/materials/{slot}/uploads": lambda w, c: UPLOAD,
    "POST /v1/cases/{number}/materials/{slot}/licences": lambda w, c: {"reference": OWN_LICENCE},
    "POST /v1/cases/{number}/rating": lambda w, c: {"level": "satisfied"},
    "POST /v1/public/cases/{number}/rating": lambda w, c: {"code": "ABCD2345", "level": "satisfied"},
    "POST /v1/window/cases/{number}/rating": lambda w, c: {"level": "satisfied", "target": "window"},
    "POST /v1/window/cases/{number}/rectification/follow-up": lambda w, c: {
        "actions": "已整改",
        "applicant_feedback": "满意",
    },
    "POST /v1/me/notices/read": lambda w, c: {},
    "POST /v1/cases/{number}/supplement-answer": lambda w, c: {},
    "POST /v1/cases/{number}/withdraw": lambda w, c: {"reason": "不再需要"},
    "POST /v1/cases/{number}/discard": lambda w, c: {},
    "POST /v1/cases/{number}/reveal": lambda w, c: {
        "fields": ["applicant.id_number"],
        "purpose": "identity_check",
    },
    "POST /v1/window/cases/{number}/app-account": lambda w, c: {
        "binding_code": "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJmb3JnZWQifQ.Zm9yZ2Vk"
    },
    "POST /v1/cases/{number}/video-sessions": lambda w, c: {
        "starts_at": "2030-01-02T10:00:00+08:00",
        "participants": [
            {"participant_id": "window-430000-01", "role": "window_clerk", "province": "430000"},
            {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": PARTNER},
        ],
    },
    "POST /v1/cases/{number}/video-sessions/{session_id}/join": lambda w, c: {
        "participant_id": "window-430000-01" if c.startswith("window") else "authority-430000-01"
    },
    "POST /v1/cases/{number}/video-sessions/{session_id}/end": lambda w, c: {
        "outcome": "材料已当面核对",
        "consent_recorded": True,
    },
    "POST /v1/authority/rectifications/{number}/follow-up": lambda w, c: {
        "actions": "已整改",
        "applicant_feedback": "满意",
    },
    "POST /v1/authority/cases/{number}/pre-review/pass": lambda w, c: {},
    "POST /v1/authority/cases/{number}/pre-review/return": lambda w, c: {"reasons": ["材料不清晰"]},
    "POST /v1/authority/cases/{number}/accept": lambda w, c: {},
    "POST /v1/authority/cases/{number}/refuse": lambda w, c: {
        "reason": "不符合条件",
        "legal_basis": "《条例》",
    },
    "POST /v1/authority/cases/{number}/supplement-request": lambda w, c: {
        "items": [{"material": "id_card", "reason": "不清晰"}]
    },
    "POST /v1/authority/cases/{number}/review": lambda w, c: {},
    "POST /v1/authority/cases/{number}/suspend": lambda w, c: {"procedure": "hearing", "reason": "听证"},
    "POST /v1/authority/cases/{number}/resume": lambda w, c: {},
    "POST /v1/authority/cases/{number}/decide": lambda w, c: {"approved": True},
    "POST /v1/authority/cases/{number}/accept-and-decide": lambda w, c: {"approved": True},
    "POST /v1/authority/cases/{number}/entrustment/verify": lambda w, c: {"verified": True},
    "POST /v1/authority/cases/{number}/result-uploads": lambda w, c: UPLOAD,
    "POST /v1/authority/cases/{number}/issue-result": lambda w, c: {
        "delivery": "mail",
        "title": "办理结果",
        "carrier": "EMS",
        "tracking_number": "EMS2",
    },
    "POST /v1/authority/cases/{number}/deliver": lambda w, c: {"how": "mail_signed"},
    "POST /v1/authority/cases/{number}/close": lambda w, c: {},
    "POST /v1/authority/cases/{number}/shipments/{shipment_id}/events": lambda w, c: {"status": "delivered"},
    "POST /v1/authority/cases/{number}/originals/{slot}/check": lambda w, c: {"matches": True},
    "POST /v1/authority/cases/{number}/originals/returns": lambda w, c: {
        "to": "applicant",
        "carrier": "中国邮政EMS",
        "tracking_number": "EMS-MATRIX-1",
        "slots": ["id_card"],
    },
    "POST /v1/window/intakes": lambda w, c: {
        "item_code": "KSTB-GA-002",
        "province": PARTNER,
        "applicant": _person("dev-applicant-3"),
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"},
    },
    "POST /v1/window/cases/{number}/consent": lambda w, c: {"method": "paper_scan"},
    "POST /v1/window/cases/{number}/materials/{slot}/uploads": lambda w, c: UPLOAD,
    "POST /v1/window/cases/{number}/files/{file_id}/original-check": lambda w, c: {"mail_original": True},
    "POST /v1/window/cases/{number}/handover": lambda w, c: {"to_whom": "本人", "identity_checked": True},
    "POST /v1/window/cases/{number}/receipt/print-link": lambda w, c: {},
    "POST /v1/window/cases/{number}/shipments": lambda w, c: {
        "direction": "to_handler",
        "carrier": "EMS",
        "tracking_number": "EMS3",
        "contents": ["原件"],
    },
    "POST /v1/window/cases/{number}/shipments/{shipment_id}/events": lambda w, c: {"status": "in_transit"},
    "POST /v1/ops/catalog/items": lambda w, c: item(code="TEST-MATRIX-1"),
    "POST /v1/ops/catalog/items/{code}/status-changes": lambda w, c: {
        "status": "cancelled",
        "effective_from": "2099-01-01",
        "reason": "测试",
    },
    "PUT /v1/ops/catalog/items/{code}/implementation": lambda w, c: {
        "authority": "长沙市人力资源和社会保障局",
        "authority_code": "A-430000-01",
        "local_code": "HN-RS-004",
        "contact_phone": "0731-12333",
    },
    "PUT /v1/ops/calendar/{year}": lambda w, c: {
        "year": 2099,
        "holidays": [],
        "adjusted_workdays": [],
        "source": "测试",
    },
    "PUT /v1/ops/partners/{province}": lambda w, c: w.partner.registration(),
    "POST /v1/ops/partners/{province}/status": lambda w, c: {"status": "active", "reason": "测试"},
}
PATH_VALUES = {
    "{code}": "KSTB-RS-004",
    "{province}": PARTNER,
    "{version}": "1",
    "{queue}": "uploads",
}


def _person(subject: str) -> dict[str, str]:
    person = APPLICANTS[subject]
    return {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]}


def _path(key: str, obj: Obj | None) -> str:
    path = key.split(" ", 1)[1]
    if key == "GET /v1/problems/{code}":
        return "/v1/problems/case_not_found"
    if "{year}" in path:
        path = path.replace("{year}", "2099" if key.startswith("PUT") else "2026")
    for name, value in PATH_VALUES.items():
        path = path.replace(name, value)
    if obj is not None:
        path = (
            path.replace("{number}", obj.number)
            .replace("{file_id}", obj.file_id)
            .replace("{slot}", obj.slot)
            .replace("{session_id}", obj.session_id)
            .replace("{shipment_id}", obj.shipment_id)
        )
    assert "{" not in path, path
    return path


def _exchange_body(world: World, cell: Cell, obj: Obj | None) -> dict[str, Any]:
    """What a caller can present: a signature by its key, or — lacking one — its bearer token."""
    signer = {"partner_signed": world.partner, "stranger_signed": world.stranger}.get(cell.caller)
    if cell.key == "POST /v1/exchange/messages":
        if signer is not None:
            return world.message(signer)
        return {"envelope": _presented(world, cell.caller), "payload": {"item_code": "KSTB-RS-004"}}
    if cell.key == "POST /v1/exchange/catalog-digests":
        return signer.digests_request() if signer is not None else {"request": _presented(world, cell.caller)}
    if cell.key == "POST /v1/exchange/catalog":
        if signer is not None:
            return {"request": _catalog_fetch(signer)}
        return {"request": _presented(world, cell.caller)}
    assert obj is not None
    if signer is not None and cell.key == "POST /v1/exchange/video-joins":
        return world.video_join_request(signer, obj)
    if signer is not None:
        return world.fetch_request(signer, obj)
    return {"request": _presented(world, cell.caller)}


def _catalog_fetch(signer: Any) -> str:
    """A signed request for version 1 of a seeded item (the partner side of /v1/exchange/catalog)."""
    from chalicelib.services.catalog_replication import CATALOG_FETCH_TYPE

    claims = {
        "id": str(uuid.uuid4()),
        "from": signer.code,
        "to": "430000",
        "sent_at": rfc3339(datetime.now(BEIJING)),
        "code": "KSTB-RS-004",
        "version": 1,
    }
    return str(signer.signer.sign_jws(claims, CATALOG_FETCH_TYPE))


def _presented(world: World, caller: str) -> str:
    header = world.party(caller).headers.get("Authorization", "")
    return header.removeprefix("Bearer ") or _forged()


def _forged() -> str:
    """A JWS that claims to come from the registered partner, signed by nobody's key."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header = part({"alg": "ES256", "kid": "forged-1", "typ": "tongban-fetch+jws"})
    claims = part({"id": "forged", "from": PARTNER, "to": "430000", "case": "430000-20261123-AAAAAAAA"})
    return f"{header}.{claims}.{base64.urlsafe_b64encode(b'0' * 64).rstrip(b'=').decode()}"


def send(world: World, cell: Cell, key: str | None = None) -> Any:
    """The cell's request; a POST carries `key` as its Idempotency-Key (a fresh one by default)."""
    obj = world.objects[cell.obj] if cell.obj else None
    path = _path(cell.key, obj)
    client = world.client.http
    headers = dict(world.party(cell.caller).headers)
    if cell.key.startswith("POST /v1/exchange/"):
        headers["Content-Type"] = "application/json"
        body = json.dumps(_exchange_body(world, cell, obj), ensure_ascii=False)
        return client.post(path, headers=headers, body=body)
    if cell.method == "GET":
        return client.get(path, headers=headers)
    headers["Idempotency-Key"] = key or f"matrix-{uuid.uuid4()}"
    build = BODIES.get(cell.key)
    if build is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(build(world, cell.caller), ensure_ascii=False)
        return getattr(client, cell.method.lower())(path, headers=headers, body=body)
    return getattr(client, cell.method.lower())(path, headers=headers)


def classify(cell: Cell, response: Any) -> str:
    status = response.status_code
    code = ""
    if response.body and response.headers.get("Content-Type", "").startswith("application/problem+json"):
        code = str(json.loads(response.body).get("code", ""))
    if status >= 500:
        return f"error {status} {code}"
    if cell.key.startswith("POST /v1/exchange/") and code in REFUSALS:
        return "refused"
    if status in (401, 403):
        return str(status)
    if status == 404 and code in HIDDEN:
        return "404"
    return "allowed"


def cells() -> list[Cell]:
    found = []
    for key in MATRIX:
        for caller in CALLERS:
            for obj in list(OBJECTS) if has_object(key) else [None]:
                found.append(Cell(key, caller, obj))
    return found


def _listed(body: Any) -> set[str]:
    """The case numbers a list answer names."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return set()
    return {
        str(entry.get("number") or entry.get("case"))
        for entry in body["items"]
        if isinstance(entry, dict) and (entry.get("number") or entry.get("case"))
    }


@pytest.fixture
def world(client: Any, stage: None) -> Any:
    yield build_world(client)
    cleanup_queues()


def test_the_matrix_shows_no_leak(world: World) -> None:
    """Reads first, then refused writes (which must change nothing), then allowed writes, then
    each allowed write's Idempotency-Key replayed by the other callers its role admits."""
    started, cpu = time.monotonic(), time.process_time()
    every = cells()
    reads = [c for c in every if not c.writes]
    writes = [c for c in every if c.writes]
    refused = [c for c in writes if expected(c.key, c.caller, c.obj) != "allowed"]
    allowed = [c for c in writes if expected(c.key, c.caller, c.obj) == "allowed"]
    mine = {caller: {world.objects[o].number for o in objects} for caller, objects in PARTY.items()}
    numbers = {o.number for o in world.objects.values()}
    leaks: list[str] = []

    def run(cell: Cell, key: str | None = None) -> Any:
        response = send(world, cell, key)
        got, want = classify(cell, response), expected(cell.key, cell.caller, cell.obj)
        if got != want:
            answer = f"{response.status_code} {response.body[:120]!r}"
            leaks.append(f"{cell.key} as {cell.caller} on {cell.obj}: expected {want}, got {got} ({answer})")
        return response

    for cell in reads:
        response = run(cell)
        if cell.obj is None and response.status_code == 200 and "json" in response.headers["Content-Type"]:
            stray = (_listed(json.loads(response.body)) & numbers) - mine.get(cell.caller, set())
            if stray:
                leaks.append(f"{cell.key} as {cell.caller} lists cases it is no party to: {sorted(stray)}")

    before = {name: world.doc(obj.number) for name, obj in world.objects.items()}
    for cell in refused:
        run(cell)
    for name, obj in world.objects.items():
        if world.doc(obj.number) != before[name]:
            tried = sorted({f"{c.key} as {c.caller}" for c in refused if c.obj == name})
            leaks.append(f"{name} changed under refused writes, one of: {tried}")

    replays = 0
    for cell in allowed:
        key = f"matrix-{uuid.uuid4()}"
        if not 200 <= run(cell, key).status_code < 300 or cell.key.startswith("POST /v1/exchange/"):
            continue
        # The same key from another caller the role admits is that caller's own request: never a
        # replay of this answer (the allowed writes moved the objects on, so only that is checked).
        for other in MATRIX[cell.key]:
            if other != cell.caller and MATRIX[cell.key][other] in ("party", "allowed"):
                replays += 1
                if send(world, Cell(cell.key, other, cell.obj), key).headers.get("Idempotent-Replayed"):
                    leaks.append(f"{cell.key} on {cell.obj}: {other} got {cell.caller}'s answer replayed")

    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    print(
        f"\nauthorization matrix: {len(every)} cells + {replays} replays in {elapsed:.1f}s ({cpu:.1f}s CPU)",
        file=sys.stderr,
    )
    assert leaks == [], f"{len(leaks)} leaks:\n" + "\n".join(leaks)


# — the human-readable rendering —

SHORT = {"allowed": "✓", "party": "own", "401": "401", "403": "403", "404": "404", "refused": "refused"}


def render() -> str:
    lines = [
        "# Who may do what (authorization matrix)",
        "",
        "Generated from the table in `tests/integration/test_authorization_matrix.py`, which is under",
        "test (`python -m tests.integration.test_authorization_matrix` rewrites this file; a test fails",
        "when it drifts). Every operation of the contract is a row; a new one fails the test until it is",
        "classified here.",
        "",
        "- ✓ allowed (a 409 or 422 for a body that does not fit the case's state is allowed-through)",
        "- **own**: allowed on the objects the caller is a party to, 404 (as if absent) on the others",
        "- 401 no trusted token, 403 role or province refused, refused: an exchange request not signed",
        "  by a registered partner",
        "",
        "## Callers",
        "",
        "| caller | who |",
        "| --- | --- |",
        *(f"| `{name}` | {who} |" for name, who in CALLERS.items()),
        "",
        "## Objects",
        "",
        "Operations with a case number in the path (and the signed file fetch) are tried on each.",
        "",
        "| object | what | its parties |",
        "| --- | --- | --- |",
    ]
    for name, what in OBJECTS.items():
        parties = ", ".join(f"`{c}`" for c, objs in PARTY.items() if name in objs)
        lines.append(f"| `{name}` | {what} | {parties} |")
    header = " | ".join(f"`{c}`" for c in CALLERS)
    lines += [
        "",
        "## Operations",
        "",
        f"| operation | {header} |",
        "| --- |" + " --- |" * len(CALLERS),
    ]
    for key, row in MATRIX.items():
        lines.append(f"| `{key}` | " + " | ".join(SHORT[row[c]] for c in CALLERS) + " |")
    objects = sum(1 for key in MATRIX if has_object(key))
    total = len(cells())
    lines += [
        "",
        f"{len(MATRIX)} operations ({objects} on an object) × {len(CALLERS)} callers × "
        f"{len(OBJECTS)} objects where there is one: {total} cells.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
