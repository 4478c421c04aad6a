"""Item definitions: a valid one loads; each broken rule is refused with a message naming it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.catalog import ItemDefinition
from tests.factories import JOINT_PARTS, item, joint_item


def refused(definition: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        ItemDefinition.model_validate(definition)
    return str(caught.value)


def test_a_valid_item_and_a_valid_joint_item_load() -> None:
    assert ItemDefinition.model_validate(item()).code == "TEST-0001"
    joint = ItemDefinition.model_validate(joint_item())
    assert [p.key for p in joint.joint_parts] == ["move_in", "move_out"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"promised_limit_days": 30}, "承诺时限 ≤ 法定时限"),
        ({"immediate": True}, "即办件"),
        (
            {"form_schema": {"type": "object", "properties": {"a": {"type": "nonsense"}}}},
            "not a valid JSON Schema",
        ),
        ({"form_schema": {"type": "array"}}, "must describe an object"),
        (
            {"implementations": {"999999": {"authority": "x", "local_code": "y", "contact_phone": "z"}}},
            "unknown province codes",
        ),
        ({"materials": [{"code": "a_b", "name": "x", "may_be_deferred": True}]}, "容缺受理"),
        (
            {
                "allows_deferred_acceptance": True,
                "materials": [
                    {"code": "a_b", "name": "x", "may_be_deferred": True, "original_required": True}
                ],
            },
            "deferrable material",
        ),
        ({"materials": [{"code": "a_b", "name": "x"}, {"code": "a_b", "name": "y"}]}, "unique"),
        ({"process": [{"kind": "review", "name": "审核"}]}, "受理"),
        ({"sample_fields": ["not_a_field"]}, "unknown field"),
        ({"modes": []}, "modes"),
        ({"modes": ["full_online", "full_online"]}, "must not repeat"),
        ({"joint_parts": JOINT_PARTS}, "only for joint"),
        ({"code": "x"}, "code"),
        ({"legal_basis": []}, "legal_basis"),
        ({"statutory_limit_days": -1}, "statutory_limit_days"),
        ({"unexpected": 1}, "unexpected"),
        ({"fees": [{"name": "工本费", "amount_fen": -5, "basis": "x"}]}, "amount_fen"),
    ],
)
def test_bad_definitions_are_refused_with_a_clear_message(overrides: dict[str, Any], message: str) -> None:
    assert message in refused(item(**overrides))


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (JOINT_PARTS[:1], "at least two parts"),
        ([JOINT_PARTS[0], {**JOINT_PARTS[1], "depends_on": ["ghost"]}], "unknown part ghost"),
        ([{**JOINT_PARTS[0], "depends_on": ["move_out"]}, JOINT_PARTS[1]], "cycle"),
        ([JOINT_PARTS[0], {**JOINT_PARTS[1], "materials": ["hukou"]}], "unknown material hukou"),
        ([JOINT_PARTS[0], {**JOINT_PARTS[1], "key": "move_in"}], "keys must be unique"),
        ([JOINT_PARTS[0], {**JOINT_PARTS[1], "promised_limit_days": 99}], "statutory limit"),
    ],
)
def test_bad_joint_parts_are_refused(parts: list[dict[str, Any]], message: str) -> None:
    assert message in refused(joint_item(joint_parts=parts))


@pytest.mark.parametrize(
    ("marks", "error"),
    [
        (["batch.deadline", "materials.id_card", "implementations.430000"], None),
        (["materials.nope"], "unknown part materials.nope"),
        (["batch.nope"], "unknown part batch.nope"),
        (["nope.deadline"], "unknown field nope"),
    ],
)
def test_sample_marks_name_a_field_or_one_of_its_parts(marks: list[str], error: str | None) -> None:
    definition = item(
        sample_fields=marks,
        batch={"document": "国办发〔2020〕35号", "deadline": "2020年底前"},
        source={
            "title": "国务院办公厅关于加快推进政务服务“跨省通办”的指导意见",
            "document": "国办发〔2020〕35号",
        },
    )
    if error is None:
        assert ItemDefinition.model_validate(definition).batch is not None
    else:
        with pytest.raises(ValidationError, match=error):
            ItemDefinition.model_validate(definition)
