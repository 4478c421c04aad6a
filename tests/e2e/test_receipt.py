"""The 收件告知单 over HTTP: a walk-in applicant at the 湖南 430000 window files 社会保障卡申领 for 广西
450000 with the card to be mailed; the window prints the receipt through a signed link without a
token, its QR code scans to the public progress page at 430000, and the authority it names is the one
that receives the case at 450000."""

from __future__ import annotations

import io
from hashlib import sha256
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pypdfium2
import pytest
import requests
import zxingcpp

from tests.e2e.gateway import PDF, Gateway, eventually, open_intake, verified_files

pytestmark = pytest.mark.e2e
PERSON = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}
ADDRESS = "广西壮族自治区南宁市青秀区民族大道 100 号"
FORM = {
    "insured_city": "南宁市",
    "bank": "中国工商银行",
    "delivery": "邮寄",
    "mailing_address": ADDRESS,
    "mobile": "13800000001",
}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


def upload_photo(window: Gateway, number: str) -> None:
    ticket = window.post(
        f"/v1/window/cases/{number}/materials/photo/uploads",
        {
            "filename": "照片.png",
            "content_type": "image/png",
            "size": len(PNG),
            "sha256": sha256(PNG).hexdigest(),
        },
    )
    sent = requests.put(ticket["upload"]["url"], data=PNG, headers=ticket["upload"]["headers"], timeout=15)
    assert sent.ok, sent.text


def scanned(pdf: bytes) -> tuple[str, list[str]]:
    page = pypdfium2.PdfDocument(io.BytesIO(pdf))[0]
    text = page.get_textpage().get_text_range()
    return text, [b.text for b in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]


def test_the_window_prints_the_receipt_of_a_case_for_another_province(stack: dict[str, Any]) -> None:
    window = Gateway(stack, "430000", "window_clerk")
    authority = Gateway(stack, "450000", "authority_clerk")
    intake = open_intake(window, "KSTB-RS-002", "450000", PERSON, FORM)
    n = intake["number"]
    scans = {"id_card": window.upload(f"/v1/window/cases/{n}/materials/id_card/uploads", PDF)}
    upload_photo(window, n)
    eventually(lambda: verified_files(window, n) == 2, "the bucket notifications verified the scans")
    window.post(f"/v1/window/cases/{n}/files/{scans['id_card']}/original-check", {"mail_original": True})

    links = window.post(f"/v1/window/cases/{n}/receipt/print-link")
    base = stack["provinces"]["430000"]["url"]
    assert links["pdf_url"].startswith(f"{base}/v1/print/receipts/{n}?")
    printed = requests.get(links["pdf_url"], headers={"Accept": "*/*"}, timeout=30)  # a browser: no token
    assert printed.status_code == 200 and printed.headers["Content-Type"] == "application/pdf"
    text, codes = scanned(printed.content)
    receipt = window.post(f"/v1/window/cases/{n}/receipt")
    assert codes == [f"{base}/v1/public/cases/{n}/progress?code={receipt['query_code']}"]
    flat = text.replace("\r", "").replace("\n", "")
    for expected in ("跨省通办收件告知单", "广西壮族自治区", receipt["handling_authority"], "邮寄送达", n):
        assert expected in flat, expected
    assert ADDRESS not in flat and "已核验，寄递办理地" in flat

    query = dict(parse_qsl(urlsplit(links["pdf_url"]).query))
    edited = requests.get(links["pdf_url"].replace(query["sig"], "A" * 43), timeout=15)
    assert edited.status_code == 403 and edited.json()["code"] == "print_link_invalid"
    english = requests.get(
        f"{base}/v1/window/cases/{n}/receipt.html",
        headers={**window.headers, "Accept-Language": "en"},
        timeout=15,
    )
    assert english.headers["Content-Language"] == "en" and "Guangxi Zhuang Autonomous Region" in english.text

    window.post(f"/v1/window/cases/{n}/consent", {"method": "paper_scan"})
    assert window.post(f"/v1/window/cases/{n}/dispatch")["state"] == "submitted"
    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "450000's inbox"
    )
    assert authority.case(n)["handler"]["authority_name"] == receipt["handling_authority"]
