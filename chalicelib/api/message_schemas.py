"""JSON Schemas (draft 2020-12) of the exchange messages, version 1: the envelope's claims, the
receipt's claims, the file-fetch request's claims, and the payload of every message type.

The models describe what the gateway sends today (`forwarded_payload`, `status_payload`,
`OutboundService.for_act`): every key the code always writes is required, nullable where the code
writes null; a key the code leaves out when it has nothing to say is optional. The committed files
under `openapi/messages/v1/` are generated from here:

    python -m chalicelib.api.message_schemas [DIR]    # DIR defaults to openapi/messages/v1

A published v1 schema may only widen: the frozen fixtures in `tests/fixtures/messages/v1/` must
keep validating against it (tests/contract/test_message_schemas.py).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, SkipJsonSchema
from pydantic_core import core_schema

from chalicelib.domain import identifiers as ids
from chalicelib.domain.case import (
    Agent,
    Applicant,
    CaseClock,
    Channel,
    Decision,
    Entrustment,
    JointLink,
    Refusal,
    ResultRecord,
    ShortText,
    SupplementItem,
    Suspension,
)
from chalicelib.domain.catalog import ItemCode
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.personal import PersonalKind
from chalicelib.domain.reveal import RevealPurpose

VERSION = "v1"
BASE_ID = f"https://tongban.gov.cn/schemas/messages/{VERSION}/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "openapi" / "messages" / VERSION

Sha256Hex = Annotated[str, Field(pattern=ids.SHA256_HEX_PATTERN)]
ProvinceCode = Annotated[str, Field(pattern=ids.PROVINCE_CODE_PATTERN)]
CaseNumber = Annotated[str, Field(pattern=ids.CASE_NUMBER_V1_PATTERN)]
CatalogStream = Annotated[str, Field(pattern=ids.CATALOG_STREAM_PATTERN)]
MessageId = Annotated[str, Field(min_length=1, max_length=64)]
FileId = Annotated[str, Field(pattern=ids.FILE_ID_V1_PATTERN)]
SlotCode = Annotated[str, Field(pattern=ids.SLOT_PATTERN)]
Note = Annotated[str, Field(max_length=2000)]


class _Sent(BaseModel):
    model_config = ConfigDict(extra="forbid")


# — the envelope and the receipt —


class EnvelopeClaims(_Sent):
    """The claims of the envelope JWS (typ tongban-envelope+jws), signed by the sender."""

    v: Literal[1] = 1  # ENVELOPE_VERSION
    id: MessageId
    type: MessageType
    case: CaseNumber | CatalogStream = Field(
        description="The case number, or for catalog messages the publisher's stream catalog-<code>."
    )
    sender: ProvinceCode = Field(alias="from")
    to: ProvinceCode
    sent_at: AwareDatetime
    seq: int = Field(ge=1, description="Per case and sender, from 1: the receiver applies in this order.")
    payload_sha256: Sha256Hex = Field(description="SHA-256 of the payload's canonical JSON.")


class ReceiptClaims(_Sent):
    """The claims of the receipt JWS (typ tongban-receipt+jws), signed by the receiver (回执)."""

    receipt_for: MessageId
    case: CaseNumber | CatalogStream
    payload_sha256: Sha256Hex
    sender: ProvinceCode = Field(alias="from", description="The receiver, who signs the receipt.")
    to: ProvinceCode
    received_at: AwareDatetime


class SignedRequestClaims(_Sent):
    """What every signed request of a partner carries, checked alike (services/signed_request.py):
    its id, the province that signs it (`from`), the one it asks (`to`) and when it was sent."""

    id: MessageId = Field(description="Unique per request; not reused.")
    sender: ProvinceCode = Field(alias="from")
    to: ProvinceCode
    sent_at: AwareDatetime = Field(
        description="RFC 3339 with an offset; from 15 min before to 2 min after now."
    )


class FetchClaims(SignedRequestClaims):
    """The claims of a signed file-fetch request (typ tongban-fetch+jws), signed by the province
    that wants a file of a case it shares with the receiver (`POST /v1/exchange/files`)."""

    case: CaseNumber
    file_id: FileId


class DigestsClaims(SignedRequestClaims):
    """The claims of a signed request for a gateway's catalog digests (typ tongban-digests+jws),
    signed by the partner that compares its catalog (`POST /v1/exchange/catalog-digests`)."""


class CatalogFetchClaims(SignedRequestClaims):
    """The claims of a signed item-version fetch (typ tongban-catalog-fetch+jws), signed by the
    province that needs a version it does not hold (`POST /v1/exchange/catalog`)."""

    code: ItemCode
    version: int = Field(ge=1)


VideoSessionId = Annotated[str, Field(pattern=ids.VIDEO_SESSION_ID_PATTERN)]
ParticipantId = Annotated[str, Field(pattern=ids.PARTICIPANT_ID_PATTERN)]


class VideoJoiner(_Sent):
    """Who joins a video session: a clerk, by role and account (never personal data)."""

    role: Literal["authority_clerk", "window_clerk"]
    province: ProvinceCode
    subject: ShortText
    authority: ShortText | None = None
    window: ShortText | None = None


class VideoJoinClaims(SignedRequestClaims):
    """The claims of a signed video-join request (typ tongban-video-join+jws), signed by the province
    whose clerk joins a session held by the receiver (`POST /v1/exchange/video-joins`)."""

    id: MessageId = Field(description="Unique per request; a reused id is refused.")
    case: CaseNumber
    session_id: VideoSessionId
    participant_id: ParticipantId
    joiner: VideoJoiner


class CatalogStatementClaims(_Sent):
    """The claims of the statement (typ tongban-catalog+jws) answering an item-version fetch, signed
    by the answering gateway: it binds the version document by its payload digest."""

    sender: ProvinceCode = Field(alias="from")
    to: ProvinceCode
    code: ItemCode
    version: int = Field(ge=1)
    payload_sha256: Sha256Hex = Field(description="SHA-256 of the version document's canonical JSON.")
    sent_at: AwareDatetime


# — payloads —


class FileRef(_Sent):
    """A file as a message names it (`file_ref`): fetched with a signed request, checked by SHA-256.
    An e-licence travels as its `licence_ref`, without content type, size or digest."""

    file_id: FileId
    slot: SlotCode
    filename: ShortText
    content_type: str | None
    size: Annotated[int, Field(ge=0)] | None
    sha256: Sha256Hex | None
    trust_level: Literal["A", "B", "C", "D"]
    licence_ref: str | None


class CaseForwarded(_Sent):
    """全程网办: the applicant's gateway forwards a submitted case to the handling province."""

    item_code: ItemCode
    item_version: int = Field(ge=1)
    mode: Mode
    channel: Channel
    applicant: Applicant
    form: dict[str, Any]
    files: list[FileRef]
    submitted_at: AwareDatetime
    joint: JointLink | None = Field(
        default=None, description="多地联办: the joint case and part this case is"
    )
    part_materials: list[str] | None = Field(
        default=None,
        description="多地联办: the material slots this part needs (一套材料: its share of the set)",
    )
    agent: Agent | None = Field(
        default=None, description="委托代办: the agent (代理人) who filed for the applicant (委托人)"
    )
    entrustment: Entrustment | None = Field(
        default=None, description="委托: the agent's entrustment as it stood when forwarded"
    )


