"""What every blueprint shares: path identifiers, paging, the case as the caller may see it, and the
role groups of the routes.

Invariants:
- A path parameter's pattern is declared once, in `PATH_PARAMETERS` (from `domain/identifiers.py`);
  the contract publishes it and `path_part` checks it. A value outside it is an unknown resource
  (404 with the route's own problem code), answered before anything is read.
- Cursors are opaque and authenticated (`api/http.py`); a decoded start key holds string key
  attributes only, or it is a 400 `invalid_cursor`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib import container
from chalicelib.api.endpoint import Call, QueryParam
from chalicelib.api.http import HttpProblem, decode_cursor, encode_cursor
from chalicelib.api.messages import ZH
from chalicelib.domain import identifiers as ids
from chalicelib.domain.case_states import CaseState
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identity import Principal, Role

if TYPE_CHECKING:
    from chalicelib.domain.case import Case

# The request and response models of the routes, by module (`endpoint` loads them on first use).
CASE_SCHEMAS = "chalicelib.api.case_schemas:"
CATALOG_SCHEMAS = "chalicelib.api.schemas:"
DRIFT_SCHEMAS = "chalicelib.api.drift_schemas:"
EXCHANGE_SCHEMAS = "chalicelib.api.exchange_schemas:"
WALKIN_SCHEMAS = "chalicelib.api.walkin_schemas:"
WINDOW_SCHEMAS = "chalicelib.api.window_schemas:"

# Who may call: the role groups the routes name.
APPLICANT = (Role.APPLICANT,)
AUTHORITY_CLERK = (Role.AUTHORITY_CLERK,)
WINDOW_CLERK = (Role.WINDOW_CLERK,)
OPERATOR = (Role.OPERATOR,)
READERS = (Role.APPLICANT, Role.WINDOW_CLERK, Role.AUTHORITY_CLERK, Role.OPERATOR)

PATH_PARAMETERS: dict[str, tuple[str, str]] = {
    # name: (pattern, description)
    "code": (ids.ITEM_CODE_PATTERN, "national item code"),
    "province": (ids.PROVINCE_CODE_PATTERN, "GB/T 2260 province code"),
    "version": (ids.ITEM_VERSION_PATTERN, "item version number"),
    "year": (ids.CALENDAR_YEAR_PATTERN, "calendar year"),
    "number": (ids.CASE_NUMBER_PATTERN, "case number (办件编号)"),
    "slot": (ids.SLOT_PATTERN, "material slot code"),
    "file_id": (ids.FILE_ID_PATTERN, "file id"),
    "session_id": (ids.VIDEO_SESSION_ID_PATTERN, "video session id"),
    "shipment_id": (ids.SHIPMENT_ID_PATTERN, "shipment id"),
    "queue": (ids.DEAD_LETTER_QUEUE_PATTERN, "queue with a dead-letter queue"),
}

PAGING = (
    QueryParam("limit", "page size", kind="integer", minimum=1, maximum=100, default=20),
    QueryParam("cursor", "next_cursor of the previous page", max_length=1000),
)
CASE_PROBLEMS = ("case_not_found",)
STATES = tuple(s.value for s in CaseState)


def path_part(call: Call, name: str, problem: str) -> str:
    """The path parameter `name`, or `problem` (404) when it is not of its pattern."""
    value = call.path[name]
    if not ids.matches(PATH_PARAMETERS[name][0], value):
        raise NotFound(problem)
    return value


def case_number(call: Call) -> str:
    return path_part(call, "number", "case_not_found")


def item_code(call: Call) -> str:
    return path_part(call, "code", "item_not_found")


def start_key(call: Call) -> dict[str, Any] | None:
    """A DynamoDB start key from the opaque cursor; only string key attributes are ours."""
    if "cursor" not in call.query:
        return None
    key = decode_cursor(call.query["cursor"])
    well_formed = 0 < len(key) <= 8 and all(
        isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str) for v in key.values()
    )
    if not well_formed:
        raise HttpProblem("invalid_cursor")
    return key


def cursor_of(last_key: dict[str, Any] | None) -> str | None:
    return encode_cursor(last_key) if last_key else None


def view(principal: Principal, case: Case, lang: str = ZH) -> dict[str, Any]:
    """The case as `principal` may see it (services import on first use: ADR 0002)."""
    from chalicelib.domain.access import case_seat, is_owner, is_principal
    from chalicelib.services.case_views import case_view

    cases = container.cases()
    now = cases.context()
    owner = is_owner(principal, case) or is_principal(principal, case)  # 委托代办: agent and principal
    return case_view(
        case,
        owner=owner,
        role=case_seat(principal, case),
        calendar=now.calendar,
        today=now.today,
        form_schema=None if owner else cases.form_schema(case),  # the owner's view needs no masks
        lang=lang,
    )


def lines(docs: list[dict[str, Any]], lang: str = ZH) -> list[dict[str, Any]]:
    """Compact lines of cases for a list (the app's, an inbox, a queue)."""
    from chalicelib.domain.case import Case
    from chalicelib.services.case_views import compact

    now = container.cases().context()
    calendar, today = now.calendar, now.today
    return [compact(Case.model_validate(doc), calendar, today, lang) for doc in docs]


RECTIFICATION_QUERY = (
    QueryParam("status", "open or closed", enum=("open", "closed"), default="open"),
    *PAGING,
)


def rectification_page(call: Call) -> dict[str, Any]:
    """A page of rectifications (整改) the caller sees: their authority's, or the province's."""
    page = container.ratings().rectifications(
        call.actor, call.query["status"], call.query["limit"], start_key(call)
    )
    return {"items": page.items, "next_cursor": cursor_of(page.last_key)}


# — the signed routes of partners (no bearer token: the signature authenticates) —

# What a signed message is refused for (docs/exchange/README.md), in the order the contract lists them.
REFUSALS = (
    "envelope_malformed",
    "signature_malformed",
    "signature_invalid",
    "signature_algorithm_refused",
    "unknown_kid",
    "unknown_sender",
    "partner_suspended",
    "message_id_reused",
    "message_not_addressed_here",
    "message_stale",
    "message_from_the_future",
    "payload_digest_mismatch",
    "payload_not_canonical",
    "message_type_unsupported",
    "payload_invalid",
    "validation_failed",
)
# A signed read (a partner's request for data it changes nothing with) carries no payload and may be
# asked again: of a message's refusals, those of a payload and of a reused id are not its.
NOT_OF_A_READ = frozenset(
    {
        "message_id_reused",
        "payload_digest_mismatch",
        "payload_not_canonical",
        "message_type_unsupported",
        "payload_invalid",
    }
)
READ_REFUSALS = tuple(code for code in REFUSALS if code not in NOT_OF_A_READ)


def refusal_recorder(kind: str | None = None) -> Callable[[str, bytes], None]:
    """The `on_refusal` hook of a signed route: it records a request refused before its body was
    read (too large, not JSON, not a request) in the operators' refusal list, as a `kind` request
    (a message under its own type when None)."""

    def record(code: str, raw: bytes) -> None:
        container.exchange().refuse_body(code, raw, kind)

    return record
