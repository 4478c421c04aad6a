"""The local stand-in video provider: random ids and tokens, fake media URLs, nothing stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.adapters.video import LocalVideoProvider
from chalicelib.services.video import (
    JoinInfo,
    Participant,
    SessionHandle,
    VideoProvider,
    VideoProviderError,
)

BEIJING = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 9, 30, tzinfo=BEIJING)
CASE = "430000-20260302-7KQ2M9XA"
PARTICIPANTS = [
    Participant("clerk-430000-01", "window_clerk", "430000"),
    Participant("clerk-440000-07", "authority_clerk", "440000"),
    Participant("app-5f1c2b", "applicant", "430000"),
]


@pytest.fixture
def provider() -> VideoProvider:
    return LocalVideoProvider()


def test_create_session_gives_a_random_local_session(provider: VideoProvider) -> None:
    first = provider.create_session(CASE, "视频会商收件", START, PARTICIPANTS)
    second = provider.create_session(CASE, "视频会商收件", START, PARTICIPANTS)

    assert first.provider == "local"
    assert first.region is None
    assert uuid.UUID(first.session_id).version == 4
    assert first.session_id != second.session_id
    assert first.media == {
        "AudioHostUrl": f"local-video://{first.session_id}/audio",
        "SignalingUrl": f"local-video://{first.session_id}/signaling",
        "ScreenSharingUrl": f"local-video://{first.session_id}/screen",
    }
    assert all(url.startswith("local-video://") for url in first.media.values())


def test_create_session_without_participants(provider: VideoProvider) -> None:
    handle = provider.create_session(CASE, "视频会商收件", START, [])
    assert handle.provider == "local"


def test_join_info_derives_from_the_handle_with_a_fresh_random_token(provider: VideoProvider) -> None:
    handle = provider.create_session(CASE, "视频会商收件", START, PARTICIPANTS)

    info = provider.join_info(handle, "app-5f1c2b")
    again = provider.join_info(handle, "app-5f1c2b")

    assert isinstance(info, JoinInfo)
    assert info.session_id == handle.session_id
    assert info.participant_id == "app-5f1c2b"
    assert info.media == handle.media
    assert len(info.join_token) >= 40
    assert info.join_token != again.join_token
    assert info.join_token not in repr(info)


def test_nothing_is_stored_between_invocations() -> None:
    """Another process (a new Lambda invocation) serves a handle it never saw."""
    handle = LocalVideoProvider().create_session(CASE, "视频会商收件", START, PARTICIPANTS)
    stored = SessionHandle.from_document(handle.as_document())

    other = LocalVideoProvider()
    info = other.join_info(stored, "clerk-440000-07")
    other.end_session(stored)

    assert stored == handle
    assert info.session_id == handle.session_id
    assert vars(other) == {}


def test_join_info_accepts_a_participant_not_named_at_creation(provider: VideoProvider) -> None:
    handle = provider.create_session(CASE, "视频会商收件", START, PARTICIPANTS[:1])
    assert provider.join_info(handle, "late-joiner-1").participant_id == "late-joiner-1"


def test_end_session_is_a_no_op_on_a_valid_handle(provider: VideoProvider) -> None:
    handle = provider.create_session(CASE, "视频会商收件", START, PARTICIPANTS)
    provider.end_session(handle)
    provider.end_session(handle)


@pytest.mark.parametrize(
    "handle",
    [
        SessionHandle("chime", str(uuid.uuid4()), "ap-northeast-1", {}),
        SessionHandle("local", "not-a-uuid", None, {}),
        SessionHandle("local", "", None, {}),
    ],
)
def test_foreign_or_malformed_handles_are_not_found(provider: VideoProvider, handle: SessionHandle) -> None:
    with pytest.raises(VideoProviderError) as caught:
        provider.end_session(handle)
    assert caught.value.code == "video_session_not_found"
    assert not caught.value.retryable
    with pytest.raises(VideoProviderError, match="video_session_not_found"):
        provider.join_info(handle, "app-5f1c2b")


@pytest.mark.parametrize("participant_id", ["", "x", "aws:admin", "身份证号", "a" * 65, "has space"])
def test_join_info_refuses_a_malformed_participant_id(provider: VideoProvider, participant_id: str) -> None:
    handle = provider.create_session(CASE, "视频会商收件", START, [])
    with pytest.raises(ValueError, match="participant_id"):
        provider.join_info(handle, participant_id)


def test_create_session_needs_an_aware_start(provider: VideoProvider) -> None:
    with pytest.raises(ValueError, match="aware"):
        provider.create_session(CASE, "视频会商收件", datetime(2026, 3, 2, 9, 30), PARTICIPANTS)


@pytest.mark.parametrize(("case_number", "title"), [("", "视频会商收件"), (CASE, " "), ("x" * 101, "t")])
def test_create_session_needs_a_case_and_a_title(
    provider: VideoProvider, case_number: str, title: str
) -> None:
    with pytest.raises(ValueError, match=r"case_number|title"):
        provider.create_session(case_number, title, START, PARTICIPANTS)


def test_create_session_refuses_duplicate_participants(provider: VideoProvider) -> None:
    twice = [*PARTICIPANTS, Participant("APP-5F1C2B", "applicant", "430000")]
    with pytest.raises(ValueError, match="unique"):
        provider.create_session(CASE, "视频会商收件", START, twice)


def test_create_session_caps_participants(provider: VideoProvider) -> None:
    crowd = [Participant(f"p-{n:04d}", "applicant", "430000") for n in range(251)]
    with pytest.raises(ValueError, match="at most 250"):
        provider.create_session(CASE, "视频会商收件", START, crowd)


@pytest.mark.parametrize(
    ("participant_id", "role", "province", "message"),
    [
        ("app-1", "judge", "430000", "role"),
        ("app-1", "applicant", "430100", "province"),
        ("aws:app", "applicant", "430000", "participant_id"),
    ],
)
def test_participant_checks_its_fields(participant_id: str, role: str, province: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Participant(participant_id, role, province)


def test_start_in_any_zone(provider: VideoProvider) -> None:
    handle = provider.create_session(CASE, "视频会商收件", START.astimezone(UTC), PARTICIPANTS)
    assert handle.provider == "local"


def test_error_codes_are_stable() -> None:
    assert VideoProviderError("video_provider_unavailable").retryable
    assert str(VideoProviderError("video_session_not_found")) == "video_session_not_found"
    with pytest.raises(ValueError, match="unknown"):
        VideoProviderError("something_else")
