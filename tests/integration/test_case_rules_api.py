"""The case rules through the API: 一次性告知, 受理 once, the acts offered to each seat, the clock on
the day of 受理, delivery from the item, the 即办件 list, discarded drafts, superseded files, and a
whole case read in English."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.integration.case_helpers import PDF, SJ_FORM, Party, confirm, draft, give, ok, upload
from tests.integration.test_case_acts_api import problem
from tests.integration.test_case_events import drain
from tests.integration.test_case_guarantees import submitted_case
from tests.integration.test_window import intake

CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
LICENCE_ITEM = {"material": "business_licence", "reason": "营业执照照片模糊"}


@pytest.fixture
def applicant(company: Party) -> Party:
    """工业产品生产许可证, the item most of these tests drive, serves legal persons only."""
    return company


def _deliver_notices() -> None:
    """Play the notice consumer: the queued notices reach the applicants' lists."""
    from chalicelib.events import handlers

    assert handlers.on_notices({"Records": drain("notifications")}) == {"batchItemFailures": []}


def _supplement_answered(applicant: Party, clerk: Party, number: str, items: list[dict[str, Any]]) -> None:
    ok(clerk.post(f"/v1/authority/cases/{number}/supplement-request", {"items": items}))
    for item in items:
        if "material" in item:
            give(applicant, number, item["material"])
    ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补正"}))


def test_a_further_supplement_is_only_for_what_the_answer_got_wrong(applicant: Party, clerk: Party) -> None:
    number = submitted_case(applicant)
    _supplement_answered(applicant, clerk, number, [LICENCE_ITEM])
    beyond = clerk.post(
        f"/v1/authority/cases/{number}/supplement-request",
        {"items": [{"material": "application_form", "reason": "申请书未盖章"}]},
    )
    body = problem(beyond, 422, "supplement_not_one_time")
    assert body["errors"][0]["field"] == "items.0"
    assert ok(clerk.get(f"/v1/cases/{number}"))["supplement_rounds"] == 1  # the refusal changed nothing

    again = ok(
        clerk.post(
            f"/v1/authority/cases/{number}/supplement-request",
            {"items": [{"material": "business_licence", "reason": "补正的营业执照已过期"}]},
        )
    )
    assert again["supplement_rounds"] == 2 and again["supplement"]["round"] == 2


def test_a_case_is_accepted_once_even_after_a_supplement(applicant: Party, clerk: Party) -> None:
    number = submitted_case(applicant)
    first = ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    assert first["clock"]["used_days"] == 0  # the day of 受理 is not counted
    _supplement_answered(applicant, clerk, number, [LICENCE_ITEM])
    seen = ok(clerk.get(f"/v1/cases/{number}"))
    assert seen["state"] == "supplemented"
    assert "accept" not in seen["allowed_acts"] and "start_review" in seen["allowed_acts"]
    problem(clerk.post(f"/v1/authority/cases/{number}/accept", {}), 409, "already_accepted")
    after = ok(clerk.get(f"/v1/cases/{number}"))
    assert after["accepted_at"] == first["accepted_at"]
    _deliver_notices()
    notices = ok(applicant.get("/v1/me/notices"))["items"]
    assert [n["act"] for n in notices if n["case"] == number].count("accept") == 1
    superseded = [f for m in after["materials"] for f in m["files"] if f["superseded_by"]]
    answering = [f for m in after["materials"] for f in m["files"] if f["answers"]]
    assert len(superseded) == 1 and len(answering) == 1
    assert superseded[0]["superseded_by"] == answering[0]["file_id"]
    assert answering[0]["answers"] == {"round": 1, "item": 0}


def test_every_seat_is_offered_what_it_may_do_and_nothing_else(
    applicant: Party, clerk: Party, client: Any, guangxi: Any
) -> None:
    number = submitted_case(applicant)
    offered = ok(clerk.get(f"/v1/cases/{number}"))["allowed_acts"]
    assert "accept_and_decide" not in offered  # not a 即办件
    problem(
        clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}),
        409,
        "not_an_immediate_item",
    )
    ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    decided = ok(clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}))
    assert decided["allowed_acts"] == ["issue_result"]
    mine = ok(applicant.get(f"/v1/cases/{number}"))
    assert mine["allowed_acts"] == ["rate"] and mine["act_labels"] == {"rate": "评价"}

    window = Party(client, "window_clerk")
    taken = intake(window)
    assert ok(window.get(f"/v1/cases/{taken}"))["allowed_acts"] == ["discard"]
    consented = ok(window.post(f"/v1/window/cases/{taken}/consent", {"method": "paper_scan"}))
    assert consented["allowed_acts"] == ["dispatch", "discard"]


def test_a_result_goes_out_only_in_a_way_the_item_offers(client: Any, stage: None, clerk: Party) -> None:
    applicant = Party(client, "applicant")  # 失业登记 serves natural persons
    number = str(
        draft(
            applicant,
            "KSTB-RS-004",
            {
                "residence_city": "长沙市",
                "last_employer": "测试公司",
                "unemployed_since": "2026-10-01",
                "mobile": "13800000001",
            },
        )["number"]
    )
    give(applicant, number, "id_card")
    ok(applicant.post(f"/v1/cases/{number}/submit"))
    case = ok(clerk.post(f"/v1/authority/cases/{number}/accept-and-decide", {"approved": True}))
    assert case["result_delivery"] == ["electronic"]
    mailed = clerk.post(
        f"/v1/authority/cases/{number}/issue-result",
        {"delivery": "mail", "title": "失业登记证明", "carrier": "EMS", "tracking_number": "EA123456789CN"},
    )
    problem(mailed, 422, "delivery_not_offered")
    assert ok(clerk.get(f"/v1/cases/{number}"))["state"] == "approved"


