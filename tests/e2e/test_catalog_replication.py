"""事项标准 across the three provinces of the local stack: an item published once at its publisher
of record appears identical everywhere, a case filed under one version is handled under it at the
other province while a newer version exists, a joint item published only by its publisher runs in
every part province, and a partner that was cut off catches up."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
import requests

from tests.conftest import ROOT
from tests.e2e.gateway import PDF, Gateway, eventually, verified_files

pytestmark = pytest.mark.e2e
PROVINCES = ("430000", "450000", "320000")
SEED = {i["code"]: i for i in json.loads((ROOT / "infra/seed/catalog.json").read_text("utf-8"))["items"]}
LICENCE = {"reference": "EL-430000-20160301-DEV10001"}  # 甲's 居民身份证
RS4_FORM = {
    "residence_city": "长沙市",
    "last_employer": "测试公司",
    "unemployed_since": "2026-10-01",
    "mobile": "13800000001",
}


def new_item(base: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = copy.deepcopy(SEED[base])
    item.update(code=f"E2E-{base[5:7]}-{uuid.uuid4().hex[:8].upper()}", **changes)
    return item


def detail(stack: dict[str, Any], province: str, code: str) -> dict[str, Any] | None:
    answer = requests.get(f"{stack['provinces'][province]['url']}/v1/catalog/items/{code}", timeout=15)
    return answer.json() if answer.status_code == 200 else None


def digests(stack: dict[str, Any], code: str) -> dict[str, str | None]:
    return {p: (detail(stack, p, code) or {}).get("standard_digest") for p in PROVINCES}


def everywhere(stack: dict[str, Any], code: str, version: int) -> dict[str, Any] | None:
    """The item's detail at every province once all hold `version` with one digest, else None."""
    found = [detail(stack, p, code) for p in PROVINCES]
    if any(d is None or d["version"] != version for d in found):
        return None
    assert found[0] is not None
    return found[0] if len({d["standard_digest"] for d in found if d}) == 1 else None


def set_partner(operator: Gateway, partner: str, status: str) -> None:
    operator.post(f"/v1/ops/partners/{partner}/status", {"status": status, "reason": "端到端测试"})


