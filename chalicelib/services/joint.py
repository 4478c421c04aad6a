"""多地联办: the lead province (受理地) coordinates a joint case's parts.

After the lead accepts the case, each part is a case of its own: handled here when its rule picks
the lead province, otherwise forwarded to its province (the lead keeps a copy that the part's
messages keep current). Whenever a part moves, `coordinate` derives everything again from the
parts' cases — which parts may start, whether the applicant must supplement, whether the joint
case is decided — and writes the joint case, any part it starts or stops and their messages in one
transaction. It holds no state of its own (it keeps only the published item versions it has read,
which never change), so running it twice, or again after a crash half-way, does what is left and
nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.case import (
    STOPPED_PARTS,
    Case,
    CaseExchange,
    Channel,
    FileStatus,
    Part,
    PartState,
)
from chalicelib.domain.case_acts import By, Context, Outcome, notice_for, perform, record, take_form
from chalicelib.domain.case_exchange import ORIGIN
from chalicelib.domain.case_factory import CaseItem, new_case
from chalicelib.domain.case_states import DECIDED, FINAL, Actor, CaseState
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.commands import AnswerSupplement, Cancel, Command, Decide, StartReview, Submit
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict
from chalicelib.domain.joint import (
    critical_path_days,
    denial,
    part_link,
    part_state,
    parts_news,
    plan_parts,
    ready_parts,
    refusal_of,
    stop_act,
    supplement_items,
)
from chalicelib.services.case_book import Change, CoordinationDone, Extra
from chalicelib.services.cases import CaseService
from chalicelib.services.outbound import OutboundService

COORDINATOR = By(actor=Actor.CLERK, role="coordinator", subject="tongban-gateway:joint")
FOR_APPLICANT = By(actor=Actor.APPLICANT, role="coordinator", subject="tongban-gateway:joint")
PARENT_RUNNING = (CaseState.ACCEPTED, CaseState.UNDER_REVIEW, CaseState.SUPPLEMENTED)


def parts_notice(step: Outcome, before: list[Part]) -> dict[str, Any] | None:
    """The applicant's notice of what changed in the parts (the joint case's own acts notify too):
    one notice for the coordination, from the lead, naming each part that moved."""
    news = parts_news(before, step.case.parts)
    if not news:
        return None
    notice = notice_for(step.case, step.event)
    notice["title"] = f"{step.case.item_name}：{'；'.join(news)}"
    return notice


ITEMS_KEPT = 64  # item versions a coordinator keeps parsed (a joint item has few versions in force)


class JointCoordinator:
    def __init__(self, cases: CaseService, outbound: OutboundService | None, province: str) -> None:
        self._cases = cases
        self._outbound = outbound
        self._province = province
        self._items: dict[tuple[str, int], CaseItem] = {}

    def item(self, case: Case) -> CaseItem:
        """The item version the joint case was filed under, as published.

        A published version never changes, so the coordinator reads each one once: planning the
        parts and opening each of them as it becomes ready reuse it (the last `ITEMS_KEPT` read)."""
        key = (case.item_code, case.item_version)
        kept = self._items.get(key)
        if kept is None:
            doc = self._cases.catalog.item_version(*key)
            kept = CaseItem.of(doc["definition"], version=case.item_version)
            if len(self._items) >= ITEMS_KEPT:
                del self._items[next(iter(self._items))]
            self._items[key] = kept
        return kept

    def plan(self, case: Case) -> list[Part]:
        """The parts of a joint case, their provinces picked by their rules from the form."""
        return plan_parts(self.item(case), case.form, self._province)

    def listen(self, case: Case) -> None:
        """After any case here changed: coordinate the joint case it leads or belongs to."""
        if case.mode is Mode.JOINT and case.joint is None and case.state in PARENT_RUNNING:
            self.coordinate(case.number)
        elif case.joint is not None and case.joint.lead_province == self._province:
            self.coordinate(case.joint.parent)

    def on_delivered(self, record: dict[str, Any]) -> None:
        """A partner signed its receipt for a message: a stopped part's acknowledgement, perhaps."""
        if record["type"] not in (MessageType.WITHDRAWN.value, MessageType.CANCELLED.value):
            return
        case = self._cases.book.find(str(record["case"]))
        if case is not None and case.joint is not None and case.joint.lead_province == self._province:
            self.coordinate(case.joint.parent)

    def catch_up(self, limit: int = 50) -> int:
        """The relay's part: coordinate the joint cases whose mark has waited past its grace."""
        due = self._cases.queries.coordination_due(self._cases.now(), limit)
        for number in due:
            self.coordinate(number)
        return len(due)

    def coordinate(self, number: str) -> list[str]:
        """Bring the joint case up to date with its parts; returns what it did."""
        parent = self._cases.book.load(number)
        unmark = CoordinationDone(number)
        if parent.mode is not Mode.JOINT or parent.joint is not None or parent.state in FINAL:
            return self._nothing_due(unmark)
        now = self._cases.now()
        subs = {p.key: self._cases.book.load(p.case_number) for p in parent.parts if p.case_number}
        steps: list[Outcome] = []
        current = parent.model_copy(deep=True)
        done: list[str] = []
        if not current.parts and current.state in PARENT_RUNNING:
            current.parts = self.plan(current)
            # the joint case's promised time follows from its parts: the longest chain of dependencies
            current.clock.promised_days = critical_path_days(current.parts)
            done.append("planned")
        for part in current.parts:
            sub = subs.get(part.key)
            if sub is None:
                continue
            part.out_of_sync = sub.out_of_sync.reason if sub.out_of_sync else None
            part.due = sub.clock.promised_due
            if part.state in STOPPED_PARTS:  # a stop stands; its acknowledgement may have come since
                part.cancel_acknowledged = part.cancel_acknowledged or self._acknowledged(sub, part)
                continue
            part.state = part_state(sub)
            if part.state is PartState.REFUSED:
                part.reasons, part.legal_basis = refusal_of(sub)
        changes: list[Change] = []
        messages: list[dict[str, Any]] = []
        refused = [p for p in current.parts if p.state is PartState.REFUSED]
        if refused and current.state not in DECIDED:
            done.append("refused")
            # the denial carries each refusing part's own reasons and legal basis
            steps.append(self._act(current, denial(refused), COORDINATOR, now))
            current = steps[-1].case
            for part in current.parts:
                if part.state is PartState.WAITING:
                    part.state = PartState.NOT_STARTED
                elif part.key in subs and part.state not in (PartState.REFUSED, *STOPPED_PARTS):
                    sub = subs[part.key]
                    if sub.state not in FINAL:
                        change, stop_id = self._stop(sub, now, messages)
                        changes.append(change)
                        part.state = PartState.REVOKED if sub.state in DECIDED else PartState.WITHDRAWN
                        part.stop_message = stop_id
                        part.cancel_acknowledged = stop_id is None  # here: stopped in this very write
                        done.append(f"cancel {part.key}")
        elif current.state in PARENT_RUNNING or current.state is CaseState.SUPPLEMENT_REQUESTED:
            current, started = self._start_ready(current, now, steps, changes, messages)
            done.extend(f"start {k}" for k in started)
            current = self._supplements(current, subs, now, steps, changes, messages, done)
            if (
                all(p.state is PartState.APPROVED for p in current.parts)
                and current.state is CaseState.UNDER_REVIEW
            ):
                steps.append(self._act(current, Decide(approved=True), COORDINATOR, now))
                current = steps[-1].case
                done.append("approved")
        if current.parts != parent.parts or steps:
            summary = {"parts": {p.key: p.state.value for p in current.parts}}
            steps.append(record(current, "parts_updated", COORDINATOR, now, summary))
            steps[-1].notice = parts_notice(steps[-1], parent.parts)
            current = steps[-1].case
        sides: list[Extra] = (
            [unmark, *(self._outbound.item(m) for m in messages)] if self._outbound else [unmark]
        )
        if not steps and not changes:
            return self._nothing_due(unmark)
        try:
            self._cases.book.save_many(
                [Change(parent, steps), *changes], extra=sides, messages=messages if self._outbound else []
            )
        except Conflict:
            return ["conflict"]  # a part moved meanwhile: the next coordination sees it
        return done

    def _nothing_due(self, unmark: CoordinationDone) -> list[str]:
        """Nothing to change: only the coordination mark goes."""
        self._cases.book.save_many([], extra=[unmark])
        return []

    def _act(self, case: Case, command: Command, by: By, at: datetime) -> Outcome:
        return perform(case, command, by, Context(at=at, calendar=self._cases.book.calendar()))

    def _start_ready(
        self,
        parent: Case,
        now: datetime,
        steps: list[Outcome],
        changes: list[Change],
        messages: list[dict[str, Any]],
    ) -> tuple[Case, list[str]]:
        ready = ready_parts(parent.parts)
        started: list[str] = []
        if not ready:
            return parent, started
        item = self.item(parent)  # read only when a part starts
        for part in ready:
            sub, message = self._open_part(item, parent, part, now)
            changes.append(
                Change(sub, [record(sub, "open_part", COORDINATOR, now, {"part": part.key})], new=True)
            )
            if message is not None:
                messages.append(message)
            part.case_number, part.state = sub.number, PartState.STARTED
            started.append(part.key)
        if started and parent.state is CaseState.ACCEPTED:
            steps.append(self._act(parent, StartReview(), COORDINATOR, now))
            return steps[-1].case, started
        return parent, started

    def _open_part(
        self, item: CaseItem, parent: Case, part: Part, now: datetime
    ) -> tuple[Case, dict[str, Any] | None]:
        """The part's own case, submitted: here if the part is the lead's, else a copy sent on."""
        remote = part.province != self._province
        sub = new_case(
            item,
            province=part.province,
            origin_province=self._province,
            mode=Mode.JOINT,
            channel=Channel.EXCHANGE if remote else parent.handler.channel,
            applicant=parent.applicant,
            at=now,
            form=parent.form,
            submitted_at=now,
            exchange=CaseExchange(role=ORIGIN, partner=part.province, out_seq=1) if remote else None,
            joint=part_link(parent, part, self._province),
            share=part.materials or None,
        )
        shared = {s.code for s in sub.slots}
        sub.files = [
            f.model_copy() for f in parent.files if f.status is FileStatus.VERIFIED and f.slot in shared
        ]
        if not remote or self._outbound is None:
            return sub, None
        return sub, self._outbound.for_act(sub, sub, Submit(), MessageType.CASE_FORWARDED)

    def _acknowledged(self, sub: Case, part: Part) -> bool:
        """A stopped part's province has confirmed: its signed receipt for the stop message."""
        if part.stop_message is None or self._outbound is None:
            return sub.exchange is None
        return self._outbound.delivered(sub.number, part.stop_message)

    def _stop(self, sub: Case, now: datetime, messages: list[dict[str, Any]]) -> tuple[Change, str | None]:
        """Compensation: a part still open is withdrawn, one already decided is cancelled (联办撤销);
        its province is told, and its signed receipt is the acknowledgement. Returns the change and
        the id of the message that tells the province (None for a part handled here)."""
        command, kind = stop_act(sub)
        by = COORDINATOR if isinstance(command, Cancel) else FOR_APPLICANT
        outcome = self._act(sub, command, by, now)
        if sub.exchange is not None and self._outbound is not None:
            assert outcome.case.exchange is not None
            outcome.case.exchange.out_seq = sub.exchange.out_seq + 1
            messages.append(self._outbound.for_act(sub, outcome.case, command, kind))
            return Change(sub, [outcome]), str(messages[-1]["id"])
        return Change(sub, [outcome]), None

    def _supplements(
        self,
        parent: Case,
        subs: dict[str, Case],
        now: datetime,
        steps: list[Outcome],
        changes: list[Change],
        messages: list[dict[str, Any]],
        done: list[str],
    ) -> Case:
        """补正 from any part reaches the applicant through the lead, one list; the answer goes back."""
        asking = [
            subs[p.key] for p in parent.parts if p.state is PartState.SUPPLEMENT_REQUESTED and p.key in subs
        ]
        if asking and parent.state in (CaseState.ACCEPTED, CaseState.UNDER_REVIEW):
            steps.append(self._act(parent, supplement_items(asking), COORDINATOR, now))
            done.append("supplement requested")
            return steps[-1].case
        if parent.state is CaseState.SUPPLEMENTED:
            asked = parent.supplement.requested_at if parent.supplement else now
            fresh = [f for f in parent.files if f.status is FileStatus.VERIFIED and f.created_at >= asked]
            for sub in asking:
                copy = sub.model_copy(deep=True)
                copy.files.extend(
                    f.model_copy() for f in fresh if f.file_id not in {g.file_id for g in copy.files}
                )
                if parent.supplement is not None and parent.supplement.changed_fields:
                    take_form(copy, parent.form)  # a field the answer corrected reaches the part too
                note = parent.supplement.note if parent.supplement else None
                answer = AnswerSupplement(note=note)
                outcome = self._act(copy, answer, FOR_APPLICANT, now)
                if sub.exchange is not None and self._outbound is not None:
                    assert outcome.case.exchange is not None
                    outcome.case.exchange.out_seq = sub.exchange.out_seq + 1
                    messages.append(
                        self._outbound.for_act(sub, outcome.case, answer, MessageType.SUPPLEMENT_ANSWERED)
                    )
                changes.append(Change(sub, [outcome]))
                done.append(f"answered {sub.joint.part if sub.joint else sub.number}")
            steps.append(self._act(parent, StartReview(), COORDINATOR, now))
            return steps[-1].case
        return parent