ShipmentId = Annotated[str, Field(pattern=ids.SHIPMENT_ID_PATTERN)]
ShipmentStatusName = Literal["sent", "in_transit", "delivered", "returned"]


class ShipmentEventSent(_Sent):
    """One status event of a shipment, with the province that recorded it."""

    status: ShipmentStatusName
    at: AwareDatetime
    note: Note | None
    province: ProvinceCode


class CaseShipmentRecorded(_Sent):
    """资料寄递: a shipment recorded by the sender — originals to the handling province, or a result
    back (to the window, or to the applicant). Its id is the same on both sides."""

    id: ShipmentId
    case: CaseNumber
    direction: Literal[
        "to_handler", "from_handler", "to_applicant", "originals_to_window", "originals_to_applicant"
    ] = Field(
        description="originals_to_window / originals_to_applicant: 原件退还 by the handling province, "
        "`contents` naming the slots whose originals go back"
    )
    carrier: ShortText
    tracking_number: Annotated[str, Field(min_length=1, max_length=50)]
    contents: list[ShortText] = Field(min_length=1, max_length=50)
    events: list[ShipmentEventSent] = Field(min_length=1)
    status: ShipmentStatusName
    province: ProvinceCode


class CaseShipmentEvent(_Sent):
    """A shipment's status event (in transit, arrived/signed for, returned). Statuses only move
    forward; a receiver records an event that would not (a duplicate, a step back) and keeps the
    shipment as it is."""

    shipment_id: ShipmentId
    status: Literal["in_transit", "delivered", "returned"]
    at: AwareDatetime
    note: Note | None
    province: ProvinceCode


