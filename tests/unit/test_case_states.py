"""The state table: every act not allowed in a state is refused, naming the state and what is allowed."""

from __future__ import annotations

import pytest

from chalicelib.domain.case_states import (
    BEFORE_DECISION,
    TRANSITIONS,
    Act,
    Actor,
    CaseState,
    allowed_acts,
    next_state,
)
from chalicelib.domain.errors import Conflict

ILLEGAL = [(s, a) for s in CaseState for a in Act if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "act"), ILLEGAL, ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL])
def test_every_illegal_transition_is_refused(state: CaseState, act: Act) -> None:
    with pytest.raises(Conflict) as refused:
        next_state(state, act)
    assert refused.value.code == "illegal_transition"
    assert refused.value.params["state"] == state.value
    assert refused.value.params["allowed_acts"] == [a.value for a in allowed_acts(state)]


def test_there_are_illegal_transitions_for_every_state() -> None:
    assert {s for s, _ in ILLEGAL} == set(CaseState)


def test_closed_and_withdrawn_lead_nowhere_but_closing() -> None:
    assert allowed_acts(CaseState.CLOSED) == []
    assert allowed_acts(CaseState.WITHDRAWN) == [Act.CLOSE]


def test_withdrawal_is_possible_exactly_before_a_decision() -> None:
    can_withdraw = {s for s in CaseState if Act.WITHDRAW in allowed_acts(s)}
    assert can_withdraw == set(BEFORE_DECISION)
    assert CaseState.APPROVED not in can_withdraw


def test_a_denial_lands_in_denied() -> None:
    assert next_state(CaseState.UNDER_REVIEW, Act.DECIDE, approved=False) is CaseState.DENIED
    assert next_state(CaseState.UNDER_REVIEW, Act.DECIDE) is CaseState.APPROVED


def test_acts_are_split_between_applicant_and_clerk() -> None:
    assert allowed_acts(CaseState.SUPPLEMENT_REQUESTED, Actor.APPLICANT) == [
        Act.ANSWER_SUPPLEMENT,
        Act.WITHDRAW,
    ]
    assert allowed_acts(CaseState.SUPPLEMENT_REQUESTED, Actor.CLERK) == []
    assert Act.SUBMIT not in allowed_acts(CaseState.DRAFT, Actor.CLERK)
