"""Notices to applicants (消息): delivery from the queue into the applicant's message list (and by
SMS to a walk-in applicant, services/sms.py), the outbox relay that resends what a dead process
committed but never sent, and the applicant's reading of them: since a time, read or unread."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.clock import rfc3339
from chalicelib.services.case_book import CaseStore, NoticeQueue, Page

if TYPE_CHECKING:
    from chalicelib.services.sms import SmsNotifier

RELAY_AFTER = timedelta(minutes=2)
RELAY_BATCH = 100
UNREAD_CAP = 100  # "99+": the unread count is counted up to this many


class NoticeReads(Protocol):
    def notices(
        self, recipient: str, since: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page: ...
    def unread(self, recipient: str, read_up_to: str | None, cap: int) -> int: ...
    def read_up_to(self, recipient: str) -> str | None: ...
    def mark_read(self, recipient: str, up_to: str) -> None: ...


class NoticeService:
    def __init__(
        self,
        store: CaseStore,
        queue: NoticeQueue,
        reads: NoticeReads | None = None,
        sms: SmsNotifier | None = None,
    ) -> None:
        self._store = store
        self._queue = queue
        self._reads = reads
        self._sms = sms

    def deliver(self, notice: dict[str, Any]) -> None:
        """Idempotent: delivering a notice twice stores it once and clears its outbox record; a
        walk-in applicant's notice is texted once (the SMS ledger)."""
        self._store.deliver_notice(notice)
        if self._sms is not None:
            self._sms.notify(notice)

    def relay(self, now: datetime) -> int:
        """Send again the outbox records older than RELAY_AFTER (their sender died or failed)."""
        stale = self._store.pending_outbox((now - RELAY_AFTER).isoformat(timespec="seconds"), RELAY_BATCH)
        for notice in stale:
            self._queue.send(notice)
        return len(stale)

    def inbox(
        self, recipient: str, since: datetime | None, limit: int, start: dict[str, Any] | None
    ) -> dict[str, Any]:
        """A page of the recipient's notices (newest first, later than `since` if given), each
        with its read state, and the unread count."""
        assert self._reads is not None
        mark = self._reads.read_up_to(recipient)
        page = self._reads.notices(recipient, None if since is None else rfc3339(since), limit, start)
        items = [{**n, "read": mark is not None and str(n["at"]) <= mark} for n in page.items]
        return {
            "items": items,
            "read_up_to": mark,
            "unread": self._reads.unread(recipient, mark, UNREAD_CAP),
            "last_key": page.last_key,
        }

    def mark_read(self, recipient: str, up_to: datetime) -> dict[str, Any]:
        """Every notice at or before `up_to` is read (the mark never moves back)."""
        assert self._reads is not None
        self._reads.mark_read(recipient, rfc3339(up_to))
        mark = self._reads.read_up_to(recipient)
        return {"read_up_to": mark, "unread": self._reads.unread(recipient, mark, UNREAD_CAP)}
