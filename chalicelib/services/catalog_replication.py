"""Item standards across provinces (事项标准同步): the publisher's announcements, a partner's copy
following them, and item versions fetched by signed request.

- Announcing: each publish or status change of a standard this province publishes becomes one
  outbox record per partner, committed in the catalog change's transaction (ADR 0005's outbox:
  the same queue, retries with backoff and dead-letter queue as case messages). The envelope's
  `case` is the publisher's stream `catalog-<publisher>` and its `seq` the stream's sequence.
- Following (`apply`, from the inbound FIFO queue, in order per stream): the rules of
  domain/catalog_replication.py; the versions a message skips over are fetched from its sender
  first, so a copy never skips a version, and a duplicate changes nothing.
- Fetching (`fetch`, `serve`): a gateway meeting an item version it does not hold (a forwarded case,
  a joint part) asks the publisher (else the partner that sent the case) with a signed request
  (`POST /v1/exchange/catalog`, typ `tongban-catalog-fetch+jws`); the answer carries the version
  and a statement signed by the answering gateway binding its digest. The version is kept for the
  cases that use it, never replaced by another.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.domain.catalog_replication import (
    merged_implementations,
    plan_versions,
    publisher_of_stream,
    stream_of,
)
from chalicelib.domain.catalog_standard import stored_standard_digest
from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.envelope import (
    CATALOG_FETCH_KIND,
    ExchangeRefusal,
    MessageType,
    payload_digest,
)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.messages import PAYLOADS, CatalogPublished, CatalogStatusChanged
from chalicelib.observability import logger
from chalicelib.services.catalog import Announcement, CatalogService, Head
from chalicelib.services.exchange import Signer, refusal_record, unverified_claims
from chalicelib.services.jws import verify_jws
from chalicelib.services.partners import PartnerService
from chalicelib.services.races import again_on_a_race
from chalicelib.services.signed_request import check_signed_request

CATALOG_FETCH_TYPE = "tongban-catalog-fetch+jws"  # the request: which item version
CATALOG_STATEMENT_TYPE = "tongban-catalog+jws"  # the answer's statement: this version, this digest
INLINE_GRACE = timedelta(minutes=1)  # as the case outbox: the relay leaves a fresh record to its send


INSTALL_RACE_ATTEMPTS = 8  # each a fresh read of the snapshot; conflicts last as long as a publish


class ReplicaStore(Protocol):
    def head(self, code: str) -> Head | None: ...
    def version(self, code: str, version: int) -> dict[str, Any] | None: ...
    def put_version(self, doc: dict[str, Any]) -> None: ...
    def stream_seq(self) -> int: ...
    def stream_seq_action(self, seq: int) -> dict[str, Any]: ...


class Outbox(Protocol):
    def outbound_action(self, record: dict[str, Any], next_attempt: str) -> dict[str, Any]: ...
    def record_refusal(self, refusal: dict[str, Any]) -> None: ...


class Queue(Protocol):
    def send(self, case: str, message_id: str) -> None: ...


class Transport(Protocol):
    def post(self, url: str, body: dict[str, Any]) -> Any: ...


class VersionUnavailable(ConnectionError):
    """No partner could give a version this gateway needs (the message is retried, not dropped)."""


class CatalogReplication:
    def __init__(
        self,
        store: ReplicaStore,
        catalog: CatalogService,
        outbox: Outbox,
        queue: Queue,
        partners: PartnerService,
        signer: Signer,
        transport: Transport,
        province: str,
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._outbox = outbox
        self._queue = queue
        self._partners = partners
        self._signer = signer
        self._http = transport
        self._province = province
        self._clock = clock

    # — the publisher: announcements —

    def announce(self, kind: str, payload: dict[str, Any]) -> Announcement:
        """One outbox record per registered partner (a suspended one waits in the outbox), on the
        next seq of this province's stream, and the actions storing them with the change."""
        seq = self._store.stream_seq() + 1
        now = self._clock()
        digest = payload_digest(payload)
        records = [
            {
                "id": str(uuid.uuid4()),
                "case": stream_of(self._province),
                "to": partner["code"],
                "type": kind,
                "seq": seq,
                "payload": payload,
                "payload_sha256": digest,
                "status": "pending",
                "attempts": 0,
                "created_at": rfc3339(now),
            }
            for partner in self._partners.all()
        ]
        due = rfc3339(now + INLINE_GRACE)
        actions = [self._store.stream_seq_action(seq)]
        actions.extend(self._outbox.outbound_action(record, due) for record in records)
        return records, actions

    def send(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            self._queue.send(record["case"], record["id"])

    # — a partner's copy: applying the publisher's messages —

    def apply(self, received: dict[str, Any]) -> str:
        """Apply a catalog message: `applied`, `duplicate`, or `refused` (recorded for operators).
        An install that lost the race for the catalog snapshot to this gateway's own publishing (or
        another install) is run again on the fresh snapshot here, rather than failed back to the
        queue, whose few redeliveries a busy publisher could use up (the message would dead-letter)."""
        return again_on_a_race(lambda: self._apply(received), attempts=INSTALL_RACE_ATTEMPTS)

    def _apply(self, received: dict[str, Any]) -> str:
        envelope, document = received["envelope"], received["payload"]
        sender = str(envelope["from"])
        # typed once for the rules; the document itself is installed as published (its digest binds it)
        message = PAYLOADS[MessageType(envelope["type"])].model_validate(document)
        assert isinstance(message, CatalogPublished | CatalogStatusChanged)
        if message.publisher != sender or publisher_of_stream(str(envelope["case"])) != sender:
            return self._refused("standard_not_owned", envelope)
        head = self._store.head(message.code)
        if head is not None and (head.publisher or sender) != sender:
            return self._refused("standard_not_owned", envelope)  # another province's standard
        if isinstance(message, CatalogPublished):
            return self._published(head, message, document, envelope)
        return self._status_changed(head, message, document["status_change"], envelope)

    def _published(
        self, head: Head | None, message: CatalogPublished, doc: dict[str, Any], envelope: dict[str, Any]
    ) -> str:
        digest = stored_standard_digest(message.definition)
        if message.standard_digest != digest:
            return self._refused("standard_digest_mismatch", envelope)
        held_digest = stored_standard_digest(head.definition) if head is not None else None
        plan = plan_versions(head.version if head else 0, message.version, held_digest, digest)
        if plan.verdict == "duplicate":
            return "duplicate"
        if plan.verdict == "conflict":
            return self._refused("standard_conflict", envelope)
        for missing in plan.missing:  # a later version never skips: the ones between come first
            self._install(self._fetch_from(message.publisher, message.code, missing))
        self._install(doc)
        return "applied"

    def _status_changed(
        self,
        head: Head | None,
        message: CatalogStatusChanged,
        change: dict[str, Any],
        envelope: dict[str, Any],
    ) -> str:
        """取消 or 下放 from the publisher; `change` is the decision as sent (kept as the publisher wrote
        it, so a redelivery compares equal)."""
        code, sender = message.code, message.publisher
        for missing in range((head.version if head else 0) + 1, message.version + 1):
            self._install(self._fetch_from(sender, code, missing))
        head = self._store.head(code)
        assert head is not None
        if head.status_changes == [change]:
            return "duplicate"
        self._catalog.replace_head(
            replace(head, status_changes=[change], publisher=sender), previous_version=head.version
        )
        return "applied"

    def _install(self, doc: dict[str, Any]) -> None:
        """A version of the publisher's standard as this copy's head (an older one is only kept)."""
        code, version = str(doc["code"]), int(doc["version"])
        head = self._store.head(code)
        if head is not None and head.version >= version:
            self._store.put_version(doc)
            return
        current = head.definition.get("implementations") if head is not None else None
        definition = {
            **doc["definition"],
            "implementations": merged_implementations(
                doc["definition"]["implementations"], current, self._province
            ),
        }
        new_head = Head(
            code,
            version,
            definition,
            doc["published_at"],
            head.status_changes if head is not None else [],
            doc["publisher"],
        )
        held = self._store.version(code, version) is not None  # fetched earlier for a case
        self._catalog.replace_head(
            new_head, previous_version=head.version if head else 0, new_version_doc=None if held else doc
        )
        logger.info("catalog version applied", extra={"item": code, "version": version})

    def _refused(self, code: str, envelope: dict[str, Any]) -> str:
        logger.warning("catalog message refused", extra={"code": code, "from": envelope.get("from")})
        self._outbox.record_refusal(refusal_record(code, envelope, rfc3339(self._clock())))
        return "refused"

    # — versions on demand —

    def fetch(self, code: str, version: int, *, publisher: str | None, holder: str | None) -> dict[str, Any]:
        """A version this gateway lacks, from its publisher, else from the partner holding the case;
        kept here for the cases that use it."""
        sources = [s for s in dict.fromkeys((publisher, holder)) if s and s != self._province]
        failures = []
        for source in sources:
            try:
                doc = self._fetch_from(source, code, version)
            except (VersionUnavailable, ExchangeRefusal, NotFound) as failure:
                failures.append(f"{source}: {failure}")
                continue
            self._store.put_version(doc)
            logger.info("item version fetched", extra={"item": code, "version": version, "from": source})
            return doc
        reasons = "; ".join(failures) or "no source"
        raise VersionUnavailable(f"item {code} v{version} not available: {reasons}")

    def _fetch_from(self, source: str, code: str, version: int) -> dict[str, Any]:
        partner = self._partners.require(source)
        token = self._signer.sign_jws(
            {
                "id": str(uuid.uuid4()),
                "from": self._province,
                "to": source,
                "sent_at": rfc3339(self._clock()),
                "code": code,
                "version": version,
            },
            CATALOG_FETCH_TYPE,
        )
        answer = self._http.post(f"{partner.endpoint}/v1/exchange/catalog", {"request": token})
        doc, statement = answer.body.get("version"), answer.body.get("statement")
        if answer.status != 200 or not isinstance(doc, dict) or not isinstance(statement, str):
            raise VersionUnavailable(f"item version fetch from {source} answered {answer.status}")
        claims = verify_jws(statement, partner.jwks, CATALOG_STATEMENT_TYPE)
        checks = (
            claims.get("from") == source,
            claims.get("to") == self._province,
            claims.get("code") == code == doc.get("code"),
            claims.get("version") == version == doc.get("version"),
            claims.get("payload_sha256") == payload_digest(doc),
            doc.get("standard_digest") in (None, stored_standard_digest(doc.get("definition") or {})),
        )
        if not all(checks):
            raise VersionUnavailable(f"item version from {source} does not match its statement")
        from chalicelib.domain.catalog import ItemDefinition

        ItemDefinition.model_validate(doc["definition"])  # a version kept here is a valid definition
        return doc

    def serve(self, token: str) -> dict[str, Any]:
        """A version this gateway holds, for a partner's signed request, with a signed statement."""
        claims: dict[str, Any] = {}
        try:
            claims = unverified_claims(token)
            partner, verified = check_signed_request(
                self._partners, token, claims, CATALOG_FETCH_TYPE, self._province, self._clock()
            )
            code, version = verified.get("code"), verified.get("version")
            if not isinstance(code, str) or not isinstance(version, int) or isinstance(version, bool):
                raise ExchangeRefusal("envelope_malformed")
            doc = self._store.version(code, version)
            if doc is None:
                raise NotFound("item_version_not_found")
        except (ExchangeRefusal, NotFound) as refusal:
            self._outbox.record_refusal(
                refusal_record(refusal.code, claims, rfc3339(self._clock()), CATALOG_FETCH_KIND)
            )
            raise
        statement = self._signer.sign_jws(
            {
                "from": self._province,
                "to": partner.code,
                "code": code,
                "version": version,
                "payload_sha256": payload_digest(doc),
                "sent_at": rfc3339(self._clock()),
            },
            CATALOG_STATEMENT_TYPE,
        )
        return {"version": doc, "statement": statement}
