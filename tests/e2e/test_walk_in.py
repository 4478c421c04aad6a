"""A walk-in applicant without the app, over HTTP on the local stack: the 湖南 430000 window takes in
a case 广西 450000 handles; the applicant follows progress with the receipt's 查询码, receives the
notices by SMS (read from the local SMS stand-in), rates the authority badly through the public
link; 450000 sees the rating and the rectification (整改) and follows up (回访); the applicant sees
the outcome at 430000."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.e2e.gateway import Gateway, eventually, open_intake, take_in

pytestmark = pytest.mark.e2e
APPLICANT = {"name": "测试申请人丙", "id_number": "430102199001010016", "phone": "13800000003"}


def public_get(base: str, path: str) -> requests.Response:
    return requests.get(base + path, timeout=15)


def public_post(base: str, path: str, body: dict[str, Any]) -> requests.Response:
    headers = {"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
    return requests.post(base + path, json=body, headers=headers, timeout=15)


def test_a_walk_in_applicant_follows_progress_gets_sms_and_a_bad_rating_reaches_the_handler(
    stack: dict[str, Any],
) -> None:
    window = Gateway(stack, "430000", "window_clerk")
    operator = Gateway(stack, "430000", "operator")
    authority = Gateway(stack, "450000", "authority_clerk")
    form = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
    intake = open_intake(window, "KSTB-GA-002", "450000", APPLICANT, form)
    n, code = intake["number"], intake["intake"]["query_code"]
    take_in(window, n)
    window.post(f"/v1/window/cases/{n}/dispatch")

    # 进度查询 with the receipt's code: no token, no personal data; wrong code and unknown number alike
    base = window.base
    progress = f"/v1/public/cases/{n}/progress"
    card = public_get(base, f"{progress}?code={code.lower()}")
    assert card.status_code == 200 and card.headers["Cache-Control"] == "no-store"
    assert card.json()["progress"]["state"] == "submitted"
    assert card.json()["handling"]["province"] == "450000"
    for secret in (APPLICANT["name"], APPLICANT["id_number"], APPLICANT["phone"]):
        assert secret not in card.text
    wrong = public_get(base, f"{progress}?code={'2' * 8 if code != '2' * 8 else '3' * 8}")
    unknown = public_get(base, f"/v1/public/cases/430000-20260101-AAAAAAAA/progress?code={code}")
    assert wrong.status_code == unknown.status_code == 404
    same = ("instance", "request_id")
    assert {k: v for k, v in wrong.json().items() if k not in same} == {
        k: v for k, v in unknown.json().items() if k not in same
    }

    # 450000 handles the case; the window's copy follows
    eventually(
        lambda: any(c["number"] == n for c in authority.get("/v1/authority/cases")["items"]), "B's inbox"
    )
    authority.post(f"/v1/authority/cases/{n}/accept", {})
    authority.post(f"/v1/authority/cases/{n}/decide", {"approved": True})
    authority.post(
        f"/v1/authority/cases/{n}/issue-result",
        {"delivery": "window_pickup", "title": "无犯罪记录证明"},
    )
    eventually(lambda: window.case(n)["state"] == "result_issued", "the result at the window")
    window.post(f"/v1/window/cases/{n}/handover", {"to_whom": "申请人本人", "identity_checked": True})

    # the notices app users get, by SMS: read from the local stand-in, never the ID number
    def texts() -> list[str]:
        return [m["text"] for m in operator.get(f"/v1/ops/dev/sms?case={n}")["items"]]

    sent = eventually(lambda: (t := texts()) and any("已出证" in x for x in t) and t, "the SMS notices")
    assert any("已受理" in text for text in sent), sent
    for text in sent:
        assert n in text and f"/v1/public/cases/{n}/progress?code={code}" in text
        assert APPLICANT["id_number"] not in text and APPLICANT["name"] not in text
    masked = operator.get(f"/v1/ops/dev/sms?case={n}")["items"][0]["to"]
    assert masked != APPLICANT["phone"] and masked.endswith(APPLICANT["phone"][-4:])

    # 好差评 through the link: the authority badly, the window's own service apart
    rating = f"/v1/public/cases/{n}/rating"
    bad = public_post(base, rating, {"code": code, "level": "dissatisfied", "tags": ["办理慢"]})
    assert bad.status_code == 201, bad.text
    again = public_post(base, rating, {"code": code, "level": "satisfied"})
    assert (again.status_code, again.json()["code"]) == (409, "already_rated")
    good = public_post(base, rating, {"code": code, "level": "very_satisfied", "target": "window"})
    assert good.status_code == 201, good.text
    shown = good.json()
    assert [(r["target"], r["level"]) for r in shown["ratings"]] == [
        ("authority", "dissatisfied"),
        ("window", "very_satisfied"),
    ]
    assert [(r["target"], r["status"]) for r in shown["rectifications"]] == [("authority", "open")]

    # 450000: its copy shows the rating, the rectification is in its clerk's list; the clerk follows up
    eventually(
        lambda: any(r["case"] == n for r in authority.get("/v1/authority/rectifications")["items"]),
        "the rectification at the handling authority",
    )
    at_b = authority.case(n)
    assert at_b["rating"]["level"] == "dissatisfied" and at_b["rating"]["channel"] == "link"
    assert at_b["rectifications"][0]["status"] == "open"
    authority.post(
        f"/v1/authority/rectifications/{n}/follow-up",
        {"actions": "已优化证明开具流程，缩短办理时间", "applicant_feedback": "申请人表示满意"},
    )

    # the applicant sees the outcome with the code, and hears of it by SMS
    def closed() -> dict[str, Any] | None:
        card = public_get(base, f"{progress}?code={code}").json()
        notes = card["rectifications"]
        return card if notes and notes[0]["status"] == "closed" else None

    outcome = eventually(closed, "the follow-up back at the applicant's side")
    follow_up = outcome["rectifications"][0]["follow_up"]
    assert follow_up["actions"] == "已优化证明开具流程，缩短办理时间"
    assert follow_up["applicant_feedback"] == "申请人表示满意"
    eventually(lambda: any("整改" in text for text in texts()), "the follow-up by SMS")
    for side in (window, authority):
        assert side.get(f"/v1/cases/{n}/audit")["ok"] is True
