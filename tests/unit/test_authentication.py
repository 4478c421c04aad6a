"""TokenVerifier and key sources, with issuers built in memory (no AWS, no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt import PyJWK, PyJWKClient
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, RSAAlgorithm
from jwt.exceptions import PyJWKClientConnectionError

from chalicelib.adapters import jwks as jwks_module
from chalicelib.adapters.jwks import REFRESH_FLOOR_SECONDS, RemoteKeys, StaticKeys
from chalicelib.config import IssuerConfig
from chalicelib.domain.identity import Assurance, Principal, Role, SubjectKind, VerifiedIdentity
from chalicelib.services.authentication import TokenVerifier, Unauthenticated

ISS = "https://idp.example.gov.cn/430000"
AUD = "tongban-gateway:430000"
OTHER_ISS = "https://idp.example.gov.cn/440000"
OTHER_AUD = "tongban-gateway:440000"
REMOTE_ISS = "https://idp.remote.example.gov.cn"
LEEWAY_SECONDS = 30  # the documented clock-skew allowance
REMOTE_URI = "https://idp.remote.example.gov.cn/.well-known/jwks.json"

EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC_KID = "ec-1"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_KID = "rsa-1"
MIXED_KID = "mixed-1"  # an RSA key: a token claiming ES256 under this kid must be refused
OTHER_EC_KEY = ec.generate_private_key(ec.SECP256R1())  # the other issuer's key, same kid name

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def jwk_of(key: PrivateKey, kid: str) -> dict[str, Any]:
    public = key.public_key()
    text = (
        ECAlgorithm.to_jwk(public)
        if isinstance(public, ec.EllipticCurvePublicKey)
        else RSAAlgorithm.to_jwk(public)
    )
    return {**json.loads(text), "kid": kid, "use": "sig"}


ISSUER = IssuerConfig(
    issuer=ISS,
    audience=AUD,
    jwks={"keys": [jwk_of(EC_KEY, EC_KID), jwk_of(RSA_KEY, RSA_KID), jwk_of(RSA_KEY, MIXED_KID)]},
)
OTHER = IssuerConfig(issuer=OTHER_ISS, audience=OTHER_AUD, jwks={"keys": [jwk_of(OTHER_EC_KEY, EC_KID)]})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims(role: str = "window_clerk", **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISS,
        "aud": AUD,
        "sub": "subject-42",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "role": role,
        "province": "430000",
        "window": "W-430000-07",
        "authority": "A-430000-03",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(
    payload: dict[str, Any],
    key: PrivateKey = EC_KEY,
    alg: str = "ES256",
    kid: str | None = EC_KID,
) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier((ISSUER, OTHER))


def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as info:
        verifier.verify(token)
    assert info.value.status == 401
    return info.value.code


# --- accepted tokens ---------------------------------------------------------------------------


def test_valid_es256_token_gives_principal_with_role_province_and_window(verifier: TokenVerifier) -> None:
    principal = verifier.verify(sign(claims("window_clerk", authority=None)))
    assert principal == Principal(
        subject="subject-42",
        role=Role.WINDOW_CLERK,
        issuer=ISS,
        province="430000",
        window="W-430000-07",
        authority=None,
    )


def test_valid_es256_token_for_authority_clerk_carries_authority(verifier: TokenVerifier) -> None:
    principal = verifier.verify(sign(claims("authority_clerk", window=None)))
    assert principal.role is Role.AUTHORITY_CLERK
    assert principal.authority == "A-430000-03"
    assert principal.window is None
    assert principal.province == "430000"


PERSON = {"id_number": "430102199001010016", "name": "测试申请人甲"}
COMPANY = {
    **PERSON,
    "subject_kind": "legal_person",
    "credit_code": "91350100M000100Y43",
    "entity_name": "测试科技有限公司",
}


def applicant_claims(**overrides: Any) -> dict[str, Any]:
    return claims("applicant", province=None, window=None, authority=None, **{**PERSON, **overrides})


def test_valid_applicant_token_needs_no_province(verifier: TokenVerifier) -> None:
    principal = verifier.verify(sign(applicant_claims()))
    assert (principal.subject, principal.role, principal.issuer, principal.province) == (
        "subject-42",
        Role.APPLICANT,
        ISS,
        None,
    )


def test_applicant_token_carries_the_verified_identity(verifier: TokenVerifier) -> None:
    principal = verifier.verify(sign(applicant_claims(phone="13800000001", assurance="face")))
    assert principal.identity == VerifiedIdentity(
        kind=SubjectKind.NATURAL_PERSON,
        id_number="430102199001010016",
        name="测试申请人甲",
        assurance=Assurance.FACE,
        phone="13800000001",
    )
    assert "4301021990" not in repr(principal) and "测试" not in repr(principal)


def test_missing_assurance_counts_as_the_weakest_level(verifier: TokenVerifier) -> None:
    identity = verifier.verify(sign(applicant_claims())).identity
    assert identity is not None and identity.assurance is Assurance.PHONE


def test_legal_person_token_carries_the_entity_and_its_acting_employee(verifier: TokenVerifier) -> None:
    identity = verifier.verify(sign(applicant_claims(**COMPANY))).identity
    assert identity is not None
    assert (identity.kind, identity.credit_code, identity.entity_name, identity.id_number) == (
        SubjectKind.LEGAL_PERSON,
        "91350100M000100Y43",
        "测试科技有限公司",
        "430102199001010016",
    )


def test_identity_claims_are_read_under_the_names_the_issuer_configures() -> None:
    renamed = IssuerConfig(
        issuer=ISS, audience=AUD, jwks=ISSUER.jwks, claims={"id_number": "idcard", "name": "real_name"}
    )
    token = sign(claims("applicant", province=None, idcard=PERSON["id_number"], real_name=PERSON["name"]))
    identity = TokenVerifier((renamed,)).verify(token).identity
    assert identity is not None and identity.id_number == PERSON["id_number"]
    assert rejected(TokenVerifier((renamed,)), sign(applicant_claims())) == "identity_claims_missing"


@pytest.mark.parametrize(
    "overrides",
    [
        {"id_number": None},
        {"name": None},
        {"id_number": "430102199001010017"},  # wrong check digit
        {"id_number": 430102199001010016},
        {"name": "Robert'); DROP"},
        {"phone": "12345"},
        {"assurance": "retina"},
        {"subject_kind": "robot"},
        {**COMPANY, "credit_code": None},
        {**COMPANY, "credit_code": "91350100M000100Y44"},
        {**COMPANY, "entity_name": ""},
    ],
)
def test_applicant_token_without_a_valid_identity_is_refused(
    verifier: TokenVerifier, overrides: dict[str, Any]
) -> None:
    assert rejected(verifier, sign(applicant_claims(**overrides))) == "identity_claims_missing"


def test_staff_tokens_need_no_identity_claims(verifier: TokenVerifier) -> None:
    assert verifier.verify(sign(claims("operator"))).identity is None


@pytest.mark.parametrize("sub", ["", "   ", 42])
def test_empty_or_non_text_subject_is_refused(verifier: TokenVerifier, sub: Any) -> None:
    assert rejected(verifier, sign(claims("operator", sub=sub))) == "token_invalid"


def test_token_lifetime_above_the_issuers_maximum_is_refused(verifier: TokenVerifier) -> None:
    now = int(time.time())
    assert verifier.verify(sign(claims("operator", iat=now, exp=now + 86400))).role is Role.OPERATOR
    century = claims("operator", iat=now, exp=now + 100 * 365 * 86400)
    assert rejected(verifier, sign(century)) == "token_lifetime_exceeded"
    short = IssuerConfig(issuer=ISS, audience=AUD, jwks=ISSUER.jwks, max_token_lifetime_seconds=600)
    assert rejected(TokenVerifier((short,)), sign(claims("operator", iat=now, exp=now + 601))) == (
        "token_lifetime_exceeded"
    )


def test_valid_rs256_token(verifier: TokenVerifier) -> None:
    principal = verifier.verify(sign(claims("operator"), key=RSA_KEY, alg="RS256", kid=RSA_KID))
    assert principal.role is Role.OPERATOR
    assert principal.issuer == ISS
    assert principal.province == "430000"


def test_audience_list_containing_our_audience_is_accepted(verifier: TokenVerifier) -> None:
    principal = verifier.verify(sign(claims("operator", aud=["someone-else", AUD])))
    assert principal.role is Role.OPERATOR


@pytest.mark.parametrize(
    ("claim", "offset"),
    [("nbf", LEEWAY_SECONDS - 10), ("iat", LEEWAY_SECONDS - 10), ("exp", -LEEWAY_SECONDS + 10)],
    ids=["nbf-ahead", "iat-ahead", "exp-just-passed"],
)
def test_small_clock_skew_within_leeway_is_accepted(verifier: TokenVerifier, claim: str, offset: int) -> None:
    token = sign(claims("operator", **{claim: int(time.time()) + offset}))
    assert verifier.verify(token).subject == "subject-42"


# --- rejected tokens ---------------------------------------------------------------------------


def test_expired_token_is_token_expired(verifier: TokenVerifier) -> None:
    now = int(time.time())
    token = sign(claims(iat=now - 7200, nbf=now - 7200, exp=now - LEEWAY_SECONDS - 30))
    assert rejected(verifier, token) == "token_expired"


def test_expired_token_with_bad_signature_is_invalid_not_expired(verifier: TokenVerifier) -> None:
    now = int(time.time())
    forged = sign(claims(exp=now - 3600), key=ec.generate_private_key(ec.SECP256R1()))
    assert rejected(verifier, forged) == "token_invalid"


def test_not_before_beyond_leeway_is_rejected(verifier: TokenVerifier) -> None:
    token = sign(claims(nbf=int(time.time()) + LEEWAY_SECONDS + 60))
    assert rejected(verifier, token) == "token_invalid"


def test_issued_in_the_future_beyond_leeway_is_rejected(verifier: TokenVerifier) -> None:
    token = sign(claims(iat=int(time.time()) + LEEWAY_SECONDS + 60))
    assert rejected(verifier, token) == "token_invalid"


def test_wrong_audience_is_rejected(verifier: TokenVerifier) -> None:
    assert rejected(verifier, sign(claims(aud="tongban-gateway:440000"))) == "token_invalid"


def test_unknown_issuer_is_rejected(verifier: TokenVerifier) -> None:
    assert rejected(verifier, sign(claims(iss="https://evil.example/430000"))) == "token_invalid"


def test_signature_by_another_key_under_the_same_kid_is_rejected(verifier: TokenVerifier) -> None:
    impostor = ec.generate_private_key(ec.SECP256R1())
    assert rejected(verifier, sign(claims("operator"), key=impostor, kid=EC_KID)) == "token_invalid"


def test_tampered_payload_with_original_signature_is_rejected(verifier: TokenVerifier) -> None:
    genuine = sign(applicant_claims())
    header, payload, signature = genuine.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded.update(role="operator", province="430000")
    tampered = ".".join([header, b64json(decoded), signature])
    assert verifier.verify(genuine).role is Role.APPLICANT  # the untouched token is fine
    assert rejected(verifier, tampered) == "token_invalid"


def test_tampered_signature_bytes_are_rejected(verifier: TokenVerifier) -> None:
    header, payload, signature = sign(claims("operator")).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[5] ^= 0x01
    assert rejected(verifier, ".".join([header, payload, b64url(bytes(raw))])) == "token_invalid"


def test_unknown_kid_is_rejected(verifier: TokenVerifier) -> None:
    assert rejected(verifier, sign(claims(), kid="no-such-kid")) == "token_invalid"


def test_missing_kid_is_rejected(verifier: TokenVerifier) -> None:
    assert rejected(verifier, sign(claims(), kid=None)) == "token_invalid"


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
def test_unsigned_alg_none_token_is_rejected(verifier: TokenVerifier, alg: str, signature: str) -> None:
    token = ".".join(
        [b64json({"alg": alg, "typ": "JWT", "kid": EC_KID}), b64json(claims("operator")), signature]
    )
    assert rejected(verifier, token) == "token_invalid"


def test_hs256_signed_with_the_public_key_pem_is_rejected(verifier: TokenVerifier) -> None:
    """Key confusion: a verifier trusting the header's alg would use the public key as HMAC secret."""
    for key, kid in ((EC_KEY, EC_KID), (RSA_KEY, RSA_KID)):
        pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        signing_input = (
            b64json({"alg": "HS256", "typ": "JWT", "kid": kid}) + "." + b64json(claims("operator"))
        )
        mac = hmac.new(pem, signing_input.encode("ascii"), hashlib.sha256).digest()
        token = signing_input + "." + b64url(mac)
        # the forgery is sound: a bare HS256 check keyed with the PEM accepts it
        assert HMACAlgorithm(HMACAlgorithm.SHA256).verify(signing_input.encode("ascii"), pem, mac)
        assert rejected(verifier, token) == "token_invalid"


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512", "ES384", "RS512", "PS256", "EdDSA"])
def test_algorithms_outside_the_allow_list_are_rejected(verifier: TokenVerifier, alg: str) -> None:
    token = ".".join([b64json({"alg": alg, "kid": EC_KID}), b64json(claims()), b64url(b"x" * 64)])
    assert rejected(verifier, token) == "token_invalid"


