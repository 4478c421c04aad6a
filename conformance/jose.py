"""JWS as the exchange uses them: compact, ES256 (or RS256), `kid` and `typ` in the header."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
from jwt import PyJWK
from jwt.algorithms import ECAlgorithm

from conformance import jcs

ENVELOPE = "tongban-envelope+jws"
RECEIPT = "tongban-receipt+jws"
FETCH = "tongban-fetch+jws"
RECORD = "tongban-record+jws"
ALGORITHMS = {"ES256": "EC", "RS256": "RSA"}


class JwsError(Exception):
    """A JWS that does not verify; the message says why."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (the kit's `kid`)."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    return b64url(hashlib.sha256(jcs.canonicalize(members)).digest())


def new_private_jwk() -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key))
    jwk["kid"] = thumbprint(jwk)
    jwk["alg"], jwk["use"] = "ES256", "sig"
    return jwk


def public_jwk(private: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in private.items() if k != "d"}


def sign(claims: dict[str, Any], private: dict[str, Any], typ: str, *, kid: str | None = None) -> str:
    key = PyJWK(private, algorithm="ES256").key
    headers = {"kid": kid or private["kid"], "typ": typ}
    body = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jwt.api_jws.PyJWS().encode(body, key, algorithm="ES256", headers=headers)


def header(token: str) -> dict[str, Any]:
    try:
        return dict(jwt.get_unverified_header(token))
    except jwt.PyJWTError as err:
        raise JwsError(f"not a compact JWS: {err}") from None


def unverified(token: str) -> dict[str, Any]:
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError) as err:
        raise JwsError(f"claims not readable: {err}") from None
    if not isinstance(claims, dict):
        raise JwsError("claims are not a JSON object")
    return claims


def verify(token: str, jwks: dict[str, Any], typ: str) -> dict[str, Any]:
    """The claims of `token` if a key of `jwks` (by kid) signed it with typ `typ`; else JwsError."""
    head = header(token)
    alg, kid = head.get("alg"), head.get("kid")
    if alg not in ALGORITHMS:
        raise JwsError(f"algorithm {alg!r} not allowed")
    if head.get("typ") != typ:
        raise JwsError(f"typ {head.get('typ')!r}, expected {typ}")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        raise JwsError(f"kid {kid!r} not in the key set")
    try:
        key = PyJWK(jwk, algorithm=alg).key
        raw = jwt.api_jws.PyJWS().decode_complete(token, key=key, algorithms=[alg])["payload"]
        claims = json.loads(raw)
    except (jwt.PyJWTError, jwt.exceptions.PyJWKError, ValueError) as err:
        raise JwsError(f"signature does not verify: {err}") from None
    if not isinstance(claims, dict):
        raise JwsError("claims are not a JSON object")
    return claims