class CaseOriginalChecked(_Sent):
    """原件核验 at the handling province: its clerk checked a mailed original against the scan the
    window sent, and says whether the authority keeps it (原件留存) or it will be returned."""

    slot: SlotCode
    matches: bool
    kept: bool
    note: Note | None
    at: AwareDatetime
    province: ProvinceCode


class CaseDispatched(CaseForwarded):
    """异地代收: the window sends its intake package (the case as forwarded, plus the intake record)."""

    intake: dict[str, Any] = Field(
        description="The window's intake record; open while proxy intake is built."
    )
    shipments: list[CaseShipmentRecorded] | None = Field(
        default=None, description="资料寄递 recorded before dispatch (e.g. originals already mailed)"
    )


class _Status(_Sent):
    """What the handling province tells the origin about an act (`status_payload`)."""

    clock: CaseClock


class CaseAccepted(_Status):
    """受理."""

    act: Literal["accept"]
    state: Literal["accepted"]


class CaseNotAccepted(_Status):
    """不予受理, with the reason and its legal basis."""

    act: Literal["refuse"]
    state: Literal["not_accepted"]
    refusal: Refusal


class SupplementList(_Sent):
    """一次性告知: everything missing or wrong, at once."""

    items: list[SupplementItem] = Field(min_length=1, max_length=50)


class CaseSupplementRequested(_Status):
    """补正: the list of what to supplement; the clock stops."""

    act: Literal["request_supplement"]
    state: Literal["supplement_requested"]
    supplement: SupplementList


class CaseSuspended(_Status):
    """特别程序 (现场踏勘/专家论证/听证): the clock stops."""

    act: Literal["suspend"]
    state: Literal["suspended"]
    suspension: Suspension


class CaseResumed(_Status):
    """特别程序结束: review goes on, the clock runs again."""

    act: Literal["resume"]
    state: Literal["under_review"]


class CaseDecided(_Status):
    """准予 / 不予许可; `accept_and_decide` for an immediate item (即办件) accepted and decided at once."""

    act: Literal["decide", "accept_and_decide"]
    state: Literal["approved", "denied"]
    decision: Decision


class IssuedResult(ResultRecord):
    """The result as sent: the document itself travels as `file`, not as a local file id."""

    file_id: str | None = Field(default=None, exclude=True)


class CaseResultIssued(_Status):
    """出证: electronic (document in `file`, or an e-licence), by mail with tracking, or at the window."""

    act: Literal["issue_result"]
    state: Literal["result_issued"]
    result: IssuedResult
    file: FileRef | SkipJsonSchema[None] = None
    shipment: CaseShipmentRecorded | SkipJsonSchema[None] = Field(
        default=None, description="The result mailed (tracking number given): its return shipment"
    )


class CaseResultHandedOver(_Sent):
    """出件: the result handed over at the window, after checking the recipient's identity."""

    handed_over_to: ShortText
    identity_checked: bool
    at: AwareDatetime


DeliveryHow = Literal["download", "mail_signed", "window_pickup"]


class CaseResultDelivered(_Sent):
    """送达 at the applicant's side other than the window's 出件: the result downloaded at home, or
    a mailed result signed for; `at` is when, there."""

    how: DeliveryHow
    at: AwareDatetime


class CaseDeliveryRecorded(_Status):
    """送达 recorded at the handling province (a mailed result signed for, a pick-up there)."""

    act: Literal["deliver"]
    state: Literal["delivered"]
    how: DeliveryHow
    at: AwareDatetime


class CaseSupplementAnswered(_Sent):
    """The applicant's answer to 补正: a note, the files given since the request and, when the answer
    corrected a form field, the form as corrected (the handling province's copy takes it)."""

    note: Note | None
    files: list[FileRef]
    form: dict[str, Any] | None = None


class CaseWithdrawn(_Sent):
    """撤回: the applicant withdraws before a decision."""

    reason: Note | None


class RevealedBy(_Sent):
    """Who revealed: the clerk as recorded on the handling province's audit chain."""

    role: Literal["authority_clerk", "window_clerk"]
    subject: ShortText
    province: ProvinceCode
    authority: ShortText | None = None
    window: ShortText | None = None


