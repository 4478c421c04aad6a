"""Request and response bodies of the case APIs (applicant, authority), for validation and OpenAPI.

A request of a case act turns itself into the act's domain command (`to_command(act)`,
`chalicelib.domain.commands`): the route validates the body here and hands the domain a typed
command, never a dict. The request models are not the commands themselves because they carry
what only HTTP needs — the contract's names (one model, `NoteRequest`, serves five acts), its
length and pattern limits, whitespace stripping, unknown fields refused — while a command is
also built from a partner's message or by the joint coordinator, where none of that applies, and
must stay importable without pydantic on a cold start.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from chalicelib.api.bodies import RequestBody as _In
from chalicelib.api.bodies import ResponseBody as _Out
from chalicelib.domain import identifiers as ids
from chalicelib.domain.case import (
    ActingFor,
    AnswerRef,
    CaseExchange,
    Decision,
    Entrustment,
    Intake,
    JointLink,
    Part,
    Pause,
    Rating,
    RatingLevel,
    RatingTarget,
    RectificationNote,
    Refusal,
    ResultRecord,
    Supplement,
    SupplementItem,
    Suspension,
    SuspensionProcedure,
    SyncIssue,
    VideoSession,
)
from chalicelib.domain.case_states import Act, CaseState
from chalicelib.domain.catalog_terms import Delivery, Mode
from chalicelib.domain.commands import (
    Accept,
    AcceptAndDecide,
    Command,
    Decide,
    Deliver,
    Discard,
    IssueResult,
    Refuse,
    RequestSupplement,
    ReturnPreReview,
    Suspend,
    Withdraw,
    noted,
)
from chalicelib.domain.identity import SubjectKind
from chalicelib.domain.intake_commands import ApplicantGiven, OpenDraft, UpdateForm
from chalicelib.domain.record_commands import CloseRectification, Rate, RequestUpload, Reveal
from chalicelib.domain.reveal import MAX_FIELDS, NOTE_MAX_LENGTH, RevealPurpose

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]  # as a client computes it: either case
SlotCode = Annotated[str, Field(pattern=ids.SLOT_PATTERN)]
ItemCode = Annotated[str, Field(pattern=ids.ITEM_CODE_PATTERN)]
ProvinceCode = Annotated[str, Field(pattern=ids.PROVINCE_CODE_PATTERN)]
FileId = Annotated[str, Field(pattern=ids.FILE_ID_PATTERN)]


# — requests —


class ApplicantIn(_In):
    """申请人 checked in person at a window. Checked: the name's script, the ID number's GB 11643 check
    digit, a mainland mobile. A legal person adds its `credit_code` (GB 32100) and `entity_name`;
    name, ID number and phone are then those of the employee present (经办人)."""

    name: Annotated[str, Field(min_length=1, max_length=50)]
    id_number: Annotated[str, Field(min_length=18, max_length=18)]
    phone: Annotated[str, Field(min_length=11, max_length=11)]
    credit_code: Annotated[str, Field(min_length=18, max_length=18)] | None = None
    entity_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    def given(self) -> ApplicantGiven:
        return ApplicantGiven(
            name=self.name,
            id_number=self.id_number,
            phone=self.phone,
            credit_code=self.credit_code,
            entity_name=self.entity_name,
        )


class NamedApplicantIn(_In):
    """Who the caller says they are; optional, and it must be the token's verified identity. Only
    `phone` adds anything: the contact number when the token carries none."""

    name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    id_number: Annotated[str, Field(min_length=18, max_length=18)] | None = None
    phone: Annotated[str, Field(min_length=11, max_length=11)] | None = None
    credit_code: Annotated[str, Field(min_length=18, max_length=18)] | None = None

    def given(self) -> ApplicantGiven:
        return ApplicantGiven(
            name=self.name, id_number=self.id_number, phone=self.phone, credit_code=self.credit_code
        )


class DraftRequest(_In):
    """A draft at this province's gateway; `province`, if given, must be the gateway's own (a case
    for another province is forwarded through the exchange, which this route does not do)."""

    item_code: ItemCode
    province: ProvinceCode | None = None
    mode: Literal["full_online", "joint"] | None = (
        None  # default: full_online, or joint for a joint-only item
    )
    applicant: NamedApplicantIn | None = None
    on_behalf_of: ApplicantIn | None = Field(
        default=None,
        description="委托代办: the applicant (委托人) the caller files for as their agent (代理人); the "
        "case then needs an entrustment (授权委托书 verified by the clerk, or the principal's own "
        "authorisation) before the principal's e-licences are used and the case is accepted",
    )
    form: dict[str, Any] = Field(default_factory=dict)

    def to_command(self) -> OpenDraft:
        return OpenDraft(
            item_code=self.item_code,
            province=self.province,
            mode=Mode(self.mode) if self.mode else None,
            applicant=self.applicant.given() if self.applicant is not None else None,
            on_behalf_of=self.on_behalf_of.given() if self.on_behalf_of is not None else None,
            form=self.form,
        )


class FormRequest(_In):
    form: dict[str, Any]

    def to_command(self) -> UpdateForm:
        return UpdateForm(form=self.form)


class UploadRequest(_In):
    filename: Short
    content_type: Annotated[str, Field(min_length=3, max_length=100)]
    size: int = Field(gt=0, le=50 * 1024 * 1024)
    sha256: Sha256

    def to_command(self) -> RequestUpload:
        return RequestUpload(
            filename=self.filename, content_type=self.content_type, size=self.size, sha256=self.sha256
        )


class LicenceRequest(_In):
    reference: Short


class NoteRequest(_In):
    note: str | None = Field(default=None, max_length=2000)

    def to_command(self, act: Act) -> Command:
        return noted(act, self.note)


class WithdrawRequest(_In):
    reason: str | None = Field(default=None, max_length=2000)

    def to_command(self, act: Act) -> Command:
        """撤回 (`withdraw`) or 删除草稿 (`discard`), with the applicant's reason."""
        return Discard(reason=self.reason) if act is Act.DISCARD else Withdraw(reason=self.reason)


