"""多地联办 over three provinces of the local stack: 江苏 320000 leads, 湖南 430000 and 广西 450000
handle parts, with real signed messages through real queues."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.gateway import PDF, Gateway, eventually, verified_files

pytestmark = pytest.mark.e2e
APPLICANT = {"name": "测试申请人丙", "id_number": "320102197808080037", "phone": "13800000003"}
ID_CARD = "EL-320000-20240901-DEV30001"


def parts(gateway: Gateway, number: str) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in gateway.case(number)["parts"]}


def inboxed(gateway: Gateway, number: str) -> bool:
    return any(c["number"] == number for c in gateway.get("/v1/authority/cases")["items"])


@pytest.fixture
def sides(stack: dict[str, Any]) -> dict[str, Gateway]:
    return {
        "applicant": Gateway(stack, "320000", "applicant_3"),  # 丙, whose licences the tests use
        "lead": Gateway(stack, "320000", "authority_clerk"),
        "hunan": Gateway(stack, "430000", "authority_clerk"),
        "guangxi": Gateway(stack, "450000", "authority_clerk"),
    }


def test_a_household_move_with_a_dependency_and_a_supplement(sides: dict[str, Gateway]) -> None:
    applicant, lead, hunan, guangxi = sides["applicant"], sides["lead"], sides["hunan"], sides["guangxi"]
    form = {
        "from_province": "450000",
        "to_province": "430000",
        "spouse_name": "测试配偶",
        "marriage_date": "2020-05-01",
        "to_address": "长沙市岳麓区",
    }
    n = applicant.post("/v1/cases", {"item_code": "KSTB-GA-001", "applicant": APPLICANT, "form": form})[
        "number"
    ]
    assert applicant.case(n)["mode"] == "joint"
    applicant.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": ID_CARD})
    applicant.post(
        f"/v1/cases/{n}/materials/marriage_certificate/licences", {"reference": "EL-320000-20050501-DEV30002"}
    )
    for slot in ("household_register", "residence_proof"):
        applicant.upload(f"/v1/cases/{n}/materials/{slot}/uploads", PDF + slot.encode())
    eventually(lambda: verified_files(applicant, n) == 4, "all four materials verified")
    applicant.post(f"/v1/cases/{n}/submit")
    lead.post(f"/v1/authority/cases/{n}/accept", {})

    planned = parts(applicant, n)
    assert (planned["move_in_approval"]["province"], planned["move_in_approval"]["state"]) == (
        "430000",
        "started",
    )
    assert (planned["move_out_registration"]["province"], planned["move_out_registration"]["state"]) == (
        "450000",
        "waiting",
    )
    first = planned["move_in_approval"]["case_number"]
    eventually(lambda: inboxed(hunan, first), "the first part in 湖南's inbox")
    at_hunan = hunan.case(first)
    assert at_hunan["joint"]["parent"] == n and at_hunan["joint"]["lead_province"] == "320000"
    assert [(s["part"], s["province"], s["state"]) for s in at_hunan["joint"]["siblings"]] == [
        ("move_out_registration", "450000", "waiting")
    ]
    assert sorted(m["code"] for m in at_hunan["materials"]) == sorted(
        ["id_card", "household_register", "marriage_certificate", "residence_proof"]
    )

    hunan.post(
        f"/v1/authority/cases/{first}/supplement-request",
        {"items": [{"material": "residence_proof", "reason": "房产证明不清晰"}]},
    )
    asked = eventually(
        lambda: (c := applicant.case(n))["state"] == "supplement_requested" and c, "补正 at the lead"
    )
    assert [i["material"] for i in asked["supplement"]["items"]] == ["residence_proof"]
    applicant.upload(f"/v1/cases/{n}/materials/residence_proof/uploads", PDF + b"clear")
    eventually(lambda: verified_files(applicant, n) == 5, "the new proof verified")
    applicant.post(f"/v1/cases/{n}/supplement-answer", {"note": "已补清晰房产证明"})
    eventually(lambda: hunan.case(first)["state"] == "supplemented", "the answer at 湖南")
    hunan.post(f"/v1/authority/cases/{first}/accept", {})
    hunan.post(f"/v1/authority/cases/{first}/decide", {"approved": True})

    second = eventually(
        lambda: parts(applicant, n)["move_out_registration"]["case_number"], "the dependent part started"
    )
    eventually(lambda: inboxed(guangxi, second), "the second part in 广西's inbox")
    at_guangxi = guangxi.case(second)
    assert sorted(m["code"] for m in at_guangxi["materials"]) == ["household_register"]
    assert [(s["part"], s["state"]) for s in at_guangxi["joint"]["siblings"]] == [
        ("move_in_approval", "approved")
    ]
    guangxi.post(f"/v1/authority/cases/{second}/accept", {})
    guangxi.post(f"/v1/authority/cases/{second}/decide", {"approved": True})
    done = eventually(lambda: (c := applicant.case(n))["state"] == "approved" and c, "the joint case decided")
    assert {p["key"]: p["state"] for p in done["parts"]} == {
        "move_in_approval": "approved",
        "move_out_registration": "approved",
    }
    assert all(p["due"] for p in done["parts"])
    assert applicant.get(f"/v1/cases/{n}/audit")["ok"] is True


def test_a_refused_part_ends_the_case_and_cancels_the_rest(sides: dict[str, Gateway]) -> None:
    applicant, lead, hunan, guangxi = sides["applicant"], sides["lead"], sides["hunan"], sides["guangxi"]
    form = {
        "from_province": "450000",
        "to_province": "430000",
        "from_agency": "南宁市社会保险事业局",
        "reason": "跨省就业",
        "mobile": "13800000003",
    }
    n = applicant.post(
        "/v1/cases", {"item_code": "KSTB-RS-001", "mode": "joint", "applicant": APPLICANT, "form": form}
    )["number"]
    applicant.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": ID_CARD})
    for slot in ("contribution_certificate", "transfer_application"):
        applicant.upload(f"/v1/cases/{n}/materials/{slot}/uploads", PDF + slot.encode())
    eventually(lambda: verified_files(applicant, n) == 3, "materials verified")
    applicant.post(f"/v1/cases/{n}/submit")
    lead.post(f"/v1/authority/cases/{n}/accept", {})

    first = parts(applicant, n)["transfer_in_acceptance"]["case_number"]
    eventually(lambda: inboxed(hunan, first), "the first part in 湖南")
    hunan.post(f"/v1/authority/cases/{first}/accept", {})
    hunan.post(f"/v1/authority/cases/{first}/decide", {"approved": True})
    second = eventually(lambda: parts(applicant, n)["transfer_out"]["case_number"], "the second part started")
    eventually(lambda: inboxed(guangxi, second), "the second part in 广西")
    guangxi.post(
        f"/v1/authority/cases/{second}/refuse",
        {
            "reason": "转出地无该参保人缴费记录",
            "legal_basis": "《城镇企业职工基本养老保险关系转移接续暂行办法》",
        },
    )

    ended = eventually(lambda: (c := applicant.case(n))["state"] == "denied" and c, "the joint case refused")
    states = {p["key"]: p["state"] for p in ended["parts"]}
    assert states == {
        "transfer_in_acceptance": "revoked",  # approved, then undone (联办撤销)
        "transfer_out": "refused",
        "transfer_in_completion": "not_started",
    }
    refusing = next(p for p in ended["parts"] if p["key"] == "transfer_out")
    assert refusing["legal_basis"] == "《城镇企业职工基本养老保险关系转移接续暂行办法》"
    assert ended["decision"]["legal_basis"] == refusing["legal_basis"]
    # compensation: 湖南 is told to undo the part it had approved, and has done so
    eventually(lambda: hunan.case(first)["state"] == "closed", "the approved part cancelled at 湖南")
    acts = [e["act"] for e in hunan.get(f"/v1/cases/{first}/timeline")["events"]]
    assert acts[-1] == "cancel"
    eventually(
        lambda: parts(applicant, n)["transfer_in_acceptance"]["cancel_acknowledged"], "湖南 acknowledged"
    )
    assert parts(applicant, n)["transfer_in_completion"]["case_number"] is None  # never started


def test_a_part_supplemented_after_acceptance_decides_the_joint_case_within_seconds(
    sides: dict[str, Gateway],
) -> None:
    """Issue 11: accept → review → 补正 → answer → review → approve at 湖南; the lead's copy reads
    `supplemented` when the decision arrives, and it applies."""
    import time

    applicant, lead, hunan, guangxi = sides["applicant"], sides["lead"], sides["hunan"], sides["guangxi"]
    form = {
        "from_province": "450000",
        "to_province": "430000",
        "spouse_name": "测试配偶",
        "marriage_date": "2020-05-01",
        "to_address": "长沙市岳麓区",
    }
    n = applicant.post("/v1/cases", {"item_code": "KSTB-GA-001", "applicant": APPLICANT, "form": form})[
        "number"
    ]
    applicant.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": ID_CARD})
    applicant.post(
        f"/v1/cases/{n}/materials/marriage_certificate/licences", {"reference": "EL-320000-20050501-DEV30002"}
    )
    for slot in ("household_register", "residence_proof"):
        applicant.upload(f"/v1/cases/{n}/materials/{slot}/uploads", PDF + slot.encode())
    eventually(lambda: verified_files(applicant, n) == 4, "all four materials verified")
    applicant.post(f"/v1/cases/{n}/submit")
    lead.post(f"/v1/authority/cases/{n}/accept", {})
    first = parts(applicant, n)["move_in_approval"]["case_number"]
    eventually(lambda: inboxed(hunan, first), "the first part in 湖南's inbox")
    hunan.post(f"/v1/authority/cases/{first}/accept", {})
    hunan.post(
        f"/v1/authority/cases/{first}/supplement-request",
        {"items": [{"field": "to_address", "reason": "迁入地址不完整"}]},
    )
    eventually(lambda: applicant.case(n)["state"] == "supplement_requested", "补正 at the lead")
    mine = [c["number"] for c in applicant.get("/v1/cases")["items"]]
    assert n in mine and first not in mine  # one case for the applicant
    applicant.post(f"/v1/cases/{n}/supplement-answer", {"note": "已补全地址"})
    eventually(lambda: hunan.case(first)["state"] == "supplemented", "the answer at 湖南")
    hunan.post(f"/v1/authority/cases/{first}/review", {})
    hunan.post(f"/v1/authority/cases/{first}/decide", {"approved": True})
    second = eventually(
        lambda: parts(applicant, n)["move_out_registration"]["case_number"], "the dependent part started"
    )
    eventually(lambda: inboxed(guangxi, second), "the second part in 广西's inbox")
    assert "decide" not in lead.case(n)["allowed_acts"]
    guangxi.post(f"/v1/authority/cases/{second}/accept", {})
    guangxi.post(f"/v1/authority/cases/{second}/decide", {"approved": True})
    approved_at = time.monotonic()
    done = eventually(lambda: (c := applicant.case(n))["state"] == "approved" and c, "the joint case decided")
    assert time.monotonic() - approved_at < 15
    assert {p["key"]: (p["state"], p["out_of_sync"]) for p in done["parts"]} == {
        "move_in_approval": ("approved", None),
        "move_out_registration": ("approved", None),
    }
    asked = [x for x in applicant.get("/v1/me/notices")["items"] if x["case"] == n]
    assert [x["act"] for x in asked].count("request_supplement") == 1
