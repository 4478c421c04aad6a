"""JSON Schemas (draft 2020-12) of the exchange messages, version 1: the envelope's claims, the
receipt's claims, the file-fetch request's claims, and the payload of every message type.

The payload models live in the domain (`chalicelib/domain/messages.py`, `PAYLOADS`), where the
inbound path parses every received payload into its model; the signed claims' models are here.
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
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from chalicelib.domain import identifiers as ids
from chalicelib.domain.case import Applicant, SupplementItem
from chalicelib.domain.catalog import ItemCode
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.messages import (
    PAYLOADS,
    CaseDispatched,
    CaseForwarded,
    CaseNumber,
    CaseResultIssued,
    CaseSupplementAnswered,
    CatalogStatusChange,
    FileId,
    MessagePart,
    ParticipantId,
    ProvinceCode,
    RevealedBy,
    Sha256Hex,
    VideoJoiner,
    VideoSessionId,
)

VERSION = "v1"
BASE_ID = f"https://tongban.gov.cn/schemas/messages/{VERSION}/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "openapi" / "messages" / VERSION

CatalogStream = Annotated[str, Field(pattern=ids.CATALOG_STREAM_PATTERN)]
MessageId = Annotated[str, Field(min_length=1, max_length=64)]


# — the envelope and the receipt —


class EnvelopeClaims(MessagePart):
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


class ReceiptClaims(MessagePart):
    """The claims of the receipt JWS (typ tongban-receipt+jws), signed by the receiver (回执)."""

    receipt_for: MessageId
    case: CaseNumber | CatalogStream
    payload_sha256: Sha256Hex
    sender: ProvinceCode = Field(alias="from", description="The receiver, who signs the receipt.")
    to: ProvinceCode
    received_at: AwareDatetime


class SignedRequestClaims(MessagePart):
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


class VideoJoinClaims(SignedRequestClaims):
    """The claims of a signed video-join request (typ tongban-video-join+jws), signed by the province
    whose clerk joins a session held by the receiver (`POST /v1/exchange/video-joins`)."""

    id: MessageId = Field(description="Unique per request; a reused id is refused.")
    case: CaseNumber
    session_id: VideoSessionId
    participant_id: ParticipantId
    joiner: VideoJoiner


class CatalogStatementClaims(MessagePart):
    """The claims of the statement (typ tongban-catalog+jws) answering an item-version fetch, signed
    by the answering gateway: it binds the version document by its payload digest."""

    sender: ProvinceCode = Field(alias="from")
    to: ProvinceCode
    code: ItemCode
    version: int = Field(ge=1)
    payload_sha256: Sha256Hex = Field(description="SHA-256 of the version document's canonical JSON.")
    sent_at: AwareDatetime


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
    receiver's check, with the very schemas partners validate against. It must also parse into its
    model (`PAYLOADS`), as the inbound service will parse it: the schema leaves a `date-time`'s
    format unchecked, the model does not, so a time that is no time is refused here, on receipt."""
    validator = _validators().get(kind)
    if validator is None or kind in CLAIMS or not validator.is_valid(payload):
        return False
    try:
        PAYLOADS[MessageType(kind)].model_validate(payload)
    except ValidationError:
        return False
    return True


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
