"""The case book: load a case, and save what an act did to it in one conditional transaction.

Saving seals the act's events into the case's audit chain, derives the index keys (inbox order,
deadline sweep, owner), writes case + events + outbox together, and then hands the notices to the
queue once. If the process dies after the commit, the outbox relay sends them later.

A save that loses the optimistic race says who won it: when every event written since the version
it started from is the gateway's own (a partner's message applied, a file checked, the deadline
sweep, the joint coordinator), the conflict is an InternalConflict, which the HTTP layer answers by
running the use case again on the fresh case; a person's concurrent edit stays a 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.domain import audit
from chalicelib.domain.case import Case
from chalicelib.domain.case_acts import Outcome, deadline_of, owner_key
from chalicelib.domain.case_states import DECIDED, FINAL, CaseState
from chalicelib.domain.errors import Conflict, InternalConflict, NotFound
from chalicelib.domain.working_days import WorkingCalendar


@dataclass(frozen=True)
class CaseRecord:
    """A case document with the index keys the store derives for it."""

    doc: dict[str, Any]
    owner: str
    created: str
    inbox: str | None  # <authority>, while the authority has something to do
    urgency: str  # <date>#<number>: the order of the inbox
    due_partition: str | None  # DUE, DUE#P#<year> (provisional), or None once settled
    due_key: str | None  # <next check date>#<number>
    principal_owner: str | None = None  # 委托代办: HOLDER#<key>, the principal's "my cases" entry


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    last_key: dict[str, Any] | None
    # each item's own position in the query (a start key that resumes right after it)
    positions: list[dict[str, Any]] = field(default_factory=list)


class CaseStore(Protocol):
    def get(self, number: str) -> dict[str, Any] | None: ...
    def events(self, number: str) -> list[dict[str, Any]]: ...
    def case_with_events(self, number: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]: ...
    def commit_many(
        self,
        cases: Sequence[tuple[CaseRecord, int, Sequence[dict[str, Any]], Sequence[dict[str, Any]]]],
        *,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None: ...
    def commit(
        self,
        record: CaseRecord,
        *,
        expected_version: int,
        events: Sequence[dict[str, Any]] = (),
        outbox: Sequence[dict[str, Any]] = (),
        extra: Sequence[dict[str, Any]] = (),
    ) -> None: ...
    def by_owner(self, owner: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def inbox(
        self,
        authority: str,
        limit: int,
        start: dict[str, Any] | None,
        *,
        due_before: str | None,
        state: str | None,
    ) -> Page: ...
    def due_for_check(self, partition: str, today: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def in_partition(self, partition: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def shipment_item(self, shipment: dict[str, Any]) -> dict[str, Any]: ...
    def shipments(self, number: str) -> list[dict[str, Any]]: ...
    def pending_outbox(self, older_than: str, limit: int) -> list[dict[str, Any]]: ...
    def deliver_notice(self, notice: dict[str, Any]) -> None: ...
    def notices(self, recipient: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def rectification_item(self, rect: dict[str, Any], *, new: bool) -> dict[str, Any]: ...
    def coordination_mark(self, parent: str, due: str) -> dict[str, Any]: ...
    def coordination_unmark(self, parent: str) -> dict[str, Any]: ...
    def coordination_due(self, now: str, limit: int) -> list[str]: ...
    def rectification(self, number: str) -> dict[str, Any] | None: ...
    def rectifications(
        self, province: str, status: str, authority: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page: ...


class NoticeQueue(Protocol):
    def send(self, notice: dict[str, Any]) -> None: ...


DUE_PARTITION = "DUE"
NO_DATE = "9999-12-31"


def provisional_partition(year: int) -> str:
    return f"{DUE_PARTITION}#P#{year}"


def warn_day(calendar: WorkingCalendar, due: date, limit_days: int) -> date:
    """The first day the light turns yellow: when at most 20 % of the limit (≥ 1 day) is left."""
    threshold = max(1, limit_days * 20 // 100)
    day, left = due, 0
    while left < threshold:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left += 1
    return day


def record_of(case: Case, calendar: WorkingCalendar) -> CaseRecord:
    """The case with the index keys that serve the inbox, the sweep and 'my cases'."""
    number = case.number
    first = case.clock.promised_due or (case.submitted_at.date() if case.submitted_at else None)
    urgency = f"{first.isoformat() if first else NO_DATE}#{number}"
    # a window's own intakes are in its queue from the start; others once submitted
    in_inbox = case.state is not CaseState.CLOSED and (
        case.state is not CaseState.DRAFT or case.intake is not None
    )
    partition = key = None
    deadline = deadline_of(case.clock)
    watched = case.state not in DECIDED and case.state not in FINAL and not case.clock.overdue
    if deadline is not None and deadline.due is not None and watched:
        partition = (
            provisional_partition(min(case.clock.provisional_years))
            if case.clock.provisional
            else DUE_PARTITION
        )
        check = (
            deadline.due + timedelta(days=1)
            if case.clock.warned
            else warn_day(calendar, deadline.due, deadline.limit_days)
        )
        key = f"{check.isoformat()}#{number}"
    # a joint case's part is internal: "my cases" lists the joint case, not its parts
    owner = (
        f"PART#{case.joint.parent}"
        if case.joint
        else owner_key(case.applicant.issuer, case.applicant.subject)
    )
    return CaseRecord(
        doc=case.model_dump(mode="json"),
        owner=owner,
        created=f"{case.created_at.isoformat()}#{number}",
        inbox=_inbox_of(case) if in_inbox else None,
        urgency=urgency,
        due_partition=partition,
        due_key=key,
        principal_owner=principal_owner(case.principal_key) if case.agent and not case.joint else None,
    )


def principal_owner(holder_key: str | None) -> str | None:
    """The "my cases" key under which a principal (委托人) finds the cases agents filed for them: their
    verified identity's holder key, since the agent's login owns the case."""
    return None if holder_key is None else f"HOLDER#{holder_key}"


def _inbox_of(case: Case) -> str:
    """Whose queue the case is in: the window's that took it in (at the origin), else the authority's."""
    if case.intake is not None and case.exchange is not None and case.exchange.role == "origin":
        return case.intake.window
    return case.handler.authority


@dataclass
class Change:
    """A case and what acts did to it (new: it is being created)."""

    original: Case
    outcomes: list[Outcome]
    new: bool = False


def _sealed(original: Case, outcomes: Sequence[Outcome], new: bool) -> tuple[Case, list[dict[str, Any]]]:
    """The changed case with its bookkeeping, and its events sealed into the audit chain in order."""
    case = outcomes[-1].case if outcomes else original.model_copy(deep=True)
    events: list[dict[str, Any]] = []
    previous, seq = original.last_hash, original.seq
    for outcome in outcomes:
        seq += 1
        sealed = audit.seal(previous, {**outcome.event, "seq": seq})
        events.append(sealed)
        previous = sealed["hash"]
    case.seq, case.last_hash = seq, previous
    case.version = 1 if new else original.version + 1
    return case, events


class CaseBook:
    def __init__(self, store: CaseStore, queue: NoticeQueue, calendar: Callable[[], WorkingCalendar]) -> None:
        self.store = store
        self._queue = queue
        self._calendar = calendar

    def load(self, number: str) -> Case:
        doc = self.store.get(number)
        if doc is None:
            raise NotFound("case_not_found")
        return Case.model_validate(doc)

    def create(self, case: Case, event: dict[str, Any], extra: Sequence[dict[str, Any]] = ()) -> Case:
        return self.save(case, [Outcome(case, event)], extra=extra, new=True)

    def save(
        self,
        original: Case,
        outcomes: Sequence[Outcome],
        *,
        extra: Sequence[dict[str, Any]] = (),
        new: bool = False,
    ) -> Case:
        """Seal the outcomes' events in order, commit everything, then send the notices."""
        return self.save_many([Change(original, list(outcomes), new)], extra=extra)[0]

    def save_many(self, changes: Sequence[Change], *, extra: Sequence[dict[str, Any]] = ()) -> list[Case]:
        """Several cases changed together (a joint case and its parts): one transaction."""
        written, saved, notices = [], [], []
        calendar = self._calendar()
        for change in changes:
            case, events = _sealed(change.original, change.outcomes, change.new)
            # the applicant of a case handled for another province hears of it from their own gateway,
            # and of a joint case's part from the joint case (one notice per event, from the lead)
            handled_for_partner = case.exchange is not None and case.exchange.role == "handler"
            internal = handled_for_partner or case.joint is not None
            mine = []
            if not internal:
                # a notice is named by its sealed event, so two acts in one write make two notices
                for outcome, event in zip(change.outcomes, events, strict=True):
                    if outcome.notice is not None:
                        mine.append({**outcome.notice, "id": f"{case.number}:{event['seq']}"})
            written.append(
                (record_of(case, calendar), 0 if change.new else change.original.version, events, mine)
            )
            saved.append(case)
            notices.extend(mine)
        try:
            self.store.commit_many(written, extra=extra)
        except Conflict as conflict:
            if conflict.code == "concurrent_modification" and self._lost_to_the_gateway(changes):
                raise InternalConflict() from None
            raise
        for notice in notices:
            self._queue.send(notice)
        return saved

    def calendar(self) -> WorkingCalendar:
        return self._calendar()

    def _lost_to_the_gateway(self, changes: Sequence[Change]) -> bool:
        """Whether every event committed since the changes' versions was written by the gateway."""
        newer = [
            event
            for change in changes
            if not change.new
            for event in self.store.events(change.original.number)
            if int(event.get("seq", 0)) > change.original.seq
        ]
        return bool(newer) and all(
            str((event.get("by") or {}).get("role")) in INTERNAL_ROLES for event in newer
        )


# The `by.role` of events the gateway writes on its own: checks, sweeps, partners' messages, the
# joint coordinator (services/cases.GATEWAY, domain/case_exchange, services/joint).
INTERNAL_ROLES = frozenset({"gateway", "partner", "coordinator"})
