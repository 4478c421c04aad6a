"""Operators manage the partner registry; every change is audited (who, when, what, why)."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.config import LOCAL_STAGE, ConfigurationError, check_jwks
from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.partners import Partner, PartnerStatus
from chalicelib.domain.regions import is_province, province_name
from chalicelib.services.after_commit import AfterCommit, Committed


class PartnerStore(Protocol):
    def get(self, code: str) -> dict[str, Any] | None: ...
    def all(self) -> list[dict[str, Any]]: ...
    def audit(self, code: str | None = None) -> list[dict[str, Any]]: ...
    def save(self, partner: dict[str, Any], audit: dict[str, Any]) -> None: ...


class PartnerService:
    def __init__(
        self,
        store: PartnerStore,
        own: str,
        stage: str,
        *,
        after_commit: AfterCommit,
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        self._own = own
        self._stage = stage
        self._after_commit = after_commit  # what follows a status change (services/after_commit.py)
        self._clock = clock

    def get(self, code: str) -> Partner | None:
        doc = self._store.get(code)
        return None if doc is None else Partner.from_document(doc)

    def require(self, code: str) -> Partner:
        partner = self.get(code)
        if partner is None:
            raise NotFound("partner_not_found")
        return partner

    def all(self) -> list[dict[str, Any]]:
        return sorted(self._store.all(), key=lambda p: p["code"])

    def audit(self, code: str) -> list[dict[str, Any]]:
        self.require(code)
        return self._store.audit(code)

    def put(self, code: str, body: dict[str, Any], actor: Principal, reason: str) -> dict[str, Any]:
        """Register a partner or replace its endpoint and keys (a key rotation adds a kid first)."""
        if not is_province(code) or code == self._own:
            raise InvalidInput("validation_failed", errors=[{"field": "province", "code": "not_a_partner"}])
        endpoint = str(body["endpoint"]).rstrip("/")
        local = self._stage == LOCAL_STAGE and endpoint.startswith("http://127.0.0.1:")
        if not (endpoint.startswith("https://") or local):
            raise InvalidInput("validation_failed", errors=[{"field": "endpoint", "code": "https_required"}])
        try:
            check_jwks(code, body["jwks"])
        except ConfigurationError:
            raise InvalidInput(
                "validation_failed", errors=[{"field": "jwks", "code": "jwks_invalid"}]
            ) from None
        current = self.get(code)
        partner = Partner(
            code=code,
            name=body.get("name") or province_name(code),
            endpoint=endpoint,
            jwks=body["jwks"],
            status=PartnerStatus(body.get("status") or (current.status if current else PartnerStatus.ACTIVE)),
        )
        change = "registered" if current is None else "updated"
        return self._save(partner, actor, change, reason)

    def set_status(self, code: str, status: PartnerStatus, actor: Principal, reason: str) -> dict[str, Any]:
        current = self.require(code)
        partner = Partner(current.code, current.name, current.endpoint, current.jwks, status)
        saved = self._save(partner, actor, status.value, reason)
        self._after_commit.run(Committed.PARTNER_STATUS, [partner])
        return saved

    def _save(self, partner: Partner, actor: Principal, change: str, reason: str) -> dict[str, Any]:
        doc = partner.as_document()
        audit = {
            "code": partner.code,
            "change": change,
            "status": partner.status.value,
            "kids": [k.get("kid") for k in partner.jwks.get("keys", [])],
            "endpoint": partner.endpoint,
            "reason": reason,
            "by": actor.subject,
            "at": rfc3339(self._clock()),
        }
        self._store.save(doc, audit)
        return doc
