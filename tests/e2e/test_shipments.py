"""Originals, shipments and delivery across provinces over HTTP on the local stack, both gateways:
the 湖南 430000 window mails an original that 广西 450000 receives and checks itself (the check
shows on 430000's copy), the result comes back by mail with its shipment on both sides, the
original goes back to the window (原件退还) before 450000 may close the case, and a forwarded
full-online case downloaded at home shows delivered at 450000 with the time of the download."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.gateway import PDF, Gateway, eventually, open_intake, verified_files

pytestmark = pytest.mark.e2e
APPLICANT = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}
RESULT = b"%PDF-1.7\n" + "结果".encode() * 300 + b"\n%%EOF\n"
ORIGINALS = {"direction": "to_handler", "carrier": "中国邮政EMS", "contents": ["居民身份证原件"]}


def shipments(side: Gateway, number: str) -> dict[str, dict[str, Any]]:
    return {s["tracking_number"]: s for s in side.get(f"/v1/cases/{number}/shipments")["items"]}


def test_an_original_mailed_from_the_window_is_checked_there_and_the_result_comes_back_by_mail(
    stack: dict[str, Any],
) -> None:
    window = Gateway(stack, "430000", "window_clerk")
    authority = Gateway(stack, "450000", "authority_clerk")
    form = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
    n = open_intake(window, "KSTB-GA-002", "450000", APPLICANT, form)["number"]
    id_card = window.upload(f"/v1/window/cases/{n}/materials/id_card/uploads", PDF)
    paper = window.upload(f"/v1/window/cases/{n}/materials/consent/uploads", PDF + b"consent")
    eventually(lambda: verified_files(window, n) == 2, "the scans verified")
    refused = window.post(f"/v1/window/cases/{n}/consent", {"method": "paper_scan", "file_id": id_card}, 422)
    assert refused["code"] == "consent_file_not_in_case"
    window.post(f"/v1/window/cases/{n}/consent", {"method": "paper_scan", "file_id": paper})
    unaccounted = window.post(f"/v1/window/cases/{n}/dispatch", status=409)
    assert (unaccounted["code"], unaccounted["materials"]) == ("originals_unaccounted", ["id_card"])
    window.post(f"/v1/window/cases/{n}/files/{id_card}/original-check", {"mail_original": True})
    parcel = window.post(f"/v1/window/cases/{n}/shipments", {**ORIGINALS, "tracking_number": "EMS1100000001"})
    assert window.post(f"/v1/window/cases/{n}/dispatch")["state"] == "submitted"

    # 广西 sees the intake that matters to it and the originals on their way
    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "B's inbox", 60
    )
    assert shipments(authority, n)["EMS1100000001"]["id"] == parcel["id"]  # it came with the package
    at_b = authority.case(n)
    assert at_b["intake"]["originals_to_mail"] == ["id_card"] and at_b["intake"].get("query_code") is None
    window.post(f"/v1/window/cases/{n}/shipments/{parcel['id']}/events", {"status": "in_transit"})
    eventually(
        lambda: shipments(authority, n)["EMS1100000001"]["status"] == "in_transit", "in transit at 450000"
    )
    authority.post(f"/v1/authority/cases/{n}/shipments/{parcel['id']}/events", {"status": "delivered"})
    eventually(
        lambda: shipments(window, n)["EMS1100000001"]["status"] == "delivered", "arrival told to 430000"
    )
    checked = authority.post(f"/v1/authority/cases/{n}/originals/id_card/check", {"matches": True})
    assert [(c["slot"], c["matches"]) for c in checked["intake"]["original_checks"]] == [("id_card", True)]
    eventually(
        lambda: (
            [
                (c["slot"], c["matches"], c["kept"], c["province"])
                for c in window.case(n)["intake"]["original_checks"]
            ]
            == [("id_card", True, False, "450000")]
        ),
        "450000's check of the original on 430000's copy",
    )

    # the result mailed back to the window: its return shipment on both sides
    authority.post(f"/v1/authority/cases/{n}/accept", {})
    authority.post(f"/v1/authority/cases/{n}/decide", {"approved": True})
    authority.post(
        f"/v1/authority/cases/{n}/issue-result",
        {
            "delivery": "window_pickup",
            "title": "无犯罪记录证明",
            "carrier": "中国邮政EMS",
            "tracking_number": "EMS2200000002",
        },
    )
    back = shipments(authority, n)["EMS2200000002"]
    assert (back["direction"], back["status"], back["province"]) == ("from_handler", "sent", "450000")
    eventually(lambda: window.case(n)["state"] == "result_issued", "the result at the window")
    assert shipments(window, n)["EMS2200000002"]["id"] == back["id"]
    window.post(f"/v1/window/cases/{n}/shipments/{back['id']}/events", {"status": "delivered"})
    eventually(lambda: shipments(authority, n)["EMS2200000002"]["status"] == "delivered", "arrival at 450000")
    handed = window.post(
        f"/v1/window/cases/{n}/handover", {"to_whom": "申请人本人", "identity_checked": True}
    )
    assert handed["state"] == "delivered"
    delivered = eventually(
        lambda: (c := authority.case(n))["state"] == "delivered" and c, "delivered at 450000"
    )
    assert delivered["result"]["delivered_at"][:19] == handed["result"]["delivered_at"][:19]  # its time there

    # 原件退还: 450000 may not close while it holds the original; it mails it back to the window
    assert "close" not in delivered["allowed_acts"]
    held = authority.post(f"/v1/authority/cases/{n}/close", {}, 409)
    assert (held["code"], held["materials"]) == ("originals_not_returned", ["id_card"])
    returned = authority.post(
        f"/v1/authority/cases/{n}/originals/returns",
        {"to": "window", "carrier": "中国邮政EMS", "tracking_number": "EMS3300000003", "slots": ["id_card"]},
    )
    assert (returned["direction"], returned["contents"]) == ("originals_to_window", ["id_card"])
    eventually(lambda: "EMS3300000003" in shipments(window, n), "the return shipment at 430000")
    assert window.case(n)["intake"]["originals_returned"] == ["id_card"]
    window.post(f"/v1/window/cases/{n}/shipments/{returned['id']}/events", {"status": "delivered"})
    eventually(
        lambda: shipments(authority, n)["EMS3300000003"]["status"] == "delivered",
        "the original back at 430000",
    )
    assert authority.post(f"/v1/authority/cases/{n}/close", {})["state"] == "closed"
    for side in (window, authority):
        assert side.get(f"/v1/cases/{n}/audit")["ok"] is True


def test_a_forwarded_case_downloaded_at_home_shows_delivered_at_the_handling_province(
    stack: dict[str, Any],
) -> None:
    import requests

    home = Gateway(stack, "430000", "applicant")
    authority = Gateway(stack, "450000", "authority_clerk")
    form = {
        "residence_city": "长沙市",
        "last_employer": "测试公司",
        "unemployed_since": "2026-10-01",
        "mobile": "13800000001",
    }
    n = home.post("/v1/cases", {"item_code": "KSTB-RS-004", "province": "450000", "form": form})["number"]
    home.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": "EL-430000-20160301-DEV10001"})
    home.post(f"/v1/cases/{n}/submit")
    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "forwarded"
    )
    authority.post(f"/v1/authority/cases/{n}/accept-and-decide", {"approved": True})
    document = authority.upload(f"/v1/authority/cases/{n}/result-uploads", RESULT)
    authority.post(f"/v1/cases/{n}/files/{document}/confirm")
    authority.post(
        f"/v1/authority/cases/{n}/issue-result",
        {"delivery": "electronic", "title": "失业登记证明", "file_id": document},
    )
    eventually(lambda: home.case(n)["state"] == "result_issued", "the result at home")
    result = home.get(f"/v1/cases/{n}/result")  # the applicant downloads it at home: 送达
    assert requests.get(result["download"]["url"], timeout=15).content == RESULT
    at_home = home.case(n)
    assert at_home["state"] == "delivered"
    there = eventually(lambda: (c := authority.case(n))["state"] == "delivered" and c, "delivered at 450000")
    assert there["result"]["delivered_at"][:19] == at_home["result"]["delivered_at"][:19]
