"""Bodies and answers of the walk-in applicant's routes (public progress and rating by 查询码),
the window's rating device, the read mark of notices and the local SMS stand-in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from chalicelib.api.bodies import RequestBody as _In
from chalicelib.api.bodies import ResponseBody as _Out
from chalicelib.api.case_schemas import Progress, RatingRequest
from chalicelib.domain.case import RatingLevel, RatingTarget
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.catalog_terms import Delivery, Mode
from chalicelib.domain.record_commands import RateByLink


class PublicRatingRequest(RatingRequest):
    """好差评 through the public link: the 查询码 of the receipt is the credential."""

    code: str = Field(max_length=20, description="查询码 printed on the receipt (case and spaces forgiven)")

    def to_command(self) -> RateByLink:
        return RateByLink(code=self.code, rating=self.to_rating())


class ReadRequest(_In):
    up_to: datetime | None = Field(
        default=None, description="mark every notice at or before this time read (default: now)"
    )


class ReadOut(_Out):
    read_up_to: datetime | None
    unread: int


class Place(_Out):
    province: str
    province_name: str


class Handling(Place):
    authority_name: str


class Milestone(_Out):
    at: datetime
    state: CaseState
    description: str


class PublicResult(_Out):
    delivery: Delivery
    title: str
    issued_at: datetime | None
    delivered_at: datetime | None


class PublicRating(_Out):
    target: RatingTarget
    rated: bool
    level: RatingLevel | None
    rated_at: datetime | None
    open: bool = Field(description="may be rated now (after the result, once per target)")


class PublicFollowUp(_Out):
    actions: str
    applicant_feedback: str
    at: datetime | None


class PublicRectification(_Out):
    target: RatingTarget
    status: Literal["open", "closed"]
    opened_at: datetime | None
    due: date
    follow_up: PublicFollowUp | None


class PublicLinks(_Out):
    progress: str = Field(description="GET with ?code=")
    rating: str = Field(description="POST with the code in the body")


class PublicProgress(_Out):
    """The progress card of a walk-in applicant's case: no personal data."""

    number: str
    item_code: str
    item_name: str
    mode: Mode
    handling: Handling
    intake: Place | None
    submitted_at: datetime | None
    progress: Progress
    milestones: list[Milestone]
    result: PublicResult | None
    ratings: list[PublicRating]
    rectifications: list[PublicRectification]
    links: PublicLinks


class DevSms(_Out):
    id: str
    case: str
    to: str = Field(description="the phone, masked")
    text: str
    template: str
    reference: str
    at: datetime


class DevSmsList(_Out):
    items: list[DevSms]
