"""The post-commit table outside the case book (services/after_commit.py): a partner's receipt
recorded (services/outbound.py) and a partner's status changed (services/partners.py) are followed
only through the table the service was given, only after their write stored, and a failing step
loses nothing the write stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.clock import BEIJING
from chalicelib.domain.envelope import RECEIPT_TYPE, payload_digest
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.partners import PartnerStatus
from chalicelib.services.after_commit import AfterCommit, Step
from chalicelib.services.outbound import OutboundService
from chalicelib.services.partners import PartnerService
from tests.catalog_fakes import Answer, MemoryQueue, SoftSigner

HERE, PARTNER = "430000", "450000"
AT = datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
OPERATOR = Principal(subject="dev-operator-1", role=Role.OPERATOR, issuer="dev", province=HERE)


class StoreDown(Exception):
    """The store refused the write."""


class MemoryPartners:
    """The partner registry's store in memory; `down` refuses every write."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.audits: list[dict[str, Any]] = []
        self.down = False

    def get(self, code: str) -> dict[str, Any] | None:
        return self.docs.get(code)

    def all(self) -> list[dict[str, Any]]:
        return list(self.docs.values())

    def audit(self, code: str | None = None) -> list[dict[str, Any]]:
        return [a for a in self.audits if code is None or a["code"] == code]

    def save(self, partner: dict[str, Any], audit: dict[str, Any]) -> None:
        if self.down:
            raise StoreDown
        self.docs[partner["code"]] = partner
        self.audits.append(audit)


class MemoryOutbox:
    """The outbound records in memory; `down` refuses every write."""

    def __init__(self, *records: dict[str, Any]) -> None:
        self.records = {r["id"]: r for r in records}
        self.down = False

    def outbound_item(self, record: dict[str, Any], *, pending: bool, next_attempt: str) -> dict[str, Any]:
        return record

    def outbound(self, case: str, message_id: str) -> dict[str, Any] | None:
        return self.records.get(message_id)

    def due_outbound(self, now: str, limit: int) -> list[dict[str, Any]]:
        return []

    def put(self, side: dict[str, Any]) -> None:
        if self.down:
            raise StoreDown
        self.records[side["id"]] = side

    def acknowledged(self, record: dict[str, Any]) -> None:
        pass

    def last_acknowledged(self, partner: str) -> dict[str, Any] | None:
        return None


class ReceiptingPartner:
    """The partner's gateway: answers each message with its signed receipt."""

    def __init__(self) -> None:
        self.signer = SoftSigner("k-450000")

    def post(self, url: str, body: dict[str, Any]) -> Answer:
        import jwt

        claims = jwt.decode(body["envelope"], options={"verify_signature": False})
        receipt = {"receipt_for": claims["id"], "payload_sha256": claims["payload_sha256"]}
        return Answer(200, {"receipt": self.signer.sign_jws(receipt, RECEIPT_TYPE)})


class Recorded:
    """Each step as it ran, with what the store held for its subject at that moment."""

    def __init__(self, seen: Any) -> None:
        self.seen = seen
        self.runs: list[tuple[Step, Any]] = []
        self.fail = False

    def table(self) -> AfterCommit:
        return AfterCommit({step: self._performer(step) for step in Step})

    def _performer(self, step: Step) -> Any:
        def perform(subject: Any) -> None:
            self.runs.append((step, self.seen(subject)))
            if self.fail:
                raise RuntimeError("the step failed")

        return perform


def _registry(after_commit: AfterCommit, store: MemoryPartners, partner: ReceiptingPartner) -> PartnerService:
    registry = PartnerService(store, HERE, "local", after_commit=after_commit, clock=lambda: AT)
    registry.put(
        PARTNER,
        {"endpoint": "https://gx.example", "jwks": {"keys": [partner.signer.public_jwk()]}},
        OPERATOR,
        "登记",
    )
    return registry


@pytest.fixture
def store() -> MemoryPartners:
    return MemoryPartners()


