"""Catalog over HTTP: filters, pagination, ETags, guides, versions and operator decisions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.domain.clock import beijing_date, system_clock
from tests.conftest import bearer
from tests.factories import item, joint_item

OPS = {**bearer("operator"), "Content-Type": "application/json"}
_keys = iter(range(10**6))


def post(client: Any, path: str, body: Any, **headers: str) -> Any:
    return client.http.post(
        path,
        body=json.dumps(body, ensure_ascii=False),
        headers={**OPS, "Idempotency-Key": f"k-{next(_keys)}", **headers},
    )


@pytest.fixture
def catalog(client: Any) -> Any:
    """Twelve items: varied modes, departments and provinces, codes TEST-0100 … TEST-0111."""
    for n in range(12):
        definition = item(
            code=f"TEST-{100 + n:04d}",
            name=f"测试事项{n}号" if n % 3 else f"户口迁移测试{n}",
            department="公安部" if n % 2 else "人力资源社会保障部",
            modes=["full_online", "proxy_intake"] if n % 4 == 0 else ["full_online"],
        )
        if n == 5:
            definition["implementations"] = {"320000": definition["implementations"]["430000"]}
        assert post(client, "/v1/ops/catalog/items", definition).status_code == 201
    assert post(client, "/v1/ops/catalog/items", joint_item()).status_code == 201
    return client


def codes(response: Any) -> list[str]:
    return [entry["code"] for entry in response.json_body["items"]]


def test_list_filters_by_mode_keyword_department_and_province(catalog: Any) -> None:
    assert codes(catalog.http.get("/v1/catalog/items?mode=joint")) == ["TEST-JOINT"]
    assert len(codes(catalog.http.get("/v1/catalog/items?mode=proxy_intake"))) == 3
    keyword = catalog.http.get("/v1/catalog/items?q=" + quote("户口迁移"))
    assert codes(keyword) == ["TEST-0100", "TEST-0103", "TEST-0106", "TEST-0109"]
    department = catalog.http.get("/v1/catalog/items?department=" + quote("公安"))
    assert len(codes(department)) == 6
    assert "TEST-0105" not in codes(catalog.http.get("/v1/catalog/items?province=430000&limit=50"))
    assert codes(catalog.http.get("/v1/catalog/items?province=320000")) == ["TEST-0105"]


def test_cursor_pagination_walks_every_item_once(catalog: Any) -> None:
    seen: list[str] = []
    url = "/v1/catalog/items?limit=5"
    pages = 0
    while url:
        page = catalog.http.get(url).json_body
        seen += [entry["code"] for entry in page["items"]]
        pages += 1
        url = f"/v1/catalog/items?limit=5&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert pages == 3
    assert seen == sorted(set(seen)) and len(seen) == 13


@pytest.mark.parametrize(
    "query",
    [
        "cursor=%%%",
        "cursor=bm90IGpzb24",
        "cursor=WzFd",
        "limit=0",
        "limit=101",
        "limit=abc",
        "mode=teleport",
        "province=12",
    ],
)
def test_bad_list_queries_are_400_problems(catalog: Any, query: str) -> None:
    response = catalog.http.get(f"/v1/catalog/items?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json_body["code"] in ("invalid_query", "invalid_cursor")


def test_etag_gives_304_until_the_catalog_changes(catalog: Any) -> None:
    first = catalog.http.get("/v1/catalog/items")
    tag = first.headers["ETag"]
    again = catalog.http.get("/v1/catalog/items", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.body in (b"", "", None)
    detail = catalog.http.get("/v1/catalog/items/TEST-0101")
    assert (
        catalog.http.get(
            "/v1/catalog/items/TEST-0101", headers={"If-None-Match": detail.headers["ETag"]}
        ).status_code
        == 304
    )
    assert post(catalog, "/v1/ops/catalog/items", item(code="TEST-0999")).status_code == 201
    changed = catalog.http.get("/v1/catalog/items", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_detail_and_guide_for_a_province(catalog: Any) -> None:
    detail = catalog.http.get("/v1/catalog/items/TEST-0101").json_body
    assert detail["version"] == 1 and detail["status"] == "active"
    assert detail["promised_limit_days"] == 5 and detail["materials"][0]["code"] == "id_card"
    guide = catalog.http.get("/v1/catalog/items/TEST-0101/guides/450000").json_body
    assert guide["province"] == {"code": "450000", "name": "广西壮族自治区"}
    assert guide["implementation"]["authority"] == "南宁市测试局"
    assert guide["item"]["statutory_limit_days"] == 20
    missing = catalog.http.get("/v1/catalog/items/TEST-0101/guides/320000")
    assert missing.status_code == 404 and missing.json_body["code"] == "province_not_implemented"
    assert catalog.http.get("/v1/catalog/items/NOPE-0000").json_body["code"] == "item_not_found"


def test_new_version_is_current_and_old_version_is_kept(catalog: Any) -> None:
    changed = item(code="TEST-0101", promised_limit_days=3)
    published = post(catalog, "/v1/ops/catalog/items", changed)
    assert published.status_code == 201 and published.json_body["version"] == 2
    assert catalog.http.get("/v1/catalog/items/TEST-0101").json_body["promised_limit_days"] == 3
    first = catalog.http.get("/v1/catalog/items/TEST-0101/versions/1").json_body
    assert first["version"] == 1 and first["definition"]["promised_limit_days"] == 5
    assert catalog.http.get("/v1/catalog/items/TEST-0101/versions/3").status_code == 404


def test_cancelled_today_disappears_and_answers_410(catalog: Any) -> None:
    today = beijing_date(system_clock()).isoformat()
    response = post(
        catalog,
        "/v1/ops/catalog/items/TEST-0102/status-changes",
        {"status": "cancelled", "effective_from": today, "reason": "国务院决定取消"},
    )
    assert response.status_code == 201 and response.json_body["status"] == "cancelled"
    assert "TEST-0102" not in codes(catalog.http.get("/v1/catalog/items?limit=100"))
    gone = catalog.http.get("/v1/catalog/items/TEST-0102")
    assert gone.status_code == 410 and gone.json_body["code"] == "item_cancelled"
    assert catalog.http.get("/v1/catalog/items/TEST-0102/guides/430000").status_code == 410
    ops_view = catalog.http.get("/v1/ops/catalog/items/TEST-0102", headers=OPS).json_body
    assert ops_view["status"] == "cancelled" and ops_view["status_changes"][0]["reason"]
    again = post(
        catalog,
        "/v1/ops/catalog/items/TEST-0102/status-changes",
        {"status": "cancelled", "effective_from": today, "reason": "再次"},
    )
    assert again.status_code == 409 and again.json_body["code"] == "item_not_active"
    republish = post(catalog, "/v1/ops/catalog/items", item(code="TEST-0102"))
    assert republish.status_code == 409


def test_delegation_in_the_future_keeps_the_item_available_until_then(catalog: Any) -> None:
    tomorrow = (beijing_date(system_clock()) + timedelta(days=1)).isoformat()
    without_level = post(
        catalog,
        "/v1/ops/catalog/items/TEST-0103/status-changes",
        {"status": "delegated", "effective_from": tomorrow, "reason": "下放"},
    )
    assert without_level.status_code == 422
    response = post(
        catalog,
        "/v1/ops/catalog/items/TEST-0103/status-changes",
        {"status": "delegated", "effective_from": tomorrow, "reason": "下放至县级", "delegated_to": "county"},
    )
    assert response.status_code == 201
    assert "TEST-0103" in codes(catalog.http.get("/v1/catalog/items?limit=100"))
    assert catalog.http.get("/v1/catalog/items/TEST-0103").status_code == 200


def test_a_past_effective_date_is_refused_and_changes_nothing(catalog: Any) -> None:
    yesterday = (beijing_date(system_clock()) - timedelta(days=1)).isoformat()
    response = post(
        catalog,
        "/v1/ops/catalog/items/TEST-0104/status-changes",
        {"status": "cancelled", "effective_from": yesterday, "reason": "取消"},
    )
    assert response.status_code == 422 and response.json_body["code"] == "effective_date_in_past"
    assert catalog.http.get("/v1/catalog/items/TEST-0104").status_code == 200


def test_an_invalid_definition_is_422_with_field_errors_and_changes_nothing(catalog: Any) -> None:
    before = catalog.http.get("/v1/catalog/items?limit=100").json_body
    bad = item(code="TEST-0101", promised_limit_days=99)
    response = post(catalog, "/v1/ops/catalog/items", bad)
    assert response.status_code == 422 and response.json_body["code"] == "validation_failed"
    assert response.json_body["errors"]
    missing = post(catalog, "/v1/ops/catalog/items", {"code": "TEST-0101"})
    fields = {e["field"] for e in missing.json_body["errors"]}
    assert {"name", "materials", "form_schema"} - {"materials"} <= fields
    assert catalog.http.get("/v1/catalog/items?limit=100").json_body == before
    assert catalog.http.get("/v1/catalog/items/TEST-0101").json_body["version"] == 1


def test_only_operators_of_this_province_publish(catalog: Any) -> None:
    body = json.dumps(item(code="TEST-0500"))
    for headers, status in [
        ({}, 401),
        (bearer("applicant"), 403),
        (bearer("authority_clerk"), 403),
        (bearer("operator", province="450000"), 403),
    ]:
        response = catalog.http.post(
            "/v1/ops/catalog/items",
            body=body,
            headers={**headers, "Content-Type": "application/json", "Idempotency-Key": f"a-{status}"},
        )
        assert response.status_code == status
    assert catalog.http.get("/v1/catalog/items/TEST-0500").status_code == 404
