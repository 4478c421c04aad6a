"""Time-limit supervision: the scheduled sweep (预警 and 超期) and recomputation of provisional
due dates when next year's calendar is published. It finds the cases through the query side
(services/case_queries.py) and writes each through the case book, on the version it read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain import working_days
from chalicelib.domain.case import Case
from chalicelib.domain.case_acts import deadline_of, record, refresh_clock
from chalicelib.domain.clock import beijing_date
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.services.case_queries import CaseQueries
from chalicelib.services.cases import GATEWAY, CaseService


@dataclass
class SweepReport:
    checked: int = 0
    warned: int = 0
    overdue: int = 0
    recomputed: int = 0
    conflicts: int = 0


class DeadlineService:
    def __init__(self, cases: CaseService, queries: CaseQueries) -> None:
        self._cases = cases
        self._queries = queries

    def sweep(self, today: date) -> SweepReport:
        """Record a warning when a case's light turns yellow and an overdue event when it turns red.

        Reads only the due-index entries whose next check date has come; each case is then moved
        to its next check date (or out of the index once overdue), so the sweep stays cheap.
        """
        report = SweepReport()
        for case in self._queries.due_for_check(today.year, today.isoformat()):
            report.checked += 1
            self._check(case, today, report)
        return report

    def _check(self, case: Case, today: date, report: SweepReport) -> None:
        calendar = self._cases.book.calendar()
        deadline = deadline_of(case.clock)
        if deadline is None or deadline.due is None:
            return
        light = working_days.light(calendar, today, deadline)
        now = self._cases.now()
        details = {"due": deadline.due.isoformat(), "provisional": case.clock.provisional or None}
        if light is working_days.Light.RED and not case.clock.overdue:
            outcome = record(case, "deadline_overdue", GATEWAY, now, details)
            outcome.case.clock.overdue = outcome.case.clock.warned = True
        elif light is not working_days.Light.GREEN and not case.clock.warned:
            left = working_days.working_days_left(calendar, today, deadline.due)
            outcome = record(case, "deadline_warning", GATEWAY, now, {**details, "days_left": left})
            outcome.case.clock.warned = True
        else:
            return
        try:
            self._cases.save(case, [outcome])
        except Conflict:
            report.conflicts += 1  # a clerk acted meanwhile; the next sweep sees the new state
            return
        if outcome.event["act"] == "deadline_warning":
            report.warned += 1
            return
        report.overdue += 1
        if case.joint is not None:
            self._escalate(case, now)

    def _escalate(self, part: Case, now: Any) -> None:
        """A joint case's part overdue: the lead's supervision sees it on the joint case (督办)."""
        assert part.joint is not None
        try:
            parent = self._cases.book.load(part.joint.parent)
            details = {"part": part.joint.part, "case": part.number, "due": str(part.clock.promised_due)}
            self._cases.save(parent, [record(parent, "part_overdue", GATEWAY, now, details)])
        except (Conflict, NotFound):
            pass  # the parent lives at the lead province, or moved meanwhile: the lead's own sweep sees it

    def recompute_provisional(self, year: int) -> SweepReport:
        """Next year's calendar is out: every due date that guessed at it is computed again."""
        report = SweepReport()
        calendar = self._cases.book.calendar()
        for case in self._queries.provisional_in(year):
            report.checked += 1
            before = (case.clock.promised_due, case.clock.statutory_due)
            outcome = record(case, "deadline_recomputed", GATEWAY, self._cases.now(), {"year": year})
            refresh_clock(outcome.case, calendar, beijing_date(self._cases.now()))
            clock = outcome.case.clock
            outcome.event["details"].update(
                {
                    "promised_due": clock.promised_due.isoformat() if clock.promised_due else None,
                    "was": before[0].isoformat() if before[0] else None,
                    "provisional": clock.provisional,
                }
            )
            try:
                self._cases.save(case, [outcome])
                report.recomputed += 1
            except Conflict:
                report.conflicts += 1
        return report
