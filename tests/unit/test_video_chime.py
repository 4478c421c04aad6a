"""The Chime SDK Meetings provider against botocore's Stubber (responses checked against the model)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from chalicelib.adapters.video import ChimeVideoProvider, client_request_token, external_meeting_id
from chalicelib.services.video import Participant, SessionHandle, VideoProvider, VideoProviderError

BEIJING = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 9, 30, tzinfo=BEIJING)
CASE = "430000-20260302-7KQ2M9XA"
MEETING_ID = "4f9a2c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
ATTENDEE_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
JOIN_TOKEN = "Sm9pblRva2VuRm9yVGhlQXBwbGljYW50T25seQ"
PARTICIPANTS = [
    Participant("clerk-430000-01", "window_clerk", "430000"),
    Participant("clerk-440000-07", "authority_clerk", "440000"),
    Participant("app-5f1c2b", "applicant", "430000"),
]
PLACEMENT = {
    "AudioHostUrl": "abc123.k.m1.an1.app.chime.aws:3478",
    "AudioFallbackUrl": "wss://haxrp.m1.an1.app.chime.aws:443/calls/" + MEETING_ID,
    "SignalingUrl": "wss://signal.m1.an1.app.chime.aws/control/" + MEETING_ID,
    "TurnControlUrl": "https://2713.cell.ap-northeast-1.meetings.chime.aws/v2/turn_sessions",
    "EventIngestionUrl": "https://data.svc.an1.ingest.chime.aws/v1/client-events",
}
HANDLE = SessionHandle("chime", MEETING_ID, "ap-northeast-1", dict(PLACEMENT))


@pytest.fixture
def chime() -> Any:
    return boto3.client(
        "chime-sdk-meetings", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def stub(chime: Any) -> Iterator[Stubber]:
    with Stubber(chime) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def provider(chime: Any) -> ChimeVideoProvider:
    return ChimeVideoProvider(client=chime)


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the log records carry: message and extra keys."""
    return "\n".join(repr(vars(record)) for record in caplog.records)


def meeting_response(external_id: str = CASE, region: str = "ap-northeast-1") -> dict[str, Any]:
    return {
        "Meeting": {
            "MeetingId": MEETING_ID,
            "ExternalMeetingId": external_id,
            "MediaRegion": region,
            "MediaPlacement": PLACEMENT,
            "MeetingArn": f"arn:aws:chime:us-east-1:111122223333:meeting/{MEETING_ID}",
        }
    }


def attendee(
    external_user_id: str, attendee_id: str = ATTENDEE_ID, token: str = JOIN_TOKEN
) -> dict[str, Any]:
    return {"ExternalUserId": external_user_id, "AttendeeId": attendee_id, "JoinToken": token}


def expect_meeting(
    stub: Stubber, token: str, region: str = "ap-northeast-1", external_id: str = CASE
) -> None:
    stub.add_response(
        "create_meeting",
        meeting_response(external_id, region),
        expected_params={
            "ClientRequestToken": token,
            "MediaRegion": region,
            "ExternalMeetingId": external_id,
        },
    )


def expect_batch(stub: Stubber, ids: list[str]) -> None:
    stub.add_response(
        "batch_create_attendee",
        {"Attendees": [attendee(pid) for pid in ids], "Errors": []},
        expected_params={"MeetingId": MEETING_ID, "Attendees": [{"ExternalUserId": pid} for pid in ids]},
    )


def test_the_provider_is_a_video_provider(provider: ChimeVideoProvider) -> None:
    as_interface: VideoProvider = provider
    assert as_interface is provider
    assert provider.media_region == "ap-northeast-1"


def test_create_session_creates_the_meeting_and_its_attendees(
    stub: Stubber, provider: ChimeVideoProvider
) -> None:
    token = client_request_token(CASE, START)
    expect_meeting(stub, token)
    expect_batch(stub, [p.participant_id for p in PARTICIPANTS])

    handle = provider.create_session(CASE, "视频会商收件", START, PARTICIPANTS)

    assert handle == HANDLE
    assert handle.media["SignalingUrl"].startswith("wss://")


def test_client_request_token_is_idempotent_and_fits_the_api() -> None:
    token = client_request_token(CASE, START)

    assert token == hashlib.sha256(f"tongban-video|{CASE}|2026-03-02T01:30:00+00:00".encode()).hexdigest()
    assert 2 <= len(token) <= 64
    assert token.isalnum()
    assert client_request_token(CASE, START) == token
    assert client_request_token(CASE, START.astimezone(UTC)) == token
    assert client_request_token(CASE, START.replace(microsecond=250_000)) == token
    assert client_request_token(CASE, START + timedelta(minutes=30)) != token
    assert client_request_token("430000-20260302-AAAAAAAA", START) != token


