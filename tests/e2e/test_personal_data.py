"""Personal data across provinces over HTTP on the local stack: a case filed at 湖南 430000 and
handled by 广西 450000 shows the handling clerk masked values; the clerk reveals the ID number
with a purpose; the reveal travels home as a signed `case.revealed` and the applicant's timeline
at home says so in plain words, in Chinese and in English."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.gateway import Gateway, eventually

pytestmark = pytest.mark.e2e
APPLICANT = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}
MOBILE = "13912345678"
FORM = {
    "residence_city": "长沙市",
    "last_employer": "测试公司",
    "unemployed_since": "2026-10-01",
    "mobile": MOBILE,
}


def timeline(gateway: Gateway, number: str, lang: str) -> dict[str, Any]:
    headers = {**gateway.headers, "Accept-Language": lang}
    answer = requests.get(f"{gateway.base}/v1/cases/{number}/timeline", headers=headers, timeout=15)
    assert answer.status_code == 200, answer.text[:300]
    return dict(answer.json())


def test_the_handling_clerk_reveals_the_id_number_and_the_applicant_sees_it_at_home(
    stack: dict[str, Any],
) -> None:
    home = Gateway(stack, "430000", "applicant")
    authority = Gateway(stack, "450000", "authority_clerk")
    draft = home.post(
        "/v1/cases", {"item_code": "KSTB-RS-004", "province": "450000", "applicant": APPLICANT, "form": FORM}
    )
    n = draft["number"]
    home.post(f"/v1/cases/{n}/materials/id_card/licences", {"reference": "EL-430000-20160301-DEV10001"})
    home.post(f"/v1/cases/{n}/submit")
    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "forwarded"
    )
    seen = authority.case(n)
    assert seen["applicant"]["id_number"] == "430102********0016" and seen["form"]["mobile"] == "139****5678"

    revealed = authority.post(
        f"/v1/cases/{n}/reveal", {"fields": ["applicant.id_number"], "purpose": "identity_check"}
    )
    assert revealed["values"] == {"applicant.id_number": APPLICANT["id_number"]}
    assert authority.get(f"/v1/cases/{n}/audit")["ok"]

    def reveal_at_home() -> Any:
        events = timeline(home, n, "zh")
        return events if any(e["act"] == "partner_revealed" for e in events["events"]) else None

    at_home = eventually(reveal_at_home, "the reveal in the applicant's timeline at home")
    event = next(e for e in at_home["events"] if e["act"] == "partner_revealed")
    assert event["details"]["fields"] == ["applicant.id_number"]
    assert APPLICANT["id_number"] not in str(at_home["events"])
    text = event["description"]
    assert "身份证件号码" in text and "核验申请人身份" in text
    english = timeline(home, n, "en")["events"][event["seq"] - 1]["description"]
    assert "viewed your ID number" in english
    assert home.get(f"/v1/cases/{n}/audit")["ok"]
