"""资料寄递 on both sides of a shared case: recording shipments and their status events (at the window
or at the handling province), telling the partner, applying the partner's, and the handling
province's own 原件核验 of mailed originals once they arrived (rules: `domain/shipments.py`).

A shipment recorded while the intake is still a draft travels inside `case.dispatched`; afterwards
each shipment and each status event is its own message, committed with the record (outbox). A
partner's event that would not move a shipment forward, or names a shipment unknown here, is
recorded on the timeline and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.case import Case, OriginalCheck
from chalicelib.domain.case_acts import Outcome, record
from chalicelib.domain.case_exchange import check_two_way_message, partner_by
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.shipments import (
    advance,
    arrived_originals,
    check_not_recorded,
    moves_forward,
    new_shipment,
)
from chalicelib.services.case_book import Extra, ShipmentRecord
from chalicelib.services.cases import CaseService, by_of


class ShipmentStore(Protocol):
    def shipments(self, number: str) -> list[dict[str, Any]]: ...


def shared_now(case: Case) -> bool:
    """Whether the partner has the case: shared, and no longer the window's draft."""
    return case.exchange is not None and case.state is not CaseState.DRAFT


class ShipmentService:
    def __init__(self, cases: CaseService, store: ShipmentStore, province: str) -> None:
        self._cases = cases
        self._store = store
        self._province = province

    # — recorded here —

    def add(self, principal: Principal, case: Case, body: dict[str, Any]) -> dict[str, Any]:
        """A shipment sent from here (the caller may act on `case`); once shared, the partner is told."""
        check_not_recorded(self._store.shipments(case.number), body["carrier"], body["tracking_number"])
        now = self._cases.now()
        shipment = new_shipment(
            case.number,
            direction=body["direction"],
            carrier=body["carrier"],
            tracking_number=body["tracking_number"],
            contents=body["contents"],
            at=now,
            province=self._province,
            note=body.get("note"),
        )
        details = {k: shipment[k] for k in ("id", "direction", "carrier", "tracking_number")}
        outcome = record(case, "shipment_recorded", by_of(principal), now, details)
        messages = (
            self._cases.tell_partner(case, outcome, MessageType.SHIPMENT_RECORDED, shipment)
            if shared_now(case)
            else []
        )
        self._cases.save_with_messages(case, [outcome], messages, [ShipmentRecord(shipment)])
        return shipment

    def event(
        self, principal: Principal, case: Case, shipment_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A status event recorded here (in transit, arrived/signed for, returned); forward only."""
        shipment = self.find(case.number, shipment_id)
        now = self._cases.now()
        updated = advance(shipment, body["status"], rfc3339(now), body.get("note"), self._province)
        details = {"id": shipment_id, "status": body["status"]}
        outcome = record(case, "shipment_event", by_of(principal), now, details)
        payload = {"shipment_id": shipment_id, **updated["events"][-1]}
        messages = (
            self._cases.tell_partner(case, outcome, MessageType.SHIPMENT_EVENT, payload)
            if shared_now(case)
            else []
        )
        self._cases.save_with_messages(case, [outcome], messages, [ShipmentRecord(updated)])
        return updated

    def find(self, number: str, shipment_id: str) -> dict[str, Any]:
        shipment = next((s for s in self._store.shipments(number) if s["id"] == shipment_id), None)
        if shipment is None:
            raise NotFound("shipment_not_found")
        return shipment

    def check_original(self, principal: Principal, number: str, slot: str, body: dict[str, Any]) -> Case:
        """原件核验 at the handling province: a mailed original, once originals arrived here."""
        case = self._cases.handled(principal, number)
        if case.intake is None or slot not in case.intake.originals_to_mail:
            raise NotFound("original_not_mailed")
        if any(c.slot == slot for c in case.intake.original_checks):
            raise Conflict("original_already_checked", slot=slot)
        if not arrived_originals(self._store.shipments(case.number)):
            raise Conflict("originals_not_arrived", slot=slot)
        now = self._cases.now()
        matches, note = bool(body["matches"]), body.get("note")
        outcome = record(
            case, "original_checked_here", by_of(principal), now, {"slot": slot, "matches": matches}
        )
        assert outcome.case.intake is not None
        outcome.case.intake.original_checks.append(
            OriginalCheck(
                slot=slot, matches=matches, note=note, at=now, by=principal.subject, province=self._province
            )
        )
        return self._cases.save(case, [outcome])

    # — the partner's —

    def received(
        self, case: Case, kind: MessageType, payload: dict[str, Any], sender: str, at: datetime
    ) -> Outcome:
        """The partner's shipment or status event, as an event whose details carry the record to
        write (`sides`); a duplicate, an unknown shipment or a step back is noted only."""
        check_two_way_message(case, kind)
        by = partner_by(sender)
        known = {s["id"]: s for s in self._store.shipments(case.number)}
        if kind is MessageType.SHIPMENT_RECORDED:
            act, shipment_id = "partner_shipment_recorded", payload["id"]
            if shipment_id in known:
                return record(case, act, by, at, {"id": shipment_id, "noted": True})
            return record(
                case, act, by, at, {"id": shipment_id, "shipment": {**payload, "case": case.number}}
            )
        shipment_id, status = payload["shipment_id"], payload["status"]
        details: dict[str, Any] = {"id": shipment_id, "status": status}
        shipment = known.get(shipment_id)
        if shipment is None or not moves_forward(shipment, status):
            return record(case, "partner_shipment_event", by, at, {**details, "noted": True})
        updated = advance(
            shipment, status, payload["at"], payload.get("note"), payload.get("province") or sender
        )
        return record(case, "partner_shipment_event", by, at, {**details, "shipment": updated})

    def sides(self, outcome: Outcome) -> list[Extra]:
        """The shipment records a partner's message brings (named in its event's details)."""
        details = outcome.event.get("details") or {}
        shipments = list(details.get("shipments") or [])
        if isinstance(details.get("shipment"), dict):
            shipments.append(details["shipment"])
        return [ShipmentRecord({**s, "case": outcome.case.number}) for s in shipments]
