"""Schemathesis fuzzes every operation of the contract: no 5xx, no response outside the spec."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import ROOT, bearer
from tests.contract.wsgi import ChaliceWsgi

schema = schemathesis.openapi.from_path(str(ROOT / "openapi" / "openapi.json"))


@pytest.fixture(scope="module")
def wsgi_app(aws: None) -> Any:
    from app import app
    from infra.local.seed import seed_calendar, seed_catalog

    seed_catalog()
    seed_calendar()
    return ChaliceWsgi(app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_spec(case: Any, wsgi_app: Any) -> None:
    headers = bearer("operator") if case.operation.definition.raw.get("security") else {}
    case.call_and_validate(app=wsgi_app, headers=headers)
