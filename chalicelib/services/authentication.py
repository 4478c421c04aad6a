"""Bearer token authentication (统一身份认证): verify a JWT and turn its claims into a Principal.

Rules: only ES256 and RS256 (never `none`, never HS* — a public key is not a shared secret); the
key is chosen by the token's issuer and `kid`, and its type must fit the algorithm; `iss`, `aud`,
`exp` are required and checked with a small leeway for clock skew, as is `nbf` when present.

Fails closed: an empty `sub`, a lifetime (`exp - iat`) above the issuer's maximum, and an applicant
token without the verified identity (实名认证: ID number and name, and for a legal person its
统一社会信用代码 and name) are refused. The identity claims are read under the names the issuer
configures; their values are checked as personal data and never logged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jwt
from jwt.exceptions import ExpiredSignatureError, InvalidTokenError

from chalicelib.adapters.jwks import KeySource, RemoteKeys, StaticKeys
from chalicelib.config import IssuerConfig
from chalicelib.domain import personal
from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.domain.identity import Assurance, Principal, Role, SubjectKind, VerifiedIdentity
from chalicelib.domain.regions import is_province

ALLOWED_ALGORITHMS = {"ES256": "EC", "RS256": "RSA"}
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub", "iat"]


class Unauthenticated(DomainError):
    code = "token_invalid"
    status = 401


class TokenVerifier:
    def __init__(self, issuers: tuple[IssuerConfig, ...]) -> None:
        self._issuers = {i.issuer: i for i in issuers}
        self._sources: dict[str, KeySource] = {}

    def _source(self, issuer: IssuerConfig) -> KeySource:
        source = self._sources.get(issuer.issuer)
        if source is None:
            source = StaticKeys(issuer.jwks) if issuer.jwks is not None else RemoteKeys(str(issuer.jwks_uri))
            self._sources[issuer.issuer] = source
        return source

    def authenticate_bearer(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization: Bearer …` header, or `token_missing`/`token_invalid`."""
        return self.verify(_bearer_token(authorization))

    def verify(self, token: str) -> Principal:
        claims = self.claims(token)
        return principal_from_claims(claims, self._issuers[str(claims["iss"])])

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature, issuer, audience and times are checked."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except InvalidTokenError:
            raise Unauthenticated() from None
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS or not isinstance(kid, str):
            raise Unauthenticated()
        issuer = self._issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise Unauthenticated()
        key = self._source(issuer).key(kid)
        if key is None or key.key_type != ALLOWED_ALGORITHMS[alg]:
            raise Unauthenticated()
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=issuer.audience,
                issuer=issuer.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except ExpiredSignatureError:
            raise Unauthenticated("token_expired") from None
        except InvalidTokenError:
            raise Unauthenticated() from None
        return claims


def principal_from_claims(claims: dict[str, Any], issuer: IssuerConfig) -> Principal:
    """Map verified claims to a principal; staff claims must name where they work, applicants' who
    they are."""
    if not isinstance(claims.get("sub"), str) or not claims["sub"].strip():
        raise Unauthenticated()
    lifetime = claims["exp"] - claims["iat"]
    if not isinstance(lifetime, int | float) or lifetime > issuer.max_token_lifetime_seconds:
        raise Unauthenticated("token_lifetime_exceeded")
    try:
        role = Role(str(claims.get("role")))
    except ValueError:
        raise Unauthenticated() from None
    province = claims.get("province")
    if role is not Role.APPLICANT and not (isinstance(province, str) and is_province(province)):
        raise Unauthenticated()
    if role is Role.WINDOW_CLERK and not claims.get("window"):
        raise Unauthenticated()
    if role is Role.AUTHORITY_CLERK and not claims.get("authority"):
        raise Unauthenticated()
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        issuer=str(claims["iss"]),
        province=province if isinstance(province, str) else None,
        window=_opt(claims.get("window")),
        authority=_opt(claims.get("authority")),
        identity=identity_from_claims(claims, issuer) if role is Role.APPLICANT else None,
    )


def identity_from_claims(claims: dict[str, Any], issuer: IssuerConfig) -> VerifiedIdentity:
    """The verified identity (实名认证) an applicant token carries, or `identity_claims_missing`.

    A missing assurance counts as the weakest level, so items asking more refuse it.
    """

    def value(logical: str) -> Any:
        return claims.get(issuer.claim(logical))

    try:
        kind = SubjectKind(value("subject_kind") or SubjectKind.NATURAL_PERSON.value)
        assurance = Assurance(value("assurance") or Assurance.PHONE.value)
        phone = value("phone")
        identity = VerifiedIdentity(
            kind=kind,
            id_number=personal.validate_id_number(value("id_number")),
            name=personal.validate_name(value("name")),
            assurance=assurance,
            phone=personal.validate_mobile(phone) if phone else None,
        )
        if kind is SubjectKind.LEGAL_PERSON:
            identity = replace(
                identity,
                credit_code=personal.validate_credit_code(value("credit_code")),
                entity_name=_entity_name(value("entity_name")),
            )
    except (ValueError, TypeError, InvalidInput):
        raise Unauthenticated("identity_claims_missing") from None
    return identity


def _entity_name(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 200:
        raise ValueError("entity_name")
    return value.strip()


def _opt(value: Any) -> str | None:
    return str(value) if value else None


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("token_missing")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("token_missing")
    return token.strip()
