"""Who stands where at a case: the access predicates, pure functions of (principal, case).

Object-level authorization is decided by these, and only these: a case is visible to its applicant
(by issuer and subject), to the principal of a case an agent filed (委托人), to the clerks of its
handling authority in its province once it is submitted, to the window that took it in (异地代收),
and read-only to the operators of its provinces. Services refuse everyone else as if the case did
not exist (404), so numbers cannot be probed; `docs/authorization.md` lists who may do what.
"""

from __future__ import annotations

from chalicelib.domain import personal
from chalicelib.domain.case import Applicant, Case
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.identity import Principal, Role, SubjectKind


def is_owner(principal: Principal, case: Case) -> bool:
    """The applicant of the case. A joint case's part is internal: its applicant sees (and answers)
    the joint case only."""
    return (
        case.joint is None
        and principal.role is Role.APPLICANT
        and principal.subject == case.applicant.subject
        and principal.issuer == case.applicant.issuer
    )


def identity_key(principal: Principal) -> str | None:
    """The licence holder key of the caller's verified identity: a legal person's, else the person's."""
    identity = principal.identity
    if principal.role is not Role.APPLICANT or identity is None:
        return None
    if identity.kind is SubjectKind.LEGAL_PERSON and identity.credit_code is not None:
        return personal.entity_holder_key(identity.credit_code)
    return personal.holder_key(identity.id_number)


def principal_key_of(applicant: Applicant) -> str:
    """The holder key a principal's own login is matched by (委托人 of a case filed by an agent)."""
    if applicant.kind is SubjectKind.LEGAL_PERSON and applicant.credit_code is not None:
        return personal.entity_holder_key(applicant.credit_code)
    return personal.holder_key(applicant.id_number)


def is_principal(principal: Principal, case: Case) -> bool:
    """委托人: the applicant of a case an agent filed, logged in with their own verified identity.
    They read the case and authorise the agent; the agent, who owns the case, acts on it."""
    return (
        case.joint is None
        and case.agent is not None
        and case.principal_key is not None
        and identity_key(principal) == case.principal_key
    )


def is_handling_clerk(principal: Principal, case: Case) -> bool:
    """A clerk of the case's handling authority, once the case is filed: a draft (草稿) is the
    applicant's own until they submit it, as it is not in the authority's inbox either."""
    return (
        case.state is not CaseState.DRAFT
        and principal.role is Role.AUTHORITY_CLERK
        and principal.province == case.handler.province
        and principal.authority == case.handler.authority
    )


def is_window_of(principal: Principal, case: Case) -> bool:
    """The window clerk of the window that took the case in (异地代收), in its province."""
    return (
        principal.role is Role.WINDOW_CLERK
        and case.intake is not None
        and principal.window == case.intake.window
        and principal.province == case.intake.province
    )


def can_read(principal: Principal, case: Case) -> bool:
    province = case.intake.province if case.intake else case.handler.province
    is_operator = principal.role is Role.OPERATOR and principal.province in (province, case.handler.province)
    return (
        is_owner(principal, case)
        or is_principal(principal, case)
        or is_handling_clerk(principal, case)
        or is_window_of(principal, case)
        or is_operator
    )


def case_seat(principal: Principal, case: Case) -> Role | None:
    """The caller's seat at this case: its applicant, its intake window, its handling clerk."""
    if is_owner(principal, case):
        return Role.APPLICANT
    if is_window_of(principal, case):
        return Role.WINDOW_CLERK
    if is_handling_clerk(principal, case):
        return Role.AUTHORITY_CLERK
    return None
