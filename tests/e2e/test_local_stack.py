"""End to end: `python -m infra.local` as `make run` starts it, used over HTTP, then stopped."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def fetch(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_three_provinces_serve_their_own_seeded_catalog(stack: dict[str, Any]) -> None:
    assert set(stack["provinces"]) >= {"430000", "450000", "320000"}
    for code, province in stack["provinces"].items():
        status, health = fetch(province["url"] + "/v1/health")
        assert status == 200 and health["province"]["code"] == code
        status, page = fetch(province["url"] + "/v1/catalog/items?q=%E6%88%B7%E5%8F%A3")
        names = [i["name"] for i in page["items"]]
        assert status == 200 and "户口迁移（夫妻投靠）" in names and all("户口" in n for n in names)
        # the national list is seeded too, and found by pinyin initials (户口迁移)
        status, page = fetch(province["url"] + "/v1/catalog/items?q=hkqy")
        seeded = [i for i in page["items"] if not i["code"].startswith("E2E-")]  # other tests add items
        assert status == 200 and len(seeded) == 4


def test_tokens_work_only_at_their_own_province(stack: dict[str, Any]) -> None:
    provinces = stack["provinces"]
    hunan, guangxi = provinces["430000"], provinces["450000"]
    for name, token in hunan["tokens"].items():
        status, me = fetch(hunan["url"] + "/v1/me", token)
        # the cast beyond the first of each role is named `<role>_<n>`, or `legal_person`/`agent` (applicants)
        role = (
            "applicant"
            if name in ("legal_person", "agent")
            else name.rsplit("_", 1)[0]
            if name[-1].isdigit()
            else name
        )
        assert status == 200 and me["role"] == role
    status, problem = fetch(guangxi["url"] + "/v1/me", hunan["tokens"]["operator"])
    assert status == 401 and problem["code"] == "token_invalid"


def test_unknown_routes_are_problems_over_real_http(stack: dict[str, Any]) -> None:
    status, problem = fetch(stack["provinces"]["320000"]["url"] + "/v1/nowhere")
    assert status == 404 and problem["code"] == "route_not_found"
