"""Catalog drift over HTTP: a partner's signed read of this catalog's digests (and every refusal),
the operators' drift view against each partner (in sync, missing, extra, different, unreachable,
suspended, since when, the alarm), and the scheduled check."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib import container
from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.catalog_standard import standard_digest
from chalicelib.domain.clock import BEIJING, system_clock
from chalicelib.services.case_files import FETCH_TYPE
from tests.conftest import install_root
from tests.exchange_helpers import PartnerProvince
from tests.factories import item
from tests.integration.case_helpers import Party, ok

DIGESTS = "/v1/exchange/catalog-digests"
DRIFT = "/v1/ops/catalog/drift"


def read_digests(client: Any, body: dict[str, Any]) -> Any:
    return client.http.post(
        DIGESTS, headers={"Content-Type": "application/json"}, body=json.dumps(body, ensure_ascii=False)
    )


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.body
    assert json.loads(response.body)["code"] == code


# — the signed digest read —


def test_a_registered_partner_reads_every_item_version_with_its_standard_digest(
    client: Any, seeded: list[dict[str, Any]], guangxi: PartnerProvince
) -> None:
    answer = ok(read_digests(client, guangxi.digests_request()))
    assert answer["province"] == "430000"
    expected = {(d["code"], 1, "active", standard_digest(ItemDefinition.model_validate(d))) for d in seeded}
    assert {(i["code"], i["version"], i["status"], i["digest"]) for i in answer["items"]} == expected


def test_a_new_version_is_listed_and_the_earlier_one_is_superseded(
    client: Any, stage: None, operator: Party, guangxi: PartnerProvince
) -> None:
    ok(operator.post("/v1/ops/catalog/items", item(code="TEST-DRIFT-1")), 201)
    ok(operator.post("/v1/ops/catalog/items", item(code="TEST-DRIFT-1", promised_limit_days=3)), 201)
    items = ok(read_digests(client, guangxi.digests_request()))["items"]
    mine = [(i["version"], i["status"]) for i in items if i["code"] == "TEST-DRIFT-1"]
    assert mine == [(1, "superseded"), (2, "active")]
    first, second = (i["digest"] for i in items if i["code"] == "TEST-DRIFT-1")
    assert first == standard_digest(ItemDefinition.model_validate(item(code="TEST-DRIFT-1")))
    assert first != second


def test_a_replayed_request_is_answered_again_within_its_window(
    client: Any, seeded: list[dict[str, Any]], guangxi: PartnerProvince
) -> None:
    """A read changes nothing, so the same signed request may be presented again while it is fresh
    (docs/exchange/README.md § 19); outside the window it is stale."""
    request = guangxi.digests_request(request_id="same-id")
    assert ok(read_digests(client, request))["items"] == ok(read_digests(client, request))["items"]


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        # signed by a key 广西 never registered, claiming to be 广西
        (lambda gx: PartnerProvince("450000").digests_request(), 401, "unknown_kid"),
        (lambda gx: PartnerProvince("320000").digests_request(), 403, "unknown_sender"),
        (lambda gx: gx.digests_request(to="320000"), 422, "message_not_addressed_here"),
        (
            lambda gx: gx.digests_request(sent_at=datetime.now(BEIJING) - timedelta(minutes=16)),
            422,
            "message_stale",
        ),
        (
            lambda gx: gx.digests_request(sent_at=datetime.now(BEIJING) + timedelta(minutes=5)),
            422,
            "message_from_the_future",
        ),
    ],
    ids=["forged", "stranger", "wrong_audience", "stale", "future"],
)
def test_a_request_that_is_not_a_fresh_one_of_a_registered_partner_to_us_is_refused_and_recorded(
    client: Any, stage: None, operator: Party, guangxi: PartnerProvince, make: Any, status: int, code: str
) -> None:
    refused(read_digests(client, make(guangxi)), status, code)
    day = datetime.now(BEIJING).date().isoformat()
    refusals = ok(operator.get(f"/v1/ops/exchange/refusals?date={day}"))["items"]
    assert [(r["code"], r["type"]) for r in refusals] == [(code, "catalog.digests")]


def test_a_forged_signature_and_a_file_fetch_token_are_refused(
    client: Any, stage: None, guangxi: PartnerProvince
) -> None:
    token = guangxi.digests_request()["request"]
    header, claims, signature = token.split(".")
    tampered = f"{header}.{claims}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    refused(read_digests(client, {"request": tampered}), 401, "signature_invalid")
    fetch = guangxi.signer.sign_jws(
        {"id": "x", "from": "450000", "to": "430000", "sent_at": datetime.now(BEIJING).isoformat()},
        FETCH_TYPE,
    )
    refused(read_digests(client, {"request": fetch}), 401, "signature_algorithm_refused")


def test_a_suspended_partner_is_refused(
    client: Any, stage: None, operator: Party, guangxi: PartnerProvince
) -> None:
    ok(operator.post("/v1/ops/partners/450000/status", {"status": "suspended", "reason": "测试"}))
    refused(read_digests(client, guangxi.digests_request()), 403, "partner_suspended")


def test_a_bearer_token_is_no_signed_request(client: Any, stage: None, guangxi: PartnerProvince) -> None:
    refused(read_digests(client, {"request": "not a jws"}), 422, "validation_failed")


# — the operators' view —


class Partner:
    """广西's gateway as the view reaches it: answers with the digests it is given, or not at all."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] | None = None
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def post(self, url: str, body: dict[str, Any]) -> Any:
        self.asked.append((url, body))
        if self.items is None:
            return SimpleNamespace(status=0, body={})
        return SimpleNamespace(
            status=200, body={"province": "450000", "generated_at": "x", "items": self.items}
        )


