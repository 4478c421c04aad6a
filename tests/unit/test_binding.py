"""Binding code rules: what a code carries, how long it lives, and whose it is."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.binding import (
    LIFETIME,
    BindingCode,
    BindingRefused,
    check_code,
    check_holder,
    holder_proof,
    new_code,
)
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import InvalidInput

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)
ID_NUMBER = "430102199001010016"
OTHER_ID_NUMBER = "450103198505050025"


def code(at: datetime = NOW) -> BindingCode:
    return new_code("450000", "https://idp.example/450000", "user-1", ID_NUMBER, at)


def test_a_code_names_the_account_and_province_and_lives_ten_minutes() -> None:
    fresh = code()
    assert (fresh.province, fresh.issuer, fresh.subject) == ("450000", "https://idp.example/450000", "user-1")
    assert fresh.expires_at - fresh.issued_at == LIFETIME.total_seconds() == 600
    assert BindingCode.from_claims(fresh.claims()) == fresh


def test_a_code_carries_no_id_number_and_each_code_hashes_it_anew() -> None:
    first, second = code(), code()
    assert first.id != second.id
    assert ID_NUMBER not in str(first.claims())
    assert first.holder != second.holder  # salted by the code id: no lookup table serves two codes
    assert first.holder == holder_proof(ID_NUMBER, first.id)
    assert holder_proof(ID_NUMBER.lower(), first.id) == first.holder  # the normalised number


def test_the_holder_must_be_the_applicant() -> None:
    fresh = code()
    check_holder(fresh, ID_NUMBER)
    with pytest.raises(BindingRefused) as refused:
        check_holder(fresh, OTHER_ID_NUMBER)
    assert refused.value.code == "binding_code_holder_mismatch"


def test_an_invalid_id_number_makes_no_code() -> None:
    with pytest.raises(InvalidInput):
        new_code("450000", "https://idp.example/450000", "user-1", "430102199001010017", NOW)


@pytest.mark.parametrize(
    ("issued", "now", "expected"),
    [
        (NOW, NOW + timedelta(minutes=9, seconds=59), None),
        (NOW, NOW + timedelta(minutes=10), "binding_code_expired"),
        (NOW, NOW + timedelta(days=1), "binding_code_expired"),
        (NOW + timedelta(minutes=1), NOW, None),  # a partner's clock a minute ahead
        (NOW + timedelta(minutes=5), NOW, "binding_code_invalid"),  # future-dated
    ],
)
def test_a_code_is_good_for_its_lifetime_only(issued: datetime, now: datetime, expected: str | None) -> None:
    fresh = code(issued)
    if expected is None:
        check_code(fresh, now)
        return
    with pytest.raises(BindingRefused) as refused:
        check_code(fresh, now)
    assert refused.value.code == expected


def test_a_code_signed_to_live_longer_than_the_rule_is_refused() -> None:
    long_lived = replace(code(), expires_at=code().issued_at + 3600)
    with pytest.raises(BindingRefused) as refused:
        check_code(long_lived, NOW)
    assert refused.value.code == "binding_code_invalid"


@pytest.mark.parametrize(
    "change",
    [{"v": 2}, {"id": ""}, {"subject": None}, {"iat": "1"}, {"exp": 1.5}, {"holder": 7}, {"exp": True}],
)
def test_claims_that_are_not_a_code_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(BindingRefused) as refused:
        BindingCode.from_claims({**code().claims(), **change})
    assert refused.value.code == "binding_code_invalid"
