"""A second, independent implementation of the partner side (TypeScript on Node, partners/ts,
written from docs/exchange/ and the schemas only) against the conformance kit and against our
gateway: 湖南 430000 forwards a case to it (云南 530000, played by the TypeScript partner), it
fetches the files by signed request, asks for 补正, the applicant answers at 430000, and its
decision and result document come back to the case at 430000."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.cases import Partner, forwarded
from tests.conftest import ROOT
from tests.e2e.conftest import OFFSET
from tests.e2e.gateway import Gateway, eventually
from tests.e2e.ts_partner import TsPartner, running

pytestmark = pytest.mark.e2e
TS = "530000"  # 云南, played by the TypeScript partner (the kit plays 510000 against 430000)
KIT = "510000"  # the kit, as a partner of the TypeScript partner
ITEM = "KSTB-GA-002"  # 开具无犯罪记录证明: full online, a scanned ID card, an electronic result
FORM = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
SCAN = b"%PDF-1.7\n" + "身份证扫描件".encode() * 300 + b"\n%%EOF\n"
RESCAN = b"%PDF-1.7\n" + "身份证清晰扫描件".encode() * 300 + b"\n%%EOF\n"
RESULT = b"%PDF-1.7\n" + "无犯罪记录证明".encode() * 300 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def ts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsPartner]:
    with running(TS, OFFSET + 8530, tmp_path_factory.mktemp("ts-partner")) as partner:
        yield partner


def kit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def pdf(content: bytes, filename: str) -> dict[str, str]:
    return {
        "filename": filename,
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
    }


def test_the_kit_passes_against_the_typescript_partner(ts: TsPartner, tmp_path: Path) -> None:
    key_file = tmp_path / "kit-key.json"
    assert kit("keygen", "--out", str(key_file)).returncode == 0
    private: dict[str, Any] = json.loads(key_file.read_text(encoding="utf-8"))
    ts.register(KIT, "http://127.0.0.1:9", {"keys": [{k: v for k, v in private.items() if k != "d"}]})

    # a case the kit forwards, decided there with a result document: a file it shares with the kit
    partner = Partner(endpoint=ts.url, code=KIT, key=private, to=TS)
    number, payload = partner.case_number(), forwarded(partner)
    assert partner.send(partner.envelope("case.forwarded", number, 1, payload), payload).status == 200
    ts.control("POST", f"/cases/{number}/accept")
    ts.control("POST", f"/cases/{number}/decide", {"approved": True, "reasons": ["符合条件"]})
    issued = ts.control(
        "POST",
        f"/cases/{number}/issue-result",
        {"title": "生产许可证", "document": pdf(RESULT, "许可证.pdf")},
    )
    document = next(f["file_id"] for f in issued["files"] if f["slot"] == "result")

    args = [
        "--endpoint",
        ts.url,
        "--as",
        KIT,
        "--key",
        str(key_file),
        "--to",
        TS,
        "--junit",
        str(tmp_path / "j.xml"),
    ]
    run = kit("run", *args, "--shared-file", f"{number}:{document}:{hashlib.sha256(RESULT).hexdigest()}")
    assert run.returncode == 0, run.stdout + run.stderr
    suite = ET.parse(tmp_path / "j.xml").getroot()  # noqa: S314 — the kit just wrote it
    assert suite.get("failures") == "0" and int(suite.get("tests", "0")) >= 20, run.stdout
    assert [c.get("name") for c in suite.iter("testcase") if c.find("skipped") is not None] == [], run.stdout
    refused = {r["code"] for r in ts.control("GET", "/refusals")["items"]}
    assert {"signature_invalid", "unknown_kid", "message_stale", "case_not_found"} <= refused


def upload(applicant: Gateway, number: str, content: bytes) -> str:
    file_id = applicant.upload(f"/v1/cases/{number}/materials/id_card/uploads", content)
    applicant.post(f"/v1/cases/{number}/files/{file_id}/confirm")
    return file_id


def test_a_case_forwarded_to_the_typescript_partner_comes_back_decided_with_its_result(
    stack: dict[str, Any], ts: TsPartner
) -> None:
    home = stack["provinces"]["430000"]["url"]
    operator = Gateway(stack, "430000", "operator")
    answer = requests.put(
        operator.base + f"/v1/ops/partners/{TS}",
        headers={**operator.headers, "Content-Type": "application/json"},
        data=json.dumps({"endpoint": ts.url, "jwks": ts.jwks, "reason": "云南接入（独立实现）"}),
        timeout=15,
    )
    assert answer.status_code == 200, answer.text
    ts.register("430000", home, requests.get(home + "/v1/exchange/jwks", timeout=15).json())
    seeded = json.loads((ROOT / "infra" / "seed" / "catalog.json").read_text(encoding="utf-8"))
    definition = next(i for i in seeded["items"] if i["code"] == ITEM)
    # 430000 publishes its own copy of the item (a seed item's standard is its publisher's to change)
    code = definition["code"] = f"E2E-TS-{uuid.uuid4().hex[:8].upper()}"
    definition["implementations"][TS] = {
        "authority": "昆明市公安局",
        "authority_code": f"A-{TS}-01",
        "local_code": f"{TS}-{ITEM}",
        "contact_phone": "0871-110",
    }
    operator.post("/v1/ops/catalog/items", definition)

    applicant = Gateway(stack, "430000", "applicant")
    number = applicant.post("/v1/cases", {"item_code": code, "province": TS, "form": FORM})["number"]
    first = upload(applicant, number, SCAN)
    applicant.post(f"/v1/cases/{number}/submit")

    # the TypeScript partner opens the case and fetches the scan from 430000 by signed request
    def fetched(count: int) -> bool:
        opened = [c for c in ts.control("GET", "/cases")["items"] if c["number"] == number]
        files: list[dict[str, Any]] = opened[0]["files"] if opened else []
        return bool(sum(f["status"] == "verified" for f in files) == count)

    eventually(lambda: fetched(1), "the case forwarded and its file fetched", seconds=120)
    assert ts.case(number)["files"][0]["file_id"] == first

    ts.control(
        "POST",
        f"/cases/{number}/supplement-request",
        {"items": [{"material": "id_card", "reason": "身份证扫描件模糊"}]},
    )
    eventually(
        lambda: applicant.case(number)["state"] == "supplement_requested", "补正 at 430000", seconds=120
    )

    upload(applicant, number, RESCAN)
    assert (
        applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已重新上传"})["state"]
        == "supplemented"
    )
    eventually(
        lambda: ts.case(number)["state"] == "supplemented" and fetched(2),
        "the answer and its file",
        seconds=120,
    )

    ts.control("POST", f"/cases/{number}/accept")
    ts.control("POST", f"/cases/{number}/decide", {"approved": True, "reasons": ["经查询无犯罪记录"]})
    ts.control(
        "POST",
        f"/cases/{number}/issue-result",
        {"title": "无犯罪记录证明", "document": pdf(RESULT, "无犯罪记录证明.pdf")},
    )
    eventually(
        lambda: applicant.case(number)["state"] == "result_issued", "the result at 430000", seconds=180
    )

    result = applicant.get(f"/v1/cases/{number}/result")
    downloaded = requests.get(result["download"]["url"], timeout=15)
    assert downloaded.status_code == 200 and downloaded.content == RESULT
    sent = ts.case(number)["outbox"]
    assert [(m["type"], m["seq"], m["status"]) for m in sent] == [
        ("case.supplement_requested", 1, "delivered"),
        ("case.accepted", 2, "delivered"),
        ("case.decided", 3, "delivered"),
        ("case.result_issued", 4, "delivered"),
    ]
