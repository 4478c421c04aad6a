"""The exchange record of a case (交换存证): what was sent and received, exported as one bundle that
anyone verifies offline with the keys it carries.

Invariants of a bundle (docs/exchange/README.md, evidence archive): it is the RFC 8785 canonical
JSON of `{"record": …, "seal": …}`; `seal` is this gateway's JWS (typ tongban-record+jws) over the
SHA-256 of the record's canonical JSON, so a changed byte anywhere fails verification; every
message in the record carries its envelope JWS, its payload and the receiver's receipt JWS as
exchanged, and `jwks` holds, per province, the public keys that verify them: the registry's keys
of each partner, and the keys kept with each archived message (its sender's and its receipt's),
so this province's own keys and partners' keys rotated out since still verify old messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.envelope import canonical_json
from chalicelib.domain.errors import NotFound
from chalicelib.observability import logger
from chalicelib.services.exchange import Signer, unverified_claims
from chalicelib.services.partners import PartnerService

BUNDLE_FORMAT = "tongban-exchange-record/1"
RECORD_TYPE = "tongban-record+jws"


class EvidenceArchive(Protocol):
    def keep(self, key: str, entry: dict[str, Any]) -> None: ...
    def entries(self, case: str) -> list[dict[str, Any]]: ...


class EvidenceService:
    def __init__(
        self,
        archive: EvidenceArchive,
        partners: PartnerService,
        signer: Signer,
        province: str,
        clock: Clock = system_clock,
        own_key: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self._archive = archive
        self._partners = partners
        self._signer = signer
        self._province = province
        self._clock = clock
        self._own_key = own_key  # this province's public key by kid, rotated-out keys included

    def bundle(self, case: str) -> bytes:
        """The case's exchange record, sealed, as canonical JSON bytes; 404 if nothing was exchanged."""
        entries = self._archive.entries(case)
        if not entries:
            raise NotFound("exchange_record_empty")
        messages = []
        jwks: dict[str, dict[str, dict[str, Any]]] = {self._province: {}}
        own = self._signer.public_jwk()
        jwks[self._province][own["kid"]] = own
        for entry in entries:
            claims = unverified_claims(entry["envelope"])
            for code in {str(claims.get("from")), str(claims.get("to"))} - {self._province}:
                partner = self._partners.get(code)
                keys = jwks.setdefault(code, {})
                for jwk in partner.jwks.get("keys", []) if partner is not None else []:
                    keys.setdefault(jwk["kid"], jwk)
            sender, receiver = str(claims.get("from")), str(claims.get("to"))
            for code, name in ((sender, "sender_key"), (receiver, "receiver_key")):
                if name in entry:
                    jwks.setdefault(code, {}).setdefault(entry[name]["kid"], entry[name])
            ours = entry["envelope"] if sender == self._province else entry["receipt"]
            self._add_own_key(jwks[self._province], ours)
            messages.append(
                {k: entry[k] for k in ("direction", "envelope", "payload", "receipt", "archived_at")}
            )
        record = {
            "format": BUNDLE_FORMAT,
            "case": case,
            "province": self._province,
            "exported_at": rfc3339(self._clock()),
            "jwks": {
                code: {"keys": [keys[kid] for kid in sorted(keys)]} for code, keys in sorted(jwks.items())
            },
            "messages": messages,
        }
        seal = self._signer.sign_jws(
            {
                "record_sha256": hashlib.sha256(canonical_json(record)).hexdigest(),
                "case": case,
                "from": self._province,
                "exported_at": record["exported_at"],
            },
            RECORD_TYPE,
        )
        return canonical_json({"record": record, "seal": seal})

    def _add_own_key(self, keys: dict[str, dict[str, Any]], token: str) -> None:
        """The key of ours that signed `token`, for a message archived before its entry kept it."""
        import jwt

        kid = jwt.get_unverified_header(token).get("kid")
        if self._own_key is None or not isinstance(kid, str) or kid in keys:
            return
        try:
            keys[kid] = self._own_key(kid)
        except Exception:  # a deleted key: the bundle says so by not verifying that JWS
            logger.warning("signing key of an archived message not found", extra={"kid": kid})
