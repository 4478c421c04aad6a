"""The acts offered are exact, for every seat at a case: over random reachable cases, every act
offered succeeds with a valid body, and every act not offered is refused with a 409."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.case import Case, Consent, FileStatus, IdentityCheck, Intake, RatingLevel
from chalicelib.domain.case_acts import DISPATCH, HANDOVER, RATE, By, Context, offered_acts, perform, rate
from chalicelib.domain.case_states import Act, Actor
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.commands import Deliver
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.identity import Role
from tests.factories import command_of
from tests.unit.test_case_acts import calendar, make_case
from tests.unit.test_case_rules import given as with_file

START = datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
SEATS: dict[Role, By] = {
    Role.APPLICANT: By(actor=Actor.APPLICANT, role="applicant", subject="dev-applicant-1"),
    Role.WINDOW_CLERK: By(actor=Actor.APPLICANT, role="window_clerk", subject="w", window="W-1"),
    Role.AUTHORITY_CLERK: By(actor=Actor.CLERK, role="authority_clerk", subject="c", authority="A-430000-01"),
}
# What each seat can ask for through its routes (the window's submit is `dispatch`, its deliver
# `handover`; the joint compensation `cancel` has no route).
ROUTES: dict[Role, tuple[str, ...]] = {
    Role.APPLICANT: ("submit", "answer_supplement", "withdraw", "discard", RATE),
    Role.WINDOW_CLERK: ("answer_supplement", "withdraw", "discard", DISPATCH, HANDOVER),
    Role.AUTHORITY_CLERK: tuple(
        a.value
        for a in Act
        if a not in (Act.SUBMIT, Act.ANSWER_SUPPLEMENT, Act.WITHDRAW, Act.DISCARD, Act.CANCEL)
    ),
}


def body(case: Case, act: Act, approve: bool) -> dict[str, Any]:
    """A valid body for `act` on `case`."""
    if act is Act.RETURN_PRE_REVIEW:
        return {"reasons": ["申请书未签字"]}
    if act is Act.REFUSE:
        return {"reason": "不属于本机关职权", "legal_basis": "《行政许可法》第三十二条"}
    if act is Act.REQUEST_SUPPLEMENT:
        previous = case.supplement.items[:1] if case.supplement else []
        items = [i.model_dump(exclude_none=True) for i in previous] or [
            {"material": "id_card", "reason": "模糊"}
        ]
        return {"items": items}
    if act is Act.SUSPEND:
        return {"procedure": "site_inspection", "reason": "现场踏勘"}
    if act in (Act.DECIDE, Act.ACCEPT_AND_DECIDE):
        return {"approved": True} if approve else {"approved": False, "reasons": ["不符合条件"]}
    if act is Act.ISSUE_RESULT:
        way = case.result_delivery[0] if case.result_delivery else Delivery.WINDOW_PICKUP
        extra = {
            Delivery.ELECTRONIC: {"licence_type": "测试证"},
            Delivery.MAIL: {"carrier": "EMS", "tracking_number": "EA1"},
            Delivery.WINDOW_PICKUP: {},
        }[way]
        return {"delivery": way.value, "title": "结果", **extra}
    if act is Act.WITHDRAW:
        return {"reason": "不再需要"}
    return {}


def attempt(case: Case, seat: Role, name: str, at: datetime, approve: bool) -> Case:
    """Do `name` as `seat` would through its route, with a valid body (and, for a 补正 answer, the
    materials it lists given first)."""
    by = SEATS[seat]
    if name == RATE:
        return rate(case, by, at, RatingLevel.SATISFIED, [], None).case
    if name == HANDOVER:
        clerk = By(actor=Actor.CLERK, role="window_clerk", subject="w", window="W-1")
        return perform(case, Deliver(how="window_handover"), clerk, Context(at, calendar())).case
    act = Act.SUBMIT if name == DISPATCH else Act(name)
    if act is Act.ANSWER_SUPPLEMENT and case.supplement is not None:
        for item in case.supplement.items:
            if item.material:
                case = with_file(case, item.material, at - timedelta(minutes=1))
    return perform(case, command_of(act, **body(case, act, approve)), by, Context(at, calendar())).case


def start(immediate: bool, window: bool, delivery: list[Delivery]) -> Case:
    case = make_case(immediate=immediate, promised_days=0 if immediate else 10)
    case.result_delivery = delivery
    if window:
        case.intake = Intake(
            window="W-1",
            province="320000",
            identity=IdentityCheck(method="id_card_reader", document="居民身份证", at=START, by="w"),
            consent=Consent(method="paper_scan", at=START),
        )
    return case


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    immediate=st.booleans(),
    window=st.booleans(),
    delivery=st.lists(st.sampled_from(list(Delivery)), max_size=2, unique=True),
    choices=st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=14),
)
def test_every_act_offered_succeeds_and_every_act_not_offered_is_refused(
    immediate: bool, window: bool, delivery: list[Delivery], choices: list[tuple[int, bool]]
) -> None:
    case = start(immediate, window, delivery)
    seats = [Role.WINDOW_CLERK, Role.AUTHORITY_CLERK] if window else [Role.APPLICANT, Role.AUTHORITY_CLERK]
    for n, (pick, approve) in enumerate(choices):
        at = START + timedelta(days=n, hours=1)
        moves: list[tuple[Role, str]] = []
        for seat in seats:
            offered = offered_acts(case, seat)
            assert set(offered) <= set(ROUTES[seat]), (seat, offered)
            for name in ROUTES[seat]:
                if name in offered:
                    attempt(case, seat, name, at, approve)  # raises if an offered act is refused
                    moves.append((seat, name))
                else:
                    try:
                        attempt(case, seat, name, at, approve)
                    except Conflict:
                        continue
                    except DomainError as err:
                        raise AssertionError(
                            f"{name} by {seat} not offered in {case.state}: {err.code}"
                        ) from err
                    raise AssertionError(f"{name} by {seat} in {case.state} succeeds but is not offered")
        if not moves:
            return  # a final state: nothing left to do
        seat, name = moves[pick % len(moves)]
        case = attempt(case, seat, name, at, approve)
        assert all(f.status is not FileStatus.PENDING for f in case.files)
