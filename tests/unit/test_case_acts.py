"""The acts on a case, without AWS: state changes, their rules, the clock, ratings and the events."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Any

import pytest

from chalicelib.domain.case import (
    Case,
    CaseClock,
    FileStatus,
    MaterialFile,
    RatingLevel,
)
from chalicelib.domain.case_acts import By, Context, Outcome, deadline_of, perform, rate, record
from chalicelib.domain.case_states import Act, Actor, CaseState
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.working_days import WorkingCalendar, compute_deadline
from infra.local.seed_licences import dev_applicants
from tests.factories import case_model, command_of, pdf_slot, working_calendar_2025_2026

PERSON = next(a for a in dev_applicants() if a["subject"] == "dev-applicant-1")
APPLICANT = By(actor=Actor.APPLICANT, role="applicant", subject="dev-applicant-1")
CLERK = By(
    actor=Actor.CLERK,
    role="authority_clerk",
    subject="dev-authority-clerk-1",
    province="430000",
    authority="A-430000-01",
)
MONDAY = datetime(2025, 3, 3, 9, 30, tzinfo=BEIJING)  # no holiday in March 2025


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=BEIJING)


@cache
def calendar() -> WorkingCalendar:
    return working_calendar_2025_2026()  # type: ignore[no-any-return]


def make_case(
    *,
    immediate: bool = False,
    allows_deferred_acceptance: bool = False,
    allows_commitment: bool = False,
    statutory_days: int = 20,
    promised_days: int = 10,
    state: CaseState = CaseState.DRAFT,
) -> Case:
    """A case of an item with two required slots (both given, verified) and an optional one."""
    created = datetime(2025, 2, 27, 8, 0, tzinfo=BEIJING)
    slots = [
        pdf_slot("id_card", "居民身份证", elicence_type="居民身份证"),
        pdf_slot("application_form", "申请书"),
        pdf_slot("test_report", "检验报告", required=False),
    ]
    files = [
        MaterialFile(
            file_id=f"F00000000000{n}",
            slot=slot,
            filename="材料.pdf",
            content_type="application/pdf",
            size=2048,
            sha256="a" * 64,
            key=f"cases/x/{slot}/F00000000000{n}",
            status=FileStatus.VERIFIED,
            trust_level="C",
            created_at=created,
            checked_at=created,
        )
        for n, slot in enumerate(("id_card", "application_form"), start=1)
    ]
    case: Case = case_model(
        immediate=immediate,
        allows_deferred_acceptance=allows_deferred_acceptance,
        allows_commitment=allows_commitment,
        slots=slots,
        files=files,
        state=state,
        created_at=created,
        clock=CaseClock(statutory_days=statutory_days, promised_days=promised_days),
        seq=3,
        version=3,
    )
    return case


def act(case: Case, what: Act, when: datetime, by: By | None = None, **params: Any) -> Outcome:
    who = (
        by
        if by is not None
        else (APPLICANT if what in (Act.SUBMIT, Act.ANSWER_SUPPLEMENT, Act.WITHDRAW) else CLERK)
    )
    return perform(case, command_of(what, **params), who, Context(at=when, calendar=calendar()))


def step(case: Case, what: Act, when: datetime, **params: Any) -> Case:
    return act(case, what, when, **params).case


def submitted() -> Case:
    return step(make_case(), Act.SUBMIT, at(1, hour=9))


def accepted(on: datetime = MONDAY, **flags: Any) -> Case:
    case = step(make_case(**flags), Act.SUBMIT, at(28, month=2))
    return step(case, Act.ACCEPT, on)


def approved(**flags: Any) -> Case:
    return step(accepted(**flags), Act.DECIDE, at(5), approved=True)


FORM_ITEM = {"field": "form.enterprise_name", "reason": "企业名称与营业执照不一致"}


# — pre-review, refusal, withdrawal —


def test_a_returned_case_resubmitted_is_submitted_again_without_the_return_reasons() -> None:
    reasons = ["申请书未签字", "产品名称不规范"]
    returned = act(submitted(), Act.RETURN_PRE_REVIEW, at(3), reasons=reasons)
    assert returned.case.state is CaseState.PRE_REVIEW_RETURNED
    assert returned.case.return_reasons == reasons
    assert returned.event["details"]["reasons"] == reasons
    assert returned.notice is not None and returned.notice["state"] == "pre_review_returned"

    again = act(returned.case, Act.SUBMIT, at(4))
    assert again.case.state is CaseState.SUBMITTED
    assert again.case.return_reasons == []
    assert again.case.submitted_at == at(4)
    assert step(again.case, Act.PASS_PRE_REVIEW, at(5)).state is CaseState.PRE_REVIEW_PASSED


def test_a_refusal_records_reason_and_legal_basis_and_the_clerk_may_close_it() -> None:
    outcome = act(
        submitted(),
        Act.REFUSE,
        at(3),
        reason="申请事项不属于本机关职权范围",
        legal_basis="《中华人民共和国行政许可法》第三十二条",
    )
    case = outcome.case
    assert case.state is CaseState.NOT_ACCEPTED
    assert case.refusal is not None
    assert case.refusal.reason == "申请事项不属于本机关职权范围"
    assert case.refusal.legal_basis == "《中华人民共和国行政许可法》第三十二条"
    assert outcome.event["details"]["legal_basis"] == "《中华人民共和国行政许可法》第三十二条"
    assert case.clock.started_on is None  # a refused case never started the clock

    closed = step(case, Act.CLOSE, at(4))
    assert closed.state is CaseState.CLOSED
    assert closed.closed_at == at(4)


def test_withdrawing_before_a_decision_closes_the_open_pause() -> None:
    waiting = step(accepted(), Act.REQUEST_SUPPLEMENT, at(5), items=[FORM_ITEM])
    assert [p.end for p in waiting.clock.pauses] == [None]

    withdrawn = act(waiting, Act.WITHDRAW, at(7), reason="不再需要办理")
    assert withdrawn.case.state is CaseState.WITHDRAWN
    assert withdrawn.case.withdrawal_reason == "不再需要办理"
    assert [(p.start, p.end) for p in withdrawn.case.clock.pauses] == [(date(2025, 3, 5), date(2025, 3, 7))]
    assert step(withdrawn.case, Act.CLOSE, at(10)).state is CaseState.CLOSED


def test_withdrawing_after_approval_is_an_illegal_transition() -> None:
    case = approved()
    with pytest.raises(Conflict) as refused:
        act(case, Act.WITHDRAW, at(6), reason="不想要了")
    assert refused.value.code == "illegal_transition"
    assert refused.value.params["state"] == "approved"
    assert "withdraw" not in refused.value.params["allowed_acts"]


@pytest.mark.parametrize(
    ("case_of", "what", "by"),
    [
        (make_case, Act.SUBMIT, CLERK),
        (submitted, Act.WITHDRAW, CLERK),
        (submitted, Act.ACCEPT, APPLICANT),
        (submitted, Act.REFUSE, APPLICANT),
        (approved, Act.ISSUE_RESULT, APPLICANT),
    ],
)
def test_an_act_by_the_wrong_party_is_not_theirs(case_of: Any, what: Act, by: By) -> None:
    case = case_of()
    with pytest.raises(Conflict) as refused:
        act(case, what, at(10), by=by, reason="x", legal_basis="y", delivery="window_pickup", title="z")
    assert refused.value.code == "act_not_yours"
    assert refused.value.params == {"act": what.value, "state": case.state.value}


# — decisions —


def test_a_denial_needs_reasons_and_its_decision_can_still_be_issued() -> None:
    case = accepted()
    with pytest.raises(InvalidInput) as bare:
        act(case, Act.DECIDE, at(5), approved=False)
    assert bare.value.errors == [{"field": "reasons", "code": "missing"}]

    denied = act(case, Act.DECIDE, at(5), approved=False, reasons=["生产条件不符合要求"])
    assert denied.case.state is CaseState.DENIED
    assert denied.event["to"] == "denied"
    assert denied.case.decision is not None and denied.case.decision.approved is False
    assert denied.case.decision.reasons == ["生产条件不符合要求"]

    issued = step(denied.case, Act.ISSUE_RESULT, at(6), delivery="window_pickup", title="不予许可决定书")
    assert issued.state is CaseState.RESULT_ISSUED
    assert issued.result is not None and issued.result.title == "不予许可决定书"


def test_an_approval_on_commitment_sets_the_verification_due_30_working_days_later() -> None:
    case = accepted(allows_commitment=True)
    decided_on = datetime(2025, 3, 17, 15, 0, tzinfo=BEIJING)
    outcome = act(case, Act.DECIDE, decided_on, approved=True, on_commitment=True)
    decision = outcome.case.decision
    assert outcome.case.state is CaseState.APPROVED
    assert decision is not None and decision.on_commitment is True
    assert decision.verification_due == date(2025, 4, 28)  # 清明 (4 April) is no working day
    assert calendar().count_working_days(date(2025, 3, 17), date(2025, 4, 28)) == 30
    assert outcome.event["details"]["verification_due"] == "2025-04-28"


def test_an_approval_on_commitment_is_refused_for_an_item_that_does_not_allow_it() -> None:
    case = accepted(allows_commitment=False)
    with pytest.raises(Conflict) as refused:
        act(case, Act.DECIDE, at(17), approved=True, on_commitment=True)
    assert refused.value.code == "commitment_not_allowed"


# — the result —


def test_a_result_by_mail_needs_carrier_and_tracking_then_the_clerk_records_delivery() -> None:
    case = approved()
    with pytest.raises(InvalidInput) as bare:
        act(case, Act.ISSUE_RESULT, at(6), delivery="mail", title="工业产品生产许可证")
    assert bare.value.errors == [
        {"field": "carrier", "code": "missing"},
        {"field": "tracking_number", "code": "missing"},
    ]
    with pytest.raises(InvalidInput) as half:
        act(case, Act.ISSUE_RESULT, at(6), delivery="mail", title="工业产品生产许可证", carrier="中国邮政EMS")
    assert half.value.errors == [{"field": "tracking_number", "code": "missing"}]

    issued = act(
        case,
        Act.ISSUE_RESULT,
        at(6),
        delivery="mail",
        title="工业产品生产许可证",
        carrier="中国邮政EMS",
        tracking_number="1100000000001",
    )
    result = issued.case.result
    assert issued.case.state is CaseState.RESULT_ISSUED
    assert result is not None and result.delivery is Delivery.MAIL
    assert (result.carrier, result.tracking_number, result.delivered_at) == (
        "中国邮政EMS",
        "1100000000001",
        None,
    )

    delivered = act(issued.case, Act.DELIVER, at(10), by=CLERK, how="mail_signed")
    assert delivered.case.state is CaseState.DELIVERED
    assert delivered.case.result is not None and delivered.case.result.delivered_at == at(10)
    assert delivered.event["details"] == {"how": "mail_signed"}


# — the clock —


def test_acceptance_on_a_monday_is_due_ten_working_days_later() -> None:
    case = accepted(on=MONDAY)
    assert case.clock.started_on == date(2025, 3, 3)
    assert case.clock.promised_due == date(2025, 3, 17)
    assert case.clock.statutory_due == date(2025, 3, 31)


def test_a_supplement_after_acceptance_moves_the_due_date_by_its_working_days() -> None:
    waiting = step(accepted(), Act.REQUEST_SUPPLEMENT, at(5), items=[FORM_ITEM])  # Wednesday
    assert waiting.supplement is not None and waiting.supplement.before_acceptance is False
    deadline = deadline_of(waiting.clock)
    assert deadline is not None and deadline.paused and deadline.due is None
    assert deadline.used_working_days == 2  # Tuesday and Wednesday

    answered = step(waiting, Act.ANSWER_SUPPLEMENT, at(10), note="已更正")  # Monday: Thu, Fri, Mon paused
    assert answered.state is CaseState.SUPPLEMENTED
    assert answered.clock.promised_due == date(2025, 3, 20)  # 17 March + 3 working days
    assert calendar().count_working_days(date(2025, 3, 17), answered.clock.promised_due) == 3
    resumed = deadline_of(answered.clock)
    assert resumed is not None and resumed.due == date(2025, 3, 20) and not resumed.paused


def test_a_suspension_moves_the_due_date_by_its_working_days_and_has_no_due_date_while_open() -> None:
    reviewing = step(accepted(), Act.START_REVIEW, at(4))
    suspended = act(reviewing, Act.SUSPEND, at(6), procedure="site_inspection", reason="现场核查生产条件")
    assert suspended.case.state is CaseState.SUSPENDED
    open_deadline = deadline_of(suspended.case.clock)
    assert open_deadline is not None and open_deadline.due is None and open_deadline.paused
    pauses = [(p.start, p.end) for p in suspended.case.clock.pauses]
    direct = compute_deadline(calendar(), date(2025, 3, 3), 10, [])
    assert direct.due == date(2025, 3, 17)

    resumed = step(suspended.case, Act.RESUME, at(11), note="核查合格")  # Fri, Mon, Tue: 3 days
    assert pauses == [(date(2025, 3, 6), None)]
    assert resumed.state is CaseState.UNDER_REVIEW
    assert resumed.suspension is None
    assert resumed.clock.promised_due == date(2025, 3, 20)
    assert resumed.clock.statutory_due == date(2025, 4, 3)  # 31 March + 3 working days


# — 即办件 —


def test_an_immediate_item_is_accepted_and_approved_in_one_act_due_the_same_day() -> None:
    case = step(make_case(immediate=True, statutory_days=1, promised_days=0), Act.SUBMIT, at(3, hour=9))
    outcome = act(case, Act.ACCEPT_AND_DECIDE, at(3, hour=11), approved=True)
    done = outcome.case
    assert done.state is CaseState.APPROVED
    assert (outcome.event["from"], outcome.event["to"]) == ("submitted", "approved")
    assert done.accepted_at == done.decided_at == at(3, hour=11)
    assert done.clock.started_on == done.clock.promised_due == date(2025, 3, 3)
    assert done.decision is not None and done.decision.approved


def test_accept_and_decide_is_refused_for_an_item_that_is_not_immediate() -> None:
    with pytest.raises(Conflict) as refused:
        act(submitted(), Act.ACCEPT_AND_DECIDE, at(3), approved=True)
    assert refused.value.code == "not_an_immediate_item"


# — 好差评 —


def test_a_rating_waits_for_a_decision_and_is_given_once_by_the_applicant() -> None:
    with pytest.raises(Conflict) as early:
        rate(accepted(), APPLICANT, at(5), RatingLevel.SATISFIED, [], None)
    assert early.value.code == "not_yet_rateable"

    case = approved()
    with pytest.raises(Conflict) as clerk:
        rate(case, CLERK, at(6), RatingLevel.VERY_SATISFIED, [], None)
    assert clerk.value.code == "act_not_yours"

    rated = rate(case, APPLICANT, at(6), RatingLevel.DISSATISFIED, ["等待时间长"], "太慢")
    assert rated.case.rating is not None and rated.case.rating.level is RatingLevel.DISSATISFIED
    assert rated.case.state is CaseState.APPROVED
    assert rated.event["act"] == "rate" and rated.event["details"]["tags"] == ["等待时间长"]
    with pytest.raises(Conflict) as again:
        rate(rated.case, APPLICANT, at(7), RatingLevel.SATISFIED, [], None)
    assert again.value.code == "already_rated"


# — the events —


def test_every_event_is_numbered_and_names_the_act_the_actor_and_the_states_without_personal_data() -> None:
    case = make_case()
    steps: list[tuple[Act, datetime, dict[str, Any]]] = [
        (Act.SUBMIT, at(1, hour=9), {}),
        (Act.ACCEPT, MONDAY, {}),
        (Act.REQUEST_SUPPLEMENT, at(4), {"items": [FORM_ITEM]}),
        (Act.ANSWER_SUPPLEMENT, at(5), {"note": "已补正"}),
        (Act.START_REVIEW, at(6), {}),
        (Act.DECIDE, at(7), {"approved": True}),
        (Act.ISSUE_RESULT, at(10), {"delivery": "window_pickup", "title": "许可证"}),
        (Act.DELIVER, at(11), {"how": "window_pickup"}),
        (Act.CLOSE, at(12), {}),
    ]
    for what, when, params in steps:
        outcome = act(case, what, when, **params)
        event = outcome.event
        assert event["seq"] == case.seq + 1
        assert event["act"] == what.value
        assert (event["from"], event["to"]) == (case.state.value, outcome.case.state.value)
        who = APPLICANT if what in (Act.SUBMIT, Act.ANSWER_SUPPLEMENT) else CLERK
        assert event["by"] == who.record()
        assert "actor" not in event["by"]
        text = json.dumps(event, ensure_ascii=False)
        for secret in (PERSON["id_number"], PERSON["name"], PERSON["phone"]):
            assert secret not in text
        if outcome.notice is not None:
            notice = json.dumps(outcome.notice, ensure_ascii=False)
            assert PERSON["id_number"] not in notice and PERSON["name"] not in notice
        case = outcome.case.model_copy(update={"seq": event["seq"]})  # as the case book does
    assert case.state is CaseState.CLOSED

    noted = record(case, "deadline_warning", CLERK, at(13), {"days_left": 1})
    assert noted.event["seq"] == case.seq + 1
    assert noted.event["from"] == noted.event["to"] == "closed"


def test_perform_leaves_the_given_case_untouched() -> None:
    case = submitted()
    before = case.model_dump()
    step(case, Act.ACCEPT, MONDAY)
    assert case.model_dump() == before
