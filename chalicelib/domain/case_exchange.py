"""Cases across provinces: which acts send which message, and how the applicant's side (the origin)
follows the handling province's acts on its copy of the case (镜像办件).

The handling province is the source of truth; its acts passed its own rules there. The origin
applies them to its copy without judging them again. Which copy states a message may find is the
data of `MIRROR_TABLE` (at the origin) and `CARRY_TABLE` (at the handling province): the copy lags
behind (acts such as 审核 send no message, and a 补正 answer leaves the copy `supplemented` while
the handler reviews again), and the two sides' messages may cross (a withdrawal and a decision).
Every state a message can find is in its table; a message that finds another state cannot apply
(`OutOfSync`), which the receiver shows and retries rather than drops.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.case import Case, ResultRecord, Supplement, Suspension
from chalicelib.domain.case_acts import NOTIFIED_ACTS, By, Outcome, notice_for, record
from chalicelib.domain.case_states import BEFORE_DECISION, RATEABLE, Act, Actor, CaseState
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict
from chalicelib.domain.messages import (
    CaseDecided,
    CaseDeliveryRecorded,
    CaseNotAccepted,
    CaseResultIssued,
    CaseResumed,
    CaseSupplementRequested,
    CaseSuspended,
    StatusPayload,
)

ORIGIN, HANDLER = "origin", "handler"
BOTH_WAYS = frozenset({MessageType.ENTRUSTMENT_SETTLED})

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
    (HANDLER, Act.DELIVER): MessageType.DELIVERY_RECORDED,
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
    MessageType.DELIVERY_RECORDED: Act.DELIVER,
}

# At the handling province: the origin's message → the applicant's act it carries.
CARRIED: dict[MessageType, Act] = {
    MessageType.SUPPLEMENT_ANSWERED: Act.ANSWER_SUPPLEMENT,
    MessageType.WITHDRAWN: Act.WITHDRAW,
    MessageType.RESULT_HANDED_OVER: Act.DELIVER,
    MessageType.CANCELLED: Act.CANCEL,
    MessageType.RESULT_DELIVERED: Act.DELIVER,
}


S = CaseState
# Where a received message may find the case, and where it leads from there (`None`: the case was
# stopped on this side, so the message is recorded and the state kept). A decision's target names
# the approved branch; a refusal lands in DENIED.
REVIEWING = {S.ACCEPTED: S.APPROVED, S.UNDER_REVIEW: S.APPROVED, S.SUPPLEMENTED: S.APPROVED}
BEFORE_ACCEPTANCE = (S.SUBMITTED, S.PRE_REVIEW_PASSED, S.SUPPLEMENTED)  # supplemented: 补正 before 受理
STOPPED_HERE: dict[CaseState, CaseState | None] = {S.WITHDRAWN: None, S.CLOSED: None}

# At the origin (the applicant's side; at a joint case's lead, the copy of a remote part).
MIRROR_TABLE: dict[MessageType, dict[CaseState, CaseState | None]] = {
    MessageType.ACCEPTED: {**dict.fromkeys(BEFORE_ACCEPTANCE, S.ACCEPTED), **STOPPED_HERE},
    MessageType.NOT_ACCEPTED: {**dict.fromkeys(BEFORE_ACCEPTANCE, S.NOT_ACCEPTED), **STOPPED_HERE},
    MessageType.SUPPLEMENT_REQUESTED: {
        **dict.fromkeys((*BEFORE_ACCEPTANCE, S.ACCEPTED, S.UNDER_REVIEW), S.SUPPLEMENT_REQUESTED),
        **STOPPED_HERE,
    },
    MessageType.SUSPENDED: {**dict.fromkeys(REVIEWING, S.SUSPENDED), **STOPPED_HERE},
    MessageType.RESUMED: {S.SUSPENDED: S.UNDER_REVIEW, **STOPPED_HERE},
    # 作出决定 after 受理 (the copy may still read `supplemented`: 审核 after a 补正 sends nothing) …
    MessageType.DECIDED: {**REVIEWING, **STOPPED_HERE},
    MessageType.RESULT_ISSUED: {S.APPROVED: S.RESULT_ISSUED, S.DENIED: S.RESULT_ISSUED, **STOPPED_HERE},
    # 送达 recorded there (a mailed result signed for); delivered here meanwhile: noted only
    MessageType.DELIVERY_RECORDED: {S.RESULT_ISSUED: S.DELIVERED, S.DELIVERED: None, **STOPPED_HERE},
}
# … and 即办件, accepted and decided in one act: the states a copy can be in before 受理.
MIRROR_ACCEPT_AND_DECIDE: dict[CaseState, CaseState | None] = {
    **dict.fromkeys(BEFORE_ACCEPTANCE, S.APPROVED),
    **STOPPED_HERE,
}

# At the handling province: the origin's messages. A withdrawal that crossed the decision undoes it
# (撤回 reaching a decided case is its 撤销: CANCEL); one that finds a refusal or a denial is noted.
ENDED_THERE: dict[CaseState, CaseState | None] = {S.NOT_ACCEPTED: None, **STOPPED_HERE}
CARRY_TABLE: dict[MessageType, dict[CaseState, CaseState | None]] = {
    MessageType.SUPPLEMENT_ANSWERED: {S.SUPPLEMENT_REQUESTED: S.SUPPLEMENTED, **ENDED_THERE},
    MessageType.WITHDRAWN: {
        **dict.fromkeys(BEFORE_DECISION, S.WITHDRAWN),
        **dict.fromkeys((S.APPROVED, S.RESULT_ISSUED, S.DELIVERED), S.CLOSED),
        S.DENIED: None,
        **ENDED_THERE,
    },
    MessageType.RESULT_HANDED_OVER: {S.RESULT_ISSUED: S.DELIVERED, S.DELIVERED: None, **ENDED_THERE},
    MessageType.CANCELLED: {
        **dict.fromkeys((S.APPROVED, S.RESULT_ISSUED, S.DELIVERED), S.CLOSED),
        S.DENIED: None,
        **ENDED_THERE,
    },
    # 送达 at the origin other than the window's handover: downloaded at home, or signed for
    MessageType.RESULT_DELIVERED: {S.RESULT_ISSUED: S.DELIVERED, S.DELIVERED: None, **ENDED_THERE},
}

# 资料寄递: shipment messages change no state; either side may receive them on any case it shares
# (a shipment recorded before dispatch travels inside `case.dispatched`, so never on a draft).
SHIPMENT_MESSAGES = (MessageType.SHIPMENT_RECORDED, MessageType.SHIPMENT_EVENT)
# 视频会商: sessions are announced by whichever side holds them (a window intake's once dispatched).
VIDEO_MESSAGES = (MessageType.VIDEO_SCHEDULED, MessageType.VIDEO_JOINED, MessageType.VIDEO_ENDED)
EITHER = "origin, handler"  # the side a two-way message applies at: whichever did not send it
# Two-way messages change no state: both copies know them in every state but a draft.
TWO_WAY_TABLE: dict[MessageType, frozenset[CaseState]] = dict.fromkeys(
    (*SHIPMENT_MESSAGES, *VIDEO_MESSAGES), frozenset(S) - {S.DRAFT, S.DISCARDED}
)
# 原件核验 at the handling province reaches the window's copy: no state change, in any state but a draft.
ORIGINALS_TABLE: dict[MessageType, frozenset[CaseState]] = {
    MessageType.ORIGINAL_CHECKED: frozenset(S) - {S.DRAFT, S.DISCARDED}
}
VIDEO_TABLE = {kind: TWO_WAY_TABLE[kind] for kind in VIDEO_MESSAGES}


class OutOfSync(Conflict):
    """A partner's message that finds the case in a state its table does not list: not applied, the
    case is marked out of sync (不同步) and the message is retried once the cause is fixed."""

    def __init__(self, kind: MessageType, state: CaseState) -> None:
        super().__init__("case_out_of_sync", state=state.value, act=kind.value)
        self.kind, self.state = kind, state


def mirror_target(case: Case, kind: MessageType, payload: StatusPayload) -> CaseState | None:
    """The state a handling province's message leads the origin's copy to (None: noted only)."""
    table = MIRROR_TABLE[kind]
    if isinstance(payload, CaseDecided) and payload.act == Act.ACCEPT_AND_DECIDE.value:
        table = MIRROR_ACCEPT_AND_DECIDE
    if case.state not in table:
        raise OutOfSync(kind, case.state)
    target = table[case.state]
    approved = payload.decision.approved if isinstance(payload, CaseDecided) else True
    return S.DENIED if target is S.APPROVED and not approved else target


def carried_act(case: Case, kind: MessageType) -> Act | None:
    """The act the origin's message performs at the handling province (None: noted only)."""
    table = CARRY_TABLE[kind]
    if case.state not in table:
        raise OutOfSync(kind, case.state)
    target = table[case.state]
    if target is None:
        return None
    if kind is MessageType.WITHDRAWN and target is S.CLOSED:
        return Act.CANCEL  # the decision it crossed is undone
    return CARRIED[kind]


