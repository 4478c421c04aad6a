"""Acts on a case through the API: a result issued as an e-licence, pre-review and the applicant's
edits, e-licences that may not be used, rectifications seen by whom, English problems."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain import personal
from tests.integration.case_helpers import APPLICANTS, SJ_FORM, Party, draft, ok
from tests.integration.test_case_guarantees import submitted_case


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = dict(json.loads(response.body))
    assert body["code"] == code, body
    return body


def approved_case(applicant: Party, clerk: Party) -> str:
    number = submitted_case(applicant)
    ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    ok(clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}))
    return number


# — the result as an e-licence —


def test_a_result_issued_as_an_e_licence_lands_in_the_applicants_wallet(company: Party, clerk: Party) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    from chalicelib import container

    company_of = APPLICANTS["dev-legal-person-1"]
    id_number, credit_code = company_of["id_number"], company_of["credit_code"]
    early = submitted_case(applicant)
    refused = clerk.post(
        f"/v1/authority/cases/{early}/issue-result",
        {"delivery": "electronic", "title": "工业产品生产许可证", "licence_type": "工业产品生产许可证"},
    )
    assert refused.status_code == 409
    assert container.licences().find(id_number, "工业产品生产许可证") == []  # a refused act issues nothing

    number = approved_case(applicant, clerk)
    issued = clerk.post(
        f"/v1/authority/cases/{number}/issue-result",
        {"delivery": "electronic", "title": "工业产品生产许可证", "licence_type": "工业产品生产许可证"},
    )
    case = ok(issued)
    assert case["state"] == "result_issued"
    reference = case["result"]["licence_ref"]
    assert reference
    licence = container.licences().get(reference)
    assert licence is not None
    assert licence.licence_type == "工业产品生产许可证"
    # a legal person's result is the legal person's licence, not its acting employee's
    assert licence.holder_key == personal.entity_holder_key(credit_code)
    assert licence.holder_name_masked == personal.mask_name(company_of["entity_name"])
    assert id_number not in json.dumps(licence.as_document())
    assert container.licences().find(id_number, "工业产品生产许可证") == []
    again = container.licences().issue(
        id_number,
        company_of["entity_name"],
        "工业产品生产许可证",
        "许可证",
        "发证机关",
        number,
        entity_credit_code=credit_code,
    )
    assert again.reference == reference  # a retry of the same case and type gets the same licence


# — pre-review and the applicant's edits —


def test_pre_review_return_lets_the_applicant_edit_and_resubmit_then_pass(
    company: Party, clerk: Party
) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    number = submitted_case(applicant)
    bare = clerk.post(f"/v1/authority/cases/{number}/pre-review/return", {"reasons": []})
    problem(bare, 422, "validation_failed")

    reasons = ["产品名称不规范", "生产地址不完整"]
    returned = ok(clerk.post(f"/v1/authority/cases/{number}/pre-review/return", {"reasons": reasons}))
    assert returned["state"] == "pre_review_returned"
    assert returned["return_reasons"] == reasons

    form = {
        **SJ_FORM,
        "product_name": "电线电缆（额定电压450/750V及以下）",
        "production_address": "长沙市岳麓区麓谷大道1号",
    }
    edited = ok(applicant.post(f"/v1/cases/{number}/form", {"form": form}))
    assert edited["form"] == form
    assert edited["state"] == "pre_review_returned"

    again = ok(applicant.post(f"/v1/cases/{number}/submit"))
    assert again["state"] == "submitted"
    assert again["return_reasons"] == []
    refused = applicant.post(f"/v1/cases/{number}/form", {"form": SJ_FORM})
    assert problem(refused, 409, "case_not_editable")["state"] == "submitted"
    assert ok(applicant.get(f"/v1/cases/{number}"))["form"] == form

    passed = ok(clerk.post(f"/v1/authority/cases/{number}/pre-review/pass", {"note": "材料齐全"}))
    assert passed["state"] == "pre_review_passed"
    assert "accept" in passed["allowed_acts"]
    problem(applicant.post(f"/v1/cases/{number}/form", {"form": SJ_FORM}), 409, "case_not_editable")
    timeline = [e["act"] for e in ok(applicant.get(f"/v1/cases/{number}/timeline"))["events"]]
    assert timeline[-4:] == ["return_pre_review", "update_form", "submit", "pass_pre_review"]


# — e-licences that may not be used —


@pytest.mark.parametrize(
    ("subject", "slot", "reference"),
    [
        pytest.param("dev-applicant-1", "id_card", "EL-450000-20190610-DEV20001", id="someone_elses"),
        pytest.param("dev-applicant-1", "id_card", "EL-430000-20200715-DEV10003", id="wrong_type"),
        pytest.param("dev-applicant-2", "driving_licence", "EL-450000-20120520-DEV20004", id="expired"),
        pytest.param("dev-applicant-1", "id_card", "EL-430000-20990101-NOSUCH01", id="unknown"),
    ],
)
def test_an_e_licence_that_may_not_be_used_is_refused_and_changes_nothing(
    client: Any, stage: None, subject: str, slot: str, reference: str
) -> None:
    holder = Party(client, "applicant", sub=subject)
    number = draft(holder, "KSTB-GA-003", {})["number"]
    before = ok(holder.get(f"/v1/cases/{number}"))

    refused = holder.post(f"/v1/cases/{number}/materials/{slot}/licences", {"reference": reference})
    body = problem(refused, 422, "licence_not_usable")
    assert body["errors"][0]["field"] == "reference"

    after = ok(holder.get(f"/v1/cases/{number}"))
    assert after["revision"] == before["revision"]
    assert after["materials"] == before["materials"]
    assert [e["act"] for e in ok(holder.get(f"/v1/cases/{number}/timeline"))["events"]] == ["open"]


def test_the_applicants_own_valid_e_licence_is_accepted(applicant: Party) -> None:
    """The control of the refusals above: the same route takes a usable licence."""
    number = draft(applicant, "KSTB-GA-003", {})["number"]
    before = ok(applicant.get(f"/v1/cases/{number}"))["revision"]
    given = ok(
        applicant.post(
            f"/v1/cases/{number}/materials/driving_licence/licences",
            {"reference": "EL-430000-20200715-DEV10003"},
        ),
        201,
    )
    assert given["trust_level"] == "A"
    assert ok(applicant.get(f"/v1/cases/{number}"))["revision"] > before


# — rectifications —


def test_a_bad_rating_is_listed_for_the_operator_and_the_handling_authority_only(
    client: Any, company: Party, clerk: Party
) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    number = approved_case(applicant, clerk)
    ok(applicant.post(f"/v1/cases/{number}/rating", {"level": "dissatisfied", "comment": "等待太久"}), 201)

    operator = Party(client, "operator")
    listed = ok(operator.get("/v1/ops/rectifications"))["items"]
    assert [(r["case"], r["status"], r["rating"]) for r in listed] == [(number, "open", "dissatisfied")]
    assert listed[0]["authority"] == "A-430000-01"

    assert [r["case"] for r in ok(clerk.get("/v1/authority/rectifications"))["items"]] == [number]
    other = Party(client, "authority_clerk", authority="A-430000-02")
    assert ok(other.get("/v1/authority/rectifications"))["items"] == []
    problem(
        other.post(
            f"/v1/authority/rectifications/{number}/follow-up",
            {"actions": "优化流程", "applicant_feedback": "认可"},
        ),
        404,
        "case_not_found",
    )


def test_a_good_rating_opens_no_rectification(client: Any, company: Party, clerk: Party) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    number = approved_case(applicant, clerk)
    ok(applicant.post(f"/v1/cases/{number}/rating", {"level": "very_satisfied"}), 201)
    assert ok(Party(client, "operator").get("/v1/ops/rectifications"))["items"] == []


# — problems in English —


def test_an_illegal_transition_in_english_names_the_state_and_the_allowed_acts(
    client: Any, company: Party, clerk: Party
) -> None:
    applicant = company  # 工业产品生产许可证 serves legal persons
    number = submitted_case(applicant)
    english = Party(client, "authority_clerk")
    english.headers["Accept-Language"] = "en"

    refused = english.post(f"/v1/authority/cases/{number}/decide", {"approved": True})
    body = problem(refused, 409, "illegal_transition")
    assert refused.headers["Content-Language"] == "en"
    assert body["title"] == "This act is not allowed in the case's current state"
    assert body["state"] == "submitted"
    assert body["allowed_acts"] == [
        "pass_pre_review",
        "return_pre_review",
        "accept",
        "refuse",
        "request_supplement",
        "accept_and_decide",
        "withdraw",
    ]

    chinese = problem(
        clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}), 409, "illegal_transition"
    )
    assert chinese["title"] == "当前状态下不能执行此操作"
    assert ok(clerk.get(f"/v1/cases/{number}"))["state"] == "submitted"
