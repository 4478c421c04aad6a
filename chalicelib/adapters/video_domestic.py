"""A SKELETON of a domestic video provider behind `VideoProvider`: 腾讯会议 (Tencent Meeting) REST API.

NOT YET REACHABLE FROM HERE, and not selectable by configuration: no credentials, no network path
from this deployment to `api.meeting.qq.com`, and the request shapes below are taken from the
service's public API pages (create: `POST /v1/meetings`; cancel: `POST /v1/meetings/{id}/cancel`)
and must be confirmed against the contract the province signs before use. Every call ends in
`video_provider_unavailable` at `_send`, so nothing pretends to work.

What it shows is how such an adapter fits the interface (docs/video-providers.md):
- `create_session` builds one scheduled meeting; participants stay opaque on the gateway's side;
- `join_info` needs a credential for that participant only: the adapter must obtain one from the
  service per participant at the moment of joining (a meeting-wide join URL or password does NOT
  meet the gateway's rule and must not be returned);
- `end_session` cancels the meeting;
- the service's request signing (AK/SK headers) and its secrets belong in `_send`, from the
  deployment's secret store; nothing is logged but the operation and the service's error code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, NoReturn

from chalicelib.observability import logger
from chalicelib.services.video import (
    VIDEO_PROVIDER_UNAVAILABLE,
    VIDEO_SESSION_NOT_FOUND,
    JoinInfo,
    Participant,
    SessionHandle,
    VideoProviderError,
    check_session_request,
    is_participant_id,
)

DEFAULT_LENGTH: Final = timedelta(hours=1)
INSTANCE_WEB: Final = 5  # the service's terminal type for a web client


class TencentMeetingVideoProvider:
    """Skeleton (not reachable from here): the gateway's VideoProvider over 腾讯会议's REST API."""

    PROVIDER: Final = "tencent_meeting"
    BASE_URL: Final = "https://api.meeting.qq.com"

    def __init__(self, operator_userid: str) -> None:
        # the enterprise account that creates the meetings (the service's `userid`), never a clerk's
        self._operator = operator_userid

    def create_session(
        self, case_number: str, title: str, starts_at: datetime, participants: Sequence[Participant]
    ) -> SessionHandle:
        check_session_request(case_number, title, starts_at, participants)
        body = self.create_request(title, starts_at)
        answer = self._send("POST", "/v1/meetings", body)
        meeting = (answer.get("meeting_info_list") or [{}])[0]
        return SessionHandle(provider=self.PROVIDER, session_id=str(meeting["meeting_id"]), region=None)

    def create_request(self, title: str, starts_at: datetime) -> dict[str, Any]:
        """The body of `POST /v1/meetings`: a scheduled meeting; no invitees (the gateway's
        participants are opaque ids, not the service's accounts)."""
        start = int(starts_at.timestamp())
        return {
            "userid": self._operator,
            "instanceid": INSTANCE_WEB,
            "subject": title[:200],
            "type": 0,  # scheduled
            "start_time": str(start),
            "end_time": str(start + int(DEFAULT_LENGTH.total_seconds())),
        }

    def join_info(self, handle: SessionHandle, participant_id: str) -> JoinInfo:
        self._meeting_id(handle)  # a foreign handle is not found before anything else
        if not is_participant_id(participant_id):
            raise ValueError("participant_id must be 2-64 of [A-Za-z0-9-_.:], not starting with aws:")
        # To be built with the service: a credential for this participant of this meeting only (see
        # the module note); until then nothing is handed out.
        self._unreachable("join")

    def end_session(self, handle: SessionHandle) -> None:
        meeting_id = self._meeting_id(handle)
        body = {"userid": self._operator, "instanceid": INSTANCE_WEB, "reason_code": 1}
        self._send("POST", f"/v1/meetings/{meeting_id}/cancel", body)

    @classmethod
    def _meeting_id(cls, handle: SessionHandle) -> str:
        if not isinstance(handle, SessionHandle) or handle.provider != cls.PROVIDER or not handle.session_id:
            raise VideoProviderError(VIDEO_SESSION_NOT_FOUND)
        return handle.session_id

    def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Where the signed HTTPS call goes once the service is reachable and its secrets are set."""
        self._unreachable(f"{method} {path.rsplit('/', 1)[-1]}")

    def _unreachable(self, operation: str) -> NoReturn:
        logger.warning(
            "video provider not reachable from this deployment",
            extra={"provider": self.PROVIDER, "operation": operation},
        )
        raise VideoProviderError(VIDEO_PROVIDER_UNAVAILABLE)