def check_two_way_message(case: Case, kind: MessageType) -> None:
    """A shipment or video message applies in any state `TWO_WAY_TABLE` lists (out of sync otherwise)."""
    if case.state not in TWO_WAY_TABLE[kind]:
        raise OutOfSync(kind, case.state)


def check_original_message(case: Case) -> None:
    """`case.original_checked` applies in any state `ORIGINALS_TABLE` lists (out of sync otherwise)."""
    if case.state not in ORIGINALS_TABLE[MessageType.ORIGINAL_CHECKED]:
        raise OutOfSync(MessageType.ORIGINAL_CHECKED, case.state)


def partner_by(code: str, actor: Actor = Actor.GATEWAY) -> By:
    """The partner province as the actor of the timeline."""
    return By(actor=actor, role="partner", subject=f"partner:{code}", province=code)


def outgoing(case: Case, act: Act) -> MessageType | None:
    if case.exchange is None:
        return None
    kind = OUTGOING.get((case.exchange.role, act))
    if kind is MessageType.RESULT_HANDED_OVER and (case.intake is None or case.intake.handover is None):
        return MessageType.RESULT_DELIVERED  # downloaded at home, or a mailed result signed for
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


def mirror(case: Case, kind: MessageType, payload: StatusPayload, sender: str, at: datetime) -> Outcome:
    """Apply the handling province's act to the origin's copy, as `MIRROR_TABLE` says. A result's
    `file_id` is this side's copy of the document the message named (set by the inbound service)."""
    act = MIRRORED[kind]
    if isinstance(payload, CaseDecided) and payload.act == Act.ACCEPT_AND_DECIDE.value:
        act = Act.ACCEPT_AND_DECIDE  # 即办件: accepted and decided in one act
    target = mirror_target(case, kind, payload)
    details = {"state": payload.state}
    if target is None:  # stopped here before the partner's act arrived: the act is on record only
        return record(case, f"partner_{act.value}", partner_by(sender), at, {**details, "noted": True})
    outcome = record(case, f"partner_{act.value}", partner_by(sender), at, details)
    copy = outcome.case
    copy.state = target
    copy.clock = payload.clock.model_copy(deep=True)
    if act in (Act.ACCEPT, Act.ACCEPT_AND_DECIDE):
        copy.accepted_at = at
    elif isinstance(payload, CaseNotAccepted):
        copy.refusal = payload.refusal.model_copy()
    elif isinstance(payload, CaseSupplementRequested):
        copy.supplement_rounds += 1
        copy.supplement = Supplement(
            requested_at=at,
            before_acceptance=copy.accepted_at is None,
            items=[i.model_copy() for i in payload.supplement.items],
            round=copy.supplement_rounds,
        )
        outcome.event["details"]["items"] = [
            i.model_dump(mode="json", exclude_unset=True) for i in payload.supplement.items
        ]  # as the message listed them
    elif isinstance(payload, CaseSuspended):
        suspension = payload.suspension
        copy.suspension = Suspension(procedure=suspension.procedure, reason=suspension.reason, since=at)
    elif isinstance(payload, CaseResumed):
        copy.suspension = None
    if isinstance(payload, CaseDecided):
        copy.decision = payload.decision.model_copy(deep=True)
        copy.decided_at = at
    elif isinstance(payload, CaseResultIssued):
        copy.result = ResultRecord(**dict(payload.result))  # with `file_id`, which is not sent
    elif isinstance(payload, CaseDeliveryRecorded) and copy.result is not None:
        copy.result.delivered_at = payload.at  # its time there
        outcome.event["details"]["how"] = payload.how
    outcome.event["to"] = copy.state.value
    if act in NOTIFIED_ACTS:
        outcome.notice = notice_for(copy, outcome.event)
    return outcome


