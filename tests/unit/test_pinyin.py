"""Pinyin initials for catalog search, and the search over them in the catalog list."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.pinyin import initials, unknown_characters
from chalicelib.services.catalog import Head, Snapshot, compact_entry
from tests.factories import item


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("户口迁移（夫妻投靠）", "hkqyfqtk"),
        ("社会保障卡申领", "shbzksl"),
        ("住房公积金异地转移接续", "zfgjjydzyjx"),
        ("学历公证", "xlgz"),
        ("排污许可", "pwxk"),
        ("深圳", "sz"),  # 圳 is outside GB 2312 level 1
        ("C1驾照", "c1jz"),
        ("", ""),
    ],
)
def test_initials(text: str, expected: str) -> None:
    assert initials(text) == expected


def test_unknown_characters_are_reported_not_guessed() -> None:
    assert initials("亍") == ""
    assert unknown_characters("亍户") == {"亍"}


class _Store:
    def __init__(self, definitions: list[dict[str, Any]]) -> None:
        heads = [Head(d["code"], 1, d, "2026-01-01T00:00:00+08:00", []) for d in definitions]
        self.reads = 0
        self._snapshot = Snapshot(1, {h.code: compact_entry(h) for h in heads})

    def snapshot(self) -> Snapshot:
        self.reads += 1
        return self._snapshot


def test_search_finds_items_by_initials_and_chinese_in_one_read() -> None:
    from chalicelib.services.catalog import CatalogService

    store = _Store(
        [
            item(code="TEST-0001", name="户口迁移（工作调动）", aliases=["落户"]),
            item(code="TEST-0002", name="学历公证"),
        ]
    )
    service = CatalogService(store)  # type: ignore[arg-type]
    assert [e["code"] for e in service.list_items(keyword="hkqy")[0]] == ["TEST-0001"]
    assert [e["code"] for e in service.list_items(keyword="HKQY")[0]] == ["TEST-0001"]  # case folded
    assert [e["code"] for e in service.list_items(keyword="lh")[0]] == ["TEST-0001"]  # an alias
    assert [e["code"] for e in service.list_items(keyword="公证")[0]] == ["TEST-0002"]
    assert [e["code"] for e in service.list_items(keyword="xlgz")[0]] == ["TEST-0002"]
    assert service.list_items(keyword="zzzz")[0] == []
    assert store.reads == 6
