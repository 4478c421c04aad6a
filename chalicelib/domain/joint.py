"""多地联办 rules: how a joint case is planned into parts, and who decides it.

Planning (pure; services/joint.py loads, saves and sends): each part of the item goes to the
province its rule picks (the lead's own, or the one a form field names) and the authority the
item's implementation names there; a part starts once every part it depends on is approved; the
joint case promises the working days of its longest chain of parts; a refused part denies the
joint case with its own reasons, and stops the parts still going.

Once a joint case has parts, the acts that end it (作出决定, 即办, 不予受理) belong to the coordinator:
it decides when every part is approved, or denies when one is refused. The lead clerk is neither
offered them nor allowed them while any part is open.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.case import STOPPED_PARTS, Case, Channel, JointLink, Part, PartState
from chalicelib.domain.case_factory import CaseItem
from chalicelib.domain.case_states import DECIDED, Act, CaseState
from chalicelib.domain.catalog_terms import PartRule
from chalicelib.domain.commands import Cancel, Decide, RequestSupplement, Withdraw
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound

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


# — planning: which province handles which part, when a part may start, what the joint case promises —

PART_NEWS = {
    PartState.ACCEPTED: "已受理",
    PartState.APPROVED: "已准予",
    PartState.REFUSED: "不予办理",
    PartState.WITHDRAWN: "已终止",
    PartState.REVOKED: "已撤销（联办撤销）",
    PartState.NOT_STARTED: "不再办理",
}
STOP_REASON = "联办事项其他部分不予办理，本部分终止"


def part_province(rule: PartRule, form: dict[str, Any], lead_province: str) -> str:
    """The province a part's rule picks: the lead's own, or the one a form field names."""
    return lead_province if rule is PartRule.LEAD else str(form.get(rule.value, ""))


def plan_parts(item: CaseItem, form: dict[str, Any], lead_province: str) -> list[Part]:
    """The parts of a joint case, each at the province its rule picks from the form and handled by
    the authority the item's implementation names there. A province the item is not implemented
    at (or implemented without an authority) is the form field's fault: `province_not_implemented`."""
    parts = []
    for spec in item.joint_parts:
        province = part_province(spec.province_rule, form, lead_province)
        try:
            handler = item.handler_at(province, Channel.EXCHANGE)
        except NotFound:
            raise InvalidInput(
                "province_not_implemented",
                errors=[{"field": f"form.{spec.province_rule.value}", "code": "not_implemented"}],
            ) from None
        parts.append(
            Part(
                key=spec.key,
                role=spec.role,
                province=province,
                authority=handler.authority,
                authority_name=handler.authority_name,
                depends_on=list(spec.depends_on),
                promised_days=spec.promised_limit_days,
                materials=list(spec.materials),
            )
        )
    return parts


def critical_path_days(parts: list[Part]) -> int:
    """Working days along the longest chain of parts (parts without dependencies run side by side):
    the joint case's promised limit (承诺时限)."""
    by_key = {p.key: p for p in parts}
    memo: dict[str, int] = {}

    def finish(key: str) -> int:
        if key not in memo:
            part = by_key[key]
            memo[key] = part.promised_days + max(
                (finish(d) for d in part.depends_on if d in by_key), default=0
            )
        return memo[key]

    return max((finish(p.key) for p in parts), default=0)


def ready_parts(parts: list[Part]) -> list[Part]:
    """The waiting parts whose prerequisites are all approved: they start now."""
    approved = {p.key for p in parts if p.state is PartState.APPROVED}
    return [p for p in parts if p.state is PartState.WAITING and set(p.depends_on) <= approved]


def part_link(parent: Case, part: Part, lead_province: str) -> JointLink:
    """What a part's case knows of its joint case: the parent, its role and the other parts now."""
    return JointLink(
        parent=parent.number,
        part=part.key,
        role=part.role,
        lead_province=lead_province,
        promised_days=part.promised_days,
        siblings=[
            {"part": p.key, "role": p.role, "province": p.province, "state": p.state.value}
            for p in parent.parts
            if p.key != part.key
        ],
    )


def part_state(case: Case) -> PartState:
    """A part's state from its own case."""
    if case.state is CaseState.WITHDRAWN:
        return PartState.WITHDRAWN
    if case.state is CaseState.NOT_ACCEPTED or case.state is CaseState.DENIED:
        return PartState.REFUSED
    if case.state in DECIDED or (case.state is CaseState.CLOSED and case.decision is not None):
        return PartState.APPROVED if case.decision is None or case.decision.approved else PartState.REFUSED
    if case.state is CaseState.SUPPLEMENT_REQUESTED:
        return PartState.SUPPLEMENT_REQUESTED
    if case.accepted_at is not None:
        return PartState.ACCEPTED
    return PartState.STARTED


def refusal_of(case: Case) -> tuple[list[str], str | None]:
    """A refused part's reasons and legal basis, as its province gave them."""
    if case.refusal is not None:
        return [case.refusal.reason], case.refusal.legal_basis
    if case.decision is not None and not case.decision.approved:
        return list(case.decision.reasons), case.decision.legal_basis
    return [], None


def denial(refused: list[Part]) -> Decide:
    """The joint case's denial (不予许可) when parts are refused: each refusing part's own reasons
    and legal basis, named by role and province."""
    reasons = [f"{p.role}（{p.province}）：{r}" for p in refused for r in p.reasons or ["不予办理"]]
    basis = "；".join(dict.fromkeys(p.legal_basis for p in refused if p.legal_basis)) or None
    return Decide(approved=False, reasons=tuple(reasons), legal_basis=basis)


def stop_act(sub: Case) -> tuple[Cancel | Withdraw, MessageType]:
    """Compensation for a part still going when the joint case is denied: one still open is
    withdrawn, one already decided is cancelled (联办撤销); and the message that tells its province."""
    if sub.state in DECIDED:
        return Cancel(reason=STOP_REASON), MessageType.CANCELLED
    return Withdraw(reason=STOP_REASON), MessageType.WITHDRAWN


def parts_news(before: list[Part], after: list[Part]) -> list[str]:
    """What the applicant is told of the parts that moved, one phrase a part (e.g. 迁入地审批已受理)."""
    was = {p.key: p.state for p in before}
    return [
        f"{p.role}{PART_NEWS[p.state]}"
        for p in after
        if p.state in PART_NEWS and was.get(p.key) is not p.state
    ]


def supplement_items(asking: list[Case]) -> RequestSupplement:
    """补正 asked by any part, one request to the applicant, each item prefixed with its part's role."""
    return RequestSupplement(
        items=tuple(
            i.model_copy(update={"reason": f"{s.joint.role if s.joint else ''}：{i.reason}"})
            for s in asking
            if s.supplement is not None
            for i in s.supplement.items
        )
    )
