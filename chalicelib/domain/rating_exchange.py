"""好差评 across provinces, and the rectification (整改) a bad rating opens.

A rating of the handling authority given at the applicant's side — the app at home, a walk-in
applicant's public link (case number + 查询码), the window's rating device — reaches the province
that handled the case as `case.rated`. A bad one (不满意, 非常不满意) opens the rectification there,
due 15 working days after the rating; the authority's follow-up (回访) comes back to the
applicant's home gateway as `case.rectification_closed` and shows to the applicant.

Invariants:
- The handling province's rectification record is the source of truth. The home copy's note is
  opened with the due date the same national working-day calendar gives from the rating's own
  time, and closed by the follow-up message, which carries the handling side's record.
- A message that finds the case outside `RATING_TABLE` is out of sync (retried until it applies),
  never dropped; one that finds the rating already there, or the rectification closed, is noted.
- No personal data travels: a rating is a level, tags, a comment and times; a follow-up what was
  done and what the applicant said in the 回访.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.domain.case import (
    Case,
    FollowUp,
    Rating,
    RatingChannel,
    RatingLevel,
    RatingTarget,
    RectificationNote,
)
from chalicelib.domain.case_acts import Outcome, notice_for, record
from chalicelib.domain.case_exchange import RATING_TABLE, OutOfSync, partner_by
from chalicelib.domain.clock import beijing_date, rfc3339
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.messages import CaseRated, CaseRectificationClosed
from chalicelib.domain.working_days import WorkingCalendar

RECTIFICATION_DAYS = 15  # 整改 of a bad rating: due this many working days after the rating
OPEN, CLOSED = "open", "closed"


def rectification_due(calendar: WorkingCalendar, rated_at: datetime) -> date:
    return calendar.add_working_days(beijing_date(rated_at), RECTIFICATION_DAYS)


def open_note(
    case: Case, target: RatingTarget, level: RatingLevel, opened_at: datetime, due: date
) -> RectificationNote:
    """The rectification of a bad rating of `target`: the window's own, or the handling authority's."""
    if target is RatingTarget.WINDOW and case.intake is not None:
        province, keeper = case.intake.province, case.intake.window
    else:
        province, keeper = case.handler.province, case.handler.authority
    return RectificationNote(
        target=target,
        province=province,
        authority=keeper,
        rating=level,
        status=OPEN,
        opened_at=opened_at,
        due=due,
    )


def note_of(case: Case, target: RatingTarget) -> RectificationNote | None:
    return next((n for n in case.rectifications if n.target is target), None)


def with_note(notes: list[RectificationNote], note: RectificationNote) -> list[RectificationNote]:
    """The case's notes with `note` in place of the one of its target (one per target)."""
    return [*(n for n in notes if n.target is not note.target), note]


def rectification_record(case: Case, note: RectificationNote) -> dict[str, Any]:
    """The rectification side record (整改台账) of the province that keeps it."""
    return {
        "case": case.number,
        "item_name": case.item_name,
        "province": note.province,
        "authority": note.authority,
        "rating": note.rating.value,
        "status": note.status,
        "opened_at": rfc3339(note.opened_at),
        "due": note.due.isoformat(),
        "follow_up": None,
    }


def rated_payload(rating: Rating) -> dict[str, Any]:
    """`case.rated`: the rating of the handling authority, as given (no personal data)."""
    return {
        "target": RatingTarget.AUTHORITY.value,
        "level": rating.level.value,
        "tags": list(rating.tags),
        "comment": rating.comment,
        "rated_at": rfc3339(rating.rated_at),
        "channel": (rating.channel or RatingChannel.APP).value,
    }


def closed_payload(record_: dict[str, Any], follow_up: FollowUp) -> dict[str, Any]:
    """`case.rectification_closed`: the handling side's rectification record and its 回访."""
    return {
        "target": RatingTarget.AUTHORITY.value,
        "rating": record_["rating"],
        "opened_at": record_["opened_at"],
        "due": record_["due"],
        "follow_up": {
            "actions": follow_up.actions,
            "applicant_feedback": follow_up.applicant_feedback,
            "at": rfc3339(follow_up.at),
        },
    }


def _check(case: Case, kind: MessageType) -> None:
    _, states = RATING_TABLE[kind]
    if case.state not in states:
        raise OutOfSync(kind, case.state)


def receive_rating(
    case: Case, payload: CaseRated, sender: str, at: datetime, calendar: WorkingCalendar
) -> Outcome:
    """At the handling province: the rating shows on its copy; a bad one opens the rectification."""
    _check(case, MessageType.RATED)
    level = RatingLevel(payload.level)
    details: dict[str, Any] = {"level": level.value, "channel": payload.channel}
    if case.rating is not None:
        return record(case, "partner_rated", partner_by(sender), at, {**details, "noted": True})
    outcome = record(case, "partner_rated", partner_by(sender), at, details)
    outcome.case.rating = Rating(
        level=level,
        tags=list(payload.tags),
        comment=payload.comment,
        rated_at=payload.rated_at,
        target=RatingTarget.AUTHORITY,
        channel=RatingChannel(payload.channel),
    )
    if level.is_bad:
        due = rectification_due(calendar, payload.rated_at)
        note = open_note(case, RatingTarget.AUTHORITY, level, at, due)
        outcome.case.rectifications = with_note(outcome.case.rectifications, note)
        outcome.event["details"]["rectification_due"] = due.isoformat()
    return outcome


def receive_closure(case: Case, payload: CaseRectificationClosed, sender: str, at: datetime) -> Outcome:
    """At the applicant's home: the handling authority's follow-up closes the note, and the
    applicant hears of it (in the app, or by SMS at a walk-in's phone)."""
    _check(case, MessageType.RECTIFICATION_CLOSED)
    known = note_of(case, RatingTarget.AUTHORITY)
    follow_up = payload.follow_up
    details = {"actions": follow_up.actions}
    if known is not None and known.status == CLOSED:
        return record(
            case, "partner_rectification_closed", partner_by(sender), at, {**details, "noted": True}
        )
    outcome = record(case, "partner_rectification_closed", partner_by(sender), at, details)
    note = RectificationNote(
        target=RatingTarget.AUTHORITY,
        province=sender,
        authority=case.handler.authority,
        rating=RatingLevel(payload.rating),
        status=CLOSED,
        opened_at=payload.opened_at,
        due=payload.due,
        follow_up=FollowUp(
            actions=follow_up.actions, applicant_feedback=follow_up.applicant_feedback, at=follow_up.at
        ),
    )
    outcome.case.rectifications = with_note(outcome.case.rectifications, note)
    outcome.notice = notice_for(outcome.case, {**outcome.event, "act": "rectification_closed"})
    return outcome
