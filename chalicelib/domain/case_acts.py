"""What each act does to a case: the rules beyond the state table, the clock, and the timeline event.

`perform` is the one entry for state changes: it takes a typed command
(`chalicelib.domain.commands`), checks the transition of the command's act, applies the act's own
rules (dispatched on the command's type), moves the clock and returns the changed case with the
event to append and the notice for the applicant. Storage and sealing of the event into the audit
chain are the service's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, assert_never

from chalicelib.domain import working_days
from chalicelib.domain.case import (
    AnswerRef,
    Case,
    CaseClock,
    Decision,
    FileStatus,
    MaterialFile,
    Pause,
    Rating,
    RatingChannel,
    RatingLevel,
    RatingTarget,
    Refusal,
    ResultRecord,
    Supplement,
    SupplementItem,
    Suspension,
    SuspensionProcedure,
)
from chalicelib.domain.case_states import (
    RATEABLE,
    RESULT_SLOT,
    TRANSITIONS,
    Act,
    Actor,
    CaseState,
    act_label,
    allowed_acts,
    may_perform,
    next_state,
    plain,
)
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import beijing_date, rfc3339
from chalicelib.domain.commands import (
    COMMAND_TYPES,
    Accept,
    AcceptAndDecide,
    AnswerSupplement,
    Cancel,
    Close,
    Command,
    Decide,
    Deliver,
    Discard,
    IssueResult,
    PassPreReview,
    Refuse,
    RequestSupplement,
    Resume,
    ReturnPreReview,
    StartReview,
    Submit,
    Suspend,
    Withdraw,
    approves,
)
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.identity import Role
from chalicelib.domain.joint import lead_acts
from chalicelib.domain.shipments import not_returned, unaccounted_originals

COMMITMENT_VERIFICATION_DAYS = 30  # 告知承诺制: 事后核查 within this many working days of approval
NOTIFIED_ACTS = frozenset(
    {
        Act.RETURN_PRE_REVIEW,
        Act.ACCEPT,
        Act.REFUSE,
        Act.REQUEST_SUPPLEMENT,
        Act.SUSPEND,
        Act.RESUME,
        Act.DECIDE,
        Act.ACCEPT_AND_DECIDE,
        Act.ISSUE_RESULT,
    }
)


@dataclass(frozen=True)
class By:
    """Who performs an act, as recorded in the timeline (never personal data)."""

    actor: Actor
    role: str
    subject: str
    province: str | None = None
    authority: str | None = None
    window: str | None = None
    on_behalf_of: str | None = None  # 代办: whom the actor acts for (`applicant`), never their name

    def record(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "actor"}


@dataclass
class Outcome:
    case: Case
    event: dict[str, Any]
    notice: dict[str, Any] | None = None


@dataclass
class Context:
    """What an act needs besides the case: when, and the working-day calendar."""

    at: datetime
    calendar: working_days.WorkingCalendar

    @property
    def today(self) -> date:
        return beijing_date(self.at)


def _event(
    case: Case, act: str, by: By, at: datetime, before: CaseState, details: dict[str, Any]
) -> dict[str, Any]:
    return {
        "seq": case.seq + 1,
        "act": act,
        "at": rfc3339(at),
        "by": by.record(),
        "from": before.value,
        "to": case.state.value,
        "details": {k: v for k, v in details.items() if v is not None},
    }


def notice_for(case: Case, event: dict[str, Any]) -> dict[str, Any]:
    """The applicant's notice of an event: plain Chinese, no personal data, a stable id. It keeps
    the act, state and item name, so `render_notice` can give it in English when asked."""
    meaning, next_step = ACT_NOTICES.get(event["act"], plain(case.state, "zh"))
    return {
        "id": f"{case.number}:{event['seq']}",
        "case": case.number,
        "recipient": owner_key(case.applicant.issuer, case.applicant.subject),
        "act": event["act"],
        "state": case.state.value,
        "item_name": case.item_name,
        "title": f"{case.item_name}：{meaning}",
        "next_step": next_step,
        "at": event["at"],
    }


def render_notice(notice: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored notice in the reader's language: its texts come again from its act and state."""
    item_name = notice.get("item_name") or str(notice["title"]).split("：", 1)[0]
    texts = ACT_NOTICES_EN if lang == "en" else ACT_NOTICES
    try:
        meaning, next_step = texts.get(notice["act"]) or plain(CaseState(notice["state"]), lang)
    except ValueError:
        return {**notice, "item_name": item_name}
    separator = ": " if lang == "en" else "："
    title = f"{item_name}{separator}{meaning}"
    if notice["act"] == "parts_updated":  # 多地联办: the stored title names each part that moved
        title = str(notice["title"]) if lang != "en" else f"{item_name}: {EVENT_TEXTS['parts_updated'][1]}"
    return {
        **notice,
        "item_name": item_name,
        "title": title,
        "next_step": next_step,
    }


