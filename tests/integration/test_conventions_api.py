"""API conventions (DESIGN §6) that every route shares."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.conftest import bearer
from tests.factories import item

OPS = {**bearer("operator"), "Content-Type": "application/json"}
PROBLEM = "application/problem+json"


def is_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"/v1/problems/{code}" and body["title"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "code"),
    [
        ("GET", "/v1/nowhere", {}, None, 404, "route_not_found"),
        ("GET", "/", {}, None, 404, "route_not_found"),
        ("GET", "/v1/catalog/items/TEST-0001/x/y/z", {}, None, 404, "route_not_found"),
        ("DELETE", "/v1/catalog/items", {}, None, 405, "method_not_allowed"),
        ("PUT", "/v1/ops/catalog/items", OPS, "{}", 405, "method_not_allowed"),
        (
            "POST",
            "/v1/ops/catalog/items",
            {**OPS, "Idempotency-Key": "m1"},
            "{not json",
            400,
            "malformed_json",
        ),
        (
            "POST",
            "/v1/ops/catalog/items",
            {**OPS, "Idempotency-Key": "m2", "Content-Type": "text/plain"},
            "hello",
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/ops/catalog/items",
            {**OPS, "Idempotency-Key": "m3"},
            "[1, 2]",
            422,
            "validation_failed",
        ),
        ("POST", "/v1/ops/catalog/items", OPS, "{}", 400, "idempotency_key_required"),
        (
            "POST",
            "/v1/ops/catalog/items",
            {**OPS, "Idempotency-Key": "has space"},
            "{}",
            400,
            "idempotency_key_invalid",
        ),
        ("GET", "/v1/me", {}, None, 401, "token_missing"),
        ("GET", "/v1/ops/catalog/items/TEST-0001", bearer("applicant"), None, 403, "forbidden"),
        ("GET", "/v1/catalog/items/%20bad", {}, None, 404, "item_not_found"),
        ("GET", "/v1/calendar/1999", {}, None, 404, "calendar_year_not_published"),
        ("GET", "/v1/catalog/items?limit=-1", {}, None, 400, "invalid_query"),
    ],
)
def test_every_error_class_is_problem_json(
    client: Any, method: str, path: str, headers: dict[str, str], body: str | None, status: int, code: str
) -> None:
    response = client.http.request(method, path, headers=headers, body=body)
    is_problem(response, status, code)


def test_wrong_method_names_the_allowed_ones(client: Any) -> None:
    response = client.http.request("DELETE", "/v1/catalog/items")
    assert response.headers["Allow"] == "GET"


def test_chinese_by_default_english_on_request(client: Any) -> None:
    zh = is_problem(client.http.get("/v1/nowhere"), 404, "route_not_found")
    en = is_problem(
        client.http.get("/v1/nowhere", headers={"Accept-Language": "en-US,en;q=0.9"}), 404, "route_not_found"
    )
    assert zh["title"] == "接口不存在" and en["title"] == "No such endpoint"
    mixed = client.http.get("/v1/nowhere", headers={"Accept-Language": "en;q=0.3, zh-CN;q=0.9"})
    assert json.loads(mixed.body)["title"] == "接口不存在"


def test_field_errors_are_localised(client: Any) -> None:
    headers = {**OPS, "Idempotency-Key": "loc-1", "Accept-Language": "en"}
    response = client.http.post(
        "/v1/ops/catalog/items", body=json.dumps({"code": "TEST-0001"}), headers=headers
    )
    errors = is_problem(response, 422, "validation_failed")["errors"]
    assert {"field": "name", "code": "missing", "message": "Field required"} in errors
    zh = client.http.post(
        "/v1/ops/catalog/items",
        body=json.dumps({"code": "TEST-0001"}),
        headers={**OPS, "Idempotency-Key": "loc-2"},
    )
    assert {"field": "name", "code": "missing", "message": "必填项缺失"} in json.loads(zh.body)["errors"]


def test_same_key_same_body_replays_the_first_response(client: Any) -> None:
    body = json.dumps(item(code="TEST-0700"))
    headers = {**OPS, "Idempotency-Key": "publish-700"}
    first = client.http.post("/v1/ops/catalog/items", body=body, headers=headers)
    second = client.http.post("/v1/ops/catalog/items", body=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert json.loads(first.body) == json.loads(second.body)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert json.loads(client.http.get("/v1/catalog/items/TEST-0700").body)["version"] == 1


def test_same_key_other_body_is_422_and_changes_nothing(client: Any) -> None:
    headers = {**OPS, "Idempotency-Key": "publish-701"}
    client.http.post("/v1/ops/catalog/items", body=json.dumps(item(code="TEST-0701")), headers=headers)
    other = client.http.post(
        "/v1/ops/catalog/items",
        body=json.dumps(item(code="TEST-0701", promised_limit_days=1)),
        headers=headers,
    )
    is_problem(other, 422, "idempotency_key_reused")
    detail = json.loads(client.http.get("/v1/catalog/items/TEST-0701").body)
    assert detail["version"] == 1 and detail["promised_limit_days"] == 5


def test_a_refused_request_does_not_burn_its_key(client: Any) -> None:
    headers = {**OPS, "Idempotency-Key": "publish-702"}
    bad = client.http.post(
        "/v1/ops/catalog/items",
        body=json.dumps(item(code="TEST-0702", promised_limit_days=99)),
        headers=headers,
    )
    assert bad.status_code == 422
    good = client.http.post("/v1/ops/catalog/items", body=json.dumps(item(code="TEST-0702")), headers=headers)
    assert good.status_code == 201


def test_keys_are_scoped_to_the_caller(client: Any) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": "same"}
    a = client.http.post(
        "/v1/ops/catalog/items",
        body=json.dumps(item(code="TEST-0703")),
        headers={**headers, **bearer("operator")},
    )
    b = client.http.post(
        "/v1/ops/catalog/items",
        body=json.dumps(item(code="TEST-0704")),
        headers={**headers, **bearer("operator", sub="another-operator")},
    )
    assert a.status_code == b.status_code == 201 and "Idempotent-Replayed" not in b.headers


def test_every_response_carries_a_request_id(client: Any) -> None:
    ids = {
        client.http.get(path).headers["X-Request-Id"]
        for path in ("/v1/health", "/v1/nowhere", "/v1/catalog/items")
    }
    assert len(ids) == 3 and all(ids)


def test_personal_data_never_reaches_a_log_line(
    client: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    id_number, phone = "430102199003071234", "13812345678"
    caplog.set_level(logging.DEBUG)
    client.http.get(f"/v1/catalog/items?q={id_number}{phone}")
    client.http.post(
        "/v1/ops/catalog/items",
        body=json.dumps({"name": id_number, "x": phone}),
        headers={**OPS, "Idempotency-Key": "pii-1"},
    )
    from chalicelib.observability import logger

    logger.info("applicant %s phone %s", id_number, phone)  # even a careless line is masked
    written = capsys.readouterr()
    output = written.out + written.err + caplog.text
    assert "request" in output
    assert id_number not in output and phone not in output
