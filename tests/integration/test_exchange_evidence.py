"""The evidence archive: a received message and its receipt are kept write-once (Object Lock), and
a case's exchange record exports as one sealed bundle that the conformance kit verifies offline
and that fails verification after any changed byte."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.domain.envelope import MessageType
from conformance.verify import verify_bundle
from tests.conftest import ROOT
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import Party

EVIDENCE = "tongban-430000-evidence"
PAYLOAD = json.loads((ROOT / "tests/fixtures/messages/v1/case.forwarded.json").read_text(encoding="utf-8"))


def post(client: Any, message: dict[str, Any]) -> Any:
    return client.http.post(
        "/v1/exchange/messages",
        headers={"Content-Type": "application/json"},
        body=json.dumps(message, ensure_ascii=False),
    )


@pytest.fixture
def case() -> str:
    suffix = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
    return f"450000-20261123-{suffix}"  # the archive outlives a test: a fresh case each time


@pytest.fixture
def bundle(client: Any, operator: Party, guangxi: PartnerProvince, case: str) -> bytes:
    sent = ((1, MessageType.CASE_FORWARDED, PAYLOAD), (2, MessageType.WITHDRAWN, {"reason": "申请人撤回"}))
    for seq, kind, payload in sent:
        message = guangxi.message(payload, case=case, seq=seq, kind=kind)
        assert post(client, message).status_code == 200
        assert post(client, message).status_code == 200  # a replay archives nothing more
    answer = client.http.get(
        f"/v1/ops/cases/{case}/exchange-record", headers={"Authorization": operator.headers["Authorization"]}
    )
    assert answer.status_code == 200, answer.body
    return bytes(answer.body)


def test_each_received_message_is_archived_once_and_cannot_be_deleted(bundle: bytes, case: str) -> None:
    s3 = boto3.client("s3")
    versions = s3.list_object_versions(Bucket=EVIDENCE, Prefix=f"exchange/{case}/")["Versions"]
    assert [v["Key"].rsplit("/", 1)[1][:13] for v in versions] == ["450000-000001", "450000-000002"]
    head = s3.head_object(Bucket=EVIDENCE, Key=versions[0]["Key"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=EVIDENCE, Key=versions[0]["Key"], VersionId=versions[0]["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_the_exported_record_verifies_offline(bundle: bytes, guangxi: PartnerProvince) -> None:
    verified, notes = verify_bundle(bundle)
    assert verified, notes
    record = json.loads(bundle)["record"]
    assert [m["direction"] for m in record["messages"]] == ["received", "received"]
    assert record["jwks"]["450000"]["keys"][0]["kid"] == guangxi.signer.kid
    # pinned to the exporting province's keys obtained out of band, it verifies too
    gateway_keys = record["jwks"]["430000"]
    assert verify_bundle(bundle, gateway_keys)[0]
    assert not verify_bundle(bundle, guangxi.jwks())[0]  # sealed by 430000, not 450000


def test_changing_any_byte_of_the_bundle_fails_verification(bundle: bytes) -> None:
    size = len(bundle)
    positions = [0, 1, size // 7, size // 3, size // 2, size - 2, size - 1]
    for marker in (
        b'"payload":{',
        b'"receipt":"',
        b'"seal":"',
        b'"exported_at":"',
        b'"jwks":{',
        "测试".encode(),
    ):
        positions.append(bundle.index(marker) + len(marker) + 2)
    for at in positions:
        for flip in (0x01, 0x20):
            changed = bytearray(bundle)
            changed[at] ^= flip
            assert not verify_bundle(bytes(changed))[0], f"byte {at} ^ {flip:#x} went unnoticed"


def test_a_case_with_no_exchange_has_no_record(client: Any, operator: Party) -> None:
    answer = client.http.get(
        "/v1/ops/cases/450000-20261123-NQTHNG23/exchange-record",
        headers={"Authorization": operator.headers["Authorization"]},
    )
    assert answer.status_code == 404 and json.loads(answer.body)["code"] == "exchange_record_empty"


def test_a_record_still_verifies_offline_after_this_province_rotated_its_key(
    client: Any, operator: Party, guangxi: PartnerProvince, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotate (runbook 3: a new key, the alias moved, the old key disabled), export, verify: the
    receipt signed with the rotated-out key verifies with the key the bundle carries."""
    from chalicelib.adapters import signing

    monkeypatch.setattr(signing, "KID_TTL_SECONDS", -1.0)  # every signature re-reads the alias
    kms = boto3.client("kms")
    alias = "alias/tongban-430000-signing"
    old = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
    first = guangxi.message(PAYLOAD, case=case, seq=1)
    assert post(client, first).status_code == 200

    new = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.update_alias(AliasName=alias, TargetKeyId=new)
    try:
        kms.disable_key(KeyId=old)
        second = guangxi.message({"reason": "申请人撤回"}, case=case, seq=2, kind=MessageType.WITHDRAWN)
        assert post(client, second).status_code == 200
        answer = client.http.get(
            f"/v1/ops/cases/{case}/exchange-record",
            headers={"Authorization": operator.headers["Authorization"]},
        )
    finally:
        kms.enable_key(KeyId=old)
        kms.update_alias(AliasName=alias, TargetKeyId=old)
    assert answer.status_code == 200, answer.body
    bundle = bytes(answer.body)
    record = json.loads(bundle)["record"]
    assert sorted(k["kid"] for k in record["jwks"]["430000"]["keys"]) == sorted([old, new])
    verified, notes = verify_bundle(bundle)
    assert verified, notes
    # the seal is by the new key: pinned to it alone (obtained out of band), the bundle verifies too
    current = {"keys": [k for k in record["jwks"]["430000"]["keys"] if k["kid"] == new]}
    assert verify_bundle(bundle, current)[0]