# Notices of acts that leave the state as it was but need the applicant (else: the state's text).
ACT_NOTICES = {
    "material_rejected": ("材料未通过校验", "按原因重新上传该材料"),
    "app_account_bound": ("窗口已将本办件关联到您的账号", "可在“我的办件”中查看办理进度"),
    "rectification_closed": ("您的评价已整改并回访", "可查看整改情况"),
}
ACT_NOTICES_EN = {
    "material_rejected": ("A material did not pass the check", "Upload it again as the reason says"),
    "app_account_bound": ("A window linked this case to your account", "Follow it under My cases"),
    "rectification_closed": ("Your rating was acted on and followed up", "See what was done"),
}

# Timeline events that are not acts of the state table: (中文, English).
EVENT_TEXTS: dict[str, tuple[str, str]] = {
    "open": ("创建草稿", "Draft opened"),
    "open_from_partner": ("收到伙伴省份转来的申请", "Case received from a partner province"),
    "open_part": ("联办分件开始办理", "Joint part started"),
    "update_form": ("修改申请表", "Form updated"),
    "material_given": ("提交材料", "Material given"),
    "material_verified": ("材料通过校验", "Material verified"),
    "material_rejected": ("材料未通过校验", "Material rejected"),
    "licence_attached": ("使用电子证照", "E-licence given"),
    "rate": ("评价办理", "Handling rated"),
    "rectification_closed": ("整改回访办结", "Rectification closed"),
    "consent_recorded": ("记录服务同意书", "Consent recorded"),
    "original_checked": ("原件核验", "Original checked"),
    "receipt_issued": ("出具收件告知单", "Receipt issued"),
    "shipment_recorded": ("登记寄递", "Shipment recorded"),
    "shipment_event": ("寄递状态更新", "Shipment status updated"),
    "originals_returned": ("原件退还", "Originals returned"),
    "deadline_warning": ("办理时限预警", "Time limit warning"),
    "deadline_overdue": ("办理超期", "Time limit passed"),
    "deadline_recomputed": ("工作日历发布，重算期限", "Due dates recomputed on a new calendar"),
    "part_overdue": ("联办分件超期", "A joint part is overdue"),
    "parts_updated": ("联办分件进度更新", "Joint parts updated"),
    "video_scheduled": ("预约视频会商", "Video session scheduled"),
    "video_joined": ("加入视频会商", "Video session joined"),
    "video_ended": ("视频会商结束", "Video session ended"),
    "video_announced": ("视频会商告知办理地", "Video session made known to the other province"),
    "app_account_bound": ("关联申请人账号", "Applicant's app account linked"),
}


def describe_event(act: str, lang: str) -> str:
    """What a timeline event was, for display; a partner's act reads as that act at the partner."""
    if act.startswith("partner_"):
        inner = describe_event(act.removeprefix("partner_"), lang)
        return f"Partner province: {inner}" if lang == "en" else f"伙伴省份：{inner}"
    texts = EVENT_TEXTS.get(act)
    if texts is not None:
        return texts[1] if lang == "en" else texts[0]
    label = act_label(act, lang)
    return act.replace("_", " ").capitalize() if label == act and lang == "en" else label


def owner_key(issuer: str, subject: str) -> str:
    return f"{issuer}|{subject}"


