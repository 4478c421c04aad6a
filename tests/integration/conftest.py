"""Fixtures of the case tests: a seeded province (catalog, calendar, e-licences), an applicant and
the handling clerk, each driving the API through the chalice test client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.case_helpers import Party


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
def clerk(client: Any, stage: None) -> Party:
    return Party(client, "authority_clerk")
