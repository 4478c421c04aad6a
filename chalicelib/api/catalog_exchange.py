"""Item standards across provinces (事项标准同步): the signed item-version fetch partners use.

The operator's own implementation (实施清单) of an item, whoever publishes its standard, is set on
`PUT /v1/ops/catalog/items/{code}/implementation` (ops.py). Publishing, versioning, cancelling and
delegating stay on the operators' catalog routes (ops.py) too:
there only the publisher of record may change a standard (403 `standard_not_owned` otherwise), and
each change goes to every partner as a signed exchange message (services/catalog_replication.py).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import EXCHANGE_SCHEMAS as X
from chalicelib.api.common import REFUSALS, refusal_recorder
from chalicelib.api.endpoint import PUBLIC, Call, endpoint
from chalicelib.domain.envelope import CATALOG_FETCH_KIND

catalog_exchange = Blueprint(__name__)
refused_catalog_fetch = refusal_recorder(CATALOG_FETCH_KIND)


@endpoint(
    catalog_exchange,
    "POST",
    "/v1/exchange/catalog",
    tag="exchange",
    roles=PUBLIC,
    keyed=False,
    summary="A partner's signed request for an item version; answered with it and a signed statement",
    request=X + "FetchIn",
    response=X + "CatalogVersionOut",
    problems=(*REFUSALS, "item_version_not_found"),
    on_refusal=__name__ + ":refused_catalog_fetch",
)
def serve_item_version(call: Call) -> dict[str, Any]:
    return container.catalog_replication().serve(call.body.request)
