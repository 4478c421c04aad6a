"""Calling the gateways of the local stack over HTTP as their users would."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

PDF = b"%PDF-1.7\n" + b"1" * 3000 + b"\n%%EOF\n"


class Gateway:
    """One province's gateway as one role calls it."""

    def __init__(self, stack: dict[str, Any], province: str, role: str) -> None:
        self.base = stack["provinces"][province]["url"]
        self.headers = {"Authorization": f"Bearer {stack['provinces'][province]['tokens'][role]}"}

    def get(self, path: str) -> Any:
        answer = requests.get(self.base + path, headers=self.headers, timeout=15)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return answer.json()

    def post(self, path: str, body: Any = None, status: int | tuple[int, ...] = (200, 201)) -> Any:
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
        data = json.dumps(body if body is not None else {}, ensure_ascii=False).encode()
        answer = requests.post(self.base + path, headers=headers, data=data, timeout=15)
        wanted = status if isinstance(status, tuple) else (status,)
        assert answer.status_code in wanted, (path, answer.status_code, answer.text[:300])
        return answer.json()

    def upload(self, path: str, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        ticket = self.post(
            path,
            {
                "filename": "扫描件.pdf",
                "content_type": "application/pdf",
                "size": len(content),
                "sha256": digest,
            },
        )
        sent = requests.put(
            ticket["upload"]["url"], data=content, headers=ticket["upload"]["headers"], timeout=15
        )
        assert sent.ok, sent.text
        return str(ticket["file_id"])

    def case(self, number: str) -> dict[str, Any]:
        return dict(self.get(f"/v1/cases/{number}"))


def eventually(probe: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.4)
    raise AssertionError(f"not within {seconds} s: {what}")


def verified_files(gateway: Gateway, number: str) -> int:
    return sum(f["status"] == "verified" for m in gateway.case(number)["materials"] for f in m["files"])


# — proxy intake (异地代收) at a window, as every window test sets it up —

ID_CARD_READER = {"method": "id_card_reader", "document": "居民身份证"}


def intake_body(
    item_code: str, province: str, applicant: dict[str, Any], form: dict[str, Any], **more: Any
) -> dict[str, Any]:
    """A window's intake of `item_code` for `province`, after checking the applicant's ID card."""
    return {
        "item_code": item_code,
        "province": province,
        "applicant": applicant,
        "identity_check": ID_CARD_READER,
        "form": form,
        **more,
    }


def open_intake(
    window: Gateway,
    item_code: str,
    province: str,
    applicant: dict[str, Any],
    form: dict[str, Any],
    **more: Any,
) -> dict[str, Any]:
    """The case a window opens for another province (`POST /v1/window/intakes`), as answered."""
    return dict(window.post("/v1/window/intakes", intake_body(item_code, province, applicant, form, **more)))


def take_in(
    window: Gateway, number: str, slots: tuple[str, ...] = ("id_card",), *, mail_original: bool = False
) -> dict[str, str]:
    """What a window does before dispatch: a scan per slot, verified; the ID card's original
    checked (kept or mailed); the applicant's consent on paper. The scans' file ids, by slot."""
    scans = {
        slot: window.upload(f"/v1/window/cases/{number}/materials/{slot}/uploads", PDF) for slot in slots
    }
    eventually(
        lambda: verified_files(window, number) == len(scans), "the bucket notifications verified the scans"
    )
    window.post(
        f"/v1/window/cases/{number}/files/{scans['id_card']}/original-check", {"mail_original": mail_original}
    )
    window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan"})
    return scans


def switch_gateway(stack: dict[str, Any], province: str, action: str) -> dict[str, Any]:
    """Stop or start one province's gateway through the stack control (infra/local/stack.py): its
    port refuses connections while stopped; its data and event pump stay."""
    answer = requests.post(f"{stack['control']['url']}/gateways/{province}/{action}", timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    return dict(answer.json())
