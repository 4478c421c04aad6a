"""视频会商 across provinces, at one gateway: as the session's home (the 湖南 window's intake for
广西) it announces sessions, serves 广西's signed join requests only for 广西's own clerks, records
who joined; as the other side (a case 广西 forwarded here) it applies 广西's video messages once and
in order, and its handling clerk joins through 广西's gateway by a signed request."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.partner_http import Answer
from chalicelib.domain.clock import BEIJING, rfc3339
from chalicelib.domain.envelope import MessageType
from chalicelib.services.jws import verify_jws
from chalicelib.services.video_sessions import VIDEO_JOIN_TYPE
from tests.conftest import install_root
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import PDF, Party, confirm, ok, upload
from tests.integration.test_exchange_faults import Queue, forwarded, on_inbound, outbox, post, pump
from tests.integration.test_exchange_faults import case_number as partner_case_number
from tests.integration.test_window import intake

HERE, PARTNER = "430000", "450000"
SEATS = [
    {"participant_id": "window-430000-01", "role": "window_clerk", "province": HERE},
    {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": PARTNER},
]
GUANGXI_CLERK = {
    "role": "authority_clerk",
    "province": PARTNER,
    "subject": "gx-clerk-7",
    "authority": "A-450000-01",
}


@pytest.fixture
def window(client: Any, stage: None) -> Party:
    return Party(client, "window_clerk")


@pytest.fixture
def inbound(clean_aws: None) -> Queue:
    queue = Queue("inbound.fifo")
    queue.empty()
    return queue


def apply_all(inbound: Queue) -> None:
    """Hand what is on the inbound queue to its handler, settling each batch, until it is empty."""
    while True:
        records, result = pump(inbound, on_inbound)
        assert result == {"batchItemFailures": []}
        if not records:
            return


def starts() -> str:
    return (datetime.now(BEIJING) + timedelta(minutes=10)).isoformat(timespec="seconds")


def dispatched(window: Party) -> str:
    number = intake(window)
    file_id = upload(window, f"/v1/window/cases/{number}/materials/id_card/uploads", PDF)
    assert confirm(window, number, file_id)["status"] == "verified"
    ok(window.post(f"/v1/window/cases/{number}/files/{file_id}/original-check", {"mail_original": False}))
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan"}))
    ok(window.post(f"/v1/window/cases/{number}/dispatch"))
    return number


def schedule(party: Party, number: str, seats: list[dict[str, str]] = SEATS) -> str:
    body = {"starts_at": starts(), "participants": seats}
    return str(ok(party.post(f"/v1/cases/{number}/video-sessions", body), 201)["session_id"])


def video_messages(number: str) -> list[dict[str, Any]]:
    return sorted((m for m in outbox(number) if m["type"].startswith("video.")), key=lambda m: int(m["seq"]))


def join_request(
    client: Any,
    guangxi: PartnerProvince,
    number: str,
    session_id: str,
    *,
    participant: str = "authority-450000-01",
    joiner: dict[str, str] = GUANGXI_CLERK,
    request_id: str | None = None,
) -> Any:
    token = guangxi.signer.sign_jws(
        {
            "id": request_id or str(uuid.uuid4()),
            "case": number,
            "session_id": session_id,
            "participant_id": participant,
            "joiner": joiner,
            "from": PARTNER,
            "to": HERE,
            "sent_at": rfc3339(datetime.now(BEIJING)),
        },
        VIDEO_JOIN_TYPE,
    )
    return client.http.post(
        "/v1/exchange/video-joins",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"request": token}),
    )


def code(response: Any) -> tuple[int, str]:
    return response.status_code, str(json.loads(response.body).get("code", ""))


def events(party: Party, number: str) -> list[dict[str, Any]]:
    return list(ok(party.get(f"/v1/cases/{number}/timeline"))["events"])


# — this gateway as the session's home —


def test_a_session_on_a_dispatched_intake_is_announced_and_guangxis_clerk_joins_their_own_seat(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number = dispatched(window)
    sid = schedule(window, number)
    [announced] = video_messages(number)
    assert (announced["type"], announced["to"]) == ("video.scheduled", PARTNER)
    assert announced["payload"]["participants"] == SEATS and "handle" not in announced["payload"]

    joined = join_request(client, guangxi, number, sid)
    assert joined.status_code == 200 and joined.headers["Cache-Control"] == "no-store"
    token = json.loads(joined.body)["join_token"]
    assert token and json.loads(joined.body)["participant_id"] == "authority-450000-01"

    answer = window.post(
        f"/v1/cases/{number}/video-sessions/{sid}/join", {"participant_id": "window-430000-01"}
    )
    assert answer.headers["Cache-Control"] == "no-store"
    mine = ok(answer)
    timeline = events(window, number)
    joins = [e for e in timeline if e["act"] in ("video_joined", "partner_video_joined")]
    assert [(e["act"], e["by"]["role"], e["details"]["joiner"]["subject"]) for e in joins] == [
        ("partner_video_joined", "partner", "gx-clerk-7"),  # 广西's clerk, never the window
        ("video_joined", "window_clerk", "dev-window-clerk-1"),
    ]
    assert token not in json.dumps(timeline) and mine["join_token"] not in json.dumps(timeline)
    told = video_messages(number)[-1]  # the window's own join is told to 广西, the partner's is not
    assert told["type"] == "video.joined" and told["payload"]["joiner"]["subject"] == "dev-window-clerk-1"
    assert len(video_messages(number)) == 2
    assert ok(window.get(f"/v1/cases/{number}/audit"))["ok"] is True


def test_a_session_scheduled_before_dispatch_is_announced_with_the_dispatch(
    window: Party, guangxi: PartnerProvince
) -> None:
    number = intake(window)
    sid = schedule(window, number)
    assert video_messages(number) == []  # 广西 has no case to show it on yet
    file_id = upload(window, f"/v1/window/cases/{number}/materials/id_card/uploads", PDF)
    assert confirm(window, number, file_id)["status"] == "verified"
    ok(window.post(f"/v1/window/cases/{number}/files/{file_id}/original-check", {"mail_original": False}))
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan"}))
    ok(window.post(f"/v1/window/cases/{number}/dispatch"))
    sent = list(outbox(number))
    assert [m["type"] for m in sorted(sent, key=lambda m: int(m["seq"]))] == [
        "case.dispatched",
        "video.scheduled",
    ]
    assert video_messages(number)[0]["payload"]["session_id"] == sid
    case = ok(window.get(f"/v1/cases/{number}"))
    assert case["video_sessions"][0]["announced"] is True


def test_the_window_cannot_take_a_token_in_the_authority_clerks_name(
    window: Party, guangxi: PartnerProvince
) -> None:
    number = dispatched(window)
    sid = schedule(window, number)
    refused = window.post(
        f"/v1/cases/{number}/video-sessions/{sid}/join", {"participant_id": "authority-450000-01"}
    )
    assert code(refused) == (403, "video_participant_not_yours")
    assert not [e for e in events(window, number) if e["act"] == "video_joined"]


def test_signed_joins_are_refused_to_other_authorities_replays_strangers_and_after_the_end(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number = dispatched(window)
    sid = schedule(window, number)
    other_authority = {**GUANGXI_CLERK, "authority": "A-450000-02"}
    assert code(join_request(client, guangxi, number, sid, joiner=other_authority)) == (
        403,
        "video_participant_not_yours",
    )
    # 广西 may not ask for the 湖南 window's seat, nor name a joiner of another province
    assert code(join_request(client, guangxi, number, sid, participant="window-430000-01")) == (
        403,
        "video_participant_not_yours",
    )
    hunan_clerk = {**GUANGXI_CLERK, "province": HERE, "authority": "A-430000-01"}
    assert code(join_request(client, guangxi, number, sid, joiner=hunan_clerk))[0] == 403
    request_id = str(uuid.uuid4())
    assert join_request(client, guangxi, number, sid, request_id=request_id).status_code == 200
    assert code(join_request(client, guangxi, number, sid, request_id=request_id)) == (
        409,
        "message_id_reused",
    )
    someone_else = {**GUANGXI_CLERK, "subject": "gx-clerk-8"}
    assert code(join_request(client, guangxi, number, sid, joiner=someone_else)) == (
        409,
        "video_participant_taken",
    )
    assert code(join_request(client, guangxi, number, "0" * 8 + "-missing")) == (
        404,
        "video_session_not_found",
    )
    ok(
        window.post(
            f"/v1/cases/{number}/video-sessions/{sid}/end",
            {"outcome": "材料已视频核对", "consent_recorded": True},
        )
    )
    assert video_messages(number)[-1]["type"] == "video.ended"
    assert code(join_request(client, guangxi, number, sid)) == (409, "video_session_ended")
    assert code(
        window.post(f"/v1/cases/{number}/video-sessions/{sid}/join", {"participant_id": "window-430000-01"})
    ) == (409, "video_session_ended")
    joins = [e for e in events(window, number) if e["act"] == "partner_video_joined"]
    assert len(joins) == 1  # refusals change nothing


def test_a_province_not_sharing_the_case_is_told_it_does_not_exist(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    number = dispatched(window)
    sid = schedule(window, number)
    applicant = Party(client, "applicant")
    own = ok(applicant.post("/v1/cases", {"item_code": "KSTB-RS-004", "form": {}}), 201)["number"]
    assert code(join_request(client, guangxi, own, sid)) == (404, "case_not_found")


# — this gateway as the other side: a case 广西 forwarded, 广西's sessions —


@pytest.fixture
def forwarded_case(client: Any, guangxi: PartnerProvince, inbound: Queue) -> str:
    number = partner_case_number()
    post(client, guangxi.message(forwarded(), case=number, seq=1))
    apply_all(inbound)
    return number


GX_SID = "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
GX_SEATS = [
    {"participant_id": "window-450000-01", "role": "window_clerk", "province": PARTNER},
    {"participant_id": "authority-430000-01", "role": "authority_clerk", "province": HERE},
]


def scheduled_payload() -> dict[str, Any]:
    return {
        "session_id": GX_SID,
        "provider": "local",
        "title": "失业登记 视频会商",
        "scheduled_for": starts(),
        "participants": GX_SEATS,
    }


def ended_payload() -> dict[str, Any]:
    return {
        "session_id": GX_SID,
        "ended_at": rfc3339(datetime.now(BEIJING)),
        "outcome": "已视频核对",
        "consent_recorded": True,
    }


def test_guangxis_messages_apply_once_and_in_order(
    client: Any, clerk: Party, guangxi: PartnerProvince, forwarded_case: str, inbound: Queue
) -> None:
    number = forwarded_case
    ended = guangxi.message(ended_payload(), case=number, seq=3, kind=MessageType.VIDEO_ENDED)
    scheduled = guangxi.message(scheduled_payload(), case=number, seq=2, kind=MessageType.VIDEO_SCHEDULED)
    post(client, ended)  # arrives first: parked behind seq 2
    apply_all(inbound)
    assert ok(clerk.get(f"/v1/cases/{number}"))["video_sessions"] == []
    post(client, scheduled)
    post(client, scheduled)  # a duplicate delivery
    apply_all(inbound)
    [session] = ok(clerk.get(f"/v1/cases/{number}"))["video_sessions"]
    assert (session["home"], session["handle"], session["outcome"]) == (PARTNER, {}, "已视频核对")
    acts = [e["act"] for e in events(clerk, number) if "video" in e["act"]]
    assert acts == ["partner_video_scheduled", "partner_video_ended"]


@pytest.fixture
def home() -> list[dict[str, Any]]:
    """广西's gateway as the session's home, as this gateway's HTTP reaches it: checks the signature
    and answers with a token, or with `home.answer` when a test sets one."""
    from chalicelib import container

    asked: list[dict[str, Any]] = []
    jwks = {"keys": [container.signer().public_jwk()]}

    class Home:
        answer: Answer | None = None

        def post(self, url: str, body: dict[str, Any]) -> Answer:
            assert url == "http://127.0.0.1:8450/v1/exchange/video-joins"
            claims = verify_jws(body["request"], jwks, VIDEO_JOIN_TYPE)
            asked.append(claims)
            if self.answer is not None:
                return self.answer
            return Answer(
                200,
                {
                    "session_id": claims["session_id"],
                    "participant_id": claims["participant_id"],
                    "join_token": "secret-token-" + claims["id"],
                    "attendee_id": "attendee-1",
                    "media": {"SignalingUrl": "local-video://x/signaling"},
                },
            )

    install_root(partner_transport=Home())
    return asked


def test_the_handling_clerk_joins_guangxis_session_through_guangxis_gateway(
    client: Any,
    clerk: Party,
    guangxi: PartnerProvince,
    forwarded_case: str,
    inbound: Queue,
    home: list[dict[str, Any]],
) -> None:
    number = forwarded_case
    post(client, guangxi.message(scheduled_payload(), case=number, seq=2, kind=MessageType.VIDEO_SCHEDULED))
    apply_all(inbound)
    path = f"/v1/cases/{number}/video-sessions/{GX_SID}/join"
    joined = ok(clerk.post(path, {"participant_id": "authority-430000-01"}))
    assert joined["join_token"].startswith("secret-token-")
    [claims] = home
    assert (claims["from"], claims["to"], claims["case"]) == (HERE, PARTNER, number)
    assert claims["joiner"] == {
        "role": "authority_clerk",
        "province": HERE,
        "subject": "dev-authority-clerk-1",
        "authority": "A-430000-01",
    }
    [event] = [e for e in events(clerk, number) if e["act"] == "video_joined"]
    assert (event["by"]["role"], event["by"]["subject"], event["details"]["home"]) == (
        "authority_clerk",
        "dev-authority-clerk-1",
        PARTNER,
    )
    assert joined["join_token"] not in json.dumps(events(clerk, number))
    # a clerk of another authority of this province is no party to the case
    other = Party(client, "authority_clerk", authority="A-430000-02")
    assert code(other.post(path, {"participant_id": "authority-430000-01"})) == (404, "case_not_found")
    # the clerk may not take 广西's window seat
    assert code(clerk.post(path, {"participant_id": "window-450000-01"})) == (
        403,
        "video_participant_not_yours",
    )
    assert len(home) == 1
    # the home's refusal reaches the clerk as it is; an unreachable home is a 503
    home_stub = _stub()
    home_stub.answer = Answer(409, {"code": "video_session_ended"})
    assert code(clerk.post(path, {"participant_id": "authority-430000-01"})) == (409, "video_session_ended")
    home_stub.answer = Answer(0, {})
    assert code(clerk.post(path, {"participant_id": "authority-430000-01"})) == (
        503,
        "video_provider_unavailable",
    )
    assert len([e for e in events(clerk, number) if e["act"] == "video_joined"]) == 1


def _stub() -> Any:
    from chalicelib import container

    return container.partner_transport()


def test_a_session_held_by_guangxi_is_ended_there(
    client: Any, clerk: Party, guangxi: PartnerProvince, forwarded_case: str, inbound: Queue
) -> None:
    number = forwarded_case
    post(client, guangxi.message(scheduled_payload(), case=number, seq=2, kind=MessageType.VIDEO_SCHEDULED))
    apply_all(inbound)
    ended = clerk.post(
        f"/v1/cases/{number}/video-sessions/{GX_SID}/end", {"outcome": "结束", "consent_recorded": False}
    )
    assert code(ended) == (409, "video_session_held_elsewhere")
