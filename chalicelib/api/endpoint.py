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
import inspect
import json
import re
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from chalice.app import Blueprint, Chalice, Request, Response

from chalicelib.api.http import (
    HttpProblem,
    dumps,
    etag_matches,
    etag_of,
    json_response,
    problem_from_error,
    request_path,
)
from chalicelib.api.messages import negotiate_language
from chalicelib.container import settings
from chalicelib.domain.errors import DomainError, InternalConflict
from chalicelib.domain.identifiers import IDEMPOTENCY_KEY_PATTERN
from chalicelib.domain.identity import Principal, Role

PUBLIC: tuple[Role, ...] = ()
STAFF = frozenset({Role.WINDOW_CLERK, Role.AUTHORITY_CLERK, Role.OPERATOR})
IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
MAX_BODY_BYTES = 256 * 1024  # a form or an act is a few kB; larger bodies are refused before parsing
MAX_JSON_DEPTH = 32  # the deepest body of the contract (an exchange payload) nests under 12
INTERNAL_RETRIES = 3  # a use case run again when the gateway's own write got there first
# Text never needs C0 controls other than tab and line breaks, nor DEL (NUL breaks logs and PDFs).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEPS = bytes.maketrans(b"[{]}", bytes([1, 1, 255, 255]))  # 255 is -1 as a signed byte


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
    max_body: int = MAX_BODY_BYTES
    too_large: str = "payload_too_large"  # the problem code of a body over `max_body`
    on_refusal: str | None = None  # "module:function" told of every refusal before the handler runs
    description: str = ""  # the handler's docstring: what the operation does and what it changes

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
    language: str
    request_id: str
    headers: Mapping[str, str] = field(default_factory=dict)
    localised: bool = False  # the handler read `lang`: the answer depends on Accept-Language

    @property
    def lang(self) -> str:
        """The request's language (zh or en). Reading it marks the answer as language-dependent, so
        that it carries `Content-Language` and `Vary: Accept-Language` (see `_respond`)."""
        self.localised = True
        return self.language

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


# What a route runs: the call in, a reply or a JSON body out (not the case's handling party, domain/case.py).
RouteHandler = Callable[[Call], Reply | Mapping[str, Any]]
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
    max_body: int = MAX_BODY_BYTES,
    too_large: str = "payload_too_large",
    on_refusal: str | None = None,
) -> Callable[[RouteHandler], RouteHandler]:
    def register(handler: RouteHandler) -> RouteHandler:
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
            max_body=max_body,
            too_large=too_large,
            on_refusal=on_refusal,
            description=inspect.getdoc(handler) or "",
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


def _serve(op: Operation, handler: RouteHandler, request: Request, path: dict[str, str]) -> Response:
    lang = negotiate_language(request.headers.get("accept-language"))
    request_id = request_id_of(request)
    try:
        principal = _authenticate(op, request)
        key = _idempotency_key(request) if op.idempotent_post else None
        try:
            call = Call(
                principal=principal,
                path=path,
                query=_parse_query(op, request),
                body=_parse_body(op, request),
                language=lang,
                request_id=request_id,
                headers=request.headers,
            )
        except HttpProblem as refused:
            if op.on_refusal is not None:
                load_model(op.on_refusal)(refused.code, _raw_body(request))
            raise
        run = _retrying_internal_conflicts(handler)
        if key is not None:
            return _idempotent(op, run, call, request, key)
        return _respond(op, run(call), request, call)
    except (HttpProblem, DomainError) as err:
        return problem_from_error(err, lang, request_path(request), request_id)


def _retrying_internal_conflicts(handler: RouteHandler) -> RouteHandler:
    """Run the use case again when its write lost to one the gateway itself made meanwhile (a
    partner's message applied, a file checked): the caller did nothing wrong and must not be told
    that someone else edited the case. A clerk's or applicant's concurrent edit still answers 409."""

    def run(call: Call) -> Reply | Mapping[str, Any]:
        for attempt in range(INTERNAL_RETRIES):
            try:
                return handler(call)
            except InternalConflict:
                if attempt == INTERNAL_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    return run


