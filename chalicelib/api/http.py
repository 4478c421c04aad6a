"""HTTP conventions built once (DESIGN §6): JSON and problem+json responses, ETags, cursors."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.messages import field_message, problem_status, problem_title
from chalicelib.domain.errors import DomainError, InvalidInput, TooManyRequests

JSON_TYPE = "application/json; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"
REQUEST_ID_HEADER = "X-Request-Id"


class HttpProblem(Exception):
    """A refusal at the HTTP layer (bad header, bad JSON…), status taken from the code."""

    def __init__(
        self,
        code: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status or problem_status(code)
        self.errors = errors or []
        self.headers = dict(headers or {})


def request_path(request: Request) -> str:
    """The path the client asked for, without the query (a problem's `instance`).

    `request.path` is the route template (`/v1/cases/{number}`); API Gateway gives the real path as
    the event's `path`, `chalice local` as the request context's.
    """
    event = request.to_original_event()
    context = request.context or {}
    return str(event.get("path") or context.get("path") or request.path).split("?")[0]


def dumps(body: Any) -> str:
    """Compact UTF-8 JSON: Chinese stays readable and a third of the size of \\u escapes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        body=dumps(body), status_code=status, headers={"Content-Type": JSON_TYPE, **(headers or {})}
    )


def problem_body(
    code: str,
    status: int,
    lang: str,
    *,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """RFC 9457 problem details with a stable `code`; `type` resolves to the code's description.

    `context` adds the extension members a client acts on (e.g. a case's `state` and the
    `allowed_acts` after a refused transition); only the names in PROBLEM_CONTEXT pass.
    """
    body: dict[str, Any] = {
        "type": f"/v1/problems/{code}",
        "title": problem_title(code, status, lang),
        "status": status,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [_localised(e, lang) for e in errors]
    for name, value in (context or {}).items():
        if name in PROBLEM_CONTEXT and value is not None:
            body[name] = value
    return body


PROBLEM_CONTEXT = ("state", "act", "allowed_acts", "materials", "slot", "mode", "retry_after")


def _localised(error: Mapping[str, Any], lang: str) -> dict[str, Any]:
    entry = {"field": str(error.get("field", "")), "code": str(error.get("code", "invalid"))}
    entry["message"] = field_message(entry["code"], lang, str(error.get("message", entry["code"])))
    return entry


def problem_response(
    code: str,
    status: int,
    lang: str,
    *,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> Response:
    body = problem_body(
        code, status, lang, instance=instance, request_id=request_id, errors=errors, context=context
    )
    return Response(
        body=dumps(body),
        status_code=status,
        headers={"Content-Type": PROBLEM_TYPE, "Content-Language": lang, **(headers or {})},
    )


def problem_from_error(err: Exception, lang: str, instance: str, request_id: str) -> Response:
    if isinstance(err, HttpProblem):
        errors, headers = err.errors, err.headers
    elif isinstance(err, DomainError):
        errors = err.errors if isinstance(err, InvalidInput) else []
        headers = {"WWW-Authenticate": www_authenticate(err.code)} if err.status == 401 else {}
        if isinstance(err, TooManyRequests):
            headers = {"Retry-After": str(err.retry_after)}
    else:
        raise TypeError(f"not a problem: {err!r}")
    context = err.params if isinstance(err, DomainError) else None
    return problem_response(
        err.code,
        err.status,
        lang,
        instance=instance,
        request_id=request_id,
        errors=errors,
        headers=headers,
        context=context,
    )


def www_authenticate(code: str) -> str:
    """RFC 6750 §3.1: a request lacking authentication gets the scheme alone, no error code."""
    if code == "token_missing":
        return 'Bearer realm="tongban"'
    return 'Bearer realm="tongban", error="invalid_token"'


def etag_of(body_text: str) -> str:
    return '"' + hashlib.sha256(body_text.encode("utf-8")).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


CURSOR_MAC_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _cursor_mac(raw: bytes) -> bytes:
    from chalicelib.container import cursor_key

    return hmac.new(cursor_key(), raw, hashlib.sha256).digest()[:CURSOR_MAC_BYTES]


def encode_cursor(position: Mapping[str, Any]) -> str:
    """`<position>.<MAC>`: a cursor is ours only if the gateway's key authenticates it, so a forged
    or edited one never reaches a store query (where it would be a 500 or a read of another page)."""
    raw = dumps(position).encode("utf-8")
    return f"{_b64(raw)}.{_b64(_cursor_mac(raw))}"


def decode_cursor(cursor: str) -> dict[str, Any]:
    """Opaque cursor → position; anything that is not one of ours is a 400, never a 500."""
    text, _, mac = cursor.partition(".")
    try:
        raw = _unb64(text)
        valid = hmac.compare_digest(_unb64(mac), _cursor_mac(raw))
        position = json.loads(raw) if valid else None
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise HttpProblem("invalid_cursor") from None
    if not isinstance(position, dict):
        raise HttpProblem("invalid_cursor")
    return position