def test_es256_header_with_rsa_key_under_that_kid_is_rejected(verifier: TokenVerifier) -> None:
    token = sign(claims("operator"), key=EC_KEY, alg="ES256", kid=MIXED_KID)
    assert rejected(verifier, token) == "token_invalid"


def test_rs256_header_with_ec_key_under_that_kid_is_rejected(verifier: TokenVerifier) -> None:
    token = sign(claims("operator"), key=RSA_KEY, alg="RS256", kid=EC_KID)
    assert rejected(verifier, token) == "token_invalid"


@pytest.mark.parametrize("claim", ["exp", "sub", "iat", "aud", "iss"])
def test_missing_required_claim_is_rejected(verifier: TokenVerifier, claim: str) -> None:
    payload = claims("operator")
    del payload[claim]
    assert rejected(verifier, sign(payload)) == "token_invalid"


@pytest.mark.parametrize("role", ["admin", "", "OPERATOR", None, 7])
def test_invalid_role_claim_is_rejected(verifier: TokenVerifier, role: Any) -> None:
    payload = claims("operator")
    payload["role"] = role
    if role is None:
        del payload["role"]
    assert rejected(verifier, sign(payload)) == "token_invalid"


@pytest.mark.parametrize("role", ["window_clerk", "authority_clerk", "operator", "partner"])
def test_staff_role_without_province_is_rejected(verifier: TokenVerifier, role: str) -> None:
    assert verifier.verify(sign(claims(role))).role == role  # with a province it is accepted
    assert rejected(verifier, sign(claims(role, province=None))) == "token_invalid"


