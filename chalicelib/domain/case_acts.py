"""What each act does to a case: the rules beyond the state table, the clock, and the timeline event.

`perform` is the one entry for state changes: it checks the transition, applies the act's own
rules, moves the clock and returns the changed case with the event to append and the notice for
the applicant. Storage and sealing of the event into the audit chain are the service's job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalicelib.domain import working_days
from chalicelib.domain.case import (
    Case,
    CaseClock,
    Decision,
    FileStatus,
    Pause,
    Rating,
    RatingLevel,
    Refusal,
    ResultRecord,
    Supplement,
    SupplementItem,
    Suspension,
    SuspensionProcedure,
)
from chalicelib.domain.case_states import (
    PLAIN,
    RATEABLE,
    RESULT_SLOT,
    Act,
    Actor,
    CaseState,
    actor_of,
    next_state,
)
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import beijing_date, rfc3339
from chalicelib.domain.errors import Conflict, InvalidInput

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
    params: dict[str, Any] = field(default_factory=dict)

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
    """The applicant's notice of an event: plain Chinese, no personal data, a stable id."""
    meaning, next_step = ACT_NOTICES.get(event["act"], PLAIN[case.state])
    return {
        "id": f"{case.number}:{event['seq']}",
        "case": case.number,
        "recipient": owner_key(case.applicant.issuer, case.applicant.subject),
        "act": event["act"],
        "state": case.state.value,
        "title": f"{case.item_name}：{meaning}",
        "next_step": next_step,
        "at": event["at"],
    }


# Notices of acts that leave the state as it was but need the applicant (else: the state's text).
ACT_NOTICES = {"material_rejected": ("材料未通过校验", "按原因重新上传该材料")}


def owner_key(issuer: str, subject: str) -> str:
    return f"{issuer}|{subject}"


def perform(case: Case, act: Act, by: By, ctx: Context) -> Outcome:
    """Apply `act` by `by` to `case`; the result is a new case, the input is untouched."""
    if actor_of(act) is not by.actor and not (act is Act.DELIVER and by.actor is Actor.CLERK):
        raise Conflict("act_not_yours", act=act.value, state=case.state.value)
    before = case.state
    approved = bool(ctx.params.get("approved", True))
    target = next_state(before, act, approved=approved)
    changed = case.model_copy(deep=True)
    details = RULES[act](changed, ctx) or {}
    changed.state = target
    changed.updated_at = ctx.at
    refresh_clock(changed, ctx.calendar)
    event = _event(changed, act.value, by, ctx.at, before, details)
    notice = notice_for(changed, event) if act in NOTIFIED_ACTS else None
    return Outcome(changed, event, notice)


# — per-act rules; each mutates the copy and returns the event's details —


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


def _pass_pre_review(case: Case, ctx: Context) -> dict[str, Any]:
    return {"note": ctx.params.get("note")}


def _return_pre_review(case: Case, ctx: Context) -> dict[str, Any]:
    reasons = list(ctx.params["reasons"])
    case.return_reasons = reasons
    return {"reasons": reasons}


def _accept(case: Case, ctx: Context) -> dict[str, Any]:
    deferred = list(dict.fromkeys(ctx.params.get("deferred_materials") or []))
    if deferred:
        if not case.allows_deferred_acceptance:
            raise Conflict("deferred_acceptance_not_allowed")
        bad = [c for c in deferred if (slot := case.slot(c)) is None or not slot.may_be_deferred]
        if bad:
            raise InvalidInput(
                "material_not_deferrable",
                errors=[{"field": f"deferred_materials.{c}", "code": "not_deferrable"} for c in bad],
            )
        if not ctx.params.get("commitment"):
            raise InvalidInput("validation_failed", errors=[{"field": "commitment", "code": "missing"}])
    missing = [c for c in case.missing_required() if c not in deferred]
    if missing:
        raise _incomplete(missing, case)
    case.deferred = [c for c in deferred if c in case.missing_required()]
    case.deferred_commitment = ctx.params.get("commitment") if case.deferred else None
    case.accepted_at = ctx.at
    case.clock.started_on = ctx.today
    _close_pause(case, "supplement", ctx.today)
    return {"deferred_materials": case.deferred or None}


