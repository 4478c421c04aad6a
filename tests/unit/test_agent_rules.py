"""委托代办: a case filed by an agent is accepted only on a verified entrustment, and the acts offered
to the clerk agree with the refusal."""

from __future__ import annotations

import pytest

from chalicelib.domain.case import Agent, Case, Entrustment, EntrustmentMethod, EntrustmentState
from chalicelib.domain.case_acts import blocked, offered_acts
from chalicelib.domain.case_exchange import partner_by
from chalicelib.domain.case_states import Act
from chalicelib.domain.entrustment import apply_settlement, settled_payload
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import Role
from chalicelib.domain.messages import CaseEntrustmentSettled
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


# — the entrustment settled on the other side (case.entrustment_settled) —

AUTHORISED = CaseEntrustmentSettled.model_validate(
    {
        "state": "verified",
        "method": "authorised",
        "reason": None,
        "at": "2025-03-04T10:00:00+08:00",
        "by": "principal",
    }
)
REFUSED = CaseEntrustmentSettled.model_validate(
    {
        "state": "refused",
        "method": "document",
        "reason": "未签字",
        "at": "2025-03-04T10:00:00+08:00",
        "by": "clerk-9",
    }
)


def test_a_settlement_from_the_other_side_applies_while_the_entrustment_is_open() -> None:
    case = filed_by_agent(EntrustmentState.REFUSED)
    outcome = apply_settlement(case, AUTHORISED, partner_by("430000"), at(4))
    assert outcome.case.entrustment is not None and outcome.case.entrustment.verified
    assert outcome.case.entrustment.method is EntrustmentMethod.AUTHORISED
    assert outcome.event["act"] == "partner_entrustment_verified" and "noted" not in outcome.event["details"]
    assert blocked(outcome.case, Act.ACCEPT) is None


def test_a_verified_entrustment_is_never_undone_by_a_message() -> None:
    case = filed_by_agent(EntrustmentState.VERIFIED)
    before = case.entrustment
    outcome = apply_settlement(case, REFUSED, partner_by("450000"), at(4))
    assert outcome.case.entrustment == before
    assert outcome.event["act"] == "partner_entrustment_refused" and outcome.event["details"]["noted"] is True


def test_the_payload_told_is_the_settled_entrustment() -> None:
    case = filed_by_agent(EntrustmentState.PENDING)
    with pytest.raises(ValueError):
        settled_payload(case)  # nothing settled yet: nothing to tell
    assert case.entrustment is not None
    case.entrustment = case.entrustment.model_copy(
        update={"state": EntrustmentState.VERIFIED, "at": at(5), "by": "clerk-1"}
    )
    assert settled_payload(case)["state"] == "verified" and settled_payload(case)["by"] == "clerk-1"