@pytest.mark.parametrize("province", ["999999", "43", "", 430000])
def test_staff_role_with_malformed_province_is_rejected(verifier: TokenVerifier, province: Any) -> None:
    assert rejected(verifier, sign(claims("operator", province=province))) == "token_invalid"


@pytest.mark.parametrize("window", [None, ""])
def test_window_clerk_without_window_is_rejected(verifier: TokenVerifier, window: str | None) -> None:
    assert rejected(verifier, sign(claims("window_clerk", window=window))) == "token_invalid"


@pytest.mark.parametrize("authority", [None, ""])
def test_authority_clerk_without_authority_is_rejected(
    verifier: TokenVerifier, authority: str | None
) -> None:
    assert rejected(verifier, sign(claims("authority_clerk", authority=authority))) == "token_invalid"


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "...", "a.b", "a.b.c.d", "Bearer x", b64json({"alg": "ES256"}) + ".e30.", "é.é.é"],
)
def test_garbage_tokens_are_rejected(verifier: TokenVerifier, token: str) -> None:
    assert rejected(verifier, token) == "token_invalid"


def test_non_object_payload_is_rejected(verifier: TokenVerifier) -> None:
    token = ".".join([b64json({"alg": "ES256", "kid": EC_KID}), b64json([1, 2]), b64url(b"x" * 64)])
    assert rejected(verifier, token) == "token_invalid"


