"""The query side without AWS: whose queue an inbox is, and sweeps that page to the end."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.identity import Principal, Role
from chalicelib.services.case_book import Page
from chalicelib.services.case_queries import SWEEP_PAGE, CaseQueries
from tests.factories import case_model


class Reads:
    """The index reads the query side uses, in memory: a partition pages like DynamoDB does."""

    def __init__(self, partitions: dict[str, list[dict[str, Any]]]) -> None:
        self.partitions = partitions
        self.asked: list[tuple[str, Any]] = []

    def inbox(self, queue: str, limit: int, start: Any, *, due_before: Any, state: Any) -> Page:
        self.asked.append((queue, (due_before, state)))
        return Page([], None)

    def in_partition(self, partition: str, limit: int, start: Any) -> Page:
        return self._page(partition, limit, start)

    def due_for_check(self, partition: str, today: str, limit: int, start: Any) -> Page:
        return self._page(partition, limit, start)

    def _page(self, partition: str, limit: int, start: Any) -> Page:
        docs = self.partitions.get(partition, [])
        begin = 0 if start is None else int(start["at"])
        chunk = docs[begin : begin + limit]
        following = {"at": begin + limit} if begin + limit < len(docs) else None
        return Page(chunk, following)


def _docs(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        case_model(number=f"430000-20250227-{prefix}{i:04d}").model_dump(mode="json") for i in range(count)
    ]


def test_an_inbox_is_the_callers_own_queue_by_role() -> None:
    reads = Reads({})
    queries = CaseQueries(reads)  # type: ignore[arg-type]
    clerk = Principal(subject="c", role=Role.AUTHORITY_CLERK, issuer="x", province="430000", authority="A-1")
    window = Principal(subject="w", role=Role.WINDOW_CLERK, issuer="x", province="430000", window="W-1")
    queries.inbox(clerk, 10, None, state="accepted")
    queries.inbox(window, 10, None)
    assert reads.asked == [("A-1", (None, "accepted")), ("W-1", (None, None))]


def test_a_sweep_reads_every_page_of_this_and_next_years_partitions() -> None:
    reads = Reads(
        {
            "DUE": _docs(SWEEP_PAGE + 1, "DUE0"),
            "DUE#P#2025": _docs(2, "P250"),
            "DUE#P#2026": _docs(1, "P260"),
            "DUE#P#2027": _docs(1, "P270"),  # two years ahead: not this sweep's
        }
    )
    queries = CaseQueries(reads)  # type: ignore[arg-type]
    swept = [case.number for case in queries.due_for_check(2025, "2025-03-03")]
    assert len(swept) == SWEEP_PAGE + 4
    assert not any("P270" in n for n in swept)
    assert [case.number for case in queries.provisional_in(2027)] == ["430000-20250227-P2700000"]
