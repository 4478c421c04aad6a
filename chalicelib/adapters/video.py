"""Video providers (视频会商收件): a local stand-in and Amazon Chime SDK Meetings.

Neither keeps anything between calls: everything `join_info` and `end_session` need is in the
`SessionHandle` the caller stored. Join tokens are credentials and never reach a log line.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from chalicelib.adapters.aws import client as aws_client
from chalicelib.config import VideoSettings
from chalicelib.observability import logger
from chalicelib.services.video import (
    VIDEO_PROVIDER_REJECTED,
    VIDEO_PROVIDER_UNAVAILABLE,
    VIDEO_SESSION_NOT_FOUND,
    JoinInfo,
    Participant,
    SessionHandle,
    VideoProvider,
    VideoProviderError,
    check_session_request,
    is_participant_id,
)


def _check_participant_id(participant_id: str) -> None:
    if not is_participant_id(participant_id):
        raise ValueError("participant_id must be 2-64 of [A-Za-z0-9-_.:], not starting with aws:")


class LocalVideoProvider:
    """A stand-in VideoProvider: no video service is reachable from here, so nothing connects.

    Session ids are random (uuid4), join tokens random (`secrets`), and the media URLs use the
    fake scheme `local-video://<session id>/...` that no client can open. Nothing is stored, in
    memory or elsewhere: `join_info` derives everything from the handle and a fresh random token
    (so no token is ever checked, and each call returns a new one), and `end_session` only checks
    that the handle is one of this provider's.
    """

    PROVIDER: Final = "local"
    SCHEME: Final = "local-video"

    def create_session(
        self, case_number: str, title: str, starts_at: datetime, participants: Sequence[Participant]
    ) -> SessionHandle:
        check_session_request(case_number, title, starts_at, participants)
        session_id = str(uuid.uuid4())
        return SessionHandle(
            provider=self.PROVIDER, session_id=session_id, region=None, media=self._media(session_id)
        )

    def join_info(self, handle: SessionHandle, participant_id: str) -> JoinInfo:
        session_id = self._session_id(handle)
        _check_participant_id(participant_id)
        return JoinInfo(
            session_id=session_id,
            participant_id=participant_id,
            join_token=secrets.token_urlsafe(32),
            media=self._media(session_id),
            attendee_id=str(uuid.uuid4()),
        )

    def end_session(self, handle: SessionHandle) -> None:
        self._session_id(handle)

    @classmethod
    def _media(cls, session_id: str) -> dict[str, str]:
        base = f"{cls.SCHEME}://{session_id}"
        return {
            "AudioHostUrl": f"{base}/audio",
            "SignalingUrl": f"{base}/signaling",
            "ScreenSharingUrl": f"{base}/screen",
        }

    @classmethod
    def _session_id(cls, handle: SessionHandle) -> str:
        """The handle's session id (canonical form); video_session_not_found if not ours."""
        if not isinstance(handle, SessionHandle) or handle.provider != cls.PROVIDER:
            raise VideoProviderError(VIDEO_SESSION_NOT_FOUND)
        try:
            return str(uuid.UUID(handle.session_id))
        except (ValueError, TypeError, AttributeError):
            raise VideoProviderError(VIDEO_SESSION_NOT_FOUND) from None


# Chime SDK Meetings constraints (botocore model chime-sdk-meetings 2021-07-15):
#   ClientRequestToken  2-64, [-_a-zA-Z0-9]*
#   ExternalMeetingId   2-64, documented pattern [-_&@+=,(){}[]/«».:|'"#a-zA-Z0-9À-ÿ\s]*, no "aws:" prefix
#   ExternalUserId      2-64, same pattern, no "aws:" prefix, compared case-insensitively
#   MeetingId           a GUID
#   BatchCreateAttendee 1-100 attendees per call
# botocore checks only minimum lengths client-side, so the adapter checks the rest itself.
_GUID = re.compile(r"[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}")
_PLAIN_EXTERNAL_ID = re.compile(r"[-_.:A-Za-z0-9]{2,64}")
_BATCH: Final = 100
_UNAVAILABLE_ERRORS: Final = frozenset({"Throttling", "ServiceUnavailable", "ServiceFailure"})
_NOT_FOUND_ERRORS: Final = frozenset({"NotFound"})
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")


