"""Video consultation (视频会商收件): the interface to a video provider and what it hands back.

A window clerk (收件窗口), a clerk of the authority (受理地) and the applicant meet over video to
receive a case across provinces. The gateway talks to a `VideoProvider`; two implement it
(`chalicelib.adapters.video`): `LocalVideoProvider`, a stand-in that reaches no video service,
and `ChimeVideoProvider`, over Amazon Chime SDK Meetings.

Nothing is kept by a provider between calls (each Lambda invocation may be a new process): the
caller stores the `SessionHandle` (`as_document` / `from_document`) and hands it back to
`join_info` and `end_session`.

Participants are named by opaque ids only, never by personal data: a provider may show the id to
the other side and keeps it in its own logs. A `JoinInfo.join_token` is a credential: it goes to
its participant only and is never logged (it is left out of the dataclass `repr`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

from chalicelib.domain.identifiers import PARTICIPANT_ID_PATTERN, matches
from chalicelib.domain.regions import is_province

ROLES: Final = frozenset({"window_clerk", "authority_clerk", "applicant"})
MAX_PARTICIPANTS: Final = 250  # Chime's attendee quota of a standard meeting; a sane cap for any provider


VIDEO_PROVIDER_UNAVAILABLE: Final = "video_provider_unavailable"
VIDEO_PROVIDER_REJECTED: Final = "video_provider_rejected"
VIDEO_SESSION_NOT_FOUND: Final = "video_session_not_found"
ERROR_CODES: Final = frozenset({VIDEO_PROVIDER_UNAVAILABLE, VIDEO_PROVIDER_REJECTED, VIDEO_SESSION_NOT_FOUND})


class VideoProviderError(Exception):
    """The provider could not do what was asked. `code` is stable:

    video_provider_unavailable  throttled, down or unreachable: retrying later may succeed
    video_provider_rejected     the provider refused the request (quota, permissions, bad input)
    video_session_not_found     the session does not exist (any more), or the handle is not this
                                provider's
    """

    def __init__(self, code: str, /) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown video provider error code {code!r}")
        self.code = code
        super().__init__(code)

    @property
    def retryable(self) -> bool:
        return self.code == VIDEO_PROVIDER_UNAVAILABLE


def is_participant_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and matches(PARTICIPANT_ID_PATTERN, value)
        and not value.lower().startswith("aws:")  # reserved by Chime
    )


@dataclass(frozen=True)
class Participant:
    """One participant of a session: an opaque id (never personal data), a role and a province."""

    participant_id: str
    role: str  # one of ROLES
    province: str  # GB/T 2260 province code, e.g. 430000

    def __post_init__(self) -> None:
        if not is_participant_id(self.participant_id):
            raise ValueError("participant_id must be 2-64 of [A-Za-z0-9-_.:], not starting with aws:")
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}")
        if not is_province(self.province):
            raise ValueError("province must be a province code")


@dataclass(frozen=True)
class SessionHandle:
    """What a provider returns for a session; the caller keeps it and hands it back.

    `media` holds the provider's media placement URLs (for Chime, the keys of MediaPlacement:
    AudioHostUrl, SignalingUrl, ...), which the participants' clients need to connect.
    """

    provider: str
    session_id: str
    region: str | None
    media: dict[str, str] = field(default_factory=dict)

    def as_document(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "session_id": self.session_id,
            "region": self.region,
            "media": dict(self.media),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> SessionHandle:
        region = doc.get("region")
        media = doc.get("media") or {}
        return cls(
            provider=str(doc["provider"]),
            session_id=str(doc["session_id"]),
            region=None if region is None else str(region),
            media={str(key): str(value) for key, value in media.items()},
        )


@dataclass(frozen=True)
class JoinInfo:
    """What one participant's client needs to join: a join token (a credential) and the media URLs.

    `attendee_id` is the provider's id of the participant in the session, where it has one (the
    Chime client SDK needs it alongside the token).
    """

    session_id: str
    participant_id: str
    join_token: str = field(repr=False)
    media: dict[str, str] = field(default_factory=dict)
    attendee_id: str | None = None


def check_session_request(
    case_number: str, title: str, starts_at: datetime, participants: Sequence[Participant]
) -> None:
    """The checks every provider makes on `create_session` (ValueError: the caller's mistake)."""
    if not isinstance(case_number, str) or not 1 <= len(case_number.strip()) <= 100:
        raise ValueError("case_number must be 1-100 characters")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
        raise ValueError("title must be 1-200 characters")
    if not isinstance(starts_at, datetime) or starts_at.utcoffset() is None:
        raise ValueError("starts_at must be an aware datetime")
    if len(participants) > MAX_PARTICIPANTS:
        raise ValueError(f"at most {MAX_PARTICIPANTS} participants")
    seen: set[str] = set()
    for participant in participants:
        if not isinstance(participant, Participant):
            raise ValueError("participants must be Participant")
        key = participant.participant_id.lower()  # Chime compares external user ids case-insensitively
        if key in seen:
            raise ValueError("participant ids must be unique (case-insensitively)")
        seen.add(key)


class VideoProvider(Protocol):
    """A video meeting service as the gateway uses it."""

    def create_session(
        self, case_number: str, title: str, starts_at: datetime, participants: Sequence[Participant]
    ) -> SessionHandle:
        """Create the session of a case starting at `starts_at` (aware) for `participants`.

        Where the provider can, a retry with the same case and start returns the same session.
        """
        ...

    def join_info(self, handle: SessionHandle, participant_id: str) -> JoinInfo:
        """A join token and the media URLs for one participant of the session."""
        ...

    def end_session(self, handle: SessionHandle) -> None:
        """End the session: disconnect everyone and invalidate the join tokens."""
        ...
