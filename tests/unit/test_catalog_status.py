"""Cancelled and delegated items stop being available on their effective date, not before."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.catalog_terms import is_available, status_on

CANCEL_ON_1_DEC = [{"status": "cancelled", "effective_from": "2026-12-01", "reason": "取消"}]


def test_an_item_without_decisions_is_active() -> None:
    assert status_on([], date(2026, 11, 23))["status"] == "active"
    assert is_available([], date(2026, 11, 23))


def test_a_cancellation_takes_effect_on_its_date() -> None:
    assert is_available(CANCEL_ON_1_DEC, date(2026, 11, 30))
    assert not is_available(CANCEL_ON_1_DEC, date(2026, 12, 1))
    assert status_on(CANCEL_ON_1_DEC, date(2027, 1, 1))["status"] == "cancelled"


def test_a_delegation_makes_the_item_unavailable_here() -> None:
    delegated = [
        {"status": "delegated", "effective_from": "2026-01-01", "delegated_to": "county", "reason": "下放"}
    ]
    assert not is_available(delegated, date(2026, 11, 23))
