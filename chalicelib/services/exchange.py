"""Receiving a partner's message: verify, refuse what must be refused (and record it), answer a
replay with the receipt it had, queue the rest FIFO per case, and sign a receipt (回执).

The receipt is the receiver's signed statement that it holds the message; applying it comes later,
in order, from the inbound queue. The record is written before the queue send: if the function
dies between the two, the partner's retry finds the record, gets the same receipt, and the send is
made again (the FIFO queue drops a duplicate within five minutes; the consumer skips an applied
message after that).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.envelope import (
    JWS_TYPE,
    RECEIPT_TYPE,
    Envelope,
    ExchangeRefusal,
    check_envelope,
)
from chalicelib.services.jws import verify_jws
from chalicelib.services.partners import PartnerService


class Signer(Protocol):
    @property
    def kid(self) -> str: ...
    def sign_jws(self, claims: dict[str, Any], typ: str) -> str: ...
    def public_jwk(self) -> dict[str, Any]: ...


class MessageStore(Protocol):
    def received(self, message_id: str) -> dict[str, Any] | None: ...
    def put_received(self, record: dict[str, Any]) -> bool: ...
    def record_refusal(self, refusal: dict[str, Any]) -> None: ...
    def refusals(self, day: str) -> list[dict[str, Any]]: ...


class Archive(Protocol):
    def keep(self, key: str, entry: dict[str, Any]) -> None: ...


class RefusalLog(Protocol):
    def record_refusal(self, refusal: dict[str, Any]) -> None: ...


class InboundQueue(Protocol):
    def send(self, case: str, message_id: str) -> None: ...


# The envelope of a body that is refused before it is parsed (too large, too deep, not valid): found
# by its pattern, only to say in the refusal record whom it claims to be from.
_ENVELOPE_IN_BODY = re.compile(
    rb'"(?:envelope|request)"\s*:\s*"([A-Za-z0-9_\-]{1,4096}\.[A-Za-z0-9_\-]{1,8192})\.'
)


def refusal_record(code: str, claims: dict[str, Any], at: str, kind: str | None = None) -> dict[str, Any]:
    """What the operators' refusal list keeps of a refused message or file fetch (claims unverified,
    cut to size; never the payload)."""
    return {
        "code": code,
        "at": at,
        "id": str(claims.get("id", ""))[:64] or None,
        "from": str(claims.get("from", ""))[:6] or None,
        "type": kind or str(claims.get("type", ""))[:40] or None,
        "case": str(claims.get("case", ""))[:40] or None,
    }


def claims_in_body(raw: bytes) -> dict[str, Any]:
    """The unverified claims of the JWS in a raw request body, or {} when there is none."""
    found = _ENVELOPE_IN_BODY.search(raw[: 64 * 1024])
    if found is None:
        return {}
    try:
        return unverified_claims(found.group(1).decode("ascii") + ".")
    except ExchangeRefusal:
        return {}


def unverified_claims(token: str) -> dict[str, Any]:
    """The envelope's claims before verification: only to find whose keys to verify it with."""
    import base64

    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        raise ExchangeRefusal("envelope_malformed") from None
    if not isinstance(claims, dict):
        raise ExchangeRefusal("envelope_malformed")
    return claims


