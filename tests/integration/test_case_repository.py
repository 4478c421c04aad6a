"""The write side of cases on DynamoDB (moto): one transaction per save, on the version read; the
outbox and side records commit with the case or not at all; the post-commit table runs only after
a commit (services/case_book.py, services/after_commit.py, adapters/case_store.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest

from chalicelib.adapters.case_store import DynamoCaseQueries, DynamoCaseRepository
from chalicelib.domain.audit import verify_chain
from chalicelib.domain.case import Case
from chalicelib.domain.case_acts import By, Outcome, record
from chalicelib.domain.case_states import Actor
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.errors import Conflict
from chalicelib.services.after_commit import AFTER_COMMIT, AfterCommit, Committed, Step
from chalicelib.services.case_book import (
    CaseBook,
    CoordinationDone,
    CoordinationMark,
    RectificationRecord,
    ShipmentRecord,
)
from tests.conftest import PREFIX
from tests.factories import case_model, working_calendar_2025_2026

TABLE = f"{PREFIX}-cases"
AT = datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
APPLICANT = By(actor=Actor.APPLICANT, role="applicant", subject="dev-applicant-1")
CLERK = By(actor=Actor.CLERK, role="authority_clerk", subject="dev-authority-clerk-1")


class Performed:
    """The post-commit steps as they ran: (step, subject) in order."""

    def __init__(self) -> None:
        self.runs: list[tuple[Step, Any]] = []

    def table(self) -> AfterCommit:
        return AfterCommit({step: self._performer(step) for step in Step})

    def _performer(self, step: Step) -> Any:
        return lambda subject: self.runs.append((step, subject))


@pytest.fixture
def performed() -> Performed:
    return Performed()


@pytest.fixture
def book(clean_aws: None, performed: Performed) -> CaseBook:
    calendar = working_calendar_2025_2026()
    return CaseBook(DynamoCaseRepository(TABLE), lambda: calendar, performed.table())


def _items(number: str) -> dict[str, dict[str, Any]]:
    """Every item of the case's partition by sort key, as DynamoDB holds it."""
    pages = (
        boto3.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"CASE#{number}"}},
        )
    )
    return {item["sk"]["S"]: item for page in pages for item in page["Items"]}


def _notice(case: Case, text: str) -> dict[str, Any]:
    return {"recipient": "OWNER#x", "case": case.number, "at": AT.isoformat(), "text": text}


def _act(case: Case, act: str, by: By = APPLICANT, notice: str | None = None) -> Outcome:
    outcome = record(case, act, by, AT, {})
    if notice is not None:
        outcome.notice = _notice(case, notice)
    return outcome


def _created(book: CaseBook, **fields: Any) -> Case:
    case = case_model(**fields)
    return book.create(case, _act(case, "open").event)


def test_a_save_on_a_stale_version_is_refused_and_writes_nothing(
    book: CaseBook, performed: Performed
) -> None:
    original = _created(book)
    first, second = book.load(original.number), book.load(original.number)
    book.save(first, [_act(first, "update_form", notice="first")])
    performed.runs.clear()
    shipment = {"id": "S1", "case": original.number, "carrier": "EMS"}
    with pytest.raises(Conflict) as refused:
        book.save(
            second,
            [_act(second, "update_form", notice="second")],
            extra=[ShipmentRecord(shipment), CoordinationMark(original.number, AT.isoformat())],
            messages=[{"id": "M1", "case": original.number}],
        )
    assert refused.value.code == "concurrent_modification"  # a person won: no retry on their behalf
    items = _items(original.number)
    assert sorted(k for k in items if k.startswith("EV#")) == ["EV#00000001", "EV#00000002"]
    outbox = [k for k in items if k.startswith("OUT#")]
    assert outbox == [f"OUT#{original.number}:2"]  # the winner's notice only
    assert not {"SHIP#S1", "COORD"} & set(items)  # the loser's side records are not written either
    assert performed.runs == []  # nothing runs after a write that did not commit
    assert book.load(original.number).version == 2