@pytest.mark.parametrize("alg", [["ES256"], {"ES256": 1}])
def test_unhashable_alg_header_is_rejected(verifier: TokenVerifier, alg: Any) -> None:
    token = ".".join([b64json({"alg": alg, "kid": EC_KID}), b64json(claims()), b64url(b"x" * 64)])
    assert rejected(verifier, token) == "token_invalid"


# --- several trusted issuers -------------------------------------------------------------------


def test_token_of_another_trusted_issuer_is_verified_with_that_issuers_keys(verifier: TokenVerifier) -> None:
    theirs = claims("partner", iss=OTHER_ISS, aud=OTHER_AUD, province="440000")
    principal = verifier.verify(sign(theirs, key=OTHER_EC_KEY, kid=EC_KID))
    assert principal.issuer == OTHER_ISS
    assert principal.province == "440000"
    # both issuers publish a key named EC_KID: the key is chosen by `iss`, never by kid alone
    assert rejected(verifier, sign(theirs, key=EC_KEY, kid=EC_KID)) == "token_invalid"
    ours = claims("operator")
    assert rejected(verifier, sign(ours, key=OTHER_EC_KEY, kid=EC_KID)) == "token_invalid"


def test_token_of_another_trusted_issuer_needs_that_issuers_audience(verifier: TokenVerifier) -> None:
    theirs = claims("partner", iss=OTHER_ISS, aud=AUD, province="440000")
    assert rejected(verifier, sign(theirs, key=OTHER_EC_KEY, kid=EC_KID)) == "token_invalid"


