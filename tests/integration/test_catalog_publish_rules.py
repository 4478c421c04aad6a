"""Rules of the standards checked at publish, over HTTP: a refusal is a 422 naming the field and
changes nothing; 压缩比 is shown in the item detail and the 办事指南; 即办件 are flagged in lists."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.factories import item, joint_item
from tests.integration.case_helpers import Party, ok


def refused_fields(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.body
    problem = json.loads(response.body)
    assert problem["code"] == "validation_failed"
    return [(e["field"], e["code"]) for e in problem["errors"]]


def test_an_item_promised_in_0_days_but_not_flagged_immediate_is_refused_and_nothing_changes(
    client: Any, operator: Party
) -> None:
    response = operator.post("/v1/ops/catalog/items", item(code="TEST-RULE-1", promised_limit_days=0))
    assert refused_fields(response) == [("immediate", "immediate_flag_missing")]
    assert operator.get("/v1/ops/catalog/items/TEST-RULE-1").status_code == 404


def test_a_joint_part_whose_province_cannot_be_resolved_is_refused_naming_the_part(
    client: Any, operator: Party
) -> None:
    form = copy.deepcopy(joint_item()["form_schema"])
    form["properties"]["to_province"] = {"type": "string", "title": "迁入地"}
    response = operator.post("/v1/ops/catalog/items", joint_item(code="TEST-RULE-2", form_schema=form))
    assert refused_fields(response) == [("joint_parts[0].province_rule", "part_rule_field_not_province")]
    assert operator.get("/v1/ops/catalog/items/TEST-RULE-2").status_code == 404


def test_a_promise_beyond_the_statutory_limit_is_still_refused(client: Any, operator: Party) -> None:
    response = operator.post("/v1/ops/catalog/items", item(code="TEST-RULE-3", promised_limit_days=30))
    assert response.status_code == 422
    assert operator.get("/v1/ops/catalog/items/TEST-RULE-3").status_code == 404


def test_the_compression_ratio_is_shown_in_the_detail_the_guide_and_the_operators_view(
    client: Any, operator: Party
) -> None:
    ok(operator.post("/v1/ops/catalog/items", item(code="TEST-RULE-4")), 201)  # 20 → 5 days
    assert ok(client.http.get("/v1/catalog/items/TEST-RULE-4"))["compression_ratio"] == 0.75
    guide = ok(client.http.get("/v1/catalog/items/TEST-RULE-4/guides/430000"))
    assert guide["compression_ratio"] == 0.75
    assert ok(operator.get("/v1/ops/catalog/items/TEST-RULE-4"))["compression_ratio"] == 0.75


def test_an_immediate_item_is_flagged_in_the_list_and_saves_the_whole_statutory_limit(
    client: Any, operator: Party
) -> None:
    body = item(code="TEST-RULE-5", promised_limit_days=0, immediate=True, statutory_limit_days=1)
    ok(operator.post("/v1/ops/catalog/items", body), 201)
    listed = ok(client.http.get("/v1/catalog/items?immediate=true&q=TEST-RULE"))["items"]
    assert [(i["code"], i["immediate"]) for i in listed] == [("TEST-RULE-5", True)]
    assert ok(client.http.get("/v1/catalog/items?immediate=false&q=TEST-RULE-5"))["items"] == []
    assert ok(client.http.get("/v1/catalog/items/TEST-RULE-5"))["compression_ratio"] == 1.0


def test_an_implementation_without_its_authority_is_refused_at_publish_and_nothing_changes(
    client: Any, operator: Party
) -> None:
    body = item(code="TEST-RULE-AUTH")
    del body["implementations"]["450000"]["authority_code"]
    response = operator.post("/v1/ops/catalog/items", body)
    assert response.status_code == 422, response.body
    problem = json.loads(response.body)
    assert problem["code"] == "authority_code_missing"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("implementations.450000.authority_code", "authority_code_missing")
    ]
    assert operator.get("/v1/ops/catalog/items/TEST-RULE-AUTH").status_code == 404


def test_an_own_implementation_without_its_authority_is_refused_and_the_one_in_force_stays(
    client: Any, operator: Party
) -> None:
    ok(operator.post("/v1/ops/catalog/items", item(code="TEST-RULE-AUTH2")), 201)
    own = {"authority": "长沙市另一测试局", "local_code": "HN-T-2", "contact_phone": "0731-54321"}
    response = operator.put("/v1/ops/catalog/items/TEST-RULE-AUTH2/implementation", own)
    assert response.status_code == 422 and json.loads(response.body)["code"] == "authority_code_missing"
    guide = ok(client.http.get("/v1/catalog/items/TEST-RULE-AUTH2/guides/430000"))
    assert guide["implementation"]["authority_code"] == "A-430000-01"
    given = {**own, "authority_code": "A-430000-02"}
    ok(operator.put("/v1/ops/catalog/items/TEST-RULE-AUTH2/implementation", given))
    guide = ok(client.http.get("/v1/catalog/items/TEST-RULE-AUTH2/guides/430000"))
    assert guide["implementation"]["authority_code"] == "A-430000-02"
