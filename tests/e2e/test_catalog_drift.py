"""Catalog drift over HTTP on the local stack. 湖南 430000 publishes an item while it has cut off
江苏 320000 (suspended): 广西 450000 receives it, 江苏 does not. The gap shows in the drift views of
the two provinces that can still read each other's digests — at 广西 as missing at 江苏, at 江苏 as
extra at 广西 — with its first sighting kept, and clears once 湖南 lets 江苏 catch up. Each view
asks the other gateway for its digests with a real KMS-signed request. (Two different standards
under one code and version cannot arise once replication refuses them (`standard_conflict`); that
comparison is covered at the integration level.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.gateway import Gateway, eventually
from tests.e2e.test_catalog_replication import detail, everywhere, new_item, set_partner

pytestmark = pytest.mark.e2e
HUNAN, GUANGXI, JIANGSU = "430000", "450000", "320000"


def versions(view: dict[str, Any], partner: str, kind: str, code: str) -> list[int]:
    (found,) = [p for p in view["partners"] if p["province"] == partner]
    assert found["state"] in ("in_sync", "drift"), found  # reachable, compared
    return [d["version"] for d in found[kind] if d["code"] == code]


def test_a_catalog_gap_while_a_partner_is_cut_off_is_seen_and_clears(stack: dict[str, Any]) -> None:
    hunan = Gateway(stack, HUNAN, "operator")
    guangxi, jiangsu = Gateway(stack, GUANGXI, "operator"), Gateway(stack, JIANGSU, "operator")
    item = new_item("KSTB-RS-002")
    code = item["code"]
    set_partner(hunan, JIANGSU, "suspended")
    try:
        hunan.post("/v1/ops/catalog/items", item)
        eventually(lambda: detail(stack, GUANGXI, code) is not None, "replicated to 广西", 20)
        assert detail(stack, JIANGSU, code) is None

        at_guangxi = guangxi.get("/v1/ops/catalog/drift")
        assert versions(at_guangxi, JIANGSU, "missing", code) == [1]  # 江苏 lacks it
        (entry,) = [d for p in at_guangxi["partners"] for d in p["missing"] if d["code"] == code]
        assert entry["theirs"] is None and entry["ours"]["status"] == "active" and not entry["overdue"]
        assert versions(jiangsu.get("/v1/ops/catalog/drift"), GUANGXI, "extra", code) == [1]
        again = guangxi.get("/v1/ops/catalog/drift")
        (seen,) = [d for p in again["partners"] for d in p["missing"] if d["code"] == code]
        assert seen["since"] == entry["since"]  # the first sighting is kept
        assert again["threshold_minutes"] == 30 and again["alarm"]["state"] in ("ok", "alarm")
    finally:
        set_partner(hunan, JIANGSU, "active")
    eventually(lambda: everywhere(stack, code, 1), "江苏 caught up", 20)
    for gateway, partner in ((guangxi, JIANGSU), (jiangsu, GUANGXI), (hunan, JIANGSU)):
        view = gateway.get("/v1/ops/catalog/drift")
        assert all(versions(view, partner, kind, code) == [] for kind in ("missing", "extra", "different"))
