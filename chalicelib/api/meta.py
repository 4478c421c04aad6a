"""Meta routes: health, the problem type registry, and who the caller is."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.common import CATALOG_SCHEMAS as S
from chalicelib.api.endpoint import PUBLIC, Call, endpoint
from chalicelib.api.messages import PROBLEMS
from chalicelib.container import settings
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identifiers import PROBLEM_CODE_PATTERN, matches
from chalicelib.domain.identity import Role

meta = Blueprint(__name__)
VERSION = "0.1.0"


@endpoint(
    meta,
    "GET",
    "/v1/health",
    tag="meta",
    roles=PUBLIC,
    summary="Liveness of this gateway",
    response=S + "Health",
)
def health(call: Call) -> dict[str, Any]:
    current = settings()
    return {
        "status": "ok",
        "stage": current.stage,
        "version": VERSION,
        "province": {"code": current.province_code, "name": current.province_name},
    }


@endpoint(
    meta,
    "GET",
    "/v1/problems/{code}",
    tag="meta",
    roles=PUBLIC,
    etag=True,
    summary="What a problem type (problem+json `type`) means",
    response=S + "ProblemType",
    problems=("not_found",),
)
def get_problem_type(call: Call) -> dict[str, Any]:
    code = call.path["code"]
    if not matches(PROBLEM_CODE_PATTERN, code) or code not in PROBLEMS:
        raise NotFound()
    status, zh, en = PROBLEMS[code]
    return {"code": code, "status": status, "title_zh": zh, "title_en": en}


@endpoint(
    meta,
    "GET",
    "/v1/me",
    tag="meta",
    roles=tuple(Role),
    summary="The authenticated caller as the gateway sees it",
    response=S + "Me",
)
def me(call: Call) -> dict[str, Any]:
    p = call.actor
    return {
        "subject": p.subject,
        "role": p.role.value,
        "issuer": p.issuer,
        "province": p.province,
        "window": p.window,
        "authority": p.authority,
    }
