"""Catalog drift over HTTP on the local stack: an item published at 湖南 430000 alone shows at 广西
450000 as extra (and at 湖南 as missing there), clears once 广西 holds the same standard (its own
implementation does not count), and two standards published under the same code and version show as
different. Each view asks the other gateway for its digests with a real KMS-signed request.

Publishing at one province only is how a difference is made here. Once catalog replication
publishes a standard to every partner, `publish_only_at` must hold the partner's delivery back
(e.g. suspend the partner first) to make the gap."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.gateway import Gateway
from tests.factories import item

pytestmark = pytest.mark.e2e
HUNAN, GUANGXI = "430000", "450000"


def publish_only_at(gateway: Gateway, definition: dict[str, Any]) -> None:
    gateway.post("/v1/ops/catalog/items", definition, status=201)


def versions(view: dict[str, Any], partner: str, kind: str, code: str) -> list[int]:
    (found,) = [p for p in view["partners"] if p["province"] == partner]
    assert found["state"] in ("in_sync", "drift"), found  # reachable, compared
    return [d["version"] for d in found[kind] if d["code"] == code]


def test_a_catalog_gap_between_two_provinces_is_seen_on_both_sides_and_clears(stack: dict[str, Any]) -> None:
    hunan, guangxi = Gateway(stack, HUNAN, "operator"), Gateway(stack, GUANGXI, "operator")
    code = f"E2E-DRIFT-{uuid.uuid4().hex[:8].upper()}"
    definition = item(code=code)
    publish_only_at(hunan, definition)

    at_guangxi = guangxi.get("/v1/ops/catalog/drift")
    assert versions(at_guangxi, HUNAN, "extra", code) == [1]  # only 湖南 holds it
    (entry,) = [d for p in at_guangxi["partners"] for d in p["extra"] if d["code"] == code]
    assert entry["ours"] is None and entry["theirs"]["status"] == "active" and not entry["overdue"]
    at_hunan = hunan.get("/v1/ops/catalog/drift")
    assert versions(at_hunan, GUANGXI, "missing", code) == [1]  # 广西 lacks it
    again = guangxi.get("/v1/ops/catalog/drift")
    (seen,) = [d for p in again["partners"] for d in p["extra"] if d["code"] == code]
    assert seen["since"] == entry["since"]  # the first sighting is kept

    # 广西 publishes the same standard with its own implementation added: the catalogs agree
    own = {**definition["implementations"], GUANGXI: {**definition["implementations"][GUANGXI]}}
    own[GUANGXI]["address"] = "南宁市民中心"
    publish_only_at(guangxi, {**definition, "implementations": own})
    for gateway, partner in ((guangxi, HUNAN), (hunan, GUANGXI)):
        view = gateway.get("/v1/ops/catalog/drift")
        assert all(versions(view, partner, kind, code) == [] for kind in ("missing", "extra", "different"))


def test_two_standards_under_the_same_code_and_version_show_as_different(stack: dict[str, Any]) -> None:
    hunan, guangxi = Gateway(stack, HUNAN, "operator"), Gateway(stack, GUANGXI, "operator")
    code = f"E2E-DRIFT-{uuid.uuid4().hex[:8].upper()}"
    publish_only_at(hunan, item(code=code, promised_limit_days=5))
    publish_only_at(guangxi, item(code=code, promised_limit_days=3))
    view = guangxi.get("/v1/ops/catalog/drift")
    assert versions(view, HUNAN, "different", code) == [1]
    (entry,) = [d for p in view["partners"] for d in p["different"] if d["code"] == code]
    assert entry["differs"] == ["digest"] and entry["ours"]["digest"] != entry["theirs"]["digest"]
    assert view["threshold_minutes"] == 30 and view["alarm"]["state"] in ("ok", "alarm")
