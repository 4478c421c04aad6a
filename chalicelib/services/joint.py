"""多地联办: the lead province (受理地) coordinates a joint case's parts.

After the lead accepts the case, each part is a case of its own: handled here when its rule picks
the lead province, otherwise forwarded to its province (the lead keeps a copy that the part's
messages keep current). Whenever a part moves, `coordinate` derives everything again from the
parts' cases — which parts may start, whether the applicant must supplement, whether the joint
case is decided — and writes the joint case, any part it starts or stops and their messages in one
transaction. It holds no state of its own, so running it twice, or again after a crash half-way,
does what is left and nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.case import (
    STOPPED_PARTS,
    Case,
    CaseClock,
    CaseExchange,
    Channel,
    FileStatus,
    Handler,
    JointLink,
    Part,
    PartState,
)
from chalicelib.domain.case_acts import By, Context, Outcome, notice_for, perform, record
from chalicelib.domain.case_exchange import ORIGIN
from chalicelib.domain.case_states import DECIDED, FINAL, Actor, CaseState
from chalicelib.domain.catalog_terms import Mode, PartRule
from chalicelib.domain.commands import (
    AnswerSupplement,
    Cancel,
    Command,
    Decide,
    RequestSupplement,
    StartReview,
    Submit,
    Withdraw,
)
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.services.case_book import Change, CoordinationDone, Extra
from chalicelib.services.cases import CaseService, new_case_number
from chalicelib.services.outbound import OutboundService

COORDINATOR = By(actor=Actor.CLERK, role="coordinator", subject="tongban-gateway:joint")
FOR_APPLICANT = By(actor=Actor.APPLICANT, role="coordinator", subject="tongban-gateway:joint")
PARENT_RUNNING = (CaseState.ACCEPTED, CaseState.UNDER_REVIEW, CaseState.SUPPLEMENTED)


def part_state(case: Case) -> PartState:
    """A part's state from its own case."""
    if case.state is CaseState.WITHDRAWN:
        return PartState.WITHDRAWN
    if case.state is CaseState.NOT_ACCEPTED or case.state is CaseState.DENIED:
        return PartState.REFUSED
    if case.state in DECIDED or (case.state is CaseState.CLOSED and case.decision is not None):
        return PartState.APPROVED if case.decision is None or case.decision.approved else PartState.REFUSED
    if case.state is CaseState.SUPPLEMENT_REQUESTED:
        return PartState.SUPPLEMENT_REQUESTED
    if case.accepted_at is not None:
        return PartState.ACCEPTED
    return PartState.STARTED


def refusal_of(case: Case) -> tuple[list[str], str | None]:
    """A refused part's reasons and legal basis, as its province gave them."""
    if case.refusal is not None:
        return [case.refusal.reason], case.refusal.legal_basis
    if case.decision is not None and not case.decision.approved:
        return list(case.decision.reasons), case.decision.legal_basis
    return [], None


PART_NEWS = {
    PartState.ACCEPTED: "已受理",
    PartState.APPROVED: "已准予",
    PartState.REFUSED: "不予办理",
    PartState.WITHDRAWN: "已终止",
    PartState.REVOKED: "已撤销（联办撤销）",
    PartState.NOT_STARTED: "不再办理",
}


def parts_notice(step: Outcome, before: list[Part]) -> dict[str, Any] | None:
    """The applicant's notice of what changed in the parts (the joint case's own acts notify too):
    one notice for the coordination, from the lead, naming each part that moved."""
    was = {p.key: p.state for p in before}
    news = [
        f"{p.role}{PART_NEWS[p.state]}"
        for p in step.case.parts
        if p.state in PART_NEWS and was.get(p.key) is not p.state
    ]
    if not news:
        return None
    notice = notice_for(step.case, step.event)
    notice["title"] = f"{step.case.item_name}：{'；'.join(news)}"
    return notice


def critical_path_days(parts: list[Part]) -> int:
    """Working days along the longest chain of parts (parts without dependencies run side by side)."""
    by_key = {p.key: p for p in parts}
    memo: dict[str, int] = {}

    def finish(key: str) -> int:
        if key not in memo:
            part = by_key[key]
            memo[key] = part.promised_days + max(
                (finish(d) for d in part.depends_on if d in by_key), default=0
            )
        return memo[key]

    return max((finish(p.key) for p in parts), default=0)


