"""Item standards across provinces (事项标准同步): the signed item-version fetch partners use, and
the operator's own implementation (实施清单) of an item whoever publishes its standard.

Publishing, versioning, cancelling and delegating stay on the operators' catalog routes (ops.py):
there only the publisher of record may change a standard (403 `standard_not_owned` otherwise), and
each change goes to every partner as a signed exchange message (services/catalog_replication.py).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.endpoint import PUBLIC, Call, endpoint
from chalicelib.api.exchange import REFUSALS
from chalicelib.api.public import item_code
from chalicelib.domain.identity import Role

catalog_exchange = Blueprint(__name__)
X = "chalicelib.api.exchange_schemas:"


def refused_fetch(code: str, raw: bytes) -> None:
    from chalicelib.domain.envelope import CATALOG_FETCH_KIND

    container.exchange().refuse_body(code, raw, CATALOG_FETCH_KIND)


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
    on_refusal=__name__ + ":refused_fetch",
)
def serve_item_version(call: Call) -> dict[str, Any]:
    return container.catalog_replication().serve(call.body.request)


@endpoint(
    catalog_exchange,
    "PUT",
    "/v1/ops/catalog/items/{code}/implementation",
    tag="ops",
    roles=(Role.OPERATOR,),
    summary="This province's own implementation (实施清单) of an item; the standard stays its publisher's",
    request="chalicelib.domain.catalog:Implementation",
    response=X + "ImplementationOut",
    problems=("item_not_found", "validation_failed", "authority_code_missing", "concurrent_modification"),
)
def put_implementation(call: Call) -> dict[str, Any]:
    body = call.body.model_dump(mode="json")
    return container.catalog().set_implementation(item_code(call), body)
