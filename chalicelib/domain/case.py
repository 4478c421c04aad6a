"""The case (办件): what an applicant asked for, under which item version, and all that happened to it.

A case keeps a snapshot of its item's material slots so that it is judged by the version it was
opened under, and so that an act on it needs no catalog read. Storage bookkeeping (`version`,
`seq`, `last_hash`) travels with it: every act is one optimistic, conditional write.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import personal
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.catalog_terms import Delivery, Mode, StepKind
from chalicelib.domain.identity import Assurance, SubjectKind

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FileStatus(StrEnum):
    PENDING = "pending"  # upload ticket issued, object not yet verified
    VERIFIED = "verified"
    REJECTED = "rejected"


class Channel(StrEnum):
    MOBILE = "mobile"  # 移动端
    WINDOW = "window"  # 跨省通办专窗
    EXCHANGE = "exchange"  # forwarded by a partner province


class SuspensionProcedure(StrEnum):
    """特别程序: time spent in them does not count against the limit."""

    SITE_INSPECTION = StepKind.SITE_INSPECTION.value  # 现场踏勘
    EXPERT_REVIEW = StepKind.EXPERT_REVIEW.value  # 专家论证
    HEARING = StepKind.HEARING.value  # 听证


class RatingLevel(StrEnum):
    """好差评 five levels (政务服务"好差评"制度)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASIC = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意

    @property
    def is_bad(self) -> bool:
        """差评: opens a rectification (整改)."""
        return self in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class RatingTarget(StrEnum):
    """评价对象: a case's handling is rated for its handling authority (审批机关), and a window
    intake (异地代收) also for the window's own service (窗口服务), separately."""

    AUTHORITY = "authority"
    WINDOW = "window"


class RatingChannel(StrEnum):
    """Where the rating was given (评价渠道)."""

    APP = "app"  # the applicant's app at home
    LINK = "link"  # the public rating link of a walk-in applicant (case number + 查询码)
    WINDOW = "window"  # the window's rating device (评价器), recorded by its clerk


class Applicant(_Model):
    """申请人. `subject`/`issuer` tie the case to the login; the rest is personal data.

    On a case filed from an app, who the applicant is comes from the token's verified identity
    (实名认证), with its `assurance`; at a window, from the clerk's check in person. For a legal
    person (法人), `name` and `id_number` are those of the employee acting for it (经办人) and
    `credit_code` and `entity_name` name the legal person, which holds the case and its licences.
    """

    subject: ShortText
    issuer: ShortText
    name: ShortText
    id_number: ShortText
    phone: ShortText
    kind: SubjectKind = SubjectKind.NATURAL_PERSON
    credit_code: str | None = None  # 统一社会信用代码 (GB 32100)
    entity_name: ShortText | None = None
    assurance: Assurance | None = None  # None: checked in person at a window

    def holder_keys(self) -> set[str]:
        """Whose e-licences the case may draw on: the natural person's; for a legal person, its own
        and its acting employee's (经办人身份证明)."""
        keys = {personal.holder_key(self.id_number)}
        if self.kind is SubjectKind.LEGAL_PERSON and self.credit_code is not None:
            keys.add(personal.entity_holder_key(self.credit_code))
        return keys


class ActingFor(_Model):
    """代办: someone other than the applicant filed the case and acts on it for them. A window clerk
    (跨省通办专窗) who checked the walk-in applicant in person is recorded so; no personal data."""

    role: str  # window_clerk
    subject: ShortText
    issuer: ShortText
    province: str | None = None
    window: str | None = None


class Agent(_Model):
    """代理人 / 帮办人 (帮办代办, 委托代办): who filed the case for its applicant (委托人), with the
    identity their own token verified. Personal data: masked to everyone but the two of them."""

    subject: ShortText
    issuer: ShortText
    name: ShortText
    id_number: ShortText
    phone: str | None = None
    kind: SubjectKind = SubjectKind.NATURAL_PERSON
    credit_code: str | None = None
    entity_name: ShortText | None = None
    assurance: Assurance | None = None


ENTRUSTMENT_SLOT = "entrustment"  # 授权委托书: the slot a case filed by an agent gets


class EntrustmentState(StrEnum):
    PENDING = "pending"  # not yet verified: the principal's licences and acceptance wait
    VERIFIED = "verified"
    REFUSED = "refused"  # the clerk found the 授权委托书 wanting; a new one may be verified later


class EntrustmentMethod(StrEnum):
    DOCUMENT = "document"  # 授权委托书 checked by the handling clerk
    AUTHORISED = "authorised"  # 授权: the principal, logged in, authorised the agent on this case


