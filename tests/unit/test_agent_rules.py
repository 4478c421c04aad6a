"""委托代办: a case filed by an agent is accepted only on a verified entrustment, and the acts offered
to the clerk agree with the refusal."""

from __future__ import annotations

import pytest

from chalicelib.domain.case import Agent, Case, Entrustment, EntrustmentMethod, EntrustmentState
from chalicelib.domain.case_acts import blocked, offered_acts
from chalicelib.domain.case_states import Act
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import Role
from tests.unit.test_case_acts import act, at, make_case, step

AGENT = Agent(
    subject="dev-agent-1", issuer="https://dev.invalid", name="测试代办人戊", id_number="430104198807070059"
)


def filed_by_agent(state: EntrustmentState, *, immediate: bool = False) -> Case:
    case = step(make_case(immediate=immediate, promised_days=0 if immediate else 10), Act.SUBMIT, at(3))
    case.agent = AGENT
    case.entrustment = Entrustment(state=state, method=EntrustmentMethod.DOCUMENT)
    return case


@pytest.mark.parametrize("state", [EntrustmentState.PENDING, EntrustmentState.REFUSED])
@pytest.mark.parametrize("what", [Act.ACCEPT, Act.ACCEPT_AND_DECIDE])
def test_acceptance_waits_for_a_verified_entrustment(state: EntrustmentState, what: Act) -> None:
    case = filed_by_agent(state, immediate=True)
    refusal = blocked(case, what)
    assert refusal is not None and refusal.code == "entrustment_not_verified"
    assert what.value not in offered_acts(case, Role.AUTHORITY_CLERK)
    with pytest.raises(Conflict) as raised:
        act(case, what, at(4), approved=True)
    assert raised.value.code == "entrustment_not_verified"
    assert case.accepted_at is None


def test_a_verified_entrustment_lets_the_clerk_accept() -> None:
    case = filed_by_agent(EntrustmentState.VERIFIED, immediate=True)
    assert {"accept", "accept_and_decide"} <= set(offered_acts(case, Role.AUTHORITY_CLERK))
    assert step(case, Act.ACCEPT, at(4)).accepted_at == at(4)


def test_a_case_filed_by_an_agent_without_an_entrustment_record_waits_too() -> None:
    case = filed_by_agent(EntrustmentState.PENDING)
    case.entrustment = None
    assert case.awaits_entrustment()
    assert "accept" not in offered_acts(case, Role.AUTHORITY_CLERK)


def test_a_case_filed_by_its_applicant_needs_no_entrustment() -> None:
    case = step(make_case(), Act.SUBMIT, at(3))
    assert not case.awaits_entrustment()
    assert "accept" in offered_acts(case, Role.AUTHORITY_CLERK)


def test_refusing_acceptance_is_not_held_back_by_the_entrustment() -> None:
    # 不予受理 stays open to the clerk: an entrustment that never comes must not trap the case
    case = filed_by_agent(EntrustmentState.REFUSED)
    assert "refuse" in offered_acts(case, Role.AUTHORITY_CLERK)