class RatingRequest(_In):
    level: RatingLevel
    tags: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list, max_length=10
    )
    comment: str | None = Field(default=None, max_length=500)
    target: RatingTarget = Field(
        default=RatingTarget.AUTHORITY,
        description="评价对象: the handling authority, or (a window intake only) the window's own service",
    )

    def to_rating(self) -> Rate:
        return Rate(level=self.level, tags=tuple(self.tags), comment=self.comment, target=self.target)


class ReturnRequest(_In):
    reasons: list[Text] = Field(min_length=1, max_length=50)

    def to_command(self, act: Act) -> Command:
        return ReturnPreReview(reasons=tuple(self.reasons))


class AcceptRequest(_In):
    """受理; with `deferred_materials` and the applicant's `commitment` it is 容缺受理."""

    deferred_materials: list[SlotCode] = Field(default_factory=list, max_length=20)
    commitment: str | None = Field(default=None, max_length=2000)

    def to_command(self, act: Act) -> Command:
        return Accept(deferred_materials=tuple(self.deferred_materials), commitment=self.commitment)


class RefuseRequest(_In):
    reason: Text
    legal_basis: Short

    def to_command(self, act: Act) -> Command:
        return Refuse(reason=self.reason, legal_basis=self.legal_basis)


class SupplementRequest(_In):
    """补正, 一次性告知: everything missing, at once."""

    items: list[SupplementItem] = Field(min_length=1, max_length=50)

    def to_command(self, act: Act) -> Command:
        return RequestSupplement(items=tuple(self.items))


class SuspendRequest(_In):
    procedure: SuspensionProcedure
    reason: Text

    def to_command(self, act: Act) -> Command:
        return Suspend(procedure=self.procedure, reason=self.reason)


class DecideRequest(_In):
    approved: bool
    reasons: list[Text] = Field(default_factory=list, max_length=50)
    legal_basis: Short | None = None
    on_commitment: bool = False

    def to_command(self, act: Act) -> Command:
        """作出决定 (`decide`) or, for an immediate item, 当场受理并办结 (`accept_and_decide`)."""
        kind = AcceptAndDecide if act is Act.ACCEPT_AND_DECIDE else Decide
        return kind(
            approved=self.approved,
            reasons=tuple(self.reasons),
            legal_basis=self.legal_basis,
            on_commitment=self.on_commitment,
        )


