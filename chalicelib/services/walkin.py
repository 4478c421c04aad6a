"""The walk-in applicant's public routes: progress by case number + 查询码, and the rating (好差评)
through the same pair. No token: the code printed on the receipt is the credential.

Invariants:
- Nothing personal is answered: no name, ID number, phone, form value, file or staff identity;
  the card says what the case is, where it stands, its milestones, the result's delivery, the
  ratings given and the rectifications with their follow-up (回访).
- An unknown number, a wrong code, a case without a code (not a window intake) and a malformed
  code are answered alike (404 `case_not_found`), so numbers cannot be probed.
- Every well-formed attempt counts against two hourly quotas before the case is read: per client
  address and per case number (existing or not); beyond either, 429 `public_lookup_rate_limited`
  with `Retry-After`. A 40-bit code at the per-number limit takes longer than a case lives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from chalicelib.domain.case import Case, RatingChannel, RatingTarget
from chalicelib.domain.case_acts import By, describe_event
from chalicelib.domain.case_states import RATEABLE, Actor
from chalicelib.domain.clock import beijing_date, rfc3339
from chalicelib.domain.errors import NotFound, TooManyRequests
from chalicelib.domain.query_code import query_code_matches, query_code_well_formed
from chalicelib.domain.record_commands import RateByLink
from chalicelib.domain.regions import province_name
from chalicelib.domain.walkin import progress_path, rating_path
from chalicelib.services.case_queries import CaseQueries
from chalicelib.services.case_views import progress
from chalicelib.services.cases import CaseService
from chalicelib.services.ratings import RatingService
from chalicelib.services.reveal import QuotaStore, hour_window

LOOKUPS_PER_ADDRESS_PER_HOUR: Final = 300  # a 政务服务中心's applicants may share one address (NAT)
LOOKUPS_PER_CASE_PER_HOUR: Final = 30
QUOTA_ADDRESS, QUOTA_CASE = "public-lookup-address", "public-lookup-case"
# The walk-in applicant as the actor of a rating: identified by the code they hold, no one else.
WALK_IN = By(actor=Actor.APPLICANT, role="applicant", subject="walk-in:query-code", on_behalf_of=None)


class WalkInService:
    def __init__(
        self,
        cases: CaseService,
        ratings: RatingService,
        quotas: QuotaStore,
        queries: CaseQueries,
        per_address: int = LOOKUPS_PER_ADDRESS_PER_HOUR,
        per_case: int = LOOKUPS_PER_CASE_PER_HOUR,
    ) -> None:
        self._cases = cases
        self._ratings = ratings
        self._quotas = quotas
        self._queries = queries
        self.per_address = per_address
        self.per_case = per_case

    def progress(self, number: str, code: str | None, client: str, lang: str) -> dict[str, Any]:
        case, events = self._opened(number, code, client, with_events=True)
        return self.card(case, events, lang)

    def rate(self, number: str, command: RateByLink, client: str, lang: str) -> dict[str, Any]:
        """好差评 through the link: the same rules as the app's (once per target, after the result)."""
        case, _ = self._opened(number, command.code, client, with_events=False)
        rated = self._ratings.rate_case(case, WALK_IN, command.rating, RatingChannel.LINK)
        _, events = self._queries.with_events(number)
        return self.card(rated, events, lang)

    def _opened(
        self, number: str, code: str | None, client: str, *, with_events: bool
    ) -> tuple[Case, list[dict[str, Any]]]:
        if not code or not query_code_well_formed(code):
            raise NotFound("case_not_found")  # as a wrong code is: nothing read, nothing counted
        self._count(client, number)
        if with_events:
            case, events = self._queries.with_events(number)
        else:
            case, events = self._queries.case(number), []
        expected = case.intake.query_code if case is not None and case.intake is not None else None
        if case is None or not query_code_matches(expected, code):
            raise NotFound("case_not_found")
        return case, events

    def _count(self, client: str, number: str) -> None:
        window, expires_at, left = hour_window(self._cases.now())
        for name, who, limit in (
            (QUOTA_ADDRESS, client, self.per_address),
            (QUOTA_CASE, number, self.per_case),
        ):
            if not self._quotas.take_quota(name, who, window, limit, expires_at + 3600):
                raise TooManyRequests("public_lookup_rate_limited", retry_after=left)

    def card(self, case: Case, events: list[dict[str, Any]], lang: str) -> dict[str, Any]:
        """The public progress card: no personal data (module docstring)."""
        today = beijing_date(self._cases.now())
        rateable = case.state in RATEABLE
        targets = [RatingTarget.AUTHORITY, *([RatingTarget.WINDOW] if case.intake is not None else [])]
        ratings = []
        for target in targets:
            given = case.window_rating if target is RatingTarget.WINDOW else case.rating
            ratings.append(
                {
                    "target": target.value,
                    "rated": given is not None,
                    "level": given.level.value if given else None,
                    "rated_at": rfc3339(given.rated_at) if given else None,
                    "open": rateable and given is None,
                }
            )
        result = case.result
        return {
            "number": case.number,
            "item_code": case.item_code,
            "item_name": case.item_name,
            "mode": case.mode.value,
            "handling": {
                "province": case.handler.province,
                "province_name": province_name(case.handler.province),
                "authority_name": case.handler.authority_name,
            },
            "intake": None
            if case.intake is None
            else {"province": case.intake.province, "province_name": province_name(case.intake.province)},
            "submitted_at": _time(case.submitted_at),
            "progress": progress(case, self._cases.book.calendar(), today, lang),
            "milestones": [
                {"at": e["at"], "state": e["to"], "description": describe_event(str(e["act"]), lang)}
                for e in events
                if e.get("from") != e.get("to")
            ],
            "result": None
            if result is None
            else {
                "delivery": result.delivery.value,
                "title": result.title,
                "issued_at": _time(result.issued_at),
                "delivered_at": _time(result.delivered_at),
            },
            "ratings": ratings,
            "rectifications": [
                {
                    "target": n.target.value,
                    "status": n.status,
                    "opened_at": _time(n.opened_at),
                    "due": n.due.isoformat(),
                    "follow_up": None
                    if n.follow_up is None
                    else {
                        "actions": n.follow_up.actions,
                        "applicant_feedback": n.follow_up.applicant_feedback,
                        "at": _time(n.follow_up.at),
                    },
                }
                for n in case.rectifications
            ],
            "links": {"progress": progress_path(case.number), "rating": rating_path(case.number)},
        }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else rfc3339(moment)