def client_request_token(case_number: str, starts_at: datetime) -> str:
    """CreateMeeting's idempotency token: SHA-256 (64 hex digits) of the case and the start.

    The start counts in UTC to the second, so the same moment in any zone gives the same token.
    """
    start = starts_at.astimezone(UTC).replace(microsecond=0).isoformat()
    return hashlib.sha256(f"tongban-video|{case_number}|{start}".encode()).hexdigest()


def external_meeting_id(case_number: str) -> str:
    """The case number itself where Chime takes it as is (办件编号 do), else `case-` and a hash."""
    if _PLAIN_EXTERNAL_ID.fullmatch(case_number) and not case_number.lower().startswith("aws:"):
        return case_number
    return "case-" + hashlib.sha256(case_number.encode()).hexdigest()[:40]


def _error_kind(code: str) -> str:
    name = code.removesuffix("Exception")
    if name in _NOT_FOUND_ERRORS:
        return VIDEO_SESSION_NOT_FOUND
    if name in _UNAVAILABLE_ERRORS:
        return VIDEO_PROVIDER_UNAVAILABLE
    return VIDEO_PROVIDER_REJECTED


class ChimeVideoProvider:
    """VideoProvider over Amazon Chime SDK Meetings (boto3 `chime-sdk-meetings`).

    `media_region` is where the meeting's media is hosted; it defaults to ap-northeast-1 (Tokyo).
    China regions (cn-north-1, cn-northwest-1) are neither Chime media regions nor Chime control
    regions (the aws-cn partition has no chime-sdk-meetings endpoint): a gateway deployed there
    needs a client for a supported control region and a supported media region, and should weigh
    cross-border data rules, or use a domestic provider behind the same interface.

    The default client comes from `chalicelib.adapters.aws.client`, so it uses the process's
    region as the control region; inject `client` to choose another.

    Chime has no meeting title: `title` stays with the gateway. A Chime meeting ends by itself
    when nobody connects for a while, so create it close to `starts_at`.
    """

    PROVIDER: Final = "chime"

    def __init__(self, media_region: str = "ap-northeast-1", *, client: Any | None = None) -> None:
        if not isinstance(media_region, str) or not _REGION.fullmatch(media_region):
            raise ValueError("media_region must be an AWS region name")
        if media_region.startswith("cn-"):
            raise ValueError(
                "Chime SDK meetings has no media region in China; use a supported region "
                "(e.g. ap-northeast-1) or a domestic video provider"
            )
        self._media_region = media_region
        self._client = client if client is not None else aws_client("chime-sdk-meetings")

    @property
    def media_region(self) -> str:
        return self._media_region

    def create_session(
        self, case_number: str, title: str, starts_at: datetime, participants: Sequence[Participant]
    ) -> SessionHandle:
        """CreateMeeting, then BatchCreateAttendee for the participants (up to 100 per call).

        A retry with the same case and start sends the same ClientRequestToken, so Chime returns
        the meeting it created instead of a second one; attendees are idempotent per external id.
        """
        check_session_request(case_number, title, starts_at, participants)
        response = self._call(
            "create_meeting",
            ClientRequestToken=client_request_token(case_number, starts_at),
            MediaRegion=self._media_region,
            ExternalMeetingId=external_meeting_id(case_number),
        )
        meeting = response["Meeting"]
        meeting_id = str(meeting["MeetingId"])
        for start in range(0, len(participants), _BATCH):
            batch = participants[start : start + _BATCH]
            result = self._call(
                "batch_create_attendee",
                MeetingId=meeting_id,
                Attendees=[{"ExternalUserId": p.participant_id} for p in batch],
            )
            errors = result.get("Errors") or []
            if errors:
                codes = sorted({str(error.get("ErrorCode", "")) for error in errors})
                logger.warning(
                    "video provider refused attendees",
                    extra={"provider": self.PROVIDER, "meeting_id": meeting_id, "error_codes": codes},
                )
                kinds = {_error_kind(code) for code in codes}
                raise VideoProviderError(
                    VIDEO_PROVIDER_UNAVAILABLE
                    if kinds == {VIDEO_PROVIDER_UNAVAILABLE}
                    else VIDEO_PROVIDER_REJECTED
                )
        placement = meeting.get("MediaPlacement") or {}
        return SessionHandle(
            provider=self.PROVIDER,
            session_id=meeting_id,
            region=str(meeting.get("MediaRegion") or self._media_region),
            media={str(key): str(value) for key, value in placement.items() if isinstance(value, str)},
        )

    def join_info(self, handle: SessionHandle, participant_id: str) -> JoinInfo:
        """CreateAttendee for the participant: Chime returns the existing attendee (and its token)
        for an external user id it knows, so calling this again does not add a second attendee."""
        meeting_id = self._meeting_id(handle)
        _check_participant_id(participant_id)
        response = self._call("create_attendee", MeetingId=meeting_id, ExternalUserId=participant_id)
        attendee = response["Attendee"]
        return JoinInfo(
            session_id=meeting_id,
            participant_id=participant_id,
            join_token=str(attendee["JoinToken"]),
            media=dict(handle.media),
            attendee_id=str(attendee["AttendeeId"]),
        )

    def end_session(self, handle: SessionHandle) -> None:
        """DeleteMeeting: disconnects everyone; the join tokens stop working."""
        self._call("delete_meeting", MeetingId=self._meeting_id(handle))

    @classmethod
    def _meeting_id(cls, handle: SessionHandle) -> str:
        if (
            not isinstance(handle, SessionHandle)
            or handle.provider != cls.PROVIDER
            or not isinstance(handle.session_id, str)
            or not _GUID.fullmatch(handle.session_id)
        ):
            raise VideoProviderError(VIDEO_SESSION_NOT_FOUND)
        return handle.session_id

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One Chime call, its failures as VideoProviderError. Logs the operation and error code
        only: never the parameters or the response (tokens, external ids)."""
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**params)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            kind = _error_kind(code)
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if kind == VIDEO_PROVIDER_REJECTED and isinstance(status, int) and status >= 500:
                kind = VIDEO_PROVIDER_UNAVAILABLE
            logger.warning(
                "video provider call failed",
                extra={"provider": self.PROVIDER, "operation": operation, "error_code": code, "kind": kind},
            )
            raise VideoProviderError(kind) from None
        except ParamValidationError:
            raise
        except BotoCoreError as err:
            logger.warning(
                "video provider unreachable",
                extra={"provider": self.PROVIDER, "operation": operation, "error": type(err).__name__},
            )
            raise VideoProviderError(VIDEO_PROVIDER_UNAVAILABLE) from None
        return response


class UnconfiguredVideoProvider:
    """No video service is configured for this province (`TONGBAN_VIDEO_PROVIDER=none`, the default
    outside the local stage): every call answers `video_provider_unavailable`, nothing pretends."""

    PROVIDER: Final = "none"

    def create_session(
        self, case_number: str, title: str, starts_at: datetime, participants: Sequence[Participant]
    ) -> SessionHandle:
        raise VideoProviderError(VIDEO_PROVIDER_UNAVAILABLE)

    def join_info(self, handle: SessionHandle, participant_id: str) -> JoinInfo:
        raise VideoProviderError(VIDEO_PROVIDER_UNAVAILABLE)

    def end_session(self, handle: SessionHandle) -> None:
        raise VideoProviderError(VIDEO_PROVIDER_UNAVAILABLE)


def provider_of(video: VideoSettings) -> VideoProvider:
    """The province's configured provider (the settings were checked when they were read)."""
    if video.provider == "chime":
        chime = None
        if video.control_region is not None:
            import boto3

            chime = boto3.session.Session().client("chime-sdk-meetings", region_name=video.control_region)
        return ChimeVideoProvider(video.media_region, client=chime)
    if video.provider == "local":
        return LocalVideoProvider()
    return UnconfiguredVideoProvider()
