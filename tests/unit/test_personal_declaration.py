"""Personal data by declaration: `x-personal` in form schemas, checked at publish, masked in every
view for anyone but the owner (nested objects and arrays too), and the reveal's rules and words."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.case_acts import By
from chalicelib.domain.case_states import Actor
from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.forms import declaration_errors, mask_form, personal_fields, value_at
from chalicelib.domain.personal import (
    FULL_MASK,
    PersonalKind,
    mask,
    mask_account_number,
    mask_address,
)
from chalicelib.domain.reveal import (
    REVEAL_ACT,
    check_request,
    clear_values,
    reveal,
    reveal_text,
    revealed_payload,
)
from chalicelib.services.case_views import case_view
from tests.factories import case_model, item, working_calendar_2025_2026

CATALOG = Path(__file__).resolve().parents[2] / "infra/seed/catalog.json"

NESTED: dict[str, Any] = {
    "type": "object",
    "properties": {
        "mobile": {"type": "string", "x-personal": "phone"},
        "city": {"type": "string"},
        "household": {
            "type": "object",
            "properties": {
                "spouse_name": {"type": "string", "x-personal": "name"},
                "address": {"type": ["string", "null"], "x-personal": "address"},
                "members": {"type": "integer"},
            },
        },
        "children": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "x-personal": "name"},
                    "id_number": {"type": "string", "x-personal": "id_number"},
                    "school": {"type": "string"},
                },
            },
        },
        "phones": {"type": "array", "items": {"type": "string", "x-personal": "phone"}},
    },
}
FORM: dict[str, Any] = {
    "mobile": "13800000001",
    "city": "长沙市",
    "household": {"spouse_name": "欧阳娜娜", "address": "湖南省长沙市岳麓区麓山南路1号", "members": 3},
    "children": [
        {"name": "张小明", "id_number": "430102201501010012", "school": "第一小学"},
        {"name": "张小红", "school": "第二小学"},
    ],
    "phones": ["13900000002", "13700000003"],
}
CLEAR = ("13800000001", "欧阳娜娜", "麓山南路", "张小明", "430102201501010012", "小红", "13900000002")


def test_masks_of_each_kind_keep_little_and_not_text_is_masked_whole() -> None:
    assert mask(PersonalKind.PHONE, "13800000001") == "138****0001"
    assert mask(PersonalKind.NAME, "欧阳娜娜") == "欧***"
    assert mask(PersonalKind.ID_NUMBER, "430102199001010016") == "430102********0016"
    assert mask_address("湖南省长沙市岳麓区麓山南路1号") == "湖南省长沙市" + "*" * 9
    assert mask_address("长沙市") == "***"
    assert mask_account_number("6222020202020202") == "*" * 12 + "0202"
    assert mask(PersonalKind.OTHER, "ZS1234567") == FULL_MASK
    assert mask(PersonalKind.PHONE, 13800000001) == FULL_MASK
    assert mask(PersonalKind.PHONE, None) is None


def test_declared_fields_are_found_in_nested_objects_and_arrays() -> None:
    assert personal_fields(NESTED) == {
        "mobile": PersonalKind.PHONE,
        "household.spouse_name": PersonalKind.NAME,
        "household.address": PersonalKind.ADDRESS,
        "children[].name": PersonalKind.NAME,
        "children[].id_number": PersonalKind.ID_NUMBER,
        "phones[]": PersonalKind.PHONE,
    }
    assert declaration_errors(NESTED) == []


def test_masking_a_form_masks_every_declared_field_at_any_depth_and_nothing_else() -> None:
    masked = mask_form(NESTED, FORM)
    text = json.dumps(masked, ensure_ascii=False)
    for clear in CLEAR:
        assert clear not in text
    assert masked["city"] == "长沙市" and masked["household"]["members"] == 3
    assert masked["children"][0]["school"] == "第一小学"
    assert masked["mobile"] == "138****0001"
    assert masked["children"][1] == {"name": "张**", "school": "第二小学"}
    assert masked["phones"] == ["139****0002", "137****0003"]
    assert FORM["mobile"] == "13800000001"  # the case's own form is untouched


def test_values_at_paths_through_objects_and_arrays() -> None:
    assert value_at(FORM, "household.spouse_name") == "欧阳娜娜"
    assert value_at(FORM, "children[].name") == ["张小明", "张小红"]
    assert value_at(FORM, "children[].id_number") == ["430102201501010012", None]
    assert value_at(FORM, "phones[]") == ["13900000002", "13700000003"]
    assert value_at({}, "household.spouse_name") is None


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "object", "properties": {"a": {"type": "string", "x-personal": "iris"}}}, "must be one of"),
        ({"type": "object", "properties": {"a": {"type": "integer", "x-personal": "phone"}}}, "text field"),
        (
            {"type": "object", "properties": {"a": {"type": "object", "x-personal": "name"}}},
            "text field",
        ),
        ({"type": "object", "x-personal": "name"}, "(root)"),
        (
            {"type": "object", "properties": {"a": {"oneOf": [{"type": "string", "x-personal": "phone"}]}}},
            "only on fields under properties/items",
        ),
        (
            {"type": "object", "additionalProperties": {"type": "string", "x-personal": "phone"}},
            "only on fields under properties/items",
        ),
        (
            {"type": "object", "$defs": {"p": {"type": "string", "x-personal": "phone"}}},
            "only on fields under properties/items",
        ),
    ],
)
def test_a_malformed_declaration_is_refused_at_publish(schema: dict[str, Any], message: str) -> None:
    assert any(message in error for error in declaration_errors(schema))
    with pytest.raises(ValidationError) as caught:
        ItemDefinition.model_validate(item(form_schema=schema))
    assert "personal-data declarations" in str(caught.value) and message in str(caught.value)


def test_every_seeded_personal_field_is_declared() -> None:
    """Phones, addresses, names of others, account and certificate numbers are declared, in every item."""
    personal_names = {
        "mobile": "phone",
        "mailing_address": "address",
        "spouse_name": "name",
        "to_address": "address",
        "premises_address": "address",
        "bank_account": "account_number",
        "from_account_no": "account_number",
        "certificate_no": "other",
        "guardian_name": "name",
        "spouse_id_number": "id_number",
        "legal_representative": "name",
        "property_location": "address",
        "repayment_account": "account_number",
    }
    national = CATALOG.with_name("national.json")
    items = [*json.loads(CATALOG.read_text(encoding="utf-8"))["items"]]
    items += json.loads(national.read_text(encoding="utf-8"))["items"]
    seen = 0
    for entry in items:
        declared = personal_fields(entry["form_schema"])
        assert declaration_errors(entry["form_schema"]) == []
        for name in entry["form_schema"]["properties"]:
            if name in personal_names:
                assert declared.get(name) == personal_names[name], (entry["code"], name)
                seen += 1
            else:
                assert name not in declared, (entry["code"], name)
    assert seen >= 20


# — the case view —


def _case() -> Any:
    return case_model(form=dict(FORM))


def _view(*, owner: bool) -> dict[str, Any]:
    return case_view(
        _case(),
        owner=owner,
        role=None,
        calendar=working_calendar_2025_2026(),
        today=datetime(2025, 3, 3, tzinfo=BEIJING).date(),
        form_schema=None if owner else NESTED,
    )


def test_the_case_view_masks_the_applicant_and_the_form_for_anyone_but_the_owner() -> None:
    case = _case()
    masked = json.dumps(_view(owner=False), ensure_ascii=False)
    for clear in (*CLEAR, case.applicant.id_number, case.applicant.phone, case.applicant.name):
        assert clear not in masked
    clear_view = _view(owner=True)
    assert clear_view["form"] == FORM and clear_view["applicant"]["id_number"] == case.applicant.id_number


def test_a_view_for_a_non_owner_without_the_schema_is_refused_not_shown_clear() -> None:
    with pytest.raises(ValueError, match="masks by the form schema"):
        case_view(
            _case(),
            owner=False,
            role=None,
            calendar=working_calendar_2025_2026(),
            today=datetime(2025, 3, 3, tzinfo=BEIJING).date(),
            form_schema=None,
        )


# — the reveal —

CLERK = By(
    actor=Actor.CLERK,
    role="authority_clerk",
    subject="clerk-1",
    province="430000",
    authority="A-430000-01",
)


def test_a_reveal_names_fields_kinds_and_purpose_never_values() -> None:
    case = _case()
    wanted = ["applicant.id_number", "form.children[].id_number"]
    fields = check_request(NESTED, wanted, "identity_check", None)
    outcome = reveal(case, CLERK, datetime(2025, 3, 4, 9, tzinfo=BEIJING), fields, "identity_check", None)
    assert outcome.event["act"] == REVEAL_ACT
    assert outcome.event["details"]["fields"] == ["applicant.id_number", "form.children[].id_number"]
    assert outcome.event["details"]["kinds"] == ["id_number", "id_number"]
    sent = json.dumps([outcome.event, revealed_payload(outcome.event)], ensure_ascii=False)
    assert case.applicant.id_number not in sent and "430102201501010012" not in sent
    assert clear_values(case, fields) == {
        "applicant.id_number": case.applicant.id_number,
        "form.children[].id_number": ["430102201501010012", None],
    }


@pytest.mark.parametrize(
    ("fields", "purpose", "note", "errors"),
    [
        (["form.city"], "identity_check", None, [("fields.0", "field_not_revealable")]),
        (["applicant.subject"], "identity_check", None, [("fields.0", "field_not_revealable")]),
        (["form.mobile"], "other", None, [("note", "reveal_note_required")]),
        (["form.mobile"], "other", "  ", [("note", "reveal_note_required")]),
    ],
)
def test_a_reveal_of_what_is_not_declared_or_without_a_reason_is_refused(
    fields: list[str], purpose: str, note: str | None, errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_request(NESTED, fields, purpose, note)
    assert [(e["field"], e["code"]) for e in caught.value.errors] == errors


def test_a_reveal_reads_in_plain_words_in_chinese_and_english_here_and_at_home() -> None:
    case = _case()
    fields = check_request(NESTED, ["applicant.id_number", "form.mobile"], "identity_check", None)
    event = reveal(case, CLERK, datetime(2025, 3, 4, 9, tzinfo=BEIJING), fields, "identity_check", None).event
    zh = reveal_text(case, event, "zh")
    assert zh == "湖南省市场监督管理局的工作人员因“核验申请人身份”查看了您的身份证件号码、手机号码明文。"
    en = reveal_text(case, event, "en")
    assert en is not None
    assert en.startswith("Staff of 湖南省市场监督管理局 (A-430000-01, 430000) viewed your ID number")
    mirrored = {"act": "partner_revealed", "details": revealed_payload(event), "by": {"role": "partner"}}
    assert reveal_text(case, mirrored, "zh") == zh
    assert reveal_text(case, {"act": "accept", "details": {}}, "zh") is None