class Entrustment(_Model):
    """委托: the applicant's entrustment of the agent, and how (and whether) it was verified."""

    state: EntrustmentState = EntrustmentState.PENDING
    method: EntrustmentMethod | None = None
    reason: str | None = None
    at: datetime | None = None
    by: str | None = None  # the clerk's subject, or `principal`

    @property
    def verified(self) -> bool:
        return self.state is EntrustmentState.VERIFIED


class Handler(_Model):
    """Where the case is handled: province, authority (审批机关) and the channel it came through."""

    province: str
    authority: ShortText  # authority id, as in clerks' tokens
    authority_name: ShortText
    channel: Channel


class Slot(_Model):
    """A material slot, copied from the item version the case was opened under."""

    code: str
    name: ShortText
    required: bool
    may_be_deferred: bool
    elicence_type: str | None = None
    content_types: list[str]
    max_bytes: int
    original_required: bool = False  # 需核验原件: checked at the window or mailed before dispatch


class AnswerRef(_Model):
    """Which 补正 item a file answers: the round (1 for the first request) and the item's index."""

    round: int
    item: int


# Where a file is stored (object key, verified version): the gateway's business, never shown.
STORAGE_FIELDS: set[str] = {"key", "version_id"}


class MaterialFile(_Model):
    """One file (or e-licence reference) given for a slot, with its trust level (A–D).

    A file replaced by a later verified one of its slot — a rejected upload, or what a 补正 asked
    to redo — names its replacement in `superseded_by`; a file given to answer a 补正 item names
    that item in `answers`.
    """

    file_id: str
    slot: str
    filename: ShortText
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    key: str | None = None  # object key in the province's files bucket
    licence_ref: str | None = None
    status: FileStatus
    reason: str | None = None
    trust_level: str
    created_at: datetime
    checked_at: datetime | None = None
    superseded_by: str | None = None
    answers: AnswerRef | None = None
    expires_at: datetime | None = None  # a pending upload's ticket ends here; later it frees its place
    version_id: str | None = None  # the object version the gateway verified: the one ever served


class Pause(_Model):
    """A stop of the clock: 补正 (supplement) or 特别程序 (suspension)."""

    kind: str  # supplement | suspension
    start: date
    end: date | None = None


class CaseClock(_Model):
    """Time limits in working days and the due dates they give (办理时限)."""

    statutory_days: int
    promised_days: int
    started_on: date | None = None  # the day of 受理
    pauses: list[Pause] = Field(default_factory=list)
    promised_due: date | None = None
    statutory_due: date | None = None
    provisional: bool = False  # a due date lies in a year whose calendar is not yet published
    provisional_years: list[int] = Field(default_factory=list)
    used_days: int = 0
    warned: bool = False
    overdue: bool = False


class SupplementItem(_Model):
    """One thing missing or wrong, in the 一次性告知 list: a material slot or a form field."""

    material: str | None = None
    field: str | None = None
    reason: LongText


class Supplement(_Model):
    """A 补正 request (一次性告知) and what its answer touched: the slots given fresh verified files
    and the form fields changed while it was open. A later round may name only those, or the
    items of this one (what the answer itself got wrong)."""

    requested_at: datetime
    before_acceptance: bool
    items: list[SupplementItem]
    round: int = 1
    answered_at: datetime | None = None
    note: str | None = None
    answered_materials: list[str] = Field(default_factory=list)
    changed_fields: list[str] = Field(default_factory=list)


class Refusal(_Model):
    """不予受理 / 不予许可: the reason and its legal basis."""

    reason: LongText
    legal_basis: ShortText


class Suspension(_Model):
    procedure: SuspensionProcedure
    reason: LongText
    since: datetime


class Decision(_Model):
    approved: bool
    reasons: list[LongText] = Field(default_factory=list)
    legal_basis: str | None = None
    on_commitment: bool = False  # 告知承诺制: approved on the applicant's commitment
    verification_due: date | None = None  # 事后核查 due date
    decided_at: datetime


class ResultRecord(_Model):
    """The result (办理结果) and how it reached the applicant."""

    delivery: Delivery
    title: ShortText
    file_id: str | None = None  # electronic document in the bucket
    licence_ref: str | None = None  # e-licence issued through the licence provider
    carrier: str | None = None  # 邮寄
    tracking_number: str | None = None
    issued_at: datetime
    delivered_at: datetime | None = None


