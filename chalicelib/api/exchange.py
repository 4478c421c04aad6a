"""Exchange API (省际交换): partners post signed messages here and get a signed receipt; this
gateway's public keys are published for their registries. Operators manage the partner registry.

The message's signature authenticates its sender (the registry holds each partner's keys), so the
route takes no bearer token; its idempotency is the message id, not an Idempotency-Key: a partner
re-signs a retry (fresh `sent_at`), and a replayed id gets the receipt it had.
"""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.applicant import case_number
from chalicelib.api.endpoint import PUBLIC, Call, QueryParam, Reply, endpoint
from chalicelib.domain.envelope import FETCH_KIND, MAX_MESSAGE_BYTES
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identity import Role
from chalicelib.domain.partners import PartnerStatus
from chalicelib.domain.regions import PROVINCE_CODE_PATTERN

exchange = Blueprint(__name__)
X = "chalicelib.api.exchange_schemas:"
OPERATOR = (Role.OPERATOR,)
PROVINCE = re.compile(PROVINCE_CODE_PATTERN)
REFUSALS = (
    "envelope_malformed",
    "signature_malformed",
    "signature_invalid",
    "signature_algorithm_refused",
    "unknown_kid",
    "unknown_sender",
    "partner_suspended",
    "message_id_reused",
    "message_not_addressed_here",
    "message_stale",
    "message_from_the_future",
    "payload_digest_mismatch",
    "payload_not_canonical",
    "message_type_unsupported",
    "payload_invalid",
    "validation_failed",
)


@endpoint(
    exchange,
    "POST",
    "/v1/exchange/messages",
    tag="exchange",
    roles=PUBLIC,
    keyed=False,
    summary="Deliver a signed message (envelope JWS + payload); answered with a signed receipt",
    request=X + "MessageIn",
    response=X + "ReceiptOut",
    problems=REFUSALS,
    max_body=MAX_MESSAGE_BYTES,
    too_large="message_too_large",
    on_refusal=__name__ + ":refused_message",
)
def receive_message(call: Call) -> dict[str, Any]:
    return container.exchange().receive(call.body.envelope, call.body.payload)


def refused_message(code: str, raw: bytes) -> None:
    """A message refused before it was read (too large, not JSON, not an envelope): recorded too."""
    container.exchange().refuse_body(code, raw)


def refused_fetch(code: str, raw: bytes) -> None:
    container.exchange().refuse_body(code, raw, FETCH_KIND)


@endpoint(
    exchange,
    "POST",
    "/v1/exchange/files",
    tag="exchange",
    roles=PUBLIC,
    keyed=False,
    summary="A partner's signed request for a file of a case it shares; answered with a short-lived link",
    request=X + "FetchIn",
    response=X + "FetchOut",
    problems=(*REFUSALS, "case_not_found", "file_not_found"),
    on_refusal=__name__ + ":refused_fetch",
)
def serve_file(call: Call) -> dict[str, Any]:
    return container.case_files().serve(call.body.request)


def refused_video_join(code: str, raw: bytes) -> None:
    from chalicelib.services.video_sessions import VIDEO_JOIN_KIND

    container.exchange().refuse_body(code, raw, VIDEO_JOIN_KIND)


@endpoint(
    exchange,
    "POST",
    "/v1/exchange/video-joins",
    tag="exchange",
    roles=PUBLIC,
    keyed=False,
    summary="视频会商: a partner's signed request for its clerk's place in a session held here; answered "
    "with the provider's join token for that participant (never stored)",
    request=X + "VideoJoinRequestIn",
    response="chalicelib.api.window_schemas:VideoJoinOut",
    problems=(
        *REFUSALS,
        "case_not_found",
        "video_session_not_found",
        "video_session_ended",
        "video_participant_not_yours",
        "video_participant_taken",
        "video_provider_unavailable",
        "video_provider_rejected",
    ),
    on_refusal=__name__ + ":refused_video_join",
)
def serve_video_join(call: Call) -> Reply:
    answer = container.video_sessions().serve_join(call.body.request)
    return Reply(answer, 200, {"Cache-Control": "no-store"})


@endpoint(
    exchange,
    "GET",
    "/v1/exchange/jwks",
    tag="exchange",
    roles=PUBLIC,
    etag=True,
    summary="This gateway's public signing keys (JWKS), for partners' registries",
    response=X + "Jwks",
)
def own_keys(call: Call) -> dict[str, Any]:
    return container.exchange().jwks()


def _province(call: Call) -> str:
    code = call.path["province"]
    if not PROVINCE.fullmatch(code):
        raise NotFound("partner_not_found")
    return code


@endpoint(
    exchange,
    "GET",
    "/v1/ops/partners",
    tag="ops",
    roles=OPERATOR,
    summary="The partner registry (信任列表)",
    response=X + "PartnerList",
)
def list_partners(call: Call) -> dict[str, Any]:
    return {"items": container.partners().all()}