def test_a_retry_sends_the_same_token(stub: Stubber, provider: ChimeVideoProvider) -> None:
    token = client_request_token(CASE, START)
    for start in (START, START.astimezone(UTC)):
        expect_meeting(stub, token)
        expect_batch(stub, ["app-5f1c2b"])
        provider.create_session(CASE, "视频会商收件", start, PARTICIPANTS[2:])


def test_participants_go_in_batches_of_100(stub: Stubber, provider: ChimeVideoProvider) -> None:
    crowd = [Participant(f"p-{n:04d}", "applicant", "430000") for n in range(101)]
    expect_meeting(stub, client_request_token(CASE, START))
    expect_batch(stub, [p.participant_id for p in crowd[:100]])
    expect_batch(stub, ["p-0100"])

    provider.create_session(CASE, "视频会商收件", START, crowd)


def test_no_participants_no_batch(stub: Stubber, provider: ChimeVideoProvider) -> None:
    expect_meeting(stub, client_request_token(CASE, START))
    assert provider.create_session(CASE, "视频会商收件", START, []).session_id == MEETING_ID


def test_media_region_comes_from_the_constructor(chime: Any, stub: Stubber) -> None:
    expect_meeting(stub, client_request_token(CASE, START), region="eu-central-1")
    handle = ChimeVideoProvider("eu-central-1", client=chime).create_session(CASE, "会商", START, [])
    assert handle.region == "eu-central-1"


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
def test_china_regions_are_not_chime_media_regions(chime: Any, region: str) -> None:
    with pytest.raises(ValueError, match="domestic"):
        ChimeVideoProvider(region, client=chime)


@pytest.mark.parametrize("region", ["", "Tokyo", "ap-northeast"])
def test_media_region_must_be_a_region_name(chime: Any, region: str) -> None:
    with pytest.raises(ValueError, match="region"):
        ChimeVideoProvider(region, client=chime)


def test_external_meeting_id_is_the_case_number_or_a_hash() -> None:
    assert external_meeting_id(CASE) == CASE
    odd = "湘办〔2026〕第001号"
    hashed = external_meeting_id(odd)
    assert hashed == "case-" + hashlib.sha256(odd.encode()).hexdigest()[:40]
    assert len(hashed) <= 64
    assert external_meeting_id("aws:case") != "aws:case"
    assert external_meeting_id("x" * 65).startswith("case-")
    assert external_meeting_id("x").startswith("case-")


def test_an_unusual_case_number_is_hashed_in_the_request(stub: Stubber, provider: ChimeVideoProvider) -> None:
    odd = "湘办〔2026〕第001号"
    expect_meeting(stub, client_request_token(odd, START), external_id=external_meeting_id(odd))
    provider.create_session(odd, "会商", START, [])


def test_refused_attendees_fail_the_creation(stub: Stubber, provider: ChimeVideoProvider) -> None:
    expect_meeting(stub, client_request_token(CASE, START))
    stub.add_response(
        "batch_create_attendee",
        {
            "Attendees": [attendee("clerk-430000-01")],
            "Errors": [
                {"ExternalUserId": "app-5f1c2b", "ErrorCode": "BadRequest", "ErrorMessage": "refused"}
            ],
        },
        expected_params={
            "MeetingId": MEETING_ID,
            "Attendees": [{"ExternalUserId": "clerk-430000-01"}, {"ExternalUserId": "app-5f1c2b"}],
        },
    )
    with pytest.raises(VideoProviderError) as caught:
        provider.create_session(CASE, "会商", START, [PARTICIPANTS[0], PARTICIPANTS[2]])
    assert caught.value.code == "video_provider_rejected"


def test_throttled_attendees_are_unavailable(stub: Stubber, provider: ChimeVideoProvider) -> None:
    expect_meeting(stub, client_request_token(CASE, START))
    stub.add_response(
        "batch_create_attendee",
        {"Attendees": [], "Errors": [{"ExternalUserId": "app-5f1c2b", "ErrorCode": "Throttling"}]},
        expected_params={"MeetingId": MEETING_ID, "Attendees": [{"ExternalUserId": "app-5f1c2b"}]},
    )
    with pytest.raises(VideoProviderError, match="video_provider_unavailable"):
        provider.create_session(CASE, "会商", START, PARTICIPANTS[2:])


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("ServiceUnavailableException", 503, "video_provider_unavailable"),
        ("ThrottlingException", 429, "video_provider_unavailable"),
        ("ServiceFailureException", 500, "video_provider_unavailable"),
        ("LimitExceededException", 400, "video_provider_rejected"),
        ("ForbiddenException", 403, "video_provider_rejected"),
    ],
)
def test_create_meeting_errors(
    stub: Stubber, provider: ChimeVideoProvider, error: str, status: int, code: str
) -> None:
    stub.add_client_error("create_meeting", service_error_code=error, http_status_code=status)
    with pytest.raises(VideoProviderError) as caught:
        provider.create_session(CASE, "会商", START, PARTICIPANTS)
    assert caught.value.code == code
    assert caught.value.retryable is (code == "video_provider_unavailable")