def perform(case: Case, command: Command, by: By, ctx: Context) -> Outcome:
    """Apply `command`'s act by `by` to `case`; the result is a new case, the input is untouched."""
    if not isinstance(command, COMMAND_TYPES):  # e.g. the old parameter dict: a programming error
        raise TypeError(f"not a case command: {type(command).__name__}")
    act = command.act
    if not may_perform(by.actor, act):
        raise Conflict("act_not_yours", act=act.value, state=case.state.value)
    before = case.state
    target = next_state(before, act, approved=approves(command))
    refused = blocked(case, act)
    if refused is not None:
        raise refused
    changed = case.model_copy(deep=True)
    details = _apply(changed, command, ctx)
    changed.state = target
    changed.updated_at = ctx.at
    refresh_clock(changed, ctx.calendar, ctx.today)
    event = _event(changed, act.value, by, ctx.at, before, details)
    notice = notice_for(changed, event) if act in NOTIFIED_ACTS else None
    return Outcome(changed, event, notice)


def blocked(case: Case, act: Act) -> Conflict | None:
    """The 409 `act` meets on this case beyond the state table: the guards that read the case's
    data. `perform` raises it and `offered_acts` leaves such an act out, so the two agree."""
    if act in (Act.ACCEPT, Act.REFUSE, Act.ACCEPT_AND_DECIDE) and case.accepted_at is not None:
        # 受理 happens once: a 补正 answered after acceptance goes back to review, not to 受理
        return Conflict("already_accepted", act=act.value, state=case.state.value)
    if act in (Act.ACCEPT, Act.ACCEPT_AND_DECIDE) and case.awaits_entrustment():
        # 委托代办: the clerk accepts a case filed by an agent only on a verified entrustment
        return Conflict("entrustment_not_verified", act=act.value, state=case.state.value)
    if act is Act.ACCEPT_AND_DECIDE and not case.immediate:
        return Conflict("not_an_immediate_item", state=case.state.value)
    if act is Act.START_REVIEW and case.accepted_at is None:
        return Conflict("not_yet_accepted", state=case.state.value)
    if act is Act.RETURN_PRE_REVIEW and case.exchange is not None and case.exchange.role == "handler":
        # 预审退回 has no exchange message: the partner's applicant would never learn of it and the
        # case would stand still there; the handling province asks for 补正 before 受理 instead
        return Conflict("pre_review_return_not_across", state=case.state.value)
    if act is Act.CLOSE:
        return not_returned(case)  # 原件退还: mailed originals held here go back (or are kept) first
    return None


# — per-act rules; each mutates the copy and returns the event's details —


def _apply(case: Case, command: Command, ctx: Context) -> dict[str, Any]:
    """The act's own rules, by the command's type: each mutates the copy and returns the event's details."""
    match command:
        case Submit():
            return _submit(case, ctx)
        case PassPreReview():
            return {"note": command.note}
        case ReturnPreReview():
            return _return_pre_review(case, command)
        case Accept():
            return _accept(case, command, ctx)
        case Refuse():
            return _refuse(case, command, ctx)
        case RequestSupplement():
            return _request_supplement(case, command, ctx)
        case AnswerSupplement():
            return _answer_supplement(case, command, ctx)
        case StartReview():
            return {}
        case Suspend():
            return _suspend(case, command, ctx)
        case Resume():
            return _resume(case, command, ctx)
        case Decide():
            return _decide(case, command, ctx)
        case AcceptAndDecide():
            _accept(case, command.accept(), ctx)
            return _decide(case, command.decide(), ctx)
        case IssueResult():
            return _issue_result(case, command, ctx)
        case Deliver():
            return _deliver(case, command, ctx)
        case Withdraw():
            return _withdraw(case, command, ctx)
        case Close():
            case.closed_at = ctx.at
            return {}
        case Cancel() | Discard():
            case.closed_at = ctx.at
            return {"reason": command.reason}
        case _:
            assert_never(command)


