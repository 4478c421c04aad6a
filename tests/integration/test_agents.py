"""委托代办: an agent (代理人) files for an applicant (委托人); the entrustment — a 授权委托书 the clerk
verifies, or the principal's own authorisation — comes before the principal's e-licences and before
acceptance; principal and agent both see the case, everyone else is told it does not exist."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.case_helpers import APPLICANTS, RS4_FORM, Party, draft, give, ok
from tests.integration.test_applicant_identity import my_cases, problem

AGENT = APPLICANTS["dev-agent-1"]  # 戊
PRINCIPAL = APPLICANTS["dev-applicant-2"]  # 乙
PRINCIPAL_ID_CARD = "EL-450000-20190610-DEV20001"  # 乙's own 居民身份证


@pytest.fixture
def agent(client: Any, stage: None) -> Party:
    return Party(client, "applicant", sub="dev-agent-1")


@pytest.fixture
def principal(client: Any, stage: None) -> Party:
    return Party(client, "applicant", sub="dev-applicant-2")


@pytest.fixture
def stranger(client: Any, stage: None) -> Party:
    return Party(client, "applicant", sub="dev-applicant-3")


def for_principal(agent: Party) -> dict[str, Any]:
    named = {k: PRINCIPAL[k] for k in ("name", "id_number", "phone")}
    return draft(agent, "KSTB-RS-004", RS4_FORM, on_behalf_of=named)


def attach(party: Party, number: str, reference: str) -> Any:
    return party.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": reference})


def test_an_agent_files_for_the_principal_and_both_are_recorded_apart(agent: Party) -> None:
    case = for_principal(agent)
    assert case["applicant"]["id_number"] == PRINCIPAL["id_number"]
    assert case["agent"]["id_number"] == AGENT["id_number"]  # the agent's own, from their token
    assert case["agent"]["name"] == AGENT["name"]
    assert case["entrustment"]["state"] == "pending"
    assert "entrustment" in [m["code"] for m in case["materials"]]
    events = ok(agent.get(f"/v1/cases/{case['number']}/timeline"))["events"]
    assert events[0]["by"] == {"role": "applicant", "subject": "dev-agent-1", "on_behalf_of": "applicant"}


def test_filing_for_oneself_as_agent_is_refused(agent: Party) -> None:
    named = {k: AGENT[k] for k in ("name", "id_number", "phone")}
    body = {"item_code": "KSTB-RS-004", "form": RS4_FORM, "on_behalf_of": named}
    problem(agent.post("/v1/cases", body), 422, "validation_failed")
    assert my_cases(agent) == []


def test_naming_both_the_caller_and_a_principal_is_refused(agent: Party) -> None:
    named = {k: PRINCIPAL[k] for k in ("name", "id_number", "phone")}
    own = {k: AGENT[k] for k in ("name", "id_number")}
    body = {"item_code": "KSTB-RS-004", "form": RS4_FORM, "on_behalf_of": named, "applicant": own}
    refused = problem(agent.post("/v1/cases", body), 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("applicant", "not_with_on_behalf_of")]
    assert my_cases(agent) == []


def test_a_power_of_attorney_verified_by_the_clerk_unlocks_licences_and_acceptance(
    agent: Party, clerk: Party
) -> None:
    number = for_principal(agent)["number"]
    before = ok(agent.get(f"/v1/cases/{number}"))["revision"]
    problem(attach(agent, number, PRINCIPAL_ID_CARD), 409, "entrustment_not_verified")
    assert ok(agent.get(f"/v1/cases/{number}"))["revision"] == before  # nothing changed
    give(agent, number, "id_card")
    ok(agent.post(f"/v1/cases/{number}/submit"))

    problem(
        clerk.post(f"/v1/authority/cases/{number}/entrustment/verify", {"verified": True}),
        409,
        "entrustment_document_missing",
    )
    waiting = ok(clerk.get(f"/v1/cases/{number}"))
    assert "accept-and-decide" not in waiting["allowed_acts"]
    assert "accept_and_decide" not in waiting["allowed_acts"]
    problem(
        clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}),
        409,
        "entrustment_not_verified",
    )

    # the clerk sees principal and agent masked
    assert waiting["applicant"]["id_number"] != PRINCIPAL["id_number"]
    assert waiting["agent"]["id_number"] != AGENT["id_number"]
    assert AGENT["name"] not in str(waiting["agent"])


def test_the_clerk_verifies_the_power_of_attorney_then_accepts(agent: Party, clerk: Party) -> None:
    number = for_principal(agent)["number"]
    give(agent, number, "id_card")
    give(agent, number, "entrustment")
    ok(agent.post(f"/v1/cases/{number}/submit"))
    refused = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/entrustment/verify", {"verified": False, "reason": "未签字"}
        )
    )
    assert refused["entrustment"]["state"] == "refused"
    verified = ok(clerk.post(f"/v1/authority/cases/{number}/entrustment/verify", {"verified": True}))
    assert verified["entrustment"]["state"] == "verified"
    assert verified["entrustment"]["method"] == "document"
    assert "accept_and_decide" in verified["allowed_acts"]
    problem(
        clerk.post(f"/v1/authority/cases/{number}/entrustment/verify", {"verified": True}),
        409,
        "entrustment_already_verified",
    )
    decided = ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    assert decided["accepted_at"] is not None
    events = ok(agent.get(f"/v1/cases/{number}/timeline"))["events"]
    acts = [e["act"] for e in events]
    assert "entrustment_refused" in acts and "entrustment_verified" in acts
    submit = next(e for e in events if e["act"] == "submit")
    assert submit["by"]["on_behalf_of"] == "applicant"
    assert ok(agent.get(f"/v1/cases/{number}/audit"))["ok"] is True


def test_the_principal_authorises_from_their_own_account(
    agent: Party, principal: Party, stranger: Party
) -> None:
    number = for_principal(agent)["number"]
    # both see it in "my cases"; the principal reads it in clear
    assert number in my_cases(agent)
    assert number in my_cases(principal)
    assert number not in my_cases(stranger)
    seen = ok(principal.get(f"/v1/cases/{number}"))
    assert seen["applicant"]["id_number"] == PRINCIPAL["id_number"]
    assert seen["allowed_acts"] == []  # the agent acts; the principal reads and authorises

    # a third person cannot read it or authorise it
    problem(stranger.get(f"/v1/cases/{number}"), 404, "case_not_found")
    problem(stranger.post(f"/v1/cases/{number}/entrustment/authorise"), 404, "case_not_found")
    # nor can the agent authorise themselves
    problem(agent.post(f"/v1/cases/{number}/entrustment/authorise"), 404, "case_not_found")
    assert ok(agent.get(f"/v1/cases/{number}"))["entrustment"]["state"] == "pending"

    authorised = ok(principal.post(f"/v1/cases/{number}/entrustment/authorise"))
    assert authorised["entrustment"]["state"] == "verified"
    assert authorised["entrustment"]["method"] == "authorised"
    problem(principal.post(f"/v1/cases/{number}/entrustment/authorise"), 409, "entrustment_already_verified")
    ok(attach(agent, number, PRINCIPAL_ID_CARD), 201)  # the principal's own licence, now usable
    events = ok(principal.get(f"/v1/cases/{number}/timeline"))["events"]
    authorise = next(e for e in events if e["act"] == "entrustment_authorised")
    assert authorise["by"] == {"role": "applicant", "subject": "dev-applicant-2"}
    assert PRINCIPAL["id_number"] not in str(events) and PRINCIPAL["name"] not in str(events)


def test_the_principal_cannot_act_on_the_case(agent: Party, principal: Party) -> None:
    number = for_principal(agent)["number"]
    problem(principal.post(f"/v1/cases/{number}/submit"), 404, "case_not_found")


def test_entrustment_routes_refuse_a_case_filed_by_its_applicant(applicant: Party, clerk: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    problem(applicant.post(f"/v1/cases/{number}/entrustment/authorise"), 404, "case_not_found")
    give(applicant, number, "id_card")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    problem(
        clerk.post(f"/v1/authority/cases/{number}/entrustment/verify", {"verified": True}),
        409,
        "entrustment_not_needed",
    )


def test_my_cases_pages_through_own_and_entrusted_cases_alike(agent: Party, principal: Party) -> None:
    filed = []
    for _ in range(3):  # interleaved: the principal's own drafts and the agent's drafts for them
        filed.append(draft(principal, "KSTB-RS-004", RS4_FORM)["number"])
        filed.append(for_principal(agent)["number"])
    listed: list[str] = []
    cursor: str | None = None
    while True:
        page = ok(principal.get("/v1/cases?limit=2" + (f"&cursor={cursor}" if cursor else "")))
        assert len(page["items"]) <= 2
        listed += [c["number"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert listed == list(reversed(filed))  # every case once, newest first, across pages
    assert [c for c in my_cases(agent) if c in filed] == list(reversed(filed[1::2]))


def test_the_clerk_reveals_the_agents_identity_on_the_chain_and_the_principal_reads_it(
    agent: Party, principal: Party, clerk: Party
) -> None:
    number = for_principal(agent)["number"]
    give(agent, number, "id_card")
    give(agent, number, "entrustment")
    ok(agent.post(f"/v1/cases/{number}/submit"))
    body = {"fields": ["agent.id_number", "agent.phone"], "purpose": "identity_check"}
    revealed = ok(clerk.post(f"/v1/cases/{number}/reveal", body))
    assert revealed["values"] == {"agent.id_number": AGENT["id_number"], "agent.phone": AGENT["phone"]}
    event = ok(principal.get(f"/v1/cases/{number}/timeline"))["events"][-1]
    assert event["details"]["fields"] == ["agent.id_number", "agent.phone"]
    assert "代办人身份证件号码" in event["description"]
    assert AGENT["id_number"] not in str(event)


def test_agent_fields_are_revealable_only_on_a_case_filed_by_an_agent(applicant: Party, clerk: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    give(applicant, number, "id_card")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    body = {"fields": ["agent.id_number"], "purpose": "identity_check"}
    refused = problem(clerk.post(f"/v1/cases/{number}/reveal", body), 422, "validation_failed")
    assert refused["errors"][0]["code"] == "field_not_revealable"
