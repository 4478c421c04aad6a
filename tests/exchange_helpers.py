"""A partner province in tests: its own KMS key in moto, registered with the gateway under test,
and messages it signs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import boto3

from chalicelib.adapters.signing import KmsSigner
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.envelope import Envelope, MessageType, payload_digest
from chalicelib.services.exchange import compose


class PartnerProvince:
    def __init__(self, code: str) -> None:
        kms = boto3.client("kms")
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        self.code = code
        self.signer = KmsSigner(key)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.signer.public_jwk()]}

    def registration(self, endpoint: str = "http://127.0.0.1:8450") -> dict[str, Any]:
        return {"endpoint": endpoint, "jwks": self.jwks(), "reason": "测试登记"}

    def message(
        self,
        payload: dict[str, Any],
        *,
        case: str = "450000-20261123-ABCDEFGH",
        to: str = "430000",
        kind: MessageType = MessageType.CASE_FORWARDED,
        seq: int = 1,
        message_id: str | None = None,
        sent_at: datetime | None = None,
    ) -> dict[str, Any]:
        envelope = Envelope(
            id=message_id or str(uuid.uuid4()),
            type=kind,
            case=case,
            sender=self.code,
            to=to,
            sent_at=sent_at or datetime.now(BEIJING),
            seq=seq,
            payload_sha256=payload_digest(payload),
        )
        return compose(self.signer, envelope, payload)

    def digests_request(
        self, *, to: str = "430000", sent_at: datetime | None = None, request_id: str | None = None
    ) -> dict[str, Any]:
        """A signed request for a gateway's catalog digests (`POST /v1/exchange/catalog-digests`)."""
        from chalicelib.domain.clock import rfc3339
        from chalicelib.services.catalog_drift import DIGESTS_TYPE

        claims = {
            "id": request_id or str(uuid.uuid4()),
            "from": self.code,
            "to": to,
            "sent_at": rfc3339(sent_at or datetime.now(BEIJING)),
        }
        return {"request": self.signer.sign_jws(claims, DIGESTS_TYPE)}
