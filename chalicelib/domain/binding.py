"""Window binding codes (绑定码): how an applicant's app account comes to be linked to an intake.

The applicant's own gateway issues the code to the logged-in applicant; the window enters or scans
it; the window's gateway links the account named in it to the intake. Invariants:

- A code names one app account (issuer + subject) and the province whose gateway issued it, and is
  signed by that gateway's exchange key; nothing else can link an account.
- It lives at most LIFETIME (ten minutes) and is used once: its id is recorded where it is used,
  in the same transaction as the case change.
- It proves who holds it without carrying the ID number: `holder` is a salted, memory-hard hash
  (scrypt) of the holder's verified ID number, the salt being the code's own random id. The window
  compares it with the intake's applicant; a code seen over someone's shoulder does not give the
  number away to a bulk search, and cannot be bound to anyone else's intake.

This module is pure: signing and verifying are the service's business.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import personal
from chalicelib.domain.errors import DomainError

BINDING_TYPE = "tongban-binding+jws"
LIFETIME = timedelta(minutes=10)
MAX_SKEW = timedelta(minutes=2)  # clocks between provinces
BINDING_VERSION = 1
# scrypt at 16 MiB: about 50 ms per code here and at the window, a bulk search over ID numbers
# out of reach; the salt is the code id, so nothing computed for one code serves another.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 16, "maxmem": 64 * 1024 * 1024}


class BindingRefused(DomainError):
    """A binding code that cannot link an account; the code says why. Nothing was changed."""

    status = 422


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def holder_proof(id_number: str, code_id: str) -> str:
    """The salted hash of a verified ID number that a code carries instead of the number."""
    number = personal.validate_id_number(id_number)
    salt = f"tongban-binding:{code_id}".encode()
    return _b64(hashlib.scrypt(number.encode("ascii"), salt=salt, **_SCRYPT))


@dataclass(frozen=True)
class BindingCode:
    id: str
    province: str  # the issuing gateway's province: whose key must have signed it
    issuer: str  # the app account: the token issuer …
    subject: str  # … and subject of the applicant who asked for it
    holder: str  # holder_proof of their verified ID number
    issued_at: int  # epoch seconds
    expires_at: int

    def claims(self) -> dict[str, Any]:
        return {
            "v": BINDING_VERSION,
            "id": self.id,
            "province": self.province,
            "issuer": self.issuer,
            "subject": self.subject,
            "holder": self.holder,
            "iat": self.issued_at,
            "exp": self.expires_at,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> BindingCode:
        texts = ("id", "province", "issuer", "subject", "holder")
        numbers = ("iat", "exp")
        if (
            claims.get("v") != BINDING_VERSION
            or not all(isinstance(claims.get(k), str) and claims[k] for k in texts)
            or not all(type(claims.get(k)) is int for k in numbers)
        ):
            raise BindingRefused("binding_code_invalid")
        return cls(
            id=claims["id"],
            province=claims["province"],
            issuer=claims["issuer"],
            subject=claims["subject"],
            holder=claims["holder"],
            issued_at=claims["iat"],
            expires_at=claims["exp"],
        )


def new_code(province: str, issuer: str, subject: str, id_number: str, now: datetime) -> BindingCode:
    """A fresh code for the applicant `issuer`/`subject` whose verified ID number is `id_number`."""
    code_id = secrets.token_urlsafe(16)
    issued = int(now.timestamp())
    return BindingCode(
        id=code_id,
        province=province,
        issuer=issuer,
        subject=subject,
        holder=holder_proof(id_number, code_id),
        issued_at=issued,
        expires_at=issued + int(LIFETIME.total_seconds()),
    )


def check_code(code: BindingCode, now: datetime) -> None:
    """A well-signed code may still be refused: expired, future-dated, or living longer than the
    rule allows (a partner's gateway cannot widen the window)."""
    moment = now.timestamp()
    if code.expires_at - code.issued_at > LIFETIME.total_seconds():
        raise BindingRefused("binding_code_invalid")
    if code.issued_at > moment + MAX_SKEW.total_seconds():
        raise BindingRefused("binding_code_invalid")
    if moment >= code.expires_at:
        raise BindingRefused("binding_code_expired")


def check_holder(code: BindingCode, id_number: str) -> None:
    """The code's holder is the person whose ID number the window checked in person."""
    if not hmac.compare_digest(code.holder, holder_proof(id_number, code.id)):
        raise BindingRefused("binding_code_holder_mismatch")
