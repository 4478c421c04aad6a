"""Exchange API (省际交换): partners post signed messages here and get a signed receipt; this
gateway's public keys are published for their registries. (Operators manage the registry: api/ops.py.)

The message's signature authenticates its sender (the registry holds each partner's keys), so the
route takes no bearer token; its idempotency is the message id, not an Idempotency-Key: a partner
re-signs a retry (fresh `sent_at`), and a replayed id gets the receipt it had.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import EXCHANGE_SCHEMAS as X
from chalicelib.api.common import REFUSALS, refusal_recorder
from chalicelib.api.endpoint import PUBLIC, Call, Reply, endpoint
from chalicelib.domain.envelope import FETCH_KIND, MAX_MESSAGE_BYTES, VIDEO_JOIN_KIND

exchange = Blueprint(__name__)
refused_message = refusal_recorder()
refused_fetch = refusal_recorder(FETCH_KIND)
refused_video_join = refusal_recorder(VIDEO_JOIN_KIND)


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
