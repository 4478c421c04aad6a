"""One way a case comes to be (新办件): from the item version it is filed under, wherever it is built.

A case is opened in three places — an applicant's or window's draft (services/cases.py), a case a
partner forwarded or dispatched, or a joint part it started (services/inbound.py), and a part the
lead of a joint case starts (services/joint.py) — and all three build it here, so they agree.

Invariants:
- The item is read once, as `CaseItem`: the catalog document as a case needs it (key elements of
  one version and the implementations in force).
- The handling authority is the item's implementation at the handling province (实施清单
  `authority_code`, required when an implementation is published). There is no fallback: an item
  not implemented at the handling province, or implemented without an authority, opens no case
  (`province_not_implemented`).
- A case number (办件编号) carries the Beijing date of the moment it is opened, where it is opened.
- A joint part (多地联办) is named after its role, is never an immediate item and takes neither
  容缺受理 nor 告知承诺制 (its lead's coordinator decides the joint case); its clock runs on the
  part's own promised limit and it holds only the materials the part uses.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.access import principal_key_of
from chalicelib.domain.case import (
    ENTRUSTMENT_SLOT,
    ActingFor,
    Agent,
    Applicant,
    Case,
    CaseClock,
    CaseExchange,
    Channel,
    Entrustment,
    Handler,
    Intake,
    JointLink,
    Slot,
)
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.catalog import Implementation, JointPart, Material
from chalicelib.domain.catalog_terms import Delivery, Mode
from chalicelib.domain.clock import beijing_date
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identifiers import ISSUED_ALPHABET
from chalicelib.domain.shipments import CONSENT_SLOT

EXTRA_SLOT_TYPES = ["application/pdf", "image/jpeg", "image/png"]
EXTRA_SLOT_BYTES = 10 * 1024 * 1024


class CaseItem(BaseModel):
    """事项 as a case needs it: one published version's key elements and the implementations in force.

    Parsed once from the catalog document (the item detail, a version's definition, or the
    definition a partner's case is handled by); the rest of the document stays the catalog's.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    version: int
    name: str
    immediate: bool = False  # 即办件
    allows_deferred_acceptance: bool = False  # 容缺受理
    allows_commitment: bool = False  # 告知承诺制
    modes: list[Mode]
    materials: list[Material] = Field(default_factory=list)
    form_schema: dict[str, Any]
    result_delivery: list[Delivery] = Field(default_factory=list)  # 出件方式
    statutory_limit_days: int  # 法定时限
    promised_limit_days: int  # 承诺时限
    joint_parts: list[JointPart] = Field(default_factory=list)
    implementations: dict[str, Implementation]

    @classmethod
    def of(cls, doc: dict[str, Any], version: int | None = None) -> Self:
        """From a catalog document; `version` when the document does not carry it (a definition)."""
        delivery = (doc.get("result") or {}).get("delivery", [])
        return cls.model_validate(
            {**doc, "version": doc["version"] if version is None else version, "result_delivery": delivery}
        )

    def serves(self, mode: Mode) -> bool:
        return mode in self.modes

    def implementation_at(self, province: str) -> Implementation:
        """实施清单 at `province`, naming the authority that handles the item there."""
        implementation = self.implementations.get(province)
        if implementation is None or not implementation.authority_code:
            raise NotFound("province_not_implemented")
        return implementation

    def handler_at(self, province: str, channel: Channel) -> Handler:
        """Who handles a case of this item at `province`: the authority its implementation names."""
        implementation = self.implementation_at(province)
        assert implementation.authority_code is not None  # implementation_at refuses the rest
        return Handler(
            province=province,
            authority=implementation.authority_code,
            authority_name=implementation.authority,
            channel=channel,
        )


def new_case_number(province: str, today: str) -> str:
    """办件编号: province, date and a random part, e.g. 430000-20261123-7KQ2M9XA."""
    return f"{province}-{today}-{''.join(secrets.choice(ISSUED_ALPHABET) for _ in range(8))}"


def case_number(province: str, at: datetime) -> str:
    """A new case's number where it is filed, dated in Beijing time (a case filed at 01:00 on the
    1st in Beijing is the 1st's, though it is still the 30th in UTC)."""
    return new_case_number(province, f"{beijing_date(at):%Y%m%d}")


def slot_of(material: Material) -> Slot:
    """A case's material slot from an item version's material."""
    return Slot(
        code=material.code,
        name=material.name,
        required=material.required,
        may_be_deferred=material.may_be_deferred,
        elicence_type=material.elicence_type,
        content_types=list(material.content_types),
        max_bytes=material.max_bytes,
        original_required=material.original_required,
    )


def extra_slot(
    code: str, name: str, content_types: Sequence[str] = EXTRA_SLOT_TYPES, max_bytes: int = EXTRA_SLOT_BYTES
) -> Slot:
    """A slot of the gateway's own beside the item's materials: optional, never deferred."""
    return Slot(
        code=code,
        name=name,
        required=False,
        may_be_deferred=False,
        content_types=list(content_types),
        max_bytes=max_bytes,
    )


def entrustment_slot() -> Slot:
    """授权委托书: the slot a case filed by an agent gets. Optional: the principal may instead
    authorise the agent from their own account; either way acceptance waits for it."""
    return extra_slot(ENTRUSTMENT_SLOT, "授权委托书")


def consent_slot() -> Slot:
    """服务同意书: the slot a window intake gets for the applicant's scanned paper consent."""
    return extra_slot(CONSENT_SLOT, "服务同意书")


def new_case(
    item: CaseItem,
    *,
    province: str,
    origin_province: str,
    mode: Mode,
    channel: Channel,
    applicant: Applicant,
    at: datetime,
    form: dict[str, Any] | None = None,
    number: str | None = None,
    submitted_at: datetime | None = None,
    agent: Agent | None = None,
    entrustment: Entrustment | None = None,
    intake: Intake | None = None,
    acting_for: ActingFor | None = None,
    exchange: CaseExchange | None = None,
    joint: JointLink | None = None,
    share: list[str] | None = None,
) -> Case:
    """A new case of `item`, handled at `province` by the authority its implementation names.

    `channel` is how it reached its handler (the app, a window, a partner's exchange); without
    `submitted_at` it is the applicant's draft (草稿), with it a filed case (a partner's, or a joint
    part). `number` is a partner's (a case keeps its number across provinces); else the case is
    numbered at `origin_province` now. `share` lists the materials a joint part uses (None: all).
    An `agent` (委托代办) brings the entrustment and its slot, an `intake` (异地代收) the consent slot.
    """
    handler = item.handler_at(province, channel)
    materials = [m for m in item.materials if share is None or m.code in share]
    slots = [slot_of(m) for m in materials]
    if agent is not None:
        slots.append(entrustment_slot())
    if intake is not None:
        slots.append(consent_slot())
    part_days = joint.promised_days if joint is not None else None
    return Case(
        number=number or case_number(origin_province, at),
        item_code=item.code,
        item_version=item.version,
        item_name=item.name if joint is None else f"{item.name}（{joint.role}）",
        immediate=item.immediate and joint is None,
        allows_deferred_acceptance=item.allows_deferred_acceptance and joint is None,
        allows_commitment=item.allows_commitment and joint is None,
        result_delivery=list(item.result_delivery),
        mode=mode,
        origin_province=origin_province,
        handler=handler,
        applicant=applicant,
        acting_for=acting_for,
        agent=agent,
        entrustment=(entrustment or Entrustment()) if agent is not None else None,
        principal_key=principal_key_of(applicant) if agent is not None else None,
        form=dict(form or {}),
        slots=slots,
        state=CaseState.DRAFT if submitted_at is None else CaseState.SUBMITTED,
        created_at=at,
        updated_at=at,
        submitted_at=submitted_at,
        clock=CaseClock(
            statutory_days=item.statutory_limit_days,
            promised_days=item.promised_limit_days if part_days is None else part_days,
        ),
        exchange=exchange,
        intake=intake,
        joint=joint,
    )
