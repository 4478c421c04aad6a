"""The query side of cases: the reads behind lists and views, apart from the write side.

Writes go through the case book alone (services/case_book.py: load, act, save in one transaction);
everything here only reads, through `CaseReads` (adapters/case_store.DynamoCaseQueries), and hands
back documents, cases or pages. Routes reach these reads through this module, never a store:
route → this service → the adapter.

Invariants:
- Nothing here writes. A write that starts from something read here (the sweep's cases, a
  rectification to close) is still conditioned on the case's version by the book's save, so a
  stale read loses the race rather than overwriting.
- A queue (inbox) is always the caller's own: the authority clerk's authority, the window clerk's
  window; no caller names another's.
- Pages carry DynamoDB's start keys; the API layer turns them into authenticated cursors, and a
  start key DynamoDB refuses is the client's bad cursor (400 `invalid_cursor`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from chalicelib.domain.case import Case
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.identity import Principal, Role
from chalicelib.services.case_book import DUE_PARTITION, Page, provisional_partition
from chalicelib.services.my_cases import merged_page

SWEEP_PAGE = 100


class CaseReads(Protocol):
    def get(self, number: str) -> dict[str, Any] | None: ...
    def case_with_events(self, number: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]: ...
    def by_owner(self, owner: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def inbox(
        self,
        authority: str,
        limit: int,
        start: dict[str, Any] | None,
        *,
        due_before: str | None,
        state: str | None,
    ) -> Page: ...
    def due_for_check(self, partition: str, today: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def in_partition(self, partition: str, limit: int, start: dict[str, Any] | None) -> Page: ...
    def coordination_due(self, now: str, limit: int) -> list[str]: ...
    def shipments(self, number: str) -> list[dict[str, Any]]: ...
    def rectification(self, number: str) -> dict[str, Any] | None: ...
    def rectifications(
        self, province: str, status: str, authority: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page: ...


class CaseQueries:
    def __init__(self, reads: CaseReads) -> None:
        self._reads = reads

    # — one case —

    def case(self, number: str) -> Case | None:
        doc = self._reads.get(number)
        return None if doc is None else Case.model_validate(doc)

    def with_events(self, number: str) -> tuple[Case | None, list[dict[str, Any]]]:
        """The case and its timeline in one query (no access check: the caller's)."""
        doc, events = self._reads.case_with_events(number)
        return (None if doc is None else Case.model_validate(doc)), events

    def shipments(self, number: str) -> list[dict[str, Any]]:
        """The case's shipments (资料寄递), as both gateways record them."""
        return self._reads.shipments(number)

    # — lists —

    def my_cases(
        self, owners: Mapping[str, str], limit: int, position: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """我的办件: one page of the merged owner streams (services/my_cases.py)."""
        return merged_page(self._reads, owners, limit, position)

    def inbox(
        self,
        principal: Principal,
        limit: int,
        start: dict[str, Any] | None,
        *,
        due_before: str | None = None,
        state: str | None = None,
    ) -> Page:
        """The caller's queue, most urgent first: an authority clerk's authority's open cases (待办),
        a window clerk's window's intakes."""
        queue = principal.window if principal.role is Role.WINDOW_CLERK else principal.authority
        return self._reads.inbox(queue or "", limit, start, due_before=due_before, state=state)

    def rectifications(
        self, province: str, status: str, authority: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page:
        """整改 of the province in `status`, due first; one authority's only when it is named."""
        return self._reads.rectifications(province, status, authority, limit, start)

    def rectification(self, number: str) -> dict[str, Any] | None:
        return self._reads.rectification(number)

    # — sweeps —

    def due_for_check(self, year: int, today: str) -> Iterator[Case]:
        """Cases whose next deadline check date has come (settled and provisional due dates of this
        year and the next), page by page."""
        for partition in (DUE_PARTITION, provisional_partition(year), provisional_partition(year + 1)):
            yield from self._all(partial(self._reads.due_for_check, partition, today, SWEEP_PAGE))

    def provisional_in(self, year: int) -> Iterator[Case]:
        """Cases whose due dates guessed at `year`'s calendar (计算 before it was published)."""
        partition = provisional_partition(year)
        yield from self._all(partial(self._reads.in_partition, partition, SWEEP_PAGE))

    def coordination_due(self, now: datetime, limit: int) -> list[str]:
        """Joint cases whose coordination mark has waited past its time (their coordinator died)."""
        return self._reads.coordination_due(rfc3339(now), limit)

    @staticmethod
    def _all(page_of: Callable[[dict[str, Any] | None], Page]) -> Iterator[Case]:
        start: dict[str, Any] | None = None
        while True:
            page = page_of(start)
            for doc in page.items:
                yield Case.model_validate(doc)
            if page.last_key is None:
                return
            start = page.last_key
