"""Request and response bodies of the HTTP API, for validation and the OpenAPI contract."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.api.bodies import ResponseBody as _Out
from chalicelib.domain.calendar import YearCalendar
from chalicelib.domain.catalog import Implementation, ItemDefinition, LongText
from chalicelib.domain.catalog_terms import ItemStatus, ItemType, Level, Mode


class Problem(_Out):
    """RFC 9457 problem details; `code` is stable, `title` is in the negotiated language."""

    type: str
    title: str
    status: int
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    # context of a refusal, where it helps the client act (e.g. 409 illegal_transition)
    state: str | None = None
    act: str | None = None
    allowed_acts: list[str] | None = None
    materials: list[str] | None = None
    slot: str | None = None
    mode: str | None = None


class FieldError(_Out):
    field: str
    code: str
    message: str


class ItemSummary(_Out):
    code: str
    name: str
    item_type: ItemType
    department: str
    modes: list[Mode]
    promised_limit_days: int
    immediate: bool
    provinces: list[str]
    version: int


class ItemPage(_Out):
    items: list[ItemSummary]
    next_cursor: str | None


class ItemDetail(ItemDefinition):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    published_at: str
    status: ItemStatus
    compression_ratio: float | None = Field(
        description="压缩比: the share of the statutory limit the promised limit saves, "
        "(statutory_limit_days - promised_limit_days) / statutory_limit_days, from 0 to 1; "
        "null when the statutory limit is 0 days"
    )
    publisher: str | None = None  # the province that publishes the standard (事项标准发布方)
    standard_digest: str | None = None  # sha256: of the standard's RFC 8785 JSON (catalog_standard)


class ProvinceRef(_Out):
    code: str
    name: str


class Guide(_Out):
    """办事指南 of an item in one province."""

    code: str
    version: int
    published_at: str
    province: ProvinceRef
    implementation: Implementation
    item: dict[str, object]
    compression_ratio: float | None = Field(
        description="压缩比 of the item: (statutory_limit_days - promised_limit_days) / statutory_limit_days"
    )
    sample_fields: list[str]


class ItemVersion(_Out):
    code: str
    version: int
    published_at: str
    published_by: str
    definition: ItemDefinition
    publisher: str | None = None
    standard_digest: str | None = None


class Published(_Out):
    code: str
    version: int
    published_at: str


class StatusChangeRequest(BaseModel):
    """Cancel (取消) or delegate (下放) an item from `effective_from` (Beijing date) on."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["cancelled", "delegated"]
    effective_from: date
    reason: LongText
    delegated_to: Level | None = None

    @model_validator(mode="after")
    def _delegation_names_level(self) -> Self:
        if (self.status == "delegated") != (self.delegated_to is not None):
            raise ValueError("delegated_to is given exactly when the item is delegated")
        return self


class StatusDecision(_Out):
    status: ItemStatus
    effective_from: date
    reason: str
    delegated_to: Level | None = None
    decided_at: str
    decided_by: str


class StatusChangeResult(StatusDecision):
    code: str


class OperatorItemView(ItemDetail):
    status_changes: list[StatusDecision]


class CalendarYear(YearCalendar):
    pass


class Health(_Out):
    status: Literal["ok"]
    province: ProvinceRef
    stage: str
    version: str


class Me(_Out):
    subject: str
    role: str
    issuer: str
    province: str | None = Field(default=None)
    window: str | None = None
    authority: str | None = None


class ProblemType(_Out):
    code: str
    status: int
    title_zh: str
    title_en: str


Problem.model_rebuild()