class JointCoordinator:
    def __init__(self, cases: CaseService, outbound: OutboundService | None, province: str) -> None:
        self._cases = cases
        self._outbound = outbound
        self._province = province

    def plan(self, case: Case) -> list[Part]:
        """The parts of a joint case, their provinces picked by their rules from the form."""
        item = self._cases.catalog.item_version(case.item_code, case.item_version)["definition"]
        parts = []
        for spec in item.get("joint_parts", []):
            rule = PartRule(spec["province_rule"])
            province = self._province if rule is PartRule.LEAD else str(case.form.get(rule.value, ""))
            implementation = item["implementations"].get(province)
            if implementation is None:
                raise InvalidInput(
                    "province_not_implemented",
                    errors=[{"field": f"form.{rule.value}", "code": "not_implemented"}],
                )
            parts.append(
                Part(
                    key=spec["key"],
                    role=spec["role"],
                    province=province,
                    authority=implementation.get("authority_code") or f"A-{province}-01",
                    authority_name=implementation["authority"],
                    depends_on=spec.get("depends_on", []),
                    promised_days=spec["promised_limit_days"],
                    materials=spec.get("materials", []),
                )
            )
        return parts

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
            reasons = [f"{p.role}（{p.province}）：{r}" for p in refused for r in p.reasons or ["不予办理"]]
            basis = "；".join(dict.fromkeys(p.legal_basis for p in refused if p.legal_basis)) or None
            denial = Decide(approved=False, reasons=tuple(reasons), legal_basis=basis)
            steps.append(self._act(current, denial, COORDINATOR, now))
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
        approved = {p.key for p in parent.parts if p.state is PartState.APPROVED}
        started = []
        for part in parent.parts:
            if part.state is PartState.WAITING and set(part.depends_on) <= approved:
                sub, message = self._open_part(parent, part, now)
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

    def _open_part(self, parent: Case, part: Part, now: datetime) -> tuple[Case, dict[str, Any] | None]:
        """The part's own case, submitted: here if the part is the lead's, else a copy sent on."""
        remote = part.province != self._province
        slots = [s for s in parent.slots if not part.materials or s.code in part.materials]
        files = [
            f
            for f in parent.files
            if f.status is FileStatus.VERIFIED and any(s.code == f.slot for s in slots)
        ]
        sub = Case(
            number=new_case_number(self._province, f"{now:%Y%m%d}"),
            item_code=parent.item_code,
            item_version=parent.item_version,
            item_name=f"{parent.item_name}（{part.role}）",
            immediate=False,
            allows_deferred_acceptance=False,
            allows_commitment=False,
            mode=Mode.JOINT,
            origin_province=self._province,
            handler=Handler(
                province=part.province,
                authority=part.authority,
                authority_name=part.authority_name,
                channel=Channel.EXCHANGE if remote else parent.handler.channel,
            ),
            applicant=parent.applicant,
            form=parent.form,
            slots=slots,
            files=[f.model_copy() for f in files],
            state=CaseState.SUBMITTED,
            created_at=now,
            updated_at=now,
            submitted_at=now,
            clock=CaseClock(statutory_days=parent.clock.statutory_days, promised_days=part.promised_days),
            exchange=CaseExchange(role=ORIGIN, partner=part.province, out_seq=1) if remote else None,
            joint=JointLink(
                parent=parent.number,
                part=part.key,
                role=part.role,
                lead_province=self._province,
                promised_days=part.promised_days,
                siblings=[
                    {"part": p.key, "role": p.role, "province": p.province, "state": p.state.value}
                    for p in parent.parts
                    if p.key != part.key
                ],
            ),
        )
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
        decided = sub.state in DECIDED
        reason = "联办事项其他部分不予办理，本部分终止"
        command: Command = Cancel(reason=reason) if decided else Withdraw(reason=reason)
        outcome = self._act(sub, command, COORDINATOR if decided else FOR_APPLICANT, now)
        if sub.exchange is not None and self._outbound is not None:
            assert outcome.case.exchange is not None
            outcome.case.exchange.out_seq = sub.exchange.out_seq + 1
            kind = MessageType.CANCELLED if decided else MessageType.WITHDRAWN
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
            items = tuple(
                i.model_copy(update={"reason": f"{s.joint.role if s.joint else ''}：{i.reason}"})
                for s in asking
                if s.supplement is not None
                for i in s.supplement.items
            )
            steps.append(self._act(parent, RequestSupplement(items=items), COORDINATOR, now))
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
