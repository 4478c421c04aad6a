"""The one way to declare an HTTP operation.

`endpoint` registers a Chalice route and records what the OpenAPI contract needs (summary, roles,
query parameters, request and response models). Every operation gets the same treatment: bearer
authentication and role check, query and body validation, `Idempotency-Key` on POST, ETag/304 on
reads, and domain errors as problem+json. Models are named by import path and loaded on first use
so that a cold start does not pay for pydantic models a request does not touch.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Chalice, Request, Response

from chalicelib.api.http import (
    HttpProblem,
    dumps,
    etag_matches,
    etag_of,
    json_response,
    problem_from_error,
)
from chalicelib.api.messages import negotiate_language
from chalicelib.config import settings
from chalicelib.domain.errors import DomainError
from chalicelib.domain.identity import Principal, Role

PUBLIC: tuple[Role, ...] = ()
STAFF = frozenset({Role.WINDOW_CLERK, Role.AUTHORITY_CLERK, Role.OPERATOR})
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    kind: str = "string"  # string | integer
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    default: int | str | None = None

    def parse(self, raw: str) -> int | str:
        if self.kind == "integer":
            try:
                value = int(raw)
            except ValueError:
                raise _bad_query(self.name, "int_parsing") from None
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise _bad_query(
                    self.name,
                    "less_than_equal"
                    if self.maximum is not None and value > self.maximum
                    else "greater_than_equal",
                )
            return value
        if len(raw) > self.max_length:
            raise _bad_query(self.name, "string_too_long")
        if self.enum is not None and raw not in self.enum:
            raise _bad_query(self.name, "enum")
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise _bad_query(self.name, "string_pattern_mismatch")
        return raw


def _bad_query(name: str, code: str) -> HttpProblem:
    return HttpProblem("invalid_query", errors=[{"field": name, "code": code}])


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    roles: tuple[Role, ...] | None  # None: public
    query: tuple[QueryParam, ...] = ()
    request_model: str | None = None  # "module:Class"
    response_model: str | None = None
    status: int = 200
    etag: bool = False
    problems: tuple[str, ...] = ()
    keyed: bool = True  # False: the body carries its own idempotency (exchange messages by id)

    @property
    def idempotent_post(self) -> bool:
        return self.method == "POST" and self.keyed


@dataclass
class Call:
    """What a handler gets: the caller, the validated inputs and the request's language."""

    principal: Principal | None
    path: dict[str, str]
    query: dict[str, Any]
    body: Any
    lang: str
    request_id: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def actor(self) -> Principal:
        if self.principal is None:  # only reachable through a route declared PUBLIC
            raise HttpProblem("token_missing")
        return self.principal


@dataclass
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply | Mapping[str, Any]]
OPERATIONS: list[Operation] = []


