"""E-licences (电子证照): the interface to the licence system and the licence as the gateway sees it.

The national e-licence system (全国一体化政务服务平台电子证照共享服务) cannot be reached from
here: the gateway talks to a `LicenceProvider`, and a local stand-in implements it
(`chalicelib.adapters.licences.LocalLicenceProvider`).

A licence never carries the holder's ID number: it is indexed by `holder_key` (SHA-256 of the
normalised number, `chalicelib.domain.personal.holder_key`) and names the holder masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.domain.errors import InvalidInput


class TrustLevel(StrEnum):
    """How far a material can be trusted (国办函〔2016〕108号). A and B are reusable across cases.

    A: an e-licence from the authoritative source (issued by the authority with its e-seal, read
       from the e-licence system).
    B: an uploaded file that a clerk checked against the original (核验原件).
    C: an uploaded file verified by the gateway only (type, size, SHA-256), not against an original.
    D: an unverified declaration of the applicant (告知承诺 / 自行声明).
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"


@dataclass(frozen=True)
class Licence:
    """One licence (证照) of a holder."""

    reference: str  # 证照标识, unique in the licence system
    licence_type: str  # 证照类型, e.g. 居民身份证, 结婚证
    title: str
    holder_key: str  # personal.holder_key(ID number): never the number itself
    holder_name_masked: str  # personal.mask_name(name)
    issuer: str  # 发证机关
    issued_on: date
    valid_until: date | None  # None: no expiry (长期有效)
    trust_level: TrustLevel

    def is_valid_on(self, day: date) -> bool:
        """Issued on or before `day` and not expired on it (valid through `valid_until`)."""
        return self.issued_on <= day and (self.valid_until is None or day <= self.valid_until)

    def as_document(self) -> dict[str, Any]:
        """A JSON-able form (dates as ISO 8601)."""
        return {
            "reference": self.reference,
            "licence_type": self.licence_type,
            "title": self.title,
            "holder_key": self.holder_key,
            "holder_name_masked": self.holder_name_masked,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "trust_level": self.trust_level.value,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Licence:
        valid_until = doc.get("valid_until")
        return cls(
            reference=str(doc["reference"]),
            licence_type=str(doc["licence_type"]),
            title=str(doc["title"]),
            holder_key=str(doc["holder_key"]),
            holder_name_masked=str(doc["holder_name_masked"]),
            issuer=str(doc["issuer"]),
            issued_on=date.fromisoformat(doc["issued_on"]),
            valid_until=None if valid_until is None else date.fromisoformat(valid_until),
            trust_level=TrustLevel(doc["trust_level"]),
        )


def validate_licence_type(value: str, field: str = "licence_type") -> str:
    """A licence type: 1-50 characters, no `#` (it is part of storage keys)."""
    licence_type = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(licence_type) <= 50 or "#" in licence_type:
        raise InvalidInput("validation_failed", errors=[{"field": field, "code": "licence_type_format"}])
    return licence_type


class LicenceProvider(Protocol):
    """The e-licence system as the gateway uses it."""

    def find(self, holder_id_number: str, licence_type: str) -> list[Licence]:
        """The holder's licences of one type (all types when `licence_type` is empty)."""
        ...

    def get(self, reference: str) -> Licence | None:
        """One licence by its reference, or None."""
        ...

    def issue(
        self,
        holder_id_number: str,
        holder_name: str,
        licence_type: str,
        title: str,
        issuer: str,
        case_number: str,
        entity_credit_code: str | None = None,
    ) -> Licence:
        """Issue a case result as an e-licence (trust level A); with `entity_credit_code`, to that legal
        person (`holder_name` is then its name)."""
        ...
