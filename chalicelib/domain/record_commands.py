"""Commands that record something on a case without an act of the state table: a material upload
(上传材料), 好差评 and its 回访, a reveal of personal data in clear (查看明文), 视频会商.

Frozen and typed like the act commands (ADR 0019): built by the request models (`to_command()`)
from input already validated, read by the use cases (`services/materials.py`, `ratings.py`,
`walkin.py`, `reveal.py`, `video_sessions.py`), so no use case reads a `dict` of request fields.
Rating levels and targets and reveal purposes are the domain's own enums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.case import RatingLevel, RatingTarget
from chalicelib.domain.reveal import RevealPurpose


@dataclass(frozen=True, slots=True)
class RequestUpload:
    """A presigned upload for one file of a slot, bound to its type, size and SHA-256."""

    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Rate:
    """好差评 of the handling authority's service, or (a window intake) of the window's own."""

    level: RatingLevel
    tags: tuple[str, ...] = ()
    comment: str | None = None
    target: RatingTarget = RatingTarget.AUTHORITY


@dataclass(frozen=True, slots=True)
class RateByLink:
    """好差评 through the public link: the receipt's 查询码 is the credential."""

    code: str
    rating: Rate


@dataclass(frozen=True, slots=True)
class CloseRectification:
    """回访 that closes a rectification (整改): what was done and what the applicant said."""

    actions: str
    applicant_feedback: str


@dataclass(frozen=True, slots=True)
class Reveal:
    """查看明文: which personal fields to see in clear, and why (`note` required for `other`)."""

    fields: tuple[str, ...]
    purpose: RevealPurpose
    note: str | None = None


@dataclass(frozen=True, slots=True)
class VideoParticipant:
    """One participant of a video session: an opaque id, a role and a province (no personal data)."""

    participant_id: str
    role: str
    province: str


@dataclass(frozen=True, slots=True)
class ScheduleVideo:
    """视频会商 scheduled for the case with its participants."""

    starts_at: datetime
    participants: tuple[VideoParticipant, ...]


@dataclass(frozen=True, slots=True)
class EndVideo:
    """A session ended: its outcome, whether consent was recorded, the recording object."""

    outcome: str
    consent_recorded: bool
    recording_key: str | None = None
