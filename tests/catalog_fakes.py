"""In-memory stand-ins for the catalog's storage and the exchange around it, to drive catalog
replication between several provinces in one process (each province its own store)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.services.catalog import Head, Snapshot


class MemoryCatalogStore:
    """The catalog store's contract (adapters/catalog_store.py) in memory, conditions included."""

    def __init__(self) -> None:
        self.heads: dict[str, Head] = {}
        self.versions: dict[tuple[str, int], dict[str, Any]] = {}
        self.snap = Snapshot(0, {})
        self.seq = 0
        self.applied_extra: list[dict[str, Any]] = []

    def head(self, code: str) -> Head | None:
        return self.heads.get(code)

    def version(self, code: str, version: int) -> dict[str, Any] | None:
        doc = self.versions.get((code, version))
        return None if doc is None else copy.deepcopy(doc)

    def snapshot(self) -> Snapshot:
        return self.snap

    def save(
        self,
        head: Head,
        *,
        previous_version: int,
        new_version_doc: dict[str, Any] | None,
        snapshot: Snapshot,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        current = self.heads.get(head.code)
        if (current.version if current else 0) != previous_version or snapshot.revision != self.snap.revision:
            raise Conflict("concurrent_modification")
        if new_version_doc is not None and (head.code, head.version) in self.versions:
            raise Conflict("concurrent_modification")
        if any(a.get("seq") is not None and a["seq"] != self.seq + 1 for a in extra):
            raise Conflict("concurrent_modification")
        for action in extra:
            if action.get("seq") is not None:
                self.seq = action["seq"]
            else:
                self.applied_extra.append(action)
        if new_version_doc is not None:
            self.versions[(head.code, head.version)] = copy.deepcopy(new_version_doc)
        self.heads[head.code] = head
        self.snap = Snapshot(snapshot.revision + 1, snapshot.entries)

    def put_version(self, doc: dict[str, Any]) -> None:
        self.versions.setdefault((doc["code"], int(doc["version"])), copy.deepcopy(doc))

    def stream_seq(self) -> int:
        return self.seq

    def stream_seq_action(self, seq: int) -> dict[str, Any]:
        return {"seq": seq}


@dataclass
class MemoryOutbox:
    """The message store's outbox and refusal list."""

    records: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)

    def outbound_action(self, record: dict[str, Any], next_attempt: str) -> dict[str, Any]:
        return {"outbox": record}

    def record_refusal(self, refusal: dict[str, Any]) -> None:
        self.refusals.append(refusal)


@dataclass
class MemoryQueue:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, case: str, message_id: str) -> None:
        self.sent.append((case, message_id))


class SoftSigner:
    """An ES256 key in memory with the signer's contract (adapters/signing.py signs with KMS)."""

    def __init__(self, kid: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.kid = kid
        self._key = ec.generate_private_key(ec.SECP256R1())

    def sign_jws(self, claims: dict[str, Any], typ: str) -> str:
        import jwt

        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid, "typ": typ})

    def public_jwk(self) -> dict[str, Any]:
        import json

        from jwt.algorithms import ECAlgorithm

        jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(self._key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


class Country:
    """Provinces in one process: each with its catalog, its replication service, a registry of the
    others; catalog fetches travel through `post`, messages through `deliver`."""

    def __init__(self, codes: Sequence[str]) -> None:
        from chalicelib.domain.partners import Partner, PartnerStatus
        from chalicelib.services.catalog import CatalogService
        from chalicelib.services.catalog_replication import CatalogReplication

        self.signers = {code: SoftSigner(f"key-{code}") for code in codes}
        self.stores = {code: MemoryCatalogStore() for code in codes}
        self.outboxes = {code: MemoryOutbox() for code in codes}
        self.down: set[str] = set()
        self.fetches: list[tuple[str, str, int]] = []  # (holder asked, code, version)
        self.partners = {
            code: Partner(
                code,
                code,
                f"http://{code}",
                {"keys": [self.signers[code].public_jwk()]},
                PartnerStatus.ACTIVE,
            )
            for code in codes
        }
        self.catalogs: dict[str, CatalogService] = {}
        self.replicas: dict[str, CatalogReplication] = {}
        for code in codes:
            registry = _Registry({c: p for c, p in self.partners.items() if c != code})
            catalog = CatalogService(self.stores[code], province=code)
            replica = CatalogReplication(
                self.stores[code],
                catalog,
                self.outboxes[code],
                MemoryQueue(),
                registry,  # type: ignore[arg-type]
                self.signers[code],
                self,
                code,
            )
            catalog.announcer = catalog.versions = replica
            self.catalogs[code], self.replicas[code] = catalog, replica
        self.delivered: set[str] = set()

    def post(self, url: str, body: dict[str, Any]) -> Answer:
        from chalicelib.domain.errors import DomainError

        target = url.removeprefix("http://").split("/", 1)[0]
        if target in self.down:
            return Answer(0, {})
        from chalicelib.services.exchange import unverified_claims

        claims = unverified_claims(body["request"])
        self.fetches.append((target, claims["code"], claims["version"]))
        try:
            return Answer(200, self.replicas[target].serve(body["request"]))
        except DomainError as err:
            return Answer(err.status, {"code": err.code})

    def pending(self, sender: str, to: str | None = None) -> list[dict[str, Any]]:
        """The sender's outbox records not delivered yet (to one partner)."""
        return [
            action["outbox"]
            for action in self.stores[sender].applied_extra
            if "outbox" in action
            and action["outbox"]["id"] not in self.delivered
            and (to is None or action["outbox"]["to"] == to)
        ]

    def deliver(self, record: dict[str, Any]) -> str:
        """One outbox record received and applied by its addressee (as the inbound queue would)."""
        self.delivered.add(record["id"])
        envelope = {
            "id": record["id"],
            "type": record["type"],
            "case": record["case"],
            "from": record["case"].removeprefix("catalog-"),
            "to": record["to"],
            "seq": record["seq"],
            "payload_sha256": record["payload_sha256"],
        }
        received = {
            "id": record["id"],
            "envelope": envelope,
            "payload": record["payload"],
            "status": "received",
        }
        return self.replicas[record["to"]].apply(received)


class _Registry:
    def __init__(self, partners: dict[str, Any]) -> None:
        self._partners = partners

    def get(self, code: str) -> Any:
        return self._partners.get(code)

    def require(self, code: str) -> Any:
        from chalicelib.domain.errors import NotFound

        if code not in self._partners:
            raise NotFound("partner_not_found")
        return self._partners[code]

    def all(self) -> list[dict[str, Any]]:
        return [{"code": code} for code in sorted(self._partners)]
