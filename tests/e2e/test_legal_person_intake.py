"""A legal person at a window in another province (异地代收 for 企业): the acting employee brings the
company's application to the 湖南 430000 window for 广西 450000's 个体工商户登记, and 450000's clerk
accepts it, seeing a legal person whose employee's personal data is masked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.gateway import Gateway, eventually, open_intake, take_in

pytestmark = pytest.mark.e2e
COMPANY = {
    "name": "测试经办人丁",
    "id_number": "430103199203030046",
    "phone": "13800000004",
    "credit_code": "91430100MA4L7K3P2X",
    "entity_name": "测试智能装备有限公司",
}
FORM = {
    "trade_name": "测试小吃店",
    "business_scope": "小吃服务",
    "premises_address": "南宁市",
    "composition": "个人经营",
}


def test_a_legal_person_files_at_a_window_in_another_province(stack: dict[str, Any]) -> None:
    window = Gateway(stack, "430000", "window_clerk")
    authority = Gateway(stack, "450000", "authority_clerk")
    intake = open_intake(window, "KSTB-SJ-002", "450000", COMPANY, FORM)
    n = intake["number"]
    assert (intake["mode"], intake["applicant"]["kind"]) == ("proxy_intake", "legal_person")
    take_in(window, n, ("id_card", "registration_application", "premises_proof"))
    assert window.post(f"/v1/window/cases/{n}/dispatch")["state"] == "submitted"

    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "B's inbox"
    )
    at_b = authority.case(n)
    applicant = at_b["applicant"]
    assert (applicant["kind"], applicant["credit_code"], applicant["entity_name"]) == (
        "legal_person",
        COMPANY["credit_code"],
        COMPANY["entity_name"],
    )
    assert applicant["id_number"] == "430103********0046" and COMPANY["phone"] not in str(at_b)
    authority.post(f"/v1/authority/cases/{n}/accept")
    eventually(lambda: window.case(n)["state"] == "accepted", "the window's copy shows 受理")
