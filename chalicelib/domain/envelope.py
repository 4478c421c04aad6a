"""The exchange envelope (交换报文) between provinces, and the rules a receiver applies to it.

On the wire a message is `{"envelope": <compact JWS>, "payload": {...}}`. The JWS carries the
envelope (id, type, case number, from, to, sent time, per-case sequence, the payload's SHA-256)
signed with the sender's key; the payload travels beside it, bound by its digest. Signing the
small envelope rather than the whole payload keeps every signature within KMS's 4 KB raw-message
limit, whatever the payload holds.

The digest is the SHA-256 of the payload's RFC 8785 (JCS) canonical form: members sorted by UTF-16
code units, ECMAScript number formatting, minimal string escapes, UTF-8. Any JCS implementation in
any language computes the same bytes (docs/exchange/jcs-vectors.json); a payload outside I-JSON
(RFC 7493: integers beyond ±(2**53 - 1), NaN, lone surrogates) has no canonical form and is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.clock import parse_rfc3339
from chalicelib.domain.errors import DomainError

ENVELOPE_VERSION = 1
JWS_TYPE = "tongban-envelope+jws"
RECEIPT_TYPE = "tongban-receipt+jws"
MAX_AGE = timedelta(minutes=15)  # older: refused as stale (a sender retries with a fresh envelope)
MAX_SKEW = timedelta(minutes=2)  # clocks between provinces; later: refused as future-dated
# A message on the wire (envelope JWS + payload, the request body) is at most this many bytes;
# larger is refused with 413 `message_too_large` before parsing. The receiver keeps a message as
# one DynamoDB item (400 KB), whose stored form can grow to 1.5× the compact body.
MAX_MESSAGE_BYTES = 128 * 1024
# The `type` of a refused signed request in the operators' refusal list (a message has its own):
FETCH_KIND = "file.fetch"  # a file fetch
CATALOG_FETCH_KIND = "catalog.fetch"  # an item-version fetch
DIGESTS_KIND = "catalog.digests"  # a catalog digest read
VIDEO_JOIN_KIND = "video.join"  # a partner's video join


class MessageType(StrEnum):
    """Message types; each has a JSON Schema for its payload under openapi/messages/."""

    CASE_FORWARDED = "case.forwarded"  # 全程网办: the home gateway forwards a case
    CASE_DISPATCHED = "case.dispatched"  # 异地代收: the window sends its intake package
    ACCEPTED = "case.accepted"  # 受理
    NOT_ACCEPTED = "case.not_accepted"  # 不予受理
    SUPPLEMENT_REQUESTED = "case.supplement_requested"  # 补正
    SUPPLEMENT_ANSWERED = "case.supplement_answered"
    SUSPENDED = "case.suspended"
    RESUMED = "case.resumed"
    DECIDED = "case.decided"
    RESULT_ISSUED = "case.result_issued"  # electronic, or mailed with tracking
    RESULT_HANDED_OVER = "case.result_handed_over"  # 出件 at the window
    WITHDRAWN = "case.withdrawn"
    CANCELLED = "case.cancelled"  # 多地联办: the lead undoes a part already decided (compensation)
    REVEALED = "case.revealed"  # staff of the handling province saw personal data in clear (查看明文)
    ENTRUSTMENT_SETTLED = (
        "case.entrustment_settled"  # 委托代办: the entrustment verified, refused or authorised
    )
    SHIPMENT_RECORDED = "case.shipment_recorded"  # 资料寄递: a shipment recorded on either side
    SHIPMENT_EVENT = "case.shipment_event"  # a shipment's status event (in transit, arrived, returned)
    ORIGINAL_CHECKED = "case.original_checked"  # 原件核验 of a mailed original at the handling province
    RESULT_DELIVERED = "case.result_delivered"  # 送达 at the origin: downloaded at home, or signed for
    DELIVERY_RECORDED = "case.delivery_recorded"  # 送达 recorded at the handling province
    VIDEO_SCHEDULED = "video.scheduled"  # 视频会商: a session on the case, held at the sender's gateway
    VIDEO_JOINED = "video.joined"  # one of the sender's people joined a session held there
    VIDEO_ENDED = "video.ended"  # the session held at the sender's gateway ended
    RATED = "case.rated"  # 好差评 of the handling authority, given at the applicant's side
    RECTIFICATION_CLOSED = "case.rectification_closed"  # 整改 of a bad rating done, with its 回访
    # 事项标准 replication: the publisher of record tells every partner (stream `catalog-<publisher>`)
    CATALOG_PUBLISHED = "catalog.published"  # a standard published, or a new version of it
    CATALOG_STATUS_CHANGED = "catalog.status_changed"  # cancelled (取消) or delegated (下放)


MESSAGE_TYPES = frozenset(kind.value for kind in MessageType)

# Refusal code → HTTP status: who the sender is or whether it signed is 401/403; a message that
# is well signed but wrong is 409/422; a body that is not an envelope is 400.
REFUSAL_STATUS = {
    "envelope_malformed": 400,
    "signature_malformed": 400,
    "envelope_version_unsupported": 400,
    "signature_invalid": 401,
    "signature_algorithm_refused": 401,
    "unknown_kid": 401,
    "unknown_sender": 403,
    "partner_suspended": 403,
    "message_id_reused": 409,
    "message_too_large": 413,
    "message_not_addressed_here": 422,
    "message_stale": 422,
    "message_from_the_future": 422,
    "payload_digest_mismatch": 422,
    "payload_not_canonical": 422,
    "message_type_unsupported": 422,
    "payload_invalid": 422,
}


class ExchangeRefusal(DomainError):
    """A message refused by the receiver; the code says why, and the refusal is recorded."""

    status = 400

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code, **params)
        self.status = REFUSAL_STATUS.get(code, 400)


# The envelope's claims and their JSON types (openapi/messages/v1/envelope.json): `seq` "2" or an
# `id` 7 is a malformed envelope, not one read leniently.
CLAIM_TYPES: dict[str, type] = {
    "v": int,
    "id": str,
    "type": str,
    "case": str,
    "from": str,
    "to": str,
    "sent_at": str,
    "seq": int,
    "payload_sha256": str,
}


@dataclass(frozen=True)
class Envelope:
    id: str
    type: MessageType
    case: str
    sender: str  # "from"
    to: str
    sent_at: datetime
    seq: int  # per case and sender, from 1: the receiver applies in this order
    payload_sha256: str
    v: int = ENVELOPE_VERSION

    def claims(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "id": self.id,
            "type": self.type.value,
            "case": self.case,
            "from": self.sender,
            "to": self.to,
            "sent_at": self.sent_at.isoformat(timespec="seconds"),
            "seq": self.seq,
            "payload_sha256": self.payload_sha256,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Envelope:
        if claims.get("type") not in MESSAGE_TYPES and isinstance(claims.get("type"), str):
            raise ExchangeRefusal("message_type_unsupported")
        if set(claims) != set(CLAIM_TYPES) or any(
            not isinstance(claims[name], kind) or isinstance(claims[name], bool)
            for name, kind in CLAIM_TYPES.items()
        ):
            raise ExchangeRefusal("envelope_malformed")  # every claim, of its JSON type, and no other
        try:
            envelope = cls(
                id=str(claims["id"]),
                type=MessageType(claims["type"]),
                case=str(claims["case"]),
                sender=str(claims["from"]),
                to=str(claims["to"]),
                sent_at=parse_rfc3339(claims["sent_at"]),
                seq=int(claims["seq"]),
                payload_sha256=str(claims["payload_sha256"]),
                v=int(claims["v"]),
            )
        except (KeyError, ValueError, TypeError):
            raise ExchangeRefusal("envelope_malformed") from None
        if envelope.v != ENVELOPE_VERSION:
            raise ExchangeRefusal("envelope_version_unsupported")
        if envelope.sent_at.tzinfo is None or envelope.seq < 1 or not 1 <= len(envelope.id) <= 64:
            raise ExchangeRefusal("envelope_malformed")
        return envelope


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes of a JSON value; refused if it has none (not I-JSON)."""
    import rfc8785

    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, RecursionError):
        raise ExchangeRefusal("payload_not_canonical") from None


def payload_digest(payload: Any) -> str:
    """SHA-256 hex of the payload's RFC 8785 canonical JSON: what `payload_sha256` holds."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def check_envelope(envelope: Envelope, payload: Any, *, receiver: str, now: datetime) -> None:
    """The receiver's checks after the signature: addressee, freshness, payload digest."""
    if envelope.to != receiver:
        raise ExchangeRefusal("message_not_addressed_here")
    if envelope.sent_at < now - MAX_AGE:
        raise ExchangeRefusal("message_stale")
    if envelope.sent_at > now + MAX_SKEW:
        raise ExchangeRefusal("message_from_the_future")
    if payload_digest(payload) != envelope.payload_sha256:
        raise ExchangeRefusal("payload_digest_mismatch")