class CaseRevealed(_Sent):
    """查看明文: staff of the handling province saw the applicant's personal data in clear. Names the
    fields, their kinds, who, when and why, never a value (`domain/reveal.py`)."""

    fields: list[Annotated[str, Field(pattern=r"^(applicant|agent|form)\.")]] = Field(
        min_length=1, max_length=10
    )
    kinds: list[PersonalKind] = Field(min_length=1, max_length=10)
    purpose: RevealPurpose
    note: Annotated[str, Field(max_length=200)] | None
    by: RevealedBy
    at: AwareDatetime
    event_seq: int = Field(ge=1, description="The reveal's seq on the handling province's audit chain.")


class CaseEntrustmentSettled(_Sent):
    """委托代办: the entrustment of a case filed by an agent was settled on the sender's side — the
    handling clerk verified or refused the 授权委托书 (`document`), or the principal authorised the
    agent from their own account at home (`authorised`). Applied while the receiver's entrustment is
    still open; otherwise recorded only (a verified entrustment is never undone)."""

    state: Literal["verified", "refused"]
    method: Literal["document", "authorised"]
    reason: Note | None
    at: AwareDatetime
    by: ShortText | None = Field(description="The settling clerk's subject, or `principal`.")


class VideoParticipant(_Sent):
    """A seat in a session: an opaque id, a role and a province (never personal data)."""

    participant_id: ParticipantId
    role: Literal["window_clerk", "authority_clerk", "applicant"]
    province: ProvinceCode


class VideoScheduled(_Sent):
    """视频会商: a session on the case, held at the sender's gateway (its home), which alone asks the
    provider for join tokens; the receiver's clerks join through the signed video-join request."""

    session_id: VideoSessionId
    provider: ShortText
    title: Annotated[str, Field(min_length=1, max_length=200)]
    scheduled_for: AwareDatetime
    participants: list[VideoParticipant] = Field(min_length=2, max_length=20)


class VideoJoined(_Sent):
    """One of the sender's people joined a session held by the sender (never the token)."""

    session_id: VideoSessionId
    participant_id: ParticipantId
    joiner: VideoJoiner
    at: AwareDatetime


class VideoEnded(_Sent):
    """The session held at the sender's gateway ended, with its outcome."""

    session_id: VideoSessionId
    ended_at: AwareDatetime
    outcome: Annotated[str, Field(min_length=1, max_length=2000)]
    consent_recorded: bool


class CaseRated(_Sent):
    """好差评 of the handling authority, given at the applicant's side (app, a walk-in's public link,
    or the window's rating device); a bad level opens the rectification (整改) at the receiver,
    due 15 working days after `rated_at`."""

    target: Literal["authority"]
    level: Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]
    tags: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(max_length=10)
    comment: Annotated[str, Field(max_length=500)] | None
    rated_at: AwareDatetime
    channel: Literal["app", "link", "window"]


class FollowUpSent(_Sent):
    """回访: what the authority did and what the applicant said."""

    actions: Annotated[str, Field(min_length=1, max_length=2000)]
    applicant_feedback: Annotated[str, Field(min_length=1, max_length=2000)]
    at: AwareDatetime


class CaseRectificationClosed(_Sent):
    """整改 of a bad rating closed at the handling province with its follow-up (回访)."""

    target: Literal["authority"]
    rating: Literal["dissatisfied", "very_dissatisfied"]
    opened_at: AwareDatetime
    due: date
    follow_up: FollowUpSent


class CatalogPublished(_Sent):
    """A version of an item's standard, as its publisher of record stored it."""

    code: ItemCode
    version: int = Field(ge=1)
    published_at: AwareDatetime
    published_by: Annotated[str, Field(min_length=1, max_length=200)]
    publisher: ProvinceCode
    standard_digest: Annotated[str, Field(pattern=ids.STANDARD_DIGEST_PATTERN)] = Field(
        description="sha256: of the RFC 8785 JSON of the definition without `implementations`."
    )
    definition: dict[str, Any] = Field(
        description="The item definition (OpenAPI `ItemDefinition`): the standard and the "
        "publisher's implementations; the receiver validates it as such."
    )


class CatalogStatusChange(_Sent):
    status: Literal["cancelled", "delegated"]
    effective_from: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    delegated_to: Annotated[str, Field(max_length=40)] | SkipJsonSchema[None] = None
    decided_at: AwareDatetime
    decided_by: Annotated[str, Field(min_length=1, max_length=200)]