# 好差评 across provinces (domain/rating_exchange.py): the rating travels from the applicant's side
# to the handling province, the rectification's follow-up (回访) back. Neither changes the state;
# both find the case where a rating is possible (the handling side is at or past the origin's copy).
RATING_TABLE: dict[MessageType, tuple[str, frozenset[CaseState]]] = {
    MessageType.RATED: (HANDLER, RATEABLE),
    MessageType.RECTIFICATION_CLOSED: (ORIGIN, RATEABLE),
}


def valid_states(kind: MessageType) -> tuple[str, list[CaseState]]:
    """Where a received message of `kind` applies: the receiving side and the states its copy of
    the case may be in (none: the message opens the case, or it is recorded in any state). Read off
    the valid-state tables above, so the spec's table (docs/exchange/README.md) is checked against
    them."""
    if kind in MIRROR_TABLE:
        table = {**MIRROR_TABLE[kind], **(MIRROR_ACCEPT_AND_DECIDE if kind is MessageType.DECIDED else {})}
        return ORIGIN, [state for state in CaseState if state in table]
    if kind in CARRY_TABLE:
        return HANDLER, [state for state in CaseState if state in CARRY_TABLE[kind]]
    if kind in BOTH_WAYS:
        return EITHER, []
    if kind in TWO_WAY_TABLE:
        return EITHER, [state for state in CaseState if state in TWO_WAY_TABLE[kind]]
    if kind in RATING_TABLE:
        side, states = RATING_TABLE[kind]
        return side, [state for state in CaseState if state in states]
    if kind in ORIGINALS_TABLE:
        return ORIGIN, [state for state in CaseState if state in ORIGINALS_TABLE[kind]]
    if kind in (MessageType.CATALOG_PUBLISHED, MessageType.CATALOG_STATUS_CHANGED):
        return "catalog", []  # 事项标准: applied to the receiver's catalog, not to a case
    return (HANDLER if kind in (MessageType.CASE_FORWARDED, MessageType.CASE_DISPATCHED) else ORIGIN), []
