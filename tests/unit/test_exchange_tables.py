"""The valid-state tables of the exchange messages (`MIRROR_TABLE`, `CARRY_TABLE`), exhaustively.

Two checks: every message type × every state of the receiving case does what its table says (it
applies, is noted, or is refused as out of sync — nothing else); and every state a message can find
when both sides act freely and their messages cross is listed in its table, so a message never
finds its case in a state it cannot apply in. The second walks every reachable pair of states of
the handling province's case and the origin's copy, with messages in flight both ways.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.case import CaseClock, CaseExchange
from chalicelib.domain.case_exchange import (
    CARRIED,
    CARRY_TABLE,
    HANDLER,
    MIRROR_ACCEPT_AND_DECIDE,
    MIRROR_TABLE,
    MIRRORED,
    ORIGIN,
    OUTGOING,
    OutOfSync,
    carried_act,
    mirror,
)
from chalicelib.domain.case_states import TRANSITIONS, Act, Actor, CaseState, next_state, performer_of
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.messages import PAYLOADS, StatusPayload
from tests.factories import case_model

AT = datetime(2025, 3, 3, 10, 0, tzinfo=BEIJING)
CLOCK = CaseClock(statutory_days=20, promised_days=10).model_dump(mode="json")


STATES = {  # the state the handling province names in each message (`status_payload`)
    MessageType.ACCEPTED: "accepted",
    MessageType.NOT_ACCEPTED: "not_accepted",
    MessageType.SUPPLEMENT_REQUESTED: "supplement_requested",
    MessageType.SUSPENDED: "suspended",
    MessageType.RESUMED: "under_review",
    MessageType.RESULT_ISSUED: "result_issued",
    MessageType.DELIVERY_RECORDED: "delivered",
}


def payload_for(kind: MessageType, *, act: Act | None = None, approved: bool = True) -> StatusPayload:
    """A status payload as `status_payload` builds it, for any message the origin mirrors, parsed
    into its model as the receiver does."""
    state = STATES.get(kind) or ("approved" if approved else "denied")
    payload: dict[str, Any] = {"act": (act or MIRRORED[kind]).value, "state": state, "clock": CLOCK}
    if kind is MessageType.NOT_ACCEPTED:
        payload["refusal"] = {"reason": "材料不符", "legal_basis": "《行政许可法》第三十二条"}
    if kind is MessageType.SUPPLEMENT_REQUESTED:
        payload["supplement"] = {"items": [{"field": "address", "reason": "地址不全"}]}
    if kind is MessageType.SUSPENDED:
        payload["suspension"] = {"procedure": "hearing", "reason": "听证", "since": AT.isoformat()}
    if kind is MessageType.DECIDED:
        payload["decision"] = {"approved": approved, "decided_at": AT.isoformat()}
    if kind is MessageType.RESULT_ISSUED:
        payload["result"] = {"delivery": "electronic", "title": "决定书", "issued_at": AT.isoformat()}
    if kind is MessageType.DELIVERY_RECORDED:
        payload.update(how="mail_signed", at=AT.isoformat())
    typed: StatusPayload = PAYLOADS[kind].model_validate(payload)  # type: ignore[assignment]
    return typed


MIRROR_CASES = [
    (kind, act, state)
    for kind in MIRRORED
    for act in ((MIRRORED[kind], Act.ACCEPT_AND_DECIDE) if kind is MessageType.DECIDED else (MIRRORED[kind],))
    for state in CaseState
]


@pytest.mark.parametrize(("kind", "act", "state"), MIRROR_CASES)
def test_every_mirrored_message_in_every_state_of_the_copy_does_what_its_table_says(
    kind: MessageType, act: Act, state: CaseState
) -> None:
    copy = case_model(state=state, exchange=CaseExchange(role=ORIGIN, partner="450000"))
    table = MIRROR_ACCEPT_AND_DECIDE if act is Act.ACCEPT_AND_DECIDE else MIRROR_TABLE[kind]
    payload = payload_for(kind, act=act)
    if state not in table:
        with pytest.raises(OutOfSync) as refused:
            mirror(copy, kind, payload, "450000", AT)
        assert (refused.value.code, refused.value.status) == ("case_out_of_sync", 409)
        return
    outcome = mirror(copy, kind, payload, "450000", AT)
    target = table[state]
    assert outcome.case.state is (state if target is None else target)
    assert outcome.event["act"] == f"partner_{act.value}"
    assert outcome.event["details"].get("noted", False) is (target is None)
    assert copy.state is state  # the input is untouched


@pytest.mark.parametrize("state", list(MIRROR_TABLE[MessageType.DECIDED]))
def test_a_refusal_lands_in_denied_from_every_state_a_decision_may_find(state: CaseState) -> None:
    copy = case_model(state=state, exchange=CaseExchange(role=ORIGIN, partner="450000"))
    outcome = mirror(
        copy, MessageType.DECIDED, payload_for(MessageType.DECIDED, approved=False), "450000", AT
    )
    expected = state if MIRROR_TABLE[MessageType.DECIDED][state] is None else CaseState.DENIED
    assert outcome.case.state is expected


@pytest.mark.parametrize(("kind", "state"), [(kind, state) for kind in CARRIED for state in CaseState])
def test_every_carried_message_in_every_state_of_the_handlers_case_does_what_its_table_says(
    kind: MessageType, state: CaseState
) -> None:
    case = case_model(state=state, exchange=CaseExchange(role=HANDLER, partner="320000"))
    table = CARRY_TABLE[kind]
    if state not in table:
        with pytest.raises(OutOfSync):
            carried_act(case, kind)
        return
    act = carried_act(case, kind)
    if table[state] is None:
        assert act is None
    else:
        assert act is not None
        assert next_state(state, act) is table[state]  # a legal move, to the table's state


# — reachability: every state a message can find is in its table —

# the handling clerk's acts (a cancellation only ever comes from the origin), and recording a delivery
HANDLER_ACTS = [Act(a) for a in Act if performer_of(a) is Actor.CLERK and a is not Act.CANCEL] + [Act.DELIVER]
ORIGIN_ACTS = [Act.ANSWER_SUPPLEMENT, Act.WITHDRAW, Act.DELIVER, Act.CANCEL]  # the applicant's, the lead's
Message = tuple[MessageType, Act, bool]  # type, the act it tells, approved
QUEUE_BOUND = 3


def _moves(state: CaseState, acts: list[Act]) -> list[tuple[Act, bool, CaseState]]:
    found = []
    for act in acts:
        if (state, act) not in TRANSITIONS:
            continue
        for approved in (True, False) if act in (Act.DECIDE, Act.ACCEPT_AND_DECIDE) else (True,):
            found.append((act, approved, next_state(state, act, approved=approved)))
    return found


def _mirror_table(message: Message) -> dict[CaseState, CaseState | None]:
    kind, act, _ = message
    return MIRROR_ACCEPT_AND_DECIDE if act is Act.ACCEPT_AND_DECIDE else MIRROR_TABLE[kind]


Found = set[tuple[MessageType, CaseState]]
Walk = tuple[CaseState, CaseState, tuple[Message, ...], tuple[Message, ...]]  # here, copy, in flight


def reachable_deliveries() -> tuple[Found, Found, int]:
    """Walk both sides from a forwarded case: each acts as its state table allows, each act that
    tells the other side queues a message, and messages arrive in order per direction (crossing
    the other direction's). Returns the (message, state found) pairs at the origin and at the
    handler that no table lists, and how many states were visited."""
    start: Walk = (CaseState.SUBMITTED, CaseState.SUBMITTED, (), ())
    seen = {start}
    todo: deque[Walk] = deque([start])
    missing_origin: Found = set()
    missing_handler: Found = set()
    while todo:
        here, copy, to_origin, to_handler = todo.popleft()
        nexts: list[Walk] = []
        for act, approved, target in _moves(here, HANDLER_ACTS):
            kind = OUTGOING.get((HANDLER, act))
            queued = (*to_origin, (kind, act, approved)) if kind else to_origin
            if len(queued) <= QUEUE_BOUND:
                nexts.append((target, copy, queued, to_handler))
        for act, approved, target in _moves(copy, ORIGIN_ACTS):
            kind = OUTGOING.get((ORIGIN, act))
            queued = (*to_handler, (kind, act, approved)) if kind else to_handler
            if len(queued) <= QUEUE_BOUND:
                nexts.append((here, target, to_origin, queued))
        if to_origin:
            message, rest = to_origin[0], to_origin[1:]
            table = _mirror_table(message)
            if copy not in table:
                missing_origin.add((message[0], copy))
            else:
                landed = table[copy]
                if landed is CaseState.APPROVED and not message[2]:
                    landed = CaseState.DENIED
                nexts.append((here, copy if landed is None else landed, rest, to_handler))
        if to_handler:
            message, rest = to_handler[0], to_handler[1:]
            table = CARRY_TABLE[message[0]]
            if here not in table:
                missing_handler.add((message[0], here))
            else:
                landed = table[here]
                nexts.append((here if landed is None else landed, copy, to_origin, rest))
        for following in nexts:
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return missing_origin, missing_handler, len(seen)


def test_no_message_can_find_its_case_in_a_state_its_table_does_not_list() -> None:
    missing_origin, missing_handler, visited = reachable_deliveries()
    assert visited > 200  # the walk did explore
    assert missing_origin == set()
    assert missing_handler == set()


def test_the_walk_finds_the_supplement_after_acceptance_that_the_state_table_alone_refused() -> None:
    """The case of issue 11: the copy reads `supplemented` when the decision arrives."""
    assert next_state.__name__  # the plain state table has no (supplemented, decide) move …
    assert (CaseState.SUPPLEMENTED, Act.DECIDE) not in TRANSITIONS
    assert MIRROR_TABLE[MessageType.DECIDED][CaseState.SUPPLEMENTED] is CaseState.APPROVED  # … the table has