def test_verifier_without_issuers_rejects_everything() -> None:
    assert rejected(TokenVerifier(()), sign(claims("operator"))) == "token_invalid"


# --- key sources -------------------------------------------------------------------------------


def test_static_keys_index_by_kid() -> None:
    keys = StaticKeys(ISSUER.jwks or {})
    found = keys.key(EC_KID)
    assert found is not None and found.key_type == "EC"
    assert keys.key(RSA_KID) is not None and keys.key(RSA_KID).key_type == "RSA"  # type: ignore[union-attr]
    assert keys.key("nope") is None


def test_static_keys_refuse_an_invalid_jwks() -> None:
    with pytest.raises(ValueError, match="invalid JWKS"):
        StaticKeys({"keys": []})


def pyjwk(key: PrivateKey, kid: str) -> PyJWK:
    return PyJWK.from_dict(jwk_of(key, kid))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(jwks_module, "time", SimpleNamespace(monotonic=fake))
    return fake


class FakeIdp:
    """The issuer's JWKS endpoint: what it publishes now, and how often it was asked."""

    def __init__(self, *keys: PyJWK) -> None:
        self.keys = list(keys)
        self.calls = 0
        self.down = False

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        self.calls += 1
        if self.down:
            raise PyJWKClientConnectionError("Fail to fetch data from the url")
        return list(self.keys)


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> tuple[RemoteKeys, FakeIdp]:
    source = RemoteKeys(REMOTE_URI)
    idp = FakeIdp(pyjwk(EC_KEY, "k1"))
    monkeypatch.setattr(source._client, "get_signing_keys", idp.get_signing_keys)
    return source, idp


def test_remote_keys_fetch_on_first_use_and_cache(remote: tuple[RemoteKeys, FakeIdp], clock: Clock) -> None:
    source, idp = remote
    assert source.key("k1") is not None
    assert idp.calls == 1
    clock.now += 10 * REFRESH_FLOOR_SECONDS
    for _ in range(5):
        assert source.key("k1") is not None
    assert idp.calls == 1  # a known kid never refetches