class Rating(_Model):
    level: RatingLevel
    tags: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(default_factory=list)
    comment: str | None = Field(default=None, max_length=500)
    rated_at: datetime
    target: RatingTarget = RatingTarget.AUTHORITY
    channel: RatingChannel | None = None


class FollowUp(_Model):
    """回访: what the rated authority (or window) did about a bad rating, and what the applicant said."""

    actions: LongText
    applicant_feedback: LongText
    at: datetime


class RectificationNote(_Model):
    """整改 as the case shows it to the applicant and the staff: opened by a bad rating of `target`,
    kept by `authority` (an authority id, or the window id when the window was rated) in `province`,
    due in 15 working days, closed by the follow-up (回访). The handling province's record is the
    source of truth for an authority's rectification; the home gateway's copy follows it."""

    target: RatingTarget
    province: str
    authority: str
    rating: RatingLevel
    status: str  # open | closed
    opened_at: datetime
    due: date
    follow_up: FollowUp | None = None


class IdentityCheck(_Model):
    """身份核验 at the window: how the applicant's identity was checked in person."""

    method: str  # id_card_reader | face_match | manual
    document: ShortText  # e.g. 居民身份证
    at: datetime
    by: str  # the window clerk's subject


class Consent(_Model):
    """服务同意书: the applicant's consent to proxy handling, as signed at the window."""

    method: str  # paper_scan | e_sign
    file_id: str | None = None
    at: datetime


class Handover(_Model):
    """出件: the result handed to the applicant (or an agent) at the window."""

    to_whom: ShortText
    identity_checked: bool
    at: datetime
    by: str


class OriginalCheck(_Model):
    """原件核验 at the handling province: a mailed original, arrived, checked by its own clerk."""

    slot: str
    matches: bool  # the original matches the scan the window sent
    note: str | None = None
    at: datetime
    by: str  # the clerk's subject
    province: str
    kept: bool = False  # 原件留存: the authority keeps this original, so it is not returned


class Intake(_Model):
    """异地代收: the window that took the case in and what it recorded. The handling province keeps
    the part that matters to it (no query code): the window, the originals checked there and those
    mailed, and its own checks of the mailed originals (`original_checks`)."""

    window: str
    province: str
    identity: IdentityCheck
    consent: Consent | None = None
    originals_to_mail: list[str] = Field(default_factory=list)  # slots whose 原件 are mailed
    query_code: str | None = None  # 查询码 on the receipt (domain.query_code)
    receipt_issued_at: datetime | None = None
    dispatched_at: datetime | None = None
    handover: Handover | None = None
    original_checks: list[OriginalCheck] = Field(default_factory=list)  # at the handling province
    # a shipment of the originals arrived at the handling province (set there only)
    originals_arrived_at: datetime | None = None
    originals_returned: list[str] = Field(default_factory=list)  # 原件退还: slots mailed back


class VideoSession(_Model):
    """视频会商: a session held for the case, with its participants, consent and outcome."""

    session_id: str
    provider: str
    scheduled_for: datetime
    participants: list[dict[str, str]]
    consent_recorded: bool = False
    recording_key: str | None = None
    outcome: str | None = None
    ended_at: datetime | None = None
    handle: dict[str, Any] = Field(default_factory=dict)  # the provider's, kept at the home only
    home: str | None = None  # the province whose gateway holds the session (None: this one)
    announced: bool = False  # told to the partner province (`video.scheduled`)
    join_requests: list[str] = Field(default_factory=list)  # signed join requests served (latest)


class PartState(StrEnum):
    """Where one part of a joint case (多地联办) stands, as the lead province sees it."""

    WAITING = "waiting"  # its prerequisites are not approved yet
    STARTED = "started"  # sent to (or opened at) its province, not yet accepted
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    APPROVED = "approved"
    REFUSED = "refused"  # 不予受理 / 不予许可: ends the joint case
    WITHDRAWN = "withdrawn"  # stopped while open because another part was refused
    REVOKED = "revoked"  # 联办撤销: approved, then cancelled because another part was refused
    NOT_STARTED = "not_started"  # never started: the joint case ended before its prerequisites


STOPPED_PARTS = frozenset({PartState.WITHDRAWN, PartState.REVOKED, PartState.NOT_STARTED})


