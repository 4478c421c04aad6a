"""多地联办 rules for the lead's clerk: a joint case is decided by its coordinator, from its parts.

Once a joint case has parts, the acts that end it (作出决定, 即办, 不予受理) belong to the coordinator:
it decides when every part is approved, or denies when one is refused. The lead clerk is neither
offered them nor allowed them while any part is open.
"""

from __future__ import annotations

from chalicelib.domain.case import STOPPED_PARTS, Case, PartState
from chalicelib.domain.case_states import Act
from chalicelib.domain.errors import Conflict

ENDING_ACTS = frozenset({Act.DECIDE, Act.ACCEPT_AND_DECIDE, Act.REFUSE})
SETTLED_PARTS = STOPPED_PARTS | {PartState.APPROVED, PartState.REFUSED}


def parts_open(case: Case) -> bool:
    """A joint case led here with at least one part not yet approved, refused or stopped."""
    return any(p.state not in SETTLED_PARTS for p in case.parts)


def check_lead_act(case: Case, act: Act) -> None:
    """Refuse a clerk's act that would end a joint case its parts have not settled."""
    if act in ENDING_ACTS and parts_open(case):
        raise Conflict("joint_decided_by_parts", state=case.state.value, act=act.value)


def lead_acts(case: Case, acts: list[Act]) -> list[Act]:
    """The acts a clerk is offered on the case: without those the coordinator alone performs."""
    return [a for a in acts if a not in ENDING_ACTS] if parts_open(case) else acts
