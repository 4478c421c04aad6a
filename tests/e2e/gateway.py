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


def switch_gateway(stack: dict[str, Any], province: str, action: str) -> dict[str, Any]:
    """Stop or start one province's gateway through the stack control (infra/local/stack.py): its
    port refuses connections while stopped; its data and event pump stay."""
    answer = requests.post(f"{stack['control']['url']}/gateways/{province}/{action}", timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    return dict(answer.json())
