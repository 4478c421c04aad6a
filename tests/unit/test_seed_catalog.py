"""The seed item catalog (infra/seed/catalog.json and the national list, infra/seed/national.json) is
valid and covers the required items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.catalog_terms import Mode, PartRule
from chalicelib.domain.identity import SubjectKind
from chalicelib.domain.pinyin import unknown_characters
from infra.seed import national_list

CATALOG_PATH = Path(__file__).resolve().parents[2] / "infra/seed/catalog.json"
NATIONAL_PATH = Path(__file__).resolve().parents[2] / "infra/seed/national.json"
REQUIRED_PROVINCES = ("430000", "450000", "320000")
PROVINCE_PATTERN = "^[1-6][0-9]0000$"

# Each required item, as the key words its name must contain.
REQUIRED_NAMES: tuple[tuple[str, ...], ...] = (
    ("养老保险关系转移接续",),
    ("社会保障卡申领",),
    ("户口迁移", "夫妻投靠"),
    ("无犯罪记录证明",),
    ("工业产品生产许可证",),
    ("异地就医", "备案"),
    ("住房公积金异地转移接续",),
    ("机动车驾驶证", "换"),
    ("门诊费用跨省直接结算",),
)

# Joint items: name key words -> expected part keys.
JOINT_ITEMS: dict[tuple[str, ...], set[str]] = {
    ("户口迁移", "夫妻投靠"): {"move_in_approval", "move_out_registration"},
    ("企业职工基本养老保险关系转移接续",): {
        "transfer_in_acceptance",
        "transfer_out",
        "transfer_in_completion",
    },
    ("住房公积金异地转移接续",): {"transfer_in_application", "transfer_out"},
}


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return data


def _raw_items() -> list[dict[str, Any]]:
    national: list[dict[str, Any]] = json.loads(NATIONAL_PATH.read_text(encoding="utf-8"))["items"]
    return [*_raw()["items"], *national]


def _items() -> list[ItemDefinition]:
    return [ItemDefinition.model_validate(item) for item in _raw_items()]


def _find(items: list[ItemDefinition], words: tuple[str, ...]) -> list[ItemDefinition]:
    return [item for item in items if all(word in item.name for word in words)]


def test_catalog_has_notice_and_items() -> None:
    raw = _raw()
    assert set(raw) == {"notice", "items"}
    assert "sample_fields" in raw["notice"]
    assert isinstance(raw["items"], list)


def test_every_item_validates() -> None:
    errors: list[str] = []
    for index, item in enumerate(_raw_items()):
        try:
            ItemDefinition.model_validate(item)
        except ValueError as err:
            errors.append(f"item {index} ({item.get('name')}): {err}")
    assert not errors, "\n".join(errors)


def test_codes_are_unique() -> None:
    codes = [item.code for item in _items()]
    assert len(codes) == len(set(codes))


def test_at_least_twelve_items() -> None:
    assert len(_items()) >= 12


def test_all_three_modes_are_covered() -> None:
    covered = {mode for item in _items() for mode in item.modes}
    assert covered == set(Mode)


def test_required_items_are_present() -> None:
    items = _items()
    missing = [words for words in REQUIRED_NAMES if not _find(items, words)]
    assert not missing, f"missing items: {missing}"


def test_joint_items_have_cross_province_parts_with_a_dependency() -> None:
    items = _items()
    for words, expected_keys in JOINT_ITEMS.items():
        found = _find(items, words)
        assert len(found) == 1, words
        item = found[0]
        assert Mode.JOINT in item.modes, item.name
        assert {part.key for part in item.joint_parts} == expected_keys, item.name
        rules = {part.province_rule for part in item.joint_parts}
        assert {PartRule.FROM_PROVINCE, PartRule.TO_PROVINCE} <= rules, item.name
        assert any(part.depends_on for part in item.joint_parts), item.name
        schema = item.form_schema
        for field in ("from_province", "to_province"):
            assert field in schema["required"], (item.name, field)
            prop = schema["properties"][field]
            assert prop["type"] == "string", (item.name, field)
            assert prop["pattern"] == PROVINCE_PATTERN, (item.name, field)


def test_joint_parts_only_on_joint_items() -> None:
    for item in _items():
        assert bool(item.joint_parts) == (Mode.JOINT in item.modes), item.name


def test_every_item_is_implemented_in_the_required_provinces() -> None:
    for item in _items():
        missing = [p for p in REQUIRED_PROVINCES if p not in item.implementations]
        assert not missing, (item.name, missing)


def test_sample_data_is_declared() -> None:
    for item in _items():
        if item.implementations:
            assert "implementations" in item.sample_fields, item.name
        if item.fees:
            assert "fees" in item.sample_fields, item.name
        if item.joint_parts:
            assert "joint_parts" in item.sample_fields, item.name


def test_at_least_three_immediate_items() -> None:
    immediate = [item for item in _items() if item.immediate]
    assert len(immediate) >= 3
    assert all(item.promised_limit_days == 0 for item in immediate)


def test_promised_limits_are_compressed() -> None:
    for item in _items():
        if item.immediate or item.statutory_limit_days <= 3:
            continue
        assert item.promised_limit_days * 2 <= item.statutory_limit_days, item.name


def test_deferred_acceptance_and_commitment_are_used() -> None:
    items = _items()
    deferred = [
        item
        for item in items
        if item.allows_deferred_acceptance and any(m.may_be_deferred for m in item.materials)
    ]
    assert len(deferred) >= 2
    assert len([item for item in items if item.allows_commitment]) >= 2


def test_form_schemas_are_draft_2020_12_closed_objects() -> None:
    for item in _items():
        schema = item.form_schema
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", item.name
        assert schema["type"] == "object", item.name
        assert schema["additionalProperties"] is False, item.name
        assert set(schema["required"]) <= set(schema["properties"]), item.name
        assert all("title" in prop for prop in schema["properties"].values()), item.name


# — the national list (国办发〔2020〕35号 and later batches) —

NATIONAL_LISTS = {"国办发〔2020〕35号", "国办发〔2022〕34号"}


def test_the_seed_reaches_toward_the_national_list() -> None:
    national = json.loads(NATIONAL_PATH.read_text(encoding="utf-8"))
    assert "sample_fields" in national["notice"]
    assert len(national["items"]) >= 60
    assert len(_items()) >= 78


def test_every_item_has_its_batch_department_and_source() -> None:
    for item in _items():
        assert item.batch is not None and item.source is not None, item.code
        assert item.batch.document in NATIONAL_LISTS, item.code
        assert item.source.document == item.batch.document, item.code
        assert item.batch.deadline.endswith("年底前"), item.code
        assert item.department, item.code


def test_natural_and_legal_persons_and_many_departments_are_served() -> None:
    items = _items()
    legal = [i for i in items if SubjectKind.LEGAL_PERSON in i.applicant_kinds]
    natural = [i for i in items if SubjectKind.NATURAL_PERSON in i.applicant_kinds]
    assert len(legal) >= 15 and len(natural) >= 50
    assert len({i.department for i in items}) >= 15
    assert len({i.batch.deadline for i in items if i.batch}) >= 3


def test_the_files_are_what_the_national_list_module_builds() -> None:
    """The JSON files are generated: edit infra/seed/national_list.py and run it."""
    assert json.loads(NATIONAL_PATH.read_text(encoding="utf-8")) == national_list.national_catalog()
    assert _raw() == national_list.development_catalog(_raw())


def test_unsourced_values_are_marked_as_sample_data() -> None:
    for item in _items():
        marks = set(item.sample_fields)
        assert {"code", "implementations", "promised_limit_days"} <= marks, item.code
        if item.materials:
            assert "materials" in marks, item.code


def test_every_name_and_alias_has_pinyin_initials() -> None:
    for item in _items():
        for text in (item.name, *item.aliases):
            assert not unknown_characters(text), (item.code, text)


def test_every_seed_implementation_names_an_authority_the_local_clerks_hold() -> None:
    """A case's authority is its item's implementation's (no fallback): the seed names, at each
    province, one of the two authorities the local stack's development clerks belong to."""
    from chalicelib.domain.catalog_rules import authority_violations
    from infra.devtokens import CAST, ROLE_CLAIMS

    clerks = [ROLE_CLAIMS["authority_clerk"]["authority"], CAST["authority_clerk_2"][1]["authority"]]
    for item in _items():
        assert authority_violations(item.implementations) == [], item.code
        for province, implementation in item.implementations.items():
            held = {c.format(province=province) for c in clerks}
            assert implementation.authority_code in held, (item.code, province)
