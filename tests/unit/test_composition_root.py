"""The composition root: services are built once per root, from the collaborators it was given."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib import container
from chalicelib.config import load_settings
from chalicelib.domain.clock import BEIJING
from chalicelib.services.licences import Licence

LOCAL = {"TONGBAN_STAGE": "local", "TONGBAN_PROVINCE": "430000"}
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def restore_root() -> Iterator[None]:
    before = container.current()
    yield
    container.install(before)


class Transport:
    def post(self, url: str, body: dict[str, Any]) -> Any:
        return SimpleNamespace(status=0, body={})

    def download(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        raise AssertionError("not fetched here")


class Licences:
    def find(self, holder_id_number: str, licence_type: str) -> list[Licence]:
        return []

    def get(self, reference: str) -> Licence | None:
        return None

    def issue(self, *args: Any, **kwargs: Any) -> Licence:
        raise AssertionError("not issued here")


def test_services_are_built_once_per_root_and_afresh_for_a_new_one() -> None:
    container.install(container.bootstrap(load_settings(LOCAL)))
    first = container.cases()
    assert container.cases() is first
    assert container.joint()._cases is first  # one case service, shared
    container.install(container.bootstrap(load_settings(LOCAL)))
    assert container.cases() is not first
    container.reset()  # the collaborators stay, the services are built again
    assert container.cases() is not first


def test_the_collaborators_given_are_the_ones_the_services_use() -> None:
    transport, licences = Transport(), Licences()
    container.install(
        container.bootstrap(
            load_settings(LOCAL), clock=lambda: NOON, partner_transport=transport, licences=licences
        )
    )
    assert container.cases().now() == NOON
    assert container.partner_transport() is transport
    assert container.licences() is licences


def test_production_collaborators_come_from_the_settings() -> None:
    from chalicelib.adapters.partner_http import PartnerHttp
    from chalicelib.adapters.sms import LocalSmsOutbox
    from chalicelib.adapters.video import UnconfiguredVideoProvider

    local = load_settings(LOCAL)
    container.install(container.bootstrap(local))
    assert isinstance(container.partner_transport(), PartnerHttp)
    assert container.sms_notifier().provider == LocalSmsOutbox.name
    elsewhere = load_settings({"TONGBAN_STAGE": "prod-430000", "TONGBAN_CURSOR_KEY": "k" * 32})
    container.install(container.bootstrap(elsewhere))
    assert isinstance(container.video_provider(), UnconfiguredVideoProvider)
    assert container.sms_notifier().provider == "none"
    assert container.tracer() is None  # POWERTOOLS_TRACE_DISABLED unset: tracing off


def test_the_lambda_context_reaches_idempotency_built_before_or_after() -> None:
    container.install(container.bootstrap(load_settings(LOCAL)))
    first: Any = SimpleNamespace(get_remaining_time_in_millis=lambda: 1000)
    container.register_lambda_context(first)
    assert container.idempotency().config.lambda_context is first  # built after: given at build
    second: Any = SimpleNamespace(get_remaining_time_in_millis=lambda: 2000)
    container.register_lambda_context(second)
    assert container.idempotency().config.lambda_context is second  # built before: given now


def test_the_log_level_is_the_settings_one() -> None:
    from chalicelib.observability import logger

    container.install(container.bootstrap(load_settings({**LOCAL, "POWERTOOLS_LOG_LEVEL": "error"})))
    assert logger.log_level == logging.ERROR
