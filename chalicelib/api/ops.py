"""Operator API (运维 / 政务服务管理办公室): publish item versions, cancel or delegate items."""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.endpoint import Call, Reply, endpoint
from chalicelib.api.public import item_code
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.identity import Role

ops = Blueprint(__name__)
S = "chalicelib.api.schemas:"
OPERATOR = (Role.OPERATOR,)
YEAR = re.compile(r"^20[0-9]{2}$")


@endpoint(
    ops,
    "POST",
    "/v1/ops/catalog/items",
    tag="ops",
    roles=OPERATOR,
    status=201,
    summary="Publish an item definition: version 1 for a new code, else the next version",
    request="chalicelib.domain.catalog:ItemDefinition",
    response=S + "Published",
    problems=("validation_failed", "item_not_active", "concurrent_modification", "standard_not_owned"),
)
def publish_item(call: Call) -> Reply:
    published = container.catalog().publish(call.body, call.actor)
    return Reply(published, 201, {"Location": f"/v1/ops/catalog/items/{published['code']}"})


@endpoint(
    ops,
    "GET",
    "/v1/ops/catalog/items/{code}",
    tag="ops",
    roles=OPERATOR,
    etag=True,
    summary="An item as operators see it, whatever its status, with its status decisions",
    response=S + "OperatorItemView",
    problems=("item_not_found",),
)
def get_operator_item(call: Call) -> dict[str, Any]:
    return container.catalog().operator_view(item_code(call))


@endpoint(
    ops,
    "POST",
    "/v1/ops/catalog/items/{code}/status-changes",
    tag="ops",
    roles=OPERATOR,
    status=201,
    summary="Cancel (取消) or delegate (下放) an item from an effective date on",
    request=S + "StatusChangeRequest",
    response=S + "StatusChangeResult",
    problems=(
        "item_not_found",
        "item_not_active",
        "effective_date_in_past",
        "validation_failed",
        "standard_not_owned",
    ),
)
def change_item_status(call: Call) -> Reply:
    code = item_code(call)
    body = call.body.model_dump(mode="json", exclude_none=True)
    return Reply(container.catalog().change_status(code, body, call.actor), 201)


@endpoint(
    ops,
    "PUT",
    "/v1/ops/calendar/{year}",
    tag="ops",
    roles=OPERATOR,
    summary="Publish a year's working-day calendar; provisional due dates in that year are recomputed",
    request="chalicelib.domain.calendar:YearCalendar",
    response="chalicelib.api.case_schemas:CalendarPublished",
    problems=("validation_failed", "calendar_year_mismatch"),
)
def publish_calendar(call: Call) -> dict[str, Any]:
    year = call.path["year"]
    if not YEAR.fullmatch(year):
        raise NotFound("calendar_year_not_published")
    if call.body.year != int(year):
        raise InvalidInput(
            "calendar_year_mismatch", errors=[{"field": "year", "code": "calendar_year_mismatch"}]
        )
    container.calendar().publish(call.body)
    container.forget_calendar()
    report = container.deadlines().recompute_provisional(call.body.year)
    return {
        "year": call.body.year,
        "holidays": len(call.body.holidays),
        "adjusted_workdays": len(call.body.adjusted_workdays),
        "recomputed": report.recomputed,
        "conflicts": report.conflicts,
    }


@endpoint(
    ops,
    "GET",
    "/v1/ops/exchange/streams",
    tag="ops",
    roles=OPERATOR,
    summary="Each partner's stream position: the last message it acknowledged, and what waits for it "
    "in the outbox (how many, the oldest and its age); a partner that is down shows here, never in a DLQ",
    response="chalicelib.api.exchange_schemas:StreamPositions",
)
def stream_positions(call: Call) -> dict[str, Any]:
    return container.outbound().stream_positions(container.partners().all())