def test_join_info_creates_or_finds_the_attendee(
    stub: Stubber, provider: ChimeVideoProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub.add_response(
        "create_attendee",
        {"Attendee": attendee("app-5f1c2b")},
        expected_params={"MeetingId": MEETING_ID, "ExternalUserId": "app-5f1c2b"},
    )

    info = provider.join_info(HANDLE, "app-5f1c2b")

    assert info.session_id == MEETING_ID
    assert info.participant_id == "app-5f1c2b"
    assert info.join_token == JOIN_TOKEN
    assert info.attendee_id == ATTENDEE_ID
    assert info.media == PLACEMENT
    assert JOIN_TOKEN not in repr(info)
    assert JOIN_TOKEN not in _logged(caplog)


def test_join_info_of_an_ended_meeting(
    stub: Stubber, provider: ChimeVideoProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub.add_client_error(
        "create_attendee",
        service_error_code="NotFoundException",
        http_status_code=404,
        expected_params={"MeetingId": MEETING_ID, "ExternalUserId": "app-5f1c2b"},
    )
    with pytest.raises(VideoProviderError, match="video_session_not_found"):
        provider.join_info(HANDLE, "app-5f1c2b")
    logged = _logged(caplog)
    assert "NotFoundException" in logged
    assert "app-5f1c2b" not in logged


def test_join_info_checks_the_participant_before_calling(stub: Stubber, provider: ChimeVideoProvider) -> None:
    with pytest.raises(ValueError, match="participant_id"):
        provider.join_info(HANDLE, "aws:root")


def test_end_session_deletes_the_meeting(stub: Stubber, provider: ChimeVideoProvider) -> None:
    stub.add_response("delete_meeting", {}, expected_params={"MeetingId": MEETING_ID})
    provider.end_session(HANDLE)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("NotFoundException", 404, "video_session_not_found"),
        ("ServiceUnavailableException", 503, "video_provider_unavailable"),
        ("ThrottlingException", 429, "video_provider_unavailable"),
        ("UnauthorizedException", 401, "video_provider_rejected"),
    ],
)
def test_end_session_errors(
    stub: Stubber, provider: ChimeVideoProvider, error: str, status: int, code: str
) -> None:
    stub.add_client_error(
        "delete_meeting",
        service_error_code=error,
        http_status_code=status,
        expected_params={"MeetingId": MEETING_ID},
    )
    with pytest.raises(VideoProviderError) as caught:
        provider.end_session(HANDLE)
    assert caught.value.code == code


def test_an_unknown_server_error_is_unavailable(stub: Stubber, provider: ChimeVideoProvider) -> None:
    stub.add_client_error("delete_meeting", service_error_code="InternalError", http_status_code=502)
    with pytest.raises(VideoProviderError, match="video_provider_unavailable"):
        provider.end_session(HANDLE)


@pytest.mark.parametrize(
    "handle",
    [
        SessionHandle("local", MEETING_ID, None, {}),
        SessionHandle("chime", "not-a-guid", "ap-northeast-1", {}),
        SessionHandle("chime", MEETING_ID + "0", "ap-northeast-1", {}),
    ],
)
def test_foreign_or_malformed_handles_never_reach_chime(
    stub: Stubber, provider: ChimeVideoProvider, handle: SessionHandle
) -> None:
    with pytest.raises(VideoProviderError, match="video_session_not_found"):
        provider.end_session(handle)
    with pytest.raises(VideoProviderError, match="video_session_not_found"):
        provider.join_info(handle, "app-5f1c2b")


class _Unreachable:
    def delete_meeting(self, **params: Any) -> dict[str, Any]:
        raise EndpointConnectionError(endpoint_url="https://meetings-chime.cn-north-1.amazonaws.com.cn")


def test_an_unreachable_endpoint_is_unavailable() -> None:
    provider = ChimeVideoProvider(client=_Unreachable())
    with pytest.raises(VideoProviderError, match="video_provider_unavailable"):
        provider.end_session(HANDLE)


def test_default_client_comes_from_the_shared_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    sentinel = object()

    def factory(service: str) -> object:
        made.append(service)
        return sentinel

    monkeypatch.setattr("chalicelib.adapters.video.aws_client", factory)
    provider = ChimeVideoProvider()
    assert made == ["chime-sdk-meetings"]
    assert provider._client is sentinel