def load_model(ref: str) -> Any:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def endpoint(
    router: Blueprint | Chalice,
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    roles: tuple[Role, ...] | None,
    query: tuple[QueryParam, ...] = (),
    request: str | None = None,
    response: str | None = None,
    status: int = 200,
    etag: bool = False,
    problems: tuple[str, ...] = (),
    keyed: bool = True,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        op = Operation(
            method=method,
            path=path,
            operation_id=handler.__name__,
            summary=summary,
            tag=tag,
            roles=roles if roles else None,
            query=query,
            request_model=request,
            response_model=response,
            status=status,
            etag=etag,
            problems=problems,
            keyed=keyed,
        )
        OPERATIONS.append(op)

        def view(**path_params: str) -> Response:
            current = router.current_request
            assert current is not None
            return _serve(op, handler, current, path_params)

        view.__name__ = handler.__name__
        router.route(path, methods=[method], content_types=_ANY_CONTENT)(view)
        return handler

    return register


# Content types are checked by `_serve` so that a wrong one is a problem+json 415 like any other.
_ANY_CONTENT = [
    "application/json",
    "application/problem+json",
    "text/plain",
    "*/*",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
]


def request_id_of(request: Request) -> str:
    context = request.context or {}
    return str(context.get("requestId") or context.get("request_id") or "-")


def _serve(op: Operation, handler: Handler, request: Request, path: dict[str, str]) -> Response:
    lang = negotiate_language(request.headers.get("accept-language"))
    request_id = request_id_of(request)
    try:
        principal = _authenticate(op, request)
        key = _idempotency_key(request) if op.idempotent_post else None
        call = Call(
            principal=principal,
            path=path,
            query=_parse_query(op, request),
            body=_parse_body(op, request),
            lang=lang,
            request_id=request_id,
            headers=request.headers,
        )
        if key is not None:
            return _idempotent(op, handler, call, request, key)
        return _respond(op, handler(call), request)
    except (HttpProblem, DomainError) as err:
        return problem_from_error(err, lang, request.path, request_id)


def _authenticate(op: Operation, request: Request) -> Principal | None:
    if op.roles is None:
        return None
    from chalicelib.services.authentication import authenticate_bearer

    principal = authenticate_bearer(request.headers.get("authorization"))
    if principal.role not in op.roles:
        raise HttpProblem("forbidden")
    if principal.role in STAFF and principal.province != settings().province_code:
        raise HttpProblem("forbidden")  # staff act only on their own province's gateway
    return principal


def _parse_query(op: Operation, request: Request) -> dict[str, Any]:
    raw: Mapping[str, str] = request.query_params or {}
    parsed: dict[str, Any] = {}
    for param in op.query:
        if param.name in raw:
            parsed[param.name] = param.parse(raw[param.name])
        elif param.default is not None:
            parsed[param.name] = param.default
    return parsed


def _parse_body(op: Operation, request: Request) -> Any:
    if op.request_model is None:
        return None
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HttpProblem("unsupported_media_type")
    try:
        data = json.loads(request.raw_body or b"")
    except (ValueError, UnicodeDecodeError):
        raise HttpProblem("malformed_json") from None
    from pydantic import ValidationError

    model = load_model(op.request_model)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise HttpProblem("validation_failed", errors=pydantic_errors(err)) from None


def pydantic_errors(err: Any) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "$", "code": e["type"], "message": e["msg"]}
        for e in err.errors(include_url=False, include_input=False)
    ]


def _respond(op: Operation, result: Reply | Mapping[str, Any], request: Request) -> Response:
    reply = result if isinstance(result, Reply) else Reply(body=dict(result), status=op.status)
    if isinstance(reply.body, str):  # a page (e.g. a printable receipt), sent as it is
        return Response(body=reply.body, status_code=reply.status, headers=dict(reply.headers))
    if not (op.etag and request.method == "GET"):
        return json_response(reply.body, reply.status, reply.headers)
    text = dumps(reply.body)
    tag = etag_of(text)
    headers: dict[str, Any] = {**reply.headers, "ETag": tag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(body="", status_code=304, headers=headers)
    return Response(
        body=text,
        status_code=reply.status,
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise HttpProblem("idempotency_key_required")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise HttpProblem("idempotency_key_invalid")
    return str(key)


def _caller_scope(principal: Principal | None) -> str:
    """Whose stored answer a replay may return: the caller's whole identity. A subject is unique
    only within its issuer, and one person may hold posts at two windows or authorities; a replay
    answers without running the handler, so it must never cross to a caller the handler would
    refuse."""
    if principal is None:
        return "anonymous"
    parts = (principal.issuer, principal.subject, principal.role.value)
    posts = (principal.province, principal.window, principal.authority)
    return json.dumps([*parts, *posts], ensure_ascii=False, separators=(",", ":"))


def idempotency_scope(
    principal: Principal | None, method: str, route: str, path: Mapping[str, str], key: str
) -> str:
    """Whose request a key belongs to, and for which resource: a stored response (a reveal's clear
    values among them) replays only to the caller who made it."""
    # the route is the template: the path parameters name the resource the key is for
    target = "/".join(f"{k}={v}" for k, v in sorted(path.items()))
    return f"{_caller_scope(principal)}|{method} {route}|{target}|{key}"


def _idempotent(op: Operation, handler: Handler, call: Call, request: Request, key: str) -> Response:
    """Same key + same body → the first response again; same key + other body → 422."""
    from chalicelib.adapters.idempotency import run_once

    scope = idempotency_scope(call.principal, op.method, request.path, call.path, key)
    raw = request.raw_body or b""
    fingerprint = hashlib.sha256(raw if isinstance(raw, bytes) else raw.encode()).hexdigest()

    def produce() -> dict[str, Any]:
        response = _respond(op, handler(call), request)
        return {"status": response.status_code, "headers": response.headers, "body": response.body}

    stored, replayed = run_once(scope, fingerprint, produce)
    headers = dict(stored["headers"])
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body=stored["body"], status_code=stored["status"], headers=headers)
