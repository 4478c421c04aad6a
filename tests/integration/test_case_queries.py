"""The query side of cases on DynamoDB (moto): my cases, the inbox, the deadline sweep's cases, a
case with its timeline, rectifications — written through the case book, read through
services/case_queries.py and adapters/case_store.DynamoCaseQueries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.case_store import DynamoCaseQueries, DynamoCaseRepository
from chalicelib.domain.case import Case, CaseClock
from chalicelib.domain.case_acts import By, owner_key, record
from chalicelib.domain.case_states import Actor, CaseState
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.identity import Principal, Role
from chalicelib.services.after_commit import AfterCommit
from chalicelib.services.case_book import CaseBook, RectificationRecord
from chalicelib.services.case_queries import CaseQueries
from tests.conftest import PREFIX
from tests.factories import case_model, working_calendar_2025_2026

TABLE = f"{PREFIX}-cases"
AT = datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
APPLICANT = By(actor=Actor.APPLICANT, role="applicant", subject="dev-applicant-1")
ISSUER = "https://id.430000.example"  # the factory's applicant issuer


@pytest.fixture
def book(clean_aws: None) -> CaseBook:
    calendar = working_calendar_2025_2026()
    return CaseBook(DynamoCaseRepository(TABLE), lambda: calendar, AfterCommit({}))


@pytest.fixture
def queries(clean_aws: None) -> CaseQueries:
    return CaseQueries(DynamoCaseQueries(TABLE))


def _write(book: CaseBook, number: str, **fields: Any) -> Case:
    case = case_model(number=number, **fields)
    return book.create(case, record(case, "open", APPLICANT, AT, {}).event)


def _clerk(authority: str) -> Principal:
    return Principal(
        subject="c", role=Role.AUTHORITY_CLERK, issuer="x", province="430000", authority=authority
    )


def _submitted(due: date, **fields: Any) -> dict[str, Any]:
    clock = CaseClock(
        statutory_days=20, promised_days=10, started_on=due - timedelta(days=14), promised_due=due
    )
    return {"state": CaseState.ACCEPTED, "submitted_at": AT, "clock": clock, **fields}


def test_my_cases_are_the_callers_own_newest_first_a_page_at_a_time(
    book: CaseBook, queries: CaseQueries
) -> None:
    for minute in range(3):
        _write(book, f"430000-20250227-MINE000{minute}", created_at=AT + timedelta(minutes=minute))
    _write(book, "430000-20250227-OTHERS01", subject="dev-applicant-2")
    owners = {"own": owner_key(ISSUER, "dev-applicant-1")}
    first, position = queries.my_cases(owners, 2, None)
    assert [d["number"] for d in first] == ["430000-20250227-MINE0002", "430000-20250227-MINE0001"]
    assert position is not None
    rest, end = queries.my_cases(owners, 2, position)
    assert [d["number"] for d in rest] == ["430000-20250227-MINE0000"]
    assert end is None


def test_the_inbox_is_the_clerks_own_authority_most_urgent_first(
    book: CaseBook, queries: CaseQueries
) -> None:
    _write(book, "430000-20250227-LATER001", **_submitted(date(2025, 3, 20)))
    _write(book, "430000-20250227-SOONER01", **_submitted(date(2025, 3, 10)))
    _write(book, "430000-20250227-DRAFT001")  # a draft is the applicant's own, in nobody's inbox
    other = case_model().handler.model_copy(update={"authority": "A-430000-02"})
    _write(book, "430000-20250227-OTHERAU1", handler=other, **_submitted(date(2025, 3, 5)))
    page = queries.inbox(_clerk("A-430000-01"), 10, None)
    assert [d["number"] for d in page.items] == ["430000-20250227-SOONER01", "430000-20250227-LATER001"]
    due_soon = queries.inbox(_clerk("A-430000-01"), 10, None, due_before="2025-03-15")
    assert [d["number"] for d in due_soon.items] == ["430000-20250227-SOONER01"]
    assert queries.inbox(_clerk("A-430000-01"), 10, None, state="under_review").items == []
    assert [d["number"] for d in queries.inbox(_clerk("A-430000-02"), 10, None).items] == [
        "430000-20250227-OTHERAU1"
    ]


def test_the_sweep_reads_only_cases_whose_check_date_has_come(book: CaseBook, queries: CaseQueries) -> None:
    _write(book, "430000-20250227-DUESOON1", **_submitted(date(2025, 3, 10)))
    _write(book, "430000-20250227-DUELATE1", **_submitted(date(2025, 6, 30)))
    due = [case.number for case in queries.due_for_check(2025, "2025-03-09")]
    assert due == ["430000-20250227-DUESOON1"]
    assert list(queries.due_for_check(2025, "2025-01-01")) == []


def test_a_case_with_its_timeline_leaves_out_outbox_and_side_records(
    book: CaseBook, queries: CaseQueries
) -> None:
    case = _write(book, "430000-20250227-TIMELINE")
    outcome = record(case, "rated", APPLICANT, AT, {})
    outcome.notice = {"recipient": "OWNER#x", "case": case.number, "at": AT.isoformat()}
    rect = {
        "case": case.number,
        "province": "430000",
        "authority": "A-430000-01",
        "status": "open",
        "due": "2025-03-24",
    }
    book.save(case, [outcome], extra=[RectificationRecord(rect, new=True)])
    found, events = queries.with_events(case.number)
    assert found is not None and found.version == 2
    assert [e["act"] for e in events] == ["open", "rated"]
    assert queries.with_events("430000-20250227-NOTHERE1") == (None, [])
    assert queries.case("430000-20250227-NOTHERE1") is None


def test_rectifications_of_a_status_and_one_authority(book: CaseBook, queries: CaseQueries) -> None:
    for number, authority, status in (
        ("430000-20250227-RECTOPEN", "A-430000-01", "open"),
        ("430000-20250227-RECTOTHR", "A-430000-02", "open"),
        ("430000-20250227-RECTDONE", "A-430000-01", "closed"),
    ):
        case = _write(book, number)
        rect = {
            "case": number,
            "province": "430000",
            "authority": authority,
            "status": status,
            "due": "2025-03-24",
        }
        book.save(
            case, [record(case, "rated", APPLICANT, AT, {})], extra=[RectificationRecord(rect, new=True)]
        )
    mine = queries.rectifications("430000", "open", "A-430000-01", 10, None)
    assert [r["case"] for r in mine.items] == ["430000-20250227-RECTOPEN"]
    everyone = queries.rectifications("430000", "open", None, 10, None)
    assert sorted(r["case"] for r in everyone.items) == [
        "430000-20250227-RECTOPEN",
        "430000-20250227-RECTOTHR",
    ]
