"""How a case is shown: full to its applicant, masked to everyone else; a compact line for lists;
a progress card for small screens (state in plain Chinese, next step, due date, days left, light)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain import personal, working_days
from chalicelib.domain.case import Case, Part
from chalicelib.domain.case_acts import deadline_of
from chalicelib.domain.case_states import PLAIN, Actor, allowed_acts


def progress(case: Case, calendar: working_days.WorkingCalendar, today: date) -> dict[str, Any]:
    meaning, next_step = PLAIN[case.state]
    card: dict[str, Any] = {
        "state": case.state.value,
        "state_text": meaning,
        "next_step": next_step,
        "due": None,
        "days_left": None,
        "light": None,
        "provisional": case.clock.provisional,
        "paused": False,
    }
    deadline = deadline_of(case.clock)
    if deadline is None or case.decided_at is not None:
        return card
    card["paused"] = deadline.paused
    card["light"] = working_days.light(calendar, today, deadline).value
    if deadline.due is not None:
        card["due"] = deadline.due.isoformat()
        card["days_left"] = working_days.working_days_left(calendar, today, deadline.due)
    else:
        card["days_left"] = deadline.remaining_working_days
    return card


def applicant_view(case: Case, *, owner: bool) -> dict[str, Any]:
    a = case.applicant
    # A legal person's code and name are public registration data (not masked); its employee's are not.
    who = {"kind": a.kind.value, "credit_code": a.credit_code, "entity_name": a.entity_name}
    if owner:
        return {"name": a.name, "id_number": a.id_number, "phone": a.phone, **who}
    return {
        "name": personal.mask_name(a.name),
        "id_number": personal.mask_id_number(a.id_number),
        "phone": personal.mask_phone(a.phone),
        **who,
    }


def case_view(
    case: Case, *, owner: bool, actor: Actor | None, calendar: working_days.WorkingCalendar, today: date
) -> dict[str, Any]:
    doc = case.model_dump(mode="json", exclude={"applicant", "version", "seq", "last_hash"})
    doc["applicant"] = applicant_view(case, owner=owner)
    doc["progress"] = progress(case, calendar, today)
    doc["allowed_acts"] = [a.value for a in allowed_acts(case.state, actor)] if actor else []
    doc["revision"] = case.version
    doc["materials"] = [
        {
            "code": slot.code,
            "name": slot.name,
            "required": slot.required,
            "deferred": slot.code in case.deferred,
            "satisfied": slot.code in case.verified_slots(),
            "files": [f.model_dump(mode="json", exclude={"key"}) for f in case.files if f.slot == slot.code],
        }
        for slot in case.slots
    ]
    doc["parts"] = [_part_view(part, calendar, today) for part in case.parts]
    doc["result_files"] = [
        f.model_dump(mode="json", exclude={"key"}) for f in case.files if f.slot == "result"
    ]
    doc.pop("files")
    doc.pop("slots")
    return doc


def compact(case: Case, calendar: working_days.WorkingCalendar, today: date) -> dict[str, Any]:
    card = progress(case, calendar, today)
    return {
        "number": case.number,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "state": case.state.value,
        "state_text": card["state_text"],
        "due": card["due"],
        "light": card["light"],
        "updated_at": case.updated_at.isoformat(timespec="seconds"),
    }


def _part_view(part: Part, calendar: working_days.WorkingCalendar, today: date) -> dict[str, Any]:
    """A joint case's part as the applicant sees it: where, who, how far, and its light."""
    view = part.model_dump(mode="json")
    view["light"] = None
    if part.due is not None and part.state.value in ("started", "accepted"):
        days_left = working_days.working_days_left(calendar, today, part.due)
        deadline = working_days.Deadline(
            due=part.due,
            provisional=False,
            provisional_years=(),
            paused=False,
            used_working_days=max(0, min(part.promised_days, part.promised_days - days_left)),
            limit_days=part.promised_days,
        )
        view["light"] = working_days.light(calendar, today, deadline).value
    return view