def test_an_item_published_once_appears_identical_at_every_province(stack: dict[str, Any]) -> None:
    publisher, other = Gateway(stack, "450000", "operator"), Gateway(stack, "430000", "operator")
    item = new_item("KSTB-RS-004")
    publisher.post("/v1/ops/catalog/items", item)
    same = eventually(lambda: everywhere(stack, item["code"], 1), "the item at all three provinces", 20)
    assert same["publisher"] == "450000"

    # 湖南 cannot change 广西's standard; it adds its own implementation, which leaves the digest alone
    changed = {**item, "promised_limit_days": 0, "name": "湖南改过的名称"}
    refused = requests.post(
        f"{other.base}/v1/ops/catalog/items",
        headers={**other.headers, "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"},
        data=json.dumps(changed, ensure_ascii=False).encode(),
        timeout=15,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "standard_not_owned"
    own = {
        "authority": "长沙市人力资源和社会保障局（测试）",
        "authority_code": "A-430000-01",
        "local_code": "HN-E2E-1",
        "contact_phone": "0731-12333",
    }
    requests.put(
        f"{other.base}/v1/ops/catalog/items/{item['code']}/implementation",
        headers={**other.headers, "Content-Type": "application/json"},
        data=json.dumps(own, ensure_ascii=False).encode(),
        timeout=15,
    ).raise_for_status()
    guide = other.get(f"/v1/catalog/items/{item['code']}/guides/430000")
    assert guide["implementation"]["local_code"] == "HN-E2E-1"
    assert set(digests(stack, item["code"]).values()) == {same["standard_digest"]}


def test_a_case_filed_under_v1_is_handled_under_v1_while_v2_exists(stack: dict[str, Any]) -> None:
    """The stuck case of issue 13: filed at 湖南 under v1, handled at 广西, whose publisher has a v2
    with an extra required material: accepted under v1, 补正 answered at home, decided."""
    publisher = Gateway(stack, "450000", "operator")
    applicant = Gateway(stack, "430000", "applicant")
    clerk = Gateway(stack, "450000", "authority_clerk")
    v1 = new_item("KSTB-RS-004", immediate=False, statutory_limit_days=20, promised_limit_days=5)
    publisher.post("/v1/ops/catalog/items", v1)
    eventually(lambda: everywhere(stack, v1["code"], 1), "v1 at every province", 20)

    n = applicant.post("/v1/cases", {"item_code": v1["code"], "province": "450000", "form": RS4_FORM})[
        "number"
    ]
    applicant.post(f"/v1/cases/{n}/materials/id_card/licences", LICENCE)
    v2 = copy.deepcopy(v1)
    v2["materials"].append({"code": "income_proof", "name": "收入证明", "required": True})
    publisher.post("/v1/ops/catalog/items", v2)  # a new version while the case is open
    eventually(lambda: everywhere(stack, v1["code"], 2), "v2 at every province", 20)
    applicant.post(f"/v1/cases/{n}/submit")

    eventually(
        lambda: any(c["number"] == n for c in clerk.get("/v1/authority/cases")["items"]), "at 广西", 30
    )
    there = clerk.case(n)
    assert there["item_version"] == 1 and [m["code"] for m in there["materials"]] == ["id_card"]
    clerk.post(f"/v1/authority/cases/{n}/accept", {})
    clerk.post(
        f"/v1/authority/cases/{n}/supplement-request",
        {"items": [{"material": "id_card", "reason": "身份证件照片不清晰"}]},
    )
    eventually(lambda: applicant.case(n)["state"] == "supplement_requested", "补正 at home", 30)
    applicant.upload(f"/v1/cases/{n}/materials/id_card/uploads", PDF + b"clear")
    eventually(lambda: verified_files(applicant, n) == 2, "the new scan verified", 30)
    applicant.post(f"/v1/cases/{n}/supplement-answer", {"note": "已重新上传清晰件"})
    eventually(lambda: clerk.case(n)["state"] == "supplemented", "the answer at 广西", 30)
    clerk.post(f"/v1/authority/cases/{n}/review", {})
    clerk.post(f"/v1/authority/cases/{n}/decide", {"approved": True})
    home = eventually(lambda: (c := applicant.case(n))["state"] == "approved" and c, "decided at home", 30)
    assert home["item_version"] == 1
    assert applicant.get(f"/v1/catalog/items/{v1['code']}/versions/1")["version"] == 1  # still readable


def test_a_joint_item_published_only_by_its_publisher_runs_in_every_part_province(
    stack: dict[str, Any],
) -> None:
    """The joint item reaches 湖南 only when its part does (湖南 is suspended at the publisher): the
    part's gateway fetches the version by signed request, and every part reaches a real state."""
    publisher = Gateway(stack, "450000", "operator")
    applicant = Gateway(stack, "320000", "applicant_3")
    lead, hunan = Gateway(stack, "320000", "authority_clerk"), Gateway(stack, "430000", "authority_clerk")
    guangxi = Gateway(stack, "450000", "authority_clerk")
    item = new_item("KSTB-GA-001")
    set_partner(publisher, "430000", "suspended")
    try:
        publisher.post("/v1/ops/catalog/items", item)
        eventually(lambda: detail(stack, "320000", item["code"]), "the joint item at the lead", 20)
        assert detail(stack, "430000", item["code"]) is None
        form = {
            "from_province": "450000",
            "to_province": "430000",
            "spouse_name": "测试配偶",
            "marriage_date": "2020-05-01",
            "to_address": "长沙市岳麓区",
        }
        person = {"name": "测试申请人丙", "id_number": "320102197808080037", "phone": "13800000003"}
        n = applicant.post("/v1/cases", {"item_code": item["code"], "applicant": person, "form": form})[
            "number"
        ]
        applicant.post(
            f"/v1/cases/{n}/materials/id_card/licences", {"reference": "EL-320000-20240901-DEV30001"}
        )
        applicant.post(
            f"/v1/cases/{n}/materials/marriage_certificate/licences",
            {"reference": "EL-320000-20050501-DEV30002"},
        )
        for slot in ("household_register", "residence_proof"):
            applicant.upload(f"/v1/cases/{n}/materials/{slot}/uploads", PDF + slot.encode())
        eventually(lambda: verified_files(applicant, n) == 4, "materials verified", 30)
        applicant.post(f"/v1/cases/{n}/submit")
        lead.post(f"/v1/authority/cases/{n}/accept", {})

        def part(key: str) -> dict[str, Any]:
            return next(p for p in applicant.case(n)["parts"] if p["key"] == key)

        first = part("move_in_approval")["case_number"]
        at_hunan = eventually(
            lambda: any(c["number"] == first for c in hunan.get("/v1/authority/cases")["items"]),
            "the part opened at 湖南, which lacked the item",
            30,
        )
        assert at_hunan and hunan.case(first)["item_version"] == 1
        hunan.post(f"/v1/authority/cases/{first}/accept", {})
        hunan.post(f"/v1/authority/cases/{first}/decide", {"approved": True})
        second = eventually(lambda: part("move_out_registration")["case_number"], "the second part", 30)
        eventually(
            lambda: any(c["number"] == second for c in guangxi.get("/v1/authority/cases")["items"]),
            "at 广西",
            30,
        )
        guangxi.post(f"/v1/authority/cases/{second}/accept", {})
        guangxi.post(f"/v1/authority/cases/{second}/decide", {"approved": True})
        done = eventually(
            lambda: (c := applicant.case(n))["state"] == "approved" and c, "joint case decided", 30
        )
        assert {p["key"]: p["state"] for p in done["parts"]} == {
            "move_in_approval": "approved",
            "move_out_registration": "approved",
        }
    finally:
        set_partner(publisher, "430000", "active")
    eventually(lambda: everywhere(stack, item["code"], 1), "湖南 caught up with the joint item", 30)


def test_a_partner_cut_off_while_publishing_catches_up_with_identical_digests(stack: dict[str, Any]) -> None:
    publisher = Gateway(stack, "430000", "operator")
    item = new_item("KSTB-RS-002")
    set_partner(publisher, "320000", "suspended")
    try:
        publisher.post("/v1/ops/catalog/items", item)
        v2 = {**item, "promised_limit_days": max(item["promised_limit_days"] - 1, 0)}
        publisher.post("/v1/ops/catalog/items", v2)
        eventually(lambda: (detail(stack, "450000", item["code"]) or {}).get("version") == 2, "at 广西", 20)
        assert detail(stack, "320000", item["code"]) is None  # the gap, while it lasts
    finally:
        set_partner(publisher, "320000", "active")
    same = eventually(lambda: everywhere(stack, item["code"], 2), "江苏 caught up, in order", 20)
    assert same["publisher"] == "430000"
    versions = [
        Gateway(stack, "320000", "operator").get(f"/v1/catalog/items/{item['code']}/versions/{v}")
        for v in (1, 2)
    ]
    assert [v["version"] for v in versions] == [1, 2]
