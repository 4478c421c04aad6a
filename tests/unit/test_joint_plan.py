"""多地联办 rules without AWS: a joint case's promised time from its parts, a part's state from its case."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.case import Decision, Part, PartState
from chalicelib.domain.case_factory import CaseItem
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.commands import Cancel, Decide, Withdraw
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.joint import (
    STOP_REASON,
    critical_path_days,
    denial,
    part_link,
    part_state,
    parts_news,
    plan_parts,
    ready_parts,
    stop_act,
)
from tests.factories import case_model, joint_item


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


def joint(**overrides: Any) -> CaseItem:
    published = ItemDefinition.model_validate(joint_item(**overrides)).model_dump(mode="json")
    return CaseItem.of(published, version=1)


def test_each_part_goes_where_its_rule_points_to_the_authority_implemented_there() -> None:
    planned = plan_parts(joint(), {"from_province": "450000", "to_province": "430000"}, "320000")
    assert [(p.key, p.province, p.authority, p.promised_days) for p in planned] == [
        ("move_in", "430000", "A-430000-01", 5),
        ("move_out", "450000", "A-450000-01", 3),
    ]
    assert planned[0].materials == ["id_card"] and planned[1].depends_on == ["move_in"]


def test_a_province_the_item_is_not_implemented_at_is_the_forms_fault() -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_parts(joint(), {"from_province": "320000", "to_province": "430000"}, "430000")
    assert refused.value.code == "province_not_implemented"
    assert refused.value.errors == [{"field": "form.from_province", "code": "not_implemented"}]


def test_a_part_starts_once_every_part_it_depends_on_is_approved() -> None:
    a, b, c = part("a", 1), part("b", 1, "a"), part("c", 1, "a", "b")
    assert [p.key for p in ready_parts([a, b, c])] == ["a"]
    a.state = PartState.APPROVED
    assert [p.key for p in ready_parts([a, b, c])] == ["b"]
    b.state = PartState.STARTED
    assert ready_parts([a, b, c]) == []


def test_a_parts_link_names_its_parent_role_days_and_the_other_parts() -> None:
    parent = case_model(number="430000-20261201-PARENTAA")
    parent.parts = [part("a", 4), part("b", 2, "a")]
    link = part_link(parent, parent.parts[1], "430000")
    assert (link.parent, link.part, link.lead_province, link.promised_days) == (
        parent.number,
        "b",
        "430000",
        2,
    )
    assert link.siblings == [{"part": "a", "role": "a", "province": "430000", "state": "waiting"}]


def test_the_denial_carries_each_refusing_parts_reasons_and_basis_once() -> None:
    a, b = part("a", 1), part("b", 1)
    a.reasons, a.legal_basis = ["不符合投靠条件"], "《户口登记条例》"
    b.legal_basis = "《户口登记条例》"
    assert denial([a, b]) == Decide(
        approved=False,
        reasons=("a（430000）：不符合投靠条件", "b（430000）：不予办理"),
        legal_basis="《户口登记条例》",
    )


def test_a_part_still_open_is_withdrawn_and_one_decided_is_cancelled() -> None:
    assert stop_act(case_model(state=CaseState.UNDER_REVIEW)) == (
        Withdraw(STOP_REASON),
        MessageType.WITHDRAWN,
    )
    assert stop_act(case_model(state=CaseState.APPROVED)) == (Cancel(STOP_REASON), MessageType.CANCELLED)


def test_the_applicant_hears_only_of_the_parts_that_moved() -> None:
    before = [part("a", 1), part("b", 1)]
    after = [p.model_copy() for p in before]
    after[0].state = PartState.ACCEPTED
    assert parts_news(before, after) == ["a已受理"]
    assert parts_news(after, after) == []
