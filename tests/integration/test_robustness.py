"""No input yields a 5xx, records stay bounded, and the gateway recovers from its own faults.

Each test here failed before the behaviour it names existed: deep or large bodies, forged cursors,
control characters and numbers sent as strings; the real path as a problem's `instance`; RFC 6750's
challenge without an error code when no token is sent; upload tickets in +08:00 that expire and free
their place; rejected files that no longer grow a case record; the verified object version served
after the key is written over; an idempotency record that a crashed invocation does not hold for a
day; a write that lost to the gateway's own write run again instead of a 409.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
import requests

from chalicelib.domain.clock import BEIJING, parse_rfc3339
from tests.conftest import PREFIX, bearer, install_root
from tests.integration.case_helpers import PDF, RS4_FORM, Party, confirm, draft, ok, upload

PROBLEM = "application/problem+json"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body: dict[str, Any] = json.loads(response.body)
    assert body["code"] == code, body
    return body


# — bodies —


@pytest.mark.parametrize("path", ["/v1/cases", "/v1/exchange/messages", "/v1/exchange/files"])
def test_deeply_nested_json_is_a_400_not_a_500(client: Any, stage: None, path: str) -> None:
    headers = {**bearer("applicant"), "Content-Type": "application/json", "Idempotency-Key": "deep-1"}
    body = '{"item_code": ' + nested(5000) + "}"
    problem(client.http.post(path, headers=headers, body=body), 400, "json_too_deep")


def test_brackets_inside_strings_do_not_count_as_nesting(applicant: Party) -> None:
    form = {**RS4_FORM, "last_employer": '"[{' * 13}  # 26 brackets and escaped quotes
    case = draft(applicant, "KSTB-RS-004", form)
    assert case["number"]


def test_a_body_over_the_limit_is_a_413(client: Any, stage: None) -> None:
    headers = {**bearer("applicant"), "Content-Type": "application/json", "Idempotency-Key": "big-1"}
    body = json.dumps({"item_code": "KSTB-RS-004", "form": {"x": "字" * 200_000}}, ensure_ascii=False)
    problem(client.http.post("/v1/cases", headers=headers, body=body), 413, "payload_too_large")


def test_a_nul_byte_in_form_text_is_refused(applicant: Party) -> None:
    form = {**RS4_FORM, "last_employer": "测试\u0000公司"}
    answer = applicant.post(
        "/v1/cases", {"item_code": "KSTB-RS-004", "applicant": _applicant(), "form": form}
    )
    errors = problem(answer, 422, "validation_failed")["errors"]
    assert errors == [
        {"field": "form.last_employer", "code": "control_character", "message": "不能包含控制字符"}
    ]
    clean = {**form, "last_employer": "测试\n公司"}  # a line break is text
    ok(
        applicant.post("/v1/cases", {"item_code": "KSTB-RS-004", "applicant": _applicant(), "form": clean}),
        201,
    )


def test_a_number_sent_as_a_string_is_refused(applicant: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": "2048", "sha256": "0" * 64}
    answer = applicant.post(f"/v1/cases/{number}/materials/id_card/uploads", body)
    errors = problem(answer, 422, "validation_failed")["errors"]
    assert [e["code"] for e in errors if e["field"] == "size"] == ["int_type"]


# — cursors —


@pytest.mark.parametrize(
    "cursor",
    [
        "eyJwayI6eyJTIjoiQ0FTRSNYIn19",  # a well-formed position without a MAC
        "eyJhZnRlciI6IlRFU1QtMDAwMSJ9.AAAAAAAAAAAAAAAAAAAAAA",  # a MAC that is not ours
        "!!!",
    ],
)
def test_a_forged_cursor_is_invalid_cursor(applicant: Party, cursor: str) -> None:
    problem(applicant.get(f"/v1/cases?cursor={cursor}"), 400, "invalid_cursor")
    problem(applicant.get(f"/v1/catalog/items?cursor={cursor}"), 400, "invalid_cursor")


def test_an_edited_cursor_is_refused_and_a_real_one_pages(applicant: Party) -> None:
    for _ in range(3):
        draft(applicant, "KSTB-RS-004", RS4_FORM)
    first = ok(applicant.get("/v1/cases?limit=2"))
    cursor = first["next_cursor"]
    assert cursor
    second = ok(applicant.get(f"/v1/cases?limit=2&cursor={cursor}"))
    assert {c["number"] for c in second["items"]}.isdisjoint({c["number"] for c in first["items"]})
    position, mac = cursor.split(".")
    edited = position[:-2] + ("AA" if position[-2:] != "AA" else "BB")
    problem(applicant.get(f"/v1/cases?cursor={edited}.{mac}"), 400, "invalid_cursor")


# — problem details and the bearer challenge —


def test_instance_is_the_request_path_without_the_query(applicant: Party) -> None:
    body = problem(applicant.get("/v1/cases/430000-20260101-NOPE0000?x=1"), 404, "case_not_found")
    assert body["instance"] == "/v1/cases/430000-20260101-NOPE0000"


def test_no_token_gets_a_challenge_without_an_error_code(client: Any) -> None:
    missing = client.http.get("/v1/me")
    assert missing.status_code == 401
    assert "error=" not in missing.headers["WWW-Authenticate"]
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    bad = client.http.get("/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


# — upload tickets and files —


def _applicant() -> dict[str, str]:
    from tests.integration.case_helpers import applicant_of

    return applicant_of()


def _ticket(applicant: Party, number: str, content: bytes = PDF) -> Any:
    body = {
        "filename": "材料.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    return applicant.post(f"/v1/cases/{number}/materials/id_card/uploads", body)


def test_the_upload_ticket_expires_in_beijing_time(applicant: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    expires = ok(_ticket(applicant, number), 201)["upload"]["expires_at"]
    assert expires.endswith("+08:00")
    assert parse_rfc3339(expires) > datetime.now(BEIJING)


def test_expired_tickets_free_the_slot(applicant: Party) -> None:
    from chalicelib.services.materials import MAX_FILES_PER_SLOT

    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    for _ in range(MAX_FILES_PER_SLOT):
        ok(_ticket(applicant, number), 201)
    problem(_ticket(applicant, number), 409, "too_many_files")
    later = datetime.now(BEIJING) + timedelta(minutes=11)
    install_root(clock=lambda: later)
    fresh = ok(_ticket(applicant, number), 201)
    files = ok(applicant.get(f"/v1/cases/{number}"))["materials"][0]["files"]
    assert [f["file_id"] for f in files if f["status"] == "pending"] == [fresh["file_id"]]


def test_rejected_uploads_do_not_grow_the_case_record(applicant: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    wrong = b"%PDF-1.7\n" + b"1" * 2048
    for _ in range(15):
        file_id = upload(applicant, f"/v1/cases/{number}/materials/id_card/uploads", wrong, declared=PDF)
        assert confirm(applicant, number, file_id)["status"] == "rejected"
    item = boto3.client("dynamodb").get_item(
        TableName=f"{PREFIX}-cases", Key={"pk": {"S": f"CASE#{number}"}, "sk": {"S": "CASE"}}
    )["Item"]
    files = json.loads(item["doc"]["S"])["files"]
    assert len(files) <= 4  # the three latest rejected and the one before its check was compacted
    timeline = ok(applicant.get(f"/v1/cases/{number}/timeline"))
    events = timeline["events"]
    assert sum(1 for e in events if e["act"] == "material_rejected") == 15  # the log keeps each one


def test_the_verified_version_is_served_after_the_object_is_replaced(applicant: Party) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    file_id = upload(applicant, f"/v1/cases/{number}/materials/id_card/uploads", PDF)
    assert confirm(applicant, number, file_id)["status"] == "verified"
    key = f"cases/{number}/id_card/{file_id}"
    boto3.client("s3").put_object(
        Bucket=f"{PREFIX}-files", Key=key, Body=b"%PDF-1.7 replaced", ContentType="application/pdf"
    )
    link = ok(applicant.get(f"/v1/cases/{number}/files/{file_id}"))
    assert "versionId=" in link["url"]
    assert requests.get(link["url"], timeout=10).content == PDF


# — idempotency after a crash —


def test_a_retry_after_a_crash_mid_request_runs_once_the_invocation_is_over(
    applicant: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import container
    from chalicelib.services.cases import CaseService

    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    real = CaseService.update_form

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise SystemExit("the invocation died")  # not caught by the handler: as a killed runtime

    # a dead runtime cleans nothing up: the record stays INPROGRESS
    monkeypatch.setattr(container.idempotency().store, "delete_record", lambda *a, **k: None)
    monkeypatch.setattr(CaseService, "update_form", crash)
    with pytest.raises(SystemExit):
        applicant.post(f"/v1/cases/{number}/form", {"form": RS4_FORM}, key="crash-1")
    table = boto3.client("dynamodb")
    items = table.scan(TableName=f"{PREFIX}-idempotency")["Items"]
    in_progress = [i for i in items if i["status"]["S"] == "INPROGRESS"]
    assert len(in_progress) == 1
    assert "in_progress_expiration" in in_progress[0]  # bounded by the invocation's remaining time
    # the invocation's time is over (a Lambda timeout at the latest): the retry runs
    table.update_item(
        TableName=f"{PREFIX}-idempotency",
        Key={"id": in_progress[0]["id"]},
        UpdateExpression="SET in_progress_expiration = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    monkeypatch.setattr(CaseService, "update_form", real)
    answer = applicant.post(f"/v1/cases/{number}/form", {"form": RS4_FORM}, key="crash-1")
    assert ok(answer)["number"] == number


# — write conflicts —


def _interleave(monkeypatch: pytest.MonkeyPatch, role: str) -> list[int]:
    """The next case load is followed by a write of `role` before the caller saves."""
    from chalicelib import container
    from chalicelib.domain.case_acts import By, record
    from chalicelib.domain.case_states import Actor

    book = container.cases().book
    load = book.load
    writes: list[int] = []

    def load_then_interleave(number: str) -> Any:
        case = load(number)
        if not writes:
            writes.append(1)
            by = By(actor=Actor.GATEWAY, role=role, subject=f"{role}:test")
            outcome = record(case, "interleaved", by, datetime.now(BEIJING), {})
            book.save(case, [outcome])
        return case

    monkeypatch.setattr(book, "load", load_then_interleave)
    return writes


def test_a_write_that_lost_to_the_gateway_is_run_again(
    applicant: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    writes = _interleave(monkeypatch, "partner")  # a partner's message applied meanwhile
    form = {**RS4_FORM, "residence_city": "株洲市"}
    answer = ok(applicant.post(f"/v1/cases/{number}/form", {"form": form}))
    assert writes == [1] and answer["number"] == number
    acts = [e["act"] for e in ok(applicant.get(f"/v1/cases/{number}/timeline"))["events"]]
    assert acts[-2:] == ["interleaved", "update_form"]


def test_a_write_that_lost_to_a_person_is_still_a_409(
    applicant: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = draft(applicant, "KSTB-RS-004", RS4_FORM)["number"]
    _interleave(monkeypatch, "window_clerk")
    answer = applicant.post(f"/v1/cases/{number}/form", {"form": RS4_FORM})
    problem(answer, 409, "concurrent_modification")
