"""视频会商 rules: who may join which seat, the exchange's video messages on a copy, and the
provider chosen by configuration (the local stand-in only in the local stage, Chime never in China)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.video import (
    ChimeVideoProvider,
    LocalVideoProvider,
    UnconfiguredVideoProvider,
    provider_of,
)
from chalicelib.config import ConfigurationError, VideoSettings, load_settings
from chalicelib.domain.case import VideoSession
from chalicelib.domain.case_acts import By
from chalicelib.domain.case_exchange import VIDEO_TABLE, OutOfSync, check_two_way_message
from chalicelib.domain.case_states import Actor, CaseState
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.domain.messages import VideoEnded, VideoJoined, VideoScheduled
from chalicelib.domain.video import (
    Joiner,
    apply_ended,
    apply_joined,
    apply_scheduled,
    check_join,
    ended_payload,
    joined,
    scheduled_payload,
)
from chalicelib.services.video import SessionHandle, VideoProviderError
from infra.provinces import ProvinceConfigError, load, parse
from tests.factories import case_model

AT = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)
SEATS = [
    {"participant_id": "window-430000-01", "role": "window_clerk", "province": "430000"},
    {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": "450000"},
    {"participant_id": "applicant-1", "role": "applicant", "province": "430000"},
]
WINDOW = Joiner("window_clerk", "430000", "w-1", window="W-430000-01")
GX_CLERK = Joiner("authority_clerk", "450000", "gx-1", authority="A-450000-01")
GUANGXI = By(actor=Actor.GATEWAY, role="partner", subject="partner:450000", province="450000")


def session(**changes: Any) -> VideoSession:
    base = VideoSession(session_id="s-0000001", provider="local", scheduled_for=AT, participants=SEATS)
    return base.model_copy(update=changes, deep=True)


def test_a_person_joins_only_a_seat_of_their_own_role_and_province() -> None:
    assert check_join(session(), "window-430000-01", WINDOW)["role"] == "window_clerk"
    assert check_join(session(), "authority-450000-01", GX_CLERK)["province"] == "450000"
    with pytest.raises(Forbidden) as taken:
        check_join(session(), "authority-450000-01", WINDOW)  # the window, in the clerk's name
    assert taken.value.code == "video_participant_not_yours"
    hunan_clerk = Joiner("authority_clerk", "430000", "c-1", authority="A-430000-01")
    with pytest.raises(Forbidden):
        check_join(session(), "authority-450000-01", hunan_clerk)  # a clerk of another province
    with pytest.raises(NotFound):
        check_join(session(), "nobody-01", WINDOW)


def test_the_applicants_seat_is_opened_by_the_window_of_their_province() -> None:
    assert check_join(session(), "applicant-1", WINDOW)["role"] == "applicant"
    with pytest.raises(Forbidden):
        check_join(session(), "applicant-1", GX_CLERK)


def test_the_first_person_holds_a_seat_and_an_ended_session_takes_nobody() -> None:
    case = case_model().model_copy(update={"video_sessions": [session()]})
    outcome = joined(case, "s-0000001", "authority-450000-01", GX_CLERK, GUANGXI, AT)
    held = outcome.case.video_sessions[0]
    assert held.participants[1]["joined_by"] == "gx-1"
    assert outcome.event["act"] == "partner_video_joined"
    assert outcome.event["details"]["joiner"]["subject"] == "gx-1"
    check_join(held, "authority-450000-01", GX_CLERK)  # the same person again: a reconnect
    with pytest.raises(Conflict) as other:
        check_join(held, "authority-450000-01", Joiner("authority_clerk", "450000", "gx-2"))
    assert other.value.code == "video_participant_taken"
    with pytest.raises(Conflict) as ended:
        check_join(session(ended_at=AT), "window-430000-01", WINDOW)
    assert ended.value.code == "video_session_ended"


def test_the_partners_messages_on_a_copy_once_each() -> None:
    case = case_model()
    home = session(handle={"provider": "local", "session_id": "x"})
    sent = scheduled_payload(case, home)
    assert "handle" not in sent and "joined_by" not in str(sent)
    payload = VideoScheduled.model_validate(sent)
    first = apply_scheduled(case, payload, GUANGXI, AT)
    [copy] = first.case.video_sessions
    assert (copy.home, copy.handle, copy.announced) == ("450000", {}, True)
    again = apply_scheduled(first.case, payload, GUANGXI, AT)
    assert len(again.case.video_sessions) == 1 and again.event["details"]["noted"] is True
    join = VideoJoined.model_validate(
        {
            "session_id": "s-0000001",
            "participant_id": "window-430000-01",
            "joiner": WINDOW.record(),
            "at": AT.isoformat(),
        }
    )
    joined_copy = apply_joined(first.case, join, GUANGXI, AT)
    assert joined_copy.case.video_sessions[0].participants[0]["joined_by"] == "w-1"
    unknown = apply_joined(case, join, GUANGXI, AT)  # a session this copy never heard of
    assert unknown.event["details"]["noted"] is True and unknown.case.video_sessions == []
    over = session(ended_at=AT + timedelta(minutes=20), outcome="已核对", consent_recorded=True)
    ended = apply_ended(joined_copy.case, VideoEnded.model_validate(ended_payload(over)), GUANGXI, AT)
    assert ended.case.video_sessions[0].outcome == "已核对"
    assert (
        apply_ended(case, VideoEnded.model_validate(ended_payload(over)), GUANGXI, AT).event["details"][
            "noted"
        ]
        is True
    )


def test_video_messages_apply_in_every_state_but_a_draft() -> None:
    for kind in (MessageType.VIDEO_SCHEDULED, MessageType.VIDEO_JOINED, MessageType.VIDEO_ENDED):
        assert CaseState.DRAFT not in VIDEO_TABLE[kind] and CaseState.CLOSED in VIDEO_TABLE[kind]
    draft = case_model().model_copy(update={"state": CaseState.DRAFT})
    with pytest.raises(OutOfSync):
        check_two_way_message(draft, MessageType.VIDEO_SCHEDULED)


# — providers by configuration —


def env(**more: str) -> dict[str, str]:
    deployed = {"TONGBAN_STAGE": "prod-430000", "TONGBAN_PROVINCE": "430000"}
    return {**deployed, "TONGBAN_CURSOR_KEY_SECRET": "tongban-430000-cursor-key", **more}


def test_the_local_stand_in_is_the_local_stages_alone() -> None:
    assert load_settings({"TONGBAN_STAGE": "local"}).video.provider == "local"
    assert load_settings(env()).video.provider == "none"  # nothing pretends outside local
    with pytest.raises(ConfigurationError, match="only in the local stage"):
        load_settings(env(TONGBAN_VIDEO_PROVIDER="local"))
    with pytest.raises(ConfigurationError):
        load_settings(env(TONGBAN_VIDEO_PROVIDER="zoom"))


def test_chime_is_refused_in_china_regions() -> None:
    chime = env(TONGBAN_VIDEO_PROVIDER="chime", TONGBAN_VIDEO_CONTROL_REGION="ap-northeast-1")
    assert load_settings(chime).video == VideoSettings("chime", "ap-northeast-1", "ap-northeast-1")
    with pytest.raises(ConfigurationError, match="no China region"):
        load_settings({**chime, "TONGBAN_VIDEO_MEDIA_REGION": "cn-north-1"})
    with pytest.raises(ConfigurationError, match="no China region"):
        load_settings(env(TONGBAN_VIDEO_PROVIDER="chime", AWS_REGION="cn-northwest-1"))


def test_each_setting_builds_its_provider() -> None:
    assert isinstance(provider_of(VideoSettings("local")), LocalVideoProvider)
    unconfigured = provider_of(VideoSettings("none"))
    assert isinstance(unconfigured, UnconfiguredVideoProvider)
    with pytest.raises(VideoProviderError) as err:
        unconfigured.create_session("430000-20261130-AAAAAAAA", "t", AT, [])
    assert err.value.code == "video_provider_unavailable"
    chime = provider_of(VideoSettings("chime", "ap-northeast-1", "ap-southeast-1"))
    assert isinstance(chime, ChimeVideoProvider) and chime.media_region == "ap-northeast-1"
    assert chime._client.meta.region_name == "ap-southeast-1"  # the control region


def test_chime_hands_each_participant_their_own_attendee() -> None:
    client = boto3.session.Session().client("chime-sdk-meetings", region_name="ap-northeast-1")
    provider = ChimeVideoProvider(client=client)
    meeting = "8f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    handle = SessionHandle("chime", meeting, "ap-northeast-1", {"SignalingUrl": "wss://signal"})
    with Stubber(client) as stub:
        for person, attendee in (("window-430000-01", "a" * 8), ("authority-450000-01", "b" * 8)):
            stub.add_response(
                "create_attendee",
                {
                    "Attendee": {
                        "ExternalUserId": person,
                        "AttendeeId": attendee,
                        "JoinToken": "t-" + attendee,
                    }
                },
                expected_params={"MeetingId": meeting, "ExternalUserId": person},
            )
        first = provider.join_info(handle, "window-430000-01")
        second = provider.join_info(handle, "authority-450000-01")
        stub.assert_no_pending_responses()
    assert (first.attendee_id, second.attendee_id) == ("a" * 8, "b" * 8)
    assert first.join_token != second.join_token and "t-" not in repr(first)


def test_deployed_provinces_name_their_video_provider() -> None:
    for code in ("320000", "430000", "450000"):
        assert load(code).video == {"provider": "none"}  # China regions: no Chime
    base = {
        "code": "350000",
        "name": "福建省",
        "region": "cn-north-1",
        "resource_prefix": "tongban-350000",
        "local_port": 8350,
        "schedule_timezone": "Asia/Shanghai",
    }
    chime = {"provider": "chime", "media_region": "ap-northeast-1", "control_region": "ap-northeast-1"}
    # Chime is packaged only for a province outside China (its stack there could not call Chime)
    assert parse({**base, "region": "ap-northeast-1", "video": chime}).video == chime
    with pytest.raises(ProvinceConfigError, match="not offered in China regions"):
        parse({**base, "video": chime})
    for bad in (
        {"provider": "local"},
        {"provider": "chime", "media_region": "cn-north-1", "control_region": "ap-northeast-1"},
        {"provider": "chime"},
        {"provider": "none", "extra": "x"},
    ):
        with pytest.raises(ProvinceConfigError):
            parse({**base, "video": bad})