class IssueResultRequest(_In):
    """出证: an uploaded document (`file_id`), an e-licence (`licence_type`), or mail with tracking."""

    delivery: Delivery
    title: Short
    file_id: FileId | None = None
    licence_type: Short | None = None
    carrier: Short | None = None
    tracking_number: Annotated[str, Field(min_length=1, max_length=50)] | None = None

    def to_command(self, act: Act) -> Command:
        return IssueResult(
            delivery=self.delivery,
            title=self.title,
            file_id=self.file_id,
            licence_type=self.licence_type,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
        )


class DeliverRequest(_In):
    how: Literal["mail_signed", "window_pickup"]

    def to_command(self, act: Act) -> Command:
        return Deliver(how=self.how)


class FollowUpRequest(_In):
    """回访: what was done and what the applicant said."""

    actions: Text
    applicant_feedback: Text

    def to_command(self) -> CloseRectification:
        return CloseRectification(actions=self.actions, applicant_feedback=self.applicant_feedback)


# — responses —


class Progress(_Out):
    state: CaseState
    state_text: str
    next_step: str
    due: date | None
    days_left: int | None
    light: Literal["green", "yellow", "red"] | None
    provisional: bool
    paused: bool


class FileOut(_Out):
    file_id: str
    slot: str
    filename: str
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    licence_ref: str | None = None
    status: Literal["pending", "verified", "rejected"]
    reason: str | None = None
    trust_level: Literal["A", "B", "C", "D"]
    created_at: datetime
    checked_at: datetime | None = None
    superseded_by: str | None = Field(
        default=None, description="the later verified file of the slot that replaces this one"
    )
    answers: AnswerRef | None = Field(
        default=None, description="the 补正 item (round, index) this file answers"
    )
    expires_at: datetime | None = None  # pending: the upload ticket's end, after which the place is freed


class MaterialOut(_Out):
    code: str
    name: str
    required: bool
    deferred: bool
    satisfied: bool
    files: list[FileOut]


class ApplicantOut(_Out):
    """申请人; for a legal person, `name`/`id_number` are of its acting employee (经办人)."""

    name: str
    id_number: str
    phone: str
    kind: SubjectKind
    credit_code: str | None
    entity_name: str | None


class HandlerOut(_Out):
    province: str
    authority: str
    authority_name: str
    channel: str


class ClockOut(_Out):
    statutory_days: int
    promised_days: int
    started_on: date | None
    pauses: list[Pause]
    promised_due: date | None
    statutory_due: date | None
    provisional: bool
    provisional_years: list[int]
    used_days: int
    warned: bool
    overdue: bool


class PartOut(Part):
    """A part of a joint case, with the light of its own clock."""

    light: Literal["green", "yellow", "red"] | None


class AgentOut(_Out):
    """代理人 as the reader may see them: in clear to the agent and the principal, masked otherwise."""

    name: str
    id_number: str
    phone: str | None
    kind: SubjectKind
    credit_code: str | None
    entity_name: str | None


class EntrustmentVerifyRequest(_In):
    """The clerk's check of the 授权委托书: verified or not, and why."""

    verified: bool
    reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class CaseDetail(_Out):
    number: str
    item_code: str
    item_version: int
    item_name: str
    immediate: bool
    allows_deferred_acceptance: bool
    allows_commitment: bool
    result_delivery: list[Delivery] = Field(description="出件方式: how the item version delivers results")
    mode: Mode
    origin_province: str
    handler: HandlerOut
    applicant: ApplicantOut
    acting_for: ActingFor | None
    agent: AgentOut | None = Field(description="委托代办: the agent (代理人) who filed for the applicant")
    entrustment: Entrustment | None = Field(description="委托: the agent's entrustment and its check")
    form: dict[str, Any]
    state: CaseState
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    clock: ClockOut
    return_reasons: list[str]
    supplement: Supplement | None
    supplement_rounds: int = Field(
        description="补正 requests made on the case (一次性告知: a further one only for what an answer "
        "got wrong)"
    )
    deferred: list[str]
    deferred_commitment: str | None
    refusal: Refusal | None
    suspension: Suspension | None
    decision: Decision | None
    result: ResultRecord | None
    rating: Rating | None
    window_rating: Rating | None = Field(
        default=None, description="窗口服务评价: a window intake's rating of the window's own service"
    )
    rectifications: list[RectificationNote] = Field(
        default_factory=list,
        description="整改 opened by bad ratings, one per rated target, with the follow-up (回访) once "
        "closed; a rectification of another province's authority follows that province's record",
    )
    withdrawal_reason: str | None
    exchange: CaseExchange | None
    intake: Intake | None
    parts: list[PartOut]
    joint: JointLink | None
    out_of_sync: SyncIssue | None = Field(
        description="不同步: a partner's message (or a part's start) this case could not take yet; "
        "it is retried until it goes through, and operators see it in `GET /v1/ops/out-of-sync`"
    )
    video_sessions: list[VideoSession]
    progress: Progress
    allowed_acts: list[str] = Field(
        description=(
            "What the caller may do now, by route name: an act of the state table (submit, accept, "
            "…, discard), rate (好差评), or at the intake window dispatch and handover; exactly "
            "those the gateway would not refuse with 409"
        )
    )
    act_labels: dict[str, str] = Field(
        description="a button label for each allowed act, in the reader's language"
    )
    revision: int
    materials: list[MaterialOut]
    result_files: list[FileOut]


