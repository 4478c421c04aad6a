"""Authority API (审批机关): the inbox, every act of handling, result documents and rectifications."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import (
    AUTHORITY_CLERK,
    CASE_PROBLEMS,
    PAGING,
    RECTIFICATION_QUERY,
    STATES,
    case_number,
    cursor_of,
    lines,
    rectification_page,
    start_key,
    view,
)
from chalicelib.api.common import CASE_SCHEMAS as C
from chalicelib.api.endpoint import Call, QueryParam, Reply, endpoint
from chalicelib.domain.case_states import RESULT_SLOT, Act
from chalicelib.domain.identifiers import DATE_PATTERN

authority = Blueprint(__name__)


@endpoint(
    authority,
    "GET",
    "/v1/authority/cases",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="The clerk's inbox: open cases of their authority, most urgent first",
    response=C + "CasePage",
    problems=("invalid_query", "invalid_cursor"),
    query=(
        QueryParam("state", "only cases in this state", enum=STATES),
        QueryParam("due_before", "only cases due on or before this date (YYYY-MM-DD)", pattern=DATE_PATTERN),
        *PAGING,
    ),
)
def inbox(call: Call) -> dict[str, Any]:
    page = container.case_queries().inbox(
        call.actor,
        call.query["limit"],
        start_key(call),
        due_before=call.query.get("due_before"),
        state=call.query.get("state"),
    )
    return {"items": lines(page.items, call.lang), "next_cursor": cursor_of(page.last_key)}


CLERK_ACTS: list[tuple[Act, str, str, str | None, tuple[str, ...]]] = [
    (Act.PASS_PRE_REVIEW, "pre-review/pass", "预审通过", C + "NoteRequest", ()),
    (
        Act.RETURN_PRE_REVIEW,
        "pre-review/return",
        "预审退回, with the reasons (a case from a partner province asks for 补正 instead)",
        C + "ReturnRequest",
        ("pre_review_return_not_across",),
    ),
    (
        Act.ACCEPT,
        "accept",
        "受理; 容缺受理 with deferred non-key materials and a commitment",
        C + "AcceptRequest",
        (
            "materials_incomplete",
            "material_not_deferrable",
            "deferred_acceptance_not_allowed",
            "entrustment_not_verified",
        ),
    ),
    (Act.REFUSE, "refuse", "不予受理, with the reason and its legal basis", C + "RefuseRequest", ()),
    (
        Act.REQUEST_SUPPLEMENT,
        "supplement-request",
        "补正: everything missing, at once (一次性告知)",
        C + "SupplementRequest",
        (),
    ),
    (Act.START_REVIEW, "review", "审核: start the review", C + "NoteRequest", ("not_yet_accepted",)),
    (Act.SUSPEND, "suspend", "特别程序 (现场踏勘/专家论证/听证): stop the clock", C + "SuspendRequest", ()),
    (Act.RESUME, "resume", "End the special procedure: the clock runs again", C + "NoteRequest", ()),
    (
        Act.DECIDE,
        "decide",
        "决定: approve (告知承诺制 on commitment where allowed) or deny with reasons",
        C + "DecideRequest",
        ("deferred_materials_outstanding", "commitment_not_allowed"),
    ),
    (
        Act.ACCEPT_AND_DECIDE,
        "accept-and-decide",
        "即办件: accept and decide in one act",
        C + "DecideRequest",
        ("not_an_immediate_item", "materials_incomplete", "entrustment_not_verified"),
    ),
    (
        Act.ISSUE_RESULT,
        "issue-result",
        "出证: an uploaded document, an e-licence, or mail with tracking",
        C + "IssueResultRequest",
        ("result_document_not_ready",),
    ),
    (
        Act.DELIVER,
        "deliver",
        "送达 recorded by the clerk (mail signed for, window pick-up)",
        C + "DeliverRequest",
        (),
    ),
    (Act.CLOSE, "close", "办结归档", C + "NoteRequest", ("originals_not_returned",)),
]


def _clerk_act(act: Act, path: str, summary: str, request: str | None, problems: tuple[str, ...]) -> None:
    def handler(call: Call) -> dict[str, Any]:
        command = call.body.to_command(act)  # every clerk act has a body (the route's request model)
        case = container.cases().act(call.actor, case_number(call), command)
        return view(call.actor, case, call.lang)

    handler.__name__ = f"clerk_{act.value}"
    endpoint(
        authority,
        "POST",
        f"/v1/authority/cases/{{number}}/{path}",
        tag="authority",
        roles=AUTHORITY_CLERK,
        summary=summary,
        request=request,
        response=C + "CaseDetail",
        problems=(
            *CASE_PROBLEMS,
            "illegal_transition",
            "concurrent_modification",
            "validation_failed",
            *problems,
        ),
    )(handler)


for _act, _path, _summary, _request, _problems in CLERK_ACTS:
    _clerk_act(_act, _path, _summary, _request, _problems)


@endpoint(
    authority,
    "POST",
    "/v1/authority/cases/{number}/result-uploads",
    tag="authority",
    roles=AUTHORITY_CLERK,
    status=201,
    summary="A presigned PUT for the result document (PDF) of a decided case",
    request=C + "UploadRequest",
    response=C + "UploadOut",
    problems=(*CASE_PROBLEMS, "upload_not_allowed", "case_not_editable"),
)
def request_result_upload(call: Call) -> Reply:
    ticket = container.materials().request_upload(
        call.actor, case_number(call), RESULT_SLOT, call.body.to_command()
    )
    return Reply(ticket, 201)


@endpoint(
    authority,
    "POST",
    "/v1/authority/cases/{number}/entrustment/verify",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="委托核验: the handling clerk's check of the 授权委托书 of a case filed by an agent "
    "(代理人); recorded on the audit chain, and acceptance waits for it",
    request=C + "EntrustmentVerifyRequest",
    response=C + "CaseDetail",
    problems=(
        *CASE_PROBLEMS,
        "entrustment_not_needed",
        "entrustment_already_verified",
        "entrustment_document_missing",
        "case_not_editable",
        "validation_failed",
        "concurrent_modification",
    ),
)
def verify_entrustment(call: Call) -> dict[str, Any]:
    body = call.body
    case = container.cases().verify_entrustment(call.actor, case_number(call), body.verified, body.reason)
    return view(call.actor, case, call.lang)


@endpoint(
    authority,
    "GET",
    "/v1/authority/rectifications",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="Rectifications (整改) opened by bad ratings of the clerk's authority, due first",
    response=C + "RectificationPage",
    problems=("invalid_query", "invalid_cursor"),
    query=RECTIFICATION_QUERY,
)
def authority_rectifications(call: Call) -> dict[str, Any]:
    return rectification_page(call)


@endpoint(
    authority,
    "POST",
    "/v1/authority/rectifications/{number}/follow-up",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="回访: close a rectification with what was done and what the applicant said",
    request=C + "FollowUpRequest",
    response=C + "Rectification",
    problems=(*CASE_PROBLEMS, "rectification_not_found", "rectification_closed"),
)
def follow_up(call: Call) -> dict[str, Any]:
    return container.ratings().follow_up(call.actor, case_number(call), call.body.to_command())
