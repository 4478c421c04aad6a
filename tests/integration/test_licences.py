"""The local e-licence stand-in in the catalog table: find, get, issue, privacy, seed."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import boto3
import pytest

from chalicelib.adapters.licences import LocalLicenceProvider
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.personal import entity_holder_key, holder_key
from chalicelib.services.licences import Licence, LicenceProvider, TrustLevel
from infra.local.seed_licences import dev_applicants, seed_licence_entries, seed_licences
from tests.conftest import PREFIX

TABLE = f"{PREFIX}-catalog"
HOLDER = "430102199001010016"
HOLDER_NAME = "测试申请人甲"
OTHER = "450103198505050025"
NOW = datetime(2025, 6, 1, 23, 30, tzinfo=BEIJING)


def licence(reference: str, licence_type: str, number: str = HOLDER, **changes: Any) -> Licence:
    values: dict[str, Any] = {
        "reference": reference,
        "licence_type": licence_type,
        "title": licence_type,
        "holder_key": holder_key(number),
        "holder_name_masked": "测*****",
        "issuer": "长沙市公安局芙蓉分局",
        "issued_on": date(2016, 3, 1),
        "valid_until": None,
        "trust_level": TrustLevel.A,
        **changes,
    }
    return Licence(**values)


def scan() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE):
        items.extend(page["Items"])
    return items


@pytest.fixture
def provider(clean_aws: None) -> LocalLicenceProvider:
    return LocalLicenceProvider(TABLE, clock=lambda: NOW)


def test_provider_satisfies_the_interface(provider: LocalLicenceProvider) -> None:
    typed: LicenceProvider = provider
    assert typed.find(HOLDER, "居民身份证") == []


def test_issue_then_get_and_find(provider: LocalLicenceProvider) -> None:
    issued = provider.issue(
        HOLDER, HOLDER_NAME, "无犯罪记录证明", "无犯罪记录证明", "长沙市公安局", "KSTB-0001"
    )

    assert re.fullmatch(r"EL-430000-20250601-[A-Z2-9]{8}", issued.reference)
    assert issued.trust_level is TrustLevel.A
    assert issued.holder_key == holder_key(HOLDER)
    assert issued.holder_name_masked == "测*****"
    assert (issued.issued_on, issued.valid_until) == (date(2025, 6, 1), None)
    assert issued.is_valid_on(date(2030, 1, 1))
    assert not issued.is_valid_on(date(2025, 5, 31))

    assert provider.get(issued.reference) == issued
    assert provider.find(HOLDER, "无犯罪记录证明") == [issued]
    assert provider.find(f" {HOLDER} ", "无犯罪记录证明") == [issued]
    assert provider.find(HOLDER, "结婚证") == []
    assert provider.find(OTHER, "无犯罪记录证明") == []


def test_issue_writes_both_records_with_the_case(provider: LocalLicenceProvider) -> None:
    issued = provider.issue(HOLDER, HOLDER_NAME, "结婚证", "结婚证", "长沙市芙蓉区民政局", "KSTB-0002")
    keys = {(item["pk"]["S"], item["sk"]["S"]) for item in scan()}
    assert keys == {
        (f"LICENCE#{holder_key(HOLDER)}", f"结婚证#{issued.reference}"),
        (f"LICENCEREF#{issued.reference}", "LICENCE"),
    }
    assert all(item["case_number"]["S"] == "KSTB-0002" for item in scan())


def test_references_are_unique(provider: LocalLicenceProvider) -> None:
    references = {
        provider.issue(HOLDER, HOLDER_NAME, "结婚证", "结婚证", "民政局", f"KSTB-{n}").reference
        for n in range(5)
    }
    assert len(references) == 5
    assert len(provider.find(HOLDER, "结婚证")) == 5


def test_find_by_type_and_all_types(provider: LocalLicenceProvider) -> None:
    provider.put(licence("EL-430000-20160301-AAAAAAAA", "居民身份证"))
    provider.put(licence("EL-430000-20100915-BBBBBBBB", "户口簿"))
    provider.put(licence("EL-430000-20100915-CCCCCCCC", "户口簿", OTHER))
    # A type that is a prefix of another must not match it.
    provider.put(licence("EL-430000-20100915-DDDDDDDD", "户口簿副页"))

    assert [x.reference for x in provider.find(HOLDER, "户口簿")] == ["EL-430000-20100915-BBBBBBBB"]
    assert [x.reference for x in provider.find(OTHER, "户口簿")] == ["EL-430000-20100915-CCCCCCCC"]
    assert {x.licence_type for x in provider.find(HOLDER, "")} == {"居民身份证", "户口簿", "户口簿副页"}


def test_get_unknown_reference(provider: LocalLicenceProvider) -> None:
    assert provider.get("EL-430000-20250601-NOTFOUND") is None
    assert provider.get("") is None


def test_put_refuses_an_existing_reference_unless_overwriting(provider: LocalLicenceProvider) -> None:
    first = licence("EL-430000-20160301-AAAAAAAA", "居民身份证")
    provider.put(first)
    with pytest.raises(Conflict):
        provider.put(first)
    provider.put(first, overwrite=True)
    assert len(scan()) == 2


def test_validity_window(provider: LocalLicenceProvider) -> None:
    stored = licence("EL-430000-20160301-AAAAAAAA", "居民身份证", valid_until=date(2036, 3, 1))
    provider.put(stored)
    found = provider.get(stored.reference)
    assert found is not None
    assert found.valid_until == date(2036, 3, 1)
    assert found.is_valid_on(date(2016, 3, 1))
    assert found.is_valid_on(date(2036, 3, 1))
    assert not found.is_valid_on(date(2036, 3, 2))
    assert not found.is_valid_on(date(2016, 2, 29))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("430102199001010017", HOLDER_NAME, "结婚证", "结婚证", "民政局", "KSTB-1"), "applicant.id_number"),
        ((HOLDER, "", "结婚证", "结婚证", "民政局", "KSTB-1"), "holder_name"),
        ((HOLDER, HOLDER_NAME, "结婚#证", "结婚证", "民政局", "KSTB-1"), "licence_type"),
        ((HOLDER, HOLDER_NAME, "结婚证", " ", "民政局", "KSTB-1"), "title"),
        ((HOLDER, HOLDER_NAME, "结婚证", "结婚证", "", "KSTB-1"), "issuer"),
        ((HOLDER, HOLDER_NAME, "结婚证", "结婚证", "民政局", ""), "case_number"),
    ],
)
def test_issue_refuses_bad_input_and_writes_nothing(
    provider: LocalLicenceProvider, args: tuple[str, ...], field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        provider.issue(*args)
    assert [error["field"] for error in exc.value.errors] == [field]
    assert scan() == []


def test_find_refuses_an_invalid_number(provider: LocalLicenceProvider) -> None:
    with pytest.raises(InvalidInput):
        provider.find("430102199001010017", "结婚证")


def test_province_comes_from_the_table_or_the_caller(clean_aws: None) -> None:
    assert (
        LocalLicenceProvider(TABLE, clock=lambda: NOW)
        .issue(HOLDER, HOLDER_NAME, "结婚证", "结婚证", "民政局", "KSTB-1")
        .reference.startswith("EL-430000-")
    )
    custom = LocalLicenceProvider(TABLE, province="450000", clock=lambda: NOW)
    assert custom.issue(HOLDER, HOLDER_NAME, "结婚证", "结婚证", "民政局", "KSTB-2").reference.startswith(
        "EL-450000-20250601-"
    )
    with pytest.raises(ValueError, match="province"):
        LocalLicenceProvider(TABLE, province="990000")
    with pytest.raises(RuntimeError, match="province"):
        LocalLicenceProvider("licences").issue(HOLDER, HOLDER_NAME, "结婚证", "结婚证", "民政局", "KSTB-3")


def test_seed_loads_every_licence_and_is_repeatable(clean_aws: None) -> None:
    entries = seed_licence_entries()
    assert seed_licences(TABLE) == len(entries)
    assert seed_licences(TABLE) == len(entries)
    assert len(scan()) == 2 * len(entries)

    provider = LocalLicenceProvider(TABLE)
    applicants = {a["subject"]: a for a in dev_applicants()}
    assert {"dev-applicant-1", "dev-applicant-2", "dev-applicant-3", "dev-legal-person-1"} <= set(applicants)
    for entry in entries:
        holder = applicants[entry["subject"]]
        number = holder["id_number"]
        if holder["subject_kind"] == "legal_person" and entry.get("holder") != "acting_person":
            # the legal person's own licence (营业执照): keyed by its credit code, never its employee's number
            assert provider.find(number, entry["licence_type"]) == []
            own = provider.get(entry["reference"])
            assert own is not None and own.holder_key == entity_holder_key(holder["credit_code"])
            continue
        found = provider.find(number, entry["licence_type"])
        assert [x.reference for x in found] == [entry["reference"]]
        assert provider.get(entry["reference"]) == found[0]
        assert found[0].holder_key == holder_key(number)

    expired = provider.get("EL-450000-20120520-DEV20004")
    assert expired is not None
    assert not expired.is_valid_on(date(2025, 6, 1))


def test_no_raw_id_number_or_full_name_in_the_table(provider: LocalLicenceProvider) -> None:
    seed_licences(TABLE)
    provider.issue(HOLDER, HOLDER_NAME, "无犯罪记录证明", "无犯罪记录证明", "长沙市公安局", "KSTB-0003")
    items = scan()
    assert items
    dump = json.dumps(items, ensure_ascii=False)
    for applicant in dev_applicants():
        number = applicant["id_number"]
        assert number not in dump
        assert number[:17] not in dump  # nor without its check character
        assert number.lower() not in dump
        assert applicant["name"] not in dump
        assert applicant["phone"] not in dump