class CaseLine(_Out):
    number: str
    item_code: str
    item_name: str
    state: CaseState
    state_text: str
    due: date | None
    light: Literal["green", "yellow", "red"] | None
    updated_at: datetime


class CasePage(_Out):
    items: list[CaseLine]
    next_cursor: str | None


class UploadTicketOut(_Out):
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: datetime


class UploadOut(_Out):
    file_id: str
    upload: UploadTicketOut


class DownloadOut(_Out):
    file_id: str
    url: str
    expires_in: int


class ResultOut(ResultRecord):
    model_config = ConfigDict(extra="forbid")
    download: DownloadOut | None = None


class TimelineEvent(_Out):
    seq: int
    act: str
    at: datetime
    by: dict[str, str]
    from_: CaseState = Field(alias="from")
    to: CaseState
    details: dict[str, Any]
    prev_hash: str
    hash: str
    description: str = Field(
        description="what the event was, in the reader's language (a reveal of personal data says who "
        "saw which fields and why); not part of the sealed event, leave it out to recompute `hash`"
    )


class Timeline(_Out):
    events: list[TimelineEvent]


class AuditReport(_Out):
    ok: bool
    length: int
    first_broken: int | None
    reason: str | None
    last_hash: str


class Notice(_Out):
    id: str
    case: str
    recipient: str
    act: str
    state: CaseState
    item_name: str
    title: str
    next_step: str
    at: datetime
    read: bool = Field(default=False, description="at or before the reader's read mark")


class NoticePage(_Out):
    items: list[Notice]
    next_cursor: str | None
    unread: int = Field(default=0, description="notices after the read mark (counted up to 100)")
    read_up_to: datetime | None = Field(
        default=None, description="the read mark: every notice at or before it is read"
    )


class Rectification(_Out):
    case: str
    item_name: str
    province: str
    authority: str
    rating: RatingLevel
    status: Literal["open", "closed"]
    opened_at: datetime
    due: date
    follow_up: dict[str, Any] | None


class RectificationPage(_Out):
    items: list[Rectification]
    next_cursor: str | None


class CalendarPublished(_Out):
    year: int
    holidays: int
    adjusted_workdays: int
    recomputed: int
    conflicts: int


# — the audited reveal (查看明文) —


class RevealRequest(_In):
    """Which personal fields to see in clear (`applicant.name|id_number|phone`; on a case filed by an
    agent, `agent.name|id_number|phone`; `form.<path>` of a
    field the item declares personal), and why; `note` is required when `purpose` is `other`."""

    fields: list[Annotated[str, Field(pattern=r"^(applicant|agent|form)\.[A-Za-z0-9_.\[\]]{1,200}$")]] = (
        Field(min_length=1, max_length=MAX_FIELDS)
    )
    purpose: RevealPurpose
    note: Annotated[str, Field(min_length=1, max_length=NOTE_MAX_LENGTH)] | None = None

    def to_command(self) -> Reveal:
        return Reveal(fields=tuple(self.fields), purpose=self.purpose, note=self.note)


class RevealOut(_Out):
    """The clear values, by field (a list for a field inside an array; null where the case has none)."""

    case_number: str
    values: dict[str, Any]
    purpose: RevealPurpose
    revealed_at: datetime
    event_seq: int
