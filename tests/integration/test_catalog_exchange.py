"""Item standards over the real exchange routes (moto): a publisher's signed `catalog.published`
received, receipted and applied; a later change by this province's operator refused as not its own;
the signed item-version fetch served with a statement that verifies, and refused (recorded) when
it must be."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest

from chalicelib import container
from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.catalog_standard import standard_digest
from chalicelib.domain.clock import BEIJING, rfc3339
from chalicelib.domain.envelope import MessageType, payload_digest
from chalicelib.services.catalog_replication import CATALOG_FETCH_TYPE, CATALOG_STATEMENT_TYPE
from chalicelib.services.jws import verify_jws
from tests.exchange_helpers import PartnerProvince
from tests.factories import item
from tests.integration.case_helpers import Party, ok

CODE = "TEST-GX-STANDARD"


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.http.post(path, headers={"Content-Type": "application/json"}, body=json.dumps(body))


def published_by_guangxi(version: int = 1) -> dict[str, Any]:
    definition = ItemDefinition.model_validate(item(code=CODE, name=f"广西发布的事项 v{version}"))
    return {
        "code": CODE,
        "version": version,
        "published_at": "2026-11-30T10:00:00+08:00",
        "published_by": "dev-operator-1",
        "publisher": "450000",
        "standard_digest": standard_digest(definition),
        "definition": definition.model_dump(mode="json"),
    }


def fetch_request(partner: PartnerProvince, code: str, version: int) -> dict[str, Any]:
    claims = {
        "id": str(uuid.uuid4()),
        "from": partner.code,
        "to": "430000",
        "sent_at": rfc3339(datetime.now(BEIJING)),
        "code": code,
        "version": version,
    }
    return {"request": partner.signer.sign_jws(claims, CATALOG_FETCH_TYPE)}


def test_a_publishers_signed_message_is_applied_and_its_standard_cannot_be_changed_here(
    client: Any, guangxi: PartnerProvince, operator: Party
) -> None:
    payload = published_by_guangxi()
    message = guangxi.message(payload, case="catalog-450000", kind=MessageType.CATALOG_PUBLISHED)
    receipt = ok(post(client, "/v1/exchange/messages", message))
    assert container.inbound().apply(receipt["message_id"]) == "applied"
    held = ok(client.http.get(f"/v1/catalog/items/{CODE}"))
    assert (held["publisher"], held["standard_digest"]) == ("450000", payload["standard_digest"])
    assert container.inbound().apply(receipt["message_id"]) == "duplicate"

    refused = operator.post("/v1/ops/catalog/items", item(code=CODE, name="湖南改写的标准"))
    assert refused.status_code == 403 and json.loads(refused.body)["code"] == "standard_not_owned"
    change = {"status": "cancelled", "effective_from": "2099-01-01", "reason": "测试"}
    refused = operator.post(f"/v1/ops/catalog/items/{CODE}/status-changes", change)
    assert refused.status_code == 403
    after = ok(client.http.get(f"/v1/catalog/items/{CODE}"))
    assert (after["version"], after["name"], after["status"]) == (1, held["name"], "active")


def test_a_message_whose_sender_is_not_the_publisher_is_not_applied(
    client: Any, guangxi: PartnerProvince
) -> None:
    payload = {**published_by_guangxi(), "publisher": "320000"}  # 广西 speaks for 江苏
    message = guangxi.message(payload, case="catalog-450000", kind=MessageType.CATALOG_PUBLISHED)
    receipt = ok(post(client, "/v1/exchange/messages", message))
    assert container.inbound().apply(receipt["message_id"]) == "refused"
    assert client.http.get(f"/v1/catalog/items/{CODE}").status_code == 404
    day = rfc3339(datetime.now(BEIJING))[:10]
    assert "standard_not_owned" in [r["code"] for r in container.exchange().refusals(day)]


def test_a_partner_fetches_a_version_with_a_statement_that_verifies(
    client: Any, guangxi: PartnerProvince, seeded: list[dict[str, Any]]
) -> None:
    answer = ok(post(client, "/v1/exchange/catalog", fetch_request(guangxi, "KSTB-RS-004", 1)))
    jwks = ok(client.http.get("/v1/exchange/jwks"))
    statement = verify_jws(answer["statement"], jwks, CATALOG_STATEMENT_TYPE)
    assert (statement["from"], statement["to"], statement["code"], statement["version"]) == (
        "430000",
        "450000",
        "KSTB-RS-004",
        1,
    )
    assert statement["payload_sha256"] == payload_digest(answer["version"])
    assert answer["version"]["definition"]["code"] == "KSTB-RS-004"


@pytest.mark.parametrize(
    ("request_of", "status", "code"),
    [
        (lambda g, s: fetch_request(g, "KSTB-RS-004", 99), 404, "item_version_not_found"),
        (lambda g, s: fetch_request(s, "KSTB-RS-004", 1), 403, "unknown_sender"),
        (lambda g, s: {"request": "a.b.c"}, 422, "validation_failed"),
    ],
    ids=["missing_version", "stranger", "unsigned"],
)
def test_a_fetch_that_must_be_refused_is_refused_and_recorded(
    client: Any,
    guangxi: PartnerProvince,
    seeded: list[dict[str, Any]],
    request_of: Any,
    status: int,
    code: str,
) -> None:
    stranger = PartnerProvince("510000")
    answer = post(client, "/v1/exchange/catalog", request_of(guangxi, stranger))
    assert answer.status_code == status and json.loads(answer.body)["code"] == code
    day = rfc3339(datetime.now(BEIJING))[:10]
    assert code in [r["code"] for r in container.exchange().refusals(day)]
