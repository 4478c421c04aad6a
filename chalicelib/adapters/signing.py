"""Signing with the province's KMS key (ECC_NIST_P256, ES256) and its public key as a JWK.

The private key never leaves KMS: a JWS is assembled here and only its signing input goes to
`kms:Sign` (MessageType RAW, which KMS hashes with SHA-256). KMS answers a DER signature; JWS
wants the raw 64-byte R‖S.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from chalicelib.adapters.aws import client

MAX_RAW_MESSAGE = 4096  # kms:Sign with MessageType RAW
KID_TTL_SECONDS = 300.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def compact_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class KmsSigner:
    """Signs JWS with one KMS key; `kid` is the key's id, so partners can hold several for rotation."""

    def __init__(self, key: str, kms: Any = None) -> None:
        self._key = key  # key id, ARN or alias
        self._kms = kms  # a KMS client of another region (the local stack's seed); default: ours
        self._resolved: tuple[float, str] | None = None
        self._public: dict[str, dict[str, Any]] = {}  # kid → public JWK (a key's public part never changes)

    @property
    def _client(self) -> Any:
        return self._kms if self._kms is not None else client("kms")

    @property
    def kid(self) -> str:
        """The id of the key the alias points at now, re-read every few minutes: after a rotation
        the alias moves, and `kid` and the key that signs must move together (see sign_jws)."""
        now = time.monotonic()
        if self._resolved is None or now - self._resolved[0] > KID_TTL_SECONDS:
            key_id = str(self._client.describe_key(KeyId=self._key)["KeyMetadata"]["KeyId"])
            self._resolved = (now, key_id)
        return self._resolved[1]

    def public_jwk(self) -> dict[str, Any]:
        return self.public_jwk_of(self.kid)

    def public_jwk_of(self, kid: str) -> dict[str, Any]:
        """The public JWK of one of this province's keys by its `kid`: the current one or one rotated
        out (KMS keeps a rotated-out key's public part readable until the key is deleted)."""
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_der_public_key

        if kid not in self._public:
            der = self._client.get_public_key(KeyId=kid)["PublicKey"]
            public = load_der_public_key(der)
            assert isinstance(public, ec.EllipticCurvePublicKey)
            numbers = public.public_numbers()
            self._public[kid] = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url(numbers.x.to_bytes(32, "big")),
                "y": b64url(numbers.y.to_bytes(32, "big")),
                "kid": kid,
                "alg": "ES256",
                "use": "sig",
            }
        return dict(self._public[kid])

    def sign_jws(self, claims: dict[str, Any], typ: str) -> str:
        """A compact JWS (ES256) over `claims`."""
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        kid = self.kid
        header = {"alg": "ES256", "kid": kid, "typ": typ}
        signing_input = f"{b64url(compact_json(header))}.{b64url(compact_json(claims))}"
        raw = signing_input.encode("ascii")
        if len(raw) > MAX_RAW_MESSAGE:
            raise ValueError("signing input exceeds what kms:Sign takes raw; keep envelopes small")
        # sign with the key `kid` names, not the alias: the two cannot part during a rotation
        der = self._client.sign(KeyId=kid, Message=raw, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")[
            "Signature"
        ]
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
