"""Who the caller is, over HTTP: bearer authentication end to end through the Chalice app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chalicelib.api.messages import PROBLEMS
from tests.conftest import ISSUER, OTHER_ISSUER, PROVINCE, bearer

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "code", "instance", "request_id"}
CJK = re.compile(r"[\u4e00-\u9fff]")
OPERATOR_ITEM = "/v1/ops/catalog/items/ANYCODE"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims_of(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def body_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.body)
    return body


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert response.headers.get("X-Request-Id")
    body = body_of(response)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"/v1/problems/{code}"
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def assert_unauthenticated(response: Any, code: str) -> dict[str, Any]:
    body = assert_problem(response, 401, code)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return body


# --- crafted tokens ----------------------------------------------------------------------------


def expired() -> str:
    now = int(time.time())
    return ISSUER.token("operator", iat=now - 7200, nbf=now - 7200, exp=now - 3600)


def wrong_audience() -> str:
    return ISSUER.token("operator", aud="tongban-gateway:450000")


def alg_none() -> str:
    header = b64json({"alg": "none", "typ": "JWT", "kid": ISSUER.kid})
    return f"{header}.{b64json(claims_of(ISSUER.token('operator')))}."


def hs256_with_public_key() -> str:
    pem = ISSUER.private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = (
        b64json({"alg": "HS256", "typ": "JWT", "kid": ISSUER.kid})
        + "."
        + b64json(claims_of(ISSUER.token("operator")))
    )
    mac = hmac.new(pem, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def tampered_payload() -> str:
    header, _, signature = ISSUER.token("applicant").split(".")
    escalated = {**claims_of(ISSUER.token("applicant")), "role": "operator", "province": PROVINCE}
    return f"{header}.{b64json(escalated)}.{signature}"


def unknown_kid() -> str:
    return jwt.encode(
        claims_of(ISSUER.token("operator")), ISSUER.private_key, algorithm="ES256", headers={"kid": "dev-x-9"}
    )


def same_kid_other_key() -> str:
    impostor = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(
        claims_of(ISSUER.token("operator")), impostor, algorithm="ES256", headers={"kid": ISSUER.kid}
    )


def other_issuer() -> str:
    return OTHER_ISSUER.token("operator", province=PROVINCE)


def other_issuer_posing_as_ours() -> str:
    """Signed by the untrusted issuer's key but claiming our issuer and audience."""
    payload = claims_of(ISSUER.token("operator"))
    return jwt.encode(payload, OTHER_ISSUER.private_key, algorithm="ES256", headers={"kid": ISSUER.kid})


ATTACKS = {
    "expired": (expired, "token_expired"),
    "wrong_audience": (wrong_audience, "token_invalid"),
    "alg_none": (alg_none, "token_invalid"),
    "hs256_with_public_key": (hs256_with_public_key, "token_invalid"),
    "tampered_payload": (tampered_payload, "token_invalid"),
    "unknown_kid": (unknown_kid, "token_invalid"),
    "same_kid_other_key": (same_kid_other_key, "token_invalid"),
    "other_issuer": (other_issuer, "token_invalid"),
    "other_issuer_posing_as_ours": (other_issuer_posing_as_ours, "token_invalid"),
    "garbage": (lambda: "a.b.c", "token_invalid"),
}


# --- tests -------------------------------------------------------------------------------------


def test_no_authorization_header_is_401_token_missing(client: Any) -> None:
    response = client.http.get("/v1/me")
    body = assert_unauthenticated(response, "token_missing")
    assert body["instance"] == "/v1/me"


@pytest.mark.parametrize(
    "value",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", ISSUER.token("operator"), ""],
    ids=["basic", "bearer-alone", "bearer-blank", "other-scheme", "no-scheme", "empty"],
)
def test_authorization_that_is_not_a_bearer_token_is_401(client: Any, value: str) -> None:
    response = client.http.get("/v1/me", headers={"Authorization": value})
    assert_unauthenticated(response, "token_missing")


def test_lowercase_bearer_scheme_is_accepted(client: Any) -> None:
    response = client.http.get("/v1/me", headers={"Authorization": f"bearer {ISSUER.token('operator')}"})
    assert response.status_code == 200, response.body


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attacks_are_401_and_leak_nothing(client: Any, attack: str) -> None:
    make, code = ATTACKS[attack]
    token = make()
    response = client.http.get("/v1/me", headers=auth(token))
    body = assert_unauthenticated(response, code)
    assert set(body) <= PROBLEM_KEYS
    assert body["title"] == PROBLEMS[code][1]
    text = response.body.decode("utf-8") if isinstance(response.body, bytes) else str(response.body)
    public_jwk = ISSUER.jwks()["keys"][0]
    for secret in (
        "Traceback",
        'File "',
        "BEGIN",
        "PRIVATE",
        "jwt.",
        "Error",
        public_jwk["x"],
        public_jwk["y"],
    ):
        assert secret not in text
    assert ISSUER.kid not in text
    assert token not in text
    assert not [part for part in token.split(".") if len(part) >= 8 and part in text]
    assert "operator" not in text


