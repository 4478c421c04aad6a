"""Cases across provinces: which acts send which message, and how the applicant's side (the origin)
follows the handling province's acts on its copy of the case (镜像办件).

The handling province is the source of truth; its acts passed its own rules there. The origin
applies them to its copy through the same state table (an act that is not a legal move from the
copy's state is refused), without judging them again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.case import (
    Case,
    CaseClock,
    Decision,
    Refusal,
    ResultRecord,
    Supplement,
    SupplementItem,
    Suspension,
    SuspensionProcedure,
)
from chalicelib.domain.case_acts import NOTIFIED_ACTS, By, Outcome, notice_for, record
from chalicelib.domain.case_states import TRANSITIONS, Act, Actor, CaseState, next_state
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.envelope import MessageType

ORIGIN, HANDLER = "origin", "handler"

# (side, act) → the message that tells the other side.
OUTGOING: dict[tuple[str, Act], MessageType] = {
    (HANDLER, Act.ACCEPT): MessageType.ACCEPTED,
    (HANDLER, Act.REFUSE): MessageType.NOT_ACCEPTED,
    (HANDLER, Act.REQUEST_SUPPLEMENT): MessageType.SUPPLEMENT_REQUESTED,
    (HANDLER, Act.SUSPEND): MessageType.SUSPENDED,
    (HANDLER, Act.RESUME): MessageType.RESUMED,
    (HANDLER, Act.DECIDE): MessageType.DECIDED,
    (HANDLER, Act.ACCEPT_AND_DECIDE): MessageType.DECIDED,
    (HANDLER, Act.ISSUE_RESULT): MessageType.RESULT_ISSUED,
    (ORIGIN, Act.SUBMIT): MessageType.CASE_FORWARDED,
    (ORIGIN, Act.ANSWER_SUPPLEMENT): MessageType.SUPPLEMENT_ANSWERED,
    (ORIGIN, Act.WITHDRAW): MessageType.WITHDRAWN,
    (ORIGIN, Act.DELIVER): MessageType.RESULT_HANDED_OVER,
    (ORIGIN, Act.CANCEL): MessageType.CANCELLED,
}

# At the origin: the handling province's message → the act it stands for on the copy.
MIRRORED: dict[MessageType, Act] = {
    MessageType.ACCEPTED: Act.ACCEPT,
    MessageType.NOT_ACCEPTED: Act.REFUSE,
    MessageType.SUPPLEMENT_REQUESTED: Act.REQUEST_SUPPLEMENT,
    MessageType.SUSPENDED: Act.SUSPEND,
    MessageType.RESUMED: Act.RESUME,
    MessageType.DECIDED: Act.DECIDE,
    MessageType.RESULT_ISSUED: Act.ISSUE_RESULT,
}

# At the handling province: the origin's message → the applicant's act it carries.
CARRIED: dict[MessageType, Act] = {
    MessageType.SUPPLEMENT_ANSWERED: Act.ANSWER_SUPPLEMENT,
    MessageType.WITHDRAWN: Act.WITHDRAW,
    MessageType.RESULT_HANDED_OVER: Act.DELIVER,
    MessageType.CANCELLED: Act.CANCEL,
}


def partner_by(code: str, actor: Actor = Actor.GATEWAY) -> By:
    """The partner province as the actor of the timeline."""
    return By(actor=actor, role="partner", subject=f"partner:{code}", province=code)


def outgoing(case: Case, act: Act) -> MessageType | None:
    if case.exchange is None:
        return None
    kind = OUTGOING.get((case.exchange.role, act))
    if kind is MessageType.RESULT_HANDED_OVER and case.intake is None:
        return None  # only a window hands a result over; an online download tells nobody
    if kind is MessageType.CASE_FORWARDED and case.mode is Mode.PROXY_INTAKE:
        return MessageType.CASE_DISPATCHED  # the window's intake package
    return kind


def status_payload(case: Case, act: Act) -> dict[str, Any]:
    """What the handling province tells the origin about an act (files travel separately)."""
    payload: dict[str, Any] = {
        "act": act.value,
        "state": case.state.value,
        "clock": case.clock.model_dump(mode="json"),
    }
    if act is Act.REFUSE and case.refusal is not None:
        payload["refusal"] = case.refusal.model_dump(mode="json")
    if act is Act.REQUEST_SUPPLEMENT and case.supplement is not None:
        payload["supplement"] = {
            "items": [i.model_dump(mode="json", exclude_none=True) for i in case.supplement.items]
        }
    if act is Act.SUSPEND and case.suspension is not None:
        payload["suspension"] = case.suspension.model_dump(mode="json")
    if act in (Act.DECIDE, Act.ACCEPT_AND_DECIDE) and case.decision is not None:
        payload["decision"] = case.decision.model_dump(mode="json")
    if act is Act.ISSUE_RESULT and case.result is not None:
        payload["result"] = case.result.model_dump(mode="json", exclude={"file_id"})
    return payload


def mirror(case: Case, kind: MessageType, payload: dict[str, Any], sender: str, at: datetime) -> Outcome:
    """Apply the handling province's act to the origin's copy, through the state table."""
    act = MIRRORED[kind]
    if kind is MessageType.DECIDED and payload.get("act") == Act.ACCEPT_AND_DECIDE.value:
        act = Act.ACCEPT_AND_DECIDE  # 即办件: accepted and decided in one act
    approved = bool(payload.get("decision", {}).get("approved", True))
    target = next_state(case.state, act, approved=approved)
    outcome = record(case, f"partner_{act.value}", partner_by(sender), at, {"state": payload.get("state")})
    copy = outcome.case
    copy.state = target
    copy.clock = CaseClock.model_validate(payload["clock"])
    if act in (Act.ACCEPT, Act.ACCEPT_AND_DECIDE):
        copy.accepted_at = at
    elif act is Act.REFUSE:
        copy.refusal = Refusal.model_validate(payload["refusal"])
    elif act is Act.REQUEST_SUPPLEMENT:
        items = [SupplementItem.model_validate(i) for i in payload["supplement"]["items"]]
        copy.supplement = Supplement(requested_at=at, before_acceptance=copy.accepted_at is None, items=items)
        outcome.event["details"]["items"] = payload["supplement"]["items"]
    elif act is Act.SUSPEND:
        suspension = payload["suspension"]
        copy.suspension = Suspension(
            procedure=SuspensionProcedure(suspension["procedure"]), reason=suspension["reason"], since=at
        )
    elif act is Act.RESUME:
        copy.suspension = None
    if act in (Act.DECIDE, Act.ACCEPT_AND_DECIDE):
        copy.decision = Decision.model_validate(payload["decision"])
        copy.decided_at = at
    elif act is Act.ISSUE_RESULT:
        copy.result = ResultRecord.model_validate({**payload["result"], "file_id": payload.get("file_id")})
    outcome.event["to"] = copy.state.value
    if act in NOTIFIED_ACTS:
        outcome.notice = notice_for(copy, outcome.event)
    return outcome


def valid_states(kind: MessageType) -> tuple[str, list[CaseState]]:
    """Where a received message of `kind` applies: the receiving side and the states its copy of
    the case may be in (none: the message opens the case). Read off the state table, so the spec's
    table (docs/exchange/README.md) is checked against it."""
    if kind in (MessageType.CASE_FORWARDED, MessageType.CASE_DISPATCHED):
        return HANDLER, []
    side, act = (ORIGIN, MIRRORED[kind]) if kind in MIRRORED else (HANDLER, CARRIED[kind])
    acts = (act, Act.ACCEPT_AND_DECIDE) if kind is MessageType.DECIDED else (act,)
    states = [state for state in CaseState if any((state, a) in TRANSITIONS for a in acts)]
    return side, states
