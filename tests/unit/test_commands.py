"""Typed commands: every act of the state table has one, `perform` dispatches on the command's type
and refuses anything else, and the routes' request models and the partner's messages build them."""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, ClassVar, get_args

import pytest

from chalicelib.api import case_schemas
from chalicelib.api.authority import CLERK_ACTS
from chalicelib.domain import case_acts, commands
from chalicelib.domain.case import SupplementItem, SuspensionProcedure
from chalicelib.domain.case_acts import Context, perform
from chalicelib.domain.case_exchange import CARRIED
from chalicelib.domain.case_states import TRANSITIONS, WHO, Act, CaseState
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.commands import (
    COMMAND_TYPES,
    COMMANDS,
    Accept,
    AcceptAndDecide,
    Decide,
    Submit,
    approves,
    delivery_how,
    noted,
)
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import DomainError
from chalicelib.domain.messages import PAYLOADS, CaseWithdrawn
from chalicelib.services.inbound import carried_command
from tests.conftest import ROOT
from tests.unit.test_case_acts import APPLICANT, CLERK, at, calendar, make_case, submitted


def test_every_act_of_the_state_table_has_exactly_one_command() -> None:
    in_table = {act for _, act in TRANSITIONS} | set(WHO)
    assert in_table <= set(COMMANDS), f"acts without a command: {sorted(in_table - set(COMMANDS))}"
    assert set(COMMANDS) == set(Act)
    assert len(COMMAND_TYPES) == len(COMMANDS)  # no two commands claim one act
    assert all(COMMANDS[kind.act] is kind for kind in COMMAND_TYPES)


def test_the_command_union_and_the_dispatch_table_name_the_same_types() -> None:
    assert set(get_args(commands.Command)) == set(COMMAND_TYPES)


@pytest.mark.parametrize("kind", COMMAND_TYPES, ids=lambda k: k.act.value)
def test_commands_are_frozen(kind: type[commands.Command]) -> None:
    command = _sample(kind)
    fields = dataclasses.fields(command)
    if fields:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(command, fields[0].name, None)


@pytest.mark.parametrize("kind", COMMAND_TYPES, ids=lambda k: k.act.value)
def test_perform_has_a_rule_for_every_command(kind: type[commands.Command]) -> None:
    """Every command type reaches its own rule (never the fall-through): the rule may refuse the
    sample on this case, but with a domain error, not with the dispatch's assertion."""
    case = make_case(state=CaseState.SUBMITTED)
    case.accepted_at = None
    error: Exception | None = None
    try:
        case_acts._apply(case.model_copy(deep=True), _sample(kind), Context(at(3), calendar()))
    except Exception as err:  # a rule's own refusal of the sample is fine here
        error = err
    assert not (isinstance(error, AssertionError) and "unreachable" in str(error)), kind
    assert error is None or isinstance(error, DomainError | AssertionError), (kind, error)


@pytest.mark.parametrize(
    "wrong",
    [
        {"approved": True},  # the parameter dict commands replaced
        Act.ACCEPT,  # an act is not a command
        "accept",
        None,
    ],
)
def test_perform_refuses_what_is_not_a_command(wrong: Any) -> None:
    case = submitted()
    with pytest.raises(TypeError, match="not a case command"):
        perform(case, wrong, CLERK, Context(at(3), calendar()))
    assert case.state is CaseState.SUBMITTED  # untouched


def test_perform_refuses_a_look_alike_of_a_command() -> None:
    """A class that names an act but is not one of the commands is refused, not dispatched."""

    @dataclasses.dataclass(frozen=True)
    class FakeAccept:
        act: ClassVar[Act] = Act.ACCEPT

    with pytest.raises(TypeError, match="FakeAccept"):
        perform(submitted(), typing.cast(Any, FakeAccept()), CLERK, Context(at(3), calendar()))


def test_the_act_performed_is_the_commands() -> None:
    outcome = perform(submitted(), Accept(), CLERK, Context(at(3), calendar()))
    assert outcome.event["act"] == "accept"
    assert outcome.case.state is CaseState.ACCEPTED
    submit = perform(make_case(), Submit(), APPLICANT, Context(at(1), calendar()))
    assert (submit.event["act"], submit.case.state) == ("submit", CaseState.SUBMITTED)


def test_a_command_is_performed_only_by_its_actor() -> None:
    from chalicelib.domain.errors import Conflict

    with pytest.raises(Conflict) as refused:
        perform(submitted(), Accept(), APPLICANT, Context(at(3), calendar()))
    assert refused.value.code == "act_not_yours"


def test_only_a_denying_decision_leaves_the_approved_branch() -> None:
    assert approves(Decide(approved=False)) is False
    assert approves(AcceptAndDecide(approved=False)) is False
    assert approves(Decide(approved=True)) and approves(Accept()) and approves(Submit())


def test_accept_and_decide_is_an_acceptance_without_deferral_and_the_same_decision() -> None:
    both = AcceptAndDecide(approved=False, reasons=("不符合",), legal_basis="第十条", on_commitment=False)
    assert both.accept() == Accept()
    assert both.decide() == Decide(approved=False, reasons=("不符合",), legal_basis="第十条")


