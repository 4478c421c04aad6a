"""The window's side in one gateway: who may see an intake, video consultation on its audit trail,
and a partner fetching only files of cases it shares."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.clock import BEIJING, rfc3339
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, Party, give, ok

FORM = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}


@pytest.fixture
def window(client: Any, stage: None) -> Party:
    return Party(client, "window_clerk")


def intake(window: Party) -> str:
    person = APPLICANTS["dev-applicant-1"]
    case = ok(
        window.post(
            "/v1/window/intakes",
            {
                "item_code": "KSTB-GA-002",
                "province": "450000",
                "applicant": {
                    "name": person["name"],
                    "id_number": person["id_number"],
                    "phone": person["phone"],
                },
                "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
                "form": FORM,
            },
        ),
        201,
    )
    return str(case["number"])


def test_only_the_window_that_took_the_case_in_sees_it(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    assert ok(window.get(f"/v1/cases/{number}"))["intake"]["window"] == "W-430000-01"
    other_window = Party(client, "window_clerk", window="W-430000-02")
    for path in (f"/v1/cases/{number}", f"/v1/cases/{number}/timeline", f"/v1/cases/{number}/shipments"):
        assert other_window.get(path).status_code == 404
    for path in (f"/v1/window/cases/{number}/consent", f"/v1/window/cases/{number}/dispatch"):
        assert (
            other_window.post(
                path, {"method": "paper_scan"} if path.endswith("consent") else None
            ).status_code
            == 404
        )
    assert ok(other_window.get("/v1/window/cases"))["items"] == []
    assert [c["number"] for c in ok(window.get("/v1/window/cases"))["items"]] == [number]
    applicant = Party(client, "applicant")
    assert applicant.get(f"/v1/cases/{number}").status_code == 404


def test_an_intake_is_only_for_another_province(window: Party, guangxi: PartnerProvince) -> None:
    person = APPLICANTS["dev-applicant-1"]
    body = {
        "item_code": "KSTB-GA-002",
        "province": "430000",
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "identity_check": {"method": "manual", "document": "居民身份证"},
        "form": FORM,
    }
    refused = window.post("/v1/window/intakes", body)
    assert refused.status_code == 409
    assert json.loads(refused.body)["code"] == "province_not_served"


def test_a_video_session_is_scheduled_joined_and_ended_on_the_audit_trail(
    window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    starts = (datetime.now(BEIJING) + timedelta(minutes=10)).isoformat(timespec="seconds")
    participants = [
        {"participant_id": "window-430000-01", "role": "window_clerk", "province": "430000"},
        {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": "450000"},
    ]
    session = ok(
        window.post(
            f"/v1/cases/{number}/video-sessions", {"starts_at": starts, "participants": participants}
        ),
        201,
    )
    sid = session["session_id"]
    joined = ok(
        window.post(f"/v1/cases/{number}/video-sessions/{sid}/join", {"participant_id": "window-430000-01"})
    )
    assert joined["join_token"] and joined["session_id"] == sid
    stranger = window.post(
        f"/v1/cases/{number}/video-sessions/{sid}/join", {"participant_id": "someone-else"}
    )
    assert stranger.status_code == 404
    ended = ok(
        window.post(
            f"/v1/cases/{number}/video-sessions/{sid}/end",
            {
                "outcome": "材料已当面核对，可收件",
                "consent_recorded": True,
                "recording_key": "recordings/" + sid,
            },
        )
    )
    assert ended["consent_recorded"] is True and ended["ended_at"]
    events = ok(window.get(f"/v1/cases/{number}/timeline"))["events"]
    assert [e["act"] for e in events if e["act"].startswith("video_")] == [
        "video_scheduled",
        "video_joined",
        "video_ended",
    ]
    assert joined["join_token"] not in json.dumps(events)  # a join token is a credential: never kept
    assert ok(window.get(f"/v1/cases/{number}/audit"))["ok"] is True


def test_a_partner_fetches_only_files_of_cases_it_shares(
    client: Any, company: Party, window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    applicant = company  # 工业产品生产许可证 serves legal persons
    own = ok(applicant.post("/v1/cases", {"item_code": "KSTB-SJ-001", "form": _sj()}), 201)
    give(applicant, own["number"], "business_licence")
    file_id = ok(applicant.get(f"/v1/cases/{own['number']}"))["materials"][0]["files"][0]["file_id"]

    def fetch(case: str, file: str) -> Any:
        token = guangxi.signer.sign_jws(
            {
                "id": str(uuid.uuid4()),
                "case": case,
                "file_id": file,
                "from": "450000",
                "to": "430000",
                "sent_at": rfc3339(datetime.now(BEIJING)),
            },
            "tongban-fetch+jws",
        )
        return client.http.post(
            "/v1/exchange/files",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"request": token}),
        )

    not_shared = fetch(own["number"], file_id)  # a case handled here, not shared with 450000
    assert not_shared.status_code == 404
    assert json.loads(not_shared.body)["code"] == "case_not_found"
    shared_but_missing = fetch(number, "FAAAAAAAAAAAA")
    assert json.loads(shared_but_missing.body)["code"] == "file_not_found"


def _person() -> dict[str, str]:
    person = APPLICANTS["dev-applicant-1"]
    return {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]}


def _sj() -> dict[str, str]:
    return {
        "enterprise_name": "测试机械有限公司",
        "product_name": "电线电缆",
        "production_address": "长沙市",
        "procedure": "一般程序",
    }


def test_an_intake_naming_an_app_account_freely_is_refused_and_opens_nothing(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    from tests.conftest import ISSUER

    person = APPLICANTS["dev-applicant-1"]
    body = {
        "item_code": "KSTB-GA-002",
        "province": "450000",
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "app_account": {"issuer": ISSUER.issuer_config()["issuer"], "subject": "dev-applicant-1"},
        "form": FORM,
    }
    refused = window.post("/v1/window/intakes", body)
    assert refused.status_code == 422
    problem = json.loads(refused.body)
    assert problem["code"] == "validation_failed"
    assert problem["errors"][0]["field"] == "app_account"
    assert ok(window.get("/v1/window/cases"))["items"] == []
    assert ok(Party(client, "applicant").get("/v1/cases"))["items"] == []
