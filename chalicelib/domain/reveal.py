"""The audited reveal (查看明文): staff who must see a clear personal value ask for it by field,
with a stated purpose; the act is sealed into the case's audit chain and shown to the applicant.

Invariants:
- a reveal names fields, never values: the event, the exchange message (`case.revealed`) and the
  applicant's timeline text carry which fields, who, when and why; the clear values exist only in
  the caller's response;
- revealable fields are the applicant block (`applicant.name`, `applicant.id_number`,
  `applicant.phone`), on a case filed by an agent (委托代办) the agent block (`agent.name`,
  `agent.id_number`, `agent.phone`), and the form fields the item version declares personal
  (`form.<path>`);
- the purpose is one of `RevealPurpose`; `other` needs a note.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from chalicelib.domain import forms
from chalicelib.domain.case import Case
from chalicelib.domain.case_acts import By, Outcome, record
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.personal import PersonalKind
from chalicelib.domain.regions import is_province, province_name

REVEAL_ACT: Final = "personal_data_revealed"  # the event at the province where staff revealed
PARTNER_REVEAL_ACT: Final = "partner_revealed"  # its mirror at the applicant's home (case.revealed)
MAX_FIELDS: Final = 10
NOTE_MAX_LENGTH: Final = 200

APPLICANT_FIELDS: Final[dict[str, PersonalKind]] = {
    "applicant.name": PersonalKind.NAME,
    "applicant.id_number": PersonalKind.ID_NUMBER,
    "applicant.phone": PersonalKind.PHONE,
}

AGENT_FIELDS: Final[dict[str, PersonalKind]] = {
    "agent.name": PersonalKind.NAME,
    "agent.id_number": PersonalKind.ID_NUMBER,
    "agent.phone": PersonalKind.PHONE,
}


class RevealPurpose(StrEnum):
    """Why staff need the clear value (查看事由)."""

    IDENTITY_CHECK = "identity_check"  # 核验申请人身份
    CONTACT_APPLICANT = "contact_applicant"  # 联系申请人
    RESULT_DELIVERY = "result_delivery"  # 送达办理结果
    LEGAL_REQUEST = "legal_request"  # 依法调取 (司法、监察机关依法要求)
    OTHER = "other"  # 其他 (with a note)


PURPOSE_TEXT: Final[dict[RevealPurpose, tuple[str, str]]] = {
    RevealPurpose.IDENTITY_CHECK: ("核验申请人身份", "checking the applicant's identity"),
    RevealPurpose.CONTACT_APPLICANT: ("联系申请人", "contacting the applicant"),
    RevealPurpose.RESULT_DELIVERY: ("送达办理结果", "delivering the result"),
    RevealPurpose.LEGAL_REQUEST: ("依法调取", "a request made under the law"),
    RevealPurpose.OTHER: ("其他事由", "another reason"),
}

KIND_TEXT: Final[dict[PersonalKind, tuple[str, str]]] = {
    PersonalKind.ID_NUMBER: ("身份证件号码", "ID number"),
    PersonalKind.PHONE: ("手机号码", "phone number"),
    PersonalKind.NAME: ("姓名", "name"),
    PersonalKind.ADDRESS: ("地址", "address"),
    PersonalKind.ACCOUNT_NUMBER: ("账号", "account number"),
    PersonalKind.OTHER: ("其他个人信息", "other personal data"),
}

AGENT_TEXT: Final = ("代办人", "agent's ")  # "your agent's ID number", 您的代办人身份证件号码


def revealable(form_schema: dict[str, Any], *, has_agent: bool = False) -> dict[str, PersonalKind]:
    """Every field that may be revealed on a case of this form schema, with its kind."""
    declared = {f"form.{path}": kind for path, kind in forms.personal_fields(form_schema).items()}
    return {**APPLICANT_FIELDS, **(AGENT_FIELDS if has_agent else {}), **declared}


def check_request(
    form_schema: dict[str, Any], fields: list[str], purpose: str, note: str | None, *, has_agent: bool = False
) -> dict[str, PersonalKind]:
    """The requested fields with their kinds, or InvalidInput naming each wrong one (never a value)."""
    allowed = revealable(form_schema, has_agent=has_agent)
    errors: list[dict[str, Any]] = []
    for index, field in enumerate(fields):
        if field not in allowed:
            errors.append({"field": f"fields.{index}", "code": "field_not_revealable"})
    if purpose == RevealPurpose.OTHER and not (note and note.strip()):
        errors.append({"field": "note", "code": "reveal_note_required"})
    if errors:
        raise InvalidInput("validation_failed", errors=errors)
    return {field: allowed[field] for field in dict.fromkeys(fields)}


def clear_values(case: Case, fields: dict[str, PersonalKind]) -> dict[str, Any]:
    """The clear values of the fields (None where the case has none)."""
    values: dict[str, Any] = {}
    for field in fields:
        if field in APPLICANT_FIELDS:
            values[field] = getattr(case.applicant, field.split(".", 1)[1])
        elif field in AGENT_FIELDS:
            values[field] = None if case.agent is None else getattr(case.agent, field.split(".", 1)[1])
        else:
            values[field] = forms.value_at(case.form, field.split(".", 1)[1])
    return values


def reveal(
    case: Case, by: By, at: datetime, fields: dict[str, PersonalKind], purpose: str, note: str | None
) -> Outcome:
    """The reveal as an event on the case's audit chain: which fields, of which kinds, why."""
    details = {
        "fields": list(fields),
        "kinds": [kind.value for kind in fields.values()],
        "purpose": purpose,
        "note": note,
    }
    return record(case, REVEAL_ACT, by, at, details)


