"""HTTP to the gateway under test, with the standard library."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 30


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def brief(self) -> str:
        text = self.body[:300].decode("utf-8", "replace")
        return f"HTTP {self.status} {self.content_type}: {text}"


def request(method: str, url: str, body: Any = None, raw: bytes | None = None) -> Answer:
    if not url.startswith(("http://", "https://")):
        raise ValueError("the endpoint must be http(s)")
    data = raw if raw is not None else None if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"} if data is not None else {}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 — checked
    try:
        with opener.open(req, timeout=TIMEOUT) as response:
            return Answer(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, err.headers.get("Content-Type", ""), err.read())
