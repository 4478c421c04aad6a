"""资料寄递 on both sides of a shared case: recording shipments and their status events (at the window
or at the handling province), telling the partner, applying the partner's, and the handling
province's own 原件核验 of mailed originals once they arrived (rules: `domain/shipments.py`).

A shipment recorded while the intake is still a draft travels inside `case.dispatched`; afterwards
each shipment and each status event is its own message, committed with the record (outbox). A
partner's event that would not move a shipment forward, or names a shipment unknown here, is
recorded on the timeline and changes nothing.

At the handling province the arrival of originals is marked on its copy of the case
(`originals_arrived_at`, from a delivered shipment `to_handler`, recorded there or by the window);
from then on its clerk checks each mailed original (telling the window, `case.original_checked`,
and saying whether the authority keeps it) and returns the rest (原件退还, a shipment
`originals_to_window` or `originals_to_applicant` whose contents are the slots), before the case
may be closed (`domain/shipments.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.case import Case, OriginalCheck
from chalicelib.domain.case_acts import Outcome, record
from chalicelib.domain.case_exchange import check_original_message, check_two_way_message, partner_by
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.messages import CaseOriginalChecked, CaseShipmentRecorded, ShipmentPayload
from chalicelib.domain.shipment_commands import (
    CheckOriginalHere,
    RecordShipment,
    RecordShipmentEvent,
    ReturnOriginals,
)
from chalicelib.domain.shipments import (
    ORIGINALS_BACK,
    advance,
    arrived_originals,
    check_not_recorded,
    check_returnable,
    moves_forward,
    new_shipment,
    original_checked_payload,
    originals_arrival,
    originals_back,
)
from chalicelib.services.case_book import Extra, ShipmentRecord
from chalicelib.services.cases import CaseService, by_of


class ShipmentStore(Protocol):
    def shipments(self, number: str) -> list[dict[str, Any]]: ...


def shared_now(case: Case) -> bool:
    """Whether the partner has the case: shared, and no longer the window's draft."""
    return case.exchange is not None and case.state is not CaseState.DRAFT


def handled_here(case: Case, province: str) -> bool:
    """Whether this province holds `case` as the handling side of a window's intake."""
    return case.intake is not None and case.intake.province != province


def mark_arrival(outcome: Outcome, shipment: dict[str, Any], province: str, at: datetime) -> None:
    """At the handling province, the first arrival of originals is marked on its copy of the case."""
    intake = outcome.case.intake
    if (
        intake is not None
        and handled_here(outcome.case, province)
        and intake.originals_arrived_at is None
        and originals_arrival(shipment)
    ):
        intake.originals_arrived_at = at


