"""委托代办 across provinces: the entrustment settled on one side reaches the other.

An agent's case is shared by the applicant's home gateway (where the principal authorises the agent
from their own account, 授权) and the handling province (where the clerk checks the 授权委托书).
Acceptance at the handler waits for a verified entrustment, and the principal's home sees how it
was settled, so each settlement is told to the other side as `case.entrustment_settled`.

Invariants:
- A settlement received is applied only while the copy's entrustment is still open (not yet
  verified, case not accepted, not ended); otherwise it is recorded on the timeline and changes
  nothing — a verified entrustment is never undone by a message.
- The timeline names the partner province as the actor and keeps who settled it there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.case import Case, Entrustment, EntrustmentMethod, EntrustmentState
from chalicelib.domain.case_acts import By, Outcome, record
from chalicelib.domain.case_states import FINAL
from chalicelib.domain.messages import CaseEntrustmentSettled


def settled_payload(case: Case) -> dict[str, Any]:
    """What the other side is told of the case's entrustment, as it now stands."""
    entrustment = case.entrustment
    if entrustment is None or entrustment.method is None or entrustment.at is None:
        raise ValueError("only a settled entrustment is told")
    return {
        "state": entrustment.state.value,
        "method": entrustment.method.value,
        "reason": entrustment.reason,
        "at": entrustment.at.isoformat(),
        "by": entrustment.by,
    }


def apply_settlement(case: Case, payload: CaseEntrustmentSettled, by: By, at: datetime) -> Outcome:
    """The other side's settlement, on this side's copy (recorded only once it cannot apply)."""
    state = EntrustmentState(payload.state)
    act = f"partner_entrustment_{'refused' if state is EntrustmentState.REFUSED else 'verified'}"
    details = {"method": payload.method, "reason": payload.reason}
    current = case.entrustment
    still_open = (
        case.agent is not None
        and current is not None
        and not current.verified
        and case.accepted_at is None
        and case.state not in FINAL
    )
    if not still_open:
        return record(case, act, by, at, {**details, "noted": True})
    outcome = record(case, act, by, at, details)
    outcome.case.entrustment = Entrustment(
        state=state,
        method=EntrustmentMethod(payload.method),
        reason=payload.reason,
        at=payload.at,
        by=payload.by,
    )
    return outcome
