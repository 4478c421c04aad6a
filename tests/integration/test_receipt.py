"""收件告知单 from practice: the receipt of a 湖南 window intake for 广西 as data, an A4 page and an A4
PDF (Chinese text, a QR code that scans to the public progress page), in English on request, and
opened through a signed print link that expires."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pypdfium2
import pytest
import zxingcpp

from chalicelib.domain.clock import BEIJING
from tests.conftest import PUBLIC_BASE_URL, WINDOWS
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import PDF, Party, applicant_of, confirm, ok, upload

WINDOW = WINDOWS["W-430000-01"]
FORM = {
    "insured_city": "南宁市",
    "bank": "中国工商银行",
    "delivery": "邮寄",
    "mailing_address": "广西壮族自治区南宁市青秀区民族大道 100 号",
    "mobile": "13912345678",
}


@pytest.fixture
def window(client: Any, stage: None, guangxi: PartnerProvince) -> Party:
    return Party(client, "window_clerk")


def intake(window: Party, form: dict[str, Any] | None = None, item: str = "KSTB-RS-002") -> str:
    """异地代收 at the 湖南 window for 广西: 社会保障卡申领, the result to be mailed."""
    body = {
        "item_code": item,
        "province": "450000",
        "applicant": applicant_of(),
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": FORM if form is None else form,
    }
    return str(ok(window.post("/v1/window/intakes", body), 201)["number"])


def checked_original(window: Party, number: str, slot: str) -> None:
    file_id = upload(window, f"/v1/window/cases/{number}/materials/{slot}/uploads", PDF)
    assert confirm(window, number, file_id)["status"] == "verified"
    ok(window.post(f"/v1/window/cases/{number}/files/{file_id}/original-check", {"mail_original": True}))


def get(party: Party, path: str, lang: str | None = None) -> Any:
    headers = {**party.headers, **({"Accept-Language": lang} if lang else {})}
    if path.endswith(".pdf"):
        headers["Accept"] = "application/pdf"  # a binary answer is sent to a client that accepts it
    return party.client.http.get(path, headers=headers)


def pdf_text_and_codes(pdf: bytes) -> tuple[str, list[str]]:
    """The PDF's text (as a reader extracts it) and the QR codes a scanner reads off its page."""
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1  # one A4 sheet
    page = document[0]
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = page.get_textpage().get_text_range()
    image = page.render(scale=2).to_pil()
    codes = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    return text, codes


def test_the_receipt_names_province_authority_window_delivery_and_query_code(window: Party) -> None:
    number = intake(window)
    checked_original(window, number, "id_card")
    answer = window.post(f"/v1/window/cases/{number}/receipt")
    receipt = ok(answer)
    assert answer.headers["Content-Language"] == "zh"
    assert receipt["handling_province"] == "广西壮族自治区" and receipt["handling_province_code"] == "450000"
    assert receipt["handling_authority"] == "南宁市社会保险事业管理中心"
    assert receipt["window"] == {"id": "W-430000-01", **WINDOW}
    assert receipt["delivery"]["method"] == "mail"
    assert receipt["delivery"]["address"] == "广西壮族自治*" + "*" * (len(FORM["mailing_address"]) - 7)
    assert receipt["result_delivery"].startswith("邮寄送达：广西壮族自治")
    assert re.fullmatch(r"[0-9A-Z]{8}", receipt["query_code"])
    assert receipt["progress_url"] == (
        f"{PUBLIC_BASE_URL}/v1/public/cases/{number}/progress?code={receipt['query_code']}"
    )
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", receipt["issued_at_text"])
    assert receipt["issued_at"].endswith("+08:00")
    id_card = next(r for r in receipt["received"] if r["slot"] == "id_card")
    assert id_card == {
        "slot": "id_card",
        "material": id_card["material"],
        "files": 1,
        "original_checked": True,
        "original_mailed": True,
        "original": "已核验，寄递办理地",
    }
    assert FORM["mailing_address"] not in json.dumps(receipt, ensure_ascii=False)


