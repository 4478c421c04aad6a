"""Applicant API (移动端): drafts, form data, materials, submit, 补正, withdraw, my cases, result, 好差评.

Reads of one case (detail, timeline, audit, files, result) are shared with the handling clerks and
the province's operators; the service decides who may see which case.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import (
    APPLICANT,
    CASE_PROBLEMS,
    PAGING,
    READERS,
    case_number,
    cursor_of,
    lines,
    path_part,
    start_key,
    view,
)
from chalicelib.api.common import CASE_SCHEMAS as C
from chalicelib.api.endpoint import Call, QueryParam, Reply, endpoint
from chalicelib.api.http import HttpProblem, decode_cursor
from chalicelib.domain.case_states import Act
from chalicelib.domain.identity import Role

applicant = Blueprint(__name__)


@endpoint(
    applicant,
    "POST",
    "/v1/cases",
    tag="cases",
    roles=APPLICANT,
    status=201,
    summary="Open a draft case (草稿) for an item handled by this province",
    request=C + "DraftRequest",
    response=C + "CaseDetail",
    problems=(
        "validation_failed",
        "form_invalid",
        "item_not_found",
        "item_cancelled",
        "mode_not_supported",
        "province_not_served",
        "province_not_implemented",
        "applicant_not_caller",
        "applicant_kind_not_served",
        "assurance_too_low",
    ),
)
def open_draft(call: Call) -> Reply:
    case = container.cases().open_draft(call.actor, call.body.to_command())
    return Reply(view(call.actor, case, call.lang), 201, {"Location": f"/v1/cases/{case.number}"})


@endpoint(
    applicant,
    "GET",
    "/v1/cases",
    tag="cases",
    roles=APPLICANT,
    summary="My cases, newest first (compact lines for the app's list)",
    response=C + "CasePage",
    problems=("invalid_query", "invalid_cursor"),
    query=PAGING,
)
def my_cases(call: Call) -> dict[str, Any]:
    position = decode_cursor(call.query["cursor"]) if "cursor" in call.query else None
    items, following = container.cases().my_cases(call.actor, call.query["limit"], position)
    return {"items": lines(items, call.lang), "next_cursor": cursor_of(following)}


@endpoint(
    applicant,
    "GET",
    "/v1/cases/{number}",
    tag="cases",
    roles=READERS,
    etag=True,
    summary="A case with its materials, deadlines, progress card and the acts allowed to the caller",
    response=C + "CaseDetail",
    problems=CASE_PROBLEMS,
)
def get_case(call: Call) -> dict[str, Any]:
    return view(call.actor, container.cases().readable(call.actor, case_number(call)), call.lang)


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/form",
    tag="cases",
    roles=APPLICANT,
    summary="Replace the form data of a draft, a returned or a supplement-requested case",
    request=C + "FormRequest",
    response=C + "CaseDetail",
    problems=(*CASE_PROBLEMS, "form_invalid", "case_not_editable", "concurrent_modification"),
)
def update_form(call: Call) -> dict[str, Any]:
    case = container.cases().update_form(call.actor, case_number(call), call.body.to_command())
    return view(call.actor, case, call.lang)


def _applicant_act(act: Act, path: str, summary: str, request: str | None, problems: tuple[str, ...]) -> None:
    def handler(call: Call) -> dict[str, Any]:
        from chalicelib.domain.commands import Submit  # on use, like the request models (ADR 0002)

        command = Submit() if act is Act.SUBMIT else call.body.to_command(act)
        case = container.cases().act(call.actor, case_number(call), command)
        return view(call.actor, case, call.lang)

    handler.__name__ = act.value
    # A window clerk acts for the applicant of a case the window took in (代办), except submitting:
    # the window dispatches its intake package instead.
    roles = APPLICANT if act is Act.SUBMIT else (Role.APPLICANT, Role.WINDOW_CLERK)
    endpoint(
        applicant,
        "POST",
        f"/v1/cases/{{number}}/{path}",
        tag="cases",
        roles=roles,
        summary=summary,
        request=request,
        response=C + "CaseDetail",
        problems=(*CASE_PROBLEMS, "illegal_transition", "concurrent_modification", *problems),
    )(handler)


_applicant_act(
    Act.SUBMIT,
    "submit",
    "Submit the case (checks the form and that every required material is verified)",
    None,
    ("form_invalid", "materials_incomplete"),
)
_applicant_act(
    Act.ANSWER_SUPPLEMENT,
    "supplement-answer",
    "Answer a 补正 request once everything listed is given",
    C + "NoteRequest",
    ("supplement_incomplete",),
)
_applicant_act(
    Act.WITHDRAW, "withdraw", "Withdraw the application (撤回), before a decision", C + "WithdrawRequest", ()
)
_applicant_act(
    Act.DISCARD,
    "discard",
    "Discard a draft (删除草稿): it stays listed as discarded, with its timeline",
    C + "WithdrawRequest",
    (),
)


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/materials/{slot}/uploads",
    tag="materials",
    roles=APPLICANT,
    status=201,
    summary="A presigned PUT for one file of a material slot, bound to its type, size and SHA-256",
    request=C + "UploadRequest",
    response=C + "UploadOut",
    problems=(
        *CASE_PROBLEMS,
        "material_slot_not_found",
        "upload_not_allowed",
        "case_not_editable",
        "too_many_files",
    ),
)
def request_upload(call: Call) -> Reply:
    slot = path_part(call, "slot", "material_slot_not_found")
    ticket = container.materials().request_upload(call.actor, case_number(call), slot, call.body.to_command())
    return Reply(ticket, 201)


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/files/{file_id}/confirm",
    tag="materials",
    roles=(Role.APPLICANT, Role.AUTHORITY_CLERK, Role.WINDOW_CLERK),
    summary="Upload done: the gateway checks the object now (size, type, SHA-256) and answers its verdict",
    response=C + "FileOut",
    problems=(*CASE_PROBLEMS, "file_not_found"),
)
def confirm_upload(call: Call) -> dict[str, Any]:
    file_id = path_part(call, "file_id", "file_not_found")
    return container.materials().confirm(call.actor, case_number(call), file_id)


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/materials/{slot}/licences",
    tag="materials",
    roles=APPLICANT,
    status=201,
    summary="Give an e-licence (电子证照, trust level A) instead of uploading a file",
    request=C + "LicenceRequest",
    response=C + "FileOut",
    problems=(
        *CASE_PROBLEMS,
        "material_slot_not_found",
        "licence_not_usable",
        "licence_not_accepted_for_slot",
        "entrustment_not_verified",
    ),
)
def attach_licence(call: Call) -> Reply:
    slot = path_part(call, "slot", "material_slot_not_found")
    file = container.materials().attach_licence(call.actor, case_number(call), slot, call.body.reference)
    return Reply(file, 201)


@endpoint(
    applicant,
    "GET",
    "/v1/cases/{number}/files/{file_id}",
    tag="materials",
    roles=READERS,
    summary="A short-lived presigned GET for one verified file of the case",
    response=C + "DownloadOut",
    problems=(*CASE_PROBLEMS, "file_not_found"),
)
def download_file(call: Call) -> dict[str, Any]:
    file_id = path_part(call, "file_id", "file_not_found")
    return container.materials().download(call.actor, case_number(call), file_id)


@endpoint(
    applicant,
    "GET",
    "/v1/cases/{number}/result",
    tag="cases",
    roles=READERS,
    summary="The result: a download link, the e-licence reference or the mail tracking (送达 on first fetch)",
    response=C + "ResultOut",
    problems=(*CASE_PROBLEMS, "result_not_issued"),
)
def get_result(call: Call) -> dict[str, Any]:
    return container.materials().result(call.actor, case_number(call))


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/rating",
    tag="cases",
    roles=APPLICANT,
    status=201,
    summary="好差评: rate the handling once; 不满意 or 非常不满意 opens a rectification (整改)",
    request=C + "RatingRequest",
    response=C + "CaseDetail",
    problems=(*CASE_PROBLEMS, "already_rated", "not_yet_rateable", "concurrent_modification"),
)
def rate_case(call: Call) -> Reply:
    case = container.ratings().rate(call.actor, case_number(call), call.body.to_rating())
    return Reply(view(call.actor, case, call.lang), 201)


@endpoint(
    applicant,
    "GET",
    "/v1/cases/{number}/timeline",
    tag="cases",
    roles=READERS,
    summary="Every act on the case in order, each sealed into the case's hash chain",
    response=C + "Timeline",
    problems=CASE_PROBLEMS,
)
def get_timeline(call: Call) -> dict[str, Any]:
    from chalicelib.services.case_views import timeline_view

    case, events = container.cases().timeline(call.actor, case_number(call))
    return {"events": timeline_view(case, events, call.lang)}


@endpoint(
    applicant,
    "GET",
    "/v1/cases/{number}/audit",
    tag="cases",
    roles=READERS,
    summary="Verify the case's audit hash chain; reports the first broken link",
    response=C + "AuditReport",
    problems=CASE_PROBLEMS,
)
def verify_audit(call: Call) -> dict[str, Any]:
    case, report = container.cases().verify_audit(call.actor, case_number(call))
    return {
        "ok": report.ok,
        "length": report.length,
        "first_broken": report.first_broken,
        "reason": report.reason,
        "last_hash": case.last_hash,
    }


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/reveal",
    tag="cases",
    roles=(Role.AUTHORITY_CLERK, Role.WINDOW_CLERK, Role.OPERATOR),
    summary="查看明文: the clear values of personal fields, for the handling clerk or the intake window; "
    "recorded on the audit chain, shown to the applicant, rate-limited per clerk",
    request=C + "RevealRequest",
    response=C + "RevealOut",
    problems=(
        *CASE_PROBLEMS,
        "reveal_not_allowed",
        "reveal_rate_limited",
        "validation_failed",
        "concurrent_modification",
    ),
)
def reveal_personal_data(call: Call) -> Reply:
    revealed = container.reveals().reveal(call.actor, case_number(call), call.body.to_command())
    return Reply(revealed, 200, {"Cache-Control": "no-store"})


@endpoint(
    applicant,
    "POST",
    "/v1/cases/{number}/entrustment/authorise",
    tag="cases",
    roles=APPLICANT,
    summary="授权 (委托代办): the applicant (委托人), logged in with their own verified identity, "
    "authorises the agent who filed the case; recorded on the audit chain",
    response=C + "CaseDetail",
    problems=(
        *CASE_PROBLEMS,
        "entrustment_not_needed",
        "entrustment_already_verified",
        "case_not_editable",
        "concurrent_modification",
    ),
)
def authorise_entrustment(call: Call) -> dict[str, Any]:
    case = container.cases().authorise_entrustment(call.actor, case_number(call))
    return view(call.actor, case, call.lang)


@endpoint(
    applicant,
    "GET",
    "/v1/me/notices",
    tag="cases",
    roles=APPLICANT,
    etag=True,
    summary="My notices (消息), newest first: every change of my cases I should hear of, each read or "
    "unread, with the unread count; `since` gives only those later than a time",
    response=C + "NoticePage",
    problems=("invalid_query", "invalid_cursor"),
    query=(*PAGING, QueryParam("since", "RFC 3339 date-time: only notices later than it", max_length=40)),
)
def my_notices(call: Call) -> dict[str, Any]:
    cases = container.cases()
    from chalicelib.domain.case_acts import render_notice
    from chalicelib.domain.clock import parse_rfc3339

    since = None
    if "since" in call.query:
        try:
            since = parse_rfc3339(call.query["since"])
        except ValueError:
            raise HttpProblem("invalid_query", errors=[{"field": "since", "code": "format"}]) from None
    inbox = container.notices().inbox(cases.owner_of(call.actor), since, call.query["limit"], start_key(call))
    items = [render_notice(notice, call.lang) for notice in inbox["items"]]
    return {
        "items": items,
        "next_cursor": cursor_of(inbox["last_key"]),
        "unread": inbox["unread"],
        "read_up_to": inbox["read_up_to"],
    }
