"""Fixtures of the case tests: a seeded province (catalog, calendar, e-licences), an applicant and
the handling clerk, each driving the API through the chalice test client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import Party, ok


@pytest.fixture
def stage(seeded: list[dict[str, Any]]) -> None:
    from infra.local.seed import seed_calendar
    from infra.local.seed_licences import seed_licences

    seed_calendar()
    seed_licences("tongban-430000-catalog")


@pytest.fixture
def applicant(client: Any, stage: None) -> Party:
    return Party(client, "applicant")


@pytest.fixture
def company(client: Any, stage: None) -> Party:
    """The employee acting for a legal person (dev-legal-person-1): enterprise items serve only it."""
    return Party(client, "applicant", sub="dev-legal-person-1")


@pytest.fixture
def clerk(client: Any, stage: None) -> Party:
    return Party(client, "authority_clerk")


@pytest.fixture
def operator(client: Any, stage: None) -> Party:
    return Party(client, "operator")


@pytest.fixture
def guangxi(operator: Party) -> PartnerProvince:
    """广西 450000, a partner province played in-process, registered with the gateway under test."""
    partner = PartnerProvince("450000")
    ok(operator.put("/v1/ops/partners/450000", partner.registration()))
    return partner
