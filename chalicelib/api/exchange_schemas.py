"""Bodies of the exchange API and the partner registry, for validation and OpenAPI."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.bodies import RequestBody as _In
from chalicelib.api.bodies import ResponseBody as _Out
from chalicelib.domain.identifiers import JWS_PATTERN


class MessageIn(_In):
    """A message: the envelope as a compact JWS and the payload its `payload_sha256` binds."""

    envelope: Annotated[
        str,
        Field(min_length=10, max_length=8192, pattern=JWS_PATTERN),
    ]
    payload: dict[str, Any]


class FetchIn(_In):
    """A signed request (compact JWS, typ tongban-fetch+jws) naming the case and the file."""

    request: Annotated[str, Field(min_length=10, max_length=4096, pattern=JWS_PATTERN)]


class VideoJoinRequestIn(_In):
    """A signed request (compact JWS, typ tongban-video-join+jws) for a clerk's seat in a session."""

    request: Annotated[str, Field(min_length=10, max_length=4096, pattern=JWS_PATTERN)]


class FetchOut(_Out):
    file_id: str
    url: str
    expires_in: int


class CatalogVersionOut(_Out):
    """An item version as the answering gateway holds it, and its signed statement (typ
    tongban-catalog+jws) binding the version's payload digest."""

    version: dict[str, Any]
    statement: str


class ImplementationOut(_Out):
    code: str
    version: int
    province: dict[str, str]
    implementation: dict[str, Any]


class ReceiptOut(_Out):
    receipt: str  # compact JWS signed by this gateway
    message_id: str
    status: Literal["received", "applied", "parked"]


class Jwk(BaseModel):
    model_config = ConfigDict(extra="allow")
    kty: Literal["EC", "RSA"]
    kid: str


class Jwks(_Out):
    keys: list[Jwk]


class PartnerIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    endpoint: Annotated[str, Field(min_length=10, max_length=200)]
    jwks: Jwks
    status: Literal["active", "suspended"] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class PartnerStatusIn(_In):
    status: Literal["active", "suspended"]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class PartnerOut(_Out):
    code: str
    name: str
    endpoint: str
    jwks: Jwks
    status: Literal["active", "suspended"]


class PartnerList(_Out):
    items: list[PartnerOut]


class PartnerAuditEntry(_Out):
    code: str
    change: str
    status: str
    kids: list[str | None]
    endpoint: str
    reason: str
    by: str
    at: str


class PartnerAudit(_Out):
    items: list[PartnerAuditEntry]


class Refusal(_Out):
    code: str
    at: str
    id: str | None
    sender: str | None = Field(default=None, alias="from")
    type: str | None
    case: str | None


class RefusalList(_Out):
    date: str
    items: list[Refusal]


class DeadLetter(_Out):
    message_id: str
    body: dict[str, Any]
    receive_count: int
    sent_at: int


class DeadLetterList(_Out):
    queue: str
    items: list[DeadLetter]


class Redriven(_Out):
    queue: str
    moved: int


class OutOfSyncCase(_Out):
    """A case that could not take a partner's message (or whose part could not start there)."""

    case: str = Field(description="办件编号 of the case out of sync")
    reason: str = Field(
        description="`case_out_of_sync`: the message found a state its table does not list; or the "
        "partner's refusal code, e.g. `province_not_implemented`: a joint part could not start there"
    )
    message_id: str | None
    message_type: str
    found_state: str | None
    since: str
    attempts: int = Field(
        description="how many times it was tried; it is retried with backoff until it goes through"
    )


class OutOfSyncList(_Out):
    items: list[OutOfSyncCase]


class SyncRetried(_Out):
    case: str
    verdict: str = Field(description="`applied` (back in sync), `blocked` (still out of sync) or `parked`")


class ExchangeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["tongban-exchange-record/1"]
    case: str
    province: str
    exported_at: str
    jwks: dict[str, Jwks]
    messages: list[dict[str, Any]]


class ExchangeRecordBundle(_Out):
    """A case's exchange record and this gateway's seal over it (docs/exchange/README.md)."""

    record: ExchangeRecord
    seal: str  # compact JWS, typ tongban-record+jws


class AcknowledgedMessage(_Out):
    """The last message a partner signed a receipt for."""

    id: str
    case: str
    seq: int
    type: str
    delivered_at: str


class PendingMessage(_Out):
    """A message waiting in the outbox for its partner (no payload)."""

    id: str
    case: str
    seq: int
    type: str
    created_at: str
    attempts: int
    last_error: str | None
    next_attempt_at: str | None


class StreamPosition(_Out):
    province: str
    status: str
    last_acknowledged: AcknowledgedMessage | None
    pending: int
    oldest_pending: PendingMessage | None
    oldest_pending_age_seconds: int | None
    last_attempt_at: str | None


class StreamPositions(_Out):
    """Per partner, how far its stream has got: read-only (ADR 0025)."""

    checked_at: str
    complete: bool
    partners: list[StreamPosition]
