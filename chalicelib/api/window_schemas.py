"""Bodies of the window API, for validation and OpenAPI."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from chalicelib.api.bodies import RequestBody as _In
from chalicelib.api.bodies import ResponseBody as _Out
from chalicelib.api.case_schemas import ApplicantIn, FileId, ItemCode, ProvinceCode
from chalicelib.domain import identifiers as ids
from chalicelib.domain.intake_commands import CheckOriginal, IdentityShown, OpenIntake, RecordConsent
from chalicelib.domain.record_commands import EndVideo, ScheduleVideo, VideoParticipant
from chalicelib.domain.shipment_commands import (
    CheckOriginalHere,
    RecordShipment,
    RecordShipmentEvent,
    ReturnOriginals,
)

Short = Annotated[str, Field(min_length=1, max_length=200)]
ParticipantId = Annotated[str, Field(pattern=ids.PARTICIPANT_ID_PATTERN)]


class IdentityCheckIn(_In):
    method: Literal["id_card_reader", "face_match", "manual"]
    document: Short

    def given(self) -> IdentityShown:
        return IdentityShown(method=self.method, document=self.document)


# A binding code (绑定码) as the applicant's app shows it (QR): a compact JWS signed by the gateway
# of the applicant's own province. It is the only way to link an app account to an intake.
BindingCodeText = Annotated[str, Field(min_length=20, max_length=2000, pattern=ids.JWS_PATTERN)]


class BindingCodeOut(_Out):
    """A short-lived, single-use binding code: show `code` to the window as a QR code."""

    code: str
    province: str
    issued_at: str
    expires_at: str


class AppAccountBindRequest(_In):
    """The binding code the applicant's app shows, so the case and its notices — a 补正 request
    too — also reach the applicant there."""

    binding_code: BindingCodeText


class IntakeRequest(_In):
    item_code: ItemCode
    province: ProvinceCode  # the handling province
    applicant: ApplicantIn
    identity_check: IdentityCheckIn
    binding_code: BindingCodeText | None = None  # the applicant's app account, proven by its code
    form: dict[str, object] = Field(default_factory=dict)

    def to_command(self) -> OpenIntake:
        return OpenIntake(
            item_code=self.item_code,
            province=self.province,
            applicant=self.applicant.given(),
            identity_check=self.identity_check.given(),
            binding_code=self.binding_code,
            form=self.form,
        )


class ConsentRequest(_In):
    method: Literal["paper_scan", "e_sign"]
    file_id: FileId | None = None

    def to_command(self) -> RecordConsent:
        return RecordConsent(method=self.method, file_id=self.file_id)


class OriginalCheckRequest(_In):
    mail_original: bool = False

    def to_command(self) -> CheckOriginal:
        return CheckOriginal(mail_original=self.mail_original)


class HandoverRequest(_In):
    to_whom: Short
    identity_checked: bool


class ShipmentRequest(_In):
    direction: Literal["to_handler", "from_handler", "to_applicant"]
    carrier: Short
    tracking_number: Annotated[str, Field(min_length=1, max_length=50)]
    contents: list[Short] = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=500)

    def to_command(self) -> RecordShipment:
        return RecordShipment(
            direction=self.direction,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            contents=tuple(self.contents),
            note=self.note,
        )


class ShipmentEventRequest(_In):
    status: Literal["in_transit", "delivered", "returned"]
    note: str | None = Field(default=None, max_length=500)

    def to_command(self) -> RecordShipmentEvent:
        return RecordShipmentEvent(status=self.status, note=self.note)


class ShipmentEvent(_Out):
    status: str
    at: str
    note: str | None
    province: str | None = None  # where it was recorded (the window's or the handling province)


class Shipment(_Out):
    id: str
    case: str
    direction: str
    carrier: str
    tracking_number: str
    contents: list[str]
    events: list[ShipmentEvent]
    status: str
    province: str | None = None  # the province that recorded the shipment


class ShipmentList(_Out):
    items: list[Shipment]


class OriginalCheckHereRequest(_In):
    """原件核验 at the handling province: the mailed original, arrived, against the scan received."""

    matches: bool
    note: str | None = Field(default=None, max_length=500)
    keep: bool = Field(
        default=False,
        description="原件留存: the authority keeps this original, so it is not returned (it no longer "
        "holds up closing the case)",
    )

    def to_command(self) -> CheckOriginalHere:
        return CheckOriginalHere(matches=self.matches, note=self.note, keep=self.keep)


class OriginalsReturnRequest(_In):
    """原件退还: mailed originals that arrived at the handling province go back by mail."""

    to: Literal["window", "applicant"] = Field(description="the intake window, or the applicant")
    carrier: Short
    tracking_number: Annotated[str, Field(min_length=1, max_length=50)]
    slots: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]] = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=500)

    def to_command(self) -> ReturnOriginals:
        return ReturnOriginals(
            to=self.to,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            slots=tuple(self.slots),
            note=self.note,
        )


class ReceivedMaterial(_Out):
    slot: str
    material: str
    files: int
    original_checked: bool = Field(description="原件核验: the scan was checked against the original")
    original_mailed: bool = Field(description="the original is mailed to the handling authority")
    original: str = Field(description="the original's state in words, in the response's language")


class ReceiptWindow(_Out):
    id: str
    name: str
    address: str | None
    phone: str | None


class ReceiptDelivery(_Out):
    method: Literal["window_pickup", "mail", "electronic"]
    address: str | None = Field(description="the mailing address, masked")
    text: str


class IntakeReceipt(_Out):
    """收件告知单: texts in the response's language (`Content-Language`), names rather than codes."""

    case_number: str
    query_code: str | None = Field(description="查询码: with the case number, opens the public progress page")
    progress_url: str | None = Field(
        description="the public progress and rating page (the receipt's QR code); null when the "
        "gateway has no public base URL configured"
    )
    item_name: str
    applicant: str = Field(description="masked")
    intake_province: str
    window: ReceiptWindow
    handling_province: str = Field(description="the handling province's name")
    handling_province_code: str
    handling_authority: str
    received: list[ReceivedMaterial]
    next_steps: str
    delivery: ReceiptDelivery
    result_delivery: str = Field(description="the chosen delivery in words (same as delivery.text)")
    promised_limit_days: int
    issued_at: str | None
    issued_at_text: str | None = Field(description="Beijing time as written on paper")
    language: Literal["zh", "en"]