@pytest.fixture
def partner(seeded: list[dict[str, Any]], operator: Party, guangxi: PartnerProvince) -> Partner:
    stand_in = Partner()
    stand_in.items = [d.as_json() for d in container.catalog_digests().own()]
    install_root(partner_transport=stand_in)
    return stand_in


def the_partner(view: dict[str, Any]) -> dict[str, Any]:
    (found,) = [p for p in view["partners"] if p["province"] == "450000"]
    return dict(found)


def test_a_partner_holding_the_same_catalog_is_in_sync(operator: Party, partner: Partner) -> None:
    view = ok(operator.get(DRIFT))
    gx = the_partner(view)
    assert gx["state"] == "in_sync" and gx["missing"] == gx["extra"] == gx["different"] == []
    assert view["alarm"] == {"state": "ok", "overdue": 0} and view["threshold_minutes"] == 30
    url, body = partner.asked[0]
    assert url == "http://127.0.0.1:8450" + DIGESTS and set(body) == {"request"}


def test_the_view_shows_missing_extra_and_different_versions_since_first_seen(
    operator: Party, partner: Partner
) -> None:
    assert partner.items is not None
    entries = {i["code"]: i for i in partner.items}
    del entries["KSTB-RS-002"]  # 广西 lacks it
    entries["KSTB-GA-001"] = {**entries["KSTB-GA-001"], "digest": "sha256:" + "0" * 64}
    entries["KSTB-XX-999"] = {
        "code": "KSTB-XX-999",
        "version": 1,
        "status": "active",
        "digest": "sha256:" + "1" * 64,
    }
    partner.items = list(entries.values())
    first = the_partner(ok(operator.get(DRIFT)))
    assert first["state"] == "drift"
    assert [(d["code"], d["theirs"]) for d in first["missing"]] == [("KSTB-RS-002", None)]
    assert [(d["code"], d["ours"]) for d in first["extra"]] == [("KSTB-XX-999", None)]
    (different,) = first["different"]
    assert (different["code"], different["differs"]) == ("KSTB-GA-001", ["digest"])
    assert different["theirs"]["digest"] == "sha256:" + "0" * 64

    later = system_clock() + timedelta(minutes=31)
    install_root(clock=lambda: later)
    view = ok(operator.get(DRIFT))
    again = the_partner(view)
    assert [d["since"] for d in again["different"]] == [different["since"]]  # still the first sighting
    assert all(d["overdue"] for k in ("missing", "extra", "different") for d in again[k])
    assert view["alarm"] == {"state": "alarm", "overdue": 3}


