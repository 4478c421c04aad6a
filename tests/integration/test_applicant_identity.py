"""Who a case is for: the caller's verified identity (实名认证), never body text; legal persons;
window clerks recorded as acting for the walk-in applicant (代办)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, RS4_FORM, SJ_FORM, Party, draft, ok

ME = APPLICANTS["dev-applicant-1"]  # 甲
OTHER = APPLICANTS["dev-applicant-2"]  # 乙
COMPANY = APPLICANTS["dev-legal-person-1"]
SJ2_FORM = {
    "trade_name": "测试小吃店",
    "business_scope": "小吃服务",
    "premises_address": "长沙市",
    "composition": "个人经营",
}


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = dict(json.loads(response.body))
    assert body["code"] == code, body
    return body


def my_cases(party: Party) -> list[str]:
    return [c["number"] for c in ok(party.get("/v1/cases"))["items"]]


def test_a_draft_takes_the_applicant_from_the_token(applicant: Party) -> None:
    case = draft(applicant, "KSTB-RS-004", RS4_FORM)
    assert {k: case["applicant"][k] for k in ("name", "id_number", "phone", "kind")} == {
        "name": ME["name"],
        "id_number": ME["id_number"],
        "phone": ME["phone"],
        "kind": "natural_person",
    }
    assert case["acting_for"] is None


@pytest.mark.parametrize(
    "named",
    [
        pytest.param(
            {"name": OTHER["name"], "id_number": OTHER["id_number"], "phone": OTHER["phone"]}, id="other"
        ),
        pytest.param({"id_number": OTHER["id_number"]}, id="other_id_number"),
        pytest.param({"name": ME["name"], "id_number": OTHER["id_number"]}, id="mixed"),
        pytest.param({"name": OTHER["name"]}, id="other_name"),
    ],
)
def test_a_draft_in_another_persons_name_is_refused_and_changes_nothing(
    applicant: Party, named: dict[str, str]
) -> None:
    refused = applicant.post("/v1/cases", {"item_code": "KSTB-RS-004", "applicant": named, "form": RS4_FORM})
    problem(refused, 403, "applicant_not_caller")
    assert my_cases(applicant) == []


def test_naming_oneself_in_the_body_is_accepted(applicant: Party) -> None:
    named = {"name": ME["name"], "id_number": ME["id_number"], "phone": "13900000009"}
    case = ok(
        applicant.post("/v1/cases", {"item_code": "KSTB-RS-004", "applicant": named, "form": RS4_FORM}), 201
    )
    assert case["applicant"]["id_number"] == ME["id_number"]
    assert case["applicant"]["phone"] == ME["phone"]  # the verified phone wins over the body's


def test_the_phone_comes_from_the_body_when_the_token_has_none(client: Any, stage: None) -> None:
    bare = Party(client, "applicant", phone=None)
    problem(bare.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": RS4_FORM}), 422, "validation_failed")
    case = ok(
        bare.post(
            "/v1/cases", {"item_code": "KSTB-RS-004", "applicant": {"phone": "13900000009"}, "form": RS4_FORM}
        ),
        201,
    )
    assert case["applicant"]["phone"] == "13900000009"


@pytest.mark.parametrize("missing", ["id_number", "name"])
def test_an_applicant_token_without_its_identity_is_401(client: Any, stage: None, missing: str) -> None:
    party = Party(client, "applicant", **{missing: None})
    problem(
        party.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": RS4_FORM}),
        401,
        "identity_claims_missing",
    )


def test_an_identity_verified_below_the_items_minimum_is_refused(client: Any, stage: None) -> None:
    weak = Party(client, "applicant", sub="dev-applicant-weak")  # 手机号实名 only
    problem(weak.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": RS4_FORM}), 403, "assurance_too_low")
    assert my_cases(weak) == []
    stronger = Party(client, "applicant", sub="dev-applicant-weak", assurance="id_check")
    ok(stronger.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": RS4_FORM}), 201)


def test_another_persons_e_licence_is_refused_and_changes_nothing(applicant: Party) -> None:
    number = draft(applicant, "KSTB-GA-003", {})["number"]
    before = ok(applicant.get(f"/v1/cases/{number}"))
    refused = applicant.post(
        f"/v1/cases/{number}/materials/id_card/licences", {"reference": "EL-450000-20190610-DEV20001"}
    )
    problem(refused, 422, "licence_not_usable")
    assert ok(applicant.get(f"/v1/cases/{number}"))["revision"] == before["revision"]


# — legal persons (法人) —


def test_an_enterprise_item_serves_legal_persons_only(applicant: Party, company: Party) -> None:
    problem(
        applicant.post("/v1/cases", {"item_code": "KSTB-SJ-001", "form": SJ_FORM}),
        403,
        "applicant_kind_not_served",
    )
    problem(
        company.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": RS4_FORM}),
        403,
        "applicant_kind_not_served",
    )
    case = draft(company, "KSTB-SJ-001", SJ_FORM)
    assert {k: case["applicant"][k] for k in ("kind", "credit_code", "entity_name", "id_number")} == {
        "kind": "legal_person",
        "credit_code": COMPANY["credit_code"],
        "entity_name": COMPANY["entity_name"],
        "id_number": COMPANY["id_number"],  # the acting employee (经办人)
    }


def test_a_legal_person_uses_its_own_and_its_employees_e_licences_only(company: Party) -> None:
    number = draft(company, "KSTB-SJ-001", SJ_FORM)["number"]
    case = ok(
        company.post(
            f"/v1/cases/{number}/materials/business_licence/licences",
            {"reference": "EL-430000-20210415-DEV40001"},
        ),
        201,
    )
    assert case["status"] == "verified"
    both = draft(company, "KSTB-SJ-002", SJ2_FORM)["number"]
    own_id = company.post(
        f"/v1/cases/{both}/materials/id_card/licences", {"reference": "EL-430000-20180520-DEV40002"}
    )
    assert ok(own_id, 201)["status"] == "verified"
    someone = company.post(
        f"/v1/cases/{both}/materials/id_card/licences", {"reference": "EL-430000-20160301-DEV10001"}
    )
    problem(someone, 422, "licence_not_usable")


def test_a_legal_person_naming_another_entity_is_refused(company: Party) -> None:
    body = {"item_code": "KSTB-SJ-001", "applicant": {"credit_code": "91350100M000100Y43"}, "form": SJ_FORM}
    problem(company.post("/v1/cases", body), 403, "applicant_not_caller")
    assert my_cases(company) == []


# — window intake: the clerk acts for the walk-in applicant (代办) —


def test_a_window_intake_records_the_clerk_acting_for_the_applicant(
    client: Any, stage: None, guangxi: PartnerProvince
) -> None:
    window = Party(client, "window_clerk")
    body: dict[str, Any] = {
        "item_code": "KSTB-SJ-002",
        "province": "450000",
        "applicant": {
            "name": COMPANY["name"],
            "id_number": COMPANY["id_number"],
            "phone": COMPANY["phone"],
            "credit_code": COMPANY["credit_code"],
            "entity_name": COMPANY["entity_name"],
        },
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": SJ2_FORM,
    }
    case = ok(window.post("/v1/window/intakes", body), 201)
    assert case["applicant"]["kind"] == "legal_person"
    assert case["acting_for"]["role"] == "window_clerk"
    assert case["acting_for"]["window"] == "W-430000-01"
    events = ok(window.get(f"/v1/cases/{case['number']}/timeline"))["events"]
    assert events[0]["by"]["role"] == "window_clerk"
    assert events[0]["by"]["on_behalf_of"] == "applicant"

    half = {**body, "applicant": {k: v for k, v in body["applicant"].items() if k != "entity_name"}}
    refused = problem(window.post("/v1/window/intakes", half), 422, "validation_failed")
    assert refused["errors"][0]["field"] == "applicant.entity_name"
