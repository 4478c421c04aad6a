"""What must never happen to a case: seen or changed by the wrong people, created twice on a replay,
changed by a bad upload, two decisions winning, a tampered timeline passing, a guessed due date kept."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from typing import Any

import boto3
import pytest

from chalicelib.api.endpoint import OPERATIONS
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.commands import Decide
from tests.conftest import install_root
from tests.integration.case_helpers import PDF, PNG, SJ_FORM, Party, draft, give, ok, upload


@pytest.fixture
def applicant(company: Party) -> Party:
    """工业产品生产许可证, the item these tests drive, serves legal persons only."""
    return company


TABLE = "tongban-430000-cases"


def stored(number: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": f"CASE#{number}"}, "sk": {"S": "CASE"}}
    )
    return dict(json.loads(item["Item"]["doc"]["S"]))


def submitted_case(applicant: Party) -> str:
    number = str(draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"])
    give(applicant, number, "business_licence")
    give(applicant, number, "application_form")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    return number


def _fill(path: str, number: str) -> str:
    return (
        path.replace("{number}", number)
        .replace("{slot}", "business_licence")
        .replace("{file_id}", "FAAAAAAAAAAAA")
    )


def test_no_case_route_serves_another_applicant_or_another_authority(
    client: Any, applicant: Party, clerk: Party
) -> None:
    number = submitted_case(applicant)
    before = stored(number)
    strangers = {
        "another applicant": Party(client, "applicant", sub="dev-applicant-2"),
        "a clerk of another authority": Party(client, "authority_clerk", authority="A-430000-02"),
        "a clerk of another province": Party(client, "authority_clerk", province="450000"),
    }
    case_routes = [op for op in OPERATIONS if "{number}" in op.path]
    assert len(case_routes) >= 20
    for who, party in strangers.items():
        for op in case_routes:
            path = _fill(op.path, number)
            response = party.get(path) if op.method == "GET" else party.post(path, {})
            assert response.status_code in (403, 404, 422), (
                who,
                op.path,
                response.status_code,
                response.body,
            )
            if response.status_code == 422:  # a body refused before the case is even looked up
                assert json.loads(response.body)["code"] == "validation_failed", (who, op.path)
            else:
                # a public route (no token) refuses without its own proof: the 查询码 or a signed print link
                refused = ("case_not_found", "forbidden", "route_not_found", "print_link_invalid")
                assert json.loads(response.body)["code"] in refused
    assert stored(number) == before


def test_a_replayed_post_creates_nothing_twice(applicant: Party) -> None:
    body = {
        "item_code": "KSTB-SJ-001",
        "form": SJ_FORM,
    }
    first = applicant.post("/v1/cases", body, key="same-key")
    second = applicant.post("/v1/cases", body, key="same-key")
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert json.loads(first.body)["number"] == json.loads(second.body)["number"]
    assert len(ok(applicant.get("/v1/cases"))["items"]) == 1


@pytest.mark.parametrize(
    ("content", "declared", "content_type", "reason"),
    [
        (PDF + b"tampered", PDF, "application/pdf", "checksum_mismatch"),
        (PNG, PNG, "application/pdf", "type_mismatch"),
    ],
)
def test_a_bad_upload_is_rejected_and_the_material_stays_missing(
    applicant: Party, content: bytes, declared: bytes, content_type: str, reason: str
) -> None:
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    file_id = upload(
        applicant, f"/v1/cases/{number}/materials/business_licence/uploads", content, declared=declared
    )
    verdict = ok(applicant.post(f"/v1/cases/{number}/files/{file_id}/confirm"))
    assert (verdict["status"], verdict["reason"]) == ("rejected", reason)
    assert applicant.post(f"/v1/cases/{number}/submit").status_code == 422
    assert stored(number)["state"] == "draft"


def test_an_oversized_or_wrong_type_upload_gets_no_ticket_and_changes_nothing(applicant: Party) -> None:
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    before = stored(number)
    path = f"/v1/cases/{number}/materials/business_licence/uploads"
    too_big = applicant.post(
        path,
        {
            "filename": "a.pdf",
            "content_type": "application/pdf",
            "size": 50 * 1024 * 1024,
            "sha256": "a" * 64,
        },
    )
    wrong = applicant.post(
        path,
        {"filename": "a.exe", "content_type": "application/x-msdownload", "size": 10, "sha256": "a" * 64},
    )
    assert (too_big.status_code, wrong.status_code) == (422, 422)
    assert stored(number) == before


def test_a_missing_upload_stays_pending_and_blocks_submission(applicant: Party) -> None:
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    ticket = ok(
        applicant.post(
            f"/v1/cases/{number}/materials/business_licence/uploads",
            {"filename": "a.pdf", "content_type": "application/pdf", "size": len(PDF), "sha256": "b" * 64},
        ),
        201,
    )
    assert ok(applicant.post(f"/v1/cases/{number}/files/{ticket['file_id']}/confirm"))["status"] == "pending"
    refused = applicant.post(f"/v1/cases/{number}/submit")
    assert {"field": "materials.business_licence", "code": "material_not_verified"} in [
        {k: e[k] for k in ("field", "code")} for e in json.loads(refused.body)["errors"]
    ]


def test_an_illegal_transition_names_the_state_and_the_allowed_acts(applicant: Party, clerk: Party) -> None:
    number = submitted_case(applicant)
    refused = clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True})
    problem = json.loads(refused.body)
    assert refused.status_code == 409
    assert problem["code"] == "illegal_transition"
    assert problem["state"] == "submitted"
    assert "accept" in problem["allowed_acts"]


def test_two_concurrent_decisions_one_wins(
    applicant: Party, clerk: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import container
    from chalicelib.domain.errors import Conflict
    from chalicelib.domain.identity import Principal, Role

    number = submitted_case(applicant)
    ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    service = container.cases()
    barrier = threading.Barrier(2)
    original = service.book.load

    def load_then_wait(n: str) -> Any:
        case = original(n)
        barrier.wait(timeout=10)  # both have read the same version before either writes
        return case

    monkeypatch.setattr(service.book, "load", load_then_wait)
    # In-process moto is not thread-safe: the two transactions reach it one after the other, as they
    # reach DynamoDB, which serialises them; both were built on the same version read above.
    writing = threading.Lock()
    repository = container.case_repository()  # the one the book writes through
    commit = repository.commit

    def one_at_a_time(*args: Any, **kwargs: Any) -> None:
        with writing:
            commit(*args, **kwargs)

    monkeypatch.setattr(repository, "commit", one_at_a_time)
    who = Principal(
        subject="dev-authority-clerk-1",
        role=Role.AUTHORITY_CLERK,
        issuer="x",
        province="430000",
        authority="A-430000-01",
    )
    outcomes: list[str] = []

    def decide(approved: bool) -> None:
        try:
            service.act(who, number, Decide(approved=approved, reasons=() if approved else ("不符合条件",)))
            outcomes.append("ok")
        except Conflict as err:
            outcomes.append(err.code)

    threads = [threading.Thread(target=decide, args=(flag,)) for flag in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["concurrent_modification", "ok"]
    assert len([e for e in repository.events(number) if e["act"] == "decide"]) == 1


def test_the_audit_chain_detects_a_tampered_event(applicant: Party, clerk: Party) -> None:
    number = submitted_case(applicant)
    assert ok(applicant.get(f"/v1/cases/{number}/audit"))["ok"] is True
    ddb = boto3.client("dynamodb")
    key = {"pk": {"S": f"CASE#{number}"}, "sk": {"S": "EV#00000002"}}
    event = json.loads(ddb.get_item(TableName=TABLE, Key=key)["Item"]["doc"]["S"])
    event["by"]["subject"] = "someone-else"
    ddb.put_item(TableName=TABLE, Item={**key, "doc": {"S": json.dumps(event, ensure_ascii=False)}})
    report = ok(applicant.get(f"/v1/cases/{number}/audit"))
    assert (report["ok"], report["first_broken"], report["reason"]) == (False, 2, "hash_mismatch")


def test_a_due_date_across_the_year_boundary_is_provisional_until_2027_is_published(
    applicant: Party, clerk: Party, client: Any
) -> None:
    install_root(clock=lambda: datetime(2026, 12, 10, 10, 0, tzinfo=BEIJING))
    number = submitted_case(applicant)
    accepted = ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    clock = accepted["clock"]
    assert clock["started_on"] == "2026-12-10"
    assert clock["provisional"] is True and clock["provisional_years"] == [2027]
    guessed = date.fromisoformat(clock["statutory_due"])
    assert guessed.year == 2027

    operator = Party(client, "operator")
    year = {
        "year": 2027,
        "holidays": [{"day": "2027-01-01", "name": "元旦"}],
        "adjusted_workdays": [],
        "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
    }
    published = ok(operator.put("/v1/ops/calendar/2027", year))
    assert published["recomputed"] == 1
    after = ok(clerk.get(f"/v1/cases/{number}"))["clock"]
    assert after["provisional"] is False
    assert date.fromisoformat(after["statutory_due"]) > guessed  # 1 January is a holiday after all
    assert "deadline_recomputed" in [
        e["act"] for e in ok(clerk.get(f"/v1/cases/{number}/timeline"))["events"]
    ]


def test_a_draft_for_another_province_is_not_taken_here(applicant: Party) -> None:
    body = {"item_code": "KSTB-SJ-001", "province": "450000", "form": SJ_FORM}
    refused = applicant.post("/v1/cases", body)
    assert refused.status_code == 409
    assert json.loads(refused.body)["code"] == "province_not_served"
    assert ok(applicant.get("/v1/cases"))["items"] == []
    assert (
        ok(applicant.post("/v1/cases", {**body, "province": "430000"}), 201)["handler"]["province"]
        == "430000"
    )


def test_one_idempotency_key_on_two_cases_acts_on_each(applicant: Party) -> None:
    """The key is scoped to the resource: the same key and body on another case is another request."""
    numbers = [draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"] for _ in range(2)]
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": len(PDF), "sha256": "c" * 64}
    tickets = [
        ok(applicant.post(f"/v1/cases/{n}/materials/business_licence/uploads", body, key="one-key"), 201)
        for n in numbers
    ]
    assert tickets[0]["file_id"] != tickets[1]["file_id"]
    assert all(len(stored(n)["files"]) == 1 for n in numbers)


def test_an_upload_ticket_racing_the_gateways_own_check_is_made_on_the_fresh_case(
    applicant: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bucket's notice verified an earlier file while the applicant asked for the next ticket:
    the applicant does not see the race, and nothing is lost from either write."""
    from chalicelib import container
    from chalicelib.domain.errors import Conflict

    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    give(applicant, number, "business_licence")
    book = container.cases().book
    original = book.save
    raced = {"once": False}

    def save_after_a_race(*args: Any, **kwargs: Any) -> Any:
        if not raced["once"]:
            raced["once"] = True
            raise Conflict("concurrent_modification")
        return original(*args, **kwargs)

    monkeypatch.setattr(book, "save", save_after_a_race)
    body = {"filename": "b.pdf", "content_type": "application/pdf", "size": len(PDF), "sha256": "d" * 64}
    ticket = ok(applicant.post(f"/v1/cases/{number}/materials/application_form/uploads", body), 201)
    assert raced["once"]
    files = stored(number)["files"]
    assert [f["status"] for f in files] == ["verified", "pending"]
    assert files[1]["file_id"] == ticket["file_id"]
