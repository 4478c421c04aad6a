"""Public API (no login): the item catalog, guides (办事指南) and the working-day calendar."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import CATALOG_SCHEMAS as S
from chalicelib.api.common import item_code, path_part
from chalicelib.api.endpoint import PUBLIC, Call, QueryParam, Reply, endpoint
from chalicelib.api.http import HttpProblem, decode_cursor, encode_cursor
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.identifiers import PROVINCE_CODE_PATTERN

public = Blueprint(__name__)


@endpoint(
    public,
    "GET",
    "/v1/catalog/items",
    tag="catalog",
    roles=PUBLIC,
    etag=True,
    summary="List available items (事项) with filters and cursor pagination",
    response=S + "ItemPage",
    problems=("invalid_query", "invalid_cursor"),
    query=(
        QueryParam("mode", "跨省通办 mode", enum=tuple(m.value for m in Mode)),
        QueryParam("q", "keyword in Chinese: name, alias, department or code", max_length=50),
        QueryParam("department", "department name or part of it", max_length=50),
        QueryParam("province", "handling province (GB/T 2260 code)", pattern=PROVINCE_CODE_PATTERN),
        QueryParam(
            "immediate",
            "true: only 即办件 (handled on the spot); false: only the others",
            enum=("true", "false"),
        ),
        QueryParam("limit", "page size", kind="integer", minimum=1, maximum=100, default=20),
        QueryParam("cursor", "next_cursor of the previous page", max_length=500),
    ),
)
def list_items(call: Call) -> dict[str, Any]:
    q = call.query
    after = None
    if "cursor" in q:
        after = decode_cursor(q["cursor"]).get("after")
        if not isinstance(after, str):
            raise HttpProblem("invalid_cursor")
    items, last = container.catalog().list_items(
        mode=q.get("mode"),
        keyword=q.get("q"),
        department=q.get("department"),
        province=q.get("province"),
        immediate=None if "immediate" not in q else q["immediate"] == "true",
        limit=q["limit"],
        after=after,
    )
    return {"items": items, "next_cursor": encode_cursor({"after": last}) if last else None}


@endpoint(
    public,
    "GET",
    "/v1/catalog/items/{code}",
    tag="catalog",
    roles=PUBLIC,
    etag=True,
    summary="An available item with its standard elements, in its current version",
    response=S + "ItemDetail",
    problems=("item_not_found", "item_cancelled", "item_delegated"),
)
def get_item(call: Call) -> dict[str, Any]:
    return container.catalog().item_detail(item_code(call))


@endpoint(
    public,
    "GET",
    "/v1/catalog/items/{code}/guides/{province}",
    tag="catalog",
    roles=PUBLIC,
    etag=True,
    summary="The guide (办事指南) of an item for a handling province",
    response=S + "Guide",
    problems=("item_not_found", "item_cancelled", "item_delegated", "province_not_implemented"),
)
def get_guide(call: Call) -> dict[str, Any]:
    province = path_part(call, "province", "province_not_implemented")
    return container.catalog().guide(item_code(call), province)


@endpoint(
    public,
    "GET",
    "/v1/catalog/items/{code}/versions/{version}",
    tag="catalog",
    roles=PUBLIC,
    etag=True,
    summary="A published version of an item (cases keep the version they opened under)",
    response=S + "ItemVersion",
    problems=("item_version_not_found",),
)
def get_item_version(call: Call) -> dict[str, Any]:
    version = path_part(call, "version", "item_version_not_found")
    return container.catalog().item_version(item_code(call), int(version))


@endpoint(
    public,
    "GET",
    "/v1/calendar/{year}",
    tag="calendar",
    roles=PUBLIC,
    etag=True,
    summary="The published working-day calendar of a year (holidays and 调休 workdays)",
    response=S + "CalendarYear",
    problems=("calendar_year_not_published",),
)
def get_calendar(call: Call) -> Reply:
    year = path_part(call, "year", "calendar_year_not_published")
    return Reply(container.calendar().year(int(year)))
