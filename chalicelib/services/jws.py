"""Verifying a partner's JWS (envelope or receipt) against the keys the registry holds for it."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.envelope import ExchangeRefusal

ALLOWED = {"ES256": "EC", "RS256": "RSA"}


def verify_jws(token: str, jwks: dict[str, Any], typ: str) -> dict[str, Any]:
    """The claims of `token` if a key of `jwks` signed it; else an ExchangeRefusal saying why."""
    import jwt
    from jwt import PyJWK
    from jwt.exceptions import PyJWKError, PyJWTError

    try:
        header = jwt.get_unverified_header(token)
    except PyJWTError:
        raise ExchangeRefusal("signature_malformed") from None
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALLOWED or header.get("typ") != typ:
        raise ExchangeRefusal("signature_algorithm_refused")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        raise ExchangeRefusal("unknown_kid")
    if jwk.get("kty") != ALLOWED[alg]:
        raise ExchangeRefusal("signature_algorithm_refused")
    try:
        key = PyJWK(jwk, algorithm=alg)
        raw = jwt.api_jws.PyJWS().decode_complete(token, key=key, algorithms=[alg])["payload"]
    except (PyJWTError, PyJWKError):
        raise ExchangeRefusal("signature_invalid") from None
    try:
        parsed = raw if isinstance(raw, dict) else json.loads(raw)
    except ValueError:
        raise ExchangeRefusal("envelope_malformed") from None
    if not isinstance(parsed, dict):
        raise ExchangeRefusal("envelope_malformed")
    return parsed
