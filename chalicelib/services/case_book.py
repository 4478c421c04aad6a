"""The case book: the unit of work of cases. Load a case, and save what acts did to it in one
conditional transaction; reads for lists and views are the query side's (services/case_queries.py).

Saving is the one path by which a case is written. It seals the acts' events into the case's audit
chain, derives the index keys (inbox order, deadline sweep, owner), and commits case + events +
outbox records (notices, exchange messages) + side records (shipments, rectifications,
coordination marks) in one transaction through the narrow repository (`CaseRepository`: get,
events, commit), on the version the case was read at. After the commit, and only then, it runs what
the post-commit table (services/after_commit.py) lists: notices to the queue, messages to the
sender, and — for a case a person or partner acted on (`acted`) — joint coordination and video
announcements. If the process dies after the commit, the relays send what waited in the outbox.

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
from chalicelib.services.after_commit import AfterCommit, Committed


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


@dataclass(frozen=True)
class ShipmentRecord:
    """A shipment (资料寄递) of the case, written with the act that records it."""

    shipment: dict[str, Any]


@dataclass(frozen=True)
class RectificationRecord:
    """A rectification (整改), opened (`new`: it must not exist yet) or updated with the act."""

    rectification: dict[str, Any]
    new: bool


@dataclass(frozen=True)
class CoordinationMark:
    """The joint case `parent` is to be coordinated (again) from `due` on, should its coordinator
    die after this write (services/joint.py catches up marks whose time has come)."""

    parent: str
    due: str


@dataclass(frozen=True)
class CoordinationDone:
    """The joint case `parent` was coordinated: its mark goes."""

    parent: str


# What a write may carry besides cases: the case table's own side records, named above, or an item
# another store of the same table built for the transaction (an exchange message's outbox record,
# a received message's status), passed through as it is.
SideRecord = ShipmentRecord | RectificationRecord | CoordinationMark | CoordinationDone
Extra = SideRecord | dict[str, Any]


@dataclass(frozen=True)
class CaseWrite:
    """One case of a write: its record, the version it was read at (0: new), its sealed events and
    the outbox records of its notices."""

    record: CaseRecord
    expected_version: int
    events: Sequence[dict[str, Any]]
    notices: Sequence[dict[str, Any]]


class CaseRepository(Protocol):
    """The write side of the case store: what loading and saving a case needs, nothing else.
    Reads for lists and views are the query side's (services/case_queries.py)."""

    def get(self, number: str) -> dict[str, Any] | None: ...
    def events(self, number: str) -> list[dict[str, Any]]: ...
    def commit(self, cases: Sequence[CaseWrite], *, extra: Sequence[Extra] = ()) -> None:
        """Every case on its expected version, its events, outbox and the side records: all or none."""
        ...


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
    """The unit of work of cases: load a case, then save what acts did to it (with what the write
    carries besides) in one transaction, and run what the post-commit table lists after it."""

    def __init__(
        self,
        repository: CaseRepository,
        calendar: Callable[[], WorkingCalendar],
        after_commit: AfterCommit,
    ) -> None:
        self._repository = repository
        self._calendar = calendar
        self._after_commit = after_commit

    def load(self, number: str) -> Case:
        case = self.find(number)
        if case is None:
            raise NotFound("case_not_found")
        return case

    def find(self, number: str) -> Case | None:
        """The case to act on, or None when there is none (a partner's first message creates it)."""
        doc = self._repository.get(number)
        return None if doc is None else Case.model_validate(doc)

    def create(self, case: Case, event: dict[str, Any], extra: Sequence[Extra] = ()) -> Case:
        return self.save(case, [Outcome(case, event)], extra=extra, new=True)

    def save(
        self,
        original: Case,
        outcomes: Sequence[Outcome],
        *,
        extra: Sequence[Extra] = (),
        messages: Sequence[dict[str, Any]] = (),
        new: bool = False,
    ) -> Case:
        """Seal the outcomes' events in order, commit everything, then send the notices and the
        exchange messages (whose outbox records `extra` carries)."""
        return self.save_many([Change(original, list(outcomes), new)], extra=extra, messages=messages)[0]

    def save_many(
        self,
        changes: Sequence[Change],
        *,
        extra: Sequence[Extra] = (),
        messages: Sequence[dict[str, Any]] = (),
    ) -> list[Case]:
        """Several cases changed together (a joint case and its parts): one transaction. With no
        changes, the side records alone are written (a coordination mark cleared)."""
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
            expected = 0 if change.new else change.original.version
            written.append(CaseWrite(record_of(case, calendar), expected, events, mine))
            saved.append(case)
            notices.extend(mine)
        try:
            self._repository.commit(written, extra=extra)
        except Conflict as conflict:
            if conflict.code == "concurrent_modification" and self._lost_to_the_gateway(changes):
                raise InternalConflict() from None
            raise
        self._after_commit.run(Committed.NOTICE, notices)
        self._after_commit.run(Committed.MESSAGE, messages)
        return saved

    def acted(self, case: Case) -> None:
        """The case (already committed) was changed by a person's act or a partner's message: run
        what the post-commit table lists for that (joint coordination, video announcements)."""
        self._after_commit.run(Committed.CASE_ACTED, [case])

    def calendar(self) -> WorkingCalendar:
        return self._calendar()

    def _lost_to_the_gateway(self, changes: Sequence[Change]) -> bool:
        """Whether every event committed since the changes' versions was written by the gateway."""
        newer = [
            event
            for change in changes
            if not change.new
            for event in self._repository.events(change.original.number)
            if int(event.get("seq", 0)) > change.original.seq
        ]
        return bool(newer) and all(
            str((event.get("by") or {}).get("role")) in INTERNAL_ROLES for event in newer
        )


# The `by.role` of events the gateway writes on its own: checks, sweeps, partners' messages, the
# joint coordinator (services/cases.GATEWAY, domain/case_exchange, services/joint).
INTERNAL_ROLES = frozenset({"gateway", "partner", "coordinator"})
