"""资料寄递 and 原件核验 across provinces: the rules of shipments and of the originals they carry.

A shipment (originals to the handling province, a result back) is a record of its own beside the
case, the same on both sides: the province that records it or one of its status events tells the
other (`case.shipment_recorded`, `case.shipment_event`), and a return shipment is born with the
result it carries (`case.result_issued`). Invariants:

- a shipment's status only moves forward (`sent` → `in_transit` → `delivered` or `returned`): a
  duplicate or out-of-order event is refused at the API and, arriving from the partner, recorded on
  the timeline while the shipment stays as it is;
- an item's required originals (`original_required` materials given as scans) are accounted for
  before a window dispatches: checked at the window (trust level B) or declared as mailed. An
  e-licence (电子证照, trust level A) stands for its original and needs neither;
- the handling province checks a mailed original itself only once a shipment of originals to it has
  arrived, and only an original the window declared as mailed; its check reaches the window's copy
  (`case.original_checked`);
- 原件退还: mailed originals that arrived at the handling province go back — to the intake window or
  to the applicant — as a shipment of their own (`originals_to_window`, `originals_to_applicant`,
  its contents the slots), unless the authority declares one kept (原件留存, at its check). While an
  arrived original is neither returned nor kept, the handling province may not close the case
  (办结归档, `originals_not_returned`): closing is the one act after which nothing is left to do, so
  it is where an original still in a drawer must be accounted for. Earlier acts (decide, issue the
  result) are not held up: originals commonly travel back with the result.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.case import Case, FileStatus, OriginalCheck
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.errors import Conflict, NotFound

CONSENT_SLOT = "consent"  # 服务同意书: the slot a window intake gets for the scanned paper consent
TRUST_CHECKED_AT_WINDOW = "B"


class ShipmentStatus(StrEnum):
    SENT = "sent"  # 已寄出
    IN_TRANSIT = "in_transit"  # 运输中
    DELIVERED = "delivered"  # 已签收 (arrival at the handling province, or at the applicant)
    RETURNED = "returned"  # 已退回


class Direction(StrEnum):
    TO_HANDLER = "to_handler"  # originals (原件) from the window to the handling province
    FROM_HANDLER = "from_handler"  # the result from the handling province to the window
    TO_APPLICANT = "to_applicant"  # the result mailed to the applicant (邮寄送达)
    ORIGINALS_TO_WINDOW = "originals_to_window"  # 原件退还: the originals back to the intake window
    ORIGINALS_TO_APPLICANT = "originals_to_applicant"  # 原件退还: the originals mailed to the applicant


ORIGINALS_BACK = frozenset({Direction.ORIGINALS_TO_WINDOW.value, Direction.ORIGINALS_TO_APPLICANT.value})
# the intake's fields the window's dispatch does not carry: the handover comes later, and the rest
# are the handling province's own records of the originals
NOT_DISPATCHED = {"handover", "original_checks", "originals_arrived_at", "originals_returned"}


# how far a status is along; a later event must go further
RANK: dict[ShipmentStatus, int] = {
    ShipmentStatus.SENT: 0,
    ShipmentStatus.IN_TRANSIT: 1,
    ShipmentStatus.DELIVERED: 2,
    ShipmentStatus.RETURNED: 2,
}


def new_shipment_id() -> str:
    return "S" + secrets.token_hex(6).upper()


def new_shipment(
    number: str,
    *,
    direction: str,
    carrier: str,
    tracking_number: str,
    contents: list[str],
    at: datetime,
    province: str,
    note: str | None = None,
) -> dict[str, Any]:
    """A shipment just sent, recorded by `province`."""
    return {
        "id": new_shipment_id(),
        "case": number,
        "direction": direction,
        "carrier": carrier,
        "tracking_number": tracking_number,
        "contents": contents,
        "events": [
            {"status": ShipmentStatus.SENT.value, "at": rfc3339(at), "note": note, "province": province}
        ],
        "status": ShipmentStatus.SENT.value,
        "province": province,
    }


def check_not_recorded(shipments: list[dict[str, Any]], carrier: str, tracking_number: str) -> None:
    """One record per parcel: the same carrier and tracking number twice is a duplicate."""
    for known in shipments:
        if known["carrier"] == carrier and known["tracking_number"] == tracking_number:
            raise Conflict("shipment_already_recorded", shipment_id=known["id"])


def moves_forward(shipment: dict[str, Any], status: str) -> bool:
    return RANK[ShipmentStatus(status)] > RANK[ShipmentStatus(shipment["status"])]


def advance(
    shipment: dict[str, Any], status: str, at: str, note: str | None, province: str
) -> dict[str, Any]:
    """The shipment with a status event added; refused when it would not move forward."""
    if not moves_forward(shipment, status):
        raise Conflict("shipment_event_out_of_order", status=shipment["status"], requested=status)
    event = {"status": status, "at": at, "note": note, "province": province}
    return {**shipment, "events": [*shipment["events"], event], "status": status}


def return_shipment(case: Case, at: datetime, province: str) -> dict[str, Any] | None:
    """出证 by mail: the result on its way back, from the carrier and tracking number given at
    issue-result — to the applicant (邮寄送达), or to the intake window that hands it over."""
    result = case.result
    if result is None or not (result.carrier and result.tracking_number):
        return None
    if result.delivery is Delivery.MAIL:
        direction = Direction.TO_APPLICANT
    elif result.delivery is Delivery.WINDOW_PICKUP and case.intake is not None:
        direction = Direction.FROM_HANDLER
    else:
        return None
    return new_shipment(
        case.number,
        direction=direction.value,
        carrier=result.carrier,
        tracking_number=result.tracking_number,
        contents=[result.title],
        at=at,
        province=province,
    )


def unaccounted_originals(case: Case) -> list[str]:
    """Slots whose original the item requires, given as scans, neither checked at the window nor
    declared as mailed: a window may not dispatch while any is left."""
    if case.intake is None:
        return []
    mailed = set(case.intake.originals_to_mail)
    left = []
    for slot in case.slots:
        if not slot.original_required or slot.code in mailed:
            continue
        given = [f for f in case.files if f.slot == slot.code and f.status is FileStatus.VERIFIED]
        if any(f.licence_ref for f in given):
            continue  # an e-licence stands for its original
        if given and not any(f.trust_level == TRUST_CHECKED_AT_WINDOW for f in given):
            left.append(slot.code)
    return left


def arrived_originals(shipments: list[dict[str, Any]]) -> bool:
    """Whether a shipment of originals to the handling province has arrived there."""
    return any(
        s["direction"] == Direction.TO_HANDLER.value and s["status"] == ShipmentStatus.DELIVERED.value
        for s in shipments
    )


def originals_arrival(shipment: dict[str, Any]) -> bool:
    """Whether `shipment` (as it is now) is a shipment of originals delivered to the handling side."""
    return bool(
        shipment["direction"] == Direction.TO_HANDLER.value
        and shipment["status"] == ShipmentStatus.DELIVERED.value
    )


def originals_held(case: Case) -> list[str]:
    """Mailed originals the handling province holds: arrived, neither returned nor declared kept.
    Empty at the window's side (the arrival is recorded on the handling province's copy only)."""
    intake = case.intake
    if intake is None or intake.originals_arrived_at is None:
        return []
    settled = set(intake.originals_returned) | {c.slot for c in intake.original_checks if c.kept}
    return [slot for slot in intake.originals_to_mail if slot not in settled]


def check_returnable(case: Case, slots: list[str]) -> None:
    """原件退还 of `slots`: each mailed, arrived here, and neither returned already nor kept."""
    intake = case.intake
    for slot in slots:
        if intake is None or slot not in intake.originals_to_mail:
            raise NotFound("original_not_mailed", slot=slot)
    if intake is None or intake.originals_arrived_at is None:
        raise Conflict("originals_not_arrived", slot=slots[0])
    held = originals_held(case)
    for slot in slots:
        if slot not in held:
            raise Conflict("original_not_held", slot=slot)


def not_returned(case: Case) -> Conflict | None:
    """The 409 closing meets while arrived originals are neither returned nor kept."""
    held = originals_held(case)
    return Conflict("originals_not_returned", materials=held) if held else None


def originals_back(
    case: Case,
    *,
    to: str,
    carrier: str,
    tracking_number: str,
    slots: list[str],
    at: datetime,
    province: str,
    note: str | None = None,
) -> dict[str, Any]:
    """原件退还: the shipment taking `slots`' originals back to the window or the applicant."""
    direction = Direction.ORIGINALS_TO_APPLICANT if to == "applicant" else Direction.ORIGINALS_TO_WINDOW
    return new_shipment(
        case.number,
        direction=direction.value,
        carrier=carrier,
        tracking_number=tracking_number,
        contents=list(slots),
        at=at,
        province=province,
        note=note,
    )


def original_checked_payload(check: OriginalCheck) -> dict[str, Any]:
    """`case.original_checked`: the handling province's check of a mailed original, for the window."""
    return {
        "slot": check.slot,
        "matches": check.matches,
        "kept": check.kept,
        "note": check.note,
        "at": rfc3339(check.at),
        "province": check.province,
    }
