"""Catalog drift (目录一致性): partners read this gateway's catalog digests with a signed request;
operators see this catalog against each partner's (`GET /v1/ops/catalog/drift`, in api/ops.py).

The digest read takes no bearer token: its signature authenticates the partner (like the signed
file fetch), and its refusals are recorded for the operators.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import DRIFT_SCHEMAS as D
from chalicelib.api.common import READ_REFUSALS, refusal_recorder
from chalicelib.api.endpoint import PUBLIC, Call, endpoint
from chalicelib.domain.envelope import DIGESTS_KIND

catalog_drift = Blueprint(__name__)
refused_digest_read = refusal_recorder(DIGESTS_KIND)


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
    problems=READ_REFUSALS,
    on_refusal=__name__ + ":refused_digest_read",
)
def catalog_digests(call: Call) -> dict[str, Any]:
    return container.catalog_digests().serve(call.body.request)