def _submit(case: Case, ctx: Context) -> dict[str, Any]:
    missing = [
        s
        for s in case.slots
        if s.required
        and s.code not in case.verified_slots()
        and not (s.may_be_deferred and case.allows_deferred_acceptance)
    ]
    if missing:
        raise _incomplete([s.code for s in missing], case)
    case.submitted_at = ctx.at
    case.return_reasons = []
    return {}


def _incomplete(slots: list[str], case: Case) -> InvalidInput:
    errors = []
    for code in slots:
        pending = any(f.slot == code and f.status is FileStatus.PENDING for f in case.files)
        errors.append(
            {"field": f"materials.{code}", "code": "material_not_verified" if pending else "material_missing"}
        )
    return InvalidInput("materials_incomplete", errors=errors)


def _return_pre_review(case: Case, command: ReturnPreReview) -> dict[str, Any]:
    reasons = list(command.reasons)
    case.return_reasons = reasons
    return {"reasons": reasons}


def _accept(case: Case, command: Accept, ctx: Context) -> dict[str, Any]:
    deferred = list(dict.fromkeys(command.deferred_materials))
    if deferred:
        if not case.allows_deferred_acceptance:
            raise Conflict("deferred_acceptance_not_allowed")
        bad = [c for c in deferred if (slot := case.slot(c)) is None or not slot.may_be_deferred]
        if bad:
            raise InvalidInput(
                "material_not_deferrable",
                errors=[{"field": f"deferred_materials.{c}", "code": "not_deferrable"} for c in bad],
            )
        if not command.commitment:
            raise InvalidInput("validation_failed", errors=[{"field": "commitment", "code": "missing"}])
    missing = [c for c in case.missing_required() if c not in deferred]
    if missing:
        raise _incomplete(missing, case)
    case.deferred = [c for c in deferred if c in case.missing_required()]
    case.deferred_commitment = command.commitment if case.deferred else None
    case.accepted_at = ctx.at
    case.clock.started_on = ctx.today
    _close_pause(case, "supplement", ctx.today)
    return {"deferred_materials": case.deferred or None}


def _refuse(case: Case, command: Refuse, ctx: Context) -> dict[str, Any]:
    case.refusal = Refusal(reason=command.reason, legal_basis=command.legal_basis)
    _close_pause(case, "supplement", ctx.today)
    return {"reason": case.refusal.reason, "legal_basis": case.refusal.legal_basis}


def _request_supplement(case: Case, command: RequestSupplement, ctx: Context) -> dict[str, Any]:
    items = [i.model_copy() for i in command.items]
    unknown = [i.material for i in items if i.material is not None and case.slot(i.material) is None]
    if unknown:
        raise InvalidInput(
            "validation_failed", errors=[{"field": f"items.{m}", "code": "unknown_material"} for m in unknown]
        )
    if case.supplement is not None:
        _only_what_the_answer_got_wrong(case.supplement, items)
    case.supplement_rounds += 1
    case.supplement = Supplement(
        requested_at=ctx.at,
        before_acceptance=case.accepted_at is None,
        items=items,
        round=case.supplement_rounds,
    )
    if case.clock.started_on is not None:
        case.clock.pauses.append(Pause(kind="supplement", start=ctx.today))
    return {"round": case.supplement_rounds, "items": [i.model_dump(exclude_none=True) for i in items]}


def _only_what_the_answer_got_wrong(previous: Supplement, items: list[SupplementItem]) -> None:
    """一次性告知: everything missing is told at once, so a further 补正 may name only what the
    previous answer itself got wrong — an item of the previous list again, or a material or form
    field the answer introduced. Anything else should have been in the first list."""
    materials = {i.material for i in previous.items if i.material} | set(previous.answered_materials)
    fields = {_form_key(i.field) for i in previous.items if i.field} | set(previous.changed_fields)
    beyond = [
        n
        for n, item in enumerate(items)
        if (item.material is None and item.field is None)
        or (item.material is not None and item.material not in materials)
        or (item.field is not None and _form_key(item.field) not in fields)
    ]
    if beyond:
        raise InvalidInput(
            "supplement_not_one_time",
            errors=[{"field": f"items.{n}", "code": "not_in_previous_answer"} for n in beyond],
        )


