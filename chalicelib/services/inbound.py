"""Applying received messages: in order per case and sender, each once.

A message whose predecessor has not been applied yet is parked and taken up right after it; an
already applied one is skipped. Applying a message and marking it applied (and the sequence it
reached) commit in the case's transaction, so a consumer dying half-way leaves the message to be
applied again, never twice.

A message's payload is parsed once, here, into its typed model (`PAYLOADS`, domain/messages.py;
it conformed to the schema and parsed on receipt), and the domain function of its type applies it:
no dict of a partner's message goes further.

A message that finds its case in a state its table (`case_exchange`) does not list is not dropped:
the case is marked out of sync (shown on its views and in the operators' list, logged as
`case out of sync` for the alarm), the message waits as `blocked` (its successors park behind it)
and is retried with backoff by the relay, or at once by an operator, until it applies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.case import Case, CaseExchange, Channel, Entrustment, Intake, SyncIssue
from chalicelib.domain.case_acts import Context, Outcome, perform, record, take_form
from chalicelib.domain.case_exchange import (
    CARRIED,
    HANDLER,
    OutOfSync,
    carried_act,
    check_two_way_message,
    mirror,
    partner_by,
)
from chalicelib.domain.case_factory import CaseItem, new_case
from chalicelib.domain.case_states import Act, Actor
from chalicelib.domain.catalog_replication import is_catalog_stream
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.commands import (
    AnswerSupplement,
    Cancel,
    Command,
    Deliver,
    Withdraw,
    delivery_how,
)
from chalicelib.domain.entrustment import apply_settlement
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import NotFound
from chalicelib.domain.messages import (
    PAYLOADS,
    CarriedPayload,
    CaseDispatched,
    CaseEntrustmentSettled,
    CaseForwarded,
    CaseOriginalChecked,
    CaseRated,
    CaseRectificationClosed,
    CaseResultDelivered,
    CaseResultHandedOver,
    CaseResultIssued,
    CaseSupplementAnswered,
    CaseWithdrawn,
    MessagePart,
    ShipmentPayload,
    StatusPayload,
    VideoPayload,
)
from chalicelib.domain.rating_exchange import receive_closure, receive_rating
from chalicelib.domain.video import apply_video_message
from chalicelib.observability import logger
from chalicelib.services.case_book import Extra
from chalicelib.services.case_files import CaseFiles
from chalicelib.services.cases import (
    CaseService,
)
from chalicelib.services.ratings import opened_rectifications
from chalicelib.services.shipments import ShipmentService

SYNC_RETRY_FIRST = timedelta(minutes=1)
SYNC_RETRY_MAX = timedelta(hours=1)


def sync_backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min, … capped at an hour: a case out of sync is retried for as long as it is."""
    delay: timedelta = SYNC_RETRY_FIRST * (2 ** max(attempts - 1, 0))
    return min(delay, SYNC_RETRY_MAX)


def carried_command(act: Act, payload: CarriedPayload) -> Command:
    """The command an origin's message performs here (`CARRIED`), from its typed payload: a 补正
    answer's note, a withdrawal's or cancellation's reason, how the result was delivered (a handover
    at the intake window names none)."""
    if act is Act.ANSWER_SUPPLEMENT and isinstance(payload, CaseSupplementAnswered):
        return AnswerSupplement(note=payload.note)
    if act is Act.WITHDRAW and isinstance(payload, CaseWithdrawn):
        return Withdraw(reason=payload.reason)
    if act is Act.CANCEL and isinstance(payload, CaseWithdrawn):
        return Cancel(reason=payload.reason)
    if act is Act.DELIVER and isinstance(payload, CaseResultDelivered):
        return Deliver(how=delivery_how(payload.how))
    if act is Act.DELIVER and isinstance(payload, CaseResultHandedOver):
        return Deliver(how=delivery_how("window_handover"))
    raise ValueError(f"no message carries {act.value}")


