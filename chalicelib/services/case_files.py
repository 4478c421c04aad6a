"""Files between provinces: a partner fetches a file of a case it shares with a signed request and
gets a short-lived presigned GET; the receiver copies the object into its own bucket and checks
its SHA-256 before the case uses it. E-licence references travel as references."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.case import Case, FileStatus, MaterialFile
from chalicelib.domain.case_states import RESULT_SLOT
from chalicelib.domain.catalog import MAX_MATERIAL_BYTES
from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.envelope import FETCH_KIND, ExchangeRefusal
from chalicelib.domain.errors import NotFound
from chalicelib.domain.messages import FileRef
from chalicelib.services.exchange import RefusalLog, Signer, refusal_record, unverified_claims
from chalicelib.services.partners import PartnerService
from chalicelib.services.signed_request import check_signed_request

FETCH_TYPE = "tongban-fetch+jws"
FETCH_URL_SECONDS = 120


class Objects(Protocol):
    def presign_download(
        self, key: str, *, filename: str, expires_in: int = 300, version_id: str | None = None
    ) -> str: ...
    def put_bytes(self, key: str, body: bytes, *, content_type: str, sha256_hex: str) -> str | None: ...


class Http(Protocol):
    def post(self, url: str, body: dict[str, Any]) -> Any: ...
    def download(self, url: str, max_bytes: int) -> tuple[bytes, str]: ...


class CaseLoader(Protocol):
    def get(self, number: str) -> dict[str, Any] | None: ...


class CaseFiles:
    def __init__(
        self,
        partners: PartnerService,
        signer: Signer,
        objects: Objects,
        http: Http,
        cases: CaseLoader,
        province: str,
        clock: Clock = system_clock,
        refusals: RefusalLog | None = None,
    ) -> None:
        self._refusals = refusals
        self._partners = partners
        self._signer = signer
        self._objects = objects
        self._http = http
        self._cases = cases
        self._province = province
        self._clock = clock

    # — the side that holds the file —

    def serve(self, token: str) -> dict[str, Any]:
        """A short-lived download link for a partner's signed request; only for a case it shares.
        Every refusal is recorded for the operators, as a refused message is."""
        claims: dict[str, Any] = {}
        try:
            claims = unverified_claims(token)
            return self._serve(token, claims)
        except (ExchangeRefusal, NotFound) as refusal:
            self.refuse(refusal.code, claims)
            raise

    def refuse(self, code: str, claims: dict[str, Any]) -> None:
        if self._refusals is not None:
            self._refusals.record_refusal(refusal_record(code, claims, rfc3339(self._clock()), FETCH_KIND))

    def _serve(self, token: str, unverified: dict[str, Any]) -> dict[str, Any]:
        partner, claims = check_signed_request(
            self._partners, token, unverified, FETCH_TYPE, self._province, self._clock()
        )
        doc = self._cases.get(str(claims.get("case")))
        case = None if doc is None else Case.model_validate(doc)
        if case is None or case.exchange is None or case.exchange.partner != partner.code:
            raise NotFound("case_not_found")  # a partner sees only the cases it shares
        file = case.file(str(claims.get("file_id")))
        if file is None or file.key is None or file.status is not FileStatus.VERIFIED:
            raise NotFound("file_not_found")
        url = self._objects.presign_download(
            file.key, filename=file.filename, expires_in=FETCH_URL_SECONDS, version_id=file.version_id
        )
        return {"file_id": file.file_id, "url": url, "expires_in": FETCH_URL_SECONDS}

    # — the side that receives it —

    def copy_in(self, case: Case, ref: FileRef, at: datetime) -> MaterialFile:
        """The partner's file, copied here and checked; a licence reference is taken as it is."""
        common: dict[str, Any] = {
            "file_id": ref.file_id,
            "slot": ref.slot,
            "filename": ref.filename,
            "status": FileStatus.VERIFIED,
            "trust_level": ref.trust_level or "C",
            "created_at": at,
            "checked_at": at,
        }
        if ref.licence_ref:
            return MaterialFile(**common, licence_ref=ref.licence_ref)
        if ref.content_type is None or ref.sha256 is None:  # a file, not a licence: both are named
            raise ValueError(
                "a partner's file names no content type or SHA-256"
            )  # retried, then dead-lettered
        assert case.exchange is not None
        partner = self._partners.require(case.exchange.partner)
        token = self._signer.sign_jws(
            {
                "id": str(uuid.uuid4()),
                "case": case.number,
                "file_id": ref.file_id,
                "from": self._province,
                "to": partner.code,
                "sent_at": rfc3339(self._clock()),
            },
            FETCH_TYPE,
        )
        answer = self._http.post(f"{partner.endpoint}/v1/exchange/files", {"request": token})
        if answer.status != 200 or "url" not in answer.body:
            raise ConnectionError(f"file fetch from {partner.code} answered {answer.status}")
        slot = case.slot(ref.slot)
        limit = slot.max_bytes if slot is not None else MAX_MATERIAL_BYTES
        body, digest = self._http.download(answer.body["url"], limit)
        if digest != ref.sha256:
            raise ValueError("a partner's file does not match its SHA-256")  # retried, then dead-lettered
        folder = RESULT_SLOT if ref.slot == RESULT_SLOT else ref.slot
        key = f"cases/{case.number}/{folder}/{ref.file_id}"
        version = self._objects.put_bytes(key, body, content_type=ref.content_type, sha256_hex=digest)
        return MaterialFile(
            **common,
            content_type=ref.content_type,
            size=len(body),
            sha256=digest,
            key=key,
            version_id=version,
        )
