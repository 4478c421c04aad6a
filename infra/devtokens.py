"""The development issuer of the local stage: an ES256 key per province and tokens for each role.

Only the local stage trusts it (chalicelib.config refuses a development issuer elsewhere).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from chalicelib.config import DEVELOPMENT_ISSUER_BASE

TOKEN_LIFETIME_SECONDS = 12 * 3600


def issuer_of(province: str) -> str:
    return f"{DEVELOPMENT_ISSUER_BASE}{province}"


def audience_of(province: str) -> str:
    return f"tongban-gateway:{province}"


DEV_APPLICANTS = Path(__file__).resolve().parent / "seed" / "dev_applicants.json"
IDENTITY_CLAIMS = ("subject_kind", "id_number", "name", "phone", "assurance", "credit_code", "entity_name")


@cache
def dev_identities() -> dict[str, dict[str, Any]]:
    """The verified identity (实名认证) of each development applicant subject, as token claims."""
    entries = json.loads(DEV_APPLICANTS.read_text(encoding="utf-8"))["applicants"]
    return {e["subject"]: {k: e[k] for k in IDENTITY_CLAIMS if k in e} for e in entries}


# Development identities: opaque subjects, and the claims each role needs.
ROLE_CLAIMS: dict[str, dict[str, Any]] = {
    "applicant": {"sub": "dev-applicant-1"},
    "window_clerk": {"sub": "dev-window-clerk-1", "window": "W-{province}-01"},
    "authority_clerk": {"sub": "dev-authority-clerk-1", "authority": "A-{province}-01"},
    "operator": {"sub": "dev-operator-1"},
    "partner": {"sub": "dev-partner-{province}"},
}


# The rest of the local cast, per province, beside the first of each role: a second applicant, a
# legal person (its acting employee logs in), an agent (帮办代办), a second authority and window.
CAST: dict[str, tuple[str, dict[str, Any]]] = {
    "applicant_2": ("applicant", {"sub": "dev-applicant-2"}),
    "applicant_3": ("applicant", {"sub": "dev-applicant-3"}),
    "legal_person": ("applicant", {"sub": "dev-legal-person-1"}),
    "agent": ("applicant", {"sub": "dev-agent-1"}),
    "authority_clerk_2": (
        "authority_clerk",
        {"sub": "dev-authority-clerk-2", "authority": "A-{province}-02"},
    ),
    "window_clerk_2": ("window_clerk", {"sub": "dev-window-clerk-2", "window": "W-{province}-02"}),
}


@dataclass(frozen=True)
class DevIssuer:
    province: str
    private_key: ec.EllipticCurvePrivateKey
    kid: str

    @classmethod
    def generate(cls, province: str) -> DevIssuer:
        return cls(province, ec.generate_private_key(ec.SECP256R1()), f"dev-{province}-1")

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(ECAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}]}

    def issuer_config(self) -> dict[str, Any]:
        """The entry for TONGBAN_ISSUERS of this province's gateway."""
        return {
            "issuer": issuer_of(self.province),
            "audience": audience_of(self.province),
            "jwks": self.jwks(),
            "development": True,
        }

    def token(
        self,
        role: str,
        *,
        province: str | None = None,
        lifetime: int = TOKEN_LIFETIME_SECONDS,
        **overrides: Any,
    ) -> str:
        """A token for `role`; staff claims name `province` (default: this issuer's province)."""
        where = province or self.province
        now = int(time.time())
        claims: dict[str, Any] = {
            k: v.format(province=where) if isinstance(v, str) else v for k, v in ROLE_CLAIMS[role].items()
        }
        claims.update(
            {
                "iss": issuer_of(self.province),
                "aud": audience_of(self.province),
                "iat": now,
                "nbf": now,
                "exp": now + lifetime,
                "role": role,
            }
        )
        if role != "applicant":
            claims["province"] = where
        claims.update(
            {k: v.format(province=where) if isinstance(v, str) else v for k, v in overrides.items()}
        )
        if role == "applicant":
            # the identity the development issuer vouches for; an override replaces a claim, None drops it
            for name, value in dev_identities().get(str(claims["sub"]), {}).items():
                claims.setdefault(name, value)
            claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private_key, algorithm="ES256", headers={"kid": self.kid})

    def tokens(self) -> dict[str, str]:
        """A token for every role (the first of each) and for the rest of the local cast (CAST)."""
        tokens = {role: self.token(role) for role in ROLE_CLAIMS}
        tokens.update({name: self.token(role, **claims) for name, (role, claims) in CAST.items()})
        return tokens
