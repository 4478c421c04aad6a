"""Driving cases through the API in tests: an applicant and a clerk, real uploads to moto's S3."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any

import requests

from tests.conftest import ROOT, bearer

PDF = b"%PDF-1.7\n" + b"0" * 2048 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 512
_keys = itertools.count(1)

APPLICANTS = {
    a["subject"]: a for a in json.loads((ROOT / "infra/seed/dev_applicants.json").read_text())["applicants"]
}
SJ_FORM = {
    "enterprise_name": "测试机械有限公司",
    "product_name": "电线电缆",
    "production_address": "长沙市岳麓区",
    "procedure": "一般程序",
}
RS4_FORM = {
    "residence_city": "长沙市",
    "last_employer": "测试公司",
    "unemployed_since": "2026-10-01",
    "mobile": "13800000001",
}
RS5_FORM = {
    "insured_city": "长沙市",
    "last_employer": "测试公司",
    "separation_date": "2026-10-01",
    "separation_reason": "劳动合同期满终止",
    "mobile": "13800000001",
}


def applicant_of(subject: str = "dev-applicant-1") -> dict[str, str]:
    a = APPLICANTS[subject]
    return {"name": a["name"], "id_number": a["id_number"], "phone": a["phone"]}


def conforms(method: str, path: str, response: Any) -> Any:
    """Check a 2xx body against the operation's response model (the contract's schema), strictly."""
    from chalicelib.api.endpoint import OPERATIONS, load_model

    if not 200 <= response.status_code < 300 or not response.body:
        return response
    route = path.split("?", 1)[0]
    for op in OPERATIONS:
        pattern = re.sub(r"\{[a-z_0-9]+\}", "[^/]+", op.path)
        if op.method == method and re.fullmatch(pattern, route) and op.response_model:
            load_model(op.response_model).model_validate_json(response.body)
            return response
    raise AssertionError(f"no operation for {method} {route}")


class Party:
    """One caller of the gateway with a token; POSTs carry a fresh Idempotency-Key. Every 2xx
    answer is checked against the contract's response model."""

    def __init__(self, client: Any, role: str, **claims: Any) -> None:
        self.client = client
        self.headers = bearer(role, **claims)

    def get(self, path: str) -> Any:
        return conforms("GET", path, self.client.http.get(path, headers=self.headers))

    def post(self, path: str, body: Any = None, key: str | None = None) -> Any:
        headers = {**self.headers, "Idempotency-Key": key or f"k-{next(_keys)}"}
        if body is None:
            return conforms("POST", path, self.client.http.post(path, headers=headers))
        headers["Content-Type"] = "application/json"
        answer = self.client.http.post(path, headers=headers, body=json.dumps(body, ensure_ascii=False))
        return conforms("POST", path, answer)

    def put(self, path: str, body: Any) -> Any:
        headers = {**self.headers, "Content-Type": "application/json"}
        answer = self.client.http.put(path, headers=headers, body=json.dumps(body, ensure_ascii=False))
        return conforms("PUT", path, answer)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return json.loads(response.body) if response.body else None


def upload(
    party: Party,
    path: str,
    content: bytes,
    content_type: str = "application/pdf",
    *,
    declared: bytes | None = None,
) -> str:
    """Ask for a ticket at `path`, PUT `content` to the presigned URL, confirm; returns the file id."""
    digest = hashlib.sha256(declared if declared is not None else content).hexdigest()
    ticket = ok(
        party.post(
            path,
            {"filename": "材料.pdf", "content_type": content_type, "size": len(content), "sha256": digest},
        ),
        201,
    )
    sent = requests.put(
        ticket["upload"]["url"], data=content, headers=ticket["upload"]["headers"], timeout=10
    )
    assert sent.status_code == 200, sent.text
    return str(ticket["file_id"])


def confirm(party: Party, number: str, file_id: str) -> dict[str, Any]:
    return dict(ok(party.post(f"/v1/cases/{number}/files/{file_id}/confirm")))


def draft(applicant: Party, item_code: str, form: dict[str, Any], **body: Any) -> dict[str, Any]:
    """A draft by `applicant`; the applicant is who the token says (实名认证), so no applicant block."""
    return dict(ok(applicant.post("/v1/cases", {"item_code": item_code, "form": form, **body}), 201))


def give(applicant: Party, number: str, slot: str) -> str:
    file_id = upload(applicant, f"/v1/cases/{number}/materials/{slot}/uploads", PDF)
    assert confirm(applicant, number, file_id)["status"] == "verified"
    return file_id


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