def test_unhashable_alg_header_is_401(client: Any) -> None:
    token = ".".join(
        [b64json({"alg": ["ES256"], "kid": ISSUER.kid}), b64json({"iss": "x"}), b64url(b"x" * 64)]
    )
    response = client.http.get("/v1/me", headers=auth(token))
    assert_unauthenticated(response, "token_invalid")


@pytest.mark.parametrize("role", ["applicant", "window_clerk", "authority_clerk", "operator", "partner"])
def test_valid_token_of_every_role_is_seen_on_me(client: Any, role: str) -> None:
    token = ISSUER.token(role)
    response = client.http.get("/v1/me", headers=auth(token))
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("X-Request-Id")
    me = body_of(response)
    claims = claims_of(token)
    assert me["role"] == role
    assert me["subject"] == claims["sub"]
    assert me["issuer"] == ISSUER.issuer_config()["issuer"]
    assert me["province"] == (None if role == "applicant" else PROVINCE)
    assert me["window"] == claims.get("window")
    assert me["authority"] == claims.get("authority")


@pytest.mark.parametrize("role", ["operator", "window_clerk", "authority_clerk"])
def test_staff_of_another_province_are_forbidden(client: Any, role: str) -> None:
    response = client.http.get("/v1/me", headers=bearer(role, province="450000"))
    body = assert_problem(response, 403, "forbidden")
    assert "WWW-Authenticate" not in response.headers
    assert set(body) <= PROBLEM_KEYS


def test_partner_of_another_province_is_not_staff(client: Any) -> None:
    response = client.http.get("/v1/me", headers=bearer("partner", province="450000"))
    assert response.status_code == 200, response.body
    assert body_of(response)["province"] == "450000"


def test_staff_token_with_a_province_that_does_not_exist_is_401(client: Any) -> None:
    response = client.http.get("/v1/me", headers=bearer("operator", province="999999"))
    assert_unauthenticated(response, "token_invalid")


def test_applicant_is_forbidden_on_operator_routes(client: Any) -> None:
    assert client.http.get("/v1/me", headers=bearer("applicant")).status_code == 200
    response = client.http.get(OPERATOR_ITEM, headers=bearer("applicant"))
    assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize("role", ["window_clerk", "authority_clerk", "partner"])
def test_other_roles_are_forbidden_on_operator_routes(client: Any, role: str) -> None:
    assert_problem(client.http.get(OPERATOR_ITEM, headers=bearer(role)), 403, "forbidden")


def test_operator_of_another_province_is_forbidden_on_operator_routes(client: Any) -> None:
    response = client.http.get(OPERATOR_ITEM, headers=bearer("operator", province="450000"))
    assert_problem(response, 403, "forbidden")


def test_operator_route_without_token_is_401(client: Any) -> None:
    assert_unauthenticated(client.http.get(OPERATOR_ITEM), "token_missing")


def test_operator_reaches_the_operator_route(client: Any) -> None:
    response = client.http.get(OPERATOR_ITEM, headers=bearer("operator"))
    assert_problem(response, 404, "item_not_found")


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "token_missing"),
        (auth("a.b.c"), 401, "token_invalid"),
        (bearer("operator", province="450000"), 403, "forbidden"),
    ],
)
def test_titles_are_english_on_request_and_chinese_by_default(
    client: Any, headers: dict[str, str], status: int, code: str
) -> None:
    chinese = assert_problem(client.http.get("/v1/me", headers=headers), status, code)
    assert CJK.search(chinese["title"])
    assert chinese["title"] == PROBLEMS[code][1]
    response = client.http.get("/v1/me", headers={**headers, "Accept-Language": "en"})
    english = assert_problem(response, status, code)
    assert english["title"] == PROBLEMS[code][2]
    assert not CJK.search(english["title"])
    assert response.headers["Content-Language"] == "en"


def test_request_ids_are_present_and_distinct(client: Any) -> None:
    responses = [
        client.http.get("/v1/me", headers=bearer("operator")),
        client.http.get("/v1/me"),
        client.http.get("/v1/me", headers=auth(expired())),
        client.http.get("/v1/me", headers=bearer("operator", province="450000")),
        client.http.get(OPERATOR_ITEM, headers=bearer("operator")),
        client.http.get(OPERATOR_ITEM, headers=bearer("applicant")),
    ]
    assert [r.status_code for r in responses] == [200, 401, 401, 403, 404, 403]
    ids = [r.headers.get("X-Request-Id") for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)