def test_the_catalog_lists_the_immediate_items_on_request(client: Any, stage: None) -> None:
    def codes(query: str) -> list[str]:
        page = json.loads(client.http.get(f"/v1/catalog/items?limit=100{query}").body)
        return [i["code"] for i in page["items"]]

    immediate, others, every = codes("&immediate=true"), codes("&immediate=false"), codes("")
    assert immediate and others
    assert "KSTB-RS-004" in immediate and "KSTB-SJ-001" in others
    assert sorted(immediate + others) == sorted(every)
    bad = client.http.get("/v1/catalog/items?immediate=yes")
    assert bad.status_code == 400


def test_a_draft_can_be_discarded_and_stays_listed_as_discarded(applicant: Party) -> None:
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    discarded = ok(applicant.post(f"/v1/cases/{number}/discard", {"reason": "选错事项"}))
    assert discarded["state"] == "discarded" and discarded["allowed_acts"] == []
    line = next(c for c in ok(applicant.get("/v1/cases"))["items"] if c["number"] == number)
    assert line["state"] == "discarded" and line["state_text"] == "草稿已删除"
    problem(applicant.post(f"/v1/cases/{number}/submit"), 409, "illegal_transition")
    submitted = submitted_case(applicant)
    problem(applicant.post(f"/v1/cases/{submitted}/discard", {}), 409, "illegal_transition")
    events = ok(applicant.get(f"/v1/cases/{number}/timeline"))["events"]
    assert events[-1]["act"] == "discard"


def test_a_rejected_upload_is_marked_superseded_by_its_replacement(applicant: Party) -> None:
    number = draft(applicant, "KSTB-SJ-001", SJ_FORM)["number"]
    path = f"/v1/cases/{number}/materials/business_licence/uploads"
    bad = upload(applicant, path, PDF, declared=b"something else")
    assert confirm(applicant, number, bad)["status"] == "rejected"
    good = give(applicant, number, "business_licence")
    files = ok(applicant.get(f"/v1/cases/{number}"))["materials"][0]["files"]
    assert {f["file_id"]: f["superseded_by"] for f in files} == {bad: good, good: None}


def _displayed(doc: Any, path: str = "") -> list[tuple[str, str]]:
    """The texts meant for display in a response (not data: names, what people wrote)."""
    found: list[tuple[str, str]] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{path}.{key}"
            if key in ("state_text", "next_step", "description", "title", "detail", "message") and isinstance(
                value, str
            ):
                found.append((here, value))
            elif key == "act_labels":
                found.extend((f"{here}.{k}", v) for k, v in value.items())
            else:
                found.extend(_displayed(value, here))
    elif isinstance(doc, list):
        for n, value in enumerate(doc):
            found.extend(_displayed(value, f"{path}[{n}]"))
    return found


def test_a_case_read_in_english_shows_no_chinese_text(client: Any, applicant: Party, clerk: Party) -> None:
    english = {"Accept-Language": "en"}
    for party in (applicant, clerk):
        party.headers = {**party.headers, **english}
    number = submitted_case(applicant)
    problem(clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}), 409, "illegal_transition")
    problem(
        clerk.post(f"/v1/authority/cases/{number}/supplement-request", {"items": []}),
        422,
        "validation_failed",
    )
    _supplement_answered(applicant, clerk, number, [LICENCE_ITEM])
    ok(clerk.post(f"/v1/authority/cases/{number}/accept", {}))
    ok(clerk.post(f"/v1/authority/cases/{number}/decide", {"approved": True}))
    _deliver_notices()
    responses: list[tuple[str, Any]] = []
    for party, path in (
        (applicant, f"/v1/cases/{number}"),
        (clerk, f"/v1/cases/{number}"),
        (applicant, f"/v1/cases/{number}/timeline"),
        (applicant, "/v1/cases"),
        (clerk, "/v1/authority/cases"),
        (applicant, "/v1/me/notices"),
    ):
        responses.append((path, ok(party.get(path))))
    for party, path, body in (
        (clerk, f"/v1/authority/cases/{number}/accept", {}),
        (clerk, f"/v1/authority/cases/{number}/issue-result", {"delivery": "carrier_pigeon", "title": "x"}),
        (applicant, f"/v1/cases/{number}/withdraw", {}),
    ):
        answer = party.post(path, body)
        assert answer.status_code in (409, 422), answer.body
        responses.append((path, json.loads(answer.body)))
    texts = [(f"{path}{where}", text) for path, doc in responses for where, text in _displayed(doc)]
    assert any("Approved" in text for _, text in texts)
    assert any("/me/notices" in where for where, _ in texts)
    for where, text in texts:
        if where.endswith(".title") and "/me/notices" in where:
            text = text.split(": ", 1)[1]  # the item's name is a proper name, shown as published
        assert not CHINESE.search(text), (where, text)
