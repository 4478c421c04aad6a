"""我的办件 merges two newest-first streams: every case once, in order, however the pages fall."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import BadRequest
from chalicelib.services.case_book import Page
from chalicelib.services.my_cases import DONE, merged_page, newest_first_key


class TwoOwners:
    """An owner index in memory, paging like DynamoDB (newest first, LastEvaluatedKey on a full page)."""

    def __init__(self, docs: dict[str, list[dict[str, Any]]]) -> None:
        self.docs = {o: sorted(d, key=newest_first_key, reverse=True) for o, d in docs.items()}
        self.queries = 0

    def by_owner(self, owner: str, limit: int, start: dict[str, Any] | None) -> Page:
        self.queries += 1
        docs = self.docs.get(owner, [])
        keys = [{"created": {"S": newest_first_key(d)}} for d in docs]
        begin = 0 if start is None else keys.index(start) + 1
        chunk = docs[begin : begin + limit]
        positions = keys[begin : begin + len(chunk)]
        last = positions[-1] if len(chunk) == limit else None
        return Page(chunk, last, positions)


def _docs(prefix: str, times: list[int]) -> list[dict[str, Any]]:
    return [
        {"number": f"{prefix}{t:04d}", "created_at": f"2026-11-30T10:{t // 60:02d}:{t % 60:02d}+08:00"}
        for t in times
    ]


def _all_pages(store: TwoOwners, owners: dict[str, str], limit: int) -> list[str]:
    seen: list[str] = []
    position: dict[str, Any] | None = None
    for _ in range(100):
        items, position = merged_page(store, owners, limit, position)
        assert len(items) <= limit
        seen.extend(d["number"] for d in items)
        if position is None:
            return seen
    raise AssertionError("paging did not end")


@settings(max_examples=150, deadline=None)
@given(
    own=st.sets(st.integers(0, 3599), max_size=12),
    entrusted=st.sets(st.integers(0, 3599), max_size=12),
    limit=st.integers(1, 5),
)
def test_every_case_is_listed_once_newest_first(own: set[int], entrusted: set[int], limit: int) -> None:
    docs = {"me": _docs("A", sorted(own)), "HOLDER#me": _docs("P", sorted(entrusted))}
    store = TwoOwners(docs)
    listed = _all_pages(store, {"own": "me", "entrusted": "HOLDER#me"}, limit)
    everything = sorted(docs["me"] + docs["HOLDER#me"], key=newest_first_key, reverse=True)
    assert listed == [d["number"] for d in everything]


def test_a_page_costs_one_query_per_open_stream() -> None:
    store = TwoOwners({"me": _docs("A", [1, 2, 3]), "HOLDER#me": _docs("P", [4])})
    items, position = merged_page(store, {"own": "me", "entrusted": "HOLDER#me"}, 2, None)
    assert store.queries == 2 and [d["number"] for d in items] == ["P0004", "A0003"]
    assert position is not None and position["entrusted"] == DONE
    store.queries = 0
    merged_page(store, {"own": "me", "entrusted": "HOLDER#me"}, 2, position)
    assert store.queries == 1  # the exhausted stream is not asked again


@pytest.mark.parametrize(
    "position",
    [
        {"other": DONE},
        {"own": "started"},
        {"own": {"pk": "CASE#1"}},
        {"own": {}},
        {"own": {"pk": {"N": "1"}}},
    ],
)
def test_a_position_that_is_not_ours_is_a_bad_cursor(position: dict[str, Any]) -> None:
    store = TwoOwners({})
    with pytest.raises(BadRequest):
        merged_page(store, {"own": "me"}, 5, position)
