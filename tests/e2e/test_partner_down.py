"""A partner that is really down, end to end (issue 13: "stopping a partner, publishing, and
restarting it ends with identical digests; the drift view shows the gap while it lasts").

广西 450000's gateway is stopped through the stack control (its port refuses connections; its
tables and pump stay). 湖南 430000 publishes a new item, a new version of an item it published
before, and a cancellation, in that order. While 广西 is down: 江苏 320000 gets all three; 湖南's
drift view shows 广西 unreachable (and 江苏 in sync); 湖南's outbox holds the three messages to 广西,
pending, retried with backoff after "no answer", nothing dead-lettered. Once 广西 is started again,
the held messages go through on their next retry (30 s backoff, then the one-minute relay) and are
applied in stream order: identical digests at every province, in sync in the drift view, empty DLQs.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import requests

from chalicelib.domain.clock import beijing_date, system_clock
from tests.e2e.gateway import Gateway, eventually, switch_gateway
from tests.e2e.test_catalog_replication import everywhere, new_item

pytestmark = pytest.mark.e2e
HUNAN, GUANGXI, JIANGSU = "430000", "450000", "320000"
PROVINCES = (HUNAN, GUANGXI, JIANGSU)
# a held message's first retry is 30 s after its failed send, and the relay runs once a minute
CATCH_UP_SECONDS = 180


def ops_item(stack: dict[str, Any], province: str, code: str) -> dict[str, Any] | None:
    operator = Gateway(stack, province, "operator")
    answer = requests.get(
        f"{operator.base}/v1/ops/catalog/items/{code}", headers=operator.headers, timeout=15
    )
    return dict(answer.json()) if answer.status_code == 200 else None


def same_everywhere(stack: dict[str, Any], code: str, version: int, status: str) -> dict[str, Any] | None:
    """The item as operators see it once every province holds `version` in `status`, one digest."""
    seen = [ops_item(stack, p, code) for p in PROVINCES]
    if any(s is None or (s["version"], s["status"]) != (version, status) for s in seen):
        return None
    digests = {s["standard_digest"] for s in seen if s}
    return seen[0] if len(digests) == 1 else None


def outbox_to(stack: dict[str, Any], province: str, partner: str) -> list[dict[str, Any]]:
    """The province's catalog-stream outbox records to `partner`, read from its table in moto, with
    their next attempt (as the relay sees it)."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack["moto"]["endpoint"],
        region_name=stack["provinces"][province]["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    prefix = stack["provinces"][province]["resource_prefix"]
    items = dynamodb.query(
        TableName=f"{prefix}-cases",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :x)",
        ExpressionAttributeValues={":pk": {"S": f"CASE#catalog-{province}"}, ":x": {"S": "XOUT#"}},
    )["Items"]
    records = [{**json.loads(i["doc"]["S"]), "outbox_at": i.get("outbox_at", {}).get("S")} for i in items]
    return sorted((r for r in records if r["to"] == partner), key=lambda r: int(r["seq"]))


def dead_letters(stack: dict[str, Any], province: str, queue: str) -> list[Any]:
    return list(Gateway(stack, province, "operator").get(f"/v1/ops/dead-letters/{queue}")["items"])


def partner_view(view: dict[str, Any], partner: str) -> dict[str, Any]:
    (found,) = [p for p in view["partners"] if p["province"] == partner]
    return dict(found)


def test_a_partner_stopped_while_publishing_catches_up_in_order_when_restarted(stack: dict[str, Any]) -> None:
    hunan = Gateway(stack, HUNAN, "operator")
    existing = new_item("KSTB-RS-002")
    hunan.post("/v1/ops/catalog/items", existing)
    eventually(lambda: everywhere(stack, existing["code"], 1), "the existing item at every province")
    fresh = new_item("KSTB-RS-004")
    before = {r["id"] for r in outbox_to(stack, HUNAN, GUANGXI)}

    assert switch_gateway(stack, GUANGXI, "stop")["state"] == "stopped"
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{stack['provinces'][GUANGXI]['url']}/v1/health", timeout=5)

        hunan.post("/v1/ops/catalog/items", fresh)  # a new item
        hunan.post("/v1/ops/catalog/items", {**existing, "promised_limit_days": 3})  # its v2
        today = beijing_date(system_clock()).isoformat()  # effective dates are Beijing's
        cancel = {"status": "cancelled", "effective_from": today, "reason": "端到端测试：取消"}
        hunan.post(f"/v1/ops/catalog/items/{existing['code']}/status-changes", cancel)

        # 江苏 is up: it has all three; 广西 is down: its copy is behind (it cannot even be asked)
        eventually(lambda: same_everywhere_but(stack, fresh["code"], 1, "active"), "the new item at 江苏")
        eventually(
            lambda: same_everywhere_but(stack, existing["code"], 2, "cancelled"), "v2, cancelled, at 江苏"
        )

        def held() -> list[dict[str, Any]] | None:
            records = [r for r in outbox_to(stack, HUNAN, GUANGXI) if r["id"] not in before]
            tried = len(records) == 3 and all(r.get("attempts", 0) >= 1 for r in records)
            return records if tried else None

        records = eventually(held, "three sends to 广西 tried and held")
        assert [r["type"] for r in records] == [
            "catalog.published",
            "catalog.published",
            "catalog.status_changed",
        ]
        for record in records:  # kept, pending, no answer, next attempt after a backoff
            assert (record["status"], record["last_error"], record["answered_failures"]) == (
                "pending",
                "http_0",
                0,
            )
            assert record["outbox_at"] == record["next_attempt_at"] > record["last_attempt_at"]
        assert dead_letters(stack, HUNAN, "outbound") == []

        view = hunan.get("/v1/ops/catalog/drift")
        down = partner_view(view, GUANGXI)
        assert down["state"] == "unreachable" and down["unreachable"], down
        assert partner_view(view, JIANGSU)["state"] == "in_sync"
    finally:
        assert switch_gateway(stack, GUANGXI, "start")["state"] == "running"

    eventually(
        lambda: (
            same_everywhere(stack, fresh["code"], 1, "active")
            and same_everywhere(stack, existing["code"], 2, "cancelled")
        ),
        "广西 caught up: the same digests at every province",
        CATCH_UP_SECONDS,
    )
    guangxi = Gateway(stack, GUANGXI, "operator")
    assert [guangxi.get(f"/v1/catalog/items/{existing['code']}/versions/{v}")["version"] for v in (1, 2)] == [
        1,
        2,
    ]
    delivered = [r for r in outbox_to(stack, HUNAN, GUANGXI) if r["id"] not in before]
    assert [(r["seq"], r["status"]) for r in delivered] == [(r["seq"], "delivered") for r in records]
    view = hunan.get("/v1/ops/catalog/drift")
    assert partner_view(view, GUANGXI)["state"] == "in_sync"
    for province, queue in ((HUNAN, "outbound"), (GUANGXI, "inbound"), (JIANGSU, "inbound")):
        assert dead_letters(stack, province, queue) == [], (province, queue)


def same_everywhere_but(stack: dict[str, Any], code: str, version: int, status: str) -> bool:
    """湖南 and 江苏 hold `version` in `status` with one digest (广西 cannot be asked)."""
    seen = [ops_item(stack, p, code) for p in (HUNAN, JIANGSU)]
    if any(s is None or (s["version"], s["status"]) != (version, status) for s in seen):
        return False
    return len({s["standard_digest"] for s in seen if s}) == 1
