"""我的办件: the caller's own cases and the cases agents filed for them (委托代办), as one list.

The two live in different owner-index partitions (the caller's login; the principal's holder key),
so a page is the merge of both streams, newest first.

Invariants:
- Every case of either stream is listed exactly once across the pages, in newest-first order,
  whichever stream it comes from and however the pages fall.
- The position (behind the opaque cursor) keeps each stream's own place: `DONE` once it is
  exhausted, the start key right after its last listed case, or absent while none was listed.
- A page costs one query per stream that is not done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from chalicelib.domain.errors import BadRequest
from chalicelib.services.case_book import Page

DONE = "done"
MAX_KEY_ATTRIBUTES = 8


class OwnerIndex(Protocol):
    """One owner's cases, newest first, a page at a time (the query side's owner-index read)."""

    def by_owner(self, owner: str, limit: int, start: dict[str, Any] | None) -> Page: ...


def newest_first_key(doc: Mapping[str, Any]) -> str:
    """The owner-index order of a case: creation time, then number."""
    return f"{doc['created_at']}#{doc['number']}"


def merged_page(
    store: OwnerIndex, owners: Mapping[str, str], limit: int, position: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of the merged streams `owners` (stream name → owner key) from `position`, and the
    position of the next page (None when every stream is done)."""
    places = _checked(position, owners)
    pages = {
        name: store.by_owner(owner, limit, places.get(name))
        for name, owner in owners.items()
        if places.get(name) != DONE
    }
    ranked = sorted(
        (
            (newest_first_key(doc), name, i)
            for name, page in pages.items()
            for i, doc in enumerate(page.items)
        ),
        reverse=True,
    )[:limit]
    taken = {name: sum(1 for _, n, _ in ranked if n == name) for name in pages}
    following: dict[str, Any] = {name: DONE for name, place in places.items() if place == DONE}
    for name, page in pages.items():
        count = taken[name]
        if not page.items:
            following[name] = page.last_key or DONE
        elif count == 0:
            if name in places:
                following[name] = places[name]
        elif count < len(page.items):
            following[name] = page.positions[count - 1]
        else:
            following[name] = page.last_key if page.last_key else DONE
    items = [pages[name].items[i] for _, name, i in ranked]
    if all(following.get(name) == DONE for name in owners):
        return items, None
    return items, following


def _checked(position: Mapping[str, Any] | None, owners: Mapping[str, str]) -> dict[str, Any]:
    """The position as given back in a cursor; anything else is the client's bad cursor."""
    if position is None:
        return {}
    places = dict(position)
    if not set(places) <= set(owners):
        raise BadRequest("invalid_cursor")
    for place in places.values():
        if place == DONE:
            continue
        well_formed = (
            isinstance(place, dict)
            and 0 < len(place) <= MAX_KEY_ATTRIBUTES
            and all(
                isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str) for v in place.values()
            )
        )
        if not well_formed:
            raise BadRequest("invalid_cursor")
    return places