class InboundStore(Protocol):
    def received(self, message_id: str) -> dict[str, Any] | None: ...
    def received_item(self, record: dict[str, Any]) -> dict[str, Any]: ...
    def park_item(self, case: str, sender: str, seq: int, message_id: str) -> dict[str, Any]: ...
    def parked(self, case: str, sender: str, seq: int) -> str | None: ...
    def put(self, side: dict[str, Any]) -> None: ...
    def unpark_delete(self, case: str, sender: str, seq: int) -> dict[str, Any]: ...
    def sync_item(self, issue: dict[str, Any], next_retry: str) -> dict[str, Any]: ...
    def sync_clear(self, case: str) -> dict[str, Any]: ...
    def sync_due(self, now: str, limit: int) -> list[dict[str, Any]]: ...
    def out_of_sync(self, limit: int) -> list[dict[str, Any]]: ...


class InboundService:
    def __init__(
        self,
        cases: CaseService,
        store: InboundStore,
        files: CaseFiles,
        province: str,
        clock: Clock = system_clock,
        catalog_messages: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        self._cases = cases
        self._store = store
        self._files = files
        self._province = province
        self._clock = clock
        self._shipments = ShipmentService(cases, cases.queries, province)
        self._catalog_messages = catalog_messages  # 事项标准 replication (services/catalog_replication.py)

    def apply(self, message_id: str) -> str:
        """Apply one received message and any parked successors; returns what became of it."""
        received = self._store.received(message_id)
        if received is None:
            return "unknown"
        if self._catalog_messages is not None and is_catalog_stream(str(received["envelope"]["case"])):
            return self._catalog(received)
        verdict = self._apply(received)
        if verdict == "applied":
            envelope = received["envelope"]
            seq = int(envelope["seq"]) + 1
            while (successor := self._store.parked(envelope["case"], envelope["from"], seq)) is not None:
                following = self._store.received(successor)
                if following is None or self._apply(following, unpark=True) != "applied":
                    break
                seq += 1
        return verdict

    def _catalog(self, received: dict[str, Any]) -> str:
        """A publisher's catalog message: applied once (its own rules order it; see the service)."""
        if received["status"] == "applied":
            return "duplicate"
        assert self._catalog_messages is not None
        outcome = self._catalog_messages(received)
        self._store.put(self._store.received_item({**received, "status": "applied", "outcome": outcome}))
        return outcome

    def _apply(self, received: dict[str, Any], *, unpark: bool = False) -> str:
        if received["status"] == "applied":
            return "duplicate"
        envelope = received["envelope"]
        number, sender, seq = envelope["case"], envelope["from"], int(envelope["seq"])
        case = self._cases.book.find(number)
        expected = (case.exchange.in_seq if case is not None and case.exchange is not None else 0) + 1
        done = {**received, "status": "applied"}
        if seq < expected:
            self._store.put(self._store.received_item(done))
            return "duplicate"
        if seq > expected:
            self._store.put(self._store.park_item(number, sender, seq, received["id"]))
            self._store.put(self._store.received_item({**received, "status": "parked"}))
            return "parked"
        kind = MessageType(envelope["type"])
        payload = PAYLOADS[kind].model_validate(received["payload"])  # conformed on receipt: it parses
        try:
            outcome = self._outcome(number, case, kind, payload, sender)
        except OutOfSync as stuck:
            assert case is not None
            return self._out_of_sync(case, received, stuck, unpark=unpark)
        assert outcome.case.exchange is not None
        outcome.case.exchange.in_seq = seq
        extra = [self._store.received_item(done), *self._shipments.sides(outcome)]
        if unpark:
            extra.append(self._store.unpark_delete(number, sender, seq))
        blocked = case.out_of_sync if case is not None else None
        if blocked is not None and blocked.message_id == received["id"]:
            outcome.case.out_of_sync = None  # back in sync: the blocked message went through
            extra.append(self._store.sync_clear(number))
            logger.info("case back in sync", extra={"case": number, "type": kind.value})
        extra.extend(self._cases.coordination_marks(outcome.case))
        extra.extend(opened_rectifications(case, outcome.case))  # 整改 of a case.rated
        if case is None:
            saved = self._cases.book.save(outcome.case, [outcome], extra=extra, new=True)
        else:
            saved = self._cases.save(case, [outcome], extra)
        self._cases.saved(saved)
        return "applied"

    def _out_of_sync(self, case: Case, received: dict[str, Any], stuck: OutOfSync, *, unpark: bool) -> str:
        """The message cannot apply: mark the case (once per message), keep the message blocked and
        due for retry; its successors park behind it."""
        at = self._clock()
        known = case.out_of_sync
        attempts = known.attempts + 1 if known and known.message_id == received["id"] else 1
        issue = SyncIssue(
            reason=stuck.code,
            message_id=received["id"],
            message_type=stuck.kind.value,
            found_state=stuck.state.value,
            since=known.since if known and attempts > 1 else at,
            attempts=attempts,
        )
        side = self._store.sync_item(
            {"case": case.number, **issue.model_dump(mode="json")}, rfc3339(at + sync_backoff(attempts))
        )
        logger.warning(
            "case out of sync",
            extra={
                "case": case.number,
                "type": stuck.kind.value,
                "state": stuck.state.value,
                "attempts": attempts,
            },
        )
        if attempts > 1:  # marked already: only the next retry moves
            self._store.put(side)
            return "blocked"
        sender = received["envelope"]["from"]
        details = {"message": received["id"], "type": stuck.kind.value, "found": stuck.state.value}
        outcome = record(case, "out_of_sync", partner_by(sender), at, details)
        outcome.case.out_of_sync = issue
        extra: list[Extra] = [self._store.received_item({**received, "status": "blocked"}), side]
        extra.extend(self._cases.coordination_marks(outcome.case))
        saved = self._cases.save(case, [outcome], extra)
        self._cases.saved(saved)
        return "blocked"

    def retry_out_of_sync(self, limit: int = 50) -> int:
        """The relay's part: apply again the blocked messages whose retry is due."""
        due = self._store.sync_due(rfc3339(self._clock()), limit)
        for issue in due:
            if issue.get("message_id"):
                self.apply(str(issue["message_id"]))
        return len(due)

    def retry_case(self, number: str) -> str:
        """An operator's retry of a case out of sync, now; returns what became of its message."""
        case = self._cases.book.load(number)
        if case.out_of_sync is None or case.out_of_sync.message_id is None:
            raise NotFound("case_not_out_of_sync")
        return self.apply(case.out_of_sync.message_id)

    def out_of_sync(self, limit: int = 100) -> list[dict[str, Any]]:
        return self._store.out_of_sync(limit)

    def _outcome(
        self, number: str, case: Case | None, kind: MessageType, payload: MessagePart, sender: str
    ) -> Outcome:
        at = self._clock()
        if isinstance(payload, CaseForwarded):  # case.forwarded, case.dispatched
            if case is not None:
                raise ValueError("a case opening message for a case that exists")
            return self._open(number, payload, sender, at)
        if case is None or case.exchange is None or case.exchange.partner != sender:
            raise NotFound("case_not_found")
        if isinstance(payload, VideoPayload):  # 视频会商: the partner's sessions, known here too
            check_two_way_message(case, kind)
            return apply_video_message(case, payload, partner_by(sender), at)
        if isinstance(payload, StatusPayload):
            if isinstance(payload, CaseResultIssued) and payload.file is not None:
                document = self._files.copy_in(case, payload.file, at)
                case = case.model_copy(deep=True)
                case.files.append(document)
                result = payload.result.model_copy(update={"file_id": document.file_id})
                payload = payload.model_copy(update={"result": result})
            outcome = mirror(case, kind, payload, sender, at)
            if isinstance(payload, CaseResultIssued) and payload.shipment is not None:
                # the result mailed back
                outcome.event["details"]["shipment"] = payload.shipment.model_dump(mode="json")
            return outcome
        if isinstance(payload, CarriedPayload):
            act = carried_act(case, kind)
            if act is None:  # ended here before the origin's message arrived: on record only
                reason = payload.reason if isinstance(payload, CaseWithdrawn) else None
                details = {"reason": reason, "noted": True}
                return record(case, f"partner_{CARRIED[kind].value}", partner_by(sender), at, details)
            refs = payload.files if isinstance(payload, CaseSupplementAnswered) else []
            copied = [self._files.copy_in(case, ref, at) for ref in refs]
            case = case.model_copy(deep=True)
            case.files.extend(copied)
            if isinstance(payload, CaseSupplementAnswered) and payload.form is not None:
                take_form(case, payload.form)  # a field the 补正 answer corrected at the origin
            ctx = Context(at=at, calendar=self._cases.book.calendar())
            # a handover is the window's act, a cancellation the lead's; the rest are the applicant's
            actor = Actor.CLERK if act in (Act.DELIVER, Act.CANCEL) else Actor.APPLICANT
            outcome = perform(case, carried_command(act, payload), partner_by(sender, actor), ctx)
            delivered = outcome.case.result if act is Act.DELIVER else None
            if delivered is not None and isinstance(payload, CaseResultHandedOver | CaseResultDelivered):
                delivered.delivered_at = payload.at  # its time there
            return outcome
        if isinstance(payload, CaseEntrustmentSettled):
            return apply_settlement(case, payload, partner_by(sender), at)
        if isinstance(payload, ShipmentPayload):
            return self._shipments.received(case, kind, payload, sender, at)
        if isinstance(payload, CaseOriginalChecked):
            return self._shipments.original_checked(case, payload, sender, at)
        if isinstance(payload, CaseRated):
            return receive_rating(case, payload, sender, at, self._cases.book.calendar())
        if isinstance(payload, CaseRectificationClosed):
            return receive_closure(case, payload, sender, at)
        details = payload.model_dump(mode="json", exclude_unset=True)  # e.g. case.revealed: on record
        return record(case, f"partner_{kind.value.split('.', 1)[1]}", partner_by(sender), at, details)

    def _open(self, number: str, payload: CaseForwarded, sender: str, at: datetime) -> Outcome:
        """The handling province opens the case a partner forwarded or dispatched, as submitted, under
        the item version it was filed under (fetched from the publisher if this gateway lacks it)."""
        item = CaseItem.of(
            self._cases.catalog.case_item(payload.item_code, payload.item_version, holder=sender)
        )
        dispatched = isinstance(payload, CaseDispatched)
        joint = payload.joint
        intake = None
        if isinstance(payload, CaseDispatched) and payload.intake:
            # the intake as it matters here: the window, originals checked there and mailed (no query code)
            intake = Intake.model_validate(
                {k: v for k, v in payload.intake.items() if k not in ("query_code", "handover")}
            )
        agent = payload.agent
        case = new_case(
            item,
            number=number,
            province=self._province,
            origin_province=sender,
            mode=Mode.JOINT if joint else Mode.PROXY_INTAKE if dispatched else Mode.FULL_ONLINE,
            channel=Channel.WINDOW if dispatched else Channel.EXCHANGE,
            applicant=payload.applicant,
            at=at,
            form=payload.form or {},
            submitted_at=payload.submitted_at,
            # 委托代办: principal and agent as the origin recorded them, with the entrustment and its slot
            agent=agent,
            entrustment=(payload.entrustment or Entrustment()) if agent else None,
            intake=intake,
            exchange=CaseExchange(role=HANDLER, partner=sender),
            joint=joint,
            share=payload.part_materials,  # a joint part's share of the materials
        )
        case.files = [self._files.copy_in(case, ref, at) for ref in payload.files]
        details: dict[str, Any] = {
            "origin": sender,
            "channel": case.handler.channel.value,
            "files": len(case.files),
        }
        if intake is not None:
            shipments = payload.shipments if isinstance(payload, CaseDispatched) else None
            details["shipments"] = [s.model_dump(mode="json") for s in shipments or []]
        return record(case, "open_from_partner", partner_by(sender), at, details)