def test_the_pdf_carries_the_chinese_texts_and_a_qr_code_that_scans_to_the_progress_page(
    window: Party,
) -> None:
    number = intake(window)
    receipt = ok(window.post(f"/v1/window/cases/{number}/receipt"))
    answer = get(window, f"/v1/window/cases/{number}/receipt.pdf")
    assert answer.status_code == 200, answer.body
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Language"] == "zh"
    assert answer.body.startswith(b"%PDF-")
    text, codes = pdf_text_and_codes(answer.body)
    assert codes == [receipt["progress_url"]]
    for expected in (
        "跨省通办收件告知单",
        number,
        receipt["query_code"],
        "广西壮族自治区",
        "南宁市社会保险事业管理中心",
        WINDOW["name"],
        WINDOW["phone"],
        "邮寄送达",
        receipt["issued_at_text"],
        "个工作日",
    ):
        assert expected in text.replace("\r\n", "").replace("\n", ""), expected
    assert "450000" not in text  # names, not codes


def test_the_page_prints_on_a4_and_everything_speaks_english_on_request(window: Party) -> None:
    number = intake(window)
    page = get(window, f"/v1/window/cases/{number}/receipt.html")
    html = page.body.decode("utf-8")
    assert page.status_code == 200 and page.headers["Content-Language"] == "zh"
    assert "@page{size:A4" in html and "@media print" in html
    assert '<html lang="zh-CN">' in html and "跨省通办收件告知单" in html and "<svg" in html

    english = get(window, f"/v1/window/cases/{number}/receipt.html", "en")
    text = english.body.decode("utf-8")
    assert english.headers["Content-Language"] == "en" and english.headers["Vary"] == "Accept-Language"
    assert '<html lang="en">' in text and "Cross-Province Service Intake Receipt" in text
    assert "Guangxi Zhuang Autonomous Region" in text and "By mail to:" in text
    assert "跨省通办收件告知单" not in text

    data = json.loads(
        window.client.http.post(
            f"/v1/window/cases/{number}/receipt",
            headers={**window.headers, "Idempotency-Key": f"en-{number}", "Accept-Language": "en"},
        ).body
    )
    assert data["language"] == "en" and data["handling_province"] == "Guangxi Zhuang Autonomous Region"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} \(UTC\+8\)", data["issued_at_text"])

    pdf = get(window, f"/v1/window/cases/{number}/receipt.pdf", "en")
    assert pdf.headers["Content-Language"] == "en"
    pdf_text, codes = pdf_text_and_codes(pdf.body)
    assert "Cross-Province Service Intake Receipt" in pdf_text and codes == [data["progress_url"]]


def test_a_window_without_configured_details_prints_its_province_default(client: Any, window: Party) -> None:
    other = Party(client, "window_clerk", window="W-430000-02")
    form = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
    number = intake(other, form, "KSTB-GA-002")
    receipt = ok(other.post(f"/v1/window/cases/{number}/receipt"))
    default = "湖南省跨省通办专窗"
    assert receipt["window"] == {"id": "W-430000-02", "name": default, "address": None, "phone": None}
    # no 领取方式 in this item's form: collected at the window, which the item offers
    assert receipt["delivery"] == {"method": "window_pickup", "address": None, "text": f"窗口领取：{default}"}


def print_link(window: Party, number: str, lang: str = "zh") -> dict[str, Any]:
    answer = window.client.http.post(
        f"/v1/window/cases/{number}/receipt/print-link",
        headers={**window.headers, "Idempotency-Key": f"print-{number}-{lang}", "Accept-Language": lang},
    )
    return dict(ok(answer, 201))


def open_link(client: Any, url: str, **changes: str) -> Any:
    """Open a print link as a browser does: no token; `changes` edit its query."""
    parts = urlsplit(url)
    assert url.startswith(PUBLIC_BASE_URL)
    query = {**dict(parse_qsl(parts.query)), **changes}
    path = parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.http.get(path, headers={"Accept": "*/*"})


