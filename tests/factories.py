"""Builders of valid inputs that tests then break one rule at a time."""

from __future__ import annotations

import copy
from typing import Any

BASE_ITEM: dict[str, Any] = {
    "code": "TEST-0001",
    "name": "测试事项证明开具",
    "aliases": ["测试证明"],
    "item_type": "public_service",
    "department": "测试部",
    "level": "municipal",
    "legal_basis": [{"title": "《测试条例》"}],
    "acceptance_conditions": ["申请人为本人"],
    "process": [
        {"kind": "accept", "name": "受理"},
        {"kind": "review", "name": "审核"},
        {"kind": "decide", "name": "决定"},
    ],
    "statutory_limit_days": 20,
    "promised_limit_days": 5,
    "materials": [
        {"code": "id_card", "name": "居民身份证", "original_required": True, "elicence_type": "居民身份证"}
    ],
    "form_schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"purpose": {"type": "string", "title": "用途"}},
        "required": ["purpose"],
        "additionalProperties": False,
    },
    "result": {"type": "certification", "name": "测试证明", "delivery": ["electronic"]},
    "contacts": [{"kind": "hotline", "value": "12345"}],
    "modes": ["full_online"],
    "implementations": {
        "430000": {
            "authority": "长沙市测试局",
            "authority_code": "A-430000-01",
            "local_code": "HN-T-1",
            "contact_phone": "0731-12345",
        },
        "450000": {
            "authority": "南宁市测试局",
            "authority_code": "A-450000-01",
            "local_code": "GX-T-1",
            "contact_phone": "0771-12345",
        },
    },
    "sample_fields": ["implementations"],
}

JOINT_PARTS = [
    {
        "key": "move_in",
        "role": "迁入地审批",
        "department": "公安机关",
        "province_rule": "to_province",
        "promised_limit_days": 5,
        "materials": ["id_card"],
    },
    {
        "key": "move_out",
        "role": "迁出地迁出登记",
        "department": "公安机关",
        "province_rule": "from_province",
        "promised_limit_days": 3,
        "depends_on": ["move_in"],
    },
]


def item(**overrides: Any) -> dict[str, Any]:
    built = copy.deepcopy(BASE_ITEM)
    built.update(copy.deepcopy(overrides))
    return built


PROVINCE_FIELD = {"type": "string", "pattern": "^[1-6][0-9]0000$", "title": "省级行政区划代码"}
JOINT_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "purpose": {"type": "string", "title": "用途"},
        "from_province": PROVINCE_FIELD,
        "to_province": PROVINCE_FIELD,
    },
    "required": ["purpose", "from_province", "to_province"],
    "additionalProperties": False,
}


def joint_item(**overrides: Any) -> dict[str, Any]:
    """A joint item whose parts' province rules read the form's `from_province` and `to_province`."""
    return item(
        **{
            "code": "TEST-JOINT",
            "modes": ["joint", "full_online"],
            "joint_parts": JOINT_PARTS,
            "form_schema": JOINT_FORM,
            **overrides,
        }
    )


# — cases, for domain tests without AWS —


def working_calendar_2025_2026() -> Any:
    """The real published calendars of 2025 and 2026 (chinesecalendar), as one working calendar."""
    from chalicelib.domain.working_days import WorkingCalendar
    from infra.local.seed import calendar_years

    return WorkingCalendar.of([y for y in calendar_years() if y.year in (2025, 2026)])


def pdf_slot(code: str, name: str, *, required: bool = True, elicence_type: str | None = None) -> Any:
    from chalicelib.domain.case import Slot

    return Slot(
        code=code,
        name=name,
        required=required,
        may_be_deferred=False,
        elicence_type=elicence_type,
        content_types=["application/pdf"],
        max_bytes=10 * 1024 * 1024,
    )


def case_model(subject: str = "dev-applicant-1", **fields: Any) -> Any:
    """A 工业产品生产许可证 draft at 湖南 of a development applicant; `fields` replace any default."""
    from datetime import datetime

    from chalicelib.domain.case import Applicant, Case, CaseClock, Channel, Handler
    from chalicelib.domain.case_states import CaseState
    from chalicelib.domain.catalog_terms import Mode
    from chalicelib.domain.clock import BEIJING
    from infra.local.seed_licences import dev_applicants

    person = next(a for a in dev_applicants() if a["subject"] == subject)
    created = fields.pop("created_at", datetime(2025, 2, 27, 8, 0, tzinfo=BEIJING))
    defaults: dict[str, Any] = {
        "number": "430000-20250227-TESTCASE",
        "item_code": "KSTB-SJ-001",
        "item_version": 1,
        "item_name": "工业产品生产许可证",
        "immediate": False,
        "allows_deferred_acceptance": False,
        "allows_commitment": False,
        "mode": Mode.FULL_ONLINE,
        "origin_province": "430000",
        "handler": Handler(
            province="430000",
            authority="A-430000-01",
            authority_name="湖南省市场监督管理局",
            channel=Channel.MOBILE,
        ),
        "applicant": Applicant(
            subject=person["subject"],
            issuer="https://id.430000.example",
            name=person["name"],
            id_number=person["id_number"],
            phone=person["phone"],
        ),
        "form": {"enterprise_name": "测试机械有限公司"},
        "slots": [],
        "files": [],
        "state": CaseState.DRAFT,
        "created_at": created,
        "updated_at": created,
        "clock": CaseClock(statutory_days=20, promised_days=10),
    }
    return Case(**{**defaults, **fields})


def command_of(act: Any, **params: Any) -> Any:
    """The domain command of `act` from a test's keyword parameters, as a route's request model
    builds it: parameters the act does not take are left out, lists become tuples, and the enum and
    model fields (`delivery`, `procedure`, `items`) are given as their JSON values."""
    import dataclasses

    from chalicelib.domain.case import SupplementItem, SuspensionProcedure
    from chalicelib.domain.catalog_terms import Delivery
    from chalicelib.domain.commands import COMMANDS

    kind = COMMANDS[act]
    names = {f.name for f in dataclasses.fields(kind)}
    convert: dict[str, Any] = {
        "delivery": Delivery,
        "procedure": SuspensionProcedure,
        "items": lambda items: tuple(SupplementItem.model_validate(i) for i in items),
        "reasons": lambda reasons: tuple(reasons or ()),
        "deferred_materials": lambda codes: tuple(codes or ()),
    }
    given = {k: convert.get(k, lambda v: v)(v) for k, v in params.items() if k in names}
    return kind(**given)
