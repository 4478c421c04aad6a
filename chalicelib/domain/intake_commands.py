"""Commands that open and prepare a case (立案前的指令): a new draft from the app, a window's intake
(异地代收), a form update, the window's consent (服务同意书) and original check (原件核验).

Like the act commands (`chalicelib.domain.commands`, ADR 0019) they are frozen and typed, built at
the boundary from input already validated (the request model's `to_command()`), and read by the
use cases in `chalicelib.services.cases` and `chalicelib.services.window`. Invariants:

- no use case reads a `dict` of request fields: what a command carries is named here;
- data whose shape is the item's, not the gateway's — the form (申请表), checked against the item's
  schema by `forms.check_form` — stays a mapping inside the command, and is copied into the case;
- the applicant as given is typed (`ApplicantGiven`), but still checked as personal data (script,
  GB 11643 check digit, mobile, GB 32100) by the use case, which alone knows whose identity it is;
- the module is pure Python, free of pydantic, like the act commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from chalicelib.domain.catalog_terms import Mode

IdentityMethod = Literal["id_card_reader", "face_match", "manual"]
ConsentMethod = Literal["paper_scan", "e_sign"]


@dataclass(frozen=True, slots=True)
class ApplicantGiven:
    """申请人 as a body names them, before the personal-data checks. A legal person adds
    `credit_code` and `entity_name` (name, ID number and phone are then its employee's, 经办人)."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    credit_code: str | None = None
    entity_name: str | None = None

    def fields(self) -> dict[str, Any]:
        """The fields by name, as `personal.validate_applicant_fields` reads them."""
        return {
            "name": self.name,
            "id_number": self.id_number,
            "phone": self.phone,
            "credit_code": self.credit_code,
            "entity_name": self.entity_name,
        }


@dataclass(frozen=True, slots=True)
class OpenDraft:
    """A draft from the app (全程网办 or 多地联办): the caller is the applicant, or — with
    `on_behalf_of` — their agent (委托代办). `mode` None: the item's default."""

    item_code: str
    province: str | None = None
    mode: Mode | None = None
    applicant: ApplicantGiven | None = None
    on_behalf_of: ApplicantGiven | None = None
    form: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IdentityShown:
    """身份核验 in person at the window: how, and on which document."""

    method: IdentityMethod
    document: str


@dataclass(frozen=True, slots=True)
class OpenIntake:
    """异地代收: a window opens a case for an item `province` handles, for the applicant it checked
    in person; with the applicant's binding code (绑定码) their app account is linked."""

    item_code: str
    province: str
    applicant: ApplicantGiven
    identity_check: IdentityShown
    binding_code: str | None = None
    form: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UpdateForm:
    """修改申请表: the form replaced as a whole (shaped by the item's schema)."""

    form: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RecordConsent:
    """服务同意书: the applicant's consent to proxy handling; a paper consent names its scan."""

    method: ConsentMethod
    file_id: str | None = None


@dataclass(frozen=True, slots=True)
class CheckOriginal:
    """原件核验 at the window: the scan matches the original held; `mail_original` sends it on."""

    mail_original: bool = False