def _answer_supplement(case: Case, command: AnswerSupplement, ctx: Context) -> dict[str, Any]:
    request = case.supplement
    assert request is not None  # the state table guarantees a request is open
    fresh = {
        f.slot for f in case.files if f.status is FileStatus.VERIFIED and f.created_at >= request.requested_at
    }
    missing = [i.material for i in request.items if i.material is not None and i.material not in fresh]
    if missing:
        raise InvalidInput(
            "supplement_incomplete",
            errors=[{"field": f"materials.{m}", "code": "material_missing"} for m in missing],
        )
    request.answered_at = ctx.at
    request.note = command.note
    request.answered_materials = sorted(fresh)
    _mark_answers(case, request)
    _close_pause(case, "supplement", ctx.today)
    return {"note": request.note, "materials": request.answered_materials or None}


def take_form(case: Case, form: Mapping[str, Any]) -> None:
    """The case's form as given (a draft's edit, or a 补正 answer's correction, here or carried from
    the origin). While a 补正 is open, what the answer changes is all a further 补正 may come back to
    (一次性告知), so the changed fields are kept on the request."""
    request = case.supplement
    if case.state is CaseState.SUPPLEMENT_REQUESTED and request is not None:
        changed = {k for k in {*case.form, *form} if case.form.get(k) != form.get(k)}
        request.changed_fields = sorted(set(request.changed_fields) | changed)
    case.form = dict(form)


def _form_key(field: str) -> str:
    """A 补正 item names a form field as `form.<key>` or `<key>`; both are the key."""
    return field.removeprefix("form.")


def _mark_answers(case: Case, request: Supplement) -> None:
    """Each fresh verified file answers the 补正 item naming its slot; every older file of that
    slot (rejected uploads, the material the request asked to redo) is superseded by it."""
    for n, item in enumerate(request.items):
        if item.material is None:
            continue
        answers = [
            f
            for f in case.files
            if f.slot == item.material
            and f.status is FileStatus.VERIFIED
            and f.created_at >= request.requested_at
        ]
        if not answers:
            continue
        latest = max(answers, key=lambda f: f.created_at)
        for file in answers:
            file.answers = AnswerRef(round=request.round, item=n)
        for file in case.files:
            if file.slot == item.material and file not in answers and not file.superseded_by:
                file.superseded_by = latest.file_id


def _suspend(case: Case, command: Suspend, ctx: Context) -> dict[str, Any]:
    procedure = SuspensionProcedure(command.procedure)
    case.suspension = Suspension(procedure=procedure, reason=command.reason, since=ctx.at)
    case.clock.pauses.append(Pause(kind="suspension", start=ctx.today))
    return {"procedure": procedure.value, "reason": case.suspension.reason}


def _resume(case: Case, command: Resume, ctx: Context) -> dict[str, Any]:
    _close_pause(case, "suspension", ctx.today)
    case.suspension = None
    return {"note": command.note}


def _decide(case: Case, command: Decide, ctx: Context) -> dict[str, Any]:
    approved = command.approved
    on_commitment = command.on_commitment
    if approved and case.deferred and set(case.deferred) - case.verified_slots():
        raise Conflict(
            "deferred_materials_outstanding", materials=sorted(set(case.deferred) - case.verified_slots())
        )
    if on_commitment and not (approved and case.allows_commitment):
        raise Conflict("commitment_not_allowed")
    reasons = list(command.reasons)
    if not approved and not reasons:
        raise InvalidInput("validation_failed", errors=[{"field": "reasons", "code": "missing"}])
    verification_due = None
    if on_commitment:
        verification_due = ctx.calendar.add_working_days(ctx.today, COMMITMENT_VERIFICATION_DAYS)
    case.decision = Decision(
        approved=approved,
        reasons=reasons,
        legal_basis=command.legal_basis,
        on_commitment=on_commitment,
        verification_due=verification_due,
        decided_at=ctx.at,
    )
    case.decided_at = ctx.at
    return {
        "approved": approved,
        "reasons": reasons or None,
        "on_commitment": on_commitment or None,
        "verification_due": verification_due.isoformat() if verification_due else None,
    }