def _authenticate(op: Operation, request: Request) -> Principal | None:
    if op.roles is None:
        return None
    from chalicelib.container import token_verifier

    principal = token_verifier().authenticate_bearer(request.headers.get("authorization"))
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
    raw = _raw_body(request)
    if len(raw) > op.max_body:
        raise HttpProblem(op.too_large)
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise HttpProblem("json_too_deep")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise HttpProblem("malformed_json") from None
    if controls := control_character_fields(data):
        raise HttpProblem(
            "validation_failed", errors=[{"field": f, "code": "control_character"} for f in controls]
        )
    from pydantic import ValidationError

    model = load_model(op.request_model)
    try:
        # strict: a number, integer or boolean of the contract is one in the JSON, never a string
        return model.model_validate_json(raw, strict=True)
    except ValidationError as err:
        raise HttpProblem("validation_failed", errors=pydantic_errors(err)) from None


def _raw_body(request: Request) -> bytes:
    raw = request.raw_body or b""
    return raw if isinstance(raw, bytes) else raw.encode("utf-8")


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, counted without parsing it (brackets
    inside strings do not count), so that a hostile body never reaches a recursive parser.

    Linear in the body whatever it holds, and in C: escapes are dropped first, so that a string is
    then simply quote to quote, then strings, then everything but brackets; the depth is the
    highest running sum of +1 per opener and -1 per closer.
    """
    unescaped = _JSON_ESCAPE.sub(b"", raw)
    brackets = _JSON_STRING.sub(b"", unescaped).translate(None, _NOT_BRACKETS)
    return max(accumulate(array("b", brackets.translate(_BRACKET_STEPS))), default=0)


def control_character_fields(data: Any, path: str = "$", found: list[str] | None = None) -> list[str]:
    """Where a string (value or key) holds a control character; at most ten places."""
    found = [] if found is None else found
    if len(found) >= 10:
        return found
    if isinstance(data, str):
        if CONTROL_CHARACTERS.search(data):
            found.append(path)
    elif isinstance(data, dict):
        for name, value in data.items():
            at = str(name) if path == "$" else f"{path}.{name}"
            if CONTROL_CHARACTERS.search(str(name)):
                found.append(at)
            control_character_fields(value, at, found)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            control_character_fields(value, f"{path}.{index}" if path != "$" else str(index), found)
    return found[:10]


def pydantic_errors(err: Any) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "$", "code": e["type"], "message": e["msg"]}
        for e in err.errors(include_url=False, include_input=False)
    ]


def _respond(op: Operation, result: Reply | Mapping[str, Any], request: Request, call: Call) -> Response:
    reply = result if isinstance(result, Reply) else Reply(body=dict(result), status=op.status)
    if call.localised:  # texts in the request's language (RFC 9110 §8.5, §12.5.5)
        reply.headers = {"Content-Language": call.language, "Vary": "Accept-Language", **reply.headers}
    if isinstance(reply.body, str | bytes):  # a page or a PDF (e.g. a printable receipt), sent as it is
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


def _idempotent(op: Operation, handler: RouteHandler, call: Call, request: Request, key: str) -> Response:
    """Same key + same body → the first response again; same key + other body → 422."""
    from chalicelib.container import idempotency

    scope = idempotency_scope(call.principal, op.method, request.path, call.path, key)
    raw = request.raw_body or b""
    fingerprint = hashlib.sha256(raw if isinstance(raw, bytes) else raw.encode()).hexdigest()

    def produce() -> dict[str, Any]:
        response = _respond(op, handler(call), request, call)
        return {"status": response.status_code, "headers": response.headers, "body": response.body}

    stored, replayed = idempotency().run_once(scope, fingerprint, produce)
    headers = dict(stored["headers"])
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body=stored["body"], status_code=stored["status"], headers=headers)