class Part(_Model):
    """One part of a joint case: its role, the province its rule picked, its own case and clock."""

    key: str
    role: ShortText
    province: str
    authority: str
    authority_name: ShortText
    depends_on: list[str] = Field(default_factory=list)
    promised_days: int
    materials: list[str] = Field(default_factory=list)
    case_number: str | None = None  # the part's own case (at the lead: local, or the copy of a remote one)
    state: PartState = PartState.WAITING
    due: date | None = None
    cancel_acknowledged: bool = False  # a stopped part: its province confirmed (signed receipt) it stopped
    stop_message: str | None = None  # the message that told its province to stop
    out_of_sync: str | None = None  # its case's out-of-sync reason (e.g. it could not start there)
    reasons: list[str] = Field(default_factory=list)  # a refused part: its reasons, as its province gave them
    legal_basis: str | None = None


class JointLink(_Model):
    """On a part's case: the joint case it belongs to, which part it is, and the other parts as they
    stood when this part was started (their states, not their internal data)."""

    parent: str
    part: str
    role: ShortText
    lead_province: str
    siblings: list[dict[str, str]] = Field(default_factory=list)
    promised_days: int | None = None  # the part's own promised limit (承诺时限), not the whole item's


class SyncIssue(_Model):
    """不同步: a partner's message (or a part's start) this case could not take; shown to its clerks
    and operators, alarmed on, and retried until it goes through."""

    reason: str  # case_out_of_sync: the message found a state its table does not list; or the
    # partner's refusal code (e.g. province_not_implemented: the part could not start there)
    message_id: str | None = None
    message_type: str
    found_state: str | None = None
    since: datetime
    attempts: int = 1


class CaseExchange(_Model):
    """A case handled across provinces: which side this gateway is, its counterpart, and the
    per-case message sequences (each side applies the other's messages in `seq` order)."""

    role: str  # origin: the applicant's side (home gateway or window); handler: the handling province
    partner: str
    out_seq: int = 0
    in_seq: int = 0


class Case(_Model):
    number: str  # 办件编号
    item_code: str
    item_version: int
    item_name: str
    immediate: bool
    allows_deferred_acceptance: bool
    allows_commitment: bool
    result_delivery: list[Delivery] = Field(default_factory=list)  # 出件方式 of the item version
    mode: Mode
    origin_province: str
    handler: Handler
    applicant: Applicant
    acting_for: ActingFor | None = None  # 代办: who filed and acts for the applicant
    # 委托代办: filed by an agent for the applicant (委托人); `applicant.subject`/`issuer` are then the
    # agent's login, which acts on the case, and `principal_key` lets the principal's own login read it
    agent: Agent | None = None
    entrustment: Entrustment | None = None
    principal_key: str | None = None  # the applicant's licence holder key (personal.holder_key)
    form: dict[str, Any] = Field(default_factory=dict)
    slots: list[Slot]
    files: list[MaterialFile] = Field(default_factory=list)
    state: CaseState
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    decided_at: datetime | None = None
    closed_at: datetime | None = None
    clock: CaseClock
    return_reasons: list[str] = Field(default_factory=list)  # 预审退回意见
    supplement: Supplement | None = None
    supplement_rounds: int = 0  # 补正 requests made on the case
    deferred: list[str] = Field(default_factory=list)  # 容缺: slots accepted missing
    deferred_commitment: str | None = None
    refusal: Refusal | None = None
    suspension: Suspension | None = None
    decision: Decision | None = None
    result: ResultRecord | None = None
    rating: Rating | None = None
    window_rating: Rating | None = None  # 窗口服务评价 of a window intake (RatingTarget.WINDOW)
    rectifications: list[RectificationNote] = Field(default_factory=list)  # 整改, one per rated target
    withdrawal_reason: str | None = None
    exchange: CaseExchange | None = None
    intake: Intake | None = None
    parts: list[Part] = Field(default_factory=list)  # a joint case at its lead province
    joint: JointLink | None = None  # a part's case
    out_of_sync: SyncIssue | None = None
    video_sessions: list[VideoSession] = Field(default_factory=list)
    # storage bookkeeping
    version: int = 0
    seq: int = 0
    last_hash: str = "0" * 64

    def awaits_entrustment(self) -> bool:
        """Filed by an agent whose entrustment is not verified yet."""
        return self.agent is not None and (self.entrustment is None or not self.entrustment.verified)

    def slot(self, code: str) -> Slot | None:
        return next((s for s in self.slots if s.code == code), None)

    def file(self, file_id: str) -> MaterialFile | None:
        return next((f for f in self.files if f.file_id == file_id), None)

    def verified_slots(self) -> set[str]:
        return {f.slot for f in self.files if f.status is FileStatus.VERIFIED}

    def missing_required(self) -> list[str]:
        """Required slots with no verified file or licence, in the item's order."""
        have = self.verified_slots()
        return [s.code for s in self.slots if s.required and s.code not in have]