class ShipmentService:
    def __init__(self, cases: CaseService, store: ShipmentStore, province: str) -> None:
        self._cases = cases
        self._store = store
        self._province = province

    # — recorded here —

    def add(self, principal: Principal, case: Case, command: RecordShipment) -> dict[str, Any]:
        """A shipment sent from here (the caller may act on `case`); once shared, the partner is told."""
        check_not_recorded(self._store.shipments(case.number), command.carrier, command.tracking_number)
        now = self._cases.now()
        shipment = new_shipment(
            case.number,
            direction=command.direction,
            carrier=command.carrier,
            tracking_number=command.tracking_number,
            contents=list(command.contents),
            at=now,
            province=self._province,
            note=command.note,
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
        self, principal: Principal, case: Case, shipment_id: str, command: RecordShipmentEvent
    ) -> dict[str, Any]:
        """A status event recorded here (in transit, arrived/signed for, returned); forward only."""
        shipment = self.find(case.number, shipment_id)
        now = self._cases.now()
        updated = advance(shipment, command.status, rfc3339(now), command.note, self._province)
        details = {"id": shipment_id, "status": command.status}
        outcome = record(case, "shipment_event", by_of(principal), now, details)
        mark_arrival(outcome, updated, self._province, now)
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

    def check_original(
        self, principal: Principal, number: str, slot: str, command: CheckOriginalHere
    ) -> Case:
        """原件核验 at the handling province: a mailed original, once originals arrived here."""
        case = self._cases.handled(principal, number)
        if case.intake is None or slot not in case.intake.originals_to_mail:
            raise NotFound("original_not_mailed")
        if any(c.slot == slot for c in case.intake.original_checks):
            raise Conflict("original_already_checked", slot=slot)
        if not arrived_originals(self._store.shipments(case.number)):
            raise Conflict("originals_not_arrived", slot=slot)
        now = self._cases.now()
        matches, note, kept = command.matches, command.note, command.keep
        details = {"slot": slot, "matches": matches, "kept": kept}
        outcome = record(case, "original_checked_here", by_of(principal), now, details)
        assert outcome.case.intake is not None
        check = OriginalCheck(
            slot=slot,
            matches=matches,
            note=note,
            at=now,
            by=principal.subject,
            province=self._province,
            kept=kept,
        )
        outcome.case.intake.original_checks.append(check)
        # the window's copy shows the check (and whether the original comes back)
        messages = self._cases.tell_partner(
            case, outcome, MessageType.ORIGINAL_CHECKED, original_checked_payload(check)
        )
        return self._cases.save_with_messages(case, [outcome], messages)

    def return_originals(self, principal: Principal, number: str, command: ReturnOriginals) -> dict[str, Any]:
        """原件退还 at the handling province: mailed originals that arrived here go back, to the intake
        window or to the applicant, as a shipment the window's province is told of."""
        case = self._cases.handled(principal, number)
        slots = list(dict.fromkeys(command.slots))
        known = self._store.shipments(case.number)
        if case.intake is not None and case.intake.originals_arrived_at is None and arrived_originals(known):
            # an arrival recorded before arrivals were marked on the case: mark it now
            case = case.model_copy(deep=True)
            assert case.intake is not None
            case.intake.originals_arrived_at = next(
                datetime.fromisoformat(s["events"][-1]["at"]) for s in known if originals_arrival(s)
            )
        check_returnable(case, slots)
        check_not_recorded(known, command.carrier, command.tracking_number)
        now = self._cases.now()
        shipment = originals_back(
            case,
            to=command.to,
            carrier=command.carrier,
            tracking_number=command.tracking_number,
            slots=slots,
            at=now,
            province=self._province,
            note=command.note,
        )
        details = {"id": shipment["id"], "direction": shipment["direction"], "slots": slots}
        outcome = record(case, "originals_returned", by_of(principal), now, details)
        assert outcome.case.intake is not None
        outcome.case.intake.originals_returned.extend(slots)
        messages = self._cases.tell_partner(case, outcome, MessageType.SHIPMENT_RECORDED, shipment)
        self._cases.save_with_messages(case, [outcome], messages, [ShipmentRecord(shipment)])
        return shipment

    # — the partner's —

    def received(
        self, case: Case, kind: MessageType, payload: ShipmentPayload, sender: str, at: datetime
    ) -> Outcome:
        """The partner's shipment or status event, as an event whose details carry the record to
        write (`sides`); a duplicate, an unknown shipment or a step back is noted only."""
        check_two_way_message(case, kind)
        by = partner_by(sender)
        known = {s["id"]: s for s in self._store.shipments(case.number)}
        if isinstance(payload, CaseShipmentRecorded):
            act, shipment_id = "partner_shipment_recorded", payload.id
            if shipment_id in known:
                return record(case, act, by, at, {"id": shipment_id, "noted": True})
            shipment = {**payload.model_dump(mode="json"), "case": case.number}
            outcome = record(case, act, by, at, {"id": shipment_id, "shipment": shipment})
            intake = outcome.case.intake
            if payload.direction in ORIGINALS_BACK and intake is not None:
                # 原件退还: the window's copy shows which originals are on their way back
                returned = [s for s in payload.contents if s in intake.originals_to_mail]
                intake.originals_returned.extend(s for s in returned if s not in intake.originals_returned)
            mark_arrival(outcome, shipment, self._province, at)
            return outcome
        shipment_id, status = payload.shipment_id, payload.status
        details: dict[str, Any] = {"id": shipment_id, "status": status}
        known_shipment = known.get(shipment_id)
        if known_shipment is None or not moves_forward(known_shipment, status):
            return record(case, "partner_shipment_event", by, at, {**details, "noted": True})
        updated = advance(known_shipment, status, rfc3339(payload.at), payload.note, payload.province)
        outcome = record(case, "partner_shipment_event", by, at, {**details, "shipment": updated})
        mark_arrival(outcome, updated, self._province, at)
        return outcome

    def original_checked(
        self, case: Case, payload: CaseOriginalChecked, sender: str, at: datetime
    ) -> Outcome:
        """The handling province's 原件核验 of a mailed original, shown on the window's copy; a check
        of a slot the window did not mail, or one already known, is noted only."""
        check_original_message(case)
        by = partner_by(sender)
        slot = payload.slot
        details = {"slot": slot, "matches": payload.matches, "kept": payload.kept}
        intake = case.intake
        if (
            intake is None
            or handled_here(case, self._province)
            or slot not in intake.originals_to_mail
            or any(c.slot == slot for c in intake.original_checks)
        ):
            return record(case, "partner_original_checked", by, at, {**details, "noted": True})
        outcome = record(case, "partner_original_checked", by, at, details)
        assert outcome.case.intake is not None
        outcome.case.intake.original_checks.append(
            OriginalCheck(
                slot=slot,
                matches=payload.matches,
                note=payload.note,
                at=payload.at,
                by=by.subject,
                province=payload.province,
                kept=payload.kept,
            )
        )
        return outcome

    def sides(self, outcome: Outcome) -> list[Extra]:
        """The shipment records a partner's message brings (named in its event's details)."""
        details = outcome.event.get("details") or {}
        shipments = list(details.get("shipments") or [])
        if isinstance(details.get("shipment"), dict):
            shipments.append(details["shipment"])
        return [ShipmentRecord({**s, "case": outcome.case.number}) for s in shipments]
