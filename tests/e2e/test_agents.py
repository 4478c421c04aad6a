"""Over HTTP on the local stack: 委托代办 across provinces. The agent of 湖南 430000 files for 乙 a
full-online case handled by 广西 450000; 乙 authorises the agent from their own account; the case is
forwarded on submit with principal, agent and entrustment, and the 450000 clerk accepts it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.gateway import PDF, Gateway, eventually, verified_files
from tests.integration.case_helpers import APPLICANTS, RS4_FORM

pytestmark = pytest.mark.e2e
PRINCIPAL = APPLICANTS["dev-applicant-2"]  # 乙
AGENT = APPLICANTS["dev-agent-1"]  # 戊
PRINCIPAL_ID_CARD = "EL-450000-20190610-DEV20001"  # 乙's own 居民身份证


def test_an_agent_files_for_the_principal_who_authorises_and_another_province_accepts(
    stack: dict[str, Any],
) -> None:
    agent = Gateway(stack, "430000", "agent")
    principal = Gateway(stack, "430000", "applicant_2")
    stranger = Gateway(stack, "430000", "applicant_3")
    authority = Gateway(stack, "450000", "authority_clerk")
    named = {k: PRINCIPAL[k] for k in ("name", "id_number", "phone")}
    draft = agent.post(
        "/v1/cases",
        {"item_code": "KSTB-RS-004", "province": "450000", "form": RS4_FORM, "on_behalf_of": named},
        status=201,
    )
    n = draft["number"]
    assert draft["agent"]["id_number"] == AGENT["id_number"]
    assert draft["entrustment"]["state"] == "pending"
    refused = agent.post(
        f"/v1/cases/{n}/materials/id_card/licences", {"reference": PRINCIPAL_ID_CARD}, status=409
    )
    assert refused["code"] == "entrustment_not_verified"

    # 乙 finds the case in their own list and authorises the agent; nobody else may
    assert n in [c["number"] for c in principal.get("/v1/cases?limit=100")["items"]]
    assert stranger.post(f"/v1/cases/{n}/entrustment/authorise", status=404)["code"] == "case_not_found"
    authorised = principal.post(f"/v1/cases/{n}/entrustment/authorise")
    assert authorised["entrustment"]["state"] == "verified"

    agent.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": PRINCIPAL_ID_CARD}, status=201)
    eventually(lambda: verified_files(agent, n) == 1, "the principal's licence on the case")
    agent.upload(f"/v1/cases/{n}/materials/entrustment/uploads", PDF)
    agent.post(f"/v1/cases/{n}/submit")

    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "forwarded"
    )
    at_b = authority.case(n)
    assert at_b["entrustment"]["state"] == "verified" and at_b["entrustment"]["method"] == "authorised"
    assert at_b["agent"]["id_number"] != AGENT["id_number"]  # masked to the clerk
    assert at_b["applicant"]["id_number"] != PRINCIPAL["id_number"]
    assert "accept" in at_b["allowed_acts"]
    authority.post(f"/v1/authority/cases/{n}/accept", {})
    eventually(lambda: agent.case(n)["state"] == "accepted", "accepted, seen by the agent at home")
    assert principal.case(n)["state"] == "accepted"
    events = agent.get(f"/v1/cases/{n}/timeline")["events"]
    assert next(e for e in events if e["act"] == "submit")["by"]["on_behalf_of"] == "applicant"
    assert "entrustment_authorised" in [e["act"] for e in events]


def test_the_entrustment_settled_on_either_side_reaches_the_other(stack: dict[str, Any]) -> None:
    """The 450000 clerk refuses the 授权委托书 (home sees it); 乙 then authorises at home, which
    reaches 450000, whose clerk can then accept."""
    agent = Gateway(stack, "430000", "agent")
    principal = Gateway(stack, "430000", "applicant_2")
    authority = Gateway(stack, "450000", "authority_clerk")
    named = {k: PRINCIPAL[k] for k in ("name", "id_number", "phone")}
    body = {"item_code": "KSTB-RS-004", "province": "450000", "form": RS4_FORM, "on_behalf_of": named}
    n = agent.post("/v1/cases", body, status=201)["number"]
    agent.upload(f"/v1/cases/{n}/materials/id_card/uploads", PDF)
    agent.upload(f"/v1/cases/{n}/materials/entrustment/uploads", PDF)
    eventually(lambda: verified_files(agent, n) == 2, "both files checked")
    agent.post(f"/v1/cases/{n}/submit")
    eventually(lambda: n in [c["number"] for c in authority.get("/v1/authority/cases")["items"]], "forwarded")
    eventually(lambda: verified_files(authority, n) >= 2, "files copied to the handler")
    assert (
        authority.post(f"/v1/authority/cases/{n}/accept", {}, status=409)["code"]
        == "entrustment_not_verified"
    )

    authority.post(
        f"/v1/authority/cases/{n}/entrustment/verify", {"verified": False, "reason": "委托书未签字"}
    )
    eventually(lambda: principal.case(n)["entrustment"]["state"] == "refused", "the refusal, seen at home")
    assert "partner_entrustment_refused" in [
        e["act"] for e in principal.get(f"/v1/cases/{n}/timeline")["events"]
    ]

    principal.post(f"/v1/cases/{n}/entrustment/authorise")
    eventually(
        lambda: authority.case(n)["entrustment"]["state"] == "verified", "the authorisation, at 450000"
    )
    at_b = authority.case(n)
    assert at_b["entrustment"]["method"] == "authorised" and "accept" in at_b["allowed_acts"]
    authority.post(f"/v1/authority/cases/{n}/accept", {})
    eventually(lambda: principal.case(n)["state"] == "accepted", "accepted, seen by the principal at home")