class ExchangeService:
    def __init__(
        self,
        partners: PartnerService,
        signer: Signer,
        messages: MessageStore,
        inbound: InboundQueue,
        province: str,
        clock: Clock = system_clock,
        payload_conforms: Callable[[str, Any], bool] | None = None,
        archive: Archive | None = None,
    ) -> None:
        self._partners = partners
        self._archive = archive
        self._conforms = payload_conforms
        self._signer = signer
        self._messages = messages
        self._inbound = inbound
        self._province = province
        self._clock = clock

    def receive(self, envelope_jws: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The signed receipt for a message, or an ExchangeRefusal (recorded) saying why not."""
        claims: dict[str, Any] = {}
        try:
            claims = unverified_claims(envelope_jws)
            partner = self._partners.get(str(claims.get("from", "")))
            if partner is None:
                raise ExchangeRefusal("unknown_sender")
            jwks = partner.trusted().jwks
            verified = verify_jws(envelope_jws, jwks, JWS_TYPE)
            envelope = Envelope.from_claims(verified)
            check_envelope(envelope, payload, receiver=self._province, now=self._clock())
            if self._conforms is not None and not self._conforms(envelope.type.value, payload):
                raise ExchangeRefusal("payload_invalid")
            return self._take(envelope, envelope_jws, payload, signing_key(envelope_jws, jwks))
        except ExchangeRefusal as refusal:
            self.record_refusal(refusal.code, claims)
            raise

    def _take(
        self, envelope: Envelope, token: str, payload: dict[str, Any], key: dict[str, Any] | None
    ) -> dict[str, Any]:
        known = self._messages.received(envelope.id)
        if known is None:
            receipt = self._receipt(envelope)
            if self._archive is not None:  # before the record: a retry after a failure here archives again
                self._archive.keep(
                    archive_key(envelope.case, "received", envelope.sender, envelope.seq, envelope.id),
                    archive_entry(
                        "received",
                        token,
                        payload,
                        receipt,
                        rfc3339(self._clock()),
                        key,
                        receiver_key=own_key(self._signer, receipt),
                    ),
                )
            record: dict[str, Any] = {
                "id": envelope.id,
                "envelope": envelope.claims(),
                "jws": token,
                "payload": payload,
                "receipt": receipt,
                "status": "received",
                "received_at": rfc3339(self._clock()),
            }
            if not self._messages.put_received(record):
                known = self._messages.received(envelope.id)  # a concurrent delivery won the race
            else:
                known = record
        assert known is not None
        same = known["envelope"]["from"] == envelope.sender and (
            known["envelope"]["payload_sha256"] == envelope.payload_sha256
        )
        if not same:
            raise ExchangeRefusal("message_id_reused")
        if known["status"] == "received":
            self._inbound.send(envelope.case, envelope.id)  # again, if a replay: the queue dedupes
        return {"receipt": known["receipt"], "message_id": envelope.id, "status": known["status"]}

    def _receipt(self, envelope: Envelope) -> str:
        return self._signer.sign_jws(
            {
                "receipt_for": envelope.id,
                "case": envelope.case,
                "payload_sha256": envelope.payload_sha256,
                "from": self._province,
                "to": envelope.sender,
                "received_at": rfc3339(self._clock()),
            },
            RECEIPT_TYPE,
        )

    def record_refusal(self, code: str, claims: dict[str, Any], kind: str | None = None) -> None:
        """Keep a refusal for the operators (GET /v1/ops/exchange/refusals)."""
        self._messages.record_refusal(refusal_record(code, claims, rfc3339(self._clock()), kind))

    def refuse_body(self, code: str, raw: bytes, kind: str | None = None) -> None:
        """Record a request refused before its body was parsed or validated (413, 400, 422)."""
        self.record_refusal(code, claims_in_body(raw), kind)

    def jwks(self) -> dict[str, Any]:
        """This gateway's public keys, for partners' registries."""
        return {"keys": [self._signer.public_jwk()]}

    def refusals(self, day: str) -> list[dict[str, Any]]:
        return self._messages.refusals(day)


def signing_key(token: str, jwks: dict[str, Any]) -> dict[str, Any] | None:
    """The key of `jwks` whose kid the (verified) token names."""
    import jwt

    kid = jwt.get_unverified_header(token).get("kid")
    return next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)


def archive_key(case: str, direction: str, sender: str, seq: int, message_id: str) -> str:
    """Where the evidence archive keeps a message: one object per message and direction."""
    return f"exchange/{case}/{direction}/{sender}-{seq:06d}-{message_id}.json"


def own_key(signer: Signer, token: str) -> dict[str, Any] | None:
    """This province's public key that signed `token` (just now), kept in the archive entry so the
    record still verifies offline after the key is rotated out."""
    import jwt

    return signer.public_jwk() if jwt.get_unverified_header(token).get("kid") == signer.kid else None


def archive_entry(
    direction: str,
    envelope: str,
    payload: dict[str, Any],
    receipt: str,
    at: str,
    key: dict[str, Any] | None,
    *,
    receiver_key: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the archive keeps of one message: the envelope and receipt JWS exactly as exchanged,
    with the keys that verify them (`key`: the envelope's signer's; `receiver_key`: the receipt's),
    kept past a rotation of either side's keys."""
    entry: dict[str, Any] = {
        "direction": direction,
        "envelope": envelope,
        "payload": payload,
        "receipt": receipt,
        "archived_at": at,
    }
    if key is not None:
        entry["sender_key"] = key
    if receiver_key is not None:
        entry["receiver_key"] = receiver_key
    return entry


def compose(signer: Signer, envelope: Envelope, payload: dict[str, Any]) -> dict[str, Any]:
    """A message as it goes on the wire: the signed envelope and the payload it binds."""
    return {"envelope": signer.sign_jws(envelope.claims(), JWS_TYPE), "payload": payload}
