"""Working-day calendars: read a published year; publish one (seeding, later the ops API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.domain.calendar import YearCalendar


class CalendarStore(Protocol):
    def calendar(self, year: int) -> dict[str, Any] | None: ...
    def put_calendar(self, year: int, doc: dict[str, Any]) -> None: ...


class CalendarService:
    def __init__(self, store: CalendarStore) -> None:
        self._store = store

    def year(self, year: int) -> dict[str, Any]:
        doc = self._store.calendar(year)
        if doc is None:
            raise NotFound("calendar_year_not_published")
        return doc

    def publish(self, calendar: YearCalendar) -> dict[str, Any]:
        doc = calendar.model_dump(mode="json")
        self._store.put_calendar(calendar.year, doc)
        return doc
