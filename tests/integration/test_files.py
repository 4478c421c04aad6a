"""Case files against in-process moto: presigned PUT/GET with `requests`, the gateway's own inspection,
and the bucket's ObjectCreated notifications on the uploads queue.

moto does not verify presigned signatures or x-amz-checksum-sha256 (see chalicelib/adapters/files.py),
so a tampered PUT is asserted two ways: the URL signs the headers (what S3 enforces), and inspect()
rejects what moto let through (the control that holds either way)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from chalicelib.adapters.aws import client
from chalicelib.adapters.files import (
    S3Files,
    UploadedObject,
    UploadTicket,
    content_disposition,
    parse_upload_notifications,
)
from tests.conftest import PREFIX

BUCKET = f"{PREFIX}-files"
UPLOADS = f"{PREFIX}-uploads"
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 20 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
JPEG = b"\xff\xd8\xff\xe0" + bytes(300 * 1024)  # several 64 KiB chunks
DOCS = ("application/pdf", "image/jpeg", "image/png")


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def case_key(name: str = "file.pdf") -> str:
    return f"cases/{uuid.uuid4().hex}/{name}"


@pytest.fixture
def files(clean_aws: None) -> S3Files:
    return S3Files(BUCKET)


@pytest.fixture
def uploads_queue(clean_aws: None) -> str:
    sqs = boto3.client("sqs")
    url: str = sqs.get_queue_url(QueueName=UPLOADS)["QueueUrl"]
    while received(url):  # drained by deleting: moto allows one PurgeQueue a minute
        pass
    return url


def put(ticket: UploadTicket, body: bytes, **override: str) -> requests.Response:
    return requests.put(ticket.url, data=body, headers={**ticket.headers, **override}, timeout=10)


def upload(files: S3Files, key: str, body: bytes, content_type: str) -> None:
    ticket = files.presign_upload(key, content_type=content_type, sha256_hex=sha256(body), size=len(body))
    response = put(ticket, body)
    assert response.status_code == 200, response.text


def received(queue_url: str) -> list[str]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [m["Body"] for m in messages]


def test_presigned_put_uploads_and_inspect_accepts(files: S3Files) -> None:
    key = case_key()
    ticket = files.presign_upload(key, content_type="application/pdf", sha256_hex=sha256(PDF), size=len(PDF))

    assert ticket.method == "PUT"
    assert ticket.expires_at.tzinfo is not None
    assert abs(ticket.expires_at - (datetime.now(UTC) + timedelta(seconds=300))) < timedelta(seconds=5)
    assert put(ticket, PDF).status_code == 200

    inspection = files.inspect(key, sha256_hex=sha256(PDF), content_types=DOCS, max_bytes=1 << 20)
    assert inspection.ok, inspection
    assert inspection.reason is None
    assert inspection.size == len(PDF)
    assert inspection.sha256_hex == sha256(PDF)
    assert inspection.content_type == "application/pdf"


def test_inspect_streams_an_object_larger_than_one_chunk(files: S3Files) -> None:
    key = case_key("photo.jpg")
    upload(files, key, JPEG, "image/jpeg")

    inspection = files.inspect(key, sha256_hex=sha256(JPEG).upper(), content_types=DOCS, max_bytes=1 << 20)

    assert inspection.ok, inspection
    assert inspection.sha256_hex == sha256(JPEG)


def test_ticket_signs_type_checksum_and_length(files: S3Files) -> None:
    digest = sha256(PDF)
    ticket = files.presign_upload(
        case_key(), content_type="application/pdf", sha256_hex=digest, size=len(PDF)
    )
    query = parse_qs(urlsplit(ticket.url).query)

    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    signed = set(query["X-Amz-SignedHeaders"][0].split(";"))
    assert {"host", "content-type", "x-amz-checksum-sha256", "content-length"} <= signed
    assert ticket.headers == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(PDF)),
        "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(digest)).decode(),
    }


def test_tampered_put_that_moto_lets_through_is_caught_by_inspect(files: S3Files) -> None:
    """S3 would refuse this PUT (Content-Type is signed); moto does not check, inspect() does."""
    key = case_key()
    ticket = files.presign_upload(key, content_type="application/pdf", sha256_hex=sha256(PDF), size=len(PDF))

    response = put(ticket, PNG, **{"Content-Type": "image/png"})
    assert response.status_code == 200  # moto: no signature check

    pdf_only = files.inspect(
        key, sha256_hex=sha256(PDF), content_types=["application/pdf"], max_bytes=1 << 20
    )
    assert (pdf_only.ok, pdf_only.reason) == (False, "type_not_allowed")
    assert pdf_only.sha256_hex is None  # rejected from HEAD
    any_doc = files.inspect(key, sha256_hex=sha256(PDF), content_types=DOCS, max_bytes=1 << 20)
    assert (any_doc.ok, any_doc.reason) == (False, "checksum_mismatch")


def test_body_other_than_the_ticketed_one_is_a_checksum_mismatch(files: S3Files) -> None:
    key = case_key()
    other = PDF.replace(b"Catalog", b"Catalot")
    ticket = files.presign_upload(key, content_type="application/pdf", sha256_hex=sha256(PDF), size=len(PDF))
    assert put(ticket, other).status_code == 200  # moto ignores x-amz-checksum-sha256

    inspection = files.inspect(key, sha256_hex=sha256(PDF), content_types=DOCS, max_bytes=1 << 20)

    assert (inspection.ok, inspection.reason) == (False, "checksum_mismatch")
    assert inspection.sha256_hex == sha256(other)


def test_png_declared_as_pdf_is_a_type_mismatch(files: S3Files) -> None:
    key = case_key()
    upload(files, key, PNG, "application/pdf")

    inspection = files.inspect(key, sha256_hex=sha256(PNG), content_types=DOCS, max_bytes=1 << 20)

    assert (inspection.ok, inspection.reason) == (False, "type_mismatch")
    assert inspection.content_type == "application/pdf"


def test_declared_type_not_allowed(files: S3Files) -> None:
    key = case_key("scan.png")
    upload(files, key, PNG, "image/png")

    inspection = files.inspect(
        key, sha256_hex=sha256(PNG), content_types=["application/pdf"], max_bytes=1 << 20
    )

    assert (inspection.ok, inspection.reason) == (False, "type_not_allowed")


def test_empty_object(files: S3Files) -> None:
    key = case_key()
    client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"", ContentType="application/pdf")

    inspection = files.inspect(key, sha256_hex=sha256(b""), content_types=DOCS, max_bytes=1 << 20)

    assert (inspection.ok, inspection.reason, inspection.size) == (False, "empty", 0)


def test_too_large_is_rejected_from_head_without_downloading(files: S3Files) -> None:
    key = case_key()
    upload(files, key, PDF, "application/pdf")
    calls: list[str] = []
    s3 = client("s3")
    s3.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))

    inspection = files.inspect(key, sha256_hex=sha256(PDF), content_types=DOCS, max_bytes=len(PDF) - 1)

    assert (inspection.ok, inspection.reason, inspection.size) == (False, "too_large", len(PDF))
    assert inspection.sha256_hex is None
    assert calls == ["HeadObject"]


def test_missing_object(files: S3Files) -> None:
    inspection = files.inspect(case_key(), sha256_hex=sha256(PDF), content_types=DOCS, max_bytes=1 << 20)

    assert inspection == type(inspection)(ok=False, reason="missing")


def test_inspect_refuses_types_it_cannot_recognise(files: S3Files) -> None:
    with pytest.raises(ValueError, match="application/ofd"):
        files.inspect(case_key(), sha256_hex=sha256(PDF), content_types=["application/ofd"], max_bytes=10)


@pytest.mark.parametrize(
    ("sha", "size", "expires_in"),
    [
        ("ab" * 31, 10, 300),
        ("zz" * 32, 10, 300),
        ("ab" * 32, 0, 300),
        ("ab" * 32, 10, 0),
        ("ab" * 32, 10, 10**6),
    ],
)
def test_presign_upload_rejects_bad_arguments(files: S3Files, sha: str, size: int, expires_in: int) -> None:
    with pytest.raises(ValueError):
        files.presign_upload(
            case_key(), content_type="application/pdf", sha256_hex=sha, size=size, expires_in=expires_in
        )


def test_presigned_get_downloads_with_a_chinese_attachment_name(files: S3Files) -> None:
    key = case_key()
    upload(files, key, PDF, "application/pdf")

    url = files.presign_download(key, filename="营业执照 副本.pdf", expires_in=120)
    response = requests.get(url, timeout=10)

    assert response.status_code == 200
    assert response.content == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition == (
        "attachment; filename=\"download.pdf\"; filename*=UTF-8''"
        "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%E5%89%AF%E6%9C%AC.pdf"
    )
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["120"]


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("scan 1.pdf", "attachment; filename=\"scan 1.pdf\"; filename*=UTF-8''scan%201.pdf"),
        ('a"b\\c.png', "attachment; filename=\"download.png\"; filename*=UTF-8''a%22b%5Cc.png"),
        (
            "x\r\nSet-Cookie: a=b",
            "attachment; filename=\"xSet-Cookie: a=b\"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db",
        ),
        ("", "attachment; filename=\"download\"; filename*=UTF-8''download"),
    ],
)
def test_content_disposition(filename: str, expected: str) -> None:
    assert content_disposition(filename) == expected


def test_bucket_notifies_the_uploads_queue_from_the_template(clean_aws: None) -> None:
    sqs = boto3.client("sqs")
    queue = sqs.get_queue_url(QueueName=UPLOADS)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn", "Policy"])["Attributes"]

    configuration = boto3.client("s3").get_bucket_notification_configuration(Bucket=BUCKET)

    [queue_config] = configuration["QueueConfigurations"]
    assert queue_config["QueueArn"] == attributes["QueueArn"]
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    assert queue_config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "cases/"}]
    [statement] = json.loads(attributes["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == f"arn:aws-cn:s3:::{BUCKET}"


def test_upload_is_notified_on_the_uploads_queue(files: S3Files, uploads_queue: str) -> None:
    key = case_key("营业执照 a+b.pdf")
    upload(files, key, PDF, "application/pdf")
    etag = client("s3").head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')

    [body] = received(uploads_queue)
    [uploaded] = parse_upload_notifications(body)

    assert (uploaded.bucket, uploaded.key, uploaded.size, uploaded.etag) == (BUCKET, key, len(PDF), etag)
    assert uploaded.event_name == "ObjectCreated:Put"


def test_uploads_outside_cases_are_not_notified(files: S3Files, uploads_queue: str) -> None:
    upload(files, f"scratch/{uuid.uuid4().hex}.pdf", PDF, "application/pdf")

    assert received(uploads_queue) == []


def test_configuring_notifications_sends_a_test_event_that_is_ignored(uploads_queue: str) -> None:
    s3 = boto3.client("s3")
    configuration = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    configuration.pop("ResponseMetadata")
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=configuration)

    [body] = received(uploads_queue)

    assert json.loads(body)["Event"] == "s3:TestEvent"
    assert parse_upload_notifications(body) == []


# As AWS documents it (notification-content-structure), with what moto leaves out: sequencer, versionId.
AWS_EVENT: dict[str, Any] = {
    "Records": [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "cn-north-1",
            "eventTime": "2025-03-01T08:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:AROAEXAMPLE"},
            "requestParameters": {"sourceIPAddress": "203.0.113.7"},
            "responseElements": {
                "x-amz-request-id": "C3D13FE58DE4C810",
                "x-amz-id-2": "FMyUVURIY8/IgAtTv8xR",
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "uploads",
                "bucket": {
                    "name": BUCKET,
                    "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                    "arn": f"arn:aws-cn:s3:::{BUCKET}",
                },
                "object": {
                    "key": "cases/C-1/%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7+a%2Bb.pdf",
                    "size": 1024,
                    "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                    "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
                    "sequencer": "0055AED6DCD90281E5",
                },
            },
        },
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventName": "ObjectRemoved:Delete",
            "s3": {"bucket": {"name": BUCKET}, "object": {"key": "cases/C-1/old.pdf", "sequencer": "0055"}},
        },
    ]
}


def test_parses_an_aws_shaped_event_and_decodes_the_key() -> None:
    assert parse_upload_notifications(json.dumps(AWS_EVENT)) == [
        UploadedObject(
            bucket=BUCKET,
            key="cases/C-1/营业执照 a+b.pdf",
            size=1024,
            etag="d41d8cd98f00b204e9800998ecf8427e",
            sequencer="0055AED6DCD90281E5",
            version_id="096fKKXTRTtl3on89fVO.nfljtsv6qko",
            event_name="ObjectCreated:Put",
        )
    ]


def test_test_event_is_ignored() -> None:
    test_event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2025-03-01T08:00:00.000Z",
        "Bucket": BUCKET,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
    assert parse_upload_notifications(json.dumps(test_event)) == []


@pytest.mark.parametrize("body", ["[]", '{"hello": 1}', "not json"])
def test_other_messages_are_refused(body: str) -> None:
    with pytest.raises(ValueError):
        parse_upload_notifications(body)
