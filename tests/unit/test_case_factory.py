"""One case factory: a case of an item, wherever it is built, dated in Beijing and handled by the
authority the item's implementation names — never a guessed one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.case import Agent, Applicant, CaseExchange, Channel, Intake, JointLink
from chalicelib.domain.case_factory import CaseItem, case_number, new_case
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.catalog_terms import Delivery, Mode
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import NotFound
from tests.factories import item, joint_item

AFTER_MIDNIGHT_IN_BEIJING = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 1 December, 00:30 in Beijing
APPLICANT = Applicant(
    subject="dev-applicant-1",
    issuer="dev",
    name="测试申请人甲",
    id_number="430102199001010016",
    phone="13800000001",
)


def case_item(definition: dict[str, Any] | None = None) -> CaseItem:
    """As the catalog serves it: the published definition (defaults filled in) and its version."""
    published = ItemDefinition.model_validate(definition or item()).model_dump(mode="json")
    return CaseItem.of({**published, "version": 3, "status": "active"})


def draft(built: CaseItem, **given: Any) -> Any:
    fields: dict[str, Any] = {
        "province": "430000",
        "origin_province": "430000",
        "mode": Mode.FULL_ONLINE,
        "channel": Channel.MOBILE,
        "applicant": APPLICANT,
        "at": datetime(2026, 11, 30, 9, 0, tzinfo=BEIJING),
        **given,
    }
    return new_case(built, **fields)


def test_a_case_number_carries_the_beijing_date() -> None:
    assert case_number("430000", AFTER_MIDNIGHT_IN_BEIJING).startswith("430000-20261201-")
    assert case_number("430000", datetime(2026, 11, 30, 23, 59, tzinfo=BEIJING)).startswith(
        "430000-20261130-"
    )


def test_a_draft_is_numbered_where_it_is_filed_on_the_beijing_date() -> None:
    case = draft(case_item(), province="450000", at=AFTER_MIDNIGHT_IN_BEIJING)
    assert case.number.startswith("430000-20261201-")
    assert (case.state, case.submitted_at, case.origin_province) == (CaseState.DRAFT, None, "430000")


def test_the_handling_authority_is_the_implementations_at_the_handling_province() -> None:
    case = draft(case_item(), province="450000", channel=Channel.EXCHANGE)
    assert (case.handler.province, case.handler.authority, case.handler.authority_name) == (
        "450000",
        "A-450000-01",
        "南宁市测试局",
    )
    assert (case.item_code, case.item_version, case.item_name) == ("TEST-0001", 3, "测试事项证明开具")


@pytest.mark.parametrize("province", ["320000", "450000"])
def test_no_implementation_or_one_without_an_authority_opens_no_case(province: str) -> None:
    definition = item()
    definition["implementations"]["450000"].pop("authority_code")  # a version from before the rule
    with pytest.raises(NotFound) as refused:
        draft(case_item(definition), province=province)
    assert refused.value.code == "province_not_implemented"


def test_the_items_elements_become_the_cases_slots_clock_and_delivery() -> None:
    built = case_item(
        item(result={"type": "certification", "name": "证明", "delivery": ["electronic", "mail"]})
    )
    case = draft(built, form={"purpose": "就业"})
    assert [s.code for s in case.slots] == ["id_card"]
    assert case.slots[0].original_required and case.slots[0].elicence_type == "居民身份证"
    assert (case.clock.statutory_days, case.clock.promised_days) == (20, 5)
    assert case.result_delivery == [Delivery.ELECTRONIC, Delivery.MAIL]
    assert case.form == {"purpose": "就业"} and case.agent is None and case.principal_key is None


def test_an_agent_brings_the_entrustment_and_its_slot_an_intake_the_consent_slot() -> None:
    agent = Agent(subject="dev-agent-1", issuer="dev", name="测试代办人戊", id_number="430102198505050034")
    intake = Intake.model_validate(
        {
            "window": "W-430000-01",
            "province": "430000",
            "identity": {
                "method": "id_card_reader",
                "document": "居民身份证",
                "at": "2026-11-30T09:00:00+08:00",
                "by": "w",
            },
        }
    )
    case = draft(case_item(), agent=agent, intake=intake)
    assert [s.code for s in case.slots] == ["id_card", "entrustment", "consent"]
    assert case.entrustment is not None and not case.entrustment.verified
    assert case.principal_key is not None


def test_a_partners_case_keeps_its_number_and_is_filed_when_it_was_submitted() -> None:
    submitted = datetime(2026, 11, 29, 10, 0, tzinfo=BEIJING)
    case = draft(
        case_item(),
        number="450000-20261129-ABCDEFGH",
        origin_province="450000",
        channel=Channel.EXCHANGE,
        submitted_at=submitted,
        exchange=CaseExchange(role="handler", partner="450000"),
    )
    assert (case.number, case.state, case.submitted_at) == (
        "450000-20261129-ABCDEFGH",
        CaseState.SUBMITTED,
        submitted,
    )


def test_a_joint_part_is_named_by_its_role_holds_its_share_and_runs_on_its_own_days() -> None:
    built = case_item(
        joint_item(
            immediate=False,
            allows_commitment=True,
            materials=[
                {"code": "id_card", "name": "居民身份证"},
                {"code": "marriage", "name": "结婚证"},
            ],
        )
    )
    link = JointLink(
        parent="430000-20261130-PARENTAA",
        part="move_in",
        role="迁入地审批",
        lead_province="430000",
        promised_days=2,
    )
    part = draft(
        built,
        mode=Mode.JOINT,
        submitted_at=AFTER_MIDNIGHT_IN_BEIJING,
        at=AFTER_MIDNIGHT_IN_BEIJING,
        joint=link,
        share=["id_card"],
    )
    assert part.item_name == "测试事项证明开具（迁入地审批）"
    assert [s.code for s in part.slots] == ["id_card"]
    assert part.clock.promised_days == 2
    assert not part.allows_commitment and not part.immediate  # the coordinator decides the joint case
    assert part.number.startswith("430000-20261201-")
