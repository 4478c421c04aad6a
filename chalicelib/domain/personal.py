"""The applicant's personal data: validation, masking and a non-reversible index key.

- 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence code and a
  check character (ISO 7064 MOD 11-2). Only the 18-character form is accepted.
- Mainland mobile numbers: 11 digits, 1[3-9]xxxxxxxxx.
- Names: 1-50 characters; Chinese names of some nationalities contain the middle dot ·.
- 统一社会信用代码 (GB 32100-2015) of a legal person: registration authority, organisation category,
  6-digit administrative division, 9-character organisation code and a check character (MOD 31
  over the 31-character alphabet 0-9 and the capitals without I, O, S, V, Z).

ID numbers, names and phones are masked in every response that is not the owner's, and never
logged: errors raised here carry a field name and a code, never the value.

Form fields an item's schema declares personal (`"x-personal": "<kind>"`, see `domain/forms.py`)
are masked by the mask of their kind (`mask`). A mask never keeps more than a person could
recognise the value from by sight; `other` keeps nothing, and so does any value that is not text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.domain.clock import beijing_date, system_clock
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.regions import is_province

ID_NUMBER_FIELD = "applicant.id_number"
MOBILE_FIELD = "applicant.phone"
NAME_FIELD = "applicant.name"
CREDIT_CODE_FIELD = "applicant.credit_code"

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)
NAME_MAX_LENGTH = 50
MIDDLE_DOT = "\u00b7"  # ·

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
# 登记管理部门 codes (1-9, A, N, Y) and 机构类别 codes (1-5, 9) that GB 32100 assigns.
CREDIT_CODE_AUTHORITIES = "123456789ANY"
CREDIT_CODE_CATEGORIES = "123459"

# [0-9], not \d: \d also matches full-width and other Unicode digits.
_ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")
# Dots people type for the middle dot of a name: ・ (katakana), • (bullet), ‧ (hyphenation point), ．
_DOT_VARIANTS = str.maketrans(
    {"\u30fb": MIDDLE_DOT, "\u2022": MIDDLE_DOT, "\u2027": MIDDLE_DOT, "\uff0e": MIDDLE_DOT}
)


def _invalid(field: str, code: str) -> InvalidInput:
    return InvalidInput("validation_failed", errors=[{"field": field, "code": code}])


def id_check_character(first17: str) -> str:
    """The check character (0-9 or X) of the 17 leading digits of an ID number."""
    if len(first17) != 17 or not all("0" <= ch <= "9" for ch in first17):
        raise ValueError("expected 17 ASCII digits")
    total = sum(int(ch) * weight for ch, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def _birth_date(digits: str) -> date | None:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def validate_id_number(value: str, field: str = ID_NUMBER_FIELD, *, today: date | None = None) -> str:
    """The ID number, normalised (surrounding spaces removed, x upper-cased), or InvalidInput.

    Checks, in order: format (17 digits + digit or X), province-level code of the address, birth
    date (a real date from 1900-01-01 to today, Beijing time), check character.
    """
    if not isinstance(value, str):
        raise _invalid(field, "id_number_format")
    number = value.strip().upper()
    if _ID_PATTERN.fullmatch(number) is None:
        raise _invalid(field, "id_number_format")
    if not is_province(number[:2] + "0000"):
        raise _invalid(field, "id_number_region")
    born = _birth_date(number[6:14])
    current = today if today is not None else beijing_date(system_clock())
    if born is None or born < EARLIEST_BIRTH or born > current:
        raise _invalid(field, "id_number_birth_date")
    if id_check_character(number[:17]) != number[17]:
        raise _invalid(field, "id_number_check_digit")
    return number


def credit_code_check_character(first17: str) -> str:
    """The check character of the 17 leading characters of a 统一社会信用代码 (GB 32100 MOD 31)."""
    if len(first17) != 17 or any(ch not in CREDIT_CODE_ALPHABET for ch in first17):
        raise ValueError("expected 17 characters of the credit-code alphabet")
    values = [CREDIT_CODE_ALPHABET.index(ch) for ch in first17]
    total = sum(v * w for v, w in zip(values, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str, field: str = CREDIT_CODE_FIELD) -> str:
    """The 统一社会信用代码, normalised (surrounding spaces removed, upper-cased), or InvalidInput.

    Checks, in order: 18 characters of the alphabet, registration authority and organisation
    category codes, province-level code of the administrative division, check character.
    """
    if not isinstance(value, str):
        raise _invalid(field, "credit_code_format")
    code = value.strip().upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        raise _invalid(field, "credit_code_format")
    if code[0] not in CREDIT_CODE_AUTHORITIES or code[1] not in CREDIT_CODE_CATEGORIES:
        raise _invalid(field, "credit_code_category")
    if not code[2:8].isdigit() or not is_province(code[2:4] + "0000"):
        raise _invalid(field, "credit_code_region")
    if credit_code_check_character(code[:17]) != code[17]:
        raise _invalid(field, "credit_code_check_character")
    return code


def validate_mobile(value: str, field: str = MOBILE_FIELD) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…), surrounding spaces removed, or InvalidInput."""
    if not isinstance(value, str):
        raise _invalid(field, "phone_format")
    number = value.strip()
    if _MOBILE_PATTERN.fullmatch(number) is None:
        raise _invalid(field, "phone_format")
    return number