def test_a_signed_print_link_opens_the_pdf_without_a_token(client: Any, window: Party) -> None:
    number = intake(window)
    links = print_link(window, number)
    expires = datetime.fromisoformat(links["expires_at"])
    assert timedelta(minutes=4) < expires - datetime.now(BEIJING) <= timedelta(minutes=5)
    answer = open_link(client, links["pdf_url"])
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Cache-Control"] == "no-store"
    text, codes = pdf_text_and_codes(answer.body)
    assert "跨省通办收件告知单" in text and len(codes) == 1 and number in codes[0]
    page = open_link(client, links["html_url"])
    assert page.status_code == 200 and "跨省通办收件告知单" in page.body.decode("utf-8")
    english = open_link(client, print_link(window, number, "en")["pdf_url"])
    assert english.headers["Content-Language"] == "en"


def test_a_forged_edited_or_expired_print_link_is_refused(client: Any, window: Party) -> None:
    from chalicelib.container import print_link_key
    from chalicelib.domain.print_link import PrintLink

    number = intake(window)
    links = print_link(window, number)
    sig = dict(parse_qsl(urlsplit(links["pdf_url"]).query))["sig"]
    other = intake(window)
    refusals = {
        "forged": open_link(client, links["pdf_url"], sig="A" * 43),
        "later expiry": open_link(client, links["pdf_url"], expires="9999999999"),
        "other language": open_link(client, links["pdf_url"], lang="en"),
        "other case": open_link(client, links["pdf_url"].replace(number, other)),
        "no signature": client.http.get(f"/v1/print/receipts/{number}"),
    }
    for what, answer in refusals.items():
        assert answer.status_code == 403, what
        assert json.loads(answer.body)["code"] == "print_link_invalid", what
        assert answer.headers["Content-Language"] == "zh", what
    assert sig != "A" * 43
    second_ago = int(datetime.now(BEIJING).timestamp()) - 1
    past = PrintLink(number=number, format="pdf", lang="zh", expires=second_ago)
    expired = open_link(
        client,
        links["pdf_url"],
        expires=str(past.expires),
        sig=past.signature(print_link_key(), "430000"),
    )
    assert expired.status_code == 410 and json.loads(expired.body)["code"] == "print_link_expired"
    english = client.http.get(f"/v1/print/receipts/{number}", headers={"Accept-Language": "en"})
    assert english.headers["Content-Language"] == "en"
    assert json.loads(english.body)["title"] == "The print link is not valid"


def test_a_pdf_asked_for_without_accepting_it_is_a_clear_400(window: Party) -> None:
    number = intake(window)
    answer = window.client.http.get(f"/v1/window/cases/{number}/receipt.pdf", headers=window.headers)
    assert answer.status_code == 400 and json.loads(answer.body)["code"] == "binary_not_accepted"


def test_only_the_intake_window_gets_a_print_link(client: Any, window: Party) -> None:
    number = intake(window)
    other = Party(client, "window_clerk", window="W-430000-02")
    answer = other.post(f"/v1/window/cases/{number}/receipt/print-link")
    assert answer.status_code == 404
    assert get(other, f"/v1/window/cases/{number}/receipt.pdf").status_code == 404


def test_content_language_marks_the_answers_whose_text_depends_on_the_language(
    client: Any, window: Party
) -> None:
    number = intake(window)
    english = {**window.headers, "Accept-Language": "en"}
    case = client.http.get(f"/v1/cases/{number}", headers=english)
    assert case.headers["Content-Language"] == "en" and case.headers["Vary"] == "Accept-Language"
    timeline = client.http.get(f"/v1/cases/{number}/timeline", headers=window.headers)
    assert timeline.headers["Content-Language"] == "zh"
    problem = client.http.get("/v1/cases/430000-20261130-NOSUCHCA", headers=english)
    assert problem.status_code == 404 and problem.headers["Content-Language"] == "en"
    health = client.http.get("/v1/health", headers={"Accept-Language": "en"})
    assert health.status_code == 200 and "Content-Language" not in health.headers  # no text in a language