@pytest.fixture
def recorded(store: MemoryPartners) -> Recorded:
    return Recorded(lambda partner: store.docs[partner.code]["status"])


@pytest.fixture
def registry(store: MemoryPartners, recorded: Recorded) -> PartnerService:
    return _registry(recorded.table(), store, ReceiptingPartner())


def test_a_status_change_is_followed_by_the_table_after_it_is_stored(
    registry: PartnerService, recorded: Recorded
) -> None:
    assert recorded.runs == []  # registering is not a status change
    registry.set_status(PARTNER, PartnerStatus.SUSPENDED, OPERATOR, "停用")
    registry.set_status(PARTNER, PartnerStatus.ACTIVE, OPERATOR, "恢复")
    assert recorded.runs == [(Step.FLUSH_PARTNER, "suspended"), (Step.FLUSH_PARTNER, "active")]


def test_a_status_change_that_was_not_stored_is_not_followed(
    registry: PartnerService, store: MemoryPartners, recorded: Recorded
) -> None:
    store.down = True
    with pytest.raises(StoreDown):
        registry.set_status(PARTNER, PartnerStatus.SUSPENDED, OPERATOR, "停用")
    assert recorded.runs == []
    assert store.docs[PARTNER]["status"] == "active"


def test_a_failing_step_after_a_status_change_loses_nothing(
    registry: PartnerService, store: MemoryPartners, recorded: Recorded
) -> None:
    recorded.fail = True
    with pytest.raises(RuntimeError):
        registry.set_status(PARTNER, PartnerStatus.SUSPENDED, OPERATOR, "停用")
    assert store.docs[PARTNER]["status"] == "suspended"
    assert [a["change"] for a in store.audits] == ["registered", "suspended"]


def _pending(message_id: str) -> dict[str, Any]:
    payload = {"status": "accepted"}
    return {
        "id": message_id,
        "case": "430000-20250303-ABCDEFGH",
        "to": PARTNER,
        "type": "case.accepted",
        "seq": 1,
        "payload": payload,
        "payload_sha256": payload_digest(payload),
        "status": "pending",
        "attempts": 0,
    }


def _sender(outbox: MemoryOutbox, recorded: Recorded) -> OutboundService:
    partner = ReceiptingPartner()
    registry = _registry(AfterCommit({}), MemoryPartners(), partner)
    return OutboundService(
        outbox,
        MemoryQueue(),
        MemoryQueue(),
        registry,
        SoftSigner("k-430000"),
        partner,
        HERE,
        clock=lambda: AT,
        after_commit=recorded.table(),
    )


def test_a_receipt_is_followed_by_the_table_after_it_is_stored() -> None:
    outbox = MemoryOutbox(_pending("m1"))
    recorded = Recorded(lambda record: outbox.records[record["id"]]["status"])
    assert _sender(outbox, recorded).deliver("430000-20250303-ABCDEFGH", "m1") == "delivered"
    assert recorded.runs == [(Step.ACKNOWLEDGE_STOP, "delivered")]


def test_a_receipt_that_was_not_stored_is_not_followed() -> None:
    outbox = MemoryOutbox(_pending("m1"))
    recorded = Recorded(lambda record: outbox.records[record["id"]]["status"])
    sender = _sender(outbox, recorded)
    outbox.down = True
    with pytest.raises(StoreDown):
        sender.deliver("430000-20250303-ABCDEFGH", "m1")
    assert recorded.runs == []
    assert outbox.records["m1"]["status"] == "pending"  # the retry delivers it again


def test_a_failing_step_after_a_receipt_loses_nothing() -> None:
    outbox = MemoryOutbox(_pending("m1"))
    recorded = Recorded(lambda record: outbox.records[record["id"]]["status"])
    recorded.fail = True
    with pytest.raises(RuntimeError):
        _sender(outbox, recorded).deliver("430000-20250303-ABCDEFGH", "m1")
    assert outbox.records["m1"]["status"] == "delivered"
    assert outbox.records["m1"]["receipt"]
