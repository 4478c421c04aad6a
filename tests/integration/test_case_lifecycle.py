"""The full-online case through the API: draft → materials → submit → 补正 → accept → review → decide →
result → download → rating → rectification; an immediate item; 容缺受理."""

from __future__ import annotations

from typing import Any

import requests

from tests.integration.case_helpers import (
    PDF,
    RS4_FORM,
    RS5_FORM,
    SJ_FORM,
    Party,
    draft,
    give,
    ok,
    upload,
)


def test_the_whole_full_online_path(company: Party, clerk: Party) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    case = draft(applicant, "KSTB-SJ-001", SJ_FORM)
    number = case["number"]
    assert case["state"] == "draft"
    assert case["applicant"]["id_number"] == "430103199203030046"  # the owner sees it whole
    assert (case["applicant"]["kind"], case["applicant"]["credit_code"]) == (
        "legal_person",
        "91430100MA4L7K3P2X",
    )
    assert case["progress"]["state_text"] == "草稿，尚未提交"

    refused = applicant.post(f"/v1/cases/{number}/submit")
    assert refused.status_code == 422
    assert {e["field"] for e in ok_problem(refused)["errors"]} == {
        "materials.business_licence",
        "materials.application_form",
    }

    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    submitted = ok(applicant.post(f"/v1/cases/{number}/submit"))
    assert submitted["state"] == "submitted"

    seen_by_clerk = ok(clerk.get(f"/v1/cases/{number}"))
    assert seen_by_clerk["applicant"]["id_number"] == "430103********0046"
    assert seen_by_clerk["applicant"]["name"] == "测*****"
    assert "accept" in seen_by_clerk["allowed_acts"]

    inbox = ok(clerk.get("/v1/authority/cases?state=submitted"))
    assert [line["number"] for line in inbox["items"]] == [number]

    asked = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/supplement-request",
            {
                "items": [
                    {"material": "test_report", "reason": "缺少型式试验报告"},
                    {"field": "form.product_name", "reason": "产品名称不规范"},
                ]
            },
        )
    )
    assert asked["state"] == "supplement_requested"
    assert len(asked["supplement"]["items"]) == 2

    early = applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补"})
    assert early.status_code == 422
    give(applicant, number, "test_report")
    answered = ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补充试验报告"}))
    assert answered["state"] == "supplemented"

    accepted = ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    assert accepted["state"] == "accepted"
    assert accepted["clock"]["promised_due"] is not None
    assert accepted["progress"]["light"] in ("green", "yellow")

    ok(clerk.post(f"/v1/authority/cases/{number}/review", {"note": "材料齐全"}))
    suspended = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/suspend",
            {"procedure": "site_inspection", "reason": "需现场核查生产条件"},
        )
    )
    assert suspended["progress"]["paused"] is True
    ok(clerk.post(f"/v1/authority/cases/{number}/resume", {"note": "核查合格"}))
    decided = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/decide",
            {"approved": True, "legal_basis": "《工业产品生产许可证管理条例》"},
        )
    )
    assert decided["state"] == "approved"

    not_ready = clerk.post(
        f"/v1/authority/cases/{number}/issue-result",
        {"delivery": "electronic", "title": "许可证", "file_id": "FAAAAAAAAAAAA"},
    )
    assert not_ready.status_code == 422
    result_id = upload(clerk, f"/v1/authority/cases/{number}/result-uploads", PDF)
    assert ok(clerk.post(f"/v1/cases/{number}/files/{result_id}/confirm"))["status"] == "verified"
    issued = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/issue-result",
            {"delivery": "electronic", "title": "工业产品生产许可证", "file_id": result_id},
        )
    )
    assert issued["state"] == "result_issued"

    result = ok(applicant.get(f"/v1/cases/{number}/result"))
    downloaded = requests.get(result["download"]["url"], timeout=10)
    assert downloaded.content == PDF
    assert ok(applicant.get(f"/v1/cases/{number}"))["state"] == "delivered"

    rated = ok(
        applicant.post(f"/v1/cases/{number}/rating", {"level": "very_dissatisfied", "comment": "等待太久"}),
        201,
    )
    assert rated["rating"]["level"] == "very_dissatisfied"
    again = applicant.post(f"/v1/cases/{number}/rating", {"level": "satisfied"})
    assert again.status_code == 409

    open_items = ok(clerk.get("/v1/authority/rectifications"))["items"]
    assert [r["case"] for r in open_items] == [number]
    closed = ok(
        clerk.post(
            f"/v1/authority/rectifications/{number}/follow-up",
            {"actions": "优化审查流程", "applicant_feedback": "认可整改"},
        )
    )
    assert closed["status"] == "closed"
    assert ok(clerk.get("/v1/authority/rectifications"))["items"] == []

    audit = ok(applicant.get(f"/v1/cases/{number}/audit"))
    assert audit["ok"] is True
    timeline = ok(applicant.get(f"/v1/cases/{number}/timeline"))["events"]
    acts = [e["act"] for e in timeline]
    assert acts[0] == "open"
    for act in (
        "submit",
        "request_supplement",
        "answer_supplement",
        "accept",
        "start_review",
        "suspend",
        "resume",
        "decide",
        "issue_result",
        "deliver",
        "rate",
        "rectification_closed",
    ):
        assert act in acts
    assert audit["length"] == len(timeline)


def ok_problem(response: Any) -> dict[str, Any]:
    import json

    assert response.headers["Content-Type"].startswith("application/problem+json")
    return dict(json.loads(response.body))


def test_an_immediate_item_is_accepted_and_decided_in_one_act(applicant: Party, clerk: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    licence = ok(
        applicant.post(
            f"/v1/cases/{number}/materials/id_card/licences", {"reference": "EL-430000-20160301-DEV10001"}
        ),
        201,
    )
    assert licence["trust_level"] == "A"
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    done = ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    assert done["state"] == "approved"
    assert done["clock"]["promised_due"] == done["clock"]["started_on"]


def test_accept_and_decide_is_refused_for_an_item_that_is_not_immediate(company: Party, clerk: Party) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    refused = clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True})
    assert refused.status_code == 409
    assert ok_problem(refused)["code"] == "not_an_immediate_item"


def test_deferred_acceptance_takes_a_commitment_and_holds_the_decision_until_given(
    applicant: Party, clerk: Party
) -> None:
    number = draft(applicant, "KSTB-RS-005", RS5_FORM)["number"]
    ok(
        applicant.post(
            f"/v1/cases/{number}/materials/id_card/licences", {"reference": "EL-430000-20160301-DEV10001"}
        ),
        201,
    )
    ok(applicant.post(f"/v1/cases/{number}/submit"))  # bank_account may be deferred: submit passes
    plain = clerk.post(f"/v1/authority/cases/{number}/accept", {})
    assert plain.status_code == 422
    accepted = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/accept",
            {"deferred_materials": ["bank_account"], "commitment": "承诺五个工作日内补交银行账户信息"},
        )
    )
    assert accepted["deferred"] == ["bank_account"]
    early = clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True})
    assert early.status_code == 409
    assert ok_problem(early)["code"] == "deferred_materials_outstanding"
    give(applicant, number, "bank_account")
    assert ok(clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}))["state"] == "approved"
