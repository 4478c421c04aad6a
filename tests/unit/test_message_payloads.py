"""Partner messages reach the domain typed: every received payload parses into its model
(`domain/messages.py`, `PAYLOADS`), a message stored before the models moved into the domain (the
frozen v1 fixtures) still parses and applies, each table of the domain takes exactly the payloads of
its messages, and the receiver refuses on receipt a payload that conforms to the schema yet would
not parse."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, get_args

import pytest

from chalicelib.api.message_schemas import payload_conforms
from chalicelib.domain.case import (
    CaseExchange,
    EntrustmentMethod,
    EntrustmentState,
    RatingChannel,
    RatingLevel,
    ResultRecord,
)
from chalicelib.domain.case_acts import By
from chalicelib.domain.case_exchange import (
    CARRIED,
    HANDLER,
    MIRRORED,
    ORIGIN,
    SHIPMENT_MESSAGES,
    VIDEO_MESSAGES,
    mirror,
    partner_by,
)
from chalicelib.domain.case_states import Actor, CaseState
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.entrustment import apply_settlement
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.messages import (
    PAYLOADS,
    CarriedPayload,
    CaseDecided,
    ShipmentPayload,
    StatusPayload,
    VideoPayload,
)
from chalicelib.domain.rating_exchange import receive_rating
from chalicelib.domain.video import apply_video_message
from tests.conftest import ROOT
from tests.factories import case_model, working_calendar_2025_2026
from tests.unit.test_agent_rules import filed_by_agent

FIXTURES = ROOT / "tests" / "fixtures" / "messages" / "v1"
AT = datetime(2025, 3, 26, 9, 0, tzinfo=BEIJING)
PARTNER = "450000"


def stored(kind: MessageType) -> dict[str, Any]:
    """The payload of a `kind` message as a receiver stored it before this change (the frozen v1 JSON)."""
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{kind.value}.json").read_text(encoding="utf-8"))
    return loaded


def typed(kind: MessageType) -> Any:
    """The stored payload parsed as the inbound service parses it, once, at the boundary."""
    return PAYLOADS[kind].model_validate(stored(kind))


@pytest.mark.parametrize("kind", list(MessageType), ids=lambda k: k.value)
def test_every_frozen_payload_conforms_and_parses_into_its_model(kind: MessageType) -> None:
    assert payload_conforms(kind.value, stored(kind))
    assert isinstance(typed(kind), PAYLOADS[kind])


def _kinds_of(union: Any) -> set[type[Any]]:
    return set(get_args(union))


def test_each_table_takes_exactly_the_payloads_of_its_messages() -> None:
    assert {PAYLOADS[k] for k in MIRRORED} == _kinds_of(StatusPayload)
    assert {PAYLOADS[k] for k in CARRIED} == _kinds_of(CarriedPayload)
    assert {PAYLOADS[k] for k in SHIPMENT_MESSAGES} == _kinds_of(ShipmentPayload)
    assert {PAYLOADS[k] for k in VIDEO_MESSAGES} == _kinds_of(VideoPayload)
    tables = _kinds_of(StatusPayload) | _kinds_of(CarriedPayload) | _kinds_of(ShipmentPayload)
    assert not tables & _kinds_of(VideoPayload)  # the inbound service dispatches on the payload's type


def test_a_stored_decision_parses_and_applies_to_the_origins_copy() -> None:
    copy = case_model(state=CaseState.ACCEPTED, exchange=CaseExchange(role=ORIGIN, partner=PARTNER))
    payload = typed(MessageType.DECIDED)
    assert isinstance(payload, CaseDecided) and payload.decision.approved
    outcome = mirror(copy, MessageType.DECIDED, payload, PARTNER, AT)
    assert outcome.case.state is CaseState.APPROVED and outcome.event["act"] == "partner_decide"
    assert outcome.case.decision is not None
    assert outcome.case.decision.legal_basis == stored(MessageType.DECIDED)["decision"]["legal_basis"]
    assert outcome.case.clock.model_dump(mode="json") == stored(MessageType.DECIDED)["clock"]
    assert outcome.case.decided_at == AT and outcome.notice is not None


def test_a_stored_supplement_request_keeps_its_list_on_the_timeline_as_sent() -> None:
    copy = case_model(state=CaseState.ACCEPTED, exchange=CaseExchange(role=ORIGIN, partner=PARTNER))
    kind = MessageType.SUPPLEMENT_REQUESTED
    outcome = mirror(copy, kind, typed(kind), PARTNER, AT)
    assert outcome.case.state is CaseState.SUPPLEMENT_REQUESTED
    assert outcome.event["details"]["items"] == stored(kind)["supplement"]["items"]
    assert outcome.case.supplement is not None and len(outcome.case.supplement.items) == 2


def test_a_stored_delivery_record_dates_the_result_at_its_time_there() -> None:
    result = ResultRecord(delivery=Delivery.MAIL, title="决定书", issued_at=AT)
    copy = case_model(
        state=CaseState.RESULT_ISSUED, result=result, exchange=CaseExchange(role=ORIGIN, partner=PARTNER)
    )
    kind = MessageType.DELIVERY_RECORDED
    outcome = mirror(copy, kind, typed(kind), PARTNER, AT)
    assert outcome.case.state is CaseState.DELIVERED and outcome.case.result is not None
    assert outcome.case.result.delivered_at == datetime.fromisoformat(stored(kind)["at"])
    assert outcome.event["details"]["how"] == "mail_signed"


def test_a_stored_rating_parses_and_opens_the_rectification() -> None:
    case = case_model(state=CaseState.DELIVERED, exchange=CaseExchange(role=HANDLER, partner=PARTNER))
    outcome = receive_rating(case, typed(MessageType.RATED), PARTNER, AT, working_calendar_2025_2026())
    assert outcome.case.rating is not None
    assert (outcome.case.rating.level, outcome.case.rating.channel) == (
        RatingLevel.DISSATISFIED,
        RatingChannel.LINK,
    )
    assert outcome.case.rating.rated_at == datetime.fromisoformat(stored(MessageType.RATED)["rated_at"])
    [note] = outcome.case.rectifications
    assert note.status == "open"


def test_a_stored_settlement_parses_and_verifies_an_open_entrustment() -> None:
    case = filed_by_agent(EntrustmentState.PENDING)
    outcome = apply_settlement(case, typed(MessageType.ENTRUSTMENT_SETTLED), partner_by(PARTNER), AT)
    assert outcome.case.entrustment is not None
    assert (outcome.case.entrustment.state, outcome.case.entrustment.method) == (
        EntrustmentState.VERIFIED,
        EntrustmentMethod.DOCUMENT,
    )
    assert outcome.case.entrustment.by == "dev-authority-clerk-1"


def test_stored_video_messages_parse_and_apply_to_the_copy() -> None:
    case = case_model(state=CaseState.ACCEPTED, exchange=CaseExchange(role=HANDLER, partner="430000"))
    by = By(actor=Actor.GATEWAY, role="partner", subject="partner:430000", province="430000")
    scheduled = apply_video_message(case, typed(MessageType.VIDEO_SCHEDULED), by, AT)
    [session] = scheduled.case.video_sessions
    assert session.participants == stored(MessageType.VIDEO_SCHEDULED)["participants"]
    joined = apply_video_message(scheduled.case, typed(MessageType.VIDEO_JOINED), by, AT)
    assert joined.case.video_sessions[0].participants[0]["joined_by"] == "dev-window-clerk-1"
    ended = apply_video_message(joined.case, typed(MessageType.VIDEO_ENDED), by, AT)
    assert ended.case.video_sessions[0].ended_at is not None


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        (MessageType.RESULT_DELIVERED, {"at": "yesterday"}),
        (MessageType.RATED, {"rated_at": "2025-03-25T10:00:00"}),  # no offset: a time without its zone
        (
            MessageType.DECIDED,
            {"decision": {**stored(MessageType.DECIDED)["decision"], "decided_at": "soon"}},
        ),
    ],
    ids=["not-a-time", "no-offset", "nested"],
)
def test_a_payload_the_schema_lets_through_but_its_model_would_not_parse_is_refused_on_receipt(
    kind: MessageType, change: dict[str, Any]
) -> None:
    payload = {**stored(kind), **change}
    assert payload_conforms(kind.value, stored(kind))
    assert not payload_conforms(kind.value, payload)
