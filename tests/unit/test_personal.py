"""Personal data rules: ID numbers (GB 11643-1999), mobiles, names, masking, holder keys."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.personal import (
    holder_key,
    id_check_character,
    mask_id_number,
    mask_name,
    mask_phone,
    validate_id_number,
    validate_mobile,
    validate_name,
)

TODAY = date(2025, 6, 1)


def make_id(first17: str) -> str:
    return first17 + id_check_character(first17)


def error_of(exc: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str]:
    assert exc.value.code == "validation_failed"
    [error] = exc.value.errors
    return error["field"], error["code"]


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # Published examples of the ISO 7064 MOD 11-2 computation.
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("43010219900101001", "6"),
    ],
)
def test_check_character(first17: str, check: str) -> None:
    assert id_check_character(first17) == check


def test_check_character_covers_every_remainder() -> None:
    seen = set()
    for sequence in range(200):
        seen.add(id_check_character(f"43010219900101{sequence:03d}"))
    assert seen == set("10X98765432")


@pytest.mark.parametrize(
    "bad", ["1234", "4301021990010100", "4301021990010100A", "４３０１０２１９９００１０１００１"]
)
def test_check_character_needs_17_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        id_check_character(bad)


def test_valid_number_is_normalised() -> None:
    number = make_id("11010519491231002")
    assert number.endswith("X")
    assert validate_id_number(number, today=TODAY) == number
    assert validate_id_number(f"  {number.lower()} ", today=TODAY) == number


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number_format"),
        ("43010219900101001", "id_number_format"),  # 17 characters
        ("4301021990010100166", "id_number_format"),  # 19 characters
        ("43010219900101001Y", "id_number_format"),
        ("X30102199001010016", "id_number_format"),
        ("４３０１０２１９９００１０１００１６", "id_number_format"),  # full-width digits
        ("430102 199001010016", "id_number_format"),
        (make_id("00010219900101001"), "id_number_region"),
        (make_id("71010219900101001"), "id_number_region"),  # not in PROVINCES
        (make_id("43010219900230001"), "id_number_birth_date"),  # 30 February
        (make_id("43010219901301001"), "id_number_birth_date"),
        (make_id("43010218991231001"), "id_number_birth_date"),  # before 1900
        (make_id("43010220250602001"), "id_number_birth_date"),  # after TODAY
        ("430102199001010017", "id_number_check_digit"),
        ("11010519491231002" + "0", "id_number_check_digit"),
    ],
)
def test_invalid_numbers(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(value, today=TODAY)
    assert error_of(exc) == ("applicant.id_number", code)


def test_birth_date_bounds_are_inclusive() -> None:
    assert validate_id_number(make_id("43010219000101001"), today=TODAY)
    assert validate_id_number(make_id("43010220250601001"), today=TODAY)


def test_caller_names_the_field_and_the_value_is_not_in_the_error() -> None:
    number = "430102199001010017"
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(number, "spouse.id_number", today=TODAY)
    assert error_of(exc) == ("spouse.id_number", "id_number_check_digit")
    assert number not in repr(exc.value.errors) + repr(exc.value.params) + str(exc.value)


def test_non_string_is_a_format_error() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(430102199001010016)  # type: ignore[arg-type]
    assert error_of(exc) == ("applicant.id_number", "id_number_format")


@pytest.mark.parametrize("value", ["13800000001", "19912345678", " 15012345678 "])
def test_valid_mobiles(value: str) -> None:
    assert validate_mobile(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12800000001",
        "1380000000",
        "138000000012",
        "+8613800000001",
        "138-0000-0001",
        "１３８００００００01",
    ],
)
def test_invalid_mobiles(value: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_mobile(value, "contact.phone")
    assert error_of(exc) == ("contact.phone", "phone_format")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张三"),
        ("李", "李"),
        (" 测试申请人甲 ", "测试申请人甲"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),  # katakana middle dot normalised
        ("John Smith", "John Smith"),
        ("名" * 50, "名" * 50),
    ],
)
def test_valid_names(value: str, expected: str) -> None:
    assert validate_name(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "name_length"),
        ("   ", "name_length"),
        ("名" * 51, "name_length"),
        ("·张三", "name_format"),
        ("张三·", "name_format"),
        ("张··三", "name_format"),
        ("张三3", "name_format"),
        ("张三<script>", "name_format"),
        ("张\n三", "name_format"),
        ("John  Smith", "name_format"),
    ],
)
def test_invalid_names(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_name(value)
    assert error_of(exc) == ("applicant.name", code)


def test_mask_id_number() -> None:
    assert mask_id_number("43010219900101123X") == "430102********123X"
    assert len(mask_id_number("430102199001010016")) == 18
    assert mask_id_number("1234567890") == "**********"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("测试申请人甲", "测*****"), ("李", "李"), ("", ""), ("阿依·买买提", "阿*****")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("1234567") == "*******"


def test_holder_key_is_sha256_of_normalised_number() -> None:
    number = make_id("11010519491231002")
    expected = hashlib.sha256(number.encode("ascii")).hexdigest()
    assert holder_key(number) == expected
    assert holder_key(f" {number.lower()}") == expected
    assert number not in holder_key(number)


def test_holder_key_refuses_invalid_numbers() -> None:
    with pytest.raises(InvalidInput):
        holder_key("430102199001010017")


# — 统一社会信用代码 (GB 32100-2015) —


def _credit_code_error(value: object) -> str:
    from chalicelib.domain.personal import validate_credit_code

    with pytest.raises(InvalidInput) as info:
        validate_credit_code(value)  # type: ignore[arg-type]
    (error,) = info.value.errors
    assert error["field"] == "applicant.credit_code"
    assert set(error) == {"field", "code"}  # the value itself is never echoed
    return str(error["code"])


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("91350100M000100Y4", "3"),  # the example printed in GB 32100-2015
        ("91430100MA4L7K3P2", "X"),  # the development legal person (computed)
        ("92450103MA5K1N8Q3", "R"),  # a 个体工商户 in 南宁 (computed)
        ("91320100MA1X2Y3T4", "R"),
    ],
)
def test_credit_code_check_character_is_mod_31(first17: str, check: str) -> None:
    from chalicelib.domain.personal import credit_code_check_character, validate_credit_code

    assert credit_code_check_character(first17) == check
    assert validate_credit_code(f" {(first17 + check).lower()} ") == first17 + check


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y44", "credit_code_check_character"),
        ("91350100M000100Y4", "credit_code_format"),  # 17 characters
        ("91350100M000100I43", "credit_code_format"),  # I is not in the alphabet
        ("91350100M0001O0Y43", "credit_code_format"),  # nor is O
        (12345, "credit_code_format"),
        ("B1350100M000100Y43", "credit_code_category"),  # no registration authority B
        ("97350100M000100Y43", "credit_code_category"),  # 工商 has no category 7
        ("91990100M000100Y43", "credit_code_region"),  # 99 is no province
        ("9135A100M000100Y43", "credit_code_region"),
    ],
)
def test_invalid_credit_codes_are_refused_by_code(value: object, code: str) -> None:
    assert _credit_code_error(value) == code


def test_credit_code_check_character_needs_17_characters_of_the_alphabet() -> None:
    from chalicelib.domain.personal import credit_code_check_character

    with pytest.raises(ValueError):
        credit_code_check_character("91350100M000100Y")
    with pytest.raises(ValueError):
        credit_code_check_character("91350100M000100YI")


def test_a_legal_persons_holder_key_never_equals_a_natural_persons() -> None:
    from chalicelib.domain.personal import entity_holder_key, holder_key

    key = entity_holder_key("91430100ma4l7k3p2x")
    assert key == hashlib.sha256(b"entity:91430100MA4L7K3P2X").hexdigest()
    assert key != holder_key("430102199001010016")
    assert "91430100" not in key
