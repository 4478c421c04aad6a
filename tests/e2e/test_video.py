"""视频会商 across provinces on the local stack: the 湖南 430000 window schedules a video session on a
proxy intake for 广西 450000; 广西's handling clerk sees it at their own gateway and joins from there
(their gateway asks 430000 by a signed request); the window joins at 430000; each side's timeline
and audit chain name the right person; once the window ends it, nobody joins any more."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.e2e.gateway import Gateway, eventually, open_intake, take_in

pytestmark = pytest.mark.e2e
PERSON = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}
FORM = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
SEATS = [
    {"participant_id": "window-430000-01", "role": "window_clerk", "province": "430000"},
    {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": "450000"},
]


def video_events(gateway: Gateway, number: str) -> list[dict[str, Any]]:
    events = gateway.get(f"/v1/cases/{number}/timeline")["events"]
    return [e for e in events if "video" in e["act"]]


def test_both_clerks_join_a_video_session_from_their_own_gateways(stack: dict[str, Any]) -> None:
    window = Gateway(stack, "430000", "window_clerk")
    authority = Gateway(stack, "450000", "authority_clerk")
    n = open_intake(window, "KSTB-GA-002", "450000", PERSON, FORM)["number"]
    take_in(window, n)
    window.post(f"/v1/window/cases/{n}/dispatch")
    eventually(lambda: _in_inbox(authority, n), "B's inbox")

    starts = (datetime.now(timezone(timedelta(hours=8))) + timedelta(minutes=5)).isoformat(timespec="seconds")
    session = window.post(f"/v1/cases/{n}/video-sessions", {"starts_at": starts, "participants": SEATS})
    sid = session["session_id"]
    assert session["announced"] is True and session["home"] is None

    # 广西's clerk sees the session at their own gateway, and joins from there
    seen = eventually(lambda: authority.case(n)["video_sessions"], "the session is known at 450000")
    assert (seen[0]["session_id"], seen[0]["home"], seen[0]["handle"]) == (sid, "430000", {})
    theirs = authority.post(
        f"/v1/cases/{n}/video-sessions/{sid}/join", {"participant_id": "authority-450000-01"}
    )
    assert theirs["join_token"] and theirs["participant_id"] == "authority-450000-01"
    mine = window.post(f"/v1/cases/{n}/video-sessions/{sid}/join", {"participant_id": "window-430000-01"})
    assert mine["join_token"] and mine["join_token"] != theirs["join_token"]
    # the window may not take a token in the authority clerk's name
    refused = window.post(
        f"/v1/cases/{n}/video-sessions/{sid}/join", {"participant_id": "authority-450000-01"}, status=403
    )
    assert refused["code"] == "video_participant_not_yours"

    at_home = video_events(window, n)
    assert [(e["act"], e["by"]["role"], e["by"].get("province")) for e in at_home] == [
        ("video_scheduled", "window_clerk", "430000"),
        ("partner_video_joined", "partner", "450000"),
        ("video_joined", "window_clerk", "430000"),
    ]
    assert at_home[1]["details"]["joiner"]["role"] == "authority_clerk"
    assert at_home[1]["details"]["joiner"]["province"] == "450000"

    def both_joins_at_450000() -> list[dict[str, Any]]:
        found = [e for e in video_events(authority, n) if e["act"] != "partner_video_scheduled"]
        return found if len(found) == 2 else []

    at_handler = eventually(both_joins_at_450000, "both joins on 450000's chain")
    assert [(e["act"], e["by"]["role"], e["by"].get("province")) for e in at_handler] == [
        ("video_joined", "authority_clerk", "450000"),  # their own clerk, in their own name
        ("partner_video_joined", "partner", "430000"),  # the window's join, told by 430000
    ]
    assert at_handler[1]["details"]["joiner"]["role"] == "window_clerk"
    for token in (theirs["join_token"], mine["join_token"]):
        assert token not in str(window.get(f"/v1/cases/{n}/timeline"))
        assert token not in str(authority.get(f"/v1/cases/{n}/timeline"))

    window.post(
        f"/v1/cases/{n}/video-sessions/{sid}/end",
        {"outcome": "材料已视频核对，可收件", "consent_recorded": True},
    )
    eventually(lambda: authority.case(n)["video_sessions"][0]["ended_at"], "the end is known at 450000")
    late = authority.post(
        f"/v1/cases/{n}/video-sessions/{sid}/join", {"participant_id": "authority-450000-01"}, status=409
    )
    assert late["code"] == "video_session_ended"
    assert window.get(f"/v1/cases/{n}/audit")["ok"] is True
    assert authority.get(f"/v1/cases/{n}/audit")["ok"] is True


def _in_inbox(authority: Gateway, number: str) -> bool:
    return any(c["number"] == number for c in authority.get("/v1/authority/cases")["items"])
