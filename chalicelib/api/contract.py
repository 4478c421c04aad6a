"""The OpenAPI 3.1 contract, generated from the registered operations and their pydantic models.

`python -m chalicelib.api.contract` prints it; `make openapi` writes openapi/openapi.json, and a
test fails when the file drifts from what the code declares.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.api.common import PATH_PARAMETERS
from chalicelib.api.endpoint import OPERATIONS, Operation, load_model
from chalicelib.api.glossary import describe_fields
from chalicelib.api.messages import PROBLEMS
from chalicelib.domain.identifiers import IDEMPOTENCY_KEY_PATTERN, PROBLEM_CODE_PATTERN
from chalicelib.domain.identity import Role

REF = "#/components/schemas/{model}"
PROBLEM_CODE_PARAMETER = (PROBLEM_CODE_PATTERN, "problem code")
HEADER = {
    "X-Request-Id": {
        "description": "Request id, also in every log line of the request",
        "schema": {"type": "string"},
    },
}

# Tags group the operations by who uses them; each is described once, here.
TAGS: dict[str, str] = {
    "catalog": "政务服务事项目录: the item catalog, 办事指南 and published versions; public reads.",
    "calendar": "The working-day calendar (工作日) every time limit is counted in.",
    "cases": "办件: the applicant's cases from draft to result, and reads shared by everyone at a case.",
    "materials": "申请材料: uploads through presigned URLs, e-licences (电子证照) and their checks.",
    "authority": "The handling authority's clerk (审批机关): inbox, 受理, 补正, 决定, 出证, rectifications.",
    "window": "The 跨省通办 window (专窗): proxy intake (异地代收), receipts, dispatch, shipments, 出件.",
    "exchange": "The exchange between provinces: signed messages, receipts, file fetch, keys.",
    "ops": "The province's operator: catalog publishing, calendar, partners, dead letters, audits.",
    "meta": "Health, the caller, and the meaning of every problem code.",
    "public": "Walk-in applicants (no app, no token): progress by case number and 查询码, rating.",
}
ROLE_TEXT: dict[Role, str] = {
    Role.APPLICANT: "an applicant (mobile app, a token carrying their verified identity, 实名认证)",
    Role.WINDOW_CLERK: "a clerk of a 跨省通办 window of this province",
    Role.AUTHORITY_CLERK: "a clerk of a handling authority of this province",
    Role.OPERATOR: "this province's operator",
    Role.PARTNER: "a partner province",
}
CONVENTION_PROBLEMS = frozenset(
    {
        "invalid_query",
        "malformed_json",
        "json_too_deep",
        "payload_too_large",
        "unsupported_media_type",
        "validation_failed",
        "idempotency_key_required",
        "idempotency_key_invalid",
        "idempotency_key_reused",
        "idempotency_in_progress",
        "token_missing",
        "token_invalid",
        "token_expired",
        "token_lifetime_exceeded",
        "forbidden",
        "identity_claims_missing",
        "not_found",
    }
)


def describe(op: Operation) -> str:
    """The operation in words: what it does and changes, who may call it, which problems it has."""
    what = op.description or f"{op.summary}."
    if op.method == "GET":
        what += "\n\nReads only: changes nothing."
    elif op.idempotent_post:
        what += "\n\nThe same `Idempotency-Key` with the same body replays the first response."
    if op.roles is None:
        who = "Who may call: anyone, without a token."
    else:
        who = "Who may call: " + "; ".join(ROLE_TEXT[r] for r in op.roles) + "."
    own = [c for codes in _problem_statuses(op).values() for c in codes if c not in CONVENTION_PROBLEMS]
    problems = (
        "Problems of its own: " + ", ".join(f"`{c}` ({PROBLEMS[c][0]})" for c in own) + "; "
        if own
        else "Problems: "
    )
    problems += "the conventions' (token, idempotency, validation) as listed under responses."
    return "\n\n".join((what, who, problems))


def _model_name(ref: str) -> str:
    return ref.partition(":")[2]


def _problem_statuses(op: Operation) -> dict[int, list[str]]:
    codes = list(op.problems)
    if op.query:
        codes.append("invalid_query")
    if op.request_model:
        codes += ["malformed_json", "json_too_deep", op.too_large]
        codes += ["unsupported_media_type", "validation_failed"]
    if op.idempotent_post:
        codes += [
            "idempotency_key_required",
            "idempotency_key_invalid",
            "idempotency_key_reused",
            "idempotency_in_progress",
        ]
    if op.roles is not None:
        codes += ["token_missing", "token_invalid", "token_expired", "token_lifetime_exceeded", "forbidden"]
        if "applicant" in op.roles:
            codes.append("identity_claims_missing")
    if "{" in op.path:
        codes.append("not_found")
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(PROBLEMS[code][0], []).append(code)
    return by_status


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in re.findall(r"\{(\w+)\}", op.path):
        pattern, description = (
            PROBLEM_CODE_PARAMETER if op.path.startswith("/v1/problems/") else PATH_PARAMETERS[name]
        )
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": {"type": "string", "pattern": pattern},
            }
        )
    for q in op.query:
        schema: dict[str, Any] = {"type": q.kind}
        if q.kind == "integer":
            schema |= {
                k: v
                for k, v in (("minimum", q.minimum), ("maximum", q.maximum), ("default", q.default))
                if v is not None
            }
        else:
            schema["maxLength"] = q.max_length
            if q.enum:
                schema["enum"] = list(q.enum)
            if q.pattern:
                schema["pattern"] = q.pattern
        params.append(
            {"name": q.name, "in": "query", "required": False, "description": q.description, "schema": schema}
        )
    params.append(
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "description": "zh (default) or en",
            "schema": {"type": "string"},
        }
    )
    if op.idempotent_post:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "Same key and body replay the first response",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
            }
        )
    if op.etag:
        params.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "ETag of a cached copy",
                "schema": {"type": "string"},
            }
        )
    return params


def _operation(op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": op.summary, "headers": dict(HEADER)}
    if op.response_model:
        success["content"] = {
            "application/json": {"schema": {"$ref": REF.format(model=_model_name(op.response_model))}}
        }
    if op.etag:
        success["headers"]["ETag"] = {"schema": {"type": "string"}}
    responses: dict[str, Any] = {str(op.status): success}
    if op.etag:
        responses["304"] = {"description": "Not modified", "headers": dict(HEADER)}
    for status, codes in sorted(_problem_statuses(op).items()):
        responses[str(status)] = {
            "description": "Problem: " + ", ".join(codes),
            "headers": dict(HEADER),
            "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    spec: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": describe(op),
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": responses,
        "security": [{"bearer": []}] if op.roles is not None else [],
    }
    if op.roles is not None:
        spec["x-roles"] = [r.value for r in op.roles]
    if op.request_model:
        spec["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=_model_name(op.request_model))}}
            },
        }
    return spec


def build_spec() -> dict[str, Any]:
    import app  # noqa: F401  (registers every operation)

    refs = {r for op in OPERATIONS for r in (op.request_model, op.response_model) if r}
    refs.add("chalicelib.api.schemas:Problem")
    models: list[Any] = [(load_model(r), "validation") for r in sorted(refs)]
    _, defs = models_json_schema(models, ref_template=REF)
    schemas = describe_fields(defs.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tongban Gateway (跨省通办网关)",
            "version": "0.1.0",
            "contact": {"name": "The operators of each province's gateway (跨省通办网关运维)"},
            "description": "One gateway per province for cross-province government services. "
            "Errors are RFC 9457 problem+json with a stable `code`; POST needs "
            "`Idempotency-Key`; times are RFC 3339 in +08:00; money in fen.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (ES256 or RS256)"}
            },
        },
    }


def render() -> str:
    return json.dumps(build_spec(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