def _refuse(case: Case, ctx: Context) -> dict[str, Any]:
    case.refusal = Refusal(reason=ctx.params["reason"], legal_basis=ctx.params["legal_basis"])
    _close_pause(case, "supplement", ctx.today)
    return {"reason": case.refusal.reason, "legal_basis": case.refusal.legal_basis}


def _request_supplement(case: Case, ctx: Context) -> dict[str, Any]:
    items = [SupplementItem.model_validate(i) for i in ctx.params["items"]]
    unknown = [i.material for i in items if i.material is not None and case.slot(i.material) is None]
    if unknown:
        raise InvalidInput(
            "validation_failed", errors=[{"field": f"items.{m}", "code": "unknown_material"} for m in unknown]
        )
    case.supplement = Supplement(requested_at=ctx.at, before_acceptance=case.accepted_at is None, items=items)
    if case.clock.started_on is not None:
        case.clock.pauses.append(Pause(kind="supplement", start=ctx.today))
    return {"items": [i.model_dump(exclude_none=True) for i in items]}


def _answer_supplement(case: Case, ctx: Context) -> dict[str, Any]:
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
    request.note = ctx.params.get("note")
    _close_pause(case, "supplement", ctx.today)
    return {"note": request.note}


def _start_review(case: Case, ctx: Context) -> dict[str, Any]:
    if case.accepted_at is None:
        raise Conflict("not_yet_accepted", state=case.state.value)
    return {}


def _suspend(case: Case, ctx: Context) -> dict[str, Any]:
    procedure = SuspensionProcedure(ctx.params["procedure"])
    case.suspension = Suspension(procedure=procedure, reason=ctx.params["reason"], since=ctx.at)
    case.clock.pauses.append(Pause(kind="suspension", start=ctx.today))
    return {"procedure": procedure.value, "reason": case.suspension.reason}


def _resume(case: Case, ctx: Context) -> dict[str, Any]:
    _close_pause(case, "suspension", ctx.today)
    case.suspension = None
    return {"note": ctx.params.get("note")}


