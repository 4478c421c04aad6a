"""Window API (跨省通办专窗): remote proxy intake for another province, the window's queue,
shipments, the hand-over of results, and video consultation for a case."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import (
    APPLICANT,
    CASE_PROBLEMS,
    PAGING,
    READERS,
    STATES,
    WINDOW_CLERK,
    case_number,
    cursor_of,
    lines,
    path_part,
    start_key,
    view,
)
from chalicelib.api.common import CASE_SCHEMAS as C
from chalicelib.api.common import WINDOW_SCHEMAS as W
from chalicelib.api.endpoint import PUBLIC, Call, QueryParam, Reply, endpoint
from chalicelib.domain.identity import Role

window = Blueprint(__name__)
PDF_TYPE = "application/pdf"
BINDING_PROBLEMS = (
    "binding_code_invalid",
    "binding_code_issuer_unknown",
    "binding_code_expired",
    "binding_code_used",
    "binding_code_holder_mismatch",
)


@endpoint(
    window,
    "POST",
    "/v1/window/intakes",
    tag="window",
    roles=WINDOW_CLERK,
    status=201,
    summary="异地代收: open a case for an item another province handles, after the in-person identity check",
    request=W + "IntakeRequest",
    response=C + "CaseDetail",
    problems=(
        "validation_failed",
        "form_invalid",
        "item_not_found",
        "mode_not_supported",
        "province_not_served",
        "applicant_kind_not_served",
        *BINDING_PROBLEMS,
    ),
)
def open_intake(call: Call) -> Reply:
    case = container.window().open_intake(call.actor, call.body.to_command())
    return Reply(view(call.actor, case, call.lang), 201, {"Location": f"/v1/cases/{case.number}"})


@endpoint(
    window,
    "POST",
    "/v1/me/binding-codes",
    tag="window",
    roles=APPLICANT,
    status=201,
    summary="绑定码: a ten-minute, single-use code (show it as a QR code) that lets a window link "
    "this app account to an intake of the same person",
    response=W + "BindingCodeOut",
    problems=("binding_code_identity_missing",),
)
def issue_binding_code(call: Call) -> Reply:
    return Reply(container.binding().issue(call.actor), 201)


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/app-account",
    tag="window",
    roles=WINDOW_CLERK,
    summary="Link the applicant's app account to an intake not yet dispatched, with their binding code",
    request=W + "AppAccountBindRequest",
    response=C + "CaseDetail",
    problems=(
        *CASE_PROBLEMS,
        *BINDING_PROBLEMS,
        "case_not_editable",
        "app_account_already_bound",
        "concurrent_modification",
    ),
)
def bind_app_account(call: Call) -> dict[str, Any]:
    case = container.window().bind_app_account(call.actor, case_number(call), call.body.binding_code)
    return view(call.actor, case, call.lang)


@endpoint(
    window,
    "GET",
    "/v1/window/cases",
    tag="window",
    roles=WINDOW_CLERK,
    summary="The window's queue: its intakes, most urgent first (returned 补正 requests included)",
    response=C + "CasePage",
    problems=("invalid_query", "invalid_cursor"),
    query=(QueryParam("state", "only cases in this state", enum=STATES), *PAGING),
)
def window_queue(call: Call) -> dict[str, Any]:
    page = container.window().queue(call.actor, call.query["limit"], start_key(call), call.query.get("state"))
    return {"items": lines(page.items, call.lang), "next_cursor": cursor_of(page.last_key)}


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/consent",
    tag="window",
    roles=WINDOW_CLERK,
    summary="Record the applicant's signed consent to proxy handling (服务同意书); a paper consent "
    "names its scan, uploaded into the `consent` slot",
    request=W + "ConsentRequest",
    response=C + "CaseDetail",
    problems=(*CASE_PROBLEMS, "concurrent_modification", "consent_file_not_in_case"),
)
def record_consent(call: Call) -> dict[str, Any]:
    return view(
        call.actor,
        container.window().record_consent(call.actor, case_number(call), call.body.to_command()),
        call.lang,
    )


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/materials/{slot}/uploads",
    tag="window",
    roles=WINDOW_CLERK,
    status=201,
    summary="A presigned PUT for a scanned material, bound to its type, size and SHA-256",
    request=C + "UploadRequest",
    response=C + "UploadOut",
    problems=(*CASE_PROBLEMS, "material_slot_not_found", "upload_not_allowed", "case_not_editable"),
)
def window_upload(call: Call) -> Reply:
    slot = path_part(call, "slot", "material_slot_not_found")
    ticket = container.materials().request_upload(call.actor, case_number(call), slot, call.body.to_command())
    return Reply(ticket, 201)


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/files/{file_id}/original-check",
    tag="window",
    roles=WINDOW_CLERK,
    summary="原件核验: the scan matches the original (trust level B); mark the original to be mailed",
    request=W + "OriginalCheckRequest",
    response=C + "CaseDetail",
    problems=(*CASE_PROBLEMS, "file_not_found"),
)
def check_original(call: Call) -> dict[str, Any]:
    file_id = path_part(call, "file_id", "file_not_found")
    case = container.window().check_original(call.actor, case_number(call), file_id, call.body.to_command())
    return view(call.actor, case, call.lang)


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/receipt",
    tag="window",
    roles=WINDOW_CLERK,
    summary="Issue the intake receipt (收件告知单) as data",
    response=W + "IntakeReceipt",
    problems=CASE_PROBLEMS,
)
def issue_receipt(call: Call) -> dict[str, Any]:
    return container.receipts().issue(call.actor, case_number(call), call.lang)


@endpoint(
    window,
    "GET",
    "/v1/window/cases/{number}/receipt.html",
    tag="window",
    roles=WINDOW_CLERK,
    summary="The intake receipt (收件告知单) as a printable A4 page, in the request's language",
    problems=CASE_PROBLEMS,
)
def receipt_page(call: Call) -> Reply:
    page = container.receipts().render(call.actor, case_number(call), "html", call.lang)
    return Reply(page, 200, {"Content-Type": "text/html; charset=utf-8"})


@endpoint(
    window,
    "GET",
    "/v1/window/cases/{number}/receipt.pdf",
    tag="window",
    roles=WINDOW_CLERK,
    summary="The intake receipt (收件告知单) as an A4 PDF with the QR code to progress and rating",
    problems=(*CASE_PROBLEMS, "binary_not_accepted"),
)
def receipt_pdf(call: Call) -> Reply:
    pdf = container.receipts().render(call.actor, case_number(call), "pdf", call.lang)
    return Reply(pdf, 200, {"Content-Type": PDF_TYPE, **_inline(case_number(call))})


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/receipt/print-link",
    tag="window",
    roles=WINDOW_CLERK,
    status=201,
    summary="Signed links (five minutes) that open the receipt's PDF or page without a token, for "
    "the window's browser to print; in the request's language",
    response=W + "ReceiptPrintLink",
    problems=CASE_PROBLEMS,
)
def receipt_print_link(call: Call) -> Reply:
    return Reply(container.receipts().print_link(call.actor, case_number(call), call.lang), 201)


@endpoint(
    window,
    "GET",
    "/v1/print/receipts/{number}",
    tag="window",
    roles=PUBLIC,
    summary="A receipt opened through its signed print link (no token): the PDF or the A4 page",
    problems=(
        "print_link_invalid",
        "print_link_expired",
        "case_not_found",
        "invalid_query",
        "binary_not_accepted",
    ),
    query=(
        QueryParam("format", "pdf or html, as signed", enum=("pdf", "html")),
        QueryParam("lang", "zh or en, as signed", enum=("zh", "en")),
        QueryParam("expires", "Unix seconds, as signed", pattern=r"^[0-9]{1,12}$", max_length=12),
        QueryParam("sig", "the link's signature", pattern=r"^[A-Za-z0-9_\-]{43}$", max_length=43),
    ),
)
def printable_receipt(call: Call) -> Reply:
    number = case_number(call)
    fmt, content = container.receipts().printable(number, call.query)
    # in the language the link was signed for, whatever the browser's Accept-Language
    headers = {"Content-Language": call.query["lang"], "Cache-Control": "no-store"}
    if fmt == "pdf":
        return Reply(content, 200, {"Content-Type": PDF_TYPE, **_inline(number), **headers})
    return Reply(content, 200, {"Content-Type": "text/html; charset=utf-8", **headers})


def _inline(number: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="receipt-{number}.pdf"'}


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/dispatch",
    tag="window",
    roles=WINDOW_CLERK,
    summary="Dispatch the intake package to the handling province (signed message, files by reference)",
    response=C + "CaseDetail",
    problems=(
        *CASE_PROBLEMS,
        "consent_missing",
        "originals_unaccounted",
        "materials_incomplete",
        "form_invalid",
        "illegal_transition",
    ),
)
def dispatch(call: Call) -> dict[str, Any]:
    return view(call.actor, container.window().dispatch(call.actor, case_number(call)), call.lang)


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/handover",
    tag="window",
    roles=WINDOW_CLERK,
    summary="出件: hand the result over at the window after an identity check",
    request=W + "HandoverRequest",
    response=C + "CaseDetail",
    problems=(*CASE_PROBLEMS, "identity_not_checked", "illegal_transition"),
)
def hand_over(call: Call) -> dict[str, Any]:
    return view(
        call.actor,
        container.window().hand_over(
            call.actor, case_number(call), call.body.to_whom, call.body.identity_checked
        ),
        call.lang,
    )


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/shipments",
    tag="window",
    roles=WINDOW_CLERK,
    status=201,
    summary="Record a shipment (资料寄递): originals to the handling province, or a result on its way",
    request=W + "ShipmentRequest",
    response=W + "Shipment",
    problems=(*CASE_PROBLEMS, "shipment_already_recorded"),
)
def add_shipment(call: Call) -> Reply:
    shipment = container.window().add_shipment(call.actor, case_number(call), call.body.to_command())
    return Reply(shipment, 201)


@endpoint(
    window,
    "POST",
    "/v1/window/cases/{number}/shipments/{shipment_id}/events",
    tag="window",
    roles=WINDOW_CLERK,
    summary="A shipment's status event (in transit, delivered, returned); forward only",
    request=W + "ShipmentEventRequest",
    response=W + "Shipment",
    problems=(*CASE_PROBLEMS, "shipment_not_found", "shipment_event_out_of_order"),
)
def shipment_event(call: Call) -> dict[str, Any]:
    shipment_id = path_part(call, "shipment_id", "shipment_not_found")
    return container.window().shipment_event(
        call.actor, case_number(call), shipment_id, call.body.to_command()
    )


@endpoint(
    window,
    "GET",
    "/v1/cases/{number}/shipments",
    tag="cases",
    roles=READERS,
    summary="The case's shipments with their status events",
    response=W + "ShipmentList",
    problems=CASE_PROBLEMS,
)
def list_shipments(call: Call) -> dict[str, Any]:
    return {"items": container.window().shipments(call.actor, case_number(call))}


VIDEO_ROLES = (Role.WINDOW_CLERK, Role.AUTHORITY_CLERK)


@endpoint(
    window,
    "POST",
    "/v1/cases/{number}/video-sessions",
    tag="window",
    roles=VIDEO_ROLES,
    status=201,
    summary="视频会商: schedule a video session for the case with its participants",
    request=W + "VideoScheduleRequest",
    response=W + "VideoSessionOut",
    problems=(*CASE_PROBLEMS, "validation_failed", "video_provider_unavailable", "video_provider_rejected"),
)
def schedule_video(call: Call) -> Reply:
    command = call.body.to_command()
    return Reply(container.video_sessions().schedule(call.actor, case_number(call), command), 201)


@endpoint(
    window,
    "POST",
    "/v1/cases/{number}/video-sessions/{session_id}/join",
    tag="window",
    roles=VIDEO_ROLES,
    summary="Join a session as your own participant: a token for that participant only, from the "
    "session's home (this gateway, or the other province's by a signed request); never stored",
    request=W + "VideoJoinRequest",
    response=W + "VideoJoinOut",
    problems=(
        *CASE_PROBLEMS,
        "video_session_not_found",
        "video_session_ended",
        "video_participant_not_yours",
        "video_participant_taken",
        "video_provider_unavailable",
        "video_provider_rejected",
    ),
)
def join_video(call: Call) -> Reply:
    session = path_part(call, "session_id", "video_session_not_found")
    joined = container.video_sessions().join(call.actor, case_number(call), session, call.body.participant_id)
    return Reply(joined, 200, {"Cache-Control": "no-store"})  # a join token is a credential


@endpoint(
    window,
    "POST",
    "/v1/cases/{number}/video-sessions/{session_id}/end",
    tag="window",
    roles=VIDEO_ROLES,
    summary="End a session: outcome, whether the applicant's consent was recorded, the recording object",
    request=W + "VideoEndRequest",
    response=W + "VideoSessionOut",
    problems=(
        *CASE_PROBLEMS,
        "video_session_not_found",
        "video_session_held_elsewhere",
        "video_provider_unavailable",
    ),
)
def end_video(call: Call) -> dict[str, Any]:
    session = path_part(call, "session_id", "video_session_not_found")
    return container.video_sessions().end(call.actor, case_number(call), session, call.body.to_command())
