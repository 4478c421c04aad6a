"""Shipments at the handling province (资料寄递, 原件核验, 原件退还): its clerk records the arrival (and
other status events) of a shipment the window or it sent, checks each mailed original once arrived
(keeping it, or not), and returns the originals it does not keep to the window or the applicant.
The window's side of shipments is in `api/window.py`; both sides list them at
`GET /v1/cases/{number}/shipments`."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import AUTHORITY_CLERK, CASE_PROBLEMS, case_number, path_part, view
from chalicelib.api.common import CASE_SCHEMAS as C
from chalicelib.api.common import WINDOW_SCHEMAS as W
from chalicelib.api.endpoint import Call, Reply, endpoint

shipments = Blueprint(__name__)


@endpoint(
    shipments,
    "POST",
    "/v1/authority/cases/{number}/shipments/{shipment_id}/events",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="A shipment's status event at the handling province: `delivered` records the arrival of "
    "originals (签收); forward only, and the window's province is told",
    request=W + "ShipmentEventRequest",
    response=W + "Shipment",
    problems=(*CASE_PROBLEMS, "shipment_not_found", "shipment_event_out_of_order"),
)
def authority_shipment_event(call: Call) -> dict[str, Any]:
    shipment_id = path_part(call, "shipment_id", "shipment_not_found")
    case = container.cases().handled(call.actor, case_number(call))
    return container.shipments().event(call.actor, case, shipment_id, call.body.to_command())


@endpoint(
    shipments,
    "POST",
    "/v1/authority/cases/{number}/originals/{slot}/check",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="原件核验 at the handling province: a mailed original, once a shipment of originals arrived",
    request=W + "OriginalCheckHereRequest",
    response=C + "CaseDetail",
    problems=(
        *CASE_PROBLEMS,
        "original_not_mailed",
        "original_already_checked",
        "originals_not_arrived",
        "concurrent_modification",
    ),
)
def check_original_here(call: Call) -> dict[str, Any]:
    slot = path_part(call, "slot", "original_not_mailed")
    case = container.shipments().check_original(call.actor, case_number(call), slot, call.body.to_command())
    return view(call.actor, case, call.lang)


@endpoint(
    shipments,
    "POST",
    "/v1/authority/cases/{number}/originals/returns",
    tag="authority",
    roles=AUTHORITY_CLERK,
    summary="原件退还: mailed originals that arrived here go back to the window or the applicant, as a "
    "shipment the window's province is told of; a case is closed only once every arrived original is "
    "returned or kept",
    request=W + "OriginalsReturnRequest",
    response=W + "Shipment",
    status=201,
    problems=(
        *CASE_PROBLEMS,
        "original_not_mailed",
        "originals_not_arrived",
        "original_not_held",
        "shipment_already_recorded",
        "concurrent_modification",
    ),
)
def return_originals(call: Call) -> Reply:
    command = call.body.to_command()
    return Reply(container.shipments().return_originals(call.actor, case_number(call), command), 201)