def _decide(case: Case, ctx: Context) -> dict[str, Any]:
    approved = bool(ctx.params.get("approved", True))
    on_commitment = bool(ctx.params.get("on_commitment", False))
    if approved and case.deferred and set(case.deferred) - case.verified_slots():
        raise Conflict(
            "deferred_materials_outstanding", materials=sorted(set(case.deferred) - case.verified_slots())
        )
    if on_commitment and not (approved and case.allows_commitment):
        raise Conflict("commitment_not_allowed")
    reasons = list(ctx.params.get("reasons") or [])
    if not approved and not reasons:
        raise InvalidInput("validation_failed", errors=[{"field": "reasons", "code": "missing"}])
    verification_due = None
    if on_commitment:
        verification_due = ctx.calendar.add_working_days(ctx.today, COMMITMENT_VERIFICATION_DAYS)
    case.decision = Decision(
        approved=approved,
        reasons=reasons,
        legal_basis=ctx.params.get("legal_basis"),
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


def _accept_and_decide(case: Case, ctx: Context) -> dict[str, Any]:
    if not case.immediate:
        raise Conflict("not_an_immediate_item", state=case.state.value)
    _accept(case, ctx)
    return _decide(case, ctx)


def _issue_result(case: Case, ctx: Context) -> dict[str, Any]:
    delivery = Delivery(ctx.params["delivery"])
    p = ctx.params
    as_licence = delivery is Delivery.ELECTRONIC and bool(p.get("licence_type"))
    if delivery is Delivery.ELECTRONIC and not as_licence:
        document = case.file(p.get("file_id") or "")
        if document is None or document.slot != RESULT_SLOT or document.status is not FileStatus.VERIFIED:
            raise InvalidInput(
                "result_document_not_ready", errors=[{"field": "file_id", "code": "not_verified"}]
            )
    elif delivery is Delivery.MAIL and not (p.get("carrier") and p.get("tracking_number")):
        raise InvalidInput(
            "validation_failed",
            errors=[{"field": f, "code": "missing"} for f in ("carrier", "tracking_number") if not p.get(f)],
        )
    case.result = ResultRecord(
        delivery=delivery,
        title=p["title"],
        file_id=p.get("file_id") if delivery is Delivery.ELECTRONIC and not as_licence else None,
        licence_ref=p.get("licence_ref"),
        carrier=p.get("carrier"),
        tracking_number=p.get("tracking_number"),
        issued_at=ctx.at,
    )
    return {
        "delivery": delivery.value,
        "title": case.result.title,
        "licence_ref": case.result.licence_ref,
        "carrier": case.result.carrier,
        "tracking_number": case.result.tracking_number,
    }


def _deliver(case: Case, ctx: Context) -> dict[str, Any]:
    assert case.result is not None
    case.result.delivered_at = ctx.at
    return {"how": ctx.params.get("how", "download")}


def _withdraw(case: Case, ctx: Context) -> dict[str, Any]:
    case.withdrawal_reason = ctx.params.get("reason")
    _close_pause(case, None, ctx.today)  # every open pause: the clock ends here
    return {"reason": case.withdrawal_reason}


def _close(case: Case, ctx: Context) -> dict[str, Any]:
    case.closed_at = ctx.at
    return {}


def _cancel(case: Case, ctx: Context) -> dict[str, Any]:
    case.closed_at = ctx.at
    return {"reason": ctx.params.get("reason")}


RULES: dict[Act, Callable[[Case, Context], dict[str, Any] | None]] = {
    Act.SUBMIT: _submit,
    Act.PASS_PRE_REVIEW: _pass_pre_review,
    Act.RETURN_PRE_REVIEW: _return_pre_review,
    Act.ACCEPT: _accept,
    Act.REFUSE: _refuse,
    Act.REQUEST_SUPPLEMENT: _request_supplement,
    Act.ANSWER_SUPPLEMENT: _answer_supplement,
    Act.START_REVIEW: _start_review,
    Act.SUSPEND: _suspend,
    Act.RESUME: _resume,
    Act.DECIDE: _decide,
    Act.ACCEPT_AND_DECIDE: _accept_and_decide,
    Act.ISSUE_RESULT: _issue_result,
    Act.DELIVER: _deliver,
    Act.WITHDRAW: _withdraw,
    Act.CLOSE: _close,
    Act.CANCEL: _cancel,
}


def _close_pause(case: Case, kind: str | None, today: date) -> None:
    """End the open pauses of `kind` (all kinds when None)."""
    for pause in case.clock.pauses:
        if (kind is None or pause.kind == kind) and pause.end is None:
            pause.end = today


# — the clock —


def refresh_clock(case: Case, calendar: working_days.WorkingCalendar) -> None:
    """Recompute due dates from the start, the limits and the pauses (补正, 特别程序)."""
    clock = case.clock
    if clock.started_on is None:
        return
    pauses = [working_days.Pause(p.start, p.end) for p in clock.pauses]
    promised = working_days.compute_deadline(calendar, clock.started_on, clock.promised_days, pauses)
    statutory = working_days.compute_deadline(calendar, clock.started_on, clock.statutory_days, pauses)
    clock.used_days = promised.used_working_days
    if not promised.paused:
        clock.promised_due = promised.due
        clock.statutory_due = statutory.due
    clock.provisional = promised.provisional or statutory.provisional
    clock.provisional_years = sorted(set(promised.provisional_years) | set(statutory.provisional_years))


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
    case: Case, by: By, at: datetime, level: RatingLevel, tags: list[str], comment: str | None
) -> Outcome:
    """好差评: once per case, by its applicant, after the authority has answered."""
    if by.actor is not Actor.APPLICANT:
        raise Conflict("act_not_yours", act="rate", state=case.state.value)
    if case.state not in RATEABLE:
        raise Conflict("not_yet_rateable", state=case.state.value)
    if case.rating is not None:
        raise Conflict("already_rated")
    changed = case.model_copy(deep=True)
    changed.rating = Rating(level=level, tags=tags, comment=comment, rated_at=at)
    changed.updated_at = at
    event = _event(changed, "rate", by, at, case.state, {"level": level.value, "tags": tags or None})
    return Outcome(changed, event)


def record(case: Case, act: str, by: By, at: datetime, details: dict[str, Any]) -> Outcome:
    """An event without a state change (a material checked, a deadline warning, a recomputation)."""
    changed = case.model_copy(deep=True)
    changed.updated_at = at
    return Outcome(changed, _event(changed, act, by, at, case.state, details))
