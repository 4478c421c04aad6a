"""原件退还 and 原件留存 (domain/shipments.py): what the handling province holds, what it may return,
and the close it refuses while an arrived original is neither returned nor kept."""

from __future__ import annotations

import pytest

from chalicelib.domain.case import Case, IdentityCheck, Intake, OriginalCheck
from chalicelib.domain.case_acts import offered_acts
from chalicelib.domain.case_states import Act, CaseState
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.identity import Role
from chalicelib.domain.shipments import (
    NOT_DISPATCHED,
    check_returnable,
    original_checked_payload,
    originals_arrival,
    originals_back,
    originals_held,
)
from tests.unit.test_case_acts import act, at, step, submitted

REFUSAL = {"reason": "材料不符", "legal_basis": "《行政许可法》第三十二条"}


def mailed(case: Case, *, arrived: bool) -> Case:
    """`case` taken in at 广西's window, its id card and photo originals mailed here."""
    changed = case.model_copy(deep=True)
    changed.intake = Intake(
        window="W-450000-01",
        province="450000",
        identity=IdentityCheck(method="id_card_reader", document="居民身份证", at=at(1), by="w"),
        originals_to_mail=["id_card", "photo"],
        originals_arrived_at=at(2) if arrived else None,
    )
    return changed


def checked(case: Case, slot: str, *, kept: bool) -> Case:
    changed = case.model_copy(deep=True)
    assert changed.intake is not None
    changed.intake.original_checks.append(
        OriginalCheck(slot=slot, matches=True, at=at(2), by="c", province="430000", kept=kept)
    )
    return changed


def refused(case: Case) -> Case:
    return step(case, Act.REFUSE, at(3), **REFUSAL)


def test_only_arrived_originals_are_held_and_returned_or_kept_ones_are_not() -> None:
    assert originals_held(mailed(submitted(), arrived=False)) == []
    held = mailed(submitted(), arrived=True)
    assert originals_held(held) == ["id_card", "photo"]
    kept = checked(held, "id_card", kept=True)
    assert originals_held(kept) == ["photo"]
    assert kept.intake is not None
    kept.intake.originals_returned.append("photo")
    assert originals_held(kept) == []
    assert originals_held(checked(held, "id_card", kept=False)) == ["id_card", "photo"]


def test_a_case_is_not_closed_while_an_arrived_original_is_held() -> None:
    held = refused(mailed(submitted(), arrived=True))
    assert held.state is CaseState.NOT_ACCEPTED
    assert "close" not in offered_acts(held, Role.AUTHORITY_CLERK)
    with pytest.raises(Conflict) as refusal:
        act(held, Act.CLOSE, at(4))
    assert (refusal.value.code, refusal.value.params) == (
        "originals_not_returned",
        {"materials": ["id_card", "photo"]},
    )

    settled = checked(held, "photo", kept=True)
    assert settled.intake is not None
    settled.intake.originals_returned.append("id_card")
    assert "close" in offered_acts(settled, Role.AUTHORITY_CLERK)
    assert act(settled, Act.CLOSE, at(4)).case.state is CaseState.CLOSED
    # originals that never arrived hold nothing up
    assert act(refused(mailed(submitted(), arrived=False)), Act.CLOSE, at(4)).case.state is CaseState.CLOSED


def test_only_a_mailed_arrived_original_still_held_may_be_returned() -> None:
    with pytest.raises(NotFound, match="original_not_mailed"):
        check_returnable(mailed(submitted(), arrived=True), ["power_of_attorney"])
    with pytest.raises(Conflict, match="originals_not_arrived"):
        check_returnable(mailed(submitted(), arrived=False), ["id_card"])
    kept = checked(mailed(submitted(), arrived=True), "id_card", kept=True)
    with pytest.raises(Conflict, match="original_not_held"):
        check_returnable(kept, ["photo", "id_card"])
    check_returnable(kept, ["photo"])


def test_the_return_is_a_shipment_of_the_slots_and_the_check_a_message_for_the_window() -> None:
    case = mailed(submitted(), arrived=True)
    back = originals_back(
        case, to="window", carrier="EMS", tracking_number="E1", slots=["photo"], at=at(3), province="430000"
    )
    assert (back["direction"], back["contents"], back["status"]) == ("originals_to_window", ["photo"], "sent")
    to_applicant = originals_back(
        case,
        to="applicant",
        carrier="EMS",
        tracking_number="E2",
        slots=["id_card"],
        at=at(3),
        province="430000",
    )
    assert to_applicant["direction"] == "originals_to_applicant"
    assert not originals_arrival(back)
    assert originals_arrival({"direction": "to_handler", "status": "delivered"})
    assert not originals_arrival({"direction": "to_handler", "status": "in_transit"})

    check = OriginalCheck(slot="id_card", matches=False, note="不一致", at=at(2), by="c", province="430000")
    assert original_checked_payload(check) == {
        "slot": "id_card",
        "matches": False,
        "kept": False,
        "note": "不一致",
        "at": "2025-03-02T10:00:00+08:00",
        "province": "430000",
    }
    assert {"original_checks", "originals_arrived_at", "originals_returned"} <= NOT_DISPATCHED
