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
        "430000": {"authority": "长沙市测试局", "local_code": "HN-T-1", "contact_phone": "0731-12345"},
        "450000": {"authority": "南宁市测试局", "local_code": "GX-T-1", "contact_phone": "0771-12345"},
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


def joint_item(**overrides: Any) -> dict[str, Any]:
    return item(
        **{"code": "TEST-JOINT", "modes": ["joint", "full_online"], "joint_parts": JOINT_PARTS, **overrides}
    )
