"""好差评 across provinces as pure rules: where `case.rated` and `case.rectification_closed` apply,
what a bad rating opens (15 working days), and that a repeated message only notes itself."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.domain.case import (
    Case,
    CaseExchange,
    FollowUp,
    Rating,
    RatingChannel,
    RatingLevel,
    RatingTarget,
)
from chalicelib.domain.case_exchange import OutOfSync, valid_states
from chalicelib.domain.case_states import RATEABLE, CaseState
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.messages import CaseRated, CaseRectificationClosed
from chalicelib.domain.rating_exchange import (
    closed_payload,
    rated_payload,
    receive_closure,
    receive_rating,
)
from tests.factories import case_model, working_calendar_2025_2026

AT = datetime(2025, 3, 3, 10, 0, tzinfo=BEIJING)
BAD = Rating(level=RatingLevel.DISSATISFIED, tags=["办理慢"], rated_at=AT, channel=RatingChannel.LINK)


def rated(rating: Rating) -> CaseRated:
    """`case.rated` as the applicant's side sends it, parsed as the receiver does."""
    return CaseRated.model_validate(rated_payload(rating))


def handled(state: CaseState) -> Case:
    case: Case = case_model(state=state, exchange=CaseExchange(role="handler", partner="450000"))
    return case


def test_both_messages_apply_where_a_rating_is_possible_and_change_no_state() -> None:
    assert valid_states(MessageType.RATED) == ("handler", [s for s in CaseState if s in RATEABLE])
    assert valid_states(MessageType.RECTIFICATION_CLOSED) == (
        "origin",
        [s for s in CaseState if s in RATEABLE],
    )


def test_a_bad_rating_opens_the_rectification_due_in_15_working_days() -> None:
    case = handled(CaseState.DELIVERED)
    outcome = receive_rating(case, rated(BAD), "450000", AT, working_calendar_2025_2026())
    assert outcome.case.state is CaseState.DELIVERED and outcome.event["act"] == "partner_rated"
    assert outcome.case.rating is not None and outcome.case.rating.channel is RatingChannel.LINK
    [note] = outcome.case.rectifications
    assert (note.target, note.status, note.authority, note.due) == (
        RatingTarget.AUTHORITY,
        "open",
        "A-430000-01",
        date(2025, 3, 24),
    )
    again = receive_rating(outcome.case, rated(BAD), "450000", AT, working_calendar_2025_2026())
    assert (
        again.event["details"]["noted"] is True and again.case.rectifications == outcome.case.rectifications
    )


def test_a_good_rating_opens_nothing_and_an_undecided_case_is_out_of_sync() -> None:
    good = BAD.model_copy(update={"level": RatingLevel.SATISFIED})
    outcome = receive_rating(
        handled(CaseState.APPROVED), rated(good), "450000", AT, working_calendar_2025_2026()
    )
    assert outcome.case.rectifications == []
    with pytest.raises(OutOfSync):
        receive_rating(
            handled(CaseState.UNDER_REVIEW), rated(good), "450000", AT, working_calendar_2025_2026()
        )


def test_the_follow_up_closes_the_note_at_home_and_tells_the_applicant_once() -> None:
    home = case_model(state=CaseState.DELIVERED, exchange=CaseExchange(role="origin", partner="450000"))
    record_ = {"rating": "dissatisfied", "opened_at": "2025-03-03T10:00:00+08:00", "due": "2025-03-24"}
    payload = CaseRectificationClosed.model_validate(
        closed_payload(record_, FollowUp(actions="已整改", applicant_feedback="满意", at=AT))
    )
    outcome = receive_closure(home, payload, "450000", AT)
    [note] = outcome.case.rectifications
    assert (note.status, note.due, note.follow_up and note.follow_up.actions) == (
        "closed",
        date(2025, 3, 24),
        "已整改",
    )
    assert outcome.notice is not None and outcome.notice["act"] == "rectification_closed"
    again = receive_closure(outcome.case, payload, "450000", AT)
    assert again.notice is None and again.event["details"]["noted"] is True
