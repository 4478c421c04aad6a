"""好差评 and 整改: one rating per case and target by its applicant (in the app, through a walk-in's
public link, or at the window's rating device); a bad one opens a rectification that its keeper
closes with a recorded follow-up (回访) within 15 working days.

Targets: the handling authority, and — for a window intake — the window's own service. A rating of
an authority in another province travels there (`case.rated`, domain/rating_exchange.py) and opens
the rectification in that province; its follow-up comes back (`case.rectification_closed`). A
rating of the window, or of an authority of this province, opens the rectification here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.case import Case, FollowUp, RatingChannel, RatingTarget
from chalicelib.domain.case_acts import By, notice_for, rate, record
from chalicelib.domain.case_exchange import HANDLER, ORIGIN
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.rating_exchange import (
    CLOSED,
    RECTIFICATION_DAYS,
    closed_payload,
    note_of,
    open_note,
    rated_payload,
    rectification_due,
    rectification_record,
    with_note,
)
from chalicelib.domain.record_commands import CloseRectification, Rate
from chalicelib.services.case_book import Extra, Page, RectificationRecord
from chalicelib.services.case_queries import CaseQueries
from chalicelib.services.cases import CaseService, by_for, by_of

__all__ = ["RECTIFICATION_DAYS", "RatingService", "opened_rectifications"]


class RatingService:
    def __init__(self, cases: CaseService, queries: CaseQueries) -> None:
        self._cases = cases
        self._queries = queries

    def rate(self, principal: Principal, number: str, command: Rate) -> Any:
        """The applicant's rating in the app."""
        case = self._cases.owned(principal, number)
        return self.rate_case(case, by_for(principal, case), command, RatingChannel.APP)

    def rate_at_window(self, principal: Principal, number: str, command: Rate) -> Case:
        """The rating a walk-in applicant gives on the window's rating device (评价器), recorded by
        the window that took the case in, for the applicant (代办)."""
        case = self._cases.windowed(principal, number)
        return self.rate_case(case, by_of(principal), command, RatingChannel.WINDOW)

    def rate_case(self, case: Case, by: By, command: Rate, channel: RatingChannel) -> Case:
        now = self._cases.now()
        level, target, tags = command.level, command.target, list(command.tags)
        outcome = rate(case, by, now, level, tags, command.comment, target=target, channel=channel)
        rating = outcome.case.window_rating if target is RatingTarget.WINDOW else outcome.case.rating
        assert rating is not None
        # the authority of another province keeps its own rectification: the rating travels there
        remote = (
            target is RatingTarget.AUTHORITY and case.exchange is not None and case.exchange.role == ORIGIN
        )
        messages = (
            self._cases.tell_partner(case, outcome, MessageType.RATED, rated_payload(rating))
            if remote
            else []
        )
        extra: list[Extra] = []
        if level.is_bad:
            due = rectification_due(self._cases.book.calendar(), now)
            note = open_note(case, target, level, now, due)
            outcome.case.rectifications = with_note(outcome.case.rectifications, note)
            outcome.event["details"]["rectification_due"] = due.isoformat()
            if not remote:
                record_ = rectification_record(outcome.case, note)
                extra.append(RectificationRecord(record_, new=True))
        return self._cases.save_with_messages(case, [outcome], messages, extra)

    def follow_up(self, principal: Principal, number: str, command: CloseRectification) -> dict[str, Any]:
        """回访 closes the authority's rectification; recorded on the case's timeline too. A case
        handled here for another province sends the follow-up home to its applicant."""
        return self._close(self._cases.handled(principal, number), principal, command, RatingTarget.AUTHORITY)

    def follow_up_at_window(
        self, principal: Principal, number: str, command: CloseRectification
    ) -> dict[str, Any]:
        """回访 of a bad rating of the window's own service, by that window."""
        return self._close(self._cases.windowed(principal, number), principal, command, RatingTarget.WINDOW)

    def _close(
        self, case: Case, principal: Principal, command: CloseRectification, target: RatingTarget
    ) -> dict[str, Any]:
        rectification = self._queries.rectification(case.number)
        note = note_of(case, target)
        keeper = (
            case.intake.window if target is RatingTarget.WINDOW and case.intake else case.handler.authority
        )
        if rectification is None or rectification["authority"] != keeper:
            raise NotFound("rectification_not_found")
        if rectification["status"] != "open":
            raise Conflict("rectification_closed")
        now = self._cases.now()
        rectification = {
            **rectification,
            "status": CLOSED,
            "follow_up": {
                "actions": command.actions,
                "applicant_feedback": command.applicant_feedback,
                "by": principal.subject,
                "at": now.isoformat(timespec="seconds"),
            },
        }
        follow_up = FollowUp(actions=command.actions, applicant_feedback=command.applicant_feedback, at=now)
        outcome = record(case, "rectification_closed", by_of(principal), now, {"actions": command.actions})
        if note is not None:
            closed = note.model_copy(update={"status": CLOSED, "follow_up": follow_up})
            outcome.case.rectifications = with_note(outcome.case.rectifications, closed)
        messages = []
        if case.exchange is not None and case.exchange.role == HANDLER and target is RatingTarget.AUTHORITY:
            payload = closed_payload(rectification, follow_up)
            messages = self._cases.tell_partner(case, outcome, MessageType.RECTIFICATION_CLOSED, payload)
        else:
            outcome.notice = notice_for(outcome.case, outcome.event)  # the applicant hears of it here
        side: list[Extra] = [RectificationRecord(rectification, new=False)]
        self._cases.save_with_messages(case, [outcome], messages, side)
        return rectification

    def rectifications(
        self, principal: Principal, status: str, limit: int, start: dict[str, Any] | None
    ) -> Page:
        authority = principal.authority if principal.role is Role.AUTHORITY_CLERK else None
        return self._queries.rectifications(principal.province or "", status, authority, limit, start)


def opened_rectifications(before: Case | None, after: Case) -> list[Extra]:
    """The side records of rectifications a received message opened on `after` (a `case.rated` at
    the handling province), written in the same transaction as the message's application."""
    known = {n.target for n in before.rectifications} if before is not None else set()
    return [
        RectificationRecord(rectification_record(after, note), new=True)
        for note in after.rectifications
        if note.target not in known and note.status != CLOSED
    ]