def _issue_result(case: Case, command: IssueResult, ctx: Context) -> dict[str, Any]:
    delivery = Delivery(command.delivery)
    if case.result_delivery and delivery not in case.result_delivery:
        # 出件方式 are the item version's: a result offered electronically only is not mailed
        raise InvalidInput(
            "delivery_not_offered",
            errors=[{"field": "delivery", "code": "not_offered_by_item"}],
        )
    as_licence = delivery is Delivery.ELECTRONIC and bool(command.licence_type)
    if delivery is Delivery.ELECTRONIC and not as_licence:
        document = case.file(command.file_id or "")
        if document is None or document.slot != RESULT_SLOT or document.status is not FileStatus.VERIFIED:
            raise InvalidInput(
                "result_document_not_ready", errors=[{"field": "file_id", "code": "not_verified"}]
            )
    elif delivery is Delivery.MAIL and not (command.carrier and command.tracking_number):
        given = {"carrier": command.carrier, "tracking_number": command.tracking_number}
        raise InvalidInput(
            "validation_failed",
            errors=[{"field": f, "code": "missing"} for f, v in given.items() if not v],
        )
    case.result = ResultRecord(
        delivery=delivery,
        title=command.title,
        file_id=command.file_id if delivery is Delivery.ELECTRONIC and not as_licence else None,
        carrier=command.carrier,
        tracking_number=command.tracking_number,
        issued_at=ctx.at,
    )
    return {
        "delivery": delivery.value,
        "title": case.result.title,
        "licence_ref": case.result.licence_ref,
        "carrier": case.result.carrier,
        "tracking_number": case.result.tracking_number,
    }


def _deliver(case: Case, command: Deliver, ctx: Context) -> dict[str, Any]:
    assert case.result is not None
    case.result.delivered_at = ctx.at
    return {"how": command.how}


def _withdraw(case: Case, command: Withdraw, ctx: Context) -> dict[str, Any]:
    case.withdrawal_reason = command.reason
    _close_pause(case, None, ctx.today)  # every open pause: the clock ends here
    return {"reason": case.withdrawal_reason}


def _close_pause(case: Case, kind: str | None, today: date) -> None:
    """End the open pauses of `kind` (all kinds when None)."""
    for pause in case.clock.pauses:
        if (kind is None or pause.kind == kind) and pause.end is None:
            pause.end = today


def supersede_rejected(case: Case, verified: MaterialFile) -> None:
    """A file verified in a slot replaces the rejected uploads before it (they stay, marked)."""
    for file in case.files:
        if (
            file.slot == verified.slot
            and file.status is FileStatus.REJECTED
            and file.created_at <= verified.created_at
            and file.superseded_by is None
        ):
            file.superseded_by = verified.file_id


# — the clock —


def refresh_clock(case: Case, calendar: working_days.WorkingCalendar, today: date) -> None:
    """Recompute due dates from the start, the limits and the pauses (补正, 特别程序).

    While the clock is stopped the last due dates stay as they were, and so do their provisional
    flags (a date guessed from an unpublished calendar stays marked as a guess). `used_days` are
    the working days counted up to `today`: none on the day of 受理 (the day the period starts is
    not counted), none during a pause.
    """
    clock = case.clock
    if clock.started_on is None:
        return
    pauses = [working_days.Pause(p.start, p.end) for p in clock.pauses]
    promised = working_days.compute_deadline(calendar, clock.started_on, clock.promised_days, pauses)
    statutory = working_days.compute_deadline(calendar, clock.started_on, clock.statutory_days, pauses)
    clock.used_days = working_days.working_days_used(
        calendar, clock.started_on, today, clock.promised_days, pauses
    )
    years = set(promised.provisional_years) | set(statutory.provisional_years)
    if not promised.paused:
        clock.promised_due = promised.due
        clock.statutory_due = statutory.due
    elif clock.promised_due is not None:
        # the kept dates keep their flags, until the guessed year is published
        years |= {y for y in clock.provisional_years if not calendar.is_published(y)}
    clock.provisional = bool(years)
    clock.provisional_years = sorted(years)


