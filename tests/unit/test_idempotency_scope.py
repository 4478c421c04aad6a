"""An idempotency key replays a stored response (a reveal's clear values among them) only to the
caller who made the request: the same subject at another issuer is another caller."""

from __future__ import annotations

from chalicelib.api.endpoint import idempotency_scope
from chalicelib.domain.identity import Principal, Role


def test_the_same_subject_and_key_at_two_issuers_are_two_scopes() -> None:
    here = Principal(subject="clerk-1", role=Role.AUTHORITY_CLERK, issuer="https://id.a.example")
    there = Principal(subject="clerk-1", role=Role.AUTHORITY_CLERK, issuer="https://id.b.example")
    path = {"number": "430000-20261123-ABCDEFGH"}
    route = "/v1/cases/{number}/reveal"
    assert idempotency_scope(here, "POST", route, path, "k") != idempotency_scope(
        there, "POST", route, path, "k"
    )
    assert idempotency_scope(here, "POST", route, path, "k") == idempotency_scope(
        here, "POST", route, path, "k"
    )
    other_case = {"number": "430000-20261123-ZZZZZZZZ"}
    assert idempotency_scope(here, "POST", route, path, "k") != idempotency_scope(
        here, "POST", route, other_case, "k"
    )