class CatalogStatusChanged(_Sent):
    """An item cancelled (取消) or delegated (下放) by its publisher of record, from a date on."""

    code: ItemCode
    version: int = Field(ge=1, description="The version in force at the publisher when it decided.")
    publisher: ProvinceCode
    status_change: CatalogStatusChange


PAYLOADS: dict[MessageType, type[BaseModel]] = {
    MessageType.CASE_FORWARDED: CaseForwarded,
    MessageType.CASE_DISPATCHED: CaseDispatched,
    MessageType.ACCEPTED: CaseAccepted,
    MessageType.NOT_ACCEPTED: CaseNotAccepted,
    MessageType.SUPPLEMENT_REQUESTED: CaseSupplementRequested,
    MessageType.SUPPLEMENT_ANSWERED: CaseSupplementAnswered,
    MessageType.SUSPENDED: CaseSuspended,
    MessageType.RESUMED: CaseResumed,
    MessageType.DECIDED: CaseDecided,
    MessageType.RESULT_ISSUED: CaseResultIssued,
    MessageType.RESULT_HANDED_OVER: CaseResultHandedOver,
    MessageType.WITHDRAWN: CaseWithdrawn,
    MessageType.CANCELLED: CaseWithdrawn,
    MessageType.REVEALED: CaseRevealed,
    MessageType.ENTRUSTMENT_SETTLED: CaseEntrustmentSettled,
    MessageType.SHIPMENT_RECORDED: CaseShipmentRecorded,
    MessageType.SHIPMENT_EVENT: CaseShipmentEvent,
    MessageType.ORIGINAL_CHECKED: CaseOriginalChecked,
    MessageType.RESULT_DELIVERED: CaseResultDelivered,
    MessageType.DELIVERY_RECORDED: CaseDeliveryRecorded,
    MessageType.VIDEO_SCHEDULED: VideoScheduled,
    MessageType.VIDEO_JOINED: VideoJoined,
    MessageType.VIDEO_ENDED: VideoEnded,
    MessageType.RATED: CaseRated,
    MessageType.RECTIFICATION_CLOSED: CaseRectificationClosed,
    MessageType.CATALOG_PUBLISHED: CatalogPublished,
    MessageType.CATALOG_STATUS_CHANGED: CatalogStatusChanged,
}

TITLES: dict[str, str] = {
    "envelope": "交换报文信封 (envelope JWS claims)",
    "receipt": "交换回执 (receipt JWS claims)",
    "fetch": "文件调取请求 (signed file-fetch request claims)",
    "digests": "事项目录摘要请求 (signed catalog-digests request claims)",
    "catalog-fetch": "事项版本调取请求 (signed item-version fetch claims)",
    "catalog-statement": "事项版本证明 (signed statement answering an item-version fetch)",
    MessageType.CASE_FORWARDED: "case.forwarded — 全程网办转送办件",
    MessageType.CASE_DISPATCHED: "case.dispatched — 异地代收办件",
    MessageType.ACCEPTED: "case.accepted — 受理",
    MessageType.NOT_ACCEPTED: "case.not_accepted — 不予受理",
    MessageType.SUPPLEMENT_REQUESTED: "case.supplement_requested — 补正告知",
    MessageType.SUPPLEMENT_ANSWERED: "case.supplement_answered — 提交补正材料",
    MessageType.SUSPENDED: "case.suspended — 进入特别程序",
    MessageType.RESUMED: "case.resumed — 特别程序结束",
    MessageType.DECIDED: "case.decided — 作出决定",
    MessageType.RESULT_ISSUED: "case.result_issued — 出证",
    MessageType.RESULT_HANDED_OVER: "case.result_handed_over — 窗口出件",
    MessageType.WITHDRAWN: "case.withdrawn — 撤回申请",
    MessageType.CANCELLED: "case.cancelled — 联办撤销（其他部分不予办理时撤销已决定的部分）",
    MessageType.REVEALED: "case.revealed — 工作人员查看申请人个人信息明文",
    MessageType.ENTRUSTMENT_SETTLED: "case.entrustment_settled — 委托核验或授权",
    MessageType.SHIPMENT_RECORDED: "case.shipment_recorded — 资料寄递登记",
    MessageType.SHIPMENT_EVENT: "case.shipment_event — 寄递状态（运输中、签收、退回）",
    MessageType.ORIGINAL_CHECKED: "case.original_checked — 办理地原件核验（及是否留存）",
    MessageType.RESULT_DELIVERED: "case.result_delivered — 申请人一方送达（下载、邮寄签收）",
    MessageType.DELIVERY_RECORDED: "case.delivery_recorded — 办理地登记送达",
    "video-join": "视频会商加入请求 (signed video-join request claims)",
    MessageType.VIDEO_SCHEDULED: "video.scheduled — 预约视频会商",
    MessageType.VIDEO_JOINED: "video.joined — 加入视频会商",
    MessageType.VIDEO_ENDED: "video.ended — 视频会商结束",
    MessageType.RATED: "case.rated — 好差评（对办理地审批机关的评价）",
    MessageType.RECTIFICATION_CLOSED: "case.rectification_closed — 差评整改回访办结",
    MessageType.CATALOG_PUBLISHED: "catalog.published — 发布事项标准（新事项或新版本）",
    MessageType.CATALOG_STATUS_CHANGED: "catalog.status_changed — 事项取消或下放",
}

