"""视频会商 across provinces: who may join which participant of a session, and how the exchange's
video messages change a case's copy of its sessions.

Invariants:
- A session lives at its home gateway (the province where it was scheduled): only the home holds the
  provider's handle and asks the provider for join tokens. The other province's copy knows the
  session (`video.scheduled`), its joins (`video.joined`) and its end (`video.ended`), never a handle.
- A participant is a seat (an opaque id, a role, a province); a person joins only a seat of their own
  role and province, and the first person to join a seat holds it: nobody fetches a join token in
  another person's name. The applicant's seat is the window's to open (the applicant is at the
  window, 现场), recorded as such.
- A session that has ended is joined by nobody.
- Join tokens are credentials: never in a case, an event or a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from chalicelib.domain.case import Case, VideoSession
from chalicelib.domain.case_acts import By, Outcome, record
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.domain.messages import VideoEnded, VideoJoined, VideoPayload, VideoScheduled

APPLICANT_SEAT: Final = "applicant"
JOIN_REQUESTS_KEPT: Final = 50  # ids of signed join requests a session remembers (replays refused)


@dataclass(frozen=True)
class Joiner:
    """The person joining: their role, province and subject (an account id, never personal data),
    and the office (authority or window) they act for."""

    role: str
    province: str
    subject: str
    authority: str | None = None
    window: str | None = None

    def record(self) -> dict[str, str]:
        """As events and messages name them."""
        fields = {
            "role": self.role,
            "province": self.province,
            "subject": self.subject,
            "authority": self.authority,
            "window": self.window,
        }
        return {k: v for k, v in fields.items() if v is not None}


def session_of(case: Case, session_id: str) -> VideoSession:
    session = next((s for s in case.video_sessions if s.session_id == session_id), None)
    if session is None:
        raise NotFound("video_session_not_found")
    return session


def seat_of(session: VideoSession, participant_id: str) -> dict[str, str]:
    seat = next((p for p in session.participants if p["participant_id"] == participant_id), None)
    if seat is None:
        raise NotFound("video_session_not_found")
    return seat


def check_join(session: VideoSession, participant_id: str, joiner: Joiner) -> dict[str, str]:
    """The seat `joiner` may take, or the refusal: ended (409), not theirs (403), held by another (409)."""
    seat = seat_of(session, participant_id)
    if session.ended_at is not None:
        raise Conflict("video_session_ended", session_id=session.session_id)
    if seat["role"] == APPLICANT_SEAT:
        mine = joiner.role == "window_clerk" and seat["province"] == joiner.province
    else:
        mine = seat["role"] == joiner.role and seat["province"] == joiner.province
    if not mine:
        raise Forbidden("video_participant_not_yours", participant_id=participant_id)
    holder = seat.get("joined_by")
    if holder is not None and holder != joiner.subject:
        raise Conflict("video_participant_taken", participant_id=participant_id)
    return seat


def joined(
    case: Case, session_id: str, participant_id: str, joiner: Joiner, by: By, at: datetime, **extra: Any
) -> Outcome:
    """The join on this side's audit chain; the seat is held by the joiner from now on."""
    details = {
        "session_id": session_id,
        "participant_id": participant_id,
        "joiner": joiner.record(),
        **extra,
    }
    act = "video_joined" if by.role != "partner" else "partner_video_joined"
    outcome = record(case, act, by, at, details)
    seat = seat_of(session_of(outcome.case, session_id), participant_id)
    seat.setdefault("joined_by", joiner.subject)
    seat.setdefault("joined_at", rfc3339(at))
    return outcome


# — the exchange's video messages —


def scheduled_payload(case: Case, session: VideoSession) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "provider": session.provider,
        "title": f"{case.item_name} 视频会商",
        "scheduled_for": rfc3339(session.scheduled_for),
        "participants": [
            {"participant_id": p["participant_id"], "role": p["role"], "province": p["province"]}
            for p in session.participants
        ],
    }


def ended_payload(session: VideoSession) -> dict[str, Any]:
    assert session.ended_at is not None and session.outcome is not None
    return {
        "session_id": session.session_id,
        "ended_at": rfc3339(session.ended_at),
        "outcome": session.outcome,
        "consent_recorded": session.consent_recorded,
    }


def joined_payload(session_id: str, participant_id: str, joiner: Joiner, at: datetime) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "participant_id": participant_id,
        "joiner": joiner.record(),
        "at": rfc3339(at),
    }


def apply_scheduled(case: Case, payload: VideoScheduled, by: By, at: datetime) -> Outcome:
    """The partner's session, known here: no handle (its home keeps it). A duplicate is noted only."""
    sid = payload.session_id
    details = {"session_id": sid, "participants": len(payload.participants)}
    if any(s.session_id == sid for s in case.video_sessions):
        return record(case, "partner_video_scheduled", by, at, {**details, "noted": True})
    outcome = record(case, "partner_video_scheduled", by, at, details)
    outcome.case.video_sessions.append(
        VideoSession(
            session_id=sid,
            provider=payload.provider,
            scheduled_for=payload.scheduled_for,
            participants=[p.model_dump(mode="json") for p in payload.participants],
            home=by.province,
            announced=True,
        )
    )
    return outcome


def apply_joined(case: Case, payload: VideoJoined, by: By, at: datetime) -> Outcome:
    """A join at the session's home by one of its own people, on this side's chain too."""
    info = payload.joiner
    joiner = Joiner(
        role=info.role,
        province=info.province,
        subject=info.subject,
        authority=info.authority,
        window=info.window,
    )
    sid, pid = payload.session_id, payload.participant_id
    try:
        return joined(case, sid, pid, joiner, by, payload.at)
    except NotFound:  # a session this copy never heard of: the join is on record only
        details = {"session_id": sid, "participant_id": pid, "joiner": joiner.record(), "noted": True}
        return record(case, "partner_video_joined", by, at, details)


def apply_ended(case: Case, payload: VideoEnded, by: By, at: datetime) -> Outcome:
    sid = payload.session_id
    outcome = record(case, "partner_video_ended", by, at, {"session_id": sid})
    session = next((s for s in outcome.case.video_sessions if s.session_id == sid), None)
    if session is None:
        outcome.event["details"]["noted"] = True
        return outcome
    if session.ended_at is None:
        session.ended_at = payload.ended_at
        session.outcome = payload.outcome
        session.consent_recorded = payload.consent_recorded
    return outcome


def apply_video_message(case: Case, payload: VideoPayload, by: By, at: datetime) -> Outcome:
    """The partner's video message (`video.scheduled`, `video.joined`, `video.ended`) on this copy."""
    if isinstance(payload, VideoScheduled):
        return apply_scheduled(case, payload, by, at)
    if isinstance(payload, VideoJoined):
        return apply_joined(case, payload, by, at)
    return apply_ended(case, payload, by, at)
