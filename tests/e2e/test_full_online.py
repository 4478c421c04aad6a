"""End to end: a full-online case over real HTTP against `python -m infra.local`, as the mobile app
and the clerk drive it — uploads straight to moto's S3, verification and notices through the pump."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from typing import Any

import pytest
import requests

from tests.integration.case_helpers import RS4_FORM, RS5_FORM, SJ_FORM

pytestmark = pytest.mark.e2e
PROVINCE = "430000"
PDF = b"%PDF-1.7\n" + b"0" * 2048 + b"\n%%EOF\n"
RESULT_PDF = b"%PDF-1.7\n" + b"\xe8\xae\xb8\xe5\x8f\xaf" * 200 + b"\n%%EOF\n"
LICENCE = {"reference": "EL-430000-20160301-DEV10001"}
_keys = itertools.count(1)


class Caller:
    """One role at the gateway of a province, over HTTP; POSTs carry a fresh Idempotency-Key."""

    def __init__(self, stack: dict[str, Any], role: str) -> None:
        province = stack["provinces"][PROVINCE]
        self.base = province["url"]
        self.headers = {"Authorization": f"Bearer {province['tokens'][role]}"}

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers, timeout=15)

    def post(self, path: str, body: Any = None) -> requests.Response:
        headers = {**self.headers, "Idempotency-Key": f"e2e-{time.time_ns()}-{next(_keys)}"}
        if body is None:
            return requests.post(self.base + path, headers=headers, timeout=15)
        headers["Content-Type"] = "application/json"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return requests.post(self.base + path, headers=headers, data=data, timeout=15)


def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def eventually(probe: Any, seconds: float = 20.0) -> Any:
    """Call `probe` until it returns something truthy, or return its last (falsy) answer."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def put_upload(caller: Caller, path: str, content: bytes) -> str:
    """Ask for a ticket at `path` and PUT `content` to moto's presigned URL; returns the file id."""
    ticket = ok(
        caller.post(
            path,
            {
                "filename": "材料.pdf",
                "content_type": "application/pdf",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            },
        ),
        201,
    )
    sent = requests.put(
        ticket["upload"]["url"], data=content, headers=ticket["upload"]["headers"], timeout=15
    )
    assert sent.status_code == 200, sent.text
    return str(ticket["file_id"])


VERIFIED_BY: list[str] = []  # which path verified each applicant upload: "pump" or "confirm"


def give(applicant: Caller, number: str, slot: str) -> str:
    """Upload a material, then wait for S3 → SQS → pump → the app's upload checker to verify it."""
    file_id = put_upload(applicant, f"/v1/cases/{number}/materials/{slot}/uploads", PDF)

    def status() -> str | None:
        case = ok(applicant.get(f"/v1/cases/{number}"))
        for material in case["materials"]:
            for file in material["files"]:
                if file["file_id"] == file_id:
                    return str(file["status"])
        return None

    if eventually(lambda: status() == "verified"):
        VERIFIED_BY.append("pump")
    else:  # the bucket notification never arrived: confirm as the app would after a PUT
        assert ok(applicant.post(f"/v1/cases/{number}/files/{file_id}/confirm"))["status"] == "verified"
        VERIFIED_BY.append("confirm")
    return file_id


def draft(applicant: Caller, item_code: str, form: dict[str, Any]) -> str:
    body = {"item_code": item_code, "form": form}  # the applicant is who the token says (实名认证)
    case = ok(applicant.post("/v1/cases", body), 201)
    assert case["state"] == "draft"
    return str(case["number"])


def test_the_whole_full_online_path_over_http(stack: dict[str, Any]) -> None:
    # 工业产品生产许可证 serves legal persons: the company's acting employee files it
    applicant, clerk = Caller(stack, "legal_person"), Caller(stack, "authority_clerk")
    started = time.monotonic()

    catalog = ok(applicant.get("/v1/catalog/items?limit=100"))
    assert "KSTB-SJ-001" in {item["code"] for item in catalog["items"]}

    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)
    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    assert ok(applicant.post(f"/v1/cases/{number}/submit"))["state"] == "submitted"

    asked = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/supplement-request",
            {"items": [{"material": "test_report", "reason": "缺少型式试验报告"}]},
        )
    )
    assert asked["state"] == "supplement_requested"
    give(applicant, number, "test_report")
    answered = ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补"}))
    assert answered["state"] == "supplemented"

    assert ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))["state"] == "accepted"
    ok(clerk.post(f"/v1/authority/cases/{number}/review", {"note": "ok"}))
    assert ok(clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}))["state"] == "approved"

    result_id = put_upload(clerk, f"/v1/authority/cases/{number}/result-uploads", RESULT_PDF)
    assert ok(clerk.post(f"/v1/cases/{number}/files/{result_id}/confirm"))["status"] == "verified"
    issued = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/issue-result",
            {"delivery": "electronic", "title": "工业产品生产许可证", "file_id": result_id},
        )
    )
    assert issued["state"] == "result_issued"

    result = ok(applicant.get(f"/v1/cases/{number}/result"))
    downloaded = requests.get(result["download"]["url"], timeout=15)
    assert downloaded.status_code == 200 and downloaded.content == RESULT_PDF
    assert ok(applicant.get(f"/v1/cases/{number}"))["state"] == "delivered"

    rated = ok(applicant.post(f"/v1/cases/{number}/rating", {"level": "dissatisfied"}), 201)
    assert rated["rating"]["level"] == "dissatisfied"
    open_items = ok(clerk.get("/v1/authority/rectifications"))["items"]
    assert number in [r["case"] for r in open_items]
    assert ok(applicant.get(f"/v1/cases/{number}/audit"))["ok"] is True

    def notices() -> list[dict[str, Any]]:
        return [n for n in ok(applicant.get("/v1/me/notices?limit=100"))["items"] if n["case"] == number]

    heard = eventually(notices)
    assert heard, "no notice for the case arrived through the notifications queue and the pump"
    print(f"\nfull path {time.monotonic() - started:.1f} s; verified by {VERIFIED_BY}; {len(heard)} notices")


def test_an_immediate_item_and_a_deferred_acceptance_over_http(stack: dict[str, Any]) -> None:
    applicant, clerk = Caller(stack, "applicant"), Caller(stack, "authority_clerk")

    number = draft(applicant, "KSTB-RS-004", RS4_FORM)
    licence = ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", LICENCE), 201)
    assert licence["trust_level"] == "A"
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    done = ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    assert done["state"] == "approved"

    number = draft(applicant, "KSTB-RS-005", RS5_FORM)
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", LICENCE), 201)
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    accepted = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/accept",
            {"deferred_materials": ["bank_account"], "commitment": "承诺五个工作日内补交"},
        )
    )
    assert accepted["state"] == "accepted"
    assert accepted["deferred"] == ["bank_account"]