@endpoint(
    exchange,
    "PUT",
    "/v1/ops/partners/{province}",
    tag="ops",
    roles=OPERATOR,
    summary="Register a partner or replace its endpoint and keys (audited)",
    request=X + "PartnerIn",
    response=X + "PartnerOut",
    problems=("validation_failed",),
)
def put_partner(call: Call) -> dict[str, Any]:
    body = call.body.model_dump(mode="json", exclude_none=True)
    return container.partners().put(_province(call), body, call.actor, body.pop("reason"))


@endpoint(
    exchange,
    "POST",
    "/v1/ops/partners/{province}/status",
    tag="ops",
    roles=OPERATOR,
    summary="Suspend a partner (its messages are refused) or make it active again (audited)",
    request=X + "PartnerStatusIn",
    response=X + "PartnerOut",
    problems=("partner_not_found", "validation_failed"),
)
def set_partner_status(call: Call) -> dict[str, Any]:
    status = PartnerStatus(call.body.status)
    return container.partners().set_status(_province(call), status, call.actor, call.body.reason)


@endpoint(
    exchange,
    "GET",
    "/v1/ops/partners/{province}/audit",
    tag="ops",
    roles=OPERATOR,
    summary="Every change of a partner: who, when, what, why",
    response=X + "PartnerAudit",
    problems=("partner_not_found",),
)
def partner_audit(call: Call) -> dict[str, Any]:
    return {"items": container.partners().audit(_province(call))}


@endpoint(
    exchange,
    "GET",
    "/v1/ops/exchange/refusals",
    tag="ops",
    roles=OPERATOR,
    summary="Messages refused on a day (Beijing date), with the reason",
    response=X + "RefusalList",
    problems=("invalid_query",),
    query=(QueryParam("date", "YYYY-MM-DD", pattern=r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]$"),),
)
def refusals(call: Call) -> dict[str, Any]:
    from chalicelib.domain.clock import beijing_date

    day = call.query.get("date") or beijing_date(container.current().clock()).isoformat()
    return {"date": day, "items": container.exchange().refusals(day)}


@endpoint(
    exchange,
    "GET",
    "/v1/ops/cases/{number}/exchange-record",
    tag="ops",
    roles=OPERATOR,
    summary="A case's exchange record (交换存证) as one sealed bundle, verifiable offline",
    response=X + "ExchangeRecordBundle",
    problems=("exchange_record_empty",),
)
def exchange_record(call: Call) -> Reply:
    # the bundle's bytes are its canonical JSON: served as built, so a verifier may check them as such
    bundle = container.evidence().bundle(case_number(call))
    return Reply(bundle.decode("utf-8"), 200, {"Content-Type": "application/json"})


QUEUE = re.compile(r"^(outbound|inbound|uploads|notifications)$")


def _queue(call: Call) -> str:
    name = call.path["queue"]
    if not QUEUE.fullmatch(name):
        raise NotFound("queue_not_found")
    return name


@endpoint(
    exchange,
    "GET",
    "/v1/ops/dead-letters/{queue}",
    tag="ops",
    roles=OPERATOR,
    summary="Messages on a dead-letter queue (outbound, inbound, uploads, notifications), left in place",
    response=X + "DeadLetterList",
    problems=("queue_not_found",),
)
def list_dead_letters(call: Call) -> dict[str, Any]:
    queue = _queue(call)
    return {"queue": queue, "items": container.dead_letters().list(queue)}


@endpoint(
    exchange,
    "POST",
    "/v1/ops/dead-letters/{queue}/redrive",
    tag="ops",
    roles=OPERATOR,
    summary="Move a dead-letter queue's messages back (outbound ones are revived with fresh attempts)",
    response=X + "Redriven",
    problems=("queue_not_found",),
)
def redrive_dead_letters(call: Call) -> dict[str, Any]:
    queue = _queue(call)
    return {"queue": queue, "moved": container.dead_letters().redrive(queue)}


@endpoint(
    exchange,
    "GET",
    "/v1/ops/out-of-sync",
    tag="ops",
    roles=OPERATOR,
    summary="Cases out of sync (不同步): a partner's message they could not take, or a joint part that "
    "could not start; each is retried with backoff until it goes through",
    response=X + "OutOfSyncList",
)
def list_out_of_sync(call: Call) -> dict[str, Any]:
    return {"items": container.inbound().out_of_sync()}


@endpoint(
    exchange,
    "POST",
    "/v1/ops/out-of-sync/{number}/retry",
    tag="ops",
    roles=OPERATOR,
    summary="Retry a case's blocked partner message now (after its cause was fixed)",
    response=X + "SyncRetried",
    problems=("case_not_found", "case_not_out_of_sync"),
)
def retry_out_of_sync(call: Call) -> dict[str, Any]:
    from chalicelib.api.applicant import case_number

    number = case_number(call)
    return {"case": number, "verdict": container.inbound().retry_case(number)}
