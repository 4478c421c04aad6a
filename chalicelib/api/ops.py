"""Operator API (运维 / 政务服务管理办公室): every `/v1/ops` route, and only those.

The catalog (publish item versions, cancel or delegate items, this province's implementation), the
working-day calendar, rectifications of the province, the partner registry, refused exchange
messages and a case's sealed exchange record, dead letters and cases out of sync, catalog drift
against the partners, and in the local stage the SMS stand-in's outbox. Every route is the
operator's of this province alone (`roles=OPERATOR`).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import container
from chalicelib.api.common import CASE_SCHEMAS as C
from chalicelib.api.common import CATALOG_SCHEMAS as S
from chalicelib.api.common import DRIFT_SCHEMAS as D
from chalicelib.api.common import EXCHANGE_SCHEMAS as X
from chalicelib.api.common import (
    OPERATOR,
    RECTIFICATION_QUERY,
    case_number,
    item_code,
    path_part,
    rectification_page,
)
from chalicelib.api.common import WALKIN_SCHEMAS as K
from chalicelib.api.endpoint import Call, QueryParam, Reply, endpoint
from chalicelib.api.http import HttpProblem
from chalicelib.config import LOCAL_STAGE
from chalicelib.container import settings
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.identifiers import CASE_NUMBER_PATTERN, DATE_PATTERN
from chalicelib.domain.partners import PartnerStatus

ops = Blueprint(__name__)


# — the catalog and the calendar —


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
    problems=(
        "validation_failed",
        "authority_code_missing",
        "item_not_active",
        "concurrent_modification",
        "standard_not_owned",
    ),
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
    "/v1/ops/catalog/items/{code}/implementation",
    tag="ops",
    roles=OPERATOR,
    summary="This province's own implementation (实施清单) of an item; the standard stays its publisher's",
    request="chalicelib.domain.catalog:Implementation",
    response=X + "ImplementationOut",
    problems=("item_not_found", "validation_failed", "authority_code_missing", "concurrent_modification"),
)
def put_implementation(call: Call) -> dict[str, Any]:
    body = call.body.model_dump(mode="json")
    return container.catalog().set_implementation(item_code(call), body)


@endpoint(
    ops,
    "GET",
    "/v1/ops/catalog/drift",
    tag="ops",
    roles=OPERATOR,
    summary="This catalog against each partner's, asked now: versions missing there, extra there or "
    "different (digest, status), since when each is seen, and the drift alarm",
    response=D + "DriftView",
)
def drift_view(call: Call) -> dict[str, Any]:
    return container.catalog_drift().check()


@endpoint(
    ops,
    "PUT",
    "/v1/ops/calendar/{year}",
    tag="ops",
    roles=OPERATOR,
    summary="Publish a year's working-day calendar; provisional due dates in that year are recomputed",
    request="chalicelib.domain.calendar:YearCalendar",
    response=C + "CalendarPublished",
    problems=("validation_failed", "calendar_year_mismatch"),
)
def publish_calendar(call: Call) -> dict[str, Any]:
    year = path_part(call, "year", "calendar_year_not_published")
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


# — rectifications (整改) —


@endpoint(
    ops,
    "GET",
    "/v1/ops/rectifications",
    tag="ops",
    roles=OPERATOR,
    summary="Rectifications (整改) of the whole province, due first",
    response=C + "RectificationPage",
    problems=("invalid_query", "invalid_cursor"),
    query=RECTIFICATION_QUERY,
)
def ops_rectifications(call: Call) -> dict[str, Any]:
    return rectification_page(call)


# — partners and the exchange —


@endpoint(
    ops,
    "GET",
    "/v1/ops/partners",
    tag="ops",
    roles=OPERATOR,
    summary="The partner registry (信任列表)",
    response=X + "PartnerList",
)
def list_partners(call: Call) -> dict[str, Any]:
    return {"items": container.partners().all()}


@endpoint(
    ops,
    "PUT",
    "/v1/ops/partners/{province}",
    tag="ops",
    roles=OPERATOR,
    summary="Register a partner or replace its endpoint and keys (audited)",
    request=X + "PartnerIn",
    response=X + "PartnerOut",
    problems=("validation_failed",),
)
def put_partner(call: Call) -> dict[str, Any]:
    body = call.body.model_dump(mode="json", exclude_none=True)
    return container.partners().put(_province(call), body, call.actor, body.pop("reason"))


@endpoint(
    ops,
    "POST",
    "/v1/ops/partners/{province}/status",
    tag="ops",
    roles=OPERATOR,
    summary="Suspend a partner (its messages are refused) or make it active again (audited)",
    request=X + "PartnerStatusIn",
    response=X + "PartnerOut",
    problems=("partner_not_found", "validation_failed"),
)
def set_partner_status(call: Call) -> dict[str, Any]:
    status = PartnerStatus(call.body.status)
    return container.partners().set_status(_province(call), status, call.actor, call.body.reason)


@endpoint(
    ops,
    "GET",
    "/v1/ops/partners/{province}/audit",
    tag="ops",
    roles=OPERATOR,
    summary="Every change of a partner: who, when, what, why",
    response=X + "PartnerAudit",
    problems=("partner_not_found",),
)
def partner_audit(call: Call) -> dict[str, Any]:
    return {"items": container.partners().audit(_province(call))}


def _province(call: Call) -> str:
    return path_part(call, "province", "partner_not_found")


@endpoint(
    ops,
    "GET",
    "/v1/ops/exchange/refusals",
    tag="ops",
    roles=OPERATOR,
    summary="Messages refused on a day (Beijing date), with the reason",
    response=X + "RefusalList",
    problems=("invalid_query",),
    query=(QueryParam("date", "YYYY-MM-DD", pattern=DATE_PATTERN),),
)
def refusals(call: Call) -> dict[str, Any]:
    from chalicelib.domain.clock import beijing_date

    day = call.query.get("date") or beijing_date(container.current().clock()).isoformat()
    return {"date": day, "items": container.exchange().refusals(day)}


@endpoint(
    ops,
    "GET",
    "/v1/ops/cases/{number}/exchange-record",
    tag="ops",
    roles=OPERATOR,
    summary="A case's exchange record (交换存证) as one sealed bundle, verifiable offline",
    response=X + "ExchangeRecordBundle",
    problems=("exchange_record_empty",),
)
def exchange_record(call: Call) -> Reply:
    # the bundle's bytes are its canonical JSON: served as built, so a verifier may check them as such
    bundle = container.evidence().bundle(case_number(call))
    return Reply(bundle.decode("utf-8"), 200, {"Content-Type": "application/json"})


# — dead letters and cases out of sync —


@endpoint(
    ops,
    "GET",
    "/v1/ops/dead-letters/{queue}",
    tag="ops",
    roles=OPERATOR,
    summary="Messages on a dead-letter queue (outbound, inbound, uploads, notifications), left in place",
    response=X + "DeadLetterList",
    problems=("queue_not_found",),
)
def list_dead_letters(call: Call) -> dict[str, Any]:
    queue = path_part(call, "queue", "queue_not_found")
    return {"queue": queue, "items": container.dead_letters().list(queue)}


@endpoint(
    ops,
    "POST",
    "/v1/ops/dead-letters/{queue}/redrive",
    tag="ops",
    roles=OPERATOR,
    summary="Move a dead-letter queue's messages back (outbound ones are revived with fresh attempts)",
    response=X + "Redriven",
    problems=("queue_not_found",),
)
def redrive_dead_letters(call: Call) -> dict[str, Any]:
    queue = path_part(call, "queue", "queue_not_found")
    return {"queue": queue, "moved": container.dead_letters().redrive(queue)}


@endpoint(
    ops,
    "GET",
    "/v1/ops/out-of-sync",
    tag="ops",
    roles=OPERATOR,
    summary="Cases out of sync (不同步): a partner's message they could not take, or a joint part that "
    "could not start; each is retried with backoff until it goes through",
    response=X + "OutOfSyncList",
)
def list_out_of_sync(call: Call) -> dict[str, Any]:
    return {"items": container.inbound().out_of_sync()}


@endpoint(
    ops,
    "POST",
    "/v1/ops/out-of-sync/{number}/retry",
    tag="ops",
    roles=OPERATOR,
    summary="Retry a case's blocked partner message now (after its cause was fixed)",
    response=X + "SyncRetried",
    problems=("case_not_found", "case_not_out_of_sync"),
)
def retry_out_of_sync(call: Call) -> dict[str, Any]:
    number = case_number(call)
    return {"case": number, "verdict": container.inbound().retry_case(number)}


# — the local stage —


@endpoint(
    ops,
    "GET",
    "/v1/ops/dev/sms",
    tag="ops",
    roles=OPERATOR,
    summary="The local SMS stand-in's messages of a case (phone masked): in the local stage only, "
    "404 elsewhere",
    response=K + "DevSmsList",
    problems=("sms_outbox_not_available", "invalid_query"),
    query=(QueryParam("case", "the case number", pattern=CASE_NUMBER_PATTERN),),
)
def dev_sms(call: Call) -> dict[str, Any]:
    if settings().stage != LOCAL_STAGE:
        raise NotFound("sms_outbox_not_available")
    if "case" not in call.query:
        raise HttpProblem("invalid_query", errors=[{"field": "case", "code": "missing"}])
    return {"items": container.dev_sms_outbox().messages(call.query["case"])}


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