class ReceiptPrintLink(_Out):
    """Short-lived signed links that open the printable receipt without a bearer token."""

    pdf_url: str
    html_url: str
    expires_at: str


class VideoParticipantIn(_In):
    participant_id: ParticipantId
    role: Literal["window_clerk", "authority_clerk", "applicant"]
    province: ProvinceCode

    def given(self) -> VideoParticipant:
        return VideoParticipant(participant_id=self.participant_id, role=self.role, province=self.province)


class VideoScheduleRequest(_In):
    starts_at: AwareDatetime
    participants: list[VideoParticipantIn] = Field(min_length=2, max_length=20)

    def to_command(self) -> ScheduleVideo:
        return ScheduleVideo(
            starts_at=self.starts_at, participants=tuple(p.given() for p in self.participants)
        )


class VideoJoinRequest(_In):
    participant_id: ParticipantId


class VideoEndRequest(_In):
    outcome: Annotated[str, Field(min_length=1, max_length=2000)]
    consent_recorded: bool
    recording_key: Annotated[str, Field(min_length=1, max_length=500)] | None = None

    def to_command(self) -> EndVideo:
        return EndVideo(
            outcome=self.outcome, consent_recorded=self.consent_recorded, recording_key=self.recording_key
        )


class VideoSessionOut(_Out):
    session_id: str
    provider: str
    scheduled_for: str
    participants: list[dict[str, str]]
    consent_recorded: bool
    recording_key: str | None
    outcome: str | None
    ended_at: str | None
    handle: dict[str, object]
    home: str | None  # the province whose gateway holds the session (None: this one)
    announced: bool  # known to the partner province


class VideoJoinOut(_Out):
    session_id: str
    participant_id: str
    join_token: str
    attendee_id: str | None
    media: dict[str, str]
