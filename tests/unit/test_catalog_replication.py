"""Item standards across provinces: one publisher of record, its changes replicated in order to
every partner, duplicates changing nothing, missing versions fetched from the publisher by signed
request, and changes by a province that does not own the standard refused."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.catalog_replication import StandardNotOwned, plan_versions
from chalicelib.domain.catalog_standard import standard_digest
from chalicelib.domain.clock import beijing_date, system_clock
from chalicelib.domain.identity import Principal, Role
from chalicelib.services.catalog_replication import VersionUnavailable
from tests.catalog_fakes import Country

SEED = json.loads((Path(__file__).resolve().parents[2] / "infra/seed/catalog.json").read_text("utf-8"))
RS4 = next(i for i in SEED["items"] if i["code"] == "KSTB-RS-004")
HN, GX, JS = "430000", "450000", "320000"
OPERATOR = Principal(subject="dev-operator-1", role=Role.OPERATOR, issuer="test")


def version_of(base: dict[str, Any], n: int) -> ItemDefinition:
    """Version n of the item: each later version adds a required material (a change of standard)."""
    item = copy.deepcopy(base)
    for k in range(2, n + 1):
        item["materials"].append({"code": f"extra_{k}", "name": f"新增材料{k}", "required": True})
    return ItemDefinition.model_validate(item)


@pytest.fixture
def country() -> Country:
    return Country([HN, GX, JS])


def digest_at(country: Country, province: str, code: str = "KSTB-RS-004") -> str | None:
    head = country.stores[province].head(code)
    return None if head is None else country.catalogs[province].item_detail(code)["standard_digest"]


def test_a_standard_published_once_reaches_every_partner_identical(country: Country) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    records = country.pending(HN)
    assert sorted(r["to"] for r in records) == [JS, GX]
    assert {(r["case"], r["seq"], r["type"]) for r in records} == {("catalog-430000", 1, "catalog.published")}
    assert [country.deliver(r) for r in records] == ["applied", "applied"]
    expected = standard_digest(version_of(RS4, 1))
    assert {digest_at(country, p) for p in (HN, GX, JS)} == {expected}
    assert {country.stores[p].head("KSTB-RS-004").publisher for p in (HN, GX, JS)} == {HN}  # type: ignore[union-attr]
    assert country.catalogs[GX].list_items(keyword="失业登记")[0][0]["version"] == 1


def test_a_duplicate_changes_nothing(country: Country) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    to_gx = country.pending(HN, GX)[0]
    assert country.deliver(to_gx) == "applied"
    revision = country.stores[GX].snapshot().revision
    assert country.deliver(to_gx) == "duplicate"
    assert country.stores[GX].snapshot().revision == revision
    assert country.fetches == []


def test_a_later_version_first_has_the_missing_ones_fetched_in_order_and_never_skips(
    country: Country,
) -> None:
    for n in (1, 2, 3):
        country.catalogs[HN].publish(version_of(RS4, n), OPERATOR)
    v1, v2, v3 = sorted(country.pending(HN, GX), key=lambda r: r["seq"])
    assert [v1["seq"], v2["seq"], v3["seq"]] == [1, 2, 3]
    assert country.deliver(v3) == "applied"  # a partner that was down gets the last one first
    assert country.fetches == [(HN, "KSTB-RS-004", 1), (HN, "KSTB-RS-004", 2)]
    store = country.stores[GX]
    assert store.head("KSTB-RS-004").version == 3  # type: ignore[union-attr]
    for n in (1, 2, 3):
        held = store.version("KSTB-RS-004", n)
        assert held is not None and held["standard_digest"] == standard_digest(version_of(RS4, n))
    assert [country.deliver(v1), country.deliver(v2)] == ["duplicate", "duplicate"]
    assert digest_at(country, GX) == digest_at(country, HN)


def test_a_partner_that_was_down_catches_up_in_order(country: Country) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    country.catalogs[HN].publish(version_of(RS4, 2), OPERATOR)
    for record in sorted(country.pending(HN, JS), key=lambda r: r["seq"]):
        assert country.deliver(record) == "applied"
    assert country.fetches == []
    assert digest_at(country, JS) == digest_at(country, HN) == standard_digest(version_of(RS4, 2))


def test_a_change_by_a_province_that_does_not_own_the_standard_is_refused_and_changes_nothing(
    country: Country,
) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    for record in country.pending(HN):
        country.deliver(record)
    store = country.stores[GX]
    before = (store.head("KSTB-RS-004"), store.snapshot(), store.seq, len(store.applied_extra))
    with pytest.raises(StandardNotOwned) as refused:
        country.catalogs[GX].publish(version_of(RS4, 2), OPERATOR)
    assert (refused.value.code, refused.value.status) == ("standard_not_owned", 403)
    tomorrow = beijing_date(system_clock()) + timedelta(days=1)
    change = {"status": "cancelled", "effective_from": tomorrow, "reason": "测试"}
    with pytest.raises(StandardNotOwned):
        country.catalogs[GX].change_status("KSTB-RS-004", change, OPERATOR)
    assert (store.head("KSTB-RS-004"), store.snapshot(), store.seq, len(store.applied_extra)) == before


def test_a_message_about_a_standard_its_sender_does_not_own_is_refused_and_recorded(country: Country) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    for record in country.pending(HN):
        country.deliver(record)
    forged = copy.deepcopy(country.stores[HN].applied_extra[0]["outbox"])
    forged = {**forged, "id": "forged-1", "to": GX, "case": "catalog-320000"}  # 江苏 claims 湖南's item
    forged["payload"] = {**forged["payload"], "version": 2, "publisher": JS}
    assert country.deliver(forged) == "refused"
    assert country.outboxes[GX].refusals[-1]["code"] == "standard_not_owned"
    assert country.stores[GX].head("KSTB-RS-004").version == 1  # type: ignore[union-attr]


def test_an_own_implementation_leaves_the_standard_and_survives_the_next_version(country: Country) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    for record in country.pending(HN):
        country.deliver(record)
    own = {
        "authority": "南宁市人力资源和社会保障局",
        "authority_code": "A-450000-01",
        "local_code": "GX-RS-004",
        "contact_phone": "0771-12333",
    }
    before = digest_at(country, GX)
    country.catalogs[GX].set_implementation("KSTB-RS-004", own)
    assert digest_at(country, GX) == before
    assert country.catalogs[GX].guide("KSTB-RS-004", GX)["implementation"] == own
    country.catalogs[HN].publish(version_of(RS4, 2), OPERATOR)
    for record in country.pending(HN):
        country.deliver(record)
    assert country.catalogs[GX].guide("KSTB-RS-004", GX)["implementation"] == own
    assert digest_at(country, GX) == digest_at(country, HN) == standard_digest(version_of(RS4, 2))


def test_a_cancellation_replicates_and_a_missing_version_is_fetched_first(country: Country) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    country.catalogs[HN].publish(version_of(RS4, 2), OPERATOR)
    today = beijing_date(system_clock())  # the catalog's day is Beijing's
    change = {"status": "cancelled", "effective_from": today, "reason": "依据国务院决定取消"}
    country.catalogs[HN].change_status("KSTB-RS-004", change, OPERATOR)
    cancel = next(r for r in country.pending(HN, GX) if r["type"] == "catalog.status_changed")
    assert cancel["seq"] == 3
    assert country.deliver(cancel) == "applied"  # before either version: both fetched first
    assert country.fetches == [(HN, "KSTB-RS-004", 1), (HN, "KSTB-RS-004", 2)]
    head = country.stores[GX].head("KSTB-RS-004")
    assert head is not None and head.version == 2 and head.status_changes[0]["status"] == "cancelled"
    assert country.deliver(cancel | {"id": "again"}) == "duplicate"


def test_a_case_version_this_gateway_lacks_is_fetched_from_the_publisher_else_the_holder(
    country: Country,
) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    country.catalogs[HN].publish(version_of(RS4, 2), OPERATOR)
    # 广西 holds v2 only (v1 never arrived); a case filed under v1 at 湖南 reaches it
    country.stores[GX].put_version(country.stores[HN].version("KSTB-RS-004", 2))  # type: ignore[arg-type]
    item = country.catalogs[GX].case_item("KSTB-RS-004", 1, holder=HN)
    assert item["version"] == 1 and [m["code"] for m in item["materials"]] == [
        m["code"] for m in RS4["materials"]
    ]
    assert country.fetches == [(HN, "KSTB-RS-004", 1)]
    # 江苏 holds nothing, the publisher 湖南 is down: the case's sender 广西 answers
    country.down.add(HN)
    assert country.catalogs[JS].case_item("KSTB-RS-004", 1, holder=GX)["version"] == 1
    assert country.fetches[-1] == (GX, "KSTB-RS-004", 1)
    with pytest.raises(VersionUnavailable):  # nobody holds v3: retried, never another version
        country.catalogs[JS].case_item("KSTB-RS-004", 3, holder=GX)


def test_a_forged_answer_to_a_fetch_is_not_kept(country: Country, monkeypatch: pytest.MonkeyPatch) -> None:
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    serve = country.replicas[HN].serve

    def tampered(token: str) -> dict[str, Any]:
        answer = serve(token)
        answer["version"]["definition"]["name"] = "篡改的事项名称"
        return answer

    monkeypatch.setattr(country.replicas[HN], "serve", tampered)
    with pytest.raises(VersionUnavailable):
        country.catalogs[GX].case_item("KSTB-RS-004", 1, holder=HN)
    assert country.stores[GX].version("KSTB-RS-004", 1) is None


@pytest.mark.parametrize(
    ("held", "offered", "same", "verdict", "missing"),
    [
        (0, 1, False, "apply", ()),
        (1, 2, False, "apply", ()),
        (1, 4, False, "apply", (2, 3)),
        (2, 2, True, "duplicate", ()),
        (2, 2, False, "conflict", ()),
        (3, 1, False, "duplicate", ()),
    ],
)
def test_version_plan(held: int, offered: int, same: bool, verdict: str, missing: tuple[int, ...]) -> None:
    plan = plan_versions(held, offered, "sha256:a" if held else None, "sha256:a" if same else "sha256:b")
    assert (plan.verdict, plan.missing) == (verdict, missing)


def test_an_install_that_loses_the_snapshot_to_a_local_publish_is_run_again_not_failed(
    country: Country, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a province publishes its own items, a partner's version arriving there races it for the
    catalog snapshot; the install is run again on the fresh snapshot instead of failing back to the
    queue (whose few redeliveries would dead-letter the version during a long local publish)."""
    country.catalogs[HN].publish(version_of(RS4, 1), OPERATOR)
    gx = country.stores[GX]
    save, calls = gx.save, []

    def a_local_publish_commits_first(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) <= 3:  # GX's own publish got its snapshot write in first
            gx.snap = type(gx.snap)(gx.snap.revision + 1, gx.snap.entries)
        save(*args, **kwargs)

    monkeypatch.setattr(gx, "save", a_local_publish_commits_first)
    assert country.deliver(country.pending(HN, GX)[0]) == "applied"
    assert len(calls) == 4
    assert digest_at(country, GX) == standard_digest(version_of(RS4, 1))
