"""Case files in the province's S3 bucket: presigned uploads and downloads, and the gateway's own check.

A file never passes through a Lambda body. An applicant PUTs to a presigned SigV4 URL that binds the
Content-Type, Content-Length and x-amz-checksum-sha256 headers; S3 refuses a request whose headers
differ from the signed ones, and rejects a body whose SHA-256 differs from the declared one. After the
upload the gateway does not trust any of that: `inspect` reads the object back and checks size, type
(by magic bytes) and digest itself. Downloads are presigned GETs with an attachment disposition.

moto 5.2.5, as found (in-process `mock_aws` and `moto.server` behave the same):
- its CloudFormation ignores NotificationConfiguration on AWS::S3::Bucket and does not implement
  AWS::SQS::QueuePolicy or AWS::S3::BucketPolicy; infra/local/resources.py applies them by API;
- with a queue configuration it delivers ObjectCreated:Put events to SQS synchronously, and sends an
  s3:TestEvent when the configuration is put; its records carry the key quote_plus-encoded (also
  "/" as %2F), size and eTag, but no sequencer and no versionId;
- it does not verify presigned URLs: a bad signature, an expired URL, or a Content-Type other than
  the signed one are all accepted (it only compares SigV2-style query parameters, which SigV4 URLs do
  not carry), and it does not enforce a signed Content-Length;
- it neither verifies x-amz-checksum-sha256 on PUT (a wrong body is stored) nor stores the value
  unless x-amz-sdk-checksum-algorithm is sent too;
- it evaluates bucket-policy conditions without request context, so a conditional Deny (TLS only)
  refuses every object request; the local stack leaves such statements out.
Locally, therefore, only `inspect` holds; on AWS it is the second of two controls.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, unquote_plus

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client

# Content types the gateway can recognise by their first bytes; only these can pass `inspect`.
SIGNATURES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
_SNIFF_BYTES = max(len(magic) for magic in SIGNATURES.values())
_CHUNK = 64 * 1024
_MAX_EXPIRES = 7 * 24 * 3600  # SigV4's limit
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchVersion"})

Reason = Literal["missing", "empty", "too_large", "type_not_allowed", "type_mismatch", "checksum_mismatch"]


@dataclass(frozen=True)
class UploadTicket:
    """What the client needs for its PUT; every header listed is signed and must be sent as given."""

    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class Inspection:
    """The gateway's verdict on an uploaded object.

    `size` and `content_type` are what S3 reports (content type without parameters); `sha256_hex` is
    the digest the gateway computed, None when it rejected the object without reading it.
    """

    ok: bool
    reason: Reason | None
    size: int | None = None
    sha256_hex: str | None = None
    content_type: str | None = None
    version_id: str | None = None  # the version read, on a versioned bucket: pin it to serve it


@dataclass(frozen=True)
class UploadedObject:
    """One ObjectCreated record of an S3 event notification."""

    bucket: str
    key: str
    size: int
    etag: str | None
    sequencer: str | None
    version_id: str | None
    event_name: str


def sniff(head: bytes) -> str | None:
    """The content type whose signature `head` starts with, if any."""
    return next((kind for kind, magic in SIGNATURES.items() if head.startswith(magic)), None)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the RFC 5987 `filename*` that carries the real name."""
    name = "".join(ch for ch in filename if ch.isprintable()).strip() or "download"
    fallback = name if all(" " <= ch <= "~" and ch not in '"\\' for ch in name) else None
    if fallback is None:
        dot = name.rfind(".")
        suffix = name[dot:] if dot > 0 else ""
        safe_suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
        fallback = f"download{safe_suffix}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class S3Files:
    """Case files in one bucket."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _s3(self) -> Any:
        return client("s3")

    def presign_upload(
        self, key: str, *, content_type: str, sha256_hex: str, size: int, expires_in: int = 300
    ) -> UploadTicket:
        """A presigned PUT binding the type, the length and the SHA-256 of the one body it accepts."""
        if not _SHA256_HEX.fullmatch(sha256_hex):
            raise ValueError("sha256_hex must be 64 hexadecimal digits")
        if size <= 0:
            raise ValueError("size must be positive")
        if not 0 < expires_in <= _MAX_EXPIRES:
            raise ValueError(f"expires_in must be within 1..{_MAX_EXPIRES} seconds")
        checksum = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
        issued = datetime.now(UTC)
        url: str = self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
                "ChecksumSHA256": checksum,
            },
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(size),
            "x-amz-checksum-sha256": checksum,
        }
        return UploadTicket(
            url=url, method="PUT", headers=headers, expires_at=issued + timedelta(seconds=expires_in)
        )

    def presign_download(
        self, key: str, *, filename: str, expires_in: int = 300, version_id: str | None = None
    ) -> str:
        """A presigned GET whose response is an attachment named `filename` (any script); with
        `version_id`, of that version only, so an object written over later is never served."""
        if not 0 < expires_in <= _MAX_EXPIRES:
            raise ValueError(f"expires_in must be within 1..{_MAX_EXPIRES} seconds")
        version = {"VersionId": version_id} if version_id else {}
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
                **version,
            },
            ExpiresIn=expires_in,
            HttpMethod="GET",
        )
        return url

    def inspect(
        self, key: str, *, sha256_hex: str, content_types: Sequence[str], max_bytes: int
    ) -> Inspection:
        """Verify an uploaded object: HEAD for existence, size and declared type, then stream it.

        A declared type outside `content_types`, or a size of zero or above `max_bytes`, is rejected
        from HEAD without reading the body. Otherwise the body is read in chunks (never whole in
        memory) to compute its SHA-256 and sniff its real type, which must equal the declared one.
        """
        allowed = {_media_type(kind) for kind in content_types}
        if unknown := allowed - SIGNATURES.keys():
            raise ValueError(f"no signature to recognise {sorted(unknown)}")
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                return Inspection(ok=False, reason="missing")
            raise
        size = int(head["ContentLength"])
        declared = _media_type(head.get("ContentType"))
        if size == 0:
            return Inspection(ok=False, reason="empty", size=size, content_type=declared)
        if size > max_bytes:
            return Inspection(ok=False, reason="too_large", size=size, content_type=declared)
        if declared not in allowed:
            return Inspection(ok=False, reason="type_not_allowed", size=size, content_type=declared)

        # Read the very version HEAD described, so a concurrent overwrite cannot slip in between.
        version = {"VersionId": head["VersionId"]} if head.get("VersionId") else {}
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key, **version)["Body"]
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                return Inspection(ok=False, reason="missing")
            raise
        digest = hashlib.sha256()
        prefix = b""
        read = 0
        try:
            for chunk in body.iter_chunks(chunk_size=_CHUNK):
                read += len(chunk)
                if read > max_bytes:
                    return Inspection(ok=False, reason="too_large", size=read, content_type=declared)
                digest.update(chunk)
                if len(prefix) < _SNIFF_BYTES:
                    prefix += chunk[: _SNIFF_BYTES - len(prefix)]
        finally:
            body.close()
        computed = digest.hexdigest()
        reason: Reason | None = None
        if read == 0:
            reason = "empty"
        elif computed != sha256_hex.lower():
            reason = "checksum_mismatch"
        elif sniff(prefix) != declared:
            reason = "type_mismatch"
        return Inspection(
            ok=reason is None,
            reason=reason,
            size=read,
            sha256_hex=computed,
            content_type=declared,
            version_id=head.get("VersionId"),
        )

    def put_bytes(self, key: str, body: bytes, *, content_type: str, sha256_hex: str) -> str | None:
        """Store a file copied from a partner; S3 checks the SHA-256 it is given. Returns the
        version written (on a versioned bucket), to be pinned as the verified one."""
        checksum = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
        written = self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, ChecksumSHA256=checksum
        )
        version = written.get("VersionId")
        return str(version) if version and version != "null" else None


def parse_upload_notifications(body: str) -> list[UploadedObject]:
    """The ObjectCreated records of an S3 event notification delivered to SQS as the message body.

    An `s3:TestEvent` (sent when the notification configuration is put) yields []. Keys arrive
    URL-encoded with `+` for spaces and are returned decoded.
    """
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("not an S3 event notification")
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list):
        raise ValueError("not an S3 event notification")
    uploads = []
    for record in records:
        event_name = str(record.get("eventName", ""))
        if record.get("eventSource") != "aws:s3" or not event_name.startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        obj = s3["object"]
        uploads.append(
            UploadedObject(
                bucket=s3["bucket"]["name"],
                key=unquote_plus(obj["key"]),
                size=int(obj.get("size", 0)),
                etag=obj.get("eTag"),
                sequencer=obj.get("sequencer"),
                version_id=obj.get("versionId"),
                event_name=event_name,
            )
        )
    return uploads
