"""How a case is shown: full to its applicant, masked to everyone else; a compact line for lists;
a progress card for small screens (state in plain words, next step, due date, days left, light).

Texts meant for display come in the reader's language (`lang`: zh, or en on request); data — item
and authority names, what people wrote — is shown as it was given.

Personal data is masked here, once, for every route that shows a case: the applicant block, the
form fields the item version's schema declares personal (`domain/forms.py`), and the name of
whom a result was handed to. Compact lines carry no personal data at all. Staff see clear values
only through the audited reveal (`services/reveal.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain import forms, personal, working_days
from chalicelib.domain.case import STORAGE_FIELDS, Agent, Applicant, Case, Part
from chalicelib.domain.case_acts import deadline_of, describe_event, offered_acts
from chalicelib.domain.case_states import act_label, plain
from chalicelib.domain.identity import Role
from chalicelib.domain.reveal import reveal_text


def progress(
    case: Case, calendar: working_days.WorkingCalendar, today: date, lang: str = "zh"
) -> dict[str, Any]:
    meaning, next_step = plain(case.state, lang)
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


def _person_view(a: Applicant | Agent, *, owner: bool) -> dict[str, Any]:
    """A person a case names, clear to its owners and masked to anyone else."""
    # A legal person's code and name are public registration data (not masked); its employee's are not.
    who = {"kind": a.kind.value, "credit_code": a.credit_code, "entity_name": a.entity_name}
    if owner:
        return {"name": a.name, "id_number": a.id_number, "phone": a.phone, **who}
    return {
        "name": personal.mask_name(a.name),
        "id_number": personal.mask_id_number(a.id_number),
        "phone": personal.mask_phone(a.phone) if a.phone else None,  # an agent's may be unknown
        **who,
    }


def applicant_view(case: Case, *, owner: bool) -> dict[str, Any]:
    return _person_view(case.applicant, owner=owner)


def agent_view(case: Case, *, owner: bool) -> dict[str, Any] | None:
    """代理人: the agent's identity, clear to the agent and the principal, masked to anyone else."""
    return None if case.agent is None else _person_view(case.agent, owner=owner)


def case_view(
    case: Case,
    *,
    owner: bool,
    role: Role | None,
    calendar: working_days.WorkingCalendar,
    today: date,
    form_schema: dict[str, Any] | None,
    lang: str = "zh",
) -> dict[str, Any]:
    """The case for a reader whose seat at it is `role` (None: a reader who may not act), clear to its
    owner and masked by `form_schema`'s declarations to anyone else (who therefore needs the schema)."""
    doc = case.model_dump(
        mode="json", exclude={"applicant", "agent", "principal_key", "version", "seq", "last_hash"}
    )
    doc["applicant"] = applicant_view(case, owner=owner)
    doc["agent"] = agent_view(case, owner=owner)
    if not owner:
        if form_schema is None:
            raise ValueError("a view for anyone but the owner masks by the form schema")
        doc["form"] = forms.mask_form(form_schema, case.form)
        handover = (doc.get("intake") or {}).get("handover")
        if handover:
            handover["to_whom"] = personal.mask_name(handover["to_whom"])
    doc["progress"] = progress(case, calendar, today, lang)
    acts = offered_acts(case, role)
    doc["allowed_acts"] = acts
    doc["act_labels"] = {act: act_label(act, lang) for act in acts}
    if case.clock.started_on is not None and case.decided_at is None:
        pauses = [working_days.Pause(p.start, p.end) for p in case.clock.pauses]
        doc["clock"]["used_days"] = working_days.working_days_used(
            calendar, case.clock.started_on, today, case.clock.promised_days, pauses
        )
    doc["revision"] = case.version
    doc["materials"] = [
        {
            "code": slot.code,
            "name": slot.name,
            "required": slot.required,
            "deferred": slot.code in case.deferred,
            "satisfied": slot.code in case.verified_slots(),
            "files": [
                f.model_dump(mode="json", exclude=STORAGE_FIELDS) for f in case.files if f.slot == slot.code
            ],
        }
        for slot in case.slots
    ]
    doc["parts"] = [_part_view(part, calendar, today) for part in case.parts]
    doc["result_files"] = [
        f.model_dump(mode="json", exclude=STORAGE_FIELDS) for f in case.files if f.slot == "result"
    ]
    doc.pop("files")
    doc.pop("slots")
    return doc


def compact(
    case: Case, calendar: working_days.WorkingCalendar, today: date, lang: str = "zh"
) -> dict[str, Any]:
    card = progress(case, calendar, today, lang)
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


def timeline_view(case: Case, events: list[dict[str, Any]], lang: str = "zh") -> list[dict[str, Any]]:
    """The timeline with what each event was, in the reader's language; a reveal of personal data
    says who saw which fields and why."""
    return [
        {**event, "description": reveal_text(case, event, lang) or describe_event(str(event["act"]), lang)}
        for event in events
    ]
