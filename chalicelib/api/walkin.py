"""Walk-in applicants (窗口申请人) and notices: the public progress card and rating by case number +
查询码 (no token), the window's rating device and follow-up of its own rectification, and the read
mark of an app user's notices. (The local SMS stand-in's outbox is an operator's route: api/ops.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import APPLICANT, CASE_PROBLEMS, WINDOW_CLERK, case_number, view
from chalicelib.api.common import CASE_SCHEMAS as C
from chalicelib.api.common import WALKIN_SCHEMAS as K
from chalicelib.api.endpoint import PUBLIC, Call, QueryParam, Reply, endpoint

walkin = Blueprint(__name__)
# The code is a credential: not cached anywhere, not sent on as a Referer.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PUBLIC_PROBLEMS = ("case_not_found", "public_lookup_rate_limited")
RATING_PROBLEMS = (
    "already_rated",
    "not_yet_rateable",
    "rating_target_not_applicable",
    "concurrent_modification",
)


def client_address(call: Call) -> str:
    """The caller's address as API Gateway saw it (never a header the caller can set)."""
    request = walkin.current_request
    context = (request.context if request is not None else None) or {}
    return str((context.get("identity") or {}).get("sourceIp") or "unknown")


def public_card(call: Call, status: int, answer: Callable[..., dict[str, Any]], given: Any) -> Reply:
    """The public progress card `answer` gives for the case in the path, what the caller `given`
    and their address (the rate limit's): never cached, never sent on as a Referer."""
    card = answer(case_number(call), given, client_address(call), call.lang)
    return Reply(card, status, dict(PRIVATE))


@endpoint(
    walkin,
    "GET",
    "/v1/public/cases/{number}/progress",
    tag="public",
    roles=PUBLIC,
    summary="进度查询 of a walk-in applicant: the progress card by case number + 查询码, no personal data; "
    "an unknown number and a wrong code are answered alike; rate-limited per address and per number",
    response=K + "PublicProgress",
    problems=PUBLIC_PROBLEMS,
    query=(QueryParam("code", "查询码 printed on the receipt", max_length=20),),
)
def public_progress(call: Call) -> Reply:
    return public_card(call, 200, container.walk_ins().progress, call.query.get("code"))


@endpoint(
    walkin,
    "POST",
    "/v1/public/cases/{number}/rating",
    tag="public",
    roles=PUBLIC,
    status=201,
    summary="好差评 through the public link (case number + 查询码): once per target, after the result; "
    "不满意 or 非常不满意 opens a rectification (整改) where the rated authority or window is",
    request=K + "PublicRatingRequest",
    response=K + "PublicProgress",
    problems=(*PUBLIC_PROBLEMS, *RATING_PROBLEMS),
)
def public_rating(call: Call) -> Reply:
    return public_card(call, 201, container.walk_ins().rate, call.body.to_command())


@endpoint(
    walkin,
    "POST",
    "/v1/window/cases/{number}/rating",
    tag="window",
    roles=WINDOW_CLERK,
    status=201,
    summary="好差评 given on the window's rating device (评价器), recorded by the window that took the case "
    "in: the handling authority's service or the window's own (`target`)",
    request=C + "RatingRequest",
    response=C + "CaseDetail",
    problems=(*CASE_PROBLEMS, *RATING_PROBLEMS),
)
def window_rating(call: Call) -> Reply:
    case = container.ratings().rate_at_window(call.actor, case_number(call), call.body.to_rating())
    return Reply(view(call.actor, case, call.lang), 201)


@endpoint(
    walkin,
    "POST",
    "/v1/window/cases/{number}/rectification/follow-up",
    tag="window",
    roles=WINDOW_CLERK,
    summary="回访: close the rectification of a bad rating of the window's own service",
    request=C + "FollowUpRequest",
    response=C + "Rectification",
    problems=(*CASE_PROBLEMS, "rectification_not_found", "rectification_closed", "concurrent_modification"),
)
def window_follow_up(call: Call) -> dict[str, Any]:
    return container.ratings().follow_up_at_window(call.actor, case_number(call), call.body.to_command())


@endpoint(
    walkin,
    "POST",
    "/v1/me/notices/read",
    tag="cases",
    roles=APPLICANT,
    summary="Mark my notices read up to a time (default: all of them now); the mark never moves back",
    request=K + "ReadRequest",
    response=K + "ReadOut",
)
def read_notices(call: Call) -> dict[str, Any]:
    up_to = call.body.up_to or container.current().clock()
    return container.notices().mark_read(container.cases().owner_of(call.actor), up_to)