def revealed_payload(event: dict[str, Any]) -> dict[str, Any]:
    """The `case.revealed` message telling the applicant's home of a reveal (no values)."""
    details = event["details"]
    return {
        "fields": details["fields"],
        "kinds": details["kinds"],
        "purpose": details["purpose"],
        "note": details.get("note"),
        "by": event["by"],
        "at": event["at"],
        "event_seq": event["seq"],
    }


def _who(by: dict[str, Any], case: Case, lang: str) -> str:
    province = str(by.get("province") or "")
    where = province_name(province) if lang == "zh" and is_province(province) else province
    if by.get("window"):
        return (
            f"{where}跨省通办窗口（{by['window']}）的工作人员"
            if lang == "zh"
            else f"staff of the cross-province window {by['window']} ({province})"
        )
    authority = str(by.get("authority") or "")
    name = case.handler.authority_name if authority == case.handler.authority else authority
    return f"{name}的工作人员" if lang == "zh" else f"staff of {name} ({authority}, {province})"


def reveal_text(case: Case, event: dict[str, Any], lang: str) -> str | None:
    """A reveal in plain words for the applicant's timeline; None for any other event."""
    if event.get("act") == REVEAL_ACT:
        details, by = event["details"], event["by"]
    elif event.get("act") == PARTNER_REVEAL_ACT:
        details = event["details"]
        by = details.get("by") or {}
    else:
        return None
    index = 1 if lang == "en" else 0
    fields = details.get("fields") or []
    kinds = list(
        dict.fromkeys(
            (AGENT_TEXT[index] if str(f).startswith("agent.") else "") + KIND_TEXT[_kind(k)][index]
            for f, k in zip(fields, details.get("kinds", []), strict=False)
        )
    )
    purpose = PURPOSE_TEXT[_purpose(details.get("purpose"))][index]
    who = _who(by, case, "en" if index else "zh")
    if index:
        return f"{who[0].upper()}{who[1:]} viewed your {', '.join(kinds)} in full, for {purpose}."
    return f"{who}因“{purpose}”查看了您的{'、'.join(kinds)}明文。"


def _kind(value: Any) -> PersonalKind:
    try:
        return PersonalKind(value)
    except ValueError:
        return PersonalKind.OTHER


def _purpose(value: Any) -> RevealPurpose:
    try:
        return RevealPurpose(value)
    except ValueError:
        return RevealPurpose.OTHER
