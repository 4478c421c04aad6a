"""The audited reveal (查看明文) as a use case: who may, how often, and what is recorded.

- Who: the clerks of the case's handling authority (checking whom they decide for) and the window
  clerk of the window that took the case in (异地代收). Anyone else who may read the case (the
  province's operators) is refused with 403 `reveal_not_allowed`; whoever may not read it gets the
  404 every other case route gives.
- How often: `per_hour` reveals per clerk per clock hour, counted in DynamoDB (one conditional
  update, so parallel requests cannot overshoot); beyond that 429 `reveal_rate_limited` with the
  seconds to the next hour. A refused request (bad field, missing note) counts nothing.
- What is recorded: the reveal event on the case's audit chain (fields, kinds, purpose, note,
  who, when; never a value). At a handling province of a shared case the same facts travel to
  the applicant's home gateway as `case.revealed`, in the act's transaction (outbox).
- The clear values go only into the caller's response; nothing here logs them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from chalicelib.domain.access import is_handling_clerk, is_window_of
from chalicelib.domain.case_exchange import HANDLER
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Forbidden, TooManyRequests
from chalicelib.domain.identity import Principal
from chalicelib.domain.record_commands import Reveal
from chalicelib.domain.reveal import check_request, clear_values, reveal, revealed_payload
from chalicelib.services.cases import CaseService, by_of

REVEALS_PER_HOUR: Final = 30
QUOTA_NAME: Final = "reveal"


class QuotaStore(Protocol):
    def take_quota(self, name: str, who: str, window: str, limit: int, expires_at: int) -> bool: ...


def hour_window(now: datetime) -> tuple[str, int, int]:
    """The clock hour `now` falls in (UTC): its key, its end (epoch seconds), seconds left in it."""
    utc = now.astimezone(UTC)
    start = utc.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=1)
    return f"{start:%Y%m%dT%HZ}", int(end.timestamp()), max(1, int((end - utc).total_seconds()))


class RevealService:
    def __init__(self, cases: CaseService, quotas: QuotaStore, per_hour: int = REVEALS_PER_HOUR) -> None:
        self._cases = cases
        self._quotas = quotas
        self.per_hour = per_hour

    def reveal(self, principal: Principal, number: str, command: Reveal) -> dict[str, Any]:
        """The clear values of the requested fields, once the reveal is on the audit chain."""
        case = self._cases.readable(principal, number)
        if not (is_handling_clerk(principal, case) or is_window_of(principal, case)):
            raise Forbidden("reveal_not_allowed")
        note, purpose = command.note, command.purpose.value
        fields = check_request(
            self._cases.form_schema(case),
            list(command.fields),
            purpose,
            note,
            has_agent=case.agent is not None,
        )
        now = self._cases.now()
        self._count(principal, now)
        outcome = reveal(case, by_of(principal), now, fields, purpose, note)
        messages: list[dict[str, Any]] = []
        if case.exchange is not None and case.exchange.role == HANDLER:
            payload = revealed_payload(outcome.event)
            messages = self._cases.tell_partner(case, outcome, MessageType.REVEALED, payload)
        saved = self._cases.save_with_messages(case, [outcome], messages)
        return {
            "case_number": saved.number,
            "values": clear_values(saved, fields),
            "purpose": purpose,
            "revealed_at": rfc3339(now),
            "event_seq": outcome.event["seq"],
        }

    def _count(self, principal: Principal, now: datetime) -> None:
        window, expires_at, left = hour_window(now)
        who = f"{principal.issuer}|{principal.subject}"
        if not self._quotas.take_quota(QUOTA_NAME, who, window, self.per_hour, expires_at + 3600):
            raise TooManyRequests("reveal_rate_limited", retry_after=left)
