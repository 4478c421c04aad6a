"""多地联办 rules without AWS: a joint case's promised time from its parts, a part's state from its case."""

from __future__ import annotations

import pytest

from chalicelib.domain.case import Decision, Part, PartState
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.joint import critical_path_days, part_state
from tests.factories import case_model


def part(key: str, days: int, *after: str) -> Part:
    return Part(
        key=key,
        role=key,
        province="430000",
        authority="A",
        authority_name="机关",
        promised_days=days,
        depends_on=list(after),
    )


def test_a_chain_adds_up_and_side_by_side_parts_take_the_longest() -> None:
    assert critical_path_days([part("a", 5), part("b", 10, "a"), part("c", 5, "b")]) == 20
    assert critical_path_days([part("a", 5), part("b", 7)]) == 7
    assert critical_path_days([part("a", 5), part("b", 7), part("c", 3, "a", "b")]) == 10
    assert critical_path_days([]) == 0


@pytest.mark.parametrize(
    ("state", "decision", "expected"),
    [
        (CaseState.SUBMITTED, None, PartState.STARTED),
        (CaseState.SUPPLEMENT_REQUESTED, None, PartState.SUPPLEMENT_REQUESTED),
        (CaseState.APPROVED, True, PartState.APPROVED),
        (CaseState.DENIED, False, PartState.REFUSED),
        (CaseState.NOT_ACCEPTED, None, PartState.REFUSED),
        (CaseState.WITHDRAWN, None, PartState.WITHDRAWN),
        (CaseState.RESULT_ISSUED, True, PartState.APPROVED),
    ],
)
def test_a_parts_state_follows_its_own_case(
    state: CaseState, decision: bool | None, expected: PartState
) -> None:
    case = case_model(state=state)
    if decision is not None:
        case.decision = Decision(approved=decision, decided_at=case.created_at)
    assert part_state(case) is expected


def test_an_accepted_part_is_accepted() -> None:
    case = case_model(state=CaseState.UNDER_REVIEW)
    case.accepted_at = case.created_at
    assert part_state(case) is PartState.ACCEPTED
