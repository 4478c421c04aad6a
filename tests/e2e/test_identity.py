"""Over HTTP on the local stack: a case belongs to the person the token vouches for (实名认证)."""

from __future__ import annotations

from typing import Any

from tests.e2e.gateway import Gateway
from tests.integration.case_helpers import APPLICANTS, RS4_FORM

OTHER = APPLICANTS["dev-applicant-2"]  # 乙
OTHERS_ID_CARD = "EL-450000-20190610-DEV20001"  # 乙's 居民身份证


def test_filing_in_another_persons_name_or_with_their_e_licence_is_refused(stack: dict[str, Any]) -> None:
    me = Gateway(stack, "430000", "applicant")  # 甲
    named = {"name": OTHER["name"], "id_number": OTHER["id_number"], "phone": OTHER["phone"]}
    refused = me.post(
        "/v1/cases", {"item_code": "KSTB-RS-004", "applicant": named, "form": RS4_FORM}, status=403
    )
    assert refused["code"] == "applicant_not_caller"
    before = {c["number"] for c in me.get("/v1/cases?limit=100")["items"]}

    case = me.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": RS4_FORM}, status=201)
    assert case["applicant"]["id_number"] == APPLICANTS["dev-applicant-1"]["id_number"]
    n = case["number"]
    assert {c["number"] for c in me.get("/v1/cases?limit=100")["items"]} == before | {n}

    taken = me.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": OTHERS_ID_CARD}, status=422)
    assert taken["code"] == "licence_not_usable"
    assert me.case(n)["revision"] == case["revision"]  # nothing changed
    assert me.case(n)["materials"][0]["files"] == []


def test_the_local_cast_is_distinct_people_and_places(stack: dict[str, Any]) -> None:
    for province in ("430000", "450000", "320000"):
        seen = {
            name: Gateway(stack, province, name).get("/v1/me")
            for name in stack["provinces"][province]["tokens"]
            if name != "partner"
        }
        assert len({me["subject"] for me in seen.values()}) == len(seen)
        assert seen["authority_clerk"]["authority"] != seen["authority_clerk_2"]["authority"]
        assert seen["window_clerk"]["window"] != seen["window_clerk_2"]["window"]
