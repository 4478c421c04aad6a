"""视频会商收件: the window and the handling authority hold a video session for a case, each from
their own gateway. Scheduling, joining and ending are acts on the case's audit trail; join tokens
are handed out by the provider at the moment of joining, per participant, never stored.

A session lives at its home gateway (where it was scheduled), which alone holds the provider's
handle. The partner province knows it through the exchange (`video.scheduled`, `video.joined`,
`video.ended`). A clerk of the partner province joins at their own gateway, which asks the home for
their seat by a signed request (`POST /v1/exchange/video-joins`, JWS `tongban-video-join+jws`, like
the signed file fetch); the home checks the signature, that the case is shared with that province
and that the seat is the clerk's, asks the provider for an attendee of that participant, records
the join as the partner's (naming the clerk) and hands the token back in the answer only. The
joining side records its clerk's join on its own chain. See ADR 0014.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.domain.access import is_handling_clerk, is_window_of
from chalicelib.domain.case import Case, VideoSession
from chalicelib.domain.case_acts import Outcome, record
from chalicelib.domain.case_exchange import partner_by
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.clock import Clock, parse_rfc3339, rfc3339, system_clock
from chalicelib.domain.envelope import MAX_AGE, MAX_SKEW, VIDEO_JOIN_KIND, ExchangeRefusal, MessageType
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.record_commands import EndVideo, ScheduleVideo
from chalicelib.domain.video import (
    JOIN_REQUESTS_KEPT,
    Joiner,
    check_join,
    ended_payload,
    joined,
    joined_payload,
    scheduled_payload,
    session_of,
)
from chalicelib.observability import logger
from chalicelib.services.cases import GATEWAY, CaseService, by_of
from chalicelib.services.exchange import RefusalLog, Signer, refusal_record, unverified_claims
from chalicelib.services.jws import verify_jws
from chalicelib.services.partners import PartnerService
from chalicelib.services.video import Participant, SessionHandle, VideoProvider, VideoProviderError

STATUS = {"video_provider_unavailable": 503, "video_session_not_found": 404, "video_provider_rejected": 422}
VIDEO_JOIN_TYPE = "tongban-video-join+jws"
# What the home's answer to a signed join may say, as the joining gateway tells its clerk.
_REMOTE_REFUSALS: dict[str, type[DomainError]] = {
    "case_not_found": NotFound,
    "video_session_not_found": NotFound,
    "video_session_ended": Conflict,
    "video_participant_taken": Conflict,
    "video_participant_not_yours": Forbidden,
    "video_provider_rejected": DomainError,
}


def _problem(err: VideoProviderError) -> DomainError:
    problem = DomainError(err.code)
    problem.status = STATUS.get(err.code, 502)
    return problem


def joiner_of(principal: Principal) -> Joiner:
    return Joiner(
        role=principal.role.value,
        province=principal.province or "",
        subject=principal.subject,
        authority=principal.authority,
        window=principal.window,
    )


def _join_answer(info: Any) -> dict[str, Any]:
    return {
        "session_id": info.session_id,
        "participant_id": info.participant_id,
        "join_token": info.join_token,
        "attendee_id": info.attendee_id,
        "media": dict(info.media),
    }


class Http(Protocol):
    def post(self, url: str, body: dict[str, Any]) -> Any: ...


class VideoSessions:
    def __init__(
        self,
        cases: CaseService,
        provider: Callable[[], VideoProvider],
        *,
        province: str,
        partners: PartnerService | None = None,
        signer: Signer | None = None,
        http: Http | None = None,
        refusals: RefusalLog | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._cases = cases
        self._provider = provider
        self._province = province
        self._partners = partners
        self._signer = signer
        self._http = http
        self._refusals = refusals
        self._clock = clock

    def _case(self, principal: Principal, number: str) -> Case:
        case = self._cases.book.load(number)
        if not (is_window_of(principal, case) or is_handling_clerk(principal, case)):
            raise NotFound("case_not_found")
        return case

    def _is_home(self, session: VideoSession) -> bool:
        return session.home in (None, self._province)

    @staticmethod
    def _shared(case: Case) -> bool:
        """The partner province has the case (a window intake only once it is dispatched)."""
        return case.exchange is not None and case.state is not CaseState.DRAFT

    # — at the session's home —

    def schedule(self, principal: Principal, number: str, command: ScheduleVideo) -> dict[str, Any]:
        case = self._case(principal, number)
        try:
            people = [Participant(p.participant_id, p.role, p.province) for p in command.participants]
        except ValueError:
            raise InvalidInput(
                "validation_failed", errors=[{"field": "participants", "code": "invalid"}]
            ) from None
        starts_at = command.starts_at
        try:
            handle = self._provider().create_session(
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
        messages = self._announce(case, outcome, session)
        self._cases.save_with_messages(case, [outcome], messages)
        kept = session_of(outcome.case, session.session_id)
        return kept.model_dump(mode="json", exclude={"join_requests"})

    def _announce(self, case: Case, outcome: Outcome, session: VideoSession) -> list[dict[str, Any]]:
        """`video.scheduled` to the partner province, if it has the case; the session is marked."""
        if not self._shared(outcome.case):
            return []
        copy = session_of(outcome.case, session.session_id)
        copy.announced = True
        payload = scheduled_payload(outcome.case, copy)
        return self._cases.tell_partner(case, outcome, MessageType.VIDEO_SCHEDULED, payload)

    def announce_pending(self, case: Case) -> None:
        """After a save: a window intake just dispatched announces the sessions scheduled on it
        before (the handling province had no case to show them on until now). Idempotent: a
        session is marked announced in the same write as its message; a failure is retried on the
        case's next save."""
        pending = [
            s for s in case.video_sessions if not s.announced and s.ended_at is None and self._is_home(s)
        ]
        if not pending or not self._shared(case):
            return
        try:
            outcome = record(case, "video_announced", GATEWAY, self._cases.now(), {"sessions": len(pending)})
            messages: list[dict[str, Any]] = []
            before = case
            for session in pending:
                messages += self._announce(before, outcome, session)
                before = outcome.case  # the next message takes the next sequence number
            self._cases.save_with_messages(case, [outcome], messages)
        except Exception as err:  # the dispatch committed: the next save of the case announces them
            code = err.code if isinstance(err, DomainError) else type(err).__name__
            logger.warning("video sessions not announced yet", extra={"case": case.number, "code": code})

    def join(self, principal: Principal, number: str, session_id: str, participant_id: str) -> dict[str, Any]:
        """The caller joins their own seat: at the home, from the provider; elsewhere, by a signed
        request to the home. Both chains name the person who joined."""
        case = self._case(principal, number)
        session = session_of(case, session_id)
        joiner = joiner_of(principal)
        check_join(session, participant_id, joiner)
        now = self._cases.now()
        if not self._is_home(session):
            assert session.home is not None
            answer = self._remote_join(case, session.home, session_id, participant_id, joiner)
            outcome = joined(
                case, session_id, participant_id, joiner, by_of(principal), now, home=session.home
            )
            self._cases.save(case, [outcome])
            return answer
        try:
            info = self._provider().join_info(SessionHandle.from_document(session.handle), participant_id)
        except VideoProviderError as err:
            raise _problem(err) from None
        outcome = joined(case, session_id, participant_id, joiner, by_of(principal), now)
        messages = []
        if session.announced and self._shared(case):
            payload = joined_payload(session_id, participant_id, joiner, now)
            messages = self._cases.tell_partner(case, outcome, MessageType.VIDEO_JOINED, payload)
        self._cases.save_with_messages(case, [outcome], messages)
        return _join_answer(info)

    def end(self, principal: Principal, number: str, session_id: str, command: EndVideo) -> dict[str, Any]:
        case = self._case(principal, number)
        session = session_of(case, session_id)
        if not self._is_home(session):
            raise Conflict("video_session_held_elsewhere", home=session.home)
        if session.ended_at is None:
            try:
                self._provider().end_session(SessionHandle.from_document(session.handle))
            except VideoProviderError as err:
                if err.code != "video_session_not_found":  # ended by the provider already
                    raise _problem(err) from None
        now = self._cases.now()
        details = {
            "session_id": session_id,
            "outcome": command.outcome,
            "consent_recorded": command.consent_recorded,
        }
        outcome = record(case, "video_ended", by_of(principal), now, details)
        ended = session_of(outcome.case, session_id)
        ended.outcome, ended.consent_recorded, ended.ended_at = command.outcome, command.consent_recorded, now
        ended.recording_key = command.recording_key
        messages = []
        if ended.announced and self._shared(case):
            messages = self._cases.tell_partner(case, outcome, MessageType.VIDEO_ENDED, ended_payload(ended))
        self._cases.save_with_messages(case, [outcome], messages)
        return ended.model_dump(mode="json", exclude={"join_requests"})

    def serve_join(self, token: str) -> dict[str, Any]:
        """A partner's signed request for its clerk's seat in a session held here. Every refusal is
        recorded for the operators, as a refused message or file fetch is."""
        claims: dict[str, Any] = {}
        try:
            claims = unverified_claims(token)
            return self._serve_join(token, claims)
        except (ExchangeRefusal, NotFound) as refusal:
            if self._refusals is not None:
                at = rfc3339(self._clock())
                self._refusals.record_refusal(refusal_record(refusal.code, claims, at, VIDEO_JOIN_KIND))
            raise

    def _serve_join(self, token: str, unverified: dict[str, Any]) -> dict[str, Any]:
        assert self._partners is not None
        partner = self._partners.get(str(unverified.get("from", "")))
        if partner is None:
            raise ExchangeRefusal("unknown_sender")
        claims = verify_jws(token, partner.trusted().jwks, VIDEO_JOIN_TYPE)
        now = self._clock()
        try:
            sent_at = parse_rfc3339(claims.get("sent_at"))
            info = claims["joiner"]
            joiner = Joiner(
                role=str(info["role"]),
                province=str(info["province"]),
                subject=str(info["subject"]),
                authority=None if info.get("authority") is None else str(info["authority"]),
                window=None if info.get("window") is None else str(info["window"]),
            )
            request_id, session_id = str(claims["id"]), str(claims["session_id"])
            participant_id = str(claims["participant_id"])
        except (ValueError, KeyError, TypeError):
            raise ExchangeRefusal("envelope_malformed") from None
        if claims.get("to") != self._province:
            raise ExchangeRefusal("message_not_addressed_here")
        if sent_at < now - MAX_AGE:
            raise ExchangeRefusal("message_stale")
        if sent_at > now + MAX_SKEW:
            raise ExchangeRefusal("message_from_the_future")
        case = self._cases.book.find(str(claims.get("case")))
        if case is None or case.exchange is None or case.exchange.partner != partner.code:
            raise NotFound("case_not_found")  # a partner sees only the cases it shares
        session = session_of(case, session_id)
        if not self._is_home(session):
            raise NotFound("video_session_not_found")
        if request_id in session.join_requests:
            raise ExchangeRefusal("message_id_reused")
        if joiner.province != partner.code or not _seat_in_case(case, joiner):
            raise Forbidden("video_participant_not_yours", participant_id=participant_id)
        check_join(session, participant_id, joiner)
        try:
            result = self._provider().join_info(SessionHandle.from_document(session.handle), participant_id)
        except VideoProviderError as err:
            raise _problem(err) from None
        outcome = joined(
            case, session_id, participant_id, joiner, partner_by(partner.code), self._cases.now()
        )
        kept = session_of(outcome.case, session_id)
        kept.join_requests = [*kept.join_requests, request_id][-JOIN_REQUESTS_KEPT:]
        self._cases.save(case, [outcome])
        return _join_answer(result)

    # — at the partner's side —

    def _remote_join(
        self, case: Case, home: str, session_id: str, participant_id: str, joiner: Joiner
    ) -> dict[str, Any]:
        assert self._partners is not None and self._signer is not None and self._http is not None
        partner = self._partners.require(home)
        token = self._signer.sign_jws(
            {
                "id": str(uuid.uuid4()),
                "case": case.number,
                "session_id": session_id,
                "participant_id": participant_id,
                "joiner": joiner.record(),
                "from": self._province,
                "to": partner.code,
                "sent_at": rfc3339(self._clock()),
            },
            VIDEO_JOIN_TYPE,
        )
        answer = self._http.post(f"{partner.endpoint}/v1/exchange/video-joins", {"request": token})
        if answer.status == 200 and isinstance(answer.body.get("join_token"), str):
            return {
                k: answer.body.get(k)
                for k in ("session_id", "participant_id", "join_token", "attendee_id", "media")
            }
        code = str(answer.body.get("code", ""))
        logger.warning(
            "video join refused by the session's home",
            extra={"case": case.number, "home": home, "status": answer.status, "code": code},
        )
        refusal = _REMOTE_REFUSALS.get(code)
        if refusal is None:
            raise _problem(VideoProviderError("video_provider_unavailable"))
        problem = refusal(code)
        if refusal is DomainError:
            problem.status = STATUS.get(code, 422)
        raise problem


def _seat_in_case(case: Case, joiner: Joiner) -> bool:
    """The partner's clerk is a party to the case: its handling authority, or its intake window."""
    if joiner.role == "authority_clerk":
        return joiner.province == case.handler.province and joiner.authority == case.handler.authority
    if joiner.role == "window_clerk":  # the handling side's copy knows the window's province only
        intake = case.intake
        if intake is not None:
            return joiner.province == intake.province and joiner.window == intake.window
        return case.exchange is not None and case.origin_province == joiner.province
    return False
