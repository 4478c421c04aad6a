"""The evidence archive (交换存证): every message sent and received, with its receipt, as exchanged,
in a write-once S3 bucket (Object Lock, COMPLIANCE, default retention from infra/template.yaml).

One object per message and direction (`services.exchange.archive_key`), whose body is the RFC 8785
canonical JSON of the entry. Object Lock makes every version immutable for the retention: a second
write of the same key (a retried delivery) adds a version and changes none. One PutObject per
message sent or received; exporting a case lists its prefix and reads each object.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.domain.envelope import canonical_json

PREFIX = "exchange"  # the folder `archive_key` writes under


class S3EvidenceArchive:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def keep(self, key: str, entry: dict[str, Any]) -> None:
        body = canonical_json(entry)
        checksum = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
        # Object Lock needs an integrity checksum on every PutObject
        client("s3").put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=checksum,
        )

    def entries(self, case: str) -> list[dict[str, Any]]:
        """Every archived entry of a case (the latest version of each key), in key order."""
        s3 = client("s3")
        keys: list[str] = []
        token: dict[str, str] = {}
        while True:
            page = s3.list_objects_v2(Bucket=self.bucket, Prefix=f"{PREFIX}/{case}/", **token)
            keys.extend(o["Key"] for o in page.get("Contents", []))
            if not page.get("IsTruncated"):
                break
            token = {"ContinuationToken": page["NextContinuationToken"]}
        return [json.loads(s3.get_object(Bucket=self.bucket, Key=k)["Body"].read()) for k in sorted(keys)]
