"""视频会商收件: the window and the handling authority hold a video session for a case. Scheduling,
joining and ending are acts on the case's audit trail; join tokens are handed out, never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.case import Case, VideoSession
from chalicelib.domain.case_acts import record
from chalicelib.domain.errors import DomainError, InvalidInput, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.services.cases import CaseService, by_of, is_handling_clerk, is_window_of
from chalicelib.services.video import Participant, SessionHandle, VideoProvider, VideoProviderError

STATUS = {"video_provider_unavailable": 503, "video_session_not_found": 404, "video_provider_rejected": 422}


def _problem(err: VideoProviderError) -> DomainError:
    problem = DomainError(err.code)
    problem.status = STATUS.get(err.code, 502)
    return problem


class VideoSessions:
    def __init__(self, cases: CaseService, provider: VideoProvider) -> None:
        self._cases = cases
        self._provider = provider

    def _case(self, principal: Principal, number: str) -> Case:
        case = self._cases.book.load(number)
        if not (is_window_of(principal, case) or is_handling_clerk(principal, case)):
            raise NotFound("case_not_found")
        return case

    def schedule(self, principal: Principal, number: str, body: dict[str, Any]) -> dict[str, Any]:
        case = self._case(principal, number)
        try:
            people = [Participant(**p) for p in body["participants"]]
        except ValueError:
            raise InvalidInput(
                "validation_failed", errors=[{"field": "participants", "code": "invalid"}]
            ) from None
        starts_at = datetime.fromisoformat(body["starts_at"])
        try:
            handle = self._provider.create_session(
                case.number, f"{case.item_name} 视频会商", starts_at, people
            )
        except VideoProviderError as err:
            raise _problem(err) from None
        session = VideoSession(
            session_id=handle.session_id,
            provider=handle.provider,
            scheduled_for=starts_at,
            participants=[p.__dict__ for p in people],
            handle=handle.as_document(),
        )
        details = {"session_id": session.session_id, "participants": len(people)}
        outcome = record(case, "video_scheduled", by_of(principal), self._cases.now(), details)
        outcome.case.video_sessions.append(session)
        self._cases.save(case, [outcome])
        return session.model_dump(mode="json")

    def join(self, principal: Principal, number: str, session_id: str, participant_id: str) -> dict[str, Any]:
        case = self._case(principal, number)
        session = self._session(case, session_id)
        if participant_id not in [p["participant_id"] for p in session.participants]:
            raise NotFound("video_session_not_found")
        try:
            info = self._provider.join_info(SessionHandle.from_document(session.handle), participant_id)
        except VideoProviderError as err:
            raise _problem(err) from None
        details = {"session_id": session_id, "participant_id": participant_id}
        self._cases.save(case, [record(case, "video_joined", by_of(principal), self._cases.now(), details)])
        return {
            "session_id": info.session_id,
            "participant_id": info.participant_id,
            "join_token": info.join_token,
            "attendee_id": info.attendee_id,
            "media": info.media,
        }

    def end(self, principal: Principal, number: str, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        case = self._case(principal, number)
        session = self._session(case, session_id)
        if session.ended_at is None:
            try:
                self._provider.end_session(SessionHandle.from_document(session.handle))
            except VideoProviderError as err:
                if err.code != "video_session_not_found":  # ended by the provider already
                    raise _problem(err) from None
        now = self._cases.now()
        details = {
            "session_id": session_id,
            "outcome": body["outcome"],
            "consent_recorded": body["consent_recorded"],
        }
        outcome = record(case, "video_ended", by_of(principal), now, details)
        ended = next(s for s in outcome.case.video_sessions if s.session_id == session_id)
        ended.outcome, ended.consent_recorded, ended.ended_at = body["outcome"], body["consent_recorded"], now
        ended.recording_key = body.get("recording_key")
        self._cases.save(case, [outcome])
        return ended.model_dump(mode="json")

    @staticmethod
    def _session(case: Case, session_id: str) -> VideoSession:
        session = next((s for s in case.video_sessions if s.session_id == session_id), None)
        if session is None:
            raise NotFound("video_session_not_found")
        return session
