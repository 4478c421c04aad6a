"""The domestic provider skeleton (腾讯会议): it has the VideoProvider's shape, builds its meeting
request from the title and start, never sends a participant's id to the service, and answers every
call with `video_provider_unavailable` — it is not reachable from here."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.adapters.video_domestic import TencentMeetingVideoProvider
from chalicelib.domain.clock import BEIJING
from chalicelib.services.video import Participant, SessionHandle, VideoProvider, VideoProviderError

START = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
PEOPLE = [Participant("window-430000-01", "window_clerk", "430000")]


def test_the_skeleton_is_a_video_provider_that_reaches_nothing() -> None:
    provider: VideoProvider = TencentMeetingVideoProvider("tongban-operator")
    handle = SessionHandle("tencent_meeting", "1234567890", None)
    for call in (
        lambda: provider.create_session("430000-20261201-AAAAAAAA", "户籍证明 视频会商", START, PEOPLE),
        lambda: provider.join_info(handle, "window-430000-01"),
        lambda: provider.end_session(handle),
    ):
        with pytest.raises(VideoProviderError) as err:
            call()
        assert err.value.code == "video_provider_unavailable"


def test_the_meeting_request_names_no_participant() -> None:
    body = TencentMeetingVideoProvider("tongban-operator").create_request("户籍证明 视频会商", START)
    assert body["type"] == 0 and body["subject"] == "户籍证明 视频会商"
    assert int(body["end_time"]) - int(body["start_time"]) == 3600
    assert body["start_time"] == str(int(START.timestamp()))
    assert "window-430000-01" not in str(body) and "invitees" not in body


def test_a_handle_of_another_provider_is_not_found() -> None:
    provider = TencentMeetingVideoProvider("tongban-operator")
    with pytest.raises(VideoProviderError) as err:
        provider.end_session(SessionHandle("chime", "8f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "ap-northeast-1"))
    assert err.value.code == "video_session_not_found"
