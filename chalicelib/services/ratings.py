"""好差评 and 整改: one rating per case by its applicant; a bad one opens a rectification that the
authority closes with a recorded follow-up (回访) within 15 working days."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.case import RatingLevel
from chalicelib.domain.case_acts import rate, record
from chalicelib.domain.clock import beijing_date
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.identity import Principal, Role
from chalicelib.services.case_book import Page
from chalicelib.services.cases import CaseService, by_for, by_of

RECTIFICATION_DAYS = 15


class RatingService:
    def __init__(self, cases: CaseService) -> None:
        self._cases = cases

    def rate(self, principal: Principal, number: str, body: dict[str, Any]) -> Any:
        case = self._cases.owned(principal, number)
        now = self._cases.now()
        level = RatingLevel(body["level"])
        by = by_for(principal, case)
        outcome = rate(case, by, now, level, list(body.get("tags") or []), body.get("comment"))
        extra = []
        if level.is_bad:
            due = self._cases.book.calendar().add_working_days(beijing_date(now), RECTIFICATION_DAYS)
            rectification = {
                "case": case.number,
                "item_name": case.item_name,
                "province": case.handler.province,
                "authority": case.handler.authority,
                "rating": level.value,
                "status": "open",
                "opened_at": now.isoformat(timespec="seconds"),
                "due": due.isoformat(),
                "follow_up": None,
            }
            extra.append(self._cases.book.store.rectification_item(rectification, new=True))
            outcome.event["details"]["rectification_due"] = due.isoformat()
        return self._cases.save(case, [outcome], extra)

    def follow_up(self, principal: Principal, number: str, body: dict[str, Any]) -> dict[str, Any]:
        """回访 closes the rectification; recorded on the case's timeline too."""
        case = self._cases.handled(principal, number)
        store = self._cases.book.store
        rectification = store.rectification(number)
        if rectification is None:
            raise NotFound("rectification_not_found")
        if rectification["status"] != "open":
            raise Conflict("rectification_closed")
        now = self._cases.now()
        rectification = {
            **rectification,
            "status": "closed",
            "follow_up": {
                "actions": body["actions"],
                "applicant_feedback": body["applicant_feedback"],
                "by": principal.subject,
                "at": now.isoformat(timespec="seconds"),
            },
        }
        outcome = record(case, "rectification_closed", by_of(principal), now, {"actions": body["actions"]})
        self._cases.save(case, [outcome], [store.rectification_item(rectification, new=False)])
        return rectification

    def rectifications(
        self, principal: Principal, status: str, limit: int, start: dict[str, Any] | None
    ) -> Page:
        authority = principal.authority if principal.role is Role.AUTHORITY_CLERK else None
        return self._cases.book.store.rectifications(
            principal.province or "", status, authority, limit, start
        )