def deadline_of(clock: CaseClock) -> working_days.Deadline | None:
    if clock.started_on is None or clock.promised_due is None:
        return None
    paused = any(p.end is None for p in clock.pauses)
    return working_days.Deadline(
        due=None if paused else clock.promised_due,
        provisional=clock.provisional,
        provisional_years=tuple(clock.provisional_years),
        paused=paused,
        used_working_days=clock.used_days,
        limit_days=clock.promised_days,
    )


# — acts that do not change the state —


def rate(
    case: Case,
    by: By,
    at: datetime,
    level: RatingLevel,
    tags: list[str],
    comment: str | None,
    *,
    target: RatingTarget = RatingTarget.AUTHORITY,
    channel: RatingChannel | None = None,
) -> Outcome:
    """好差评: once per case and target (一事一评), by its applicant, after the authority has answered.
    A window intake's own service (`RatingTarget.WINDOW`) is rated apart from the authority."""
    if by.actor is not Actor.APPLICANT:
        raise Conflict("act_not_yours", act="rate", state=case.state.value)
    if target is RatingTarget.WINDOW and case.intake is None:
        raise Conflict("rating_target_not_applicable", state=case.state.value)
    if case.state not in RATEABLE:
        raise Conflict("not_yet_rateable", state=case.state.value)
    if (case.window_rating if target is RatingTarget.WINDOW else case.rating) is not None:
        raise Conflict("already_rated")
    changed = case.model_copy(deep=True)
    rating = Rating(level=level, tags=tags, comment=comment, rated_at=at, target=target, channel=channel)
    if target is RatingTarget.WINDOW:
        changed.window_rating = rating
    else:
        changed.rating = rating
    changed.updated_at = at
    details = {
        "level": level.value,
        "tags": tags or None,
        "target": None if target is RatingTarget.AUTHORITY else target.value,
        "channel": channel.value if channel else None,
    }
    event = _event(changed, "rate", by, at, case.state, details)
    return Outcome(changed, event)


def record(case: Case, act: str, by: By, at: datetime, details: dict[str, Any]) -> Outcome:
    """An event without a state change (a material checked, a deadline warning, a recomputation)."""
    changed = case.model_copy(deep=True)
    changed.updated_at = at
    return Outcome(changed, _event(changed, act, by, at, case.state, details))


# — what a caller is offered —

RATE, DISPATCH, HANDOVER = "rate", "dispatch", "handover"


def offered_acts(case: Case, role: Role | None) -> list[str]:
    """The acts `role` may perform on `case` now, by the names of their routes: exactly those the
    gateway would not refuse with a 409 (a body may still be invalid, a 补正 answer incomplete).

    `role` is the caller's seat at this case: its applicant, the window that took it in (acting
    for the applicant: 代办, 递交 as `dispatch`, 出件 as `handover`), or the handling clerk.
    """
    if role is Role.AUTHORITY_CLERK:
        acts: list[Act] = [a for a in allowed_acts(case.state, Actor.CLERK) if a is not Act.CANCEL]
        return [a.value for a in lead_acts(case, acts) if blocked(case, a) is None]
    if role is Role.APPLICANT:
        offered = [a.value for a in allowed_acts(case.state, Actor.APPLICANT) if blocked(case, a) is None]
        if case.state in RATEABLE and case.rating is None:
            offered.append(RATE)
        return offered
    if role is Role.WINDOW_CLERK:
        offered = []
        for act in allowed_acts(case.state, Actor.APPLICANT):
            if act is Act.SUBMIT:
                if (
                    case.intake is not None
                    and case.intake.consent is not None
                    and not unaccounted_originals(case)
                ):
                    offered.append(DISPATCH)
            elif blocked(case, act) is None:
                offered.append(act.value)
        if (case.state, Act.DELIVER) in TRANSITIONS:
            offered.append(HANDOVER)
        return offered
    return []
