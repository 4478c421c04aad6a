"""Identifiers: what the gateway issues is of its pattern, the published message forms admit it, and
the API's path and body checks use the same patterns."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.api.case_schemas import IssueResultRequest
from chalicelib.api.common import PATH_PARAMETERS, READ_REFUSALS, REFUSALS, path_part
from chalicelib.api.endpoint import Call
from chalicelib.domain import identifiers as ids
from chalicelib.domain.case_factory import new_case_number
from chalicelib.domain.case_states import Act, Actor, CaseState, allowed_acts, may_perform, performer_of
from chalicelib.domain.errors import NotFound
from chalicelib.domain.shipments import new_shipment_id
from chalicelib.services.materials import new_file_id


def test_issued_identifiers_are_of_their_pattern_and_of_the_published_message_form() -> None:
    for _ in range(200):
        number, file_id = new_case_number("430000", "20261130"), new_file_id()
        assert ids.matches(ids.CASE_NUMBER_PATTERN, number)
        assert ids.matches(ids.CASE_NUMBER_V1_PATTERN, number)
        assert ids.matches(ids.FILE_ID_PATTERN, file_id)
        assert ids.matches(ids.FILE_ID_V1_PATTERN, file_id)
        assert ids.matches(ids.SHIPMENT_ID_PATTERN, new_shipment_id())


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        (ids.CASE_NUMBER_PATTERN, "430000-20261130-7KQ2M9X0"),  # 0 is never issued
        (ids.CASE_NUMBER_PATTERN, "430000-19991130-7KQ2M9XA"),
        (ids.CASE_NUMBER_PATTERN, "430000-20261130-7KQ2M9XA\n"),
        (ids.FILE_ID_PATTERN, "F000000000001"),
        (ids.PROVINCE_CODE_PATTERN, "430100"),
        (ids.SLOT_PATTERN, "ID_card"),
    ],
)
def test_a_value_outside_its_pattern_does_not_match(pattern: str, value: str) -> None:
    assert not ids.matches(pattern, value)


def test_every_pattern_is_anchored() -> None:
    patterns = [v for k, v in vars(ids).items() if k.endswith("_PATTERN")]
    assert patterns and all(p.startswith("^") and p.endswith("$") for p in patterns)
    assert all(re.compile(p) for p in patterns)


def _call(**path: str) -> Call:
    return Call(principal=None, path=path, query={}, body=None, language="zh", request_id="test")


def test_a_path_part_outside_its_pattern_is_the_routes_own_not_found() -> None:
    assert path_part(_call(file_id="FABCDEFGH2345"), "file_id", "file_not_found") == "FABCDEFGH2345"
    with pytest.raises(NotFound) as refused:
        path_part(_call(file_id="F000000000001"), "file_id", "file_not_found")
    assert refused.value.code == "file_not_found"
    assert PATH_PARAMETERS["number"][0] == ids.CASE_NUMBER_PATTERN


def test_the_result_documents_file_id_is_checked_like_every_other_file_id() -> None:
    body: dict[str, Any] = {"delivery": "electronic", "title": "准予决定书"}
    assert IssueResultRequest.model_validate({**body, "file_id": "FABCDEFGH2345"}).file_id == "FABCDEFGH2345"
    with pytest.raises(ValidationError):
        IssueResultRequest.model_validate({**body, "file_id": "F000000000001"})


def test_a_signed_read_is_refused_for_what_a_message_is_but_its_payload_and_a_reused_id() -> None:
    assert set(READ_REFUSALS) < set(REFUSALS)
    assert "message_id_reused" not in READ_REFUSALS
    assert not any(code.startswith("payload_") for code in READ_REFUSALS)
    assert list(READ_REFUSALS) == [code for code in REFUSALS if code in READ_REFUSALS]  # order kept


def test_the_clerk_may_record_a_delivery_the_gateway_performs_and_nothing_else_of_others() -> None:
    assert performer_of(Act.DELIVER) is Actor.GATEWAY
    assert may_perform(Actor.CLERK, Act.DELIVER) and may_perform(Actor.GATEWAY, Act.DELIVER)
    assert not may_perform(Actor.APPLICANT, Act.DELIVER)
    assert not may_perform(Actor.CLERK, Act.SUBMIT) and may_perform(Actor.APPLICANT, Act.SUBMIT)
    for act in Act:
        assert may_perform(performer_of(act), act)
    assert all(
        may_perform(Actor.CLERK, act) for state in CaseState for act in allowed_acts(state, Actor.CLERK)
    )
