"""Materials (申请材料) and result documents: upload tickets, the gateway's own check, e-licences.

Files never pass through the gateway: the app PUTs to a presigned URL bound to type, length and
SHA-256; the bucket's notification (through SQS) and the app's confirm call both trigger the
check, which is idempotent — the first verdict stands. The verdict pins the object version it read:
downloads and partners' fetches get that version, whatever is written over the key later.

A case record stays bounded: a slot holds at most MAX_FILES_PER_SLOT live files (verified, or
pending on a ticket not yet expired) and the MAX_REJECTED_KEPT latest rejected ones; older rejected
entries leave the record (each rejection stays in the case's event log with its reason and digest).
A pending file whose ticket expired, and whose object has not arrived within UPLOAD_CHECK_GRACE,
no longer holds its place: the next ticket for the slot marks it rejected as `expired`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.access import is_handling_clerk, is_owner, is_window_of
from chalicelib.domain.case import STORAGE_FIELDS, Case, FileStatus, MaterialFile, Slot
from chalicelib.domain.case_acts import notice_for, record, supersede_rejected
from chalicelib.domain.case_factory import extra_slot
from chalicelib.domain.case_states import EDITABLE, RESULT_SLOT, CaseState
from chalicelib.domain.clock import beijing_date, rfc3339
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.identifiers import ISSUED_ALPHABET
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.record_commands import RequestUpload
from chalicelib.services.cases import (
    GATEWAY,
    CaseService,
    by_for,
)
from chalicelib.services.licences import LicenceProvider, TrustLevel
from chalicelib.services.races import again_on_a_race

MAX_FILES_PER_SLOT = 10
MAX_REJECTED_KEPT = 3  # per slot: enough to show the applicant what went wrong lately
UPLOAD_TICKET_SECONDS = 300
UPLOAD_CHECK_GRACE = timedelta(minutes=5)  # an upload made at the ticket's last second is still checked
EXPIRED = "expired"  # the reason of a pending file whose ticket ended without an upload
DOWNLOAD_SECONDS = 300
RESULT_TYPES = ("application/pdf",)
RESULT_MAX_BYTES = 20 * 1024 * 1024
KEY = re.compile(
    r"^cases/(?P<number>[0-9A-Z\-]{10,40})/(?P<slot>[a-z][a-z0-9_]{1,63})/(?P<file_id>F[0-9A-Z]{12})$"
)


class Files(Protocol):
    def presign_upload(
        self, key: str, *, content_type: str, sha256_hex: str, size: int, expires_in: int = 300
    ) -> Any: ...
    def presign_download(
        self, key: str, *, filename: str, expires_in: int = 300, version_id: str | None = None
    ) -> str: ...
    def inspect(self, key: str, *, sha256_hex: str, content_types: Any, max_bytes: int) -> Any: ...


def object_key(number: str, slot: str, file_id: str) -> str:
    return f"cases/{number}/{slot}/{file_id}"


def new_file_id() -> str:
    return "F" + "".join(secrets.choice(ISSUED_ALPHABET) for _ in range(12))


RESULT = extra_slot(RESULT_SLOT, "办理结果", RESULT_TYPES, RESULT_MAX_BYTES)


class MaterialService:
    def __init__(self, cases: CaseService, files: Files, licences: LicenceProvider) -> None:
        self._cases = cases
        self._files = files
        self._licences = licences

    def request_upload(
        self, principal: Principal, number: str, slot_code: str, command: RequestUpload
    ) -> dict[str, Any]:
        """An upload ticket for one file of a slot (applicant) or of the result (clerk).

        Adding a file only adds: if the gateway's own check of an earlier file committed meanwhile
        (a race the applicant cannot see), the addition is made again on the fresh case.
        """
        return again_on_a_race(lambda: self._request_upload(principal, number, slot_code, command))

    def _request_upload(
        self, principal: Principal, number: str, slot_code: str, command: RequestUpload
    ) -> dict[str, Any]:
        case, slot = self._slot_for_upload(principal, number, slot_code)
        content_type = command.content_type
        errors = []
        if content_type not in slot.content_types:
            errors.append({"field": "content_type", "code": "enum"})
        if command.size > slot.max_bytes:
            errors.append({"field": "size", "code": "less_than_equal"})
        if errors:
            raise InvalidInput("upload_not_allowed", errors=errors)
        now = self._cases.now()
        expired = [f for f in case.files if f.slot == slot.code and _ticket_lapsed(f, now)]
        if sum(1 for f in case.files if f.slot == slot.code and _holds_place(f, now)) >= MAX_FILES_PER_SLOT:
            raise Conflict("too_many_files", slot=slot.code)
        file = MaterialFile(
            file_id=new_file_id(),
            slot=slot.code,
            filename=command.filename,
            content_type=content_type,
            size=command.size,
            sha256=command.sha256.lower(),
            key=None,
            status=FileStatus.PENDING,
            trust_level=TrustLevel.C.value,
            created_at=now,
            expires_at=now + timedelta(seconds=UPLOAD_TICKET_SECONDS),
        )
        file.key = object_key(case.number, slot.code, file.file_id)
        details: dict[str, Any] = {"slot": slot.code, "file_id": file.file_id}
        if expired:
            details["expired"] = [f.file_id for f in expired]
        outcome = record(case, "upload_started", by_for(principal, case), now, details)
        for lapsed in expired:
            entry = outcome.case.file(lapsed.file_id)
            assert entry is not None
            entry.status, entry.reason, entry.checked_at = FileStatus.REJECTED, EXPIRED, now
        outcome.case.files = _compacted(outcome.case.files, slot.code)
        outcome.case.files.append(file)
        self._cases.save(case, [outcome])
        ticket = self._files.presign_upload(
            file.key,
            content_type=content_type,
            sha256_hex=file.sha256 or "",
            size=command.size,
            expires_in=UPLOAD_TICKET_SECONDS,
        )
        return {
            "file_id": file.file_id,
            "upload": {
                "url": ticket.url,
                "method": ticket.method,
                "headers": ticket.headers,
                "expires_at": rfc3339(ticket.expires_at),
            },
        }

    def _slot_for_upload(self, principal: Principal, number: str, slot_code: str) -> tuple[Case, Slot]:
        if principal.role is Role.AUTHORITY_CLERK:
            case = self._cases.handled(principal, number)
            if slot_code != RESULT_SLOT:
                raise NotFound("material_slot_not_found")
            if case.state not in (CaseState.APPROVED, CaseState.DENIED):
                raise Conflict("case_not_editable", state=case.state.value)
            return case, RESULT
        if principal.role is Role.WINDOW_CLERK:
            case = self._cases.windowed(principal, number)
        else:
            case = self._cases.owned(principal, number)
        slot = case.slot(slot_code)
        if slot is None:
            raise NotFound("material_slot_not_found")
        deferred_open = slot.code in case.deferred and case.state in (
            CaseState.ACCEPTED,
            CaseState.UNDER_REVIEW,
        )
        if case.state not in EDITABLE and not deferred_open:
            raise Conflict("case_not_editable", state=case.state.value)
        return case, slot

    def confirm(self, principal: Principal, number: str, file_id: str) -> dict[str, Any]:
        """The app's 'upload done' call: check now rather than wait for the bucket's notice."""
        case = self._cases.readable(principal, number)
        if not (
            is_owner(principal, case) or is_handling_clerk(principal, case) or is_window_of(principal, case)
        ):
            raise NotFound("case_not_found")
        file = case.file(file_id)
        if file is None:
            raise NotFound("file_not_found")
        return self._check(case, file).model_dump(mode="json", exclude=STORAGE_FIELDS)

    def check_object(self, key: str) -> str:
        """The bucket said an object was created: check it. Returns the verdict (for the event log)."""
        match = KEY.fullmatch(key)
        if match is None:
            return "ignored"
        try:
            case = self._cases.book.load(match["number"])
        except NotFound:
            return "ignored"
        file = case.file(match["file_id"])
        if file is None or file.key != key:
            return "ignored"
        return self._check(case, file).status.value

    def _check(self, case: Case, file: MaterialFile) -> MaterialFile:
        if file.status is not FileStatus.PENDING or file.key is None:
            return file
        slot = RESULT if file.slot == RESULT_SLOT else case.slot(file.slot)
        assert slot is not None
        verdict = self._files.inspect(
            file.key, sha256_hex=file.sha256 or "", content_types=slot.content_types, max_bytes=slot.max_bytes
        )
        if not verdict.ok and verdict.reason == "missing":
            return file  # not uploaded yet: stay pending, the notice will come
        now = self._cases.now()
        status = FileStatus.VERIFIED if verdict.ok else FileStatus.REJECTED
        outcome = record(
            case,
            "material_verified" if verdict.ok else "material_rejected",
            GATEWAY,
            now,
            {
                "slot": file.slot,
                "file_id": file.file_id,
                "reason": verdict.reason,
                "sha256": verdict.sha256_hex,
            },
        )
        changed = outcome.case.file(file.file_id)
        assert changed is not None
        changed.status, changed.reason, changed.checked_at = status, verdict.reason, now
        changed.version_id = verdict.version_id if verdict.ok else None
        if status is FileStatus.VERIFIED:
            supersede_rejected(outcome.case, changed)
        if status is FileStatus.REJECTED and file.slot != RESULT_SLOT:
            outcome.notice = notice_for(outcome.case, outcome.event)  # the applicant must upload again
        try:
            saved = self._cases.save(case, [outcome])
        except Conflict:
            # Another act moved the case meanwhile: check again on the fresh case (once is enough,
            # the verdict is the object's and does not depend on the case).
            fresh = self._cases.book.load(case.number)
            again = fresh.file(file.file_id)
            assert again is not None
            return again if again.status is not FileStatus.PENDING else self._check(fresh, again)
        result = saved.file(file.file_id)
        assert result is not None
        return result

    def attach_licence(
        self, principal: Principal, number: str, slot_code: str, reference: str
    ) -> dict[str, Any]:
        """电子证照 instead of an upload (an addition, made again if the gateway's check raced it)."""
        return again_on_a_race(lambda: self._attach_licence(principal, number, slot_code, reference))

    def _attach_licence(
        self, principal: Principal, number: str, slot_code: str, reference: str
    ) -> dict[str, Any]:
        """电子证照 instead of an upload: the applicant's own licence, of the slot's type, valid today."""
        case, slot = self._slot_for_upload(principal, number, slot_code)
        if slot.elicence_type is None:
            raise Conflict("licence_not_accepted_for_slot", slot=slot.code)
        if case.awaits_entrustment():
            # 委托代办: the principal's licences are used only on a verified entrustment
            raise Conflict("entrustment_not_verified", state=case.state.value)
        licence = self._licences.get(reference)
        now = self._cases.now()
        usable = (
            licence is not None
            and licence.holder_key in case.applicant.holder_keys()
            and licence.licence_type == slot.elicence_type
            and licence.is_valid_on(beijing_date(now))
        )
        if licence is None or not usable:
            raise InvalidInput(
                "licence_not_usable", errors=[{"field": "reference", "code": "licence_not_usable"}]
            )
        file = MaterialFile(
            file_id=new_file_id(),
            slot=slot.code,
            filename=licence.title,
            licence_ref=licence.reference,
            status=FileStatus.VERIFIED,
            trust_level=licence.trust_level.value,
            created_at=now,
            checked_at=now,
        )
        outcome = record(
            case,
            "licence_attached",
            by_for(principal, case),
            now,
            {"slot": slot.code, "file_id": file.file_id, "licence_ref": licence.reference},
        )
        outcome.case.files.append(file)
        self._cases.save(case, [outcome])
        return file.model_dump(mode="json", exclude=STORAGE_FIELDS)

    def download(self, principal: Principal, number: str, file_id: str) -> dict[str, Any]:
        """A presigned GET for one verified file, for those who may see the case."""
        return self._download_link(self._cases.readable(principal, number), file_id)

    def _download_link(self, case: Case, file_id: str) -> dict[str, Any]:
        file = case.file(file_id)
        if file is None or file.key is None or file.status is not FileStatus.VERIFIED:
            raise NotFound("file_not_found")
        url = self._files.presign_download(
            file.key, filename=file.filename, expires_in=DOWNLOAD_SECONDS, version_id=file.version_id
        )
        return {"file_id": file.file_id, "url": url, "expires_in": DOWNLOAD_SECONDS}

    def result(self, principal: Principal, number: str) -> dict[str, Any]:
        """The result for its applicant (or the clerk): a download link, the licence, or the tracking."""
        case = self._cases.readable(principal, number)
        if case.result is None:
            raise Conflict("result_not_issued", state=case.state.value)
        if is_owner(principal, case):
            case = self._cases.deliver_on_download(case)
        assert case.result is not None
        answer: dict[str, Any] = case.result.model_dump(mode="json")
        if case.result.file_id is not None:
            answer["download"] = self._download_link(case, case.result.file_id)
        return answer


def _ticket_lapsed(file: MaterialFile, now: datetime) -> bool:
    """A pending upload whose ticket ended (plus the grace for a late check) without an object."""
    if file.status is not FileStatus.PENDING:
        return False
    # records written before tickets carried their end: the ticket's lifetime from its creation
    ends = file.expires_at or file.created_at + timedelta(seconds=UPLOAD_TICKET_SECONDS)
    return now > ends + UPLOAD_CHECK_GRACE


def _holds_place(file: MaterialFile, now: datetime) -> bool:
    """Counts toward the slot's limit: verified, or pending on a ticket still in force."""
    return file.status is FileStatus.VERIFIED or (
        file.status is FileStatus.PENDING and not _ticket_lapsed(file, now)
    )


def _compacted(files: list[MaterialFile], slot: str) -> list[MaterialFile]:
    """The files with only the MAX_REJECTED_KEPT latest rejected ones of `slot` (bounded record)."""
    rejected = [f for f in files if f.slot == slot and f.status is FileStatus.REJECTED]
    dropped = {f.file_id for f in rejected[: max(0, len(rejected) - MAX_REJECTED_KEPT)]}
    return [f for f in files if f.file_id not in dropped]
