"""The national 跨省通办 list in the catalog over HTTP: search by Chinese words and pinyin initials
in one storage read, batch and source in the item detail and the 办事指南."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest


@pytest.fixture
def national(client: Any) -> Any:
    from infra.local.seed import catalog_items, seed_catalog

    seed_catalog(catalog_items())
    return client


def _codes(client: Any, query: str) -> list[str]:
    body = client.http.get(f"/v1/catalog/items?limit=100&q={quote(query)}").json_body
    return [entry["code"] for entry in body["items"]]


def test_search_by_chinese_words_and_pinyin_initials_costs_one_read(national: Any) -> None:
    from chalicelib.adapters.aws import client as aws_client

    calls: list[str] = []
    aws_client("dynamodb").meta.events.register(
        "before-call.*.*", lambda **kw: calls.append(kw["model"].name)
    )
    notarial = _codes(national, "公证")
    assert len(notarial) >= 10 and all(code.startswith("KSTB-SF-") for code in notarial)
    assert calls == ["GetItem"]
    moves = ["KSTB-GA-001", "KSTB-GA-008", "KSTB-GA-009", "KSTB-GA-010"]
    assert _codes(national, "hkqy") == moves
    assert _codes(national, "HKQY") == moves
    assert "KSTB-ZJ-006" in _codes(national, "gjj")  # 公积金, an alias's initials
    assert _codes(national, "残疾人证") == ["KSTB-CL-001", "KSTB-CL-002", "KSTB-CL-003"]
    assert _codes(national, "qqqqq") == []
    assert len(calls) == 6


def test_detail_and_guide_show_batch_source_and_what_is_sample(national: Any) -> None:
    detail = national.http.get("/v1/catalog/items/KSTB-SF-003").json_body
    assert detail["batch"] == {"document": "国办发〔2020〕35号", "deadline": "2020年底前"}
    assert detail["source"]["document"] == "国办发〔2020〕35号"
    assert "batch.deadline" in detail["sample_fields"]
    sourced = national.http.get("/v1/catalog/items/KSTB-SF-001").json_body
    assert "batch.deadline" not in sourced["sample_fields"]
    guide = national.http.get("/v1/catalog/items/KSTB-SF-003/guides/450000").json_body
    assert guide["item"]["batch"] == detail["batch"] and guide["item"]["source"] == detail["source"]
    assert guide["implementation"]["authority_code"] == "A-450000-01"
    assert "batch.deadline" in guide["sample_fields"]
