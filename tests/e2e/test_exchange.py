"""Cross-province cases over HTTP on the local stack, with real signed messages through real queues:
a proxy intake at the 湖南 430000 window handled by 广西 450000 (补正 round trip, a mailed original,
a mailed result, handover), and a full-online case forwarded from the applicant's home gateway."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.gateway import PDF, Gateway, eventually, open_intake, verified_files

pytestmark = pytest.mark.e2e
RESULT = b"%PDF-1.7\n" + "准予".encode() * 300 + b"\n%%EOF\n"
APPLICANT = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}


def test_a_proxy_intake_from_identity_check_to_handover(stack: dict[str, Any]) -> None:
    window = Gateway(stack, "430000", "window_clerk")
    authority = Gateway(stack, "450000", "authority_clerk")
    form = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
    intake = open_intake(window, "KSTB-GA-002", "450000", APPLICANT, form)
    n = intake["number"]
    assert (intake["mode"], intake["handler"]["province"]) == ("proxy_intake", "450000")
    scan = window.upload(f"/v1/window/cases/{n}/materials/id_card/uploads", PDF)
    eventually(lambda: verified_files(window, n) == 1, "the bucket notification verified the scan")
    window.post(f"/v1/window/cases/{n}/files/{scan}/original-check", {"mail_original": True})
    refused = window.post(f"/v1/window/cases/{n}/dispatch", status=409)
    assert refused["code"] == "consent_missing"
    window.post(f"/v1/window/cases/{n}/consent", {"method": "paper_scan"})
    receipt = window.post(f"/v1/window/cases/{n}/receipt")
    assert receipt["received"][0] == {
        "slot": "id_card",
        "material": "居民身份证",
        "files": 1,
        "original_checked": True,
        "original_mailed": True,
        "original": "已核验，寄递办理地",
    }
    page = requests.get(f"{window.base}/v1/window/cases/{n}/receipt.html", headers=window.headers, timeout=15)
    assert (
        page.headers["Content-Type"].startswith("text/html") and n in page.text and "收件告知单" in page.text
    )
    window.post(
        f"/v1/window/cases/{n}/shipments",
        {
            "direction": "to_handler",
            "carrier": "中国邮政EMS",
            "tracking_number": "EMS1234567890",
            "contents": ["身份证明原件"],
        },
    )
    assert window.post(f"/v1/window/cases/{n}/dispatch")["state"] == "submitted"

    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "B's inbox"
    )
    at_b = authority.case(n)
    assert [(f["slot"], f["trust_level"]) for m in at_b["materials"] for f in m["files"]] == [
        ("id_card", "B")
    ]
    assert at_b["applicant"]["id_number"] == "430102********0016"
    authority.post(
        f"/v1/authority/cases/{n}/supplement-request",
        {"items": [{"material": "power_of_attorney", "reason": "请补充授权委托书"}]},
    )
    eventually(lambda: window.case(n)["state"] == "supplement_requested", "the 补正 back at the window")
    queue = window.get("/v1/window/cases?state=supplement_requested")["items"]
    assert [c["number"] for c in queue] == [n]
    window.upload(f"/v1/window/cases/{n}/materials/power_of_attorney/uploads", PDF + b"2")
    eventually(lambda: verified_files(window, n) == 2, "the second scan verified")
    window.post(f"/v1/cases/{n}/supplement-answer", {"note": "已补授权委托书"})
    eventually(lambda: authority.case(n)["state"] == "supplemented", "the answer at B")
    assert sum(1 for m in authority.case(n)["materials"] for _ in m["files"]) == 2
    authority.post(f"/v1/authority/cases/{n}/accept", {})
    authority.post(f"/v1/authority/cases/{n}/decide", {"approved": True})
    authority.post(
        f"/v1/authority/cases/{n}/issue-result",
        {
            "delivery": "window_pickup",  # the item's way: sent to the window, handed over there
            "title": "无犯罪记录证明",
            "carrier": "中国邮政EMS",
            "tracking_number": "EMS0987654321",
        },
    )
    issued = eventually(
        lambda: (c := window.case(n))["state"] == "result_issued" and c, "the result at the window"
    )
    assert issued["result"]["tracking_number"] == "EMS0987654321"  # its return shipment came with it
    assert (
        window.post(f"/v1/window/cases/{n}/handover", {"to_whom": "申请人本人", "identity_checked": True})[
            "state"
        ]
        == "delivered"
    )
    eventually(lambda: authority.case(n)["state"] == "delivered", "the handover told to B")
    for side in (window, authority):
        assert side.get(f"/v1/cases/{n}/audit")["ok"] is True
    shipments = window.get(f"/v1/cases/{n}/shipments")["items"]
    assert sorted((s["direction"], s["tracking_number"]) for s in shipments) == [
        ("from_handler", "EMS0987654321"),
        ("to_handler", "EMS1234567890"),
    ]


def test_a_full_online_case_forwarded_from_the_home_gateway(stack: dict[str, Any]) -> None:
    home = Gateway(stack, "430000", "legal_person")  # 工业产品生产许可证 serves legal persons
    authority = Gateway(stack, "450000", "authority_clerk")
    form = {
        "enterprise_name": "测试机械有限公司",
        "product_name": "电线电缆",
        "production_address": "长沙市",
        "procedure": "一般程序",
    }
    draft = home.post("/v1/cases", {"item_code": "KSTB-SJ-001", "province": "450000", "form": form})
    n = draft["number"]
    for slot in ("business_licence", "application_form"):
        home.upload(f"/v1/cases/{n}/materials/{slot}/uploads", PDF + slot.encode())
    eventually(lambda: verified_files(home, n) == 2, "both files verified at home")
    home.post(f"/v1/cases/{n}/submit")
    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "forwarded"
    )
    copied = authority.case(n)
    assert sorted(f["slot"] for m in copied["materials"] for f in m["files"]) == [
        "application_form",
        "business_licence",
    ]
    assert copied["handler"]["channel"] == "exchange" and copied["origin_province"] == "430000"

    authority.post(
        f"/v1/authority/cases/{n}/supplement-request",
        {"items": [{"material": "test_report", "reason": "缺型式试验报告"}]},
    )
    eventually(lambda: home.case(n)["state"] == "supplement_requested", "补正 at home")
    home.upload(f"/v1/cases/{n}/materials/test_report/uploads", PDF + b"report")
    eventually(lambda: verified_files(home, n) == 3, "the report verified at home")
    home.post(f"/v1/cases/{n}/supplement-answer", {"note": "已补"})
    eventually(lambda: authority.case(n)["state"] == "supplemented", "the answer at B")
    authority.post(f"/v1/authority/cases/{n}/accept", {})
    accepted = eventually(lambda: (c := home.case(n))["state"] == "accepted" and c, "accepted at home")
    assert accepted["progress"]["due"] is not None  # the handling province's clock, shown at home
    authority.post(f"/v1/authority/cases/{n}/decide", {"approved": True})
    document = authority.upload(f"/v1/authority/cases/{n}/result-uploads", RESULT)
    authority.post(f"/v1/cases/{n}/files/{document}/confirm")
    authority.post(
        f"/v1/authority/cases/{n}/issue-result",
        {"delivery": "electronic", "title": "工业产品生产许可证", "file_id": document},
    )
    eventually(lambda: home.case(n)["state"] == "result_issued", "the result at home")
    result = home.get(f"/v1/cases/{n}/result")
    assert requests.get(result["download"]["url"], timeout=15).content == RESULT  # copied into home's bucket
    wanted = {"partner_request_supplement", "partner_accept", "partner_decide", "partner_issue_result"}

    def acts() -> set[str]:  # notices are delivered from their queue, after the state is shown
        return {
            notice["act"] for notice in home.get("/v1/me/notices?limit=50")["items"] if notice["case"] == n
        }

    eventually(lambda: wanted <= acts(), "the notices of the partner's acts at home")
