"""HTTP to partner gateways: posting messages and fetching files. The only code that calls them.

A post never raises for the network: a partner that does not answer (refused, reset, timed out) or
whose answer breaks off or is not HTTP is `Answer(0, {})`, which the sender holds and retries
(services/outbound.py); raising instead would fail the queue message, and after the queue's
maxReceiveCount it would land in the dead-letter queue, out of order.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 10
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection refused, timeout)
    body: dict[str, Any]


def _opener(url: str) -> urllib.request.OpenerDirector:
    if not url.startswith(("https://", "http://")):
        raise ValueError("partners are reached over http(s) only")
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # partners are reached directly


def post_json(url: str, body: dict[str, Any]) -> Answer:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 — scheme checked in _opener
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with _opener(url).open(request, timeout=TIMEOUT_SECONDS) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as err:
        return Answer(err.code, _json(err.read()))
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        # OSError covers timeouts and resets; HTTPException an answer cut off or not HTTP at all
        return Answer(0, {})


def _json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def download(url: str, max_bytes: int) -> tuple[bytes, str]:
    """The object behind a presigned URL and its SHA-256 hex; ValueError if larger than allowed."""
    digest = hashlib.sha256()
    parts: list[bytes] = []
    size = 0
    with _opener(url).open(url, timeout=TIMEOUT_SECONDS) as response:
        while chunk := response.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise ValueError("object larger than allowed")
            digest.update(chunk)
            parts.append(chunk)
    return b"".join(parts), digest.hexdigest()


class PartnerHttp:
    """The transport the services use (an object, so tests can stand a partner in for it)."""

    def post(self, url: str, body: dict[str, Any]) -> Answer:
        return post_json(url, body)

    def download(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        return download(url, max_bytes)