def test_a_difference_that_clears_is_forgotten(operator: Party, partner: Partner) -> None:
    assert partner.items is not None
    agreed = list(partner.items)
    partner.items = agreed[1:]
    assert len(the_partner(ok(operator.get(DRIFT)))["missing"]) == 1
    partner.items = agreed
    assert the_partner(ok(operator.get(DRIFT)))["state"] == "in_sync"
    partner.items = agreed[1:]
    (back,) = the_partner(ok(operator.get(DRIFT)))["missing"]
    assert not back["overdue"]


def test_an_unreachable_partner_is_shown_as_such_not_as_drift_and_keeps_its_first_sightings(
    operator: Party, partner: Partner
) -> None:
    assert partner.items is not None
    agreed = list(partner.items)
    partner.items = agreed[1:]
    (seen,) = the_partner(ok(operator.get(DRIFT)))["missing"]
    partner.items = None  # 广西 is down
    view = ok(operator.get(DRIFT))
    down = the_partner(view)
    assert down["state"] == "unreachable" and down["unreachable"] == "no_answer"
    assert down["missing"] == down["extra"] == down["different"] == []
    assert view["alarm"]["state"] == "ok"
    partner.items = agreed[1:]  # back, and still lacking the version
    (again,) = the_partner(ok(operator.get(DRIFT)))["missing"]
    assert again["since"] == seen["since"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (SimpleNamespace(status=403, body={"code": "unknown_sender"}), "refused:unknown_sender"),
        (SimpleNamespace(status=503, body={}), "http_503"),
        (SimpleNamespace(status=200, body={"province": "320000", "items": []}), "answer_invalid"),
        (SimpleNamespace(status=200, body={"province": "450000", "items": [{"code": 1}]}), "answer_invalid"),
    ],
)
def test_a_partner_that_answers_without_its_digests_is_unreachable_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, operator: Party, partner: Partner, answer: Any, reason: str
) -> None:
    monkeypatch.setattr(partner, "post", lambda url, body: answer)
    gx = the_partner(ok(operator.get(DRIFT)))
    assert (gx["state"], gx["unreachable"]) == ("unreachable", reason)


def test_a_suspended_partner_is_not_asked(operator: Party, partner: Partner) -> None:
    ok(operator.post("/v1/ops/partners/450000/status", {"status": "suspended", "reason": "测试"}))
    assert the_partner(ok(operator.get(DRIFT)))["state"] == "suspended"
    assert partner.asked == []


def test_the_scheduled_check_records_and_counts_what_the_alarm_needs(
    operator: Party, partner: Partner
) -> None:
    from chalicelib.events import handlers

    assert partner.items is not None
    partner.items = partner.items[2:]
    assert handlers.check_catalog_drift() == {"overdue": 0, "differences": 2, "unreachable": 0}
    later = system_clock() + timedelta(minutes=45)
    install_root(clock=lambda: later)
    assert handlers.check_catalog_drift()["overdue"] == 2
    partner.items = None
    assert handlers.check_catalog_drift() == {"overdue": 0, "differences": 0, "unreachable": 1}


def test_the_local_event_pump_fires_the_check_on_its_schedule(partner: Partner) -> None:
    import app as application
    from infra.local.pump import Pump

    start = datetime(2026, 11, 30, 2, 0, 1, tzinfo=BEIJING)
    pump = Pump(application.app, start=start)
    fired = {f.source: f for f in pump.fire_due(start + timedelta(minutes=5))}
    assert fired["check_catalog_drift"].error is None
    assert len(partner.asked) == 1