def test_outbox_and_side_records_commit_in_the_same_transaction_as_the_case(
    book: CaseBook, performed: Performed
) -> None:
    case = _created(book)
    rect = {
        "case": case.number,
        "province": "430000",
        "authority": "A-430000-01",
        "status": "open",
        "due": "2025-03-24",
    }
    shipment = {"id": "S1", "case": case.number, "carrier": "EMS"}
    message = {"id": "M1", "case": case.number, "type": "case.rated"}
    saved = book.save(
        case,
        [_act(case, "rated", notice="rated")],
        extra=[
            ShipmentRecord(shipment),
            RectificationRecord(rect, new=True),
            CoordinationMark("430000-20250227-PARENT01", AT.isoformat()),
        ],
        messages=[message],
    )
    items = _items(case.number)
    assert items["CASE"]["version"] == {"N": "2"} and saved.seq == 2
    assert items[f"OUT#{case.number}:2"]["outbox"] == {"S": "PENDING"}
    assert "SHIP#S1" in items and items["RECT"]["rect_of"] == {"S": "430000"}
    assert "COORD" in _items("430000-20250227-PARENT01")
    notice = {**_notice(case, "rated"), "id": f"{case.number}:2"}
    assert performed.runs == [(Step.NOTIFY, notice), (Step.SEND, message)]


def test_events_are_sealed_into_the_chain_in_the_one_save_path(book: CaseBook) -> None:
    case = _created(book)
    saved = book.save(case, [_act(case, "update_form"), _act(case, "update_form")])
    events = DynamoCaseRepository(TABLE).events(case.number)
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert verify_chain(events).ok
    assert saved.last_hash == events[-1]["hash"]


def test_a_rectification_is_opened_once(book: CaseBook) -> None:
    case = _created(book)
    rect = {
        "case": case.number,
        "province": "430000",
        "authority": "A",
        "status": "open",
        "due": "2025-03-24",
    }
    case = book.save(case, [_act(case, "rated")], extra=[RectificationRecord(rect, new=True)])
    with pytest.raises(Conflict):
        book.save(case, [_act(case, "rated")], extra=[RectificationRecord(rect, new=True)])
    closed = {**rect, "status": "closed"}
    book.save(
        book.load(case.number),
        [_act(case, "rectification_closed")],
        extra=[RectificationRecord(closed, new=False)],
    )
    assert DynamoCaseQueries(TABLE).rectification(case.number) == closed


def test_a_coordination_mark_is_due_until_it_is_done(book: CaseBook) -> None:
    parent = "430000-20250227-PARENT01"
    book.save_many([], extra=[CoordinationMark(parent, "2025-03-03T09:00:00+08:00")])
    reads = DynamoCaseQueries(TABLE)
    assert reads.coordination_due("2025-03-03T08:59:59+08:00", 10) == []
    assert reads.coordination_due("2025-03-03T09:00:00+08:00", 10) == [parent]
    book.save_many([], extra=[CoordinationDone(parent)])
    assert reads.coordination_due("2025-03-04T00:00:00+08:00", 10) == []


def test_a_case_acted_on_runs_the_case_rows_of_the_table_in_order(
    book: CaseBook, performed: Performed
) -> None:
    case = _created(book)
    performed.runs.clear()
    book.acted(case)
    assert [step for step, _ in performed.runs] == [
        step for what, step in AFTER_COMMIT if what is Committed.CASE_ACTED
    ]
    assert [step for step, _ in performed.runs] == [Step.COORDINATE_JOINT, Step.ANNOUNCE_VIDEO]


def test_a_gateway_write_that_won_makes_the_loser_an_internal_conflict(book: CaseBook) -> None:
    from chalicelib.domain.errors import InternalConflict
    from chalicelib.services.cases import GATEWAY

    case = _created(book)
    stale = book.load(case.number)
    book.save(book.load(case.number), [_act(case, "file_checked", by=GATEWAY)])
    with pytest.raises(InternalConflict):
        book.save(stale, [_act(stale, "update_form", by=CLERK)])


def test_an_unwired_step_is_skipped() -> None:
    ran: list[Any] = []
    table = AfterCommit({Step.SEND: ran.append})
    table.run(Committed.NOTICE, [{"id": "n"}])
    table.run(Committed.MESSAGE, [{"id": "m"}])
    assert ran == [{"id": "m"}]


def test_an_unknown_case_is_none_for_the_book(book: CaseBook) -> None:
    assert book.find("430000-20250227-NOTHERE1") is None
    assert book.find(_created(book).number) is not None
