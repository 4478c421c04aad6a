"""The conformance kit against our own gateway on the local stack: the kit registers as a partner
province (its generated key, through the ops API), a case is shared with it for the file fetch, and
every case of the kit passes. Then a case's exchange record, exported by an operator, verifies
offline with the kit and fails after a changed byte."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.cases import Partner
from tests.conftest import ROOT
from tests.e2e.gateway import Gateway, eventually

pytestmark = pytest.mark.e2e
KIT = "510000"  # 四川, played by the kit
RESULT = b"%PDF-1.7\n" + "结果".encode() * 400 + b"\n%%EOF\n"
APPLICANT = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}
FORM = {
    "residence_city": "长沙市",
    "last_employer": "测试公司",
    "unemployed_since": "2026-10-01",
    "mobile": "13800000001",
}
ID_CARD = "EL-430000-20160301-DEV10001"


def kit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def register(stack: dict[str, Any], key_file: Path) -> dict[str, Any]:
    assert kit("keygen", "--out", str(key_file)).returncode == 0
    private: dict[str, Any] = json.loads(key_file.read_text(encoding="utf-8"))
    public = {k: v for k, v in private.items() if k != "d"}
    operator = Gateway(stack, "430000", "operator")
    answer = requests.put(
        operator.base + f"/v1/ops/partners/{KIT}",
        headers={**operator.headers, "Content-Type": "application/json"},
        data=json.dumps(
            {"endpoint": "http://127.0.0.1:9", "jwks": {"keys": [public]}, "reason": "一致性测试"}
        ),
        timeout=15,
    )
    assert answer.status_code == 200, answer.text
    return private


def shared_result(stack: dict[str, Any], private: dict[str, Any]) -> tuple[str, str]:
    """A case the kit forwards to 430000 (an immediate item, the ID card as an e-licence), decided
    and issued there with a result document: a file 430000 shares with the kit."""
    home = Gateway(stack, "430000", "applicant")
    partner = Partner(endpoint=home.base, code=KIT, key=private, to="430000")
    number = partner.case_number()
    payload = {
        "item_code": "KSTB-RS-004",
        "item_version": 1,
        "mode": "full_online",
        "channel": "mobile",
        "applicant": {"subject": "kit-applicant", "issuer": f"https://id.{KIT}.example", **APPLICANT},
        "form": FORM,
        "files": [
            {
                "file_id": "FKQ2M9XAHW3PA",
                "slot": "id_card",
                "filename": "居民身份证",
                "content_type": None,
                "size": None,
                "sha256": None,
                "licence_ref": ID_CARD,
                "trust_level": "A",
            }
        ],
        "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
    }
    answer = partner.send(partner.envelope("case.forwarded", number, 1, payload), payload)
    assert answer.status == 200, answer.brief()
    clerk = Gateway(stack, "430000", "authority_clerk")
    eventually(
        lambda: any(c["number"] == number for c in clerk.get("/v1/authority/cases")["items"]), "opened"
    )
    clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True})
    document = clerk.upload(f"/v1/authority/cases/{number}/result-uploads", RESULT)
    clerk.post(f"/v1/cases/{number}/files/{document}/confirm")
    clerk.post(
        f"/v1/authority/cases/{number}/issue-result",
        {"delivery": "electronic", "title": "失业登记证明", "file_id": document},
    )
    return number, document


def test_the_kit_passes_against_our_gateway(stack: dict[str, Any], tmp_path: Path) -> None:
    private = register(stack, tmp_path / "kit-key.json")
    number, document = shared_result(stack, private)
    base = stack["provinces"]["430000"]["url"]
    args = ["--endpoint", base, "--as", KIT, "--key", str(tmp_path / "kit-key.json"), "--to", "430000"]
    args += ["--shared-file", f"{number}:{document}:{hashlib.sha256(RESULT).hexdigest()}"]
    args += ["--junit", str(tmp_path / "junit.xml")]
    run = kit("run", *args)
    assert run.returncode == 0, run.stdout + run.stderr
    suite = ET.parse(tmp_path / "junit.xml").getroot()  # noqa: S314 — the kit just wrote it
    assert suite.get("failures") == "0" and int(suite.get("tests", "0")) >= 20, run.stdout
    skipped = [c.get("name") for c in suite.iter("testcase") if c.find("skipped") is not None]
    assert skipped == [], run.stdout


def test_an_exported_exchange_record_verifies_offline_and_not_after_a_change(
    stack: dict[str, Any], tmp_path: Path
) -> None:
    home = Gateway(stack, "430000", "applicant")
    handler = Gateway(stack, "450000", "authority_clerk")
    draft = home.post(
        "/v1/cases", {"item_code": "KSTB-RS-004", "province": "450000", "applicant": APPLICANT, "form": FORM}
    )
    number = draft["number"]
    home.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": ID_CARD})
    home.post(f"/v1/cases/{number}/submit")
    eventually(
        lambda: any(c["number"] == number for c in handler.get("/v1/authority/cases")["items"]), "forwarded"
    )
    handler.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True})
    eventually(lambda: home.case(number)["state"] == "approved", "decided at home")

    operator = Gateway(stack, "430000", "operator")

    def exported() -> requests.Response | None:
        answer = requests.get(
            operator.base + f"/v1/ops/cases/{number}/exchange-record", headers=operator.headers, timeout=15
        )
        assert answer.status_code == 200, answer.text
        directions = [m["direction"] for m in answer.json()["record"]["messages"]]
        # the forwarded message is archived when its receipt is in; on a loaded machine a first
        # attempt may time out and the retry (backoff, then the relay) brings it
        return answer if directions == ["received", "sent"] else None  # archive keys: received first

    answer = eventually(exported, "both messages in the record", seconds=180)
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(answer.content)
    verified = kit("verify", str(bundle))
    assert verified.returncode == 0 and "VERIFIED" in verified.stdout, verified.stdout
    for at in (10, len(answer.content) // 2, len(answer.content) - 5):
        changed = bytearray(answer.content)
        changed[at] ^= 0x01
        bundle.write_bytes(bytes(changed))
        refused = kit("verify", str(bundle))
        assert refused.returncode == 1 and "NOT VERIFIED" in refused.stdout, (at, refused.stdout)
