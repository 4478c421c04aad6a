"""The case rules as the texts read: 一次性告知, 受理 once, the acts offered to each seat, the
clock across pauses, delivery from the item, discarded drafts, superseded files, English texts."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from chalicelib.domain.case import Case, Consent, FileStatus, IdentityCheck, Intake, MaterialFile, RatingLevel
from chalicelib.domain.case_acts import (
    describe_event,
    notice_for,
    offered_acts,
    rate,
    refresh_clock,
    render_notice,
)
from chalicelib.domain.case_states import ACT_LABELS, PLAIN_EN, Act, CaseState, act_label
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.identity import Role
from chalicelib.domain.working_days import WorkingCalendar, working_days_used
from tests.unit.test_case_acts import (
    APPLICANT,
    CLERK,
    accepted,
    act,
    approved,
    at,
    calendar,
    make_case,
    step,
    submitted,
)

CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
ID_ITEM = {"material": "id_card", "reason": "身份证照片模糊"}
FORM_ITEM = {"field": "form.enterprise_name", "reason": "企业名称与营业执照不一致"}


def given(case: Case, slot: str, when: datetime, status: FileStatus = FileStatus.VERIFIED) -> Case:
    """`case` with one more file in `slot`, uploaded and checked at `when`."""
    changed = case.model_copy(deep=True)
    n = len(changed.files) + 1
    changed.files.append(
        MaterialFile(
            file_id=f"FNEW{n:09d}",
            slot=slot,
            filename="补正.pdf",
            content_type="application/pdf",
            size=2048,
            sha256="b" * 64,
            key=f"cases/x/{slot}/FNEW{n:09d}",
            status=status,
            reason="sha256_mismatch" if status is FileStatus.REJECTED else None,
            trust_level="C",
            created_at=when,
            checked_at=when,
        )
    )
    return changed


def answered(case: Case, slot: str, day: int) -> Case:
    return step(given(case, slot, at(day, hour=9)), Act.ANSWER_SUPPLEMENT, at(day, hour=11))


# — 一次性告知 —


def test_a_further_supplement_may_name_only_what_the_answer_got_wrong() -> None:
    first = act(submitted(), Act.REQUEST_SUPPLEMENT, at(2), items=[ID_ITEM])
    assert first.case.supplement_rounds == 1
    assert first.case.supplement is not None and first.case.supplement.round == 1
    assert first.event["details"]["round"] == 1

    back = answered(first.case, "id_card", 3)
    second = act(back, Act.REQUEST_SUPPLEMENT, at(4), items=[{"material": "id_card", "reason": "仍不清晰"}])
    assert second.case.supplement_rounds == 2
    assert second.case.supplement is not None and second.case.supplement.round == 2

    again = answered(second.case, "id_card", 5)
    for items in (
        [{"material": "application_form", "reason": "申请书未签字"}],  # should have been told at once
        [FORM_ITEM],
        [{"reason": "其他问题"}],
    ):
        with pytest.raises(InvalidInput) as refused:
            act(again, Act.REQUEST_SUPPLEMENT, at(6), items=items)
        assert refused.value.code == "supplement_not_one_time"
        assert refused.value.errors == [{"field": "items.0", "code": "not_in_previous_answer"}]
    assert again.supplement_rounds == 2  # a refused request changes nothing


def test_a_material_or_field_the_answer_introduced_may_be_named_again() -> None:
    first = step(submitted(), Act.REQUEST_SUPPLEMENT, at(2), items=[ID_ITEM])
    with_report = given(given(first, "id_card", at(3, hour=8)), "test_report", at(3, hour=9))
    with_report.supplement.changed_fields = ["enterprise_name"]  # type: ignore[union-attr]
    back = step(with_report, Act.ANSWER_SUPPLEMENT, at(3, hour=11))
    assert back.supplement is not None
    assert back.supplement.answered_materials == ["id_card", "test_report"]
    second = step(
        back,
        Act.REQUEST_SUPPLEMENT,
        at(4),
        items=[{"material": "test_report", "reason": "检验报告已过期"}, FORM_ITEM],
    )
    assert second.supplement_rounds == 2


# — 受理 once —


def test_a_supplement_answered_after_acceptance_goes_back_to_review_not_to_acceptance() -> None:
    case = step(accepted(), Act.REQUEST_SUPPLEMENT, at(4), items=[ID_ITEM])
    back = answered(case, "id_card", 6)
    assert back.state is CaseState.SUPPLEMENTED
    offered = offered_acts(back, Role.AUTHORITY_CLERK)
    assert "accept" not in offered and "refuse" not in offered and "accept_and_decide" not in offered
    assert "start_review" in offered
    for again in (Act.ACCEPT, Act.REFUSE):
        with pytest.raises(Conflict) as refused:
            act(back, again, at(7), reason="x", legal_basis="y")
        assert refused.value.code == "already_accepted"
    reviewed = step(back, Act.START_REVIEW, at(7))
    assert reviewed.accepted_at == accepted().accepted_at


def test_a_supplement_answered_before_acceptance_is_accepted_then() -> None:
    case = answered(step(submitted(), Act.REQUEST_SUPPLEMENT, at(2), items=[ID_ITEM]), "id_card", 3)
    offered = offered_acts(case, Role.AUTHORITY_CLERK)
    assert "accept" in offered and "start_review" not in offered
    assert step(case, Act.ACCEPT, at(4)).accepted_at == at(4)


# — the acts offered to each seat —


def test_accept_and_decide_is_offered_for_immediate_items_only() -> None:
    assert "accept_and_decide" not in offered_acts(submitted(), Role.AUTHORITY_CLERK)
    immediate = step(make_case(immediate=True, promised_days=0), Act.SUBMIT, at(1))
    assert "accept_and_decide" in offered_acts(immediate, Role.AUTHORITY_CLERK)


def test_the_applicant_is_offered_rating_once_the_authority_has_answered() -> None:
    case = approved()
    assert offered_acts(case, Role.APPLICANT) == ["rate"]
    rated = rate(case, APPLICANT, at(7), RatingLevel.SATISFIED, [], None).case
    assert offered_acts(rated, Role.APPLICANT) == []
    assert "rate" not in offered_acts(accepted(), Role.APPLICANT)
    assert offered_acts(make_case(), Role.APPLICANT) == ["submit", "discard"]


def _intake(case: Case, *, consent: bool) -> Case:
    changed = case.model_copy(deep=True)
    changed.intake = Intake(
        window="W-320000-01",
        province="320000",
        identity=IdentityCheck(method="id_card_reader", document="居民身份证", at=at(1), by="w"),
        consent=Consent(method="paper_scan", at=at(1)) if consent else None,
    )
    return changed


def test_the_window_is_offered_what_it_does_for_the_applicant() -> None:
    assert offered_acts(_intake(make_case(), consent=False), Role.WINDOW_CLERK) == ["discard"]
    assert offered_acts(_intake(make_case(), consent=True), Role.WINDOW_CLERK) == ["dispatch", "discard"]
    waiting = _intake(step(submitted(), Act.REQUEST_SUPPLEMENT, at(2), items=[ID_ITEM]), consent=True)
    assert offered_acts(waiting, Role.WINDOW_CLERK) == ["answer_supplement", "withdraw"]
    issued = step(
        _intake(approved(), consent=True), Act.ISSUE_RESULT, at(6), delivery="window_pickup", title="证"
    )
    assert offered_acts(issued, Role.WINDOW_CLERK) == ["handover"]
    assert offered_acts(issued, Role.OPERATOR) == [] and offered_acts(issued, None) == []


def test_the_joint_compensation_is_never_offered_to_a_clerk() -> None:
    assert "cancel" not in offered_acts(approved(), Role.AUTHORITY_CLERK)


# — the clock —


def test_no_working_day_is_used_on_the_day_of_acceptance() -> None:
    case = accepted()  # Monday 3 March 2025, 10 working days promised
    assert case.clock.used_days == 0
    assert case.clock.promised_due == date(2025, 3, 17)
    assert working_days_used(calendar(), date(2025, 3, 3), date(2025, 3, 4), 10) == 1
    assert working_days_used(calendar(), date(2025, 3, 3), date(2025, 3, 31), 10) == 10  # capped


def test_days_under_a_pause_are_not_used() -> None:
    case = step(accepted(), Act.REQUEST_SUPPLEMENT, at(5), items=[ID_ITEM])
    assert case.clock.used_days == 2  # Tue 4, Wed 5
    later = answered(case, "id_card", 10)  # Mon 10: resumes, the days up to it are paused
    assert later.clock.used_days == 2
    assert working_days_used(calendar(), date(2025, 3, 3), date(2025, 3, 12), 10, ()) == 7


def test_a_provisional_due_date_stays_provisional_while_the_clock_is_paused() -> None:
    late = accepted(on=datetime(2026, 12, 21, 10, 0, tzinfo=BEIJING))  # due in the unpublished 2027
    assert late.clock.provisional and late.clock.provisional_years == [2027]
    kept_due = late.clock.promised_due
    paused = step(
        late, Act.REQUEST_SUPPLEMENT, datetime(2026, 12, 22, 10, 0, tzinfo=BEIJING), items=[ID_ITEM]
    )
    assert paused.clock.promised_due == kept_due
    assert paused.clock.provisional and paused.clock.provisional_years == [2027]
    published = WorkingCalendar({**{y: calendar()._years[y] for y in (2025, 2026)}, 2027: _AllWeekdays()})
    refresh_clock(paused, published, date(2026, 12, 23))
    assert not paused.clock.provisional  # once 2027 is published the kept flag goes


class _AllWeekdays:
    def is_working_day(self, day: date, /) -> bool:
        return day.weekday() < 5


# — delivery from the item, discarded drafts, superseded files —


def test_a_result_is_delivered_only_in_a_way_the_item_offers() -> None:
    case = approved().model_copy(update={"result_delivery": [Delivery.ELECTRONIC]})
    with pytest.raises(InvalidInput) as refused:
        act(case, Act.ISSUE_RESULT, at(6), delivery="mail", title="证", carrier="EMS", tracking_number="1")
    assert refused.value.code == "delivery_not_offered"
    assert refused.value.errors == [{"field": "delivery", "code": "not_offered_by_item"}]
    licence = step(case, Act.ISSUE_RESULT, at(6), delivery="electronic", title="证", licence_type="证")
    assert licence.state is CaseState.RESULT_ISSUED


def test_a_draft_can_be_discarded_and_nothing_else_can() -> None:
    outcome = act(make_case(), Act.DISCARD, at(1), by=APPLICANT, reason="填错事项")
    assert outcome.case.state is CaseState.DISCARDED
    assert outcome.case.closed_at == at(1)
    assert outcome.event["act"] == "discard" and outcome.event["details"] == {"reason": "填错事项"}
    with pytest.raises(Conflict) as refused:
        act(submitted(), Act.DISCARD, at(2), by=APPLICANT)
    assert refused.value.code == "illegal_transition"
    with pytest.raises(Conflict):
        act(make_case(), Act.DISCARD, at(1), by=CLERK)


def test_files_answering_a_supplement_name_the_item_and_supersede_the_old_ones() -> None:
    case = step(submitted(), Act.REQUEST_SUPPLEMENT, at(2), items=[FORM_ITEM, ID_ITEM])
    case = given(case, "id_card", at(3, hour=8), FileStatus.REJECTED)
    case = given(case, "id_card", at(3, hour=9))
    back = step(case, Act.ANSWER_SUPPLEMENT, at(3, hour=11))
    by_id = {f.file_id: f for f in back.files}
    old, rejected, fresh = by_id["F000000000001"], by_id["FNEW000000003"], by_id["FNEW000000004"]
    assert old.superseded_by == fresh.file_id and rejected.superseded_by == fresh.file_id
    assert fresh.superseded_by is None
    assert fresh.answers is not None and (fresh.answers.round, fresh.answers.item) == (1, 1)
    assert by_id["F000000000002"].superseded_by is None  # another slot, untouched


# — English —


def test_every_state_act_and_event_has_english_without_chinese() -> None:
    assert set(PLAIN_EN) == set(CaseState)
    for meaning, next_step in PLAIN_EN.values():
        assert not CHINESE.search(meaning + next_step)
    for name in [*ACT_LABELS, *(a.value for a in Act)]:
        assert not CHINESE.search(act_label(name, "en")), name
    for event in ("open", "partner_accept", "material_rejected", "deadline_warning", "something_new"):
        assert not CHINESE.search(describe_event(event, "en")), event
    assert describe_event("partner_accept", "zh") == "伙伴省份：受理"


def test_a_stored_notice_reads_in_english_with_only_the_item_name_left_in_chinese() -> None:
    outcome = act(submitted(), Act.REQUEST_SUPPLEMENT, at(2), items=[ID_ITEM])
    assert outcome.notice is not None
    english = render_notice(outcome.notice, "en")
    assert english["title"] == "工业产品生产许可证: Materials to supplement"
    assert not CHINESE.search(english["title"].removeprefix(english["item_name"]) + english["next_step"])
    assert render_notice(outcome.notice, "zh")["title"] == outcome.notice["title"]
    legacy = {k: v for k, v in outcome.notice.items() if k != "item_name"}  # stored before item_name
    assert render_notice(legacy, "en")["title"] == english["title"]
    rejected = notice_for(outcome.case, {**outcome.event, "act": "material_rejected"})
    assert not CHINESE.search(render_notice(rejected, "en")["next_step"])
