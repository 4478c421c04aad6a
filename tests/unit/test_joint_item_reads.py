"""多地联办: the coordinator reads a published item version once, not once per part it opens."""

from __future__ import annotations

from typing import Any, cast

from chalicelib.domain.catalog import ItemDefinition
from chalicelib.services.cases import CaseService
from chalicelib.services.joint import ITEMS_KEPT, JointCoordinator
from tests.factories import case_model, joint_item


class CountingCatalog:
    """The catalog as the coordinator reads it: published versions, each read counted."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, int]] = []

    def item_version(self, code: str, version: int) -> dict[str, Any]:
        self.reads.append((code, version))
        definition = ItemDefinition.model_validate(joint_item(code=code)).model_dump(mode="json")
        return {"code": code, "version": version, "definition": definition}


def coordinator() -> tuple[JointCoordinator, CountingCatalog]:
    catalog = CountingCatalog()
    cases = cast(CaseService, type("Cases", (), {"catalog": catalog})())
    return JointCoordinator(cases, None, "430000"), catalog


FORM = {"purpose": "投靠", "from_province": "450000", "to_province": "430000"}


def test_planning_and_opening_parts_read_the_item_version_once() -> None:
    joint, catalog = coordinator()
    case = case_model(item_code="TEST-JOINT", item_version=1, form=FORM)
    planned = joint.plan(case)  # the lead accepts: the parts are planned, the first one opens
    assert joint.item(case) is joint.item(case)  # each part opened as it becomes ready
    assert [p.key for p in planned] == ["move_in", "move_out"]
    assert catalog.reads == [("TEST-JOINT", 1)]


def test_each_version_is_read_on_its_own_and_only_the_latest_versions_are_kept() -> None:
    joint, catalog = coordinator()
    first = case_model(item_code="TEST-JOINT", item_version=1, form=FORM)
    second = case_model(item_code="TEST-JOINT", item_version=2, form=FORM)
    assert (joint.item(first).version, joint.item(second).version) == (1, 2)
    assert catalog.reads == [("TEST-JOINT", 1), ("TEST-JOINT", 2)]
    for version in range(3, ITEMS_KEPT + 2):  # pushes out the version read first
        joint.item(case_model(item_code="TEST-JOINT", item_version=version, form=FORM))
    joint.item(second)
    assert catalog.reads.count(("TEST-JOINT", 2)) == 1
    joint.item(first)
    assert catalog.reads.count(("TEST-JOINT", 1)) == 2