def test_remote_keys_learn_a_rotated_kid_after_refresh(
    remote: tuple[RemoteKeys, FakeIdp], clock: Clock
) -> None:
    source, idp = remote
    assert source.key("k1") is not None
    idp.keys = [pyjwk(EC_KEY, "k1"), pyjwk(RSA_KEY, "k2")]  # the issuer rotates
    clock.now += REFRESH_FLOOR_SECONDS + 1
    found = source.key("k2")
    assert found is not None and found.key_type == "RSA"
    assert idp.calls == 2


def test_remote_keys_unknown_kid_at_first_becomes_known_after_the_floor(
    remote: tuple[RemoteKeys, FakeIdp], clock: Clock
) -> None:
    source, idp = remote
    assert source.key("k2") is None  # first use: fetched, not there yet
    assert idp.calls == 1
    idp.keys.append(pyjwk(RSA_KEY, "k2"))
    clock.now += REFRESH_FLOOR_SECONDS / 2
    assert source.key("k2") is None  # within the floor: not refetched
    assert idp.calls == 1
    clock.now += REFRESH_FLOOR_SECONDS
    assert source.key("k2") is not None
    assert idp.calls == 2


def test_remote_keys_forged_kids_within_the_floor_do_not_refetch(
    remote: tuple[RemoteKeys, FakeIdp], clock: Clock
) -> None:
    source, idp = remote
    assert source.key("k1") is not None
    clock.now += REFRESH_FLOOR_SECONDS + 1
    for i in range(50):
        assert source.key(f"forged-{i}") is None
        clock.now += 0.5
    assert idp.calls == 2  # one refresh for the first unknown kid, then none within 60 s
    clock.now += REFRESH_FLOOR_SECONDS
    assert source.key("forged-again") is None
    assert idp.calls == 3


def test_remote_keys_keep_known_keys_when_the_endpoint_fails(
    remote: tuple[RemoteKeys, FakeIdp], clock: Clock
) -> None:
    source, idp = remote
    assert source.key("k1") is not None
    idp.down = True
    clock.now += REFRESH_FLOOR_SECONDS + 1
    assert source.key("k9") is None
    assert idp.calls == 2
    assert source.key("k1") is not None  # the outage did not wipe what we had


def remote_verifier(monkeypatch: pytest.MonkeyPatch, fetch: Callable[[], Any]) -> TokenVerifier:
    monkeypatch.setattr(PyJWKClient, "fetch_data", lambda self: fetch())
    return TokenVerifier((IssuerConfig(issuer=REMOTE_ISS, audience=AUD, jwks_uri=REMOTE_URI),))


def test_verifier_with_remote_issuer_accepts_a_rotated_key(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    published = {"keys": [jwk_of(EC_KEY, "r1")]}
    verifier = remote_verifier(monkeypatch, lambda: published)
    payload = claims("operator", iss=REMOTE_ISS)
    assert verifier.verify(sign(payload, key=EC_KEY, kid="r1")).issuer == REMOTE_ISS
    published["keys"] = [jwk_of(RSA_KEY, "r2")]
    clock.now += REFRESH_FLOOR_SECONDS + 1
    assert verifier.verify(sign(payload, key=RSA_KEY, alg="RS256", kid="r2")).role is Role.OPERATOR
    assert rejected(verifier, sign(payload, key=EC_KEY, kid="r1")) == "token_invalid"  # retired key
    assert rejected(verifier, sign(payload, key=EC_KEY, kid="r2", alg="ES256")) == "token_invalid"


@pytest.mark.parametrize("published", [{"keys": []}, {"keys": [{"kty": "bogus", "kid": "x"}]}])
def test_verifier_with_remote_issuer_serving_an_unusable_jwks_rejects(
    monkeypatch: pytest.MonkeyPatch, clock: Clock, published: dict[str, Any]
) -> None:
    verifier = remote_verifier(monkeypatch, lambda: published)
    token = sign(claims("operator", iss=REMOTE_ISS), key=EC_KEY, kid="r1")
    assert rejected(verifier, token) == "token_invalid"
