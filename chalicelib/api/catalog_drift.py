"""Catalog drift (目录一致性): partners read this gateway's catalog digests with a signed request;
operators see this catalog against each partner's.

The digest read takes no bearer token: its signature authenticates the partner (like the signed
file fetch), and its refusals are recorded for the operators.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.endpoint import PUBLIC, Call, endpoint
from chalicelib.domain.identity import Role

catalog_drift = Blueprint(__name__)
D = "chalicelib.api.drift_schemas:"
DIGEST_REFUSALS = (
    "envelope_malformed",
    "signature_malformed",
    "signature_invalid",
    "signature_algorithm_refused",
    "unknown_kid",
    "unknown_sender",
    "partner_suspended",
    "message_not_addressed_here",
    "message_stale",
    "message_from_the_future",
    "validation_failed",
)


def refused_digest_read(code: str, raw: bytes) -> None:
    """A digest read refused before it was read (too large, not JSON, not a request): recorded too."""
    from chalicelib.services.catalog_drift import DIGESTS_KIND

    container.exchange().refuse_body(code, raw, DIGESTS_KIND)


@endpoint(
    catalog_drift,
    "POST",
    "/v1/exchange/catalog-digests",
    tag="exchange",
    roles=PUBLIC,
    keyed=False,
    summary="A partner's signed request for this gateway's catalog: code, version, status and standard "
    "digest of every item version",
    request=D + "DigestsIn",
    response=D + "DigestsOut",
    problems=DIGEST_REFUSALS,
    on_refusal=__name__ + ":refused_digest_read",
)
def catalog_digests(call: Call) -> dict[str, Any]:
    return container.catalog_digests().serve(call.body.request)


@endpoint(
    catalog_drift,
    "GET",
    "/v1/ops/catalog/drift",
    tag="ops",
    roles=(Role.OPERATOR,),
    summary="This catalog against each partner's, asked now: versions missing there, extra there or "
    "different (digest, status), since when each is seen, and the drift alarm",
    response=D + "DriftView",
)
def drift_view(call: Call) -> dict[str, Any]:
    return container.catalog_drift().check()
