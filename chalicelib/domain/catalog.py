"""The item catalog (政务服务事项目录): item definitions, their versions and their status.

An item carries the standard elements that must be identical wherever it is handled (四级四同 /
五级十二同: level, time limits, conditions, process, materials, form, fees, result); only the
per-province implementation (实施清单: authority, local code, contact) differs by province.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.case_states import RESULT_SLOT
from chalicelib.domain.catalog_terms import (
    Delivery,
    ItemStatus,
    ItemType,
    Level,
    Mode,
    PartRule,
    ResultType,
    StepKind,
)
from chalicelib.domain.forms import declaration_errors
from chalicelib.domain.identifiers import ITEM_CODE_PATTERN, PROVINCE_CODE_PATTERN, SLOT_PATTERN
from chalicelib.domain.identity import Assurance, SubjectKind
from chalicelib.domain.regions import is_province

ItemCode = Annotated[str, Field(pattern=ITEM_CODE_PATTERN)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]
ProvinceCode = Annotated[str, Field(pattern=PROVINCE_CODE_PATTERN)]
MAX_MATERIAL_BYTES = 50 * 1024 * 1024


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LegalBasis(_Model):
    title: ShortText
    article: str | None = Field(default=None, max_length=200)


class ProcessStep(_Model):
    kind: StepKind
    name: ShortText
    description: str | None = Field(default=None, max_length=2000)


class Material(_Model):
    """申请材料. `may_be_deferred` marks a non-key material that 容缺受理 may accept missing."""

    code: Annotated[str, Field(pattern=SLOT_PATTERN)]
    name: ShortText
    required: bool = True
    original_required: bool = False  # 需核验原件
    copies: int = Field(default=1, ge=0, le=20)
    sample: str | None = Field(default=None, max_length=2000)  # 示范文本
    common_errors: list[ShortText] = Field(default_factory=list)  # 常见错误示例
    elicence_type: str | None = Field(default=None, max_length=100)  # 可替代的电子证照类型
    may_be_deferred: bool = False
    content_types: list[str] = Field(
        default_factory=lambda: ["application/pdf", "image/jpeg", "image/png"], min_length=1
    )
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=MAX_MATERIAL_BYTES)


class Fee(_Model):
    """收费依据及标准. Money in fen."""

    name: ShortText
    amount_fen: int = Field(ge=0)
    basis: ShortText


class Result(_Model):
    type: ResultType
    name: ShortText
    delivery: list[Delivery] = Field(min_length=1)
    elicence_type: str | None = Field(default=None, max_length=100)


class Contact(_Model):
    """Consultation channel of an authority (机构电话, not a person's data)."""

    kind: Annotated[str, Field(pattern=r"^(phone|hotline|web|window|email)$")]
    value: ShortText


class JointPart(_Model):
    """One part of a 多地联办 item: a role handled by an authority of the province its rule picks."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")]
    role: ShortText  # e.g. 迁入地审批
    department: ShortText
    province_rule: PartRule
    promised_limit_days: int = Field(ge=0, le=365)
    depends_on: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)  # codes of the item's materials it uses


class Implementation(_Model):
    """实施清单: how one province implements the item (the key elements stay the item's)."""

    authority: ShortText
    authority_code: str | None = Field(default=None, max_length=64)  # required at publish (catalog_rules)
    local_code: ShortText
    contact_phone: ShortText
    address: str | None = Field(default=None, max_length=200)
    office_hours: str | None = Field(default=None, max_length=200)


class Batch(_Model):
    """批次: the national 跨省通办 list that put the item on it, and its deadline batch (完成时限)."""

    document: ShortText  # 文号 of the list, e.g. 国办发〔2020〕35号
    deadline: ShortText  # the batch within it, e.g. 2020年底前


class Source(_Model):
    """来源: the published document the item's listing and key elements are taken from."""

    title: ShortText
    document: str | None = Field(default=None, max_length=100)  # 文号
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s]+$")


class ItemDefinition(_Model):
    """One version of an item's standard elements, as an operator publishes it."""

    code: ItemCode
    name: ShortText
    aliases: list[ShortText] = Field(default_factory=list)  # search words, e.g. 社保卡
    item_type: ItemType
    department: ShortText
    level: Level
    legal_basis: list[LegalBasis] = Field(min_length=1)
    acceptance_conditions: list[LongText] = Field(min_length=1)
    process: list[ProcessStep] = Field(min_length=1)
    statutory_limit_days: int = Field(ge=0, le=365)  # 法定时限 (工作日)
    promised_limit_days: int = Field(ge=0, le=365)  # 承诺时限 (工作日)
    immediate: bool = False  # 即办件
    allows_deferred_acceptance: bool = False  # 容缺受理
    allows_commitment: bool = False  # 告知承诺制
    applicant_kinds: list[SubjectKind] = Field(default=[SubjectKind.NATURAL_PERSON], min_length=1)  # 服务对象
    min_assurance: Assurance = Assurance.ID_CHECK  # the weakest 实名认证 level that may file
    materials: list[Material] = Field(default_factory=list)
    form_schema: dict[str, Any]
    fees: list[Fee] = Field(default_factory=list)
    result: Result
    contacts: list[Contact] = Field(min_length=1)
    modes: list[Mode] = Field(min_length=1)
    joint_parts: list[JointPart] = Field(default_factory=list)
    implementations: dict[str, Implementation] = Field(min_length=1)
    batch: Batch | None = None  # 批次 of the national list, when the item is on one
    source: Source | None = None  # 来源
    # Fields holding sample, not official, data: a field (`materials`), or one part of it
    # (`materials.<code>`, `joint_parts.<key>`, `batch.deadline`, `result.name`).
    sample_fields: list[str] = Field(default_factory=list)

    @field_validator("form_schema")
    @classmethod
    def _form_schema_is_json_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as err:
            raise ValueError(f"form_schema is not a valid JSON Schema: {err.message}") from None
        if value.get("type") != "object":
            raise ValueError("form_schema must describe an object (type: object)")
        errors = declaration_errors(value)
        if errors:
            raise ValueError("form_schema personal-data declarations: " + "; ".join(errors))
        return value

    @field_validator("implementations")
    @classmethod
    def _implementations_are_provinces(cls, value: dict[str, Implementation]) -> dict[str, Implementation]:
        unknown = sorted(code for code in value if not is_province(code))
        if unknown:
            raise ValueError(f"unknown province codes (GB/T 2260): {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Self:
        errors = list(_rule_violations(self))
        if errors:
            raise ValueError("; ".join(errors))
        return self


def _rule_violations(item: ItemDefinition) -> list[str]:
    found: list[str] = []
    if item.promised_limit_days > item.statutory_limit_days:
        found.append("promised_limit_days must not exceed statutory_limit_days (承诺时限 ≤ 法定时限)")
    if item.immediate and item.promised_limit_days != 0:
        found.append("an immediate item (即办件) has promised_limit_days 0")
    if len(set(item.modes)) != len(item.modes):
        found.append("modes must not repeat")
    codes = [m.code for m in item.materials]
    if len(set(codes)) != len(codes):
        found.append("material codes must be unique")
    if RESULT_SLOT in codes:
        found.append(f"material code {RESULT_SLOT} is reserved for the result documents")
    deferred = [m.code for m in item.materials if m.may_be_deferred]
    if deferred and not item.allows_deferred_acceptance:
        found.append("materials may be deferred only when the item allows 容缺受理")
    found.extend(
        f"material {m.code}: a deferrable material cannot be a required key original"
        for m in item.materials
        if m.may_be_deferred and m.original_required
    )
    if not any(step.kind is StepKind.ACCEPT for step in item.process):
        found.append("process must contain an accept (受理) step")
    found.extend(_sample_field_violations(item))
    found.extend(_joint_violations(item, set(codes)))
    return found


def _sample_field_violations(item: ItemDefinition) -> list[str]:
    """A sample mark names a field of the item, or one part of a field that has parts."""
    found: list[str] = []
    for mark in item.sample_fields:
        field, _, part = mark.partition(".")
        if field not in ItemDefinition.model_fields:
            found.append(f"sample_fields names unknown field {field}")
        elif part and part not in _parts_of(item, field):
            found.append(f"sample_fields names unknown part {mark}")
    return found


def _parts_of(item: ItemDefinition, field: str) -> set[str]:
    value = getattr(item, field)
    if field == "materials":
        return {m.code for m in item.materials}
    if field == "joint_parts":
        return {p.key for p in item.joint_parts}
    if field == "implementations":
        return set(item.implementations)
    if isinstance(value, BaseModel):
        return set(type(value).model_fields)
    return set()


def _joint_violations(item: ItemDefinition, material_codes: set[str]) -> list[str]:
    is_joint = Mode.JOINT in item.modes
    if not is_joint:
        return ["joint_parts are only for joint (多地联办) items"] if item.joint_parts else []
    parts = item.joint_parts
    if len(parts) < 2:
        return ["a joint (多地联办) item needs at least two parts"]
    found: list[str] = []
    keys = [p.key for p in parts]
    if len(set(keys)) != len(keys):
        found.append("joint part keys must be unique")
    for part in parts:
        found.extend(f"part {part.key} depends on unknown part {d}" for d in part.depends_on if d not in keys)
        found.extend(
            f"part {part.key} uses unknown material {m}" for m in part.materials if m not in material_codes
        )
        if part.promised_limit_days > item.statutory_limit_days:
            found.append(f"part {part.key}: promised limit exceeds the item's statutory limit")
    if not found and _has_cycle({p.key: p.depends_on for p in parts}):
        found.append("joint part dependencies must not form a cycle")
    return found


def _has_cycle(graph: dict[str, list[str]]) -> bool:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str) -> bool:
        if state.get(node) == 1:
            return True
        if state.get(node) == 2:
            return False
        state[node] = 1
        if any(visit(nxt) for nxt in graph.get(node, [])):
            return True
        state[node] = 2
        return False

    return any(visit(n) for n in graph)


class StatusChange(_Model):
    """An operator's decision to cancel (取消) or delegate (下放) an item from a date on."""

    status: ItemStatus
    effective_from: date
    reason: LongText
    delegated_to: Level | None = None
    decided_at: datetime
    decided_by: ShortText

    @model_validator(mode="after")
    def _delegation_names_level(self) -> Self:
        if self.status is ItemStatus.ACTIVE:
            raise ValueError("a status change is a cancellation or a delegation")
        if (self.status is ItemStatus.DELEGATED) != (self.delegated_to is not None):
            raise ValueError("delegated_to is given exactly when the item is delegated")
        return self
