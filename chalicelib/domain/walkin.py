"""Walk-in applicants (窗口申请人): what reaches someone who applied at a window without the app.

They hold the receipt (收件告知单) with the case number and the 查询码 (domain/query_code.py), and
the phone number the window recorded. With the number and the code they open the public progress
card and rate the service; by SMS (短信) they get the notices app users get.

Invariants:
- An SMS text carries the item name, the case number, what happened, and the link to the public
  progress card (which offers the rating): never the ID number, the name or any form value.
- Texts are short: one notice, one sentence of what happened, one of what to do, the link.
- The link's shape is fixed (`progress_path`, `rating_path`) so the printed receipt's QR code
  and the SMS point at the same public routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from chalicelib.domain.case_acts import ACT_NOTICES
from chalicelib.domain.case_states import RATEABLE, CaseState, plain

SMS_SIGNATURE = "【跨省通办】"  # 短信签名: the sender's name, in brackets, as carriers require
WALK_IN_ISSUER_PREFIX = "window:"  # an intake no app account is bound to (services/window.py)


def progress_path(number: str) -> str:
    return f"/v1/public/cases/{quote(number)}/progress"


def rating_path(number: str) -> str:
    return f"/v1/public/cases/{quote(number)}/rating"


def progress_link(base_url: str, number: str, code: str) -> str:
    """The public progress card of a case (which offers the rating): the receipt's QR code and
    the SMS texts point here."""
    return f"{base_url.rstrip('/')}{progress_path(number)}?code={quote(code)}"


# Notices about what the window itself does for the applicant (its scans): the window acts on them.
WINDOW_MATTERS = frozenset({"material_rejected"})


def is_walk_in(recipient: str) -> bool:
    """A notice's recipient that is an intake's opaque window subject: no app account to reach."""
    return recipient.startswith(WALK_IN_ISSUER_PREFIX)


def texted(notice: dict[str, Any]) -> bool:
    """Whether a notice goes to a walk-in applicant by SMS: theirs, and not the window's business."""
    return is_walk_in(str(notice.get("recipient", ""))) and notice.get("act") not in WINDOW_MATTERS


@dataclass(frozen=True)
class SmsMessage:
    """One SMS to one phone. `text` is the full text; `template` and `params` are the same message
    for providers that send only pre-approved templates (短信模板: domestic providers)."""

    to: str
    text: str
    template: str
    params: dict[str, str] = field(default_factory=dict)
    reference: str = ""  # the notice id: the provider's idempotency / callback reference


def sms_of(notice: dict[str, Any], phone: str, link: str) -> SmsMessage:
    """The SMS of a notice to a walk-in applicant, from the notice's own fields and the link."""
    act = str(notice["act"])
    state = CaseState(notice["state"])
    meaning, next_step = ACT_NOTICES.get(act) or plain(state, "zh")
    rateable = state in RATEABLE and act != "rectification_closed"
    ask = "进度查询及评价" if rateable else "进度查询"
    params = {
        "item": str(notice["item_name"]),
        "number": str(notice["case"]),
        "status": meaning,
        "next_step": next_step,
        "link": link,
    }
    case = f"您的{params['item']}（办件编号{params['number']}）"
    text = f"{SMS_SIGNATURE}{case}{meaning}。{next_step}。{ask}：{link}"
    template = "rated_result" if rateable else act if act in ACT_NOTICES else "state_changed"
    return SmsMessage(to=phone, text=text, template=template, params=params, reference=str(notice["id"]))


def e164(phone: str) -> str:
    """A mainland mobile number (as the window recorded it) in E.164, as SMS APIs take it."""
    digits = phone.strip().replace(" ", "").replace("-", "")
    if digits.startswith("+"):
        return digits
    return "+86" + digits.removeprefix("0086").removeprefix("86") if len(digits) > 11 else "+86" + digits
