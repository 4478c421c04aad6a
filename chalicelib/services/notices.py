"""Notices to applicants (消息): delivery from the queue into the applicant's message list, and the
outbox relay that resends what a dead process committed but never sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.services.case_book import CaseStore, NoticeQueue, Page

RELAY_AFTER = timedelta(minutes=2)
RELAY_BATCH = 100


class NoticeService:
    def __init__(self, store: CaseStore, queue: NoticeQueue) -> None:
        self._store = store
        self._queue = queue

    def deliver(self, notice: dict[str, Any]) -> None:
        """Idempotent: delivering a notice twice stores it once and clears its outbox record."""
        self._store.deliver_notice(notice)

    def relay(self, now: datetime) -> int:
        """Send again the outbox records older than RELAY_AFTER (their sender died or failed)."""
        stale = self._store.pending_outbox((now - RELAY_AFTER).isoformat(timespec="seconds"), RELAY_BATCH)
        for notice in stale:
            self._queue.send(notice)
        return len(stale)

    def for_recipient(self, recipient: str, limit: int, start: dict[str, Any] | None) -> Page:
        return self._store.notices(recipient, limit, start)