def validate_name(value: str, field: str = NAME_FIELD) -> str:
    """A person's name, normalised (NFC, surrounding spaces removed, dot variants → ·), or InvalidInput.

    1-50 characters; letters of any script, combining marks, the middle dot between parts and
    single spaces between parts (names written in Latin letters). Digits, punctuation and control
    characters are refused.
    """
    if not isinstance(value, str):
        raise _invalid(field, "name_format")
    name = unicodedata.normalize("NFC", value).strip().translate(_DOT_VARIANTS)
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise _invalid(field, "name_length")
    for part in re.split(f"[{MIDDLE_DOT} ]", name):
        if not part or not all(unicodedata.category(ch)[0] in "LM" for ch in part):
            raise _invalid(field, "name_format")
    return name


# The applicant block's fields and their checks, in the order their errors are reported.
APPLICANT_CHECKS: dict[str, Callable[[str], str]] = {
    "name": validate_name,
    "id_number": validate_id_number,
    "phone": validate_mobile,
    "credit_code": validate_credit_code,
}


def validate_applicant_fields(
    data: dict[str, Any], names: list[str]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The `names` fields of an applicant block, each normalised by its check, and every field error
    found (collected, not raised, so a caller can add its own before refusing the whole block)."""
    values: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    for name in names:
        try:
            values[name] = APPLICANT_CHECKS[name](data[name])
        except InvalidInput as err:
            errors.extend(err.errors)
    return values, errors


def mask_id_number(value: str) -> str:
    """The first 6 and last 4 characters kept, the rest starred, length kept: 430102********123X."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """The first character, then one * per remaining character: 张** ; a one-character name stays."""
    return value[:1] + "*" * (len(value) - 1)


def mask_phone(value: str) -> str:
    """The first 3 and last 4 digits kept: 138****5678."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def holder_key(id_number: str) -> str:
    """SHA-256 hex of the validated, normalised ID number: an index key that is not the number.

    Raises InvalidInput (field `applicant.id_number`) if the number is not valid.
    """
    number = validate_id_number(id_number)
    return hashlib.sha256(number.encode("ascii")).hexdigest()


def entity_holder_key(credit_code: str) -> str:
    """The holder key of a legal person's licences: SHA-256 hex of its validated 统一社会信用代码.

    The code is hashed with a prefix, so a legal person's key never equals a natural person's.
    Raises InvalidInput (field `applicant.credit_code`) if the code is not valid.
    """
    code = validate_credit_code(credit_code)
    return hashlib.sha256(f"entity:{code}".encode("ascii")).hexdigest()


class PersonalKind(StrEnum):
    """Kinds of personal data (个人信息) a form field may be declared as, each with its mask."""

    ID_NUMBER = "id_number"  # 身份证件号码
    PHONE = "phone"  # 手机号码 / 联系电话
    NAME = "name"  # 姓名 (e.g. 配偶姓名)
    ADDRESS = "address"  # 地址 (邮寄地址, 迁入地址)
    ACCOUNT_NUMBER = "account_number"  # 银行账号, 住房公积金个人账号
    OTHER = "other"  # any other personal value (证书编号…): fully masked


FULL_MASK = "******"
ADDRESS_KEPT = 6  # about province and city: 湖南省长沙市****


def mask_address(value: str) -> str:
    """The first 6 characters (province, city) kept, the rest starred: 湖南省长沙市*******."""
    if len(value) <= ADDRESS_KEPT:
        return "*" * len(value)
    return value[:ADDRESS_KEPT] + "*" * (len(value) - ADDRESS_KEPT)


def mask_account_number(value: str) -> str:
    """Only the last 4 characters kept: ***************1234."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_other(value: str) -> str:
    """Nothing kept, not even the length."""
    return FULL_MASK


MASKS: dict[PersonalKind, Callable[[str], str]] = {
    PersonalKind.ID_NUMBER: mask_id_number,
    PersonalKind.PHONE: mask_phone,
    PersonalKind.NAME: mask_name,
    PersonalKind.ADDRESS: mask_address,
    PersonalKind.ACCOUNT_NUMBER: mask_account_number,
    PersonalKind.OTHER: mask_other,
}


def mask(kind: PersonalKind, value: Any) -> Any:
    """`value` masked as `kind`; None stays None, anything that is not text is masked whole."""
    if value is None:
        return None
    if not isinstance(value, str):
        return FULL_MASK
    return MASKS[kind](value)
