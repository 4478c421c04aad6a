"""Operators list and redrive dead letters. An outbound message is revived through its outbox
record (attempts reset), so the sender finds it pending again; others go back to their queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.domain.errors import NotFound

QUEUES = {  # name in the API → (source queue, dead-letter queue) logical names
    "outbound": ("outbound", "outbound_dlq"),
    "inbound": ("inbound", "inbound_dlq"),
    "uploads": ("uploads", "uploads_dlq"),
    "notifications": ("notifications", "notifications_dlq"),
}


class DeadLetterQueues(Protocol):
    def peek(self, dlq: str, limit: int = 10) -> list[dict[str, Any]]: ...
    def drain(self, dlq: str, handle: Callable[[dict[str, Any]], None], limit: int = 100) -> int: ...
    def send(self, queue: str, body: dict[str, Any], *, group: str | None = None) -> None: ...


class Reviver(Protocol):
    def revive(self, case: str, message_id: str) -> bool: ...


class DeadLetterService:
    def __init__(self, queues: DeadLetterQueues, names: Callable[[str], str], outbound: Reviver) -> None:
        self._queues = queues
        self._names = names  # logical → physical queue name
        self._outbound = outbound

    def _pair(self, queue: str) -> tuple[str, str]:
        if queue not in QUEUES:
            raise NotFound("queue_not_found")
        source, dlq = QUEUES[queue]
        return self._names(source), self._names(dlq)

    def list(self, queue: str) -> list[dict[str, Any]]:
        return self._queues.peek(self._pair(queue)[1])

    def redrive(self, queue: str) -> int:
        source, dlq = self._pair(queue)

        def back(body: dict[str, Any]) -> None:
            if queue == "outbound":
                self._outbound.revive(str(body["case"]), str(body["id"]))
            else:
                self._queues.send(source, body, group=str(body["case"]) if queue == "inbound" else None)

        return self._queues.drain(dlq, back)