# Models whose keys are left out when empty (`exclude_none`, or added only when there is one).
KEYS_OMITTED_WHEN_EMPTY: frozenset[type[BaseModel]] = frozenset(
    {
        SupplementItem,
        CaseResultIssued,
        CaseForwarded,
        CaseDispatched,
        RevealedBy,
        VideoJoiner,
        CatalogStatusChange,
    }  # joint, part_materials: joint parts only; a clerk has an authority or a window
)

# Keys a model gained after v1 was published: optional, so messages sent before still validate.
KEYS_ADDED_AFTER_PUBLISHING: dict[type[BaseModel], frozenset[str]] = {
    Applicant: frozenset({"kind", "credit_code", "entity_name", "assurance"}),  # legal persons, 实名认证
    CaseSupplementAnswered: frozenset({"form"}),  # sent only when the answer corrected the form
}


class _SentKeys(GenerateJsonSchema):
    """Serialization schemas in which every key the code always writes is required."""

    _model: type[BaseModel] | None = None

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        outer, self._model = self._model, schema["cls"]
        try:
            body = super().model_schema(schema)
        finally:
            self._model = outer
        added = KEYS_ADDED_AFTER_PUBLISHING.get(schema["cls"])
        if added and "required" in body:
            body["required"] = [k for k in body["required"] if k not in added]
        return body

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if field["type"] == "model-field" and self._model not in KEYS_OMITTED_WHEN_EMPTY:
            return True
        return super().field_is_required(field, total)


def schema_of(name: str, model: type[BaseModel]) -> dict[str, Any]:
    body = model.model_json_schema(by_alias=True, mode="serialization", schema_generator=_SentKeys)
    body.pop("title", None)
    return {"$schema": DIALECT, "$id": f"{BASE_ID}{name}.json", "title": TITLES[name], **body}


def message_schemas() -> dict[str, dict[str, Any]]:
    """Per name (a message type, `envelope`, `receipt`): its JSON Schema."""
    schemas = {
        "envelope": schema_of("envelope", EnvelopeClaims),
        "receipt": schema_of("receipt", ReceiptClaims),
        "fetch": schema_of("fetch", FetchClaims),
        "digests": schema_of("digests", DigestsClaims),
        "video-join": schema_of("video-join", VideoJoinClaims),
        "catalog-fetch": schema_of("catalog-fetch", CatalogFetchClaims),
        "catalog-statement": schema_of("catalog-statement", CatalogStatementClaims),
    }
    for kind in MessageType:
        schemas[kind.value] = schema_of(kind.value, PAYLOADS[kind])
    return schemas


# schemas of signed claims, not of payloads
CLAIMS = ("envelope", "receipt", "fetch", "digests", "video-join", "catalog-fetch", "catalog-statement")


@cache
def _validators() -> dict[str, Any]:
    from jsonschema import Draft202012Validator

    return {name: Draft202012Validator(schema) for name, schema in message_schemas().items()}


def payload_conforms(kind: str, payload: Any) -> bool:
    """Whether `payload` is valid against the published JSON Schema of message type `kind`: the
    receiver's check, with the very schemas partners validate against."""
    validator = _validators().get(kind)
    return validator is not None and kind not in CLAIMS and validator.is_valid(payload)


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in message_schemas().items():
        path = directory / f"{name}.json"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else DEFAULT_DIR
    for path in write(directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
