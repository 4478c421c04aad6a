"""Rules of the standards checked at publish (即办件 flagged, joint parts resolvable) and 压缩比."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.catalog_rules import compression_ratio, publish_violations
from chalicelib.domain.catalog_standard import standard_digest, stored_standard_digest
from tests.factories import item, joint_item


def violations(definition: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v.field, v.code) for v in publish_violations(ItemDefinition.model_validate(definition))]


def test_a_valid_item_and_a_valid_joint_item_break_no_rule() -> None:
    assert violations(item()) == []
    assert violations(joint_item()) == []


def test_an_item_promised_in_0_days_must_be_flagged_immediate() -> None:
    assert violations(item(promised_limit_days=0)) == [("immediate", "immediate_flag_missing")]
    assert violations(item(promised_limit_days=0, immediate=True)) == []


def test_a_part_whose_rule_reads_a_field_the_form_lacks_is_named() -> None:
    form = copy.deepcopy(joint_item()["form_schema"])
    del form["properties"]["from_province"]
    form["required"].remove("from_province")
    assert violations(joint_item(form_schema=form)) == [
        ("joint_parts[1].province_rule", "part_rule_field_missing")
    ]


def test_a_part_rule_field_must_be_required() -> None:
    form = copy.deepcopy(joint_item()["form_schema"])
    form["required"].remove("to_province")
    assert violations(joint_item(form_schema=form)) == [
        ("joint_parts[0].province_rule", "part_rule_field_optional")
    ]


@pytest.mark.parametrize(
    "field",
    [
        {"type": "string", "title": "迁入地"},  # any text: a place name cannot be resolved
        {"type": "string", "pattern": "^[0-9]{6}$"},
        {"type": "string", "enum": ["430000", "999999"]},
    ],
)
def test_a_part_rule_field_must_be_a_province_code(field: dict[str, Any]) -> None:
    form = copy.deepcopy(joint_item()["form_schema"])
    form["properties"]["to_province"] = field
    assert violations(joint_item(form_schema=form)) == [
        ("joint_parts[0].province_rule", "part_rule_field_not_province")
    ]


def test_an_enum_of_province_codes_is_a_province_code_field() -> None:
    form = copy.deepcopy(joint_item()["form_schema"])
    form["properties"]["to_province"] = {"type": "string", "enum": ["430000", "450000"]}
    assert violations(joint_item(form_schema=form)) == []


def test_a_lead_part_needs_no_form_field() -> None:
    parts = copy.deepcopy(joint_item()["joint_parts"])
    for part in parts:
        part["province_rule"] = "lead"
    assert violations(item(modes=["joint"], joint_parts=parts)) == []


@pytest.mark.parametrize(
    ("statutory", "promised", "ratio"),
    [(20, 5, 0.75), (20, 20, 0.0), (1, 0, 1.0), (3, 1, 0.6667), (0, 0, None)],
)
def test_the_compression_ratio_is_the_share_of_the_statutory_limit_saved(
    statutory: int, promised: int, ratio: float | None
) -> None:
    assert compression_ratio(statutory, promised) == ratio


def test_the_digest_of_a_stored_definition_is_the_models() -> None:
    model = ItemDefinition.model_validate(joint_item())
    assert stored_standard_digest(model.model_dump(mode="json")) == standard_digest(model)