def test_note_only_acts_keep_the_note_where_the_act_records_it() -> None:
    assert noted(Act.PASS_PRE_REVIEW, "ok") == commands.PassPreReview(note="ok")
    assert noted(Act.ANSWER_SUPPLEMENT, "ok") == commands.AnswerSupplement(note="ok")
    assert noted(Act.RESUME, "ok") == commands.Resume(note="ok")
    assert noted(Act.START_REVIEW, "ok") == commands.StartReview()
    assert noted(Act.CLOSE, "ok") == commands.Close()
    with pytest.raises(ValueError, match="more than a note"):
        noted(Act.REFUSE, "ok")


def test_delivery_how_accepts_the_ways_of_delivery_only() -> None:
    assert delivery_how("window_handover") == "window_handover"
    with pytest.raises(ValueError, match="not a way of delivery"):
        delivery_how("pigeon")


# — the routes build each act's command from their request model —

BODIES: dict[str, dict[str, Any]] = {
    "NoteRequest": {"note": "备注"},
    "ReturnRequest": {"reasons": ["缺少签字"]},
    "AcceptRequest": {"deferred_materials": ["photo"], "commitment": "承诺补齐"},
    "RefuseRequest": {"reason": "不属于受理范围", "legal_basis": "《条例》第十条"},
    "SupplementRequest": {"items": [{"material": "id_card", "reason": "不清晰"}]},
    "SuspendRequest": {"procedure": "hearing", "reason": "需要听证"},
    "DecideRequest": {"approved": True, "reasons": []},
    "IssueResultRequest": {"delivery": "mail", "title": "许可证", "carrier": "EMS", "tracking_number": "E1"},
    "DeliverRequest": {"how": "mail_signed"},
    "WithdrawRequest": {"reason": "不再需要"},
}
APPLICANT_ROUTES = [
    (Act.ANSWER_SUPPLEMENT, "NoteRequest"),
    (Act.WITHDRAW, "WithdrawRequest"),
    (Act.DISCARD, "WithdrawRequest"),
]
ROUTES = [(act, str(request).split(":")[1]) for act, _, _, request, _ in CLERK_ACTS] + APPLICANT_ROUTES


@pytest.mark.parametrize(("act", "model"), ROUTES, ids=[f"{a.value}:{m}" for a, m in ROUTES])
def test_each_act_route_builds_the_command_of_its_act(act: Act, model: str) -> None:
    request = getattr(case_schemas, model).model_validate(BODIES[model])
    command = request.to_command(act)
    assert isinstance(command, COMMAND_TYPES)
    assert command.act is act


def test_request_bodies_become_typed_fields() -> None:
    accept = case_schemas.AcceptRequest.model_validate(BODIES["AcceptRequest"]).to_command(Act.ACCEPT)
    assert accept == Accept(deferred_materials=("photo",), commitment="承诺补齐")
    supplement = case_schemas.SupplementRequest.model_validate(BODIES["SupplementRequest"])
    items = supplement.to_command(Act.REQUEST_SUPPLEMENT).items  # type: ignore[union-attr]
    assert items == (SupplementItem(material="id_card", reason="不清晰"),)
    suspend = case_schemas.SuspendRequest.model_validate(BODIES["SuspendRequest"]).to_command(Act.SUSPEND)
    assert suspend == commands.Suspend(procedure=SuspensionProcedure.HEARING, reason="需要听证")
    issue = case_schemas.IssueResultRequest.model_validate(BODIES["IssueResultRequest"])
    assert issue.to_command(Act.ISSUE_RESULT).delivery is Delivery.MAIL  # type: ignore[union-attr]


# — a partner's message builds the command of the act it carries —


FIXTURES = ROOT / "tests" / "fixtures" / "messages" / "v1"


def frozen(kind: MessageType) -> Any:
    """The frozen v1 fixture of `kind`, parsed into its model as the receiver does."""
    text = (ROOT / "tests" / "fixtures" / "messages" / "v1" / f"{kind.value}.json").read_text(
        encoding="utf-8"
    )
    return PAYLOADS[kind].model_validate(json.loads(text))


@pytest.mark.parametrize("kind", list(CARRIED), ids=lambda k: k.value)
def test_each_carried_message_builds_the_command_of_its_act(kind: Any) -> None:
    act = CARRIED[kind]
    command = carried_command(act, frozen(kind))
    assert command.act is act


def test_a_handover_message_is_a_delivery_at_the_window() -> None:
    handed_over = frozen(MessageType.RESULT_HANDED_OVER)
    assert carried_command(Act.DELIVER, handed_over) == commands.Deliver(how="window_handover")
    assert carried_command(Act.CANCEL, CaseWithdrawn(reason="联办撤销")) == commands.Cancel(reason="联办撤销")
    assert carried_command(Act.WITHDRAW, frozen(MessageType.WITHDRAWN)) == commands.Withdraw(
        reason="企业生产地址变更，撤回后重新申请"
    )
    with pytest.raises(ValueError, match="no message carries"):
        carried_command(Act.ACCEPT, handed_over)


def _sample(kind: type[commands.Command]) -> commands.Command:
    """A command of `kind` with plausible values for its required fields."""
    values: dict[str, Any] = {
        "reasons": ("原因",),
        "reason": "原因",
        "legal_basis": "依据",
        "items": (SupplementItem(material="id_card", reason="不清晰"),),
        "procedure": SuspensionProcedure.HEARING,
        "approved": True,
        "delivery": Delivery.WINDOW_PICKUP,
        "title": "结果",
    }
    required = {
        f.name
        for f in dataclasses.fields(kind)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    return kind(**{name: values[name] for name in required})
