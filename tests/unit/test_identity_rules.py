"""Whom an item serves and how firmly the applicant must be verified (domain rules, no AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.case import Applicant
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.identity import Assurance, SubjectKind
from chalicelib.services.cases import check_applicant_fits


def applicant(**fields: Any) -> Applicant:
    base: dict[str, Any] = {
        "subject": "s",
        "issuer": "i",
        "name": "测试申请人甲",
        "id_number": "430102199001010016",
        "phone": "13800000001",
        "assurance": Assurance.ID_CHECK,
    }
    return Applicant(**{**base, **fields})


def test_assurance_levels_are_ordered_phone_id_check_face() -> None:
    assert [a.value for a in sorted(Assurance, key=lambda a: a.rank)] == ["phone", "id_check", "face"]
    assert Assurance.FACE.at_least(Assurance.ID_CHECK)
    assert Assurance.ID_CHECK.at_least(Assurance.ID_CHECK)
    assert not Assurance.PHONE.at_least(Assurance.ID_CHECK)


def test_an_item_without_declarations_serves_natural_persons_verified_by_id_check() -> None:
    check_applicant_fits({}, applicant())
    with pytest.raises(Forbidden) as weak:
        check_applicant_fits({}, applicant(assurance=Assurance.PHONE))
    assert weak.value.code == "assurance_too_low"
    company = applicant(
        kind=SubjectKind.LEGAL_PERSON, credit_code="91430100MA4L7K3P2X", entity_name="测试公司"
    )
    with pytest.raises(Forbidden) as kind:
        check_applicant_fits({}, company)
    assert kind.value.code == "applicant_kind_not_served"


def test_declared_kinds_and_level_are_honoured() -> None:
    item = {"applicant_kinds": ["legal_person"], "min_assurance": "face"}
    company = applicant(
        kind=SubjectKind.LEGAL_PERSON,
        credit_code="91430100MA4L7K3P2X",
        entity_name="测试公司",
        assurance="face",
    )
    check_applicant_fits(item, company)
    with pytest.raises(Forbidden):
        check_applicant_fits(item, company.model_copy(update={"assurance": Assurance.ID_CHECK}))
    with pytest.raises(Forbidden):
        check_applicant_fits(item, applicant(assurance=Assurance.FACE))


def test_an_applicant_checked_in_person_at_a_window_meets_every_level() -> None:
    check_applicant_fits({"min_assurance": "face"}, applicant(assurance=None))


def test_a_legal_persons_case_draws_on_its_own_and_its_employees_licences() -> None:
    from chalicelib.domain.personal import entity_holder_key, holder_key

    person = applicant()
    assert person.holder_keys() == {holder_key("430102199001010016")}
    company = applicant(
        kind=SubjectKind.LEGAL_PERSON, credit_code="91430100MA4L7K3P2X", entity_name="测试公司"
    )
    assert company.holder_keys() == {
        holder_key("430102199001010016"),
        entity_holder_key("91430100MA4L7K3P2X"),
    }
