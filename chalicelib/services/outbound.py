"""Sending to partners: the outbox record committed with the state change, the sender that signs
and posts it, retries with exponential backoff, and the dead-letter queue at the end.

Two kinds of failure (docs/exchange/README.md, retries):
- the partner answered, but not with a good receipt (a 4xx/5xx, a bad receipt): counted; after
  MAX_ATTEMPTS answered failures the message is dead (the outbound DLQ, for an operator's redrive);
- the partner did not answer at all (connection refused or reset, timeout: `http_0`) or is
  suspended here: the message is HELD — retried with the same backoff for as long as it takes,
  never dead-lettered, so a partner that is down for hours loses nothing and gets its stream in
  order when it is back. The first held message that gets through (its own retry, due) queues every
  other pending message to that partner at once, in stream order (`flush`, at most once a minute
  per partner and process), as reactivating a suspended partner does.

A message is built when its act commits (same transaction) and never changes afterwards: a retry
signs the same envelope claims anew with a fresh `sent_at`, so the receiver sees the same id and
payload digest and answers with the same receipt. Files travel by reference; the receiver fetches
each with a signed request (`POST /v1/exchange/files`) and checks its SHA-256.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.case import Case, Entrustment, FileStatus, MaterialFile
from chalicelib.domain.case_exchange import status_payload
from chalicelib.domain.case_states import RESULT_SLOT
from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.commands import AnswerSupplement, Cancel, Command, Deliver, Withdraw
from chalicelib.domain.envelope import RECEIPT_TYPE, Envelope, ExchangeRefusal, MessageType, payload_digest
from chalicelib.domain.shipments import NOT_DISPATCHED
from chalicelib.services.after_commit import AfterCommit, Committed
from chalicelib.services.exchange import (
    Archive,
    Signer,
    archive_entry,
    archive_key,
    compose,
    own_key,
    signing_key,
)
from chalicelib.services.jws import verify_jws
from chalicelib.services.partners import PartnerService

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
INLINE_GRACE = timedelta(minutes=1)  # the relay leaves a fresh message to its inline send
EVER = "9999-12-31T23:59:59+08:00"  # later than any next attempt
NO_ANSWER = "http_0"  # connection refused or reset, timeout: the partner is down or cut off
HELD = frozenset({NO_ANSWER, "partner_suspended"})  # retried for ever, never dead-lettered
PENDING_SCAN = 1000  # pending messages the stream view reads at most
REOPEN_GAP = timedelta(minutes=1)  # a catch-up flush per partner at most this often (per process)


class OutboundStore(Protocol):
    def outbound_item(
        self, record: dict[str, Any], *, pending: bool, next_attempt: str
    ) -> dict[str, Any]: ...
    def outbound(self, case: str, message_id: str) -> dict[str, Any] | None: ...
    def due_outbound(self, now: str, limit: int) -> list[dict[str, Any]]: ...
    def put(self, side: dict[str, Any]) -> None: ...
    def acknowledged(self, record: dict[str, Any]) -> None: ...
    def last_acknowledged(self, partner: str) -> dict[str, Any] | None: ...


class OutboundQueue(Protocol):
    def send(self, case: str, message_id: str) -> None: ...


class DeadLetters(Protocol):
    def send(self, case: str, message_id: str) -> None: ...


class Transport(Protocol):
    def post(self, url: str, body: dict[str, Any]) -> Any: ...


def file_ref(file: MaterialFile) -> dict[str, Any]:
    """A file as a message names it: enough to fetch it and check what arrives."""
    return {
        k: v
        for k, v in file.model_dump(mode="json").items()
        if k
        in ("file_id", "slot", "filename", "content_type", "size", "sha256", "trust_level", "licence_ref")
    }


def forwarded_payload(case: Case) -> dict[str, Any]:
    """What the handling province needs to open the case: the application as the applicant gave it."""
    return {
        "item_code": case.item_code,
        "item_version": case.item_version,
        "mode": case.mode.value,
        "channel": case.handler.channel.value,
        "applicant": case.applicant.model_dump(mode="json"),
        "form": case.form,
        "files": [file_ref(f) for f in case.files if f.status is FileStatus.VERIFIED],
        "submitted_at": rfc3339(case.submitted_at or case.created_at),
        **(
            {"joint": case.joint.model_dump(mode="json"), "part_materials": [s.code for s in case.slots]}
            if case.joint
            else {}
        ),
        **(
            {"agent": case.agent.model_dump(mode="json"), "entrustment": entrustment_of(case)}
            if case.agent
            else {}
        ),
    }


def entrustment_of(case: Case) -> dict[str, Any]:
    """The entrustment as forwarded (a pending one when none is recorded yet)."""
    return (case.entrustment or Entrustment()).model_dump(mode="json")


def _pending_summary(record: dict[str, Any]) -> dict[str, Any]:
    """A waiting message as the operators' view shows it (no payload: it may carry personal data)."""
    keys = ("id", "case", "seq", "type", "created_at", "attempts", "last_error", "next_attempt_at")
    return {k: record.get(k) for k in keys}


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour."""
    delay: timedelta = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


class OutboundService:
    def __init__(
        self,
        store: OutboundStore,
        queue: OutboundQueue,
        dead_letters: DeadLetters,
        partners: PartnerService,
        signer: Signer,
        transport: Transport,
        province: str,
        clock: Clock = system_clock,
        archive: Archive | None = None,
        *,
        after_commit: AfterCommit,
    ) -> None:
        self._store = store
        self._archive = archive
        self._after_commit = after_commit  # what follows a receipt (services/after_commit.py)
        self._queue = queue
        self._dead = dead_letters
        self._partners = partners
        self._signer = signer
        self._http = transport
        self._province = province
        self._clock = clock
        self._flushed: dict[str, datetime] = {}  # partner → when a catch-up last queued its messages

    # — building, with the act —

    def message(self, case: Case, kind: MessageType, payload: dict[str, Any]) -> dict[str, Any]:
        """The outbox record of a message about `case` (whose out_seq the caller has advanced)."""
        assert case.exchange is not None
        return {
            "id": str(uuid.uuid4()),
            "case": case.number,
            "to": case.exchange.partner,
            "type": kind.value,
            "seq": case.exchange.out_seq,
            "payload": payload,
            "payload_sha256": payload_digest(payload),
            "status": "pending",
            "attempts": 0,
            "created_at": rfc3339(self._clock()),
        }

    def for_act(
        self,
        before: Case,
        after: Case,
        command: Command,
        kind: MessageType,
        *,
        shipments: list[dict[str, Any]] | None = None,
        shipment: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The outbox record telling the partner of `command`'s act; a window's dispatch carries the
        `shipments` recorded before it, a result mailed its return `shipment`."""
        act = command.act
        payload: dict[str, Any]
        if kind is MessageType.CASE_FORWARDED:
            payload = forwarded_payload(after)
        elif kind is MessageType.CASE_DISPATCHED:
            assert after.intake is not None
            intake = after.intake.model_dump(mode="json", exclude=NOT_DISPATCHED)
            payload = {**forwarded_payload(after), "intake": intake}
            if shipments:  # recorded before dispatch: originals already on their way
                payload["shipments"] = shipments
        elif kind is MessageType.RESULT_HANDED_OVER:
            assert after.intake is not None and after.intake.handover is not None
            handover = after.intake.handover
            payload = {
                "handed_over_to": handover.to_whom,
                "identity_checked": handover.identity_checked,
                "at": rfc3339(handover.at),
            }
        elif kind in (MessageType.RESULT_DELIVERED, MessageType.DELIVERY_RECORDED):
            # 送达 on this side reaches the other with its time (download, mail signed for)
            assert after.result is not None and after.result.delivered_at is not None
            how = command.how if isinstance(command, Deliver) else "download"
            delivered = {"how": how, "at": rfc3339(after.result.delivered_at)}
            payload = (
                delivered
                if kind is MessageType.RESULT_DELIVERED
                else {**status_payload(after, act), **delivered}
            )
        elif kind is MessageType.SUPPLEMENT_ANSWERED:
            asked = before.supplement.requested_at if before.supplement else None
            fresh = [
                f for f in after.files if f.status is FileStatus.VERIFIED and asked and f.created_at >= asked
            ]
            note = command.note if isinstance(command, AnswerSupplement) else None
            payload = {"note": note, "files": [file_ref(f) for f in fresh]}
            if after.supplement is not None and after.supplement.changed_fields:
                payload["form"] = after.form  # a form field corrected in the answer: the handler's copy too
        elif kind in (MessageType.WITHDRAWN, MessageType.CANCELLED):
            payload = {"reason": command.reason if isinstance(command, Withdraw | Cancel) else None}
        else:
            payload = status_payload(after, act)
            if kind is MessageType.RESULT_ISSUED and after.result and after.result.file_id:
                document = after.file(after.result.file_id)
                assert document is not None and document.slot == RESULT_SLOT
                payload["file"] = file_ref(document)
            if kind is MessageType.RESULT_ISSUED and shipment:
                payload["shipment"] = shipment  # the result mailed: its return shipment
        return self.message(after, kind, payload)

    def item(self, record: dict[str, Any]) -> dict[str, Any]:
        """The outbox Put for the act's transaction."""
        due = rfc3339(self._clock() + INLINE_GRACE)
        return self._store.outbound_item(record, pending=True, next_attempt=due)

    def enqueue(self, record: dict[str, Any]) -> None:
        self._queue.send(record["case"], record["id"])

    # — sending —

    def deliver(self, case: str, message_id: str) -> str:
        """Sign and post one message; returns what happened (delivered, retry, held, dead, gone)."""
        record = self._store.outbound(case, message_id)
        if record is None or record["status"] != "pending":
            return "gone"  # delivered already, or dead: a duplicate queue message changes nothing
        partner = self._partners.get(record["to"])
        detail = "partner_suspended"
        if partner is not None and partner.status.value == "active":
            envelope = Envelope(
                id=record["id"],
                type=MessageType(record["type"]),
                case=record["case"],
                sender=self._province,
                to=record["to"],
                sent_at=self._clock(),
                seq=record["seq"],
                payload_sha256=record["payload_sha256"],
            )
            url = f"{partner.endpoint}/v1/exchange/messages"
            sent = compose(self._signer, envelope, record["payload"])
            answer = self._http.post(url, sent)
            detail = f"http_{answer.status}"
            if answer.status == 200:
                try:
                    receipt = verify_jws(str(answer.body.get("receipt", "")), partner.jwks, RECEIPT_TYPE)
                except ExchangeRefusal as refusal:
                    detail = f"receipt_{refusal.code}"
                else:
                    if (
                        receipt.get("receipt_for") == record["id"]
                        and receipt.get("payload_sha256") == record["payload_sha256"]
                    ):
                        receipt_key = signing_key(str(answer.body["receipt"]), partner.jwks)
                        done = self._delivered(record, sent["envelope"], answer.body["receipt"], receipt_key)
                        if self._back_from_held(record):
                            self._reopened(record["to"])
                        return done
                    detail = "receipt_mismatch"
        return self._failed(record, detail)

    def _reopened(self, partner: str) -> None:
        """The line to `partner` is open again: the rest follow now. Once per partner per
        REOPEN_GAP in this process, so that many held messages coming due together (a burst that
        failed at once) make one flush, not one each."""
        now = self._clock()
        last = self._flushed.get(partner)
        if last is not None and now - last < REOPEN_GAP:
            return
        self._flushed[partner] = now
        self.flush(partner)

    def _back_from_held(self, record: dict[str, Any]) -> bool:
        """Whether this delivery is a held message's own retry, due (not one queued by a flush,
        whose retry lies ahead: it must not flush again)."""
        due = str(record.get("next_attempt_at") or EVER)
        return record.get("last_error") in HELD and due <= rfc3339(self._clock())

    def _delivered(
        self, record: dict[str, Any], envelope: str, receipt: str, receipt_key: dict[str, Any] | None = None
    ) -> str:
        if self._archive is not None:  # before the record: if this fails, the retry archives it
            key = archive_key(record["case"], "sent", self._province, record["seq"], record["id"])
            entry = archive_entry(
                "sent",
                envelope,
                record["payload"],
                receipt,
                rfc3339(self._clock()),
                own_key(self._signer, envelope),
                receiver_key=receipt_key,
            )
            self._archive.keep(key, entry)
        done = {**record, "status": "delivered", "receipt": receipt, "delivered_at": rfc3339(self._clock())}
        self._store.put(self._store.outbound_item(done, pending=False, next_attempt=""))
        self._store.acknowledged(done)  # the partner's stream position, for the operators' view
        self._after_commit.run(Committed.MESSAGE_DELIVERED, [done])
        return "delivered"

    def _failed(self, record: dict[str, Any], detail: str) -> str:
        attempts = int(record["attempts"]) + 1
        # held failures (no answer, suspended) do not count toward the dead-letter queue
        answered = int(record.get("answered_failures", 0)) + (detail not in HELD)
        now = self._clock()
        failed = {
            **record,
            "attempts": attempts,
            "answered_failures": answered,
            "last_error": detail,
            "last_attempt_at": rfc3339(now),
        }
        if answered >= MAX_ATTEMPTS:
            self._store.put(
                self._store.outbound_item({**failed, "status": "dead"}, pending=False, next_attempt="")
            )
            self._dead.send(record["case"], record["id"])
            return "dead"
        due = rfc3339(now + backoff(attempts))
        self._store.put(
            self._store.outbound_item({**failed, "next_attempt_at": due}, pending=True, next_attempt=due)
        )
        return "held" if detail in HELD else "retry"

    def relay(self, limit: int = 100) -> int:
        """Queue the pending messages whose next attempt is due (after a failure, or a lost send)."""
        due = self._store.due_outbound(rfc3339(self._clock()), limit)
        for record in due:
            self.enqueue(record)
        return len(due)

    def flush(self, partner: str, limit: int = 1000) -> int:
        """Queue now every pending message to `partner` (made active again): what waited while it
        was suspended or down goes at once, in the order it was written, without waiting out its
        backoff. A message delivered meanwhile is skipped by `deliver`."""
        waiting = [r for r in self._store.due_outbound(EVER, limit) if r["to"] == partner]
        for record in sorted(waiting, key=lambda r: (r["case"], r["seq"])):
            self.enqueue(record)
        return len(waiting)

    def stream_positions(self, partners: list[dict[str, Any]]) -> dict[str, Any]:
        """Per partner: the last message it acknowledged, and what waits for it in the outbox
        (how many, the oldest and its age, the last attempt). Read-only; the pending messages are
        read from the outbox index, at most PENDING_SCAN of them (`complete` says whether all)."""
        now = self._clock()
        pending = self._store.due_outbound(EVER, PENDING_SCAN)
        streams = []
        for partner in partners:
            code = str(partner["code"])
            waiting = sorted((r for r in pending if r["to"] == code), key=lambda r: str(r["created_at"]))
            oldest = waiting[0] if waiting else None
            attempts = [str(r["last_attempt_at"]) for r in waiting if r.get("last_attempt_at")]
            streams.append(
                {
                    "province": code,
                    "status": partner.get("status", "active"),
                    "last_acknowledged": self._store.last_acknowledged(code),
                    "pending": len(waiting),
                    "oldest_pending": None if oldest is None else _pending_summary(oldest),
                    "oldest_pending_age_seconds": None
                    if oldest is None
                    else max(
                        0, int((now - datetime.fromisoformat(str(oldest["created_at"]))).total_seconds())
                    ),
                    "last_attempt_at": max(attempts) if attempts else None,
                }
            )
        return {"checked_at": rfc3339(now), "complete": len(pending) < PENDING_SCAN, "partners": streams}

    def delivered(self, case: str, message_id: str) -> bool:
        """Whether the partner has signed its receipt for the message."""
        record = self._store.outbound(case, message_id)
        return record is not None and record["status"] == "delivered"

    def revive(self, case: str, message_id: str) -> bool:
        """Operators' redrive of a dead message: pending again, attempts reset, queued now."""
        record = self._store.outbound(case, message_id)
        if record is None or record["status"] == "delivered":
            return False
        fresh = {**record, "status": "pending", "attempts": 0, "answered_failures": 0}
        self._store.put(self._store.outbound_item(fresh, pending=True, next_attempt=rfc3339(self._clock())))
        self.enqueue(fresh)
        return True
